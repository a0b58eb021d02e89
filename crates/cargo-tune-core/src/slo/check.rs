//! The pure SLO check: measurements and a validated spec in, one verdict per SLO out.
//!
//! Each limit is compared with an interval of the median (order statistics of the runs, as
//! `try` uses for ratios): `fail` only when the whole interval is over the limit, `pass` when it
//! is wholly within, `inconclusive` otherwise. A regression limit is an absolute limit computed
//! from the baseline: its median times `1 + fraction`; the baseline is the accepted reference,
//! so its own spread is not widened into the interval (record it with more runs to steady it).

use std::collections::BTreeMap;

use cargo_tune_schema::{
    BaselineEntry, GuardBaseline, GuardSummary, Interval, SloLevel, SloLimit, SloMetric,
    SloOutcome, SloResult,
};

use super::spec::{InconclusivePolicy, Slo, Subject, ValidSloSpec};
use crate::measure::stats;
use crate::text::{bytes, secs};

/// Below this achieved confidence (fewer than 3 runs) no SLO is decided.
pub const MIN_CONFIDENCE: f64 = 0.75;

/// What was measured for one scenario or workload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observed {
    /// Wall time of every measured run, seconds.
    pub wall_s: Vec<f64>,
    /// Whole-tree peak memory of every measured run, bytes (empty where not measured).
    pub peak_memory_bytes: Vec<f64>,
    /// The largest workspace binary the scenario built, with its name.
    pub binary: Option<(String, u64)>,
    /// Why the measurement stopped (a failed build, a workload's exit status or timeout).
    pub failure: Option<String>,
}

impl Observed {
    /// From each measured run's wall time and whole-tree peak memory (where measured).
    pub fn from_runs(
        runs: impl IntoIterator<Item = (f64, Option<u64>)>,
        binary: Option<(String, u64)>,
        failure: Option<String>,
    ) -> Self {
        let (wall_s, peaks): (Vec<f64>, Vec<Option<u64>>) = runs.into_iter().unzip();
        Observed {
            wall_s,
            peak_memory_bytes: peaks.into_iter().flatten().map(|b| b as f64).collect(),
            binary,
            failure,
        }
    }

    /// The accepted values, as the baseline file stores them.
    pub fn to_baseline(&self, subject: &Subject) -> BaselineEntry {
        BaselineEntry {
            subject: subject.name(),
            wall_s: self.wall_s.clone(),
            peak_memory_bytes: self.peak_memory_bytes.clone(),
            binary_size: self.binary.as_ref().map(|(_, size)| *size),
        }
    }
}

/// Everything measured, by subject.
pub type Measurements = BTreeMap<Subject, Observed>;

/// The outcome of a whole check.
#[derive(Clone, Debug, PartialEq)]
pub struct SloVerdict {
    /// One result per checked SLO, in declaration order.
    pub results: Vec<SloResult>,
    /// Counts.
    pub summary: GuardSummary,
    /// Whether the run must exit 1: a `deny` SLO failed, or was inconclusive under
    /// `inconclusive = "fail"`.
    pub violated: bool,
}

/// Which limits [`check`] compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckMode {
    /// Every SLO.
    #[default]
    All,
    /// Absolute limits only: the run is about to become the baseline.
    AbsoluteOnly,
}

