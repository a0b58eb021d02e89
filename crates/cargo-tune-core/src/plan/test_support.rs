//! Values the plan's tests build again and again.

use cargo_tune_schema::{Interval, PlanMeasurement, Verdict, WorkloadComparison};

use super::decision::Pairs;
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
        workload: WorkloadComparison::default(),
    }
}

/// A record of `goal` with nothing in it yet.
pub(crate) fn empty_record(goal: cargo_tune_schema::Goal) -> cargo_tune_schema::PlanRecord {
    cargo_tune_schema::PlanRecord::new(
        "0.0.0",
        goal,
        cargo_tune_test_support::fingerprint(),
        vec!["release-clean".to_owned()],
        2,
        900,
    )
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

/// Build-time pairs of `scenario` with these ratios, each against a 2 s baseline.
pub(crate) fn pairs_of(scenario: &str, ratios: &[f64]) -> Pairs {
    Pairs {
        scenario: scenario.to_owned(),
        ratios: ratios.to_vec(),
        baseline_s: vec![2.0; ratios.len()],
        failed: false,
        cache_bytes: None,
        runtime_ratios: Vec::new(),
        runtime_failed: false,
        size_ratio: None,
    }
}
