//! The decision of one round of the search: each candidate's paired runs judged at the round's
//! confidence, the one to take, the ones out for good, and the follow-up stages that settle a
//! round its first stage left undecided.

use cargo_tune_schema::{
    PlanCandidate, PlanMeasurement, PlanRejection, PlanStage, ScenarioResult, Verdict,
};

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
}

/// The paired runs of `candidate` in a `compare_candidates` run whose first variant is the
/// baseline and whose variant for it is named by its id.
pub fn pairs(results: &[ScenarioResult], candidate: &str) -> Vec<Pairs> {
    results
        .iter()
        .filter_map(|s| {
            let (baseline, rest) = s.variants.split_first()?;
            let c = rest.iter().find(|v| v.variant == candidate)?;
            Some(Pairs {
                scenario: s.scenario.clone(),
                ratios: baseline
                    .runs
                    .iter()
                    .zip(&c.runs)
                    .map(|(b, c)| c.wall_s / b.wall_s)
                    .collect(),
                baseline_s: baseline.runs.iter().map(|r| r.wall_s).collect(),
                failed: baseline.failure.is_some() || c.failure.is_some(),
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
            PlanMeasurement {
                candidate: candidate.to_owned(),
                scenario: p.scenario.clone(),
                verdict,
                ratio,
                interval,
                baseline_s,
                pairs: Some(p.ratios.len()),
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

/// What one round decided.
#[derive(Debug, Default, PartialEq)]
pub struct RoundDecision {
    /// The candidate to take: faster in a weighted scenario, slower or failed in none, a
    /// weighted mean log ratio below 0, and of those the lowest.
    pub chosen: Option<String>,
    /// Candidates out of the search for good: failed, slower, or an alternative for the slot
    /// just taken.
    pub rejected: Vec<PlanRejection>,
    /// Alternatives for the chosen one's slot whose point estimates were better but not yet
    /// shown faster, best first: worth more runs before the slot is filled.
    pub contested: Vec<String>,
}

/// Decides a round from each remaining candidate's measurements. A candidate qualifies when
/// it measured `faster` in at least one scenario of weight above 0, `slower` or failed in none,
/// and its [`score`] is below 0; the qualifying candidate with the lowest score is taken.
/// Candidates that are neither taken nor rejected (noise, inconclusive) stay for the next
/// round.
pub fn decide(
    remaining: &[&PlanCandidate],
    measured: &[Vec<PlanMeasurement>],
    weight: &dyn Fn(&str) -> f64,
) -> RoundDecision {
    let mut decision = RoundDecision::default();
    let mut best: Option<(f64, usize)> = None;
    for (i, (candidate, ms)) in remaining.iter().zip(measured).enumerate() {
        let reject = |reason: String| PlanRejection {
            candidate: candidate.id.clone(),
            reason,
            measurements: ms.clone(),
        };
        if let Some(m) = ms.iter().find(|m| m.verdict == Verdict::Failed) {
            decision
                .rejected
                .push(reject(format!("failed to build in {}", m.scenario)));
            continue;
        }
        if let Some(m) = ms.iter().find(|m| m.verdict == Verdict::Slower) {
            decision.rejected.push(reject(format!(
                "slower in {} ({})",
                m.scenario,
                m.ratio.map_or_else(String::new, |r| format!("{r:.3}"))
            )));
            continue;
        }
        if !ms
            .iter()
            .any(|m| m.verdict == Verdict::Faster && weight(&m.scenario) > 0.0)
        {
            continue;
        }
        let Some(score) = score(ms, weight).filter(|s| *s < 0.0) else {
            continue;
        };
        if best.is_none_or(|(b, _)| score < b) {
            best = Some((score, i));
        }
    }
    if let Some((best_score, i)) = best {
        let chosen = remaining[i];
        decision.chosen = Some(chosen.id.clone());
        let mut contested: Vec<(f64, String)> = Vec::new();
        for (other, ms) in remaining.iter().zip(measured) {
            if other.id != chosen.id
                && other.slot == chosen.slot
                && !decision.rejected.iter().any(|r| r.candidate == other.id)
            {
                // An alternative can have the better point estimates without having shown
                // them to be real: the reason says so rather than calling the step faster.
                let other_score = score(ms, weight).filter(|s| *s < best_score);
                let better = other_score.is_some();
                if let Some(s) = other_score {
                    contested.push((s, other.id.clone()));
                }
                decision.rejected.push(PlanRejection {
                    candidate: other.id.clone(),
                    reason: if better {
                        format!(
                            "an alternative for {} to {}, which measured faster; this one's point estimates were lower but not shown faster",
                            other.slot, chosen.id
                        )
                    } else {
                        format!(
                            "an alternative for {} to {}, which measured faster",
                            other.slot, chosen.id
                        )
                    },
                    measurements: ms.clone(),
                });
            }
        }
        contested.sort_by(|a, b| a.0.total_cmp(&b.0));
        decision.contested = contested.into_iter().map(|(_, id)| id).collect();
    }
    decision
}

/// Stages of extra runs a round may add before it concludes that nothing is faster, unless
/// told otherwise.
pub const DEFAULT_FOLLOW_UPS: usize = 3;

/// The candidates worth more runs when a round chose none (`decision` of those
/// `measured`): not rejected, not `noise` in every scenario, and faster on the weighted
/// scenarios by their point estimates ([`score`] below 0), the better half of them (at least
/// one), best first. Empty when none is worth it: the round has converged.
pub fn contenders(
    remaining: &[&PlanCandidate],
    measured: &[Vec<PlanMeasurement>],
    decision: &RoundDecision,
    weight: &dyn Fn(&str) -> f64,
) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = remaining
        .iter()
        .zip(measured)
        .filter(|(c, _)| !decision.rejected.iter().any(|r| r.candidate == c.id))
        .filter(|(_, ms)| !ms.iter().all(|m| m.verdict == Verdict::Noise))
        .filter_map(|(c, ms)| Some((score(ms, weight)?, c.id.as_str())))
        .filter(|(s, _)| *s < 0.0)
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored.truncate(scored.len().div_ceil(2));
    scored.into_iter().map(|(_, id)| id.to_owned()).collect()
}

/// Runs of a follow-up stage: twice those of the stage before, so that halving the
/// candidates keeps a stage's cost about level.
pub fn follow_up_runs(previous: usize) -> usize {
    (previous * 2).max(2)
}

/// The pairs of a follow-up stage: each candidate measured again (best first) with its pairs
/// per scenario.
pub type StagePairs = Vec<(String, Vec<Pairs>)>;

/// What measures a follow-up stage: the leaders' ids (best first) and the runs of each, to the
/// candidates it measured with their pairs, or `None` when none fits what is left.
pub type MoreRuns<'a, E> = dyn FnMut(&[String], usize) -> Result<Option<StagePairs>, E> + 'a;

/// How many of `leaders` (best first) a follow-up stage of `runs` runs can measure in
/// `left_s` seconds, when a variant's run of every scenario takes `run_s`: the stage costs
/// `(k + 1) × (runs + 1)` such runs for k candidates and the baseline (one warm-up each). 0
/// when not even one fits.
pub fn fitting(leaders: usize, runs: usize, run_s: f64, left_s: f64) -> usize {
    (1..=leaders)
        .rev()
        .find(|k| (k + 1) as f64 * (runs + 1) as f64 * run_s <= left_s)
        .unwrap_or(0)
}

/// A round, settled: the measurements of every remaining candidate (the pairs of every stage
/// pooled), the decision, and the follow-up stages it took.
#[derive(Debug, Default, PartialEq)]
pub struct SettledRound {
    /// Per remaining candidate, in order.
    pub measured: Vec<Vec<PlanMeasurement>>,
    /// What the round decided.
    pub decision: RoundDecision,
    /// The follow-up stages, in order.
    pub stages: Vec<PlanStage>,
}

/// Settles a round from its first stage (`first`: the pairs of each of `remaining`, measured
/// with `runs` runs). While no candidate is taken, or the one taken has a same-slot
/// alternative with better point estimates ([`RoundDecision::contested`], measured again with
/// it so that the slot is not filled with the weaker value by the luck of a few tight pairs),
/// the [`contenders`] are measured again by
/// `more(ids, runs)` with [`follow_up_runs`] runs, their pairs pooled with those before, at
/// most `follow_ups` times; each stage's contenders are drawn from the candidates the stage
/// before measured, so the field narrows. `more` returns the candidates it measured (the best
/// of `ids` that fit what is left of the budget) with their pairs, or `None` when not even one
/// fits (the round then settles on what it has).
pub fn settle<E>(
    remaining: &[&PlanCandidate],
    first: Vec<Vec<Pairs>>,
    runs: usize,
    follow_ups: usize,
    weight: &dyn Fn(&str) -> f64,
    more: &mut MoreRuns<'_, E>,
) -> Result<SettledRound, E> {
    let of = remaining.len();
    let mut pooled = first;
    let judge_all = |pooled: &[Vec<Pairs>]| -> Vec<Vec<PlanMeasurement>> {
        remaining
            .iter()
            .zip(pooled)
            .map(|(c, p)| judge(&c.id, p, of))
            .collect()
    };
    let mut measured = judge_all(&pooled);
    let mut decision = decide(remaining, &measured, weight);
    let mut stages = Vec::new();
    let mut stage_runs = runs;
    let mut field: Vec<usize> = (0..remaining.len()).collect();
    while (decision.chosen.is_none() || !decision.contested.is_empty()) && stages.len() < follow_ups
    {
        let leaders = match &decision.chosen {
            Some(chosen) => {
                let mut both = decision.contested.clone();
                both.push(chosen.clone());
                both
            }
            None => {
                let (in_field, measured_in_field): (
                    Vec<&PlanCandidate>,
                    Vec<Vec<PlanMeasurement>>,
                ) = field
                    .iter()
                    .map(|&i| (remaining[i], measured[i].clone()))
                    .unzip();
                contenders(&in_field, &measured_in_field, &decision, weight)
            }
        };
        if leaders.is_empty() {
            break;
        }
        stage_runs = follow_up_runs(stage_runs);
        let Some(again) = more(&leaders, stage_runs)?.filter(|a| !a.is_empty()) else {
            break;
        };
        let leaders: Vec<String> = again.iter().map(|(id, _)| id.clone()).collect();
        for (id, p) in again {
            if let Some(i) = remaining.iter().position(|c| c.id == id) {
                pool(&mut pooled[i], p);
            }
        }
        field.retain(|&i| leaders.contains(&remaining[i].id));
        measured = judge_all(&pooled);
        decision = decide(remaining, &measured, weight);
        stages.push(PlanStage {
            candidates: leaders,
            runs: stage_runs,
        });
    }
    Ok(SettledRound {
        measured,
        decision,
        stages,
    })
}

/// Estimated seconds of one round of `variants` (baseline included): each variant costs what
/// the probe of the baseline cost (`probe_s`: a warm-up and one run in every scenario) plus
/// `runs - 1` more runs of `run_s` (the sum over scenarios of one measured build).
pub fn round_estimate(variants: usize, runs: usize, probe_s: f64, run_s: f64) -> f64 {
    variants as f64 * (probe_s + runs.saturating_sub(1) as f64 * run_s)
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::Goal;

    use super::*;
    use crate::plan::catalogue::{candidates, weight};
    use crate::plan::test_support::{linker, m};

    #[test]
    fn a_round_takes_the_best_faster_candidate_and_never_a_slower_or_noisy_one() {
        let all = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("mold", true)],
        );
        let pick = |id: &str| all.iter().find(|c| c.id == id).unwrap();
        let remaining = [
            pick("dev-debug-0"),
            pick("dev-debug-line-tables-only"),
            pick("dev-deps-debug-0"),
            pick("linker-mold"),
            pick("dev-split-debuginfo-unpacked"),
        ];
        let measured = vec![
            vec![
                m("dev-debug-0", "a", Verdict::Faster, 0.8),
                m("dev-debug-0", "b", Verdict::Noise, 1.0),
            ],
            vec![
                m("x", "a", Verdict::Faster, 0.9),
                m("x", "b", Verdict::Faster, 0.95),
            ],
            // Much faster in one scenario, slower in the other: never taken.
            vec![
                m("x", "a", Verdict::Faster, 0.5),
                m("x", "b", Verdict::Slower, 1.1),
            ],
            vec![m("x", "a", Verdict::Failed, 1.0)],
            vec![
                m("x", "a", Verdict::Noise, 0.99),
                m("x", "b", Verdict::Inconclusive, 0.7),
            ],
        ];
        let d = decide(&remaining, &measured, &|_| 1.0);
        assert_eq!(d.chosen.as_deref(), Some("dev-debug-0"));
        let rejected: Vec<(&str, &str)> = d
            .rejected
            .iter()
            .map(|r| (r.candidate.as_str(), r.reason.as_str()))
            .collect();
        assert!(
            rejected
                .iter()
                .any(|(c, r)| *c == "dev-deps-debug-0" && r.starts_with("slower in b"))
        );
        assert!(
            rejected
                .iter()
                .any(|(c, r)| *c == "linker-mold" && r.starts_with("failed"))
        );
        // The other debug level is an alternative for the slot just taken.
        assert!(
            rejected
                .iter()
                .any(|(c, r)| *c == "dev-debug-line-tables-only" && r.contains("alternative"))
        );
        // Noise and inconclusive stay for the next round.
        assert!(
            !rejected
                .iter()
                .any(|(c, _)| *c == "dev-split-debuginfo-unpacked")
        );

        let none = decide(&remaining[4..], &measured[4..], &|_| 1.0);
        assert_eq!(none, RoundDecision::default());
    }

    fn dev_weight(scenario: &str) -> f64 {
        weight(Goal::Dev, scenario)
    }

    #[test]
    fn a_step_must_be_faster_on_the_weighted_scenarios_and_slower_in_none() {
        let all = candidates(Goal::Dev, "x86_64-unknown-linux-gnu", &[]);
        let pick = |id: &str| all.iter().find(|c| c.id == id).unwrap();
        let remaining = [
            pick("dev-debug-0"),
            pick("dev-deps-debug-0"),
            pick("dev-split-debuginfo-unpacked"),
        ];
        let inc = "dev-incremental";
        let clean = "dev-clean";
        // Much faster from scratch, but a point estimate 8 % slower in the scenario that
        // weighs three times as much: not taken, and not rejected either (not measured slower).
        let measured = vec![
            vec![
                m("dev-debug-0", inc, Verdict::Inconclusive, 1.08),
                m("dev-debug-0", clean, Verdict::Faster, 0.90),
            ],
            // Faster from scratch, noise after an edit: taken.
            vec![
                m("dev-deps-debug-0", inc, Verdict::Noise, 1.01),
                m("dev-deps-debug-0", clean, Verdict::Faster, 0.85),
            ],
            vec![
                m("dev-split-debuginfo-unpacked", inc, Verdict::Noise, 0.99),
                m("dev-split-debuginfo-unpacked", clean, Verdict::Noise, 1.0),
            ],
        ];
        assert!(score(&measured[0], &dev_weight).unwrap() > 0.0);
        let d = decide(&remaining, &measured, &dev_weight);
        assert_eq!(d.chosen.as_deref(), Some("dev-deps-debug-0"));
        assert!(d.rejected.is_empty(), "{:?}", d.rejected);
        // Weighed alike, the first one is the better.
        let d = decide(&remaining, &measured, &|_| 1.0);
        assert_eq!(d.chosen.as_deref(), Some("dev-deps-debug-0"));
        let d = decide(&remaining[..1], &measured[..1], &|_| 1.0);
        assert_eq!(d.chosen.as_deref(), Some("dev-debug-0"));
        // Faster only in a scenario of weight 0 is not faster for the goal.
        let d = decide(&remaining[1..2], &measured[1..2], &|s| {
            if s == clean { 0.0 } else { 1.0 }
        });
        assert_eq!(d.chosen, None);
    }

    #[test]
    fn contenders_are_the_better_half_of_the_undecided_best_first() {
        let all = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("mold", true), linker("lld", true)],
        );
        let ids = [
            "dev-debug-0",
            "dev-debug-line-tables-only",
            "dev-deps-debug-0",
            "dev-split-debuginfo-unpacked",
            "linker-mold",
            "linker-lld",
        ];
        let remaining: Vec<&PlanCandidate> = ids
            .iter()
            .map(|id| all.iter().find(|c| c.id == *id).unwrap())
            .collect();
        let one = |id: &str, v: Verdict, r: f64| vec![m(id, "dev-incremental", v, r)];
        let measured = vec![
            one("dev-debug-0", Verdict::Inconclusive, 0.95),
            one("dev-debug-line-tables-only", Verdict::Inconclusive, 0.90),
            // Slower: rejected, never measured again.
            one("dev-deps-debug-0", Verdict::Slower, 0.5),
            // No effect worth more runs.
            one("dev-split-debuginfo-unpacked", Verdict::Noise, 0.97),
            one("linker-mold", Verdict::Inconclusive, 0.80),
            // Slower by its point estimate.
            one("linker-lld", Verdict::Inconclusive, 1.02),
        ];
        let d = decide(&remaining, &measured, &|_| 1.0);
        assert_eq!(d.chosen, None);
        let c = contenders(&remaining, &measured, &d, &|_| 1.0);
        assert_eq!(c, ["linker-mold", "dev-debug-line-tables-only"]);
        let c = contenders(&remaining[..1], &measured[..1], &d, &|_| 1.0);
        assert_eq!(c, ["dev-debug-0"]);
        assert!(contenders(&remaining[5..], &measured[5..], &d, &|_| 1.0).is_empty());
    }

    fn pairs_of(scenario: &str, ratios: &[f64]) -> Pairs {
        Pairs {
            scenario: scenario.to_owned(),
            ratios: ratios.to_vec(),
            baseline_s: vec![2.0; ratios.len()],
            failed: false,
        }
    }

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

    /// A deterministic spread around each candidate's true ratio, differing run by run.
    fn noisy(truth: f64, seed: usize, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| truth * (1.0 + 0.06 * (((seed * 7 + i * 13) % 11) as f64 / 10.0 - 0.5)))
            .collect()
    }

    #[test]
    fn extra_runs_settle_a_round_the_first_stage_left_inconclusive() {
        let all = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("mold", true)],
        );
        let truth = [
            ("dev-debug-0", 0.90, 0.80),
            ("dev-deps-debug-0", 0.97, 0.85),
            ("dev-split-debuginfo-unpacked", 1.0, 1.0),
            ("linker-mold", 1.10, 1.05),
        ];
        let remaining: Vec<&PlanCandidate> = truth
            .iter()
            .map(|(id, ..)| all.iter().find(|c| c.id == *id).unwrap())
            .collect();
        let mut stage = 0;
        let mut measure = |ids: &[&str], runs: usize| -> Vec<Vec<Pairs>> {
            stage += 1;
            ids.iter()
                .map(|id| {
                    let (i, (_, inc, clean)) =
                        truth.iter().enumerate().find(|(_, t)| t.0 == *id).unwrap();
                    vec![
                        pairs_of("dev-incremental", &noisy(*inc, i + stage, runs)),
                        pairs_of("dev-clean", &noisy(*clean, i + 2 * stage, runs)),
                    ]
                })
                .collect()
        };
        let ids: Vec<&str> = truth.iter().map(|t| t.0).collect();
        // Two runs are too few for any verdict at the confidence of four candidates.
        let first = measure(&ids, 2);
        let mut asked = Vec::new();
        let settled = settle(
            &remaining,
            first,
            2,
            DEFAULT_FOLLOW_UPS,
            &dev_weight,
            &mut |leaders: &[String], runs| -> Result<_, ()> {
                asked.push((leaders.to_vec(), runs));
                let ids: Vec<&str> = leaders.iter().map(String::as_str).collect();
                Ok(Some(
                    leaders.iter().cloned().zip(measure(&ids, runs)).collect(),
                ))
            },
        )
        .unwrap();
        assert_eq!(settled.decision.chosen.as_deref(), Some("dev-debug-0"));
        // The better half of those faster by point estimate (two of them) went on with twice
        // the runs; the slower one never.
        assert_eq!(asked[0], (vec!["dev-debug-0".to_owned()], 4));
        assert!(
            asked
                .iter()
                .all(|(l, _)| !l.contains(&"linker-mold".to_owned()))
        );
        assert_eq!(settled.stages.len(), asked.len());
        for pair in asked.windows(2) {
            assert!(
                pair[1].0.iter().all(|id| pair[0].0.contains(id)),
                "{asked:?}"
            );
            assert_eq!(pair[1].1, 2 * pair[0].1);
        }
        let chosen = &settled.measured[0];
        assert!(chosen.iter().all(|m| m.verdict != Verdict::Slower));
        assert!(chosen.iter().all(|m| m.pairs > Some(2)));

        // Without budget for a stage, the round settles on the first stage: nothing taken.
        let settled = settle(
            &remaining,
            measure(&ids, 2),
            2,
            DEFAULT_FOLLOW_UPS,
            &dev_weight,
            &mut |_: &[String], _| -> Result<_, ()> { Ok(None) },
        )
        .unwrap();
        assert_eq!(settled.decision.chosen, None);
        assert!(settled.stages.is_empty());
    }

    /// A few tight pairs can make the weaker value of a slot qualify first; the alternative
    /// with the better estimates is measured again with it before the slot is filled.
    #[test]
    fn a_same_slot_alternative_with_better_estimates_is_measured_before_the_slot_is_filled() {
        let all = candidates(Goal::Dev, "x86_64-unknown-linux-gnu", &[]);
        let remaining: Vec<&PlanCandidate> = ["dev-debug-line-tables-only", "dev-debug-0"]
            .iter()
            .map(|id| all.iter().find(|c| c.id == *id).unwrap())
            .collect();
        assert_eq!(remaining[0].slot, remaining[1].slot);
        // line-tables-only: tight and faster in dev-clean; debug = 0: better estimates, loose.
        let first = vec![
            vec![
                pairs_of("dev-incremental", &[0.97, 0.99, 0.95]),
                pairs_of("dev-clean", &[0.895, 0.894, 0.896]),
            ],
            vec![
                pairs_of("dev-incremental", &[0.70, 0.95, 0.85]),
                pairs_of("dev-clean", &[0.75, 0.92, 0.83]),
            ],
        ];
        let first_only = settle(
            &remaining,
            first.clone(),
            3,
            0,
            &dev_weight,
            &mut |_: &[String], _| -> Result<_, ()> { Ok(None) },
        )
        .unwrap();
        assert_eq!(
            first_only.decision.chosen.as_deref(),
            Some("dev-debug-line-tables-only")
        );
        assert_eq!(first_only.decision.contested, ["dev-debug-0"]);

        let mut asked = Vec::new();
        let settled = settle(
            &remaining,
            first,
            3,
            DEFAULT_FOLLOW_UPS,
            &dev_weight,
            &mut |leaders: &[String], runs| -> Result<_, ()> {
                asked.push(leaders.to_vec());
                Ok(Some(
                    leaders
                        .iter()
                        .map(|id| {
                            let truth = if id == "dev-debug-0" { 0.83 } else { 0.93 };
                            (
                                id.clone(),
                                vec![
                                    pairs_of("dev-incremental", &noisy(truth, 1, runs)),
                                    pairs_of("dev-clean", &noisy(truth, 2, runs)),
                                ],
                            )
                        })
                        .collect(),
                ))
            },
        )
        .unwrap();
        assert_eq!(
            asked[0],
            [
                "dev-debug-0".to_owned(),
                "dev-debug-line-tables-only".to_owned()
            ]
        );
        assert_eq!(settled.decision.chosen.as_deref(), Some("dev-debug-0"));
        assert!(settled.decision.contested.is_empty());
    }

    #[test]
    fn a_stage_measures_the_leaders_that_fit_the_budget_best_first() {
        // (k + 1) × (4 + 1) runs of 10 s: three leaders need 200 s, two 150 s, one 100 s.
        assert_eq!(fitting(3, 4, 10.0, 200.0), 3);
        assert_eq!(fitting(3, 4, 10.0, 199.0), 2);
        assert_eq!(fitting(3, 4, 10.0, 100.0), 1);
        assert_eq!(fitting(3, 4, 10.0, 99.0), 0);
        assert_eq!(fitting(0, 4, 10.0, 1e9), 0);
    }

    #[test]
    fn a_round_is_estimated_from_the_probe() {
        // 3 variants, each a warm-up plus one run (the probe, 10 s) and 4 more runs of 2 s.
        assert_eq!(round_estimate(3, 5, 10.0, 2.0), 3.0 * (10.0 + 4.0 * 2.0));
        assert_eq!(round_estimate(2, 1, 10.0, 2.0), 20.0);
    }
}
