//! Paired runs and how they are judged: each candidate's ratios to the workspace as it is,
//! pooled over the stages of the race, judged at the confidence of the whole field, and scored
//! on the goal's weighted scenarios.

use cargo_tune_schema::{PlanMeasurement, ScenarioResult, Verdict, WorkloadComparison};

/// One candidate's paired runs in one scenario, pooled over the stages of a round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pairs {
    /// Scenario name.
    pub scenario: String,
    /// Candidate ÷ baseline wall time, one per round of runs.
    pub ratios: Vec<f64>,
    /// The baseline's wall times of those rounds.
    pub baseline_s: Vec<f64>,
    /// The candidate or the baseline failed to build.
    pub failed: bool,
    /// The candidate's CI cache, compressed, in bytes (`ci-warm`).
    pub cache_bytes: Option<u64>,
    /// With a workload: its run time with the candidate's build ÷ with the baseline's, one per
    /// round of workload runs.
    pub runtime_ratios: Vec<f64>,
    /// The workload failed with either build.
    pub runtime_failed: bool,
    /// The candidate's binary size ÷ the baseline's.
    pub size_ratio: Option<f64>,
}

/// The paired runs of `candidate` against the variant named `baseline` in each scenario of
/// `results`, run by run. Where the baseline was not built in a scenario (its earlier build
/// stands in for it), each run of the candidate is paired with `earlier(scenario)`.
pub fn pairs(
    results: &[ScenarioResult],
    candidate: &str,
    baseline: &str,
    earlier: &dyn Fn(&str) -> Option<f64>,
) -> Vec<Pairs> {
    results
        .iter()
        .filter_map(|s| {
            let c = s.variants.iter().find(|v| v.variant == candidate)?;
            let base = s.variants.iter().find(|v| v.variant == baseline);
            // A baseline that was not built again here (its earlier build stands in) may still
            // have run the workload.
            let (base_runs, base_failed): (Vec<f64>, bool) = match base {
                Some(b) if !b.runs.is_empty() || b.failure.is_some() => (
                    b.runs.iter().map(|r| r.charged_s()).collect(),
                    b.failure.is_some(),
                ),
                _ => (vec![earlier(&s.scenario)?; c.runs.len()], false),
            };
            let runtime = base.and_then(|b| Some((b.runtime.as_ref()?, c.runtime.as_ref()?)));
            let runtime_ratios = runtime.map_or_else(Vec::new, |(b, c)| {
                crate::measure::stats::pair_ratios(&b.runs_s, &c.runs_s)
            });
            let runtime_failed = runtime
                .is_some_and(|(b, c)| b.failure.is_some() || c.failure.is_some())
                || (c.runtime.is_none() && base.is_some_and(|b| b.runtime.is_some()));
            let size_ratio = base
                .and_then(|b| b.binary_bytes)
                .zip(c.binary_bytes)
                .filter(|(b, _)| *b > 0)
                .map(|(b, c)| c as f64 / b as f64);
            Some(Pairs {
                scenario: s.scenario.clone(),
                ratios: base_runs
                    .iter()
                    .zip(&c.runs)
                    .map(|(b, c)| c.charged_s() / b)
                    .collect(),
                baseline_s: base_runs,
                failed: base_failed || c.failure.is_some(),
                cache_bytes: c.cache_bytes,
                runtime_ratios,
                runtime_failed,
                size_ratio,
            })
        })
        .collect()
}

/// Adds the pairs of a later stage to those of the stages before, scenario by scenario.
pub fn pool(into: &mut Vec<Pairs>, more: Vec<Pairs>) {
    for m in more {
        match into.iter_mut().find(|p| p.scenario == m.scenario) {
            Some(p) => {
                p.ratios.extend(m.ratios);
                p.baseline_s.extend(m.baseline_s);
                p.failed |= m.failed;
                p.cache_bytes = m.cache_bytes.or(p.cache_bytes);
                p.runtime_ratios.extend(m.runtime_ratios);
                p.runtime_failed |= m.runtime_failed;
                p.size_ratio = m.size_ratio.or(p.size_ratio);
            }
            None => into.push(m),
        }
    }
}