/// Checks every active SLO of `spec` against `measurements`.
pub fn check(
    measurements: &Measurements,
    spec: &ValidSloSpec,
    baseline: Option<&GuardBaseline>,
    mode: CheckMode,
) -> SloVerdict {
    let mut results = Vec::new();
    let mut summary = GuardSummary::default();
    let mut violated = false;
    for slo in spec.active() {
        if mode == CheckMode::AbsoluteOnly && matches!(slo.limit, SloLimit::Regression { .. }) {
            continue;
        }
        let entry =
            baseline.and_then(|b| b.entries.iter().find(|e| e.subject == slo.subject.name()));
        let result = check_one(slo, measurements.get(&slo.subject), entry);
        match (result.outcome, slo.level) {
            (SloOutcome::Pass, _) => summary.passed += 1,
            (SloOutcome::Fail, SloLevel::Deny) => {
                summary.failed += 1;
                violated = true;
            }
            (SloOutcome::Fail, _) => summary.warned += 1,
            (SloOutcome::Inconclusive, level) => {
                summary.inconclusive += 1;
                if level == SloLevel::Deny && spec.inconclusive == InconclusivePolicy::Fail {
                    violated = true;
                }
            }
            (_, _) => {}
        }
        results.push(result);
    }
    SloVerdict {
        results,
        summary,
        violated,
    }
}

fn format(metric: SloMetric, value: f64) -> String {
    match metric {
        SloMetric::Time => secs(value),
        SloMetric::PeakMemory | SloMetric::BinarySize => bytes(value as u64),
    }
}

fn median(values: &[f64]) -> Option<f64> {
    stats::summarize(values).map(|s| s.median)
}

/// The values of `metric` in `observed`, and whether they vary from run to run.
fn values(metric: SloMetric, observed: &Observed) -> Vec<f64> {
    match metric {
        SloMetric::Time => observed.wall_s.clone(),
        SloMetric::PeakMemory => observed.peak_memory_bytes.clone(),
        SloMetric::BinarySize => observed
            .binary
            .iter()
            .map(|(_, size)| *size as f64)
            .collect(),
    }
}

fn baseline_median(metric: SloMetric, entry: &BaselineEntry) -> Option<f64> {
    match metric {
        SloMetric::Time => median(&entry.wall_s),
        SloMetric::PeakMemory => median(&entry.peak_memory_bytes),
        SloMetric::BinarySize => entry.binary_size.map(|b| b as f64),
    }
}

