//! Measuring builds: scenarios, variants in their own target directories, runs in rotated
//! rounds, per-run metrics (wall, CPU, whole-tree peak memory, largest process, artifacts, units
//! rebuilt), and the comparison of candidates with a baseline.
//!
//! The engine of `try` (and of anything that ranks changes by measuring them): expand changes
//! and give each its [`crate::change::Change::reach`]; choose scenarios with
//! [`select::select_scenarios`]; resolve each candidate into a [`Variant`]; then
//! [`compare_candidates`] measures baseline and candidates (Ctrl-C through a flag, progress
//! through a callback) and returns per scenario each candidate's ratio, interval and verdict.

pub mod bench;
pub mod ci_cache;
pub mod context;
pub mod dylib;
pub mod history;
pub mod macros;
pub mod messages;
pub mod runner;
pub mod select;
pub mod session;
pub mod stats;
pub mod timings;
pub mod touch;
pub mod trial;
pub mod workload;

use std::sync::atomic::AtomicBool;

use cargo_tune_schema::{
    ByteSummary, Comparison, FORMAT_VERSION, HistoryEntry, HistoryResult, MeasureReport,
    Measurement, MetricSummaries, ScenarioResult, VariantSpec, Verdict, WorkloadComparison,
};

pub use crate::vocab::{Progress, RunLabel};
pub use runner::{MeasureError, MeasurePlan, ScenarioRuns, measure};

use crate::change::variant::Variant;

/// Summaries of every metric over `runs`; `None` without runs.
pub fn summaries(runs: &[Measurement]) -> Option<MetricSummaries> {
    let of =
        |f: &dyn Fn(&Measurement) -> f64| stats::summarize(&runs.iter().map(f).collect::<Vec<_>>());
    let bytes = |values: Vec<u64>| {
        let s = stats::summarize(&values.iter().map(|v| *v as f64).collect::<Vec<_>>())?;
        Some(ByteSummary {
            median: s.median.round() as u64,
            min: s.min as u64,
            max: s.max as u64,
        })
    };
    Some(MetricSummaries {
        wall_s: of(&|m| m.wall_s)?,
        cpu_s: of(&|m| m.user_s + m.sys_s)?,
        peak_tree_rss_bytes: bytes(runs.iter().filter_map(|m| m.peak_tree_rss_bytes).collect()),
        max_process_rss_bytes: bytes(
            runs.iter()
                .filter_map(|m| m.max_process_rss_bytes)
                .collect(),
        ),
        artifact_bytes: bytes(runs.iter().map(|m| m.artifact_bytes).collect())?,
        units_rebuilt: of(&|m| f64::from(m.units_rebuilt))?,
        harness_cpu_s: of(&|m| m.harness_cpu_s)?,
        compiler_cache_hit_rate: stats::summarize(
            &runs
                .iter()
                .filter_map(|m| m.compiler_cache?.hit_rate())
                .collect::<Vec<_>>(),
        ),
        compiler_cache_hits: stats::summarize(
            &runs
                .iter()
                .filter_map(|m| Some(m.compiler_cache?.hits as f64))
                .collect::<Vec<_>>(),
        ),
    })
}

/// The confidence of each of `candidates` comparisons, so that the chance of any false verdict
/// among them stays within 1 − [`stats::CONFIDENCE`] (Bonferroni).
pub fn confidence_for(candidates: usize) -> f64 {
    1.0 - (1.0 - stats::CONFIDENCE) / candidates.max(1) as f64
}

