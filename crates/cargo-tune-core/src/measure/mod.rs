//! Measuring builds: scenarios, variants in their own target directories, interleaved runs,
//! per-run metrics (wall, CPU, whole-tree peak memory, largest process, artifacts, units
//! rebuilt), and the comparison of two variants.

pub mod context;
pub mod history;
pub mod memory;
pub mod messages;
pub mod process;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod stopwatch;
pub mod touch;
pub mod workload;

use cargo_tune_schema::{
    BenchReport, FORMAT_VERSION, HistoryEntry, HistoryResult, Measurement, MetricSummaries,
    RunContext, ScenarioBench, ScenarioComparison, ToolInfo, TryReport, VariantSpec, Verdict,
};

pub use runner::{MeasureError, MeasurePlan, Progress, RunLabel, ScenarioRuns, measure};
pub use scenario::Scenario;

use crate::variant::Variant;

/// Summaries of every metric over `runs`; `None` without runs.
pub fn summaries(runs: &[Measurement]) -> Option<MetricSummaries> {
    let of =
        |f: &dyn Fn(&Measurement) -> f64| stats::summarize(&runs.iter().map(f).collect::<Vec<_>>());
    let opt = |f: &dyn Fn(&Measurement) -> Option<u64>| {
        let values: Vec<f64> = runs.iter().filter_map(f).map(|v| v as f64).collect();
        stats::summarize(&values)
    };
    Some(MetricSummaries {
        wall_s: of(&|m| m.wall_s)?,
        cpu_s: of(&|m| m.user_s + m.sys_s)?,
        peak_tree_rss_bytes: opt(&|m| m.peak_tree_rss_bytes),
        max_process_rss_bytes: opt(&|m| m.max_process_rss_bytes),
        artifact_bytes: of(&|m| m.artifact_bytes as f64)?,
        units_rebuilt: of(&|m| f64::from(m.units_rebuilt))?,
        harness_cpu_s: of(&|m| m.harness_cpu_s)?,
    })
}

/// The baseline/candidate comparison of one scenario (outcomes: baseline, candidate).
pub fn compare(runs: &ScenarioRuns) -> ScenarioComparison {
    let baseline = &runs.outcomes[0];
    let candidate = &runs.outcomes[1];
    let median =
        |o: &cargo_tune_schema::VariantOutcome| o.summary.as_ref().map(|s| s.wall_s.median);
    let pairs = baseline.runs.len().min(candidate.runs.len());
    let ratios: Vec<f64> = baseline
        .runs
        .iter()
        .zip(&candidate.runs)
        .map(|(b, c)| c.wall_s / b.wall_s)
        .collect();
    let failed = baseline.failure.is_some() || candidate.failure.is_some();
    let (ratio, interval, verdict) = match stats::ratio_interval(&ratios) {
        Some(_) if failed => (None, None, Verdict::Failed),
        Some((ratio, interval)) => (Some(ratio), Some(interval), stats::verdict(&interval)),
        None => (
            None,
            None,
            if failed {
                Verdict::Failed
            } else {
                Verdict::Noise
            },
        ),
    };
    ScenarioComparison {
        scenario: runs.scenario.as_str().to_owned(),
        baseline: median(baseline),
        candidate: median(candidate),
        ratio,
        interval,
        verdict,
        pairs,
        variants: runs.outcomes.clone(),
    }
}

/// The schema view of a variant.
pub fn variant_spec(variant: &Variant, target_dir: &std::path::Path) -> VariantSpec {
    VariantSpec {
        name: variant.name.clone(),
        changes: variant.changes.clone(),
        config: variant.config.clone(),
        env: variant
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        rustflags: variant.rustflags.clone(),
        target_dir: target_dir.display().to_string(),
    }
}

/// Assembles `cargo tune try`'s document.
pub fn try_report(
    version: &str,
    workspace_root: &str,
    context: RunContext,
    variants: Vec<VariantSpec>,
    runs: &[ScenarioRuns],
) -> TryReport {
    TryReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(version),
        workspace_root: workspace_root.to_owned(),
        context,
        variants,
        scenarios: runs.iter().map(compare).collect(),
    }
}