fn check_one(slo: &Slo, observed: Option<&Observed>, entry: Option<&BaselineEntry>) -> SloResult {
    let mut result = SloResult {
        subject: slo.subject.name(),
        metric: slo.metric,
        limit: slo.limit,
        limit_text: slo.limit_text.clone(),
        effective_limit: None,
        baseline: None,
        median: None,
        interval: None,
        runs: 0,
        level: slo.level,
        outcome: SloOutcome::Inconclusive,
        message: String::new(),
    };
    let Some(observed) = observed else {
        result.message = "not measured".to_owned();
        return result;
    };
    if let Some(failure) = &observed.failure {
        result.outcome = SloOutcome::Fail;
        result.message = failure.clone();
        return result;
    }
    let limit = match slo.limit {
        SloLimit::Absolute { value } => value,
        SloLimit::Regression { fraction } => {
            let Some(base) = entry.and_then(|e| baseline_median(slo.metric, e)) else {
                result.message = format!(
                    "no baseline {} for `{}`; record one with `cargo tune guard --update-baseline`",
                    slo.metric.as_str(),
                    result.subject
                );
                return result;
            };
            result.baseline = Some(base);
            base * (1.0 + fraction)
        }
    };
    result.effective_limit = Some(limit);
    let values = values(slo.metric, observed);
    result.runs = values.len();
    let Some((median, interval)) = (if slo.metric == SloMetric::BinarySize {
        // The size of a built file does not vary between runs: a point, fully known.
        values.first().map(|v| {
            (
                *v,
                Interval {
                    low: *v,
                    high: *v,
                    confidence: 1.0,
                },
            )
        })
    } else {
        stats::median_interval(&values)
    }) else {
        result.message = format!("no {} was measured on this platform", slo.metric.as_str());
        return result;
    };
    result.median = Some(median);
    result.interval = Some(interval);
    let limit_text = match slo.limit {
        SloLimit::Absolute { .. } => format(slo.metric, limit),
        SloLimit::Regression { fraction } => format!(
            "{} (baseline {} {:+.0}%)",
            format(slo.metric, limit),
            format(slo.metric, result.baseline.unwrap_or_default()),
            fraction * 100.0
        ),
    };
    let range = if interval.low == interval.high {
        format(slo.metric, median)
    } else {
        format!(
            "median {}, interval {}",
            format(slo.metric, median),
            crate::text::interval(&interval)
                .values(&|v| format(slo.metric, v))
                .confidence()
                .of(values.len(), "run")
        )
    };
    let binary = match (&observed.binary, slo.metric) {
        (Some((name, _)), SloMetric::BinarySize) => format!(" (`{name}`)"),
        _ => String::new(),
    };
    if interval.confidence < MIN_CONFIDENCE {
        result.message = format!(
            "{range}{binary}: {} run(s) cannot tell a limit from noise; use 3 or more (limit {limit_text})",
            values.len()
        );
    } else if interval.low > limit {
        result.outcome = SloOutcome::Fail;
        result.message = format!("{range}{binary} is wholly over the limit {limit_text}");
    } else if interval.high <= limit {
        result.outcome = SloOutcome::Pass;
        result.message = format!("{range}{binary} is within the limit {limit_text}");
    } else {
        result.message = format!(
            "{range}{binary} straddles the limit {limit_text}; more runs or a quieter machine can decide"
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use cargo_tune_schema::{BaselineInfo, FORMAT_VERSION, ToolInfo};

    use super::*;
    use crate::slo::spec::SloSpec;
    use crate::vocab::Scenario;
    use crate::workspace::ManifestDoc;

    fn spec(slo: &str) -> ValidSloSpec {
        let text = format!("[workspace]\n[workspace.metadata.tune.slo]\n{slo}");
        let m = ManifestDoc::parse(Path::new("/ws/Cargo.toml"), Path::new("/ws"), text).unwrap();
        SloSpec::find(&m, Path::new("/nonexistent-dir"))
            .unwrap()
            .unwrap()
            .validate()
            .unwrap()
            .0
    }

    fn times(walls: &[f64]) -> Measurements {
        let mut m = Measurements::new();
        m.insert(
            Subject::Scenario(Scenario::Check),
            Observed {
                wall_s: walls.to_vec(),
                peak_memory_bytes: walls.iter().map(|w| w * 1e8).collect(),
                ..Observed::default()
            },
        );
        m
    }

    fn baseline(walls: &[f64]) -> GuardBaseline {
        GuardBaseline {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current("0.0.0"),
            info: BaselineInfo {
                recorded_at: 0,
                rustc: String::new(),
                host: String::new(),
                cores: 2,
                jobs: 2,
                git_revision: None,
            },
            entries: vec![
                Observed {
                    wall_s: walls.to_vec(),
                    ..Observed::default()
                }
                .to_baseline(&Subject::Scenario(Scenario::Check)),
            ],
        }
    }

    fn outcome(v: &SloVerdict) -> SloOutcome {
        v.results[0].outcome
    }

    #[test]
    fn pass_fail_and_inconclusive_follow_the_interval() {
        let s = spec("check = \"10s\"\n");
        let v = check(&times(&[8.0, 8.5, 9.0, 9.5, 9.9]), &s, None, CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Pass, "{v:?}");
        assert!(!v.violated);
        assert_eq!(v.summary.passed, 1);

        let v = check(&times(&[10.5, 11.0, 12.0]), &s, None, CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Fail, "{v:?}");
        assert!(v.violated);
        assert!(v.results[0].message.contains("wholly over"), "{v:?}");

        // The median (9.5) is within the limit, but one run is over: not enough to say.
        let v = check(&times(&[9.0, 9.5, 10.5]), &s, None, CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Inconclusive, "{v:?}");
        assert!(!v.violated, "inconclusive passes by default");
        assert_eq!(v.results[0].median, Some(9.5));
    }

    #[test]
    fn one_or_two_runs_never_decide() {
        let s = spec("check = \"10s\"\n");
        for walls in [&[50.0][..], &[50.0, 60.0]] {
            let v = check(&times(walls), &s, None, CheckMode::All);
            assert_eq!(outcome(&v), SloOutcome::Inconclusive, "{v:?}");
            assert!(v.results[0].message.contains("3 or more"));
        }
    }

    #[test]
    fn inconclusive_can_be_made_to_fail() {
        let s = spec("inconclusive = \"fail\"\ncheck = \"10s\"\n");
        let v = check(&times(&[9.0, 9.5, 10.5]), &s, None, CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Inconclusive);
        assert!(v.violated);
    }

    #[test]
    fn warn_level_reports_without_violating_and_allow_is_skipped() {
        let s = spec(
            "check = { time = \"1s\", level = \"warn\", peak-memory = \"1B\" }\ndev-clean = { time = \"1s\", level = \"allow\" }\n",
        );
        let v = check(&times(&[5.0, 5.0, 5.0]), &s, None, CheckMode::All);
        assert_eq!(v.results.len(), 2);
        assert!(v.results.iter().all(|r| r.outcome == SloOutcome::Fail));
        assert_eq!(v.summary.warned, 2);
        assert!(!v.violated);
    }

    #[test]
    fn regression_limits_scale_the_baseline_median() {
        let s = spec("check = { regression = \"+10%\" }\n");
        let base = baseline(&[10.0, 10.0, 10.0]);
        let v = check(&times(&[10.2, 10.5, 10.8]), &s, Some(&base), CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Pass, "{v:?}");
        assert!((v.results[0].effective_limit.unwrap() - 11.0).abs() < 1e-9);
        assert_eq!(v.results[0].baseline, Some(10.0));
        let v = check(&times(&[11.5, 12.0, 13.0]), &s, Some(&base), CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Fail, "{v:?}");
        let v = check(&times(&[11.5, 12.0, 13.0]), &s, None, CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Inconclusive);
        assert!(v.results[0].message.contains("--update-baseline"));
        let v = check(
            &times(&[11.5, 12.0, 13.0]),
            &s,
            None,
            CheckMode::AbsoluteOnly,
        );
        assert!(v.results.is_empty());
    }

    #[test]
    fn peak_memory_and_binary_size_are_checked_in_bytes() {
        let s = spec("dev-clean = { peak-memory = \"1GB\", binary-size = \"1MiB\" }\n");
        let mut m = Measurements::new();
        m.insert(
            Subject::Scenario(Scenario::DevClean),
            Observed {
                wall_s: vec![1.0; 3],
                peak_memory_bytes: vec![4e8, 5e8, 6e8],
                binary: Some(("app".to_owned(), 2 << 20)),
                failure: None,
            },
        );
        let v = check(&m, &s, None, CheckMode::All);
        assert_eq!(v.results[0].outcome, SloOutcome::Pass);
        assert_eq!(v.results[1].outcome, SloOutcome::Fail);
        assert!(v.results[1].message.contains("`app`"), "{v:?}");
        // Memory without samples (another platform) decides nothing.
        m.get_mut(&Subject::Scenario(Scenario::DevClean))
            .unwrap()
            .peak_memory_bytes
            .clear();
        let v = check(&m, &s, None, CheckMode::All);
        assert_eq!(v.results[0].outcome, SloOutcome::Inconclusive);
    }

    #[test]
    fn a_failed_measurement_fails_its_slos() {
        let s =
            spec("[workspace.metadata.tune.slo.workload.w]\ncommand = [\"true\"]\ntime = \"1s\"\n");
        let mut m = Measurements::new();
        m.insert(
            Subject::Workload("w".to_owned()),
            Observed {
                failure: Some("timed out after 1s".to_owned()),
                ..Observed::default()
            },
        );
        let v = check(&m, &s, None, CheckMode::All);
        assert_eq!(outcome(&v), SloOutcome::Fail);
        assert!(v.violated);
    }
}