/// The measurements of `candidate` from its pooled pairs, each at the confidence of a run of
/// `of` candidates (the whole round's, so that adding runs to a few does not loosen it).
pub fn judge(candidate: &str, pairs: &[Pairs], of: usize) -> Vec<PlanMeasurement> {
    pairs
        .iter()
        .map(|p| {
            let estimate = crate::measure::stats::compare_ratios(
                &p.ratios,
                crate::measure::confidence_for(of),
            );
            let baseline_s = crate::measure::stats::summarize(&p.baseline_s).map(|s| s.median);
            let (verdict, ratio, interval) = match estimate {
                _ if p.failed => (Verdict::Failed, None, None),
                Some(e) => (e.verdict, Some(e.ratio), e.interval),
                None => (Verdict::Inconclusive, None, None),
            };
            let runtime = (!p.runtime_ratios.is_empty() || p.runtime_failed).then(|| {
                match crate::measure::stats::compare_ratios(
                    &p.runtime_ratios,
                    crate::measure::confidence_for(of),
                ) {
                    _ if p.runtime_failed || p.failed => (Verdict::Failed, None, None),
                    Some(e) => (e.verdict, Some(e.ratio), e.interval),
                    None => (Verdict::Inconclusive, None, None),
                }
            });
            PlanMeasurement {
                candidate: candidate.to_owned(),
                scenario: p.scenario.clone(),
                verdict,
                ratio,
                interval,
                baseline_s,
                cache_bytes: p.cache_bytes,
                pairs: Some(p.ratios.len()),
                workload: WorkloadComparison {
                    runtime_verdict: runtime.map(|r| r.0),
                    runtime_ratio: runtime.and_then(|r| r.1),
                    runtime_interval: runtime.and_then(|r| r.2),
                    runtime_pairs: runtime.map(|_| p.runtime_ratios.len()),
                    size_ratio: p.size_ratio,
                },
            }
        })
        .collect()
}

/// The weighted mean log ratio over the scenarios measured: below 0 when the candidate is
/// faster on the goal's weighted scenarios by its point estimates. `None` without a ratio.
pub fn score(ms: &[PlanMeasurement], weight: &dyn Fn(&str) -> f64) -> Option<f64> {
    let (sum, total) = ms
        .iter()
        .filter_map(|m| Some((weight(&m.scenario), m.ratio?)))
        .fold((0.0, 0.0), |(s, t), (w, r)| (s + w * r.ln(), t + w));
    (total > 0.0).then(|| sum / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_support::pairs_of;

    #[test]
    fn pooled_pairs_are_judged_at_the_round_confidence() {
        let mut p = vec![pairs_of("dev-clean", &[0.90, 0.80])];
        let first = judge("c", &p, 6);
        assert_eq!(first[0].verdict, Verdict::Inconclusive);
        assert_eq!(first[0].pairs, Some(2));
        pool(
            &mut p,
            vec![
                pairs_of("dev-clean", &[0.84, 0.86, 0.85, 0.83, 0.87, 0.85]),
                pairs_of("dev-incremental", &[1.0]),
            ],
        );
        let pooled = judge("c", &p, 6);
        assert_eq!(pooled[0].verdict, Verdict::Faster, "{pooled:?}");
        assert_eq!(pooled[0].pairs, Some(8));
        assert_eq!(
            pooled[0].interval.unwrap().confidence,
            crate::measure::confidence_for(6)
        );
        assert_eq!(pooled[1].scenario, "dev-incremental");
        p[0].failed = true;
        assert_eq!(judge("c", &p, 6)[0].verdict, Verdict::Failed);
    }
}
