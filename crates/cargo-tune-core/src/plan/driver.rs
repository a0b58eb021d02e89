//! The search itself, over a [`Measurer`]: greedy forward selection in rounds, each round's
//! decision settled by [`super::decision`], every step written to the record as it is taken.

use std::path::PathBuf;
use std::time::Instant;

use cargo_tune_schema::{
    PlanCandidate, PlanEnd, PlanMeasurement, PlanRecord, PlanRejection, PlanRound, PlanStep,
    ScenarioRatio, ScenarioResult, Verdict,
};

use super::catalogue::weight as weight_of;
use super::decision::{Pairs, StagePairs, fitting, pairs, round_estimate, settle};
use super::record::to_toml;
use crate::change::variant::Variant;
use crate::change::{Change, ChangeArg, ChangeSpec};
use crate::vocab::{Failure, Scenario};

/// What the search measures with: variants resolved from changes, and builds of them.
pub trait Measurer {
    /// Resolves `changes` (written as `args`) into a variant named `name`.
    fn variant(
        &mut self,
        name: &str,
        args: &[ChangeArg],
        changes: &[Change],
    ) -> Result<Variant, Failure>;
    /// Measures `variants` (the baseline first) with `runs` runs each in every scenario;
    /// `compare` compares each with the baseline.
    fn measure(
        &mut self,
        variants: &[Variant],
        scenarios: &[Scenario],
        runs: usize,
        compare: bool,
    ) -> Result<Vec<ScenarioResult>, Failure>;
    /// Something the user should know.
    fn note(&mut self, text: &str);
    /// Why the search cannot go on.
    fn error(&mut self, text: &str);
}

/// One variant's changes: the steps chosen so far and, for a candidate, its own.
pub fn changes_of(candidates: &[&PlanCandidate]) -> (Vec<ChangeArg>, Vec<Change>) {
    let mut args = Vec::new();
    let mut changes = Vec::new();
    for c in candidates {
        for s in &c.changes {
            if let Some(change) = Change::from_suggestion(s).ok().filter(Change::measurable) {
                args.push(ChangeArg {
                    text: change.to_string(),
                    spec: ChangeSpec::Changes(vec![change.clone()]),
                });
                changes.push(change);
            }
        }
    }
    (args, changes)
}

/// The search under way: its record, written after every step (and when it ends however it
/// ends), so that what is known survives a Ctrl-C.
pub struct Search<'a> {
    /// The record so far.
    pub record: PlanRecord,
    /// When the search began; the budget counts from here.
    pub started: Instant,
    /// Where the record is written.
    pub path: PathBuf,
    /// Seconds the search may take.
    pub budget: f64,
    /// Follow-up stages a round may add.
    pub follow_ups: usize,
    /// Measured runs per variant in a round's first stage.
    pub runs: usize,
    /// What measures.
    pub measurer: &'a mut dyn Measurer,
}

impl Search<'_> {
    /// Writes the record as it stands, ended as `end`.
    pub fn write(&mut self, end: PlanEnd) -> Result<(), Failure> {
        self.record.end = end;
        self.record.partial = end == PlanEnd::Interrupted;
        self.record.elapsed_s = self.started.elapsed().as_secs();
        crate::fsutil::write_atomic(&self.path, to_toml(&self.record).as_bytes()).map_err(
            |source| Failure::Output {
                path: self.path.display().to_string(),
                source,
            },
        )?;
        self.measurer.note(&format!(
            "{}decision record written to {}",
            if self.record.partial { "partial " } else { "" },
            self.path.display()
        ));
        Ok(())
    }
}

impl Search<'_> {
    /// Runs the search in `scenarios`; the caller writes the record when it ends.
    pub fn run(&mut self, scenarios: &[Scenario]) -> Result<PlanEnd, Failure> {
        search(self, scenarios)
    }
}

