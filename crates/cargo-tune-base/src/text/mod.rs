//! Text every layer writes: durations, sizes, counts, dates, intervals, Markdown cells, "did
//! you mean", terminal styles and TOML values as JSON. One spelling each, so that every report
//! says a thing the same way.

pub mod date;
pub mod duration;
pub mod interval;
pub mod markdown;
pub mod size;
pub mod style;
pub mod suggest;
pub mod toml_json;

pub use interval::interval;
pub use style::{Styles, paint};

/// `1.234s` (three significant decimals below ten seconds).
pub fn secs(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.3}s")
    } else {
        format!("{value:.1}s")
    }
}

/// Seconds as [`secs`] writes them; `-` where there are none.
pub fn opt_secs(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), secs)
}

/// A ratio to three decimals, `0.912`; `-` where there is none.
pub fn opt_ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"))
}

/// An interval as [`interval()`] writes it; `-` where there is none.
pub fn opt_interval(value: Option<cargo_tune_schema::Interval>) -> String {
    value.map_or_else(|| "-".to_owned(), |i| interval(&i).to_string())
}

/// `1 run`, `2 runs`.
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `12.3 MiB`.
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = value as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Where each line of a text starts, for asking [`line_col`] of many offsets: each call of
/// that scans from the top.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`.
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    /// As [`line_col`] of `text`, the text this index was made of.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        // The last line starting at or before the offset; the first always starts at 0.
        let line = self.starts.partition_point(|&start| start <= offset);
        let column = text[self.starts[line - 1]..offset].chars().count() + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(super::line_col(text, 0), (1, 1));
        assert_eq!(super::line_col(text, 6), (2, 1));
        assert_eq!(super::line_col(text, text.find('=').unwrap()), (1, 3));
        assert_eq!(super::line_col(text, text.rfind('=').unwrap()), (2, 4));
    }
}
