//! The one duration grammar users write, on the command line and in SLO specs: numbers each with
//! a unit, largest first or not (`800ms`, `90s`, `15m`, `1.5m`, `1h30m`). A bare number is
//! refused, since `--budget 15` could mean seconds or minutes.

use std::time::Duration;

const UNITS: &[(&str, f64)] = &[
    ("ms", 0.001),
    ("s", 1.0),
    ("min", 60.0),
    ("m", 60.0),
    ("h", 3600.0),
];

/// Parses a duration; the error is a fragment for "invalid duration `…`: …".
pub fn parse(text: &str) -> Result<Duration, String> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("expected a number with a unit, e.g. 90s, 15m or 1h30m".to_owned());
    }
    let mut secs = 0.0;
    while !rest.is_empty() {
        let (number, after) = super::size::split_number(rest);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("expected a number at `{rest}`, e.g. 90s, 15m or 1h30m"))?;
        let after = after.trim_start();
        let unit_end = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, tail) = after.split_at(unit_end);
        let factor = match UNITS.iter().find(|(u, _)| *u == unit) {
            Some((_, f)) => *f,
            None if unit.is_empty() => {
                return Err(format!(
                    "`{number}` has no unit; write {number}s, {number}m or {number}h"
                ));
            }
            None => return Err(format!("unknown unit `{unit}`; expected ms, s, m or h")),
        };
        secs += value * factor;
        rest = tail.trim_start();
    }
    if !secs.is_finite() || secs <= 0.0 {
        return Err("a duration must be above zero".to_owned());
    }
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

/// A duration written in the grammar [`parse`] reads, in whole units: `15m`, `1h30m`, `90s`
/// becomes `1m30s`, `800ms`.
pub fn format(d: Duration) -> String {
    let total_ms = d.as_millis();
    if total_ms < 1000 {
        return format!("{total_ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_required_and_may_be_combined() {
        let s = Duration::from_secs;
        assert_eq!(parse("90s"), Ok(s(90)));
        assert_eq!(parse("15m"), Ok(s(900)));
        assert_eq!(parse("1h30m"), Ok(s(5400)));
        assert_eq!(parse("1h 30m"), Ok(s(5400)));
        assert_eq!(parse("1.5m"), Ok(s(90)));
        assert_eq!(parse("2 s"), Ok(s(2)));
        assert_eq!(parse("800ms"), Ok(Duration::from_millis(800)));
        assert_eq!(parse("2min"), Ok(s(120)));
        let bare = parse("15").unwrap_err();
        assert!(bare.contains("15s, 15m or 15h"), "{bare}");
        assert!(parse("0s").unwrap_err().contains("above zero"));
        assert!(parse("5d").unwrap_err().contains("unknown unit `d`"));
        assert!(parse("").is_err());
        assert!(parse("m").is_err());
    }

    #[test]
    fn formatted_durations_read_back() {
        for secs in [1, 59, 60, 90, 900, 3600, 5400, 86_399] {
            let d = Duration::from_secs(secs);
            assert_eq!(parse(&format(d)), Ok(d), "{}", format(d));
        }
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format(Duration::from_millis(800)), "800ms");
    }
}