/// Assembles `cargo tune bench`'s document.
pub fn bench_report(
    version: &str,
    workspace_root: &str,
    context: RunContext,
    variant: VariantSpec,
    runs: &[ScenarioRuns],
) -> BenchReport {
    BenchReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(version),
        workspace_root: workspace_root.to_owned(),
        context,
        variant,
        scenarios: runs
            .iter()
            .map(|r| {
                let result = r.outcomes[0].clone();
                ScenarioBench {
                    scenario: r.scenario.as_str().to_owned(),
                    median: result.summary.as_ref().map(|s| s.wall_s.median),
                    result,
                }
            })
            .collect(),
    }
}

/// The history line of a `try`.
pub fn history_of_try(report: &TryReport, finished_at: u64) -> HistoryEntry {
    let mut results = Vec::new();
    for s in &report.scenarios {
        for (i, v) in s.variants.iter().enumerate() {
            results.push(HistoryResult {
                scenario: s.scenario.clone(),
                variant: v.variant.clone(),
                summary: v.summary.clone(),
                failed: v.failure.is_some(),
                ratio: if i == 1 { s.ratio } else { None },
                verdict: (i == 1).then_some(s.verdict),
            });
        }
    }
    HistoryEntry {
        format_version: FORMAT_VERSION,
        command: "try".to_owned(),
        finished_at,
        tool: report.tool.clone(),
        context: report.context.clone(),
        variants: report.variants.clone(),
        results,
    }
}

/// The history line of a `bench`.
pub fn history_of_bench(report: &BenchReport, finished_at: u64) -> HistoryEntry {
    HistoryEntry {
        format_version: FORMAT_VERSION,
        command: "bench".to_owned(),
        finished_at,
        tool: report.tool.clone(),
        context: report.context.clone(),
        variants: vec![report.variant.clone()],
        results: report
            .scenarios
            .iter()
            .map(|s| HistoryResult {
                scenario: s.scenario.clone(),
                variant: s.result.variant.clone(),
                summary: s.result.summary.clone(),
                failed: s.result.failure.is_some(),
                ratio: None,
                verdict: None,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{VariantFailure, VariantOutcome};

    use super::*;

    fn outcome(variant: &str, walls: &[f64], failed: bool) -> VariantOutcome {
        let runs: Vec<Measurement> = walls
            .iter()
            .map(|w| Measurement {
                wall_s: *w,
                user_s: 0.0,
                sys_s: 0.0,
                peak_tree_rss_bytes: None,
                max_process_rss_bytes: None,
                artifact_bytes: 0,
                units_rebuilt: 1,
                units_total: 1,
                harness_cpu_s: 0.0,
            })
            .collect();
        VariantOutcome {
            variant: variant.to_owned(),
            summary: summaries(&runs),
            runs,
            failure: failed.then(|| VariantFailure {
                during: "run 3".to_owned(),
                command: "cargo build".to_owned(),
                status: "exit status: 101".to_owned(),
                last_lines: Vec::new(),
            }),
        }
    }

    #[test]
    fn ratios_are_taken_pair_by_pair() {
        // Drift doubles both variants' times halfway; the pairs still show a constant 0.8.
        let runs = ScenarioRuns {
            scenario: Scenario::DevIncremental,
            outcomes: vec![
                outcome("baseline", &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0], false),
                outcome("candidate", &[0.8, 0.8, 0.8, 1.6, 1.6, 1.6], false),
            ],
        };
        let c = compare(&runs);
        assert_eq!(c.pairs, 6);
        assert!((c.ratio.unwrap() - 0.8).abs() < 1e-9);
        assert_eq!(c.verdict, Verdict::Faster);
        assert!(
            (c.baseline.unwrap() - 1.5).abs() < 1e-9 && (c.candidate.unwrap() - 1.2).abs() < 1e-9
        );
    }

    #[test]
    fn a_failed_variant_keeps_the_other_results_and_has_no_ratio() {
        let runs = ScenarioRuns {
            scenario: Scenario::Check,
            outcomes: vec![
                outcome("baseline", &[1.0, 1.1, 1.2], false),
                outcome("candidate", &[0.9, 1.0], true),
            ],
        };
        let c = compare(&runs);
        assert_eq!(c.verdict, Verdict::Failed);
        assert_eq!(c.ratio, None);
        assert_eq!(c.variants[0].runs.len(), 3);
        assert_eq!(c.baseline, Some(1.1));
    }
}
