//! Dates as reports show them: UTC calendar dates from seconds since the Unix epoch, with no
//! time zone database to depend on.

/// Days since 1970-01-01 as a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2026-12-01`.
pub fn date(epoch: u64) -> String {
    let (y, m, d) = civil((epoch / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-12-01 14:05 UTC`.
pub fn date_time(epoch: u64) -> String {
    let secs = epoch % 86_400;
    format!(
        "{} {:02}:{:02} UTC",
        date(epoch),
        secs / 3600,
        (secs % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date_time(0), "1970-01-01 00:00 UTC");
        // 2000-02-29 12:34 UTC, a leap day.
        assert_eq!(date_time(951_827_640), "2000-02-29 12:34 UTC");
        assert_eq!(date(1_796_083_200), "2026-12-01");
    }
}