/// Every candidate of one scenario against the baseline (`runs.outcomes[0]`), at the
/// confidence [`confidence_for`] the number of candidates `of` in the run. The fastest
/// candidate with a `faster` verdict is marked best.
pub fn compare(runs: &ScenarioRuns, of: usize) -> Vec<Comparison> {
    let Some((baseline, candidates)) = runs.outcomes.split_first() else {
        return Vec::new();
    };
    let median =
        |o: &cargo_tune_schema::VariantOutcome| o.summary.as_ref().map(|s| s.wall_s.median);
    let mut comparisons: Vec<Comparison> = candidates
        .iter()
        .map(|candidate| {
            let ratios: Vec<f64> = baseline
                .runs
                .iter()
                .zip(&candidate.runs)
                .map(|(b, c)| c.charged_s() / b.charged_s())
                .collect();
            let failed = baseline.failure.is_some() || candidate.failure.is_some();
            let estimate = stats::compare_ratios(&ratios, confidence_for(of));
            let mut c = Comparison {
                candidate: candidate.variant.clone(),
                baseline_median: median(baseline),
                candidate_median: median(candidate),
                ratio: None,
                interval: None,
                verdict: Verdict::Failed,
                pairs: ratios.len(),
                faster_pairs: ratios.iter().filter(|r| **r < 1.0).count(),
                more_runs: None,
                best: false,
                workload: compare_runtime(baseline, candidate, confidence_for(of)),
            };
            if let (false, Some(e)) = (failed, estimate) {
                c.ratio = Some(e.ratio);
                c.interval = e.interval;
                c.verdict = e.verdict;
                c.more_runs = e.more_runs;
            } else if !failed {
                c.verdict = Verdict::Inconclusive;
            }
            c
        })
        .collect();
    let best = comparisons
        .iter()
        .enumerate()
        .filter(|(_, c)| c.verdict == Verdict::Faster)
        .min_by(|a, b| {
            a.1.ratio
                .unwrap_or(1.0)
                .total_cmp(&b.1.ratio.unwrap_or(1.0))
        })
        .map(|(i, _)| i);
    if let Some(i) = best {
        comparisons[i].best = true;
    }
    comparisons
}

/// The run time of the workload with `candidate`'s build against the baseline's, round by
/// round, at `confidence`; and the binary's size.
fn compare_runtime(
    baseline: &cargo_tune_schema::VariantOutcome,
    candidate: &cargo_tune_schema::VariantOutcome,
    confidence: f64,
) -> WorkloadComparison {
    let mut c = WorkloadComparison::default();
    if let (Some(b), Some(s)) = (baseline.binary_bytes, candidate.binary_bytes)
        && b > 0
    {
        c.size_ratio = Some(s as f64 / b as f64);
    }
    let (Some(base), Some(cand)) = (&baseline.runtime, &candidate.runtime) else {
        // A build that failed has no binary: its run time failed with it.
        if baseline.runtime.is_some() || candidate.runtime.is_some() {
            c.runtime_verdict = Some(Verdict::Failed);
        }
        return c;
    };
    let ratios = stats::pair_ratios(&base.runs_s, &cand.runs_s);
    c.runtime_pairs = Some(ratios.len());
    if base.failure.is_some() || cand.failure.is_some() {
        c.runtime_verdict = Some(Verdict::Failed);
        return c;
    }
    match stats::compare_ratios(&ratios, confidence) {
        Some(e) => {
            c.runtime_ratio = Some(e.ratio);
            c.runtime_interval = e.interval;
            c.runtime_verdict = Some(e.verdict);
        }
        None => c.runtime_verdict = Some(Verdict::Inconclusive),
    }
    c
}

