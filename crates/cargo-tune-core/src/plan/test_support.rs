//! Values the plan's tests build again and again.

use cargo_tune_schema::{Interval, PlanMeasurement, Verdict};

use crate::probe::LinkerSetup;

/// A measurement of `candidate` in `scenario` with a ±10 % interval.
pub(crate) fn m(candidate: &str, scenario: &str, verdict: Verdict, ratio: f64) -> PlanMeasurement {
    PlanMeasurement {
        candidate: candidate.to_owned(),
        scenario: scenario.to_owned(),
        verdict,
        ratio: Some(ratio),
        interval: Some(Interval {
            low: ratio * 0.9,
            high: ratio * 1.1,
            confidence: 0.99,
        }),
        baseline_s: Some(2.0),
        cache_bytes: None,
        pairs: Some(5),
    }
}

/// A linker that test-linked (`ok`) or not.
pub(crate) fn linker(name: &str, ok: bool) -> LinkerSetup {
    LinkerSetup {
        linker: name.to_owned(),
        flags: if ok {
            Ok(vec!["-Clink-arg=-fuse-ld=x".to_owned()])
        } else {
            Err("not installed".to_owned())
        },
    }
}
