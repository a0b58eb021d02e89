//! The one way an interval is written: `[0.912, 0.987]`, with its confidence and the runs it
//! rests on where the reader needs them (`[0.912, 0.987] at 98.3% (5 pairs)`).

use std::fmt;

use cargo_tune_schema::Interval;

/// An interval being written; see [`interval`].
pub struct IntervalText<'a> {
    interval: &'a Interval,
    value: Option<&'a dyn Fn(f64) -> String>,
    confidence: bool,
    of: Option<(usize, &'a str)>,
}

/// Writes `i`: its bounds as ratios (three decimals) unless told how.
pub fn interval(i: &Interval) -> IntervalText<'_> {
    IntervalText {
        interval: i,
        value: None,
        confidence: false,
        of: None,
    }
}

impl<'a> IntervalText<'a> {
    /// Writes the bounds with `f` (`1.2s`, `12.0 MiB`).
    pub fn values(mut self, f: &'a dyn Fn(f64) -> String) -> Self {
        self.value = Some(f);
        self
    }

    /// Adds the confidence level: ` at 95%`, ` at 98.3%`.
    pub fn confidence(mut self) -> Self {
        self.confidence = true;
        self
    }

    /// Adds what it rests on: ` (5 pairs)`.
    pub fn of(mut self, n: usize, what: &'a str) -> Self {
        self.of = Some((n, what));
        self
    }
}

/// A confidence level as a percentage, one decimal where it has one: `95`, `98.3`.
pub fn percent(level: f64) -> String {
    let text = format!("{:.1}", level * 100.0);
    text.strip_suffix(".0").unwrap_or(&text).to_owned()
}

impl fmt::Display for IntervalText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.interval;
        match self.value {
            Some(v) => write!(f, "[{}, {}]", v(i.low), v(i.high))?,
            None => write!(f, "[{:.3}, {:.3}]", i.low, i.high)?,
        }
        if self.confidence {
            write!(f, " at {}%", percent(i.confidence))?;
        }
        if let Some((n, what)) = self.of {
            write!(f, " ({})", super::count(n, what))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_confidence_and_runs() {
        let i = Interval {
            low: 0.9123,
            high: 0.98765,
            confidence: 1.0 - 0.05 / 3.0,
        };
        assert_eq!(interval(&i).to_string(), "[0.912, 0.988]");
        assert_eq!(
            interval(&i).confidence().of(5, "pair").to_string(),
            "[0.912, 0.988] at 98.3% (5 pairs)"
        );
        let secs = |v: f64| format!("{v:.1}s");
        let guard = Interval {
            low: 1.0,
            high: 2.0,
            confidence: 0.95,
        };
        assert_eq!(
            interval(&guard).values(&secs).confidence().to_string(),
            "[1.0s, 2.0s] at 95%"
        );
    }
}