/// Measures the baseline (`plan.variants[0]`) and every candidate (the other variants) in
/// every scenario of the plan, in rotated rounds, and compares each candidate with the
/// baseline. `cancel` is polled while cargo runs (Ctrl-C: the build is killed, the edited file
/// restored and [`MeasureError::Interrupted`] returned); `progress` is told of every run.
pub fn compare_candidates(
    plan: &MeasurePlan,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<Vec<ScenarioResult>, MeasureError> {
    let runs = measure(plan, cancel, progress)?;
    let candidates = plan.variants.len().saturating_sub(1);
    Ok(runs
        .iter()
        .map(|r| scenario_result(r, Some(candidates)))
        .collect())
}

/// The schema view of one scenario's runs, with comparisons when `candidates` is given.
pub fn scenario_result(runs: &ScenarioRuns, candidates: Option<usize>) -> ScenarioResult {
    ScenarioResult {
        scenario: runs.scenario.as_str().to_owned(),
        rounds: runs.rounds.clone(),
        variants: runs.outcomes.clone(),
        comparisons: candidates.map_or_else(Vec::new, |of| compare(runs, of)),
    }
}

/// The schema view of a variant.
pub fn variant_spec(variant: &Variant, target_dir: &std::path::Path) -> VariantSpec {
    VariantSpec {
        name: variant.name.clone(),
        changes: variant.changes.clone(),
        expanded: variant.expanded.clone(),
        config: variant.config.clone(),
        env: variant
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        rustflags: variant.rustflags.clone(),
        target_dir: target_dir.display().to_string(),
        toolchain: variant
            .toolchain
            .as_ref()
            .map(|t| cargo_tune_schema::VariantToolchain {
                name: t.name.clone(),
                rustup_name: t.rustup_name.clone(),
                channel: t.info.channel.as_str().to_owned(),
                rustc: t.version_line.clone(),
                cargo: t.cargo.display().to_string(),
            }),
        unstable: variant.unstable.clone(),
        notes: variant.notes.clone(),
    }
}

/// The history line of a `bench` or `try`.
pub fn history_of(report: &MeasureReport, finished_at: u64) -> HistoryEntry {
    let mut results = Vec::new();
    for s in &report.scenarios {
        for v in &s.variants {
            let comparison = s.comparisons.iter().find(|c| c.candidate == v.variant);
            results.push(HistoryResult {
                scenario: s.scenario.clone(),
                variant: v.variant.clone(),
                summary: v.summary.clone(),
                failed: v.failure.is_some(),
                ratio: comparison.and_then(|c| c.ratio),
                verdict: comparison.map(|c| c.verdict),
            });
        }
    }
    HistoryEntry {
        format_version: FORMAT_VERSION,
        command: report.command.clone(),
        finished_at,
        tool: report.tool.clone(),
        context: report.context.clone(),
        variants: report.variants.clone(),
        results,
    }
}

/// A build that took `wall_s` and nothing else worth recording, for tests of what is made of
/// wall times.
#[cfg(any(test, feature = "test-util"))]
#[doc(hidden)]
pub fn wall_only(wall_s: f64) -> Measurement {
    Measurement {
        wall_s,
        user_s: 0.0,
        sys_s: 0.0,
        peak_tree_rss_bytes: None,
        max_process_rss_bytes: None,
        artifact_bytes: 0,
        units_rebuilt: 1,
        units_total: 1,
        harness_cpu_s: 0.0,
        compiler_cache: None,
        cache_restore_s: None,
    }
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{VariantFailure, VariantOutcome};

    use super::*;
    use crate::vocab::Scenario;

    fn outcome(variant: &str, walls: &[f64], failed: bool) -> VariantOutcome {
        let runs: Vec<Measurement> = walls.iter().map(|w| wall_only(*w)).collect();
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
            cache_bytes: None,
            runtime: None,
            binary_bytes: None,
        }
    }

    fn runs(outcomes: Vec<VariantOutcome>) -> ScenarioRuns {
        ScenarioRuns {
            scenario: Scenario::DevIncremental,
            rounds: Vec::new(),
            outcomes,
        }
    }

    #[test]
    fn ratios_are_taken_pair_by_pair() {
        // Drift doubles both variants' times halfway; the pairs still show a constant 0.8.
        let runs = runs(vec![
            outcome("baseline", &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0], false),
            outcome("candidate-1", &[0.8, 0.8, 0.8, 1.6, 1.6, 1.6], false),
        ]);
        let c = &compare(&runs, 1)[0];
        assert_eq!(c.pairs, 6);
        assert!((c.ratio.unwrap() - 0.8).abs() < 1e-9);
        assert_eq!(c.verdict, Verdict::Faster);
        assert!(c.best);
        assert!(
            (c.baseline_median.unwrap() - 1.5).abs() < 1e-9
                && (c.candidate_median.unwrap() - 1.2).abs() < 1e-9
        );
    }

    #[test]
    fn every_candidate_is_compared_and_the_fastest_certain_one_is_best() {
        let runs = runs(vec![
            outcome("baseline", &[1.0, 1.1, 0.9, 1.0], false),
            outcome("candidate-1", &[0.9, 0.99, 0.81, 0.9], false),
            outcome("candidate-2", &[0.7, 0.77, 0.63, 0.7], false),
            outcome("candidate-3", &[0.5, 1.6, 0.4, 1.5], false),
        ]);
        let c = compare(&runs, 3);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c.iter().map(|c| c.verdict).collect::<Vec<_>>(),
            [Verdict::Faster, Verdict::Faster, Verdict::Inconclusive]
        );
        assert_eq!(
            c.iter().map(|c| c.best).collect::<Vec<_>>(),
            [false, true, false]
        );
        let confidence = c[0].interval.unwrap().confidence;
        assert!((confidence - (1.0 - 0.05 / 3.0)).abs() < 1e-12);
    }

    fn with_runtime(mut o: VariantOutcome, runs: &[f64], bytes: u64) -> VariantOutcome {
        o.runtime = Some(cargo_tune_schema::RuntimeOutcome {
            command: "rg".to_owned(),
            runs_s: runs.to_vec(),
            summary: stats::summarize(runs),
            failure: None,
        });
        o.binary_bytes = Some(bytes);
        o
    }

    #[test]
    fn run_time_and_size_are_compared_beside_the_build() {
        let runs = runs(vec![
            with_runtime(
                outcome("baseline", &[1.0, 1.0, 1.0], false),
                &[0.5, 0.6, 0.55],
                1000,
            ),
            with_runtime(
                outcome("candidate-1", &[1.3, 1.3, 1.3], false),
                &[0.4, 0.48, 0.44],
                800,
            ),
        ]);
        let c = &compare(&runs, 1)[0];
        assert_eq!(c.verdict, Verdict::Slower);
        assert!(
            (c.workload.runtime_ratio.unwrap() - 0.8).abs() < 1e-9,
            "{c:?}"
        );
        assert_eq!(c.workload.runtime_verdict, Some(Verdict::Faster));
        assert_eq!(c.workload.runtime_pairs, Some(3));
        assert!((c.workload.size_ratio.unwrap() - 0.8).abs() < 1e-9);
        // A workload that failed with the candidate's build: no ratio, the build's kept.
        let mut failed = runs;
        failed.outcomes[1].runtime.as_mut().unwrap().failure = Some(VariantFailure {
            during: "workload run 2".to_owned(),
            command: "rg".to_owned(),
            status: "exit status: 2".to_owned(),
            last_lines: Vec::new(),
        });
        let c = &compare(&failed, 1)[0];
        assert_eq!(c.workload.runtime_verdict, Some(Verdict::Failed));
        assert_eq!(c.workload.runtime_ratio, None);
        assert_eq!(c.verdict, Verdict::Slower);
    }

    #[test]
    fn a_failed_variant_keeps_the_other_results_and_has_no_ratio() {
        let runs = runs(vec![
            outcome("baseline", &[1.0, 1.1, 1.2], false),
            outcome("candidate-1", &[0.9, 1.0], true),
        ]);
        let c = &compare(&runs, 1)[0];
        assert_eq!(c.verdict, Verdict::Failed);
        assert_eq!(c.ratio, None);
        assert!(!c.best);
        assert_eq!(c.baseline_median, Some(1.1));
        assert_eq!(scenario_result(&runs, Some(1)).variants[0].runs.len(), 3);
        assert!(scenario_result(&runs, None).comparisons.is_empty());
    }
}
