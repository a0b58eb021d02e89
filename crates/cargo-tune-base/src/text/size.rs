//! Sizes and rates as people write them: `500MiB`, `1.5GB`, `100MB/s`.

/// Splits the digits and dots `text` starts with from what follows: `"2.5 MiB"` into
/// `("2.5", " MiB")`, and `"1h30m"` into `("1", "h30m")`.
pub(crate) fn split_number(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    text.split_at(end)
}

/// Splits `"2.5 MiB"` into `(2.5, "MiB")`.
pub(crate) fn number_and_unit(text: &str) -> Result<(f64, &str), String> {
    let (num, unit) = split_number(text.trim());
    let value: f64 = num
        .parse()
        .map_err(|_| "expected a number followed by a unit".to_owned())?;
    if !value.is_finite() {
        return Err("expected a finite number".to_owned());
    }
    Ok((value, unit.trim()))
}

/// `"500MiB"`, `"1.5GB"`, `"800 KiB"`, `"1024B"`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (value, unit) = number_and_unit(text)?;
    let factor: f64 = match unit {
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "" => return Err("missing unit".to_owned()),
        other => return Err(format!("unknown unit `{other}`")),
    };
    let bytes = value * factor;
    if bytes < 1.0 {
        return Err("a limit must be above zero".to_owned());
    }
    Ok(bytes.round() as u64)
}

/// A rate in bytes per second: a size per second (`100MB/s`, `1GiB/s`).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let size = text
        .trim()
        .strip_suffix("/s")
        .ok_or_else(|| "expected a size per second, e.g. 100MB/s".to_owned())?;
    parse_size(size).map(|b| b as f64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates_are_sizes_per_second() {
        assert_eq!(super::parse_rate("100MB/s").unwrap(), 1e8);
        assert_eq!(super::parse_rate("1 GiB/s").unwrap(), 1_073_741_824.0);
        assert!(super::parse_rate("100MB").is_err());
        assert!(super::parse_rate("0MB/s").is_err());
    }
}