/// The greedy forward selection: each round measures every remaining candidate on top of the
/// steps chosen so far and takes the best one that measured faster; it ends when none is, or
/// when the next round would not fit the budget.
fn search(search: &mut Search<'_>, scenarios: &[Scenario]) -> Result<PlanEnd, Failure> {
    let mut remaining: Vec<PlanCandidate> = search.record.candidates.clone();
    if remaining.is_empty() {
        return Ok(PlanEnd::Converged);
    }
    // One warm-up and one run of the workspace as it is: what a round is estimated from.
    let probe_started = Instant::now();
    let baseline = search.measurer.variant("baseline", &[], &[])?;
    let probe = search.measurer.measure(&[baseline], scenarios, 1, false)?;
    let mut probe_s = probe_started.elapsed().as_secs_f64();
    if let Some((scenario, failure)) = probe.iter().find_map(|s| {
        let f = s.variants.first()?.failure.as_ref()?;
        Some((s.scenario.clone(), f))
    }) {
        search.measurer.error(&format!(
            "the workspace as it is fails to build in {scenario} ({}: `{}`); there is nothing to plan from:\n{}",
            failure.status,
            failure.command,
            failure.last_lines.join("\n")
        ));
        return Err(Failure::BuildFailed { failed: 1 });
    }
    let run_s: f64 = probe
        .iter()
        .filter_map(|s| {
            s.variants
                .first()?
                .summary
                .as_ref()
                .map(|m| m.wall_s.median)
        })
        .sum();
    let runs = search.runs;
    let budget = search.budget;
    let goal = search.record.goal;
    let weight = |scenario: &str| weight_of(goal, scenario);
    let first = round_estimate(remaining.len() + 1, runs, probe_s, run_s);
    if first > budget - probe_s {
        return Err(Failure::Usage {
            message: format!(
                "a budget of {}s is too small: one round of {} candidates and the baseline, {} runs each in {}, takes about {}s here (estimated from a baseline build of {:.1}s); pass --budget {}m or more, or fewer --runs",
                budget as u64,
                remaining.len(),
                runs,
                search.record.scenarios.join(", "),
                first.ceil() as u64,
                run_s,
                ((first + probe_s) / 60.0).ceil() as u64
            ),
        });
    }

    let mut chosen: Vec<PlanCandidate> = Vec::new();
    let mut cumulative: Vec<ScenarioRatio> = Vec::new();
    let mut last: Vec<(String, Vec<PlanMeasurement>)> = Vec::new();
    while !remaining.is_empty() {
        let estimate = round_estimate(remaining.len() + 1, runs, probe_s, run_s);
        if search.started.elapsed().as_secs_f64() + estimate > budget {
            search.measurer.note(&format!(
                "stopping: the next round takes about {}s and {}s of the budget are left",
                estimate.ceil() as u64,
                (budget - search.started.elapsed().as_secs_f64()).max(0.0) as u64
            ));
            reject_rest(
                search,
                &remaining,
                &last,
                "not measured faster before the budget ran out",
            );
            return Ok(PlanEnd::Budget);
        }
        let chosen_refs: Vec<&PlanCandidate> = chosen.iter().collect();
        let (args, changes) = changes_of(&chosen_refs);
        // The baseline of a later round has the configuration of the candidate the round
        // before chose: under its name it reuses that candidate's target directory, and
        // the candidates reuse their dependencies' artifacts from the round before.
        let base_name = chosen.last().map_or("baseline", |c| c.id.as_str());
        let mut variants = vec![search.measurer.variant(base_name, &args, &changes)?];
        for c in &remaining {
            let mut with: Vec<&PlanCandidate> = chosen_refs.clone();
            with.push(c);
            let (args, changes) = changes_of(&with);
            variants.push(search.measurer.variant(&c.id, &args, &changes)?);
        }
        let round_started = Instant::now();
        let n_variants = variants.len();
        let results = search.measurer.measure(&variants, scenarios, runs, true)?;
        // A variant's warm-up is a whole build where its target directory is new (the
        // probe's may have been one left by an earlier run): later rounds are estimated
        // from what this one cost.
        let observed = round_started.elapsed().as_secs_f64() / n_variants as f64
            - runs.saturating_sub(1) as f64 * run_s;
        probe_s = probe_s.max(observed);
        let first: Vec<Vec<Pairs>> = remaining.iter().map(|c| pairs(&results, &c.id)).collect();
        let refs: Vec<&PlanCandidate> = remaining.iter().collect();
        // None faster yet: more runs for the leading candidates, halving them each stage,
        // before the round concludes that nothing is faster.
        let mut more =
            |leaders: &[String], stage_runs: usize| -> Result<Option<StagePairs>, Failure> {
                // The variants' target directories exist: a stage costs its measured runs and
                // the incremental warm-ups, about one run each.
                let left = budget - search.started.elapsed().as_secs_f64();
                let fit = fitting(leaders.len(), stage_runs, run_s, left);
                if fit == 0 {
                    search.measurer.note(&format!(
                    "not measuring {} again: {} more runs do not fit the {}s left of the budget",
                    leaders[0],
                    stage_runs,
                    left.max(0.0) as u64
                ));
                    return Ok(None);
                }
                let leaders = &leaders[..fit];
                search.measurer.note(&format!(
                    "measuring again: {} more runs of {}",
                    stage_runs,
                    leaders.join(", ")
                ));
                // The round's own variants, already resolved (linkers test-linked, rustflags
                // merged): the baseline and the leaders.
                let stage: Vec<_> = variants
                    .iter()
                    .filter(|v| v.name == base_name || leaders.contains(&v.name))
                    .cloned()
                    .collect();
                let results = search
                    .measurer
                    .measure(&stage, scenarios, stage_runs, true)?;
                Ok(Some(
                    leaders
                        .iter()
                        .map(|id| (id.clone(), pairs(&results, id)))
                        .collect(),
                ))
            };
        let follow_ups = search.follow_ups;
        let settled = settle(&refs, first, runs, follow_ups, &weight, &mut more)?;
        let (measured, decision) = (settled.measured, settled.decision);
        search.record.rounds.push(PlanRound {
            on_top_of: chosen.iter().map(|c| c.id.clone()).collect(),
            measurements: measured.iter().flatten().cloned().collect(),
            stages: settled.stages,
            chosen: decision.chosen.clone(),
        });
        last = remaining
            .iter()
            .map(|c| c.id.clone())
            .zip(measured.iter().cloned())
            .collect();
        search
            .record
            .rejected
            .extend(decision.rejected.iter().cloned());
        let Some(id) = decision.chosen else {
            reject_rest(
                search,
                &remaining
                    .iter()
                    .filter(|c| !decision.rejected.iter().any(|r| r.candidate == c.id))
                    .cloned()
                    .collect::<Vec<_>>(),
                &last,
                "not faster in any scenario (noise or inconclusive)",
            );
            return Ok(PlanEnd::Converged);
        };
        let step_ms = last
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        for m in &step_ms {
            let r = m.ratio.unwrap_or(1.0);
            match cumulative.iter_mut().find(|c| c.scenario == m.scenario) {
                Some(c) => c.ratio *= r,
                None => cumulative.push(ScenarioRatio {
                    scenario: m.scenario.clone(),
                    ratio: r,
                }),
            }
        }
        search.record.steps.push(PlanStep {
            candidate: id.clone(),
            measurements: step_ms,
            cumulative: cumulative.clone(),
        });
        let taken = remaining
            .iter()
            .position(|c| c.id == id)
            .map(|i| remaining.remove(i));
        chosen.extend(taken);
        remaining.retain(|c| !decision.rejected.iter().any(|r| r.candidate == c.id));
        // What the search knows so far survives a Ctrl-C in the next round.
        search.write(PlanEnd::Interrupted)?;
    }
    Ok(PlanEnd::Converged)
}

fn reject_rest(
    search: &mut Search<'_>,
    rest: &[PlanCandidate],
    last: &[(String, Vec<PlanMeasurement>)],
    reason: &str,
) {
    for c in rest {
        let measurements = last
            .iter()
            .find(|(id, _)| *id == c.id)
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        let verdicts: Vec<&str> = measurements.iter().map(|m| m.verdict.as_str()).collect();
        let reason =
            if verdicts.iter().all(|v| *v == Verdict::Noise.as_str()) && !verdicts.is_empty() {
                "noise: no effect worth acting on in any scenario".to_owned()
            } else {
                reason.to_owned()
            };
        search.record.rejected.push(PlanRejection {
            candidate: c.id.clone(),
            reason,
            measurements,
        });
    }
}
