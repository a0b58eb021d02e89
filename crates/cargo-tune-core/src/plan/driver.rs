//! The search itself, over a [`Measurer`]: the baseline built once with cargo's timings, one
//! instrumented build, a prediction for every candidate, then a race of the candidates worth
//! building within the budget, and the winners composed and confirmed once.

use std::collections::HashMap;
use std::path::PathBuf;

use cargo_tune_schema::{
    InstrumentedBuild, PlanCandidate, PlanConfirmation, PlanEnd, PlanMeasurement, PlanPrediction,
    PlanRecord, PlanRejection, PlanStage, PlanStep, PlanUnmeasured, ScenarioResult,
    ScenarioSeconds, StageRuns, Verdict,
};

use super::catalogue::weight as weight_of;
use super::decision::{Pairs, judge, pairs, pool, score};
use super::predict::{Effect, Evidence, ScenarioEvidence, effects, predict, prediction_text};
use super::race::{Objective, Race, Standing};
use super::record::to_toml;
use crate::change::variant::Variant;
use crate::change::{Change, ChangeArg, ChangeSpec};
use crate::timings::BuildTimings;
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
    /// Measures `variants` with the runs given per scenario, in that order, each variant in
    /// every scenario but those of `skip` (scenario, variant name); `extra_args` go to every
    /// cargo command.
    fn measure(
        &mut self,
        variants: &[Variant],
        runs: &[(Scenario, usize)],
        skip: &[(Scenario, String)],
        extra_args: &[String],
    ) -> Result<Vec<ScenarioResult>, Failure>;
    /// cargo's timings of the last `builds` builds of `variant` in `scenario` (built with
    /// `--timings`) as one, each unit's durations their median, with every dependency edge
    /// from cargo's unit graph; `Err` says why there are none.
    fn timings(
        &mut self,
        scenario: Scenario,
        variant: &Variant,
        builds: usize,
    ) -> Result<BuildTimings, String>;
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

/// What the predictions are read with, from the workspace and toolchain.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The jobs cargo builds with.
    pub jobs: usize,
    /// `(name, version)` of every workspace member.
    pub members: std::collections::BTreeSet<(String, String)>,
    /// The linker in effect.
    pub linker: String,
    /// The changes that make the instrumented build one without debuginfo, when the profile
    /// has some; empty otherwise.
    pub without_debuginfo: Vec<Change>,
    /// Seconds one measurement of the baseline took before, from the history, if known.
    pub history_s: Option<f64>,
    /// A `package` table of the profile gives some units debuginfo of their own, which a
    /// profile-wide `debug = 0` leaves them.
    pub debug_by_package: bool,
}

/// The search under way: its record, written after every stage (and when it ends however it
/// ends), so that what is known survives a Ctrl-C.
pub struct Search<'a> {
    /// The record so far.
    pub record: PlanRecord,
    /// Seconds since the search began; the budget counts from there. A clock of its own, so
    /// that the search's decisions can be tested without waiting for builds.
    pub clock: &'a dyn Fn() -> f64,
    /// Where the record is written.
    pub path: PathBuf,
    /// Seconds the search may take.
    pub budget: f64,
    /// Stages the race may run after its first.
    pub follow_ups: usize,
    /// Measured runs of an incremental scenario in the race's first stage.
    pub runs: usize,
    /// What measures.
    pub measurer: &'a mut dyn Measurer,
    /// What the predictions need to know.
    pub facts: Facts,
    /// The largest CI cache, compressed, a plan may need (bytes).
    pub cache_limit: u64,
    /// What the race makes faster: the build, or (goal `release`) the program.
    pub objective: Objective,
}

impl Search<'_> {
    /// Writes the record as it stands, ended as `end`.
    pub fn write(&mut self, end: PlanEnd) -> Result<(), Failure> {
        self.record.end = end;
        self.record.partial = end == PlanEnd::Interrupted;
        self.record.elapsed_s = (self.clock)() as u64;
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

    fn left(&self) -> f64 {
        self.budget - (self.clock)()
    }

    /// Runs the search in `scenarios`; the caller writes the record when it ends.
    pub fn run(&mut self, scenarios: &[Scenario]) -> Result<PlanEnd, Failure> {
        if self.record.candidates.is_empty() {
            return Ok(PlanEnd::Converged);
        }
        if let Some(once) = self.facts.history_s.filter(|s| *s > self.budget) {
            return Err(Failure::usage(format!(
                "a budget of {}s cannot hold one measurement of the workspace as it is, which took {}s here the last time; pass --budget {} or more",
                self.budget as u64,
                once.ceil() as u64,
                minutes(once * 1.5)
            )));
        }
        let baseline = self.measurer.variant("baseline", &[], &[])?;
        let probe = self.probe(&baseline, scenarios)?;
        let cost = Costs::from_probe(&probe, self.runs);
        let candidates = self.record.candidates.clone();
        let one = cost.variant();
        if self.left() < one {
            let spent = (self.clock)();
            return Err(Failure::usage(format!(
                "measuring the workspace as it is took {}s, and one candidate needs about {}s more: nothing fits a budget of {}s; pass --budget {} or more",
                spent.ceil() as u64,
                one.ceil() as u64,
                self.budget as u64,
                minutes(spent + 3.0 * one)
            )));
        }
        let evidence = self.instrument(&probe, scenarios, &cost, &candidates)?;
        let predicted = self.predict_all(&evidence, &candidates, scenarios);
        let goal = self.record.goal;
        let weight = move |s: &str| weight_of(goal, s);
        let order = self.prune(&candidates, &predicted, &weight);
        // With their predictions now.
        let candidates = self.record.candidates.clone();
        let order = across_slots(&order, &candidates);

        // What fits: candidates by expected gain, each costing one variant's first stage. A
        // second candidate may make a composition to confirm: from then on, room is kept for
        // that.
        let confirmation = cost.confirmation(self.runs);
        let mut entered: Vec<&PlanCandidate> = Vec::new();
        let mut spend = cost.baseline_first_stage();
        for &i in &order {
            let c = &candidates[i];
            let reserve = if entered.is_empty() {
                0.0
            } else {
                confirmation
            };
            if spend + one + reserve <= self.left() {
                spend += one;
                entered.push(c);
            } else {
                self.record.unmeasured.push(PlanUnmeasured {
                    candidate: c.id.clone(),
                    reason: "the budget ran out before it could be built".to_owned(),
                    more_budget_s: (spend + one + reserve - self.left()).max(one).ceil() as u64,
                });
                spend += one;
            }
        }
        if entered.is_empty() {
            // Nothing left to build is a decision; something that did not fit is not.
            return Ok(if self.record.unmeasured.is_empty() {
                PlanEnd::Converged
            } else {
                PlanEnd::Budget
            });
        }
        let mut end = self.race(&baseline, entered, scenarios, &cost, &probe, &weight)?;
        // The first entry is an estimate made before anything raced: when the race ends with
        // nothing faster and time to spare, the candidates that did not fit race next, in the
        // same order, as many as the budget now holds.
        while end == PlanEnd::Converged
            && self.record.steps.is_empty()
            && !self.record.unmeasured.is_empty()
        {
            let waiting = std::mem::take(&mut self.record.unmeasured);
            let mut next: Vec<&PlanCandidate> = Vec::new();
            // Reckoned as the race reckons its first stage: the baseline and each candidate.
            let each = cost.first_stage();
            for u in waiting {
                let reserve = if next.is_empty() { 0.0 } else { confirmation };
                let spend = cost.baseline_first_stage() + (next.len() + 1) as f64 * each + reserve;
                match candidates.iter().find(|c| c.id == u.candidate) {
                    Some(c) if spend <= self.left() => next.push(c),
                    _ => self.record.unmeasured.push(PlanUnmeasured {
                        more_budget_s: (spend - self.left()).max(each).ceil() as u64,
                        ..u
                    }),
                }
            }
            if next.is_empty() {
                break;
            }
            self.measurer.note(&format!(
                "nothing raced so far was faster and the budget holds more: racing {}",
                next.iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            end = self.race(&baseline, next, scenarios, &cost, &probe, &weight)?;
        }
        Ok(end)
    }

    /// The workspace as it is, built once in every scenario with cargo's timings: its wall
    /// time (the clean build is the baseline's first sample) and its units.
    fn probe(&mut self, baseline: &Variant, scenarios: &[Scenario]) -> Result<Probe, Failure> {
        let mut probe = Probe::default();
        for &scenario in scenarios {
            let started = (self.clock)();
            let n = evidence_builds(scenario);
            let results = self.measurer.measure(
                std::slice::from_ref(baseline),
                &[(scenario, n)],
                &[],
                &["--timings".to_owned()],
            )?;
            let took = (self.clock)() - started;
            let outcome = results.first().and_then(|s| s.variants.first());
            if let Some(f) = outcome.and_then(|o| o.failure.as_ref()) {
                self.measurer.error(&format!(
                    "the workspace as it is fails to build in {scenario} ({}: `{}`); there is nothing to plan from:\n{}",
                    f.status,
                    f.command,
                    f.last_lines.join("\n")
                ));
                return Err(Failure::BuildFailed { failed: 1 });
            }
            if let Some(f) = outcome
                .and_then(|o| o.runtime.as_ref())
                .and_then(|r| r.failure.as_ref())
            {
                return Err(Failure::BuildStepFailed {
                    message: format!(
                        "the workload fails with the workspace as it is, during its {} ({}: `{}`); there is no run time to compare with:\n{}",
                        f.during,
                        f.status,
                        f.command,
                        f.last_lines.join("\n")
                    ),
                });
            }
            let wall = outcome.map_or(took, |o| median_wall(&o.runs).unwrap_or(took));
            let timings = self.measurer.timings(scenario, baseline, n);
            self.record.evidence.baseline.push(ScenarioSeconds {
                scenario: scenario.as_str().to_owned(),
                seconds: round2(wall),
            });
            probe.scenarios.push(Probed {
                scenario,
                wall,
                // As if it had measured one build: the cost of a variant is reckoned from it.
                took: took - n.saturating_sub(1) as f64 * wall,
                timings,
            });
        }
        Ok(probe)
    }

    /// The one instrumented build, when a prediction needs it and it fits the budget: the
    /// baseline with `-Z section-timings` (and without debuginfo when the profile has some).
    fn instrument(
        &mut self,
        probe: &Probe,
        scenarios: &[Scenario],
        cost: &Costs,
        candidates: &[PlanCandidate],
    ) -> Result<Option<Evidence>, Failure> {
        let profile = scenarios.first().map_or("dev", |s| s.profile());
        let unavailable = |search: &mut Self, why: String| {
            search
                .measurer
                .note(&format!("racing without predictions: {why}"));
            search.record.evidence.predictions_unavailable = Some(why);
        };
        if let Some(reason) = probe
            .scenarios
            .iter()
            .find_map(|p| p.timings.as_ref().err())
        {
            unavailable(
                self,
                format!("cargo's timings of the baseline are unreadable: {reason}"),
            );
            return Ok(None);
        }
        let modelled = candidates.iter().any(|c| {
            let (_, changes) = changes_of(&[c]);
            effects(&changes, profile).is_some_and(|e| !e.is_empty())
        });
        if !modelled {
            unavailable(self, "no candidate of this goal has a model".to_owned());
            return Ok(None);
        }
        if self.left() < cost.variant() * 2.0 {
            unavailable(
                self,
                "the instrumented build and one candidate do not both fit what is left of the budget".to_owned(),
            );
            return Ok(None);
        }
        let mut changes = self.facts.without_debuginfo.clone();
        changes.push(Change::Env {
            var: "RUSTC_BOOTSTRAP".to_owned(),
            value: "1".to_owned(),
        });
        let args: Vec<ChangeArg> = changes
            .iter()
            .map(|c| ChangeArg {
                text: c.to_string(),
                spec: ChangeSpec::Changes(vec![c.clone()]),
            })
            .collect();
        let variant = self.measurer.variant("instrumented", &args, &changes)?;
        let extra = vec!["--timings".to_owned(), "-Zsection-timings".to_owned()];
        self.measurer.note(&format!(
            "one instrumented build for the predictions (cargo -Z section-timings under RUSTC_BOOTSTRAP=1{}); it is a build of its own",
            if self.facts.without_debuginfo.is_empty() { "" } else { ", without debuginfo" }
        ));
        let mut seconds = Vec::new();
        let mut scenarios_evidence = Vec::new();
        for p in &probe.scenarios {
            let n = evidence_builds(p.scenario);
            let results = self.measurer.measure(
                std::slice::from_ref(&variant),
                &[(p.scenario, n)],
                &[],
                &extra,
            )?;
            let outcome = results.first().and_then(|s| s.variants.first());
            if let Some(f) = outcome.and_then(|o| o.failure.as_ref()) {
                unavailable(
                    self,
                    format!(
                        "the instrumented build failed ({}): {}",
                        f.status,
                        f.last_lines.last().cloned().unwrap_or_default()
                    ),
                );
                return Ok(None);
            }
            let timings = match self.measurer.timings(p.scenario, &variant, n) {
                Ok(t) => t,
                Err(why) => {
                    unavailable(self, format!("the instrumented build's timings: {why}"));
                    return Ok(None);
                }
            };
            if let Some(wall) = outcome.and_then(|o| median_wall(&o.runs)) {
                seconds.push(ScenarioSeconds {
                    scenario: p.scenario.as_str().to_owned(),
                    seconds: round2(wall),
                });
            }
            scenarios_evidence.push(ScenarioEvidence {
                scenario: p.scenario,
                baseline: p.timings.clone().unwrap_or_else(|_| unreachable_timings()),
                wall_s: p.wall,
                instrumented: Some(timings),
            });
        }
        let mut flags = vec![
            "RUSTC_BOOTSTRAP=1".to_owned(),
            "--timings".to_owned(),
            "-Zsection-timings".to_owned(),
        ];
        flags.extend(self.facts.without_debuginfo.iter().map(|c| c.to_string()));
        self.record.evidence.instrumented = Some(InstrumentedBuild { flags, seconds });
        Ok(Some(Evidence {
            scenarios: scenarios_evidence,
            jobs: self.facts.jobs.max(1),
            members: self.facts.members.clone(),
            instrumented_without_debuginfo: !self.facts.without_debuginfo.is_empty(),
            linker: self.facts.linker.clone(),
        }))
    }

    /// Every candidate's prediction, recorded with it; `None` where no model covers it.
    fn predict_all(
        &mut self,
        evidence: &Option<Evidence>,
        candidates: &[PlanCandidate],
        scenarios: &[Scenario],
    ) -> Vec<Option<Vec<PlanPrediction>>> {
        let profile = scenarios.first().map_or("dev", |s| s.profile());
        let out: Vec<Option<Vec<PlanPrediction>>> = candidates
            .iter()
            .map(|c| {
                let e = evidence.as_ref()?;
                let (_, changes) = changes_of(&[c]);
                let effects = effects(&changes, profile)?;
                e.scenarios
                    .iter()
                    .map(|s| predict(e, s, &effects))
                    .collect::<Option<Vec<_>>>()
            })
            .collect();
        for (c, p) in self.record.candidates.iter_mut().zip(&out) {
            c.predicted = p.clone().unwrap_or_default();
        }
        out
    }

    /// The candidates worth building, best expected first; the others are rejected with their
    /// prediction: those predicted to change nothing measurable, those predicted slower, and
    /// those predicted worse than another candidate of the same kind (another debuginfo level,
    /// another linker) even at their best.
    fn prune(
        &mut self,
        candidates: &[PlanCandidate],
        predicted: &[Option<Vec<PlanPrediction>>],
        weight: &dyn Fn(&str) -> f64,
    ) -> Vec<usize> {
        let point = |p: &[PlanPrediction]| weighted(p, weight, |x| x.ratio);
        let best_case = |p: &[PlanPrediction]| weighted(p, weight, |x| x.low);
        let family = |c: &PlanCandidate| -> Option<&'static str> {
            let (_, changes) = changes_of(&[c]);
            let e = effects(&changes, "dev").or_else(|| effects(&changes, "release"))?;
            match e.as_slice() {
                [Effect::Linker(_)] => Some("linker"),
                e if !e.is_empty()
                    && e.iter()
                        .all(|x| matches!(x, Effect::Debug { .. } | Effect::SplitUnpacked)) =>
                {
                    Some("debuginfo")
                }
                _ => None,
            }
        };
        let mut keep: Vec<(f64, usize)> = Vec::new();
        let mut unpredicted = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            let Some(p) = &predicted[i] else {
                unpredicted.push(i);
                continue;
            };
            let shown = p.iter().map(prediction_text).collect::<Vec<_>>().join(", ");
            let nothing = p
                .iter()
                .filter(|x| weight(&x.scenario) > 0.0)
                .all(|x| (x.ratio - 1.0).abs() < 1.0 - super::race::WORTH);
            let reason = if nothing {
                Some(format!("predicted to change nothing measurable: {shown}"))
            } else if point(p) > 0.0 && best_case(p) >= 0.0 {
                Some(format!("predicted slower: {shown}"))
            } else {
                // Better than it at its best: another of its kind, by the point prediction.
                family(c).and_then(|f| {
                    candidates.iter().enumerate().find_map(|(j, other)| {
                        let q = predicted[j].as_ref()?;
                        (j != i && family(other) == Some(f) && point(q) < best_case(p) - 1e-9).then(
                            || {
                                format!(
                                    "predicted slower than {} even at its best: {shown}",
                                    other.id
                                )
                            },
                        )
                    })
                })
            };
            match reason {
                Some(reason) => self.record.rejected.push(PlanRejection {
                    candidate: c.id.clone(),
                    reason,
                    measurements: Vec::new(),
                }),
                None => keep.push((point(p), i)),
            }
        }
        keep.sort_by(|a, b| a.0.total_cmp(&b.0));
        keep.into_iter()
            .map(|(_, i)| i)
            .chain(unpredicted)
            .collect()
    }

    fn race(
        &mut self,
        baseline: &Variant,
        entered: Vec<&PlanCandidate>,
        scenarios: &[Scenario],
        cost: &Costs,
        probe: &Probe,
        weight: &dyn Fn(&str) -> f64,
    ) -> Result<PlanEnd, Failure> {
        let entered: Vec<PlanCandidate> = entered.into_iter().cloned().collect();
        let mut race = Race::new(entered.iter().collect(), weight).deciding_on(self.objective);
        // On run time, every stage adds the workload's runs; the builds, which only need to
        // stay within the limit, are not doubled.
        let doubling = self.objective == Objective::Build;
        let mut variants: HashMap<String, Variant> = HashMap::new();
        for c in &entered {
            let (args, changes) = changes_of(&[c]);
            variants.insert(c.id.clone(), self.measurer.variant(&c.id, &args, &changes)?);
        }
        let earlier: HashMap<String, f64> = probe
            .scenarios
            .iter()
            .map(|p| (p.scenario.as_str().to_owned(), p.wall))
            .collect();
        let has_incremental = scenarios.iter().any(|s| !s.is_clean());
        let mut field: Vec<usize> = (0..entered.len()).collect();
        let mut end = PlanEnd::Converged;
        // The clean samples each variant has: the baseline's is the probe's.
        let mut clean_samples: HashMap<String, HashMap<String, f64>> = HashMap::new();
        while !field.is_empty() {
            let stage = race.stages + 1;
            let runs: Vec<(Scenario, usize)> = scenarios
                .iter()
                .map(|&s| {
                    let stage = if doubling { stage } else { stage.min(1) };
                    (s, stage_runs(s, stage, self.runs, has_incremental))
                })
                .filter(|(_, r)| *r > 0)
                .collect();
            // The leaders that fit what is left, best first, beside the baseline's own runs
            // (in the first stage without its clean build, which is the probe's).
            let each = cost.stage(&runs);
            let base = if stage == 1 {
                cost.baseline_first_stage()
            } else {
                each
            };
            let fit = ((self.left() - base) / each).floor().max(0.0) as usize;
            if fit == 0 {
                self.measurer.note(&format!(
                    "stopping: stage {stage} needs about {}s and {}s of the budget are left",
                    (base + each * field.len() as f64).ceil() as u64,
                    self.left().max(0.0) as u64
                ));
                end = PlanEnd::Budget;
                break;
            }
            field.truncate(fit);
            let ids: Vec<String> = field.iter().map(|&i| entered[i].id.clone()).collect();
            self.measurer.note(&format!(
                "race stage {stage}: {} ({})",
                ids.join(", "),
                runs.iter()
                    .map(|(s, r)| format!("{r} run{} of {s}", if *r == 1 { "" } else { "s" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let mut stage_variants = vec![baseline.clone()];
            stage_variants.extend(ids.iter().map(|id| variants[id].clone()));
            // The baseline's clean build of the first stage is the probe's.
            let skip: Vec<(Scenario, String)> = runs
                .iter()
                .filter(|(s, _)| s.is_clean() && stage == 1)
                .map(|(s, _)| (*s, baseline.name.clone()))
                .collect();
            let started = (self.clock)();
            let results = self.measurer.measure(&stage_variants, &runs, &skip, &[])?;
            let lookup = |s: &str| earlier.get(s).copied();
            let stage_pairs: Vec<(String, Vec<Pairs>)> = ids
                .iter()
                .map(|id| (id.clone(), pairs(&results, id, &baseline.name, &lookup)))
                .collect();
            for s in &results {
                for v in &s.variants {
                    if let Some(r) = v.runs.first() {
                        clean_samples
                            .entry(v.variant.clone())
                            .or_default()
                            .entry(s.scenario.clone())
                            .or_insert(r.charged_s());
                    }
                }
            }
            race.add_stage(stage_pairs);
            // A cache CI cannot keep is no plan, however fast.
            for s in &results {
                for v in &s.variants {
                    if let Some(bytes) = v.cache_bytes.filter(|b| *b > self.cache_limit) {
                        race.take_out(
                            &v.variant,
                            format!(
                                "its CI cache, {} compressed, exceeds --cache-limit {}",
                                crate::text::bytes(bytes),
                                crate::text::bytes(self.cache_limit)
                            ),
                        );
                    }
                }
            }
            self.record.stages.push(PlanStage {
                candidates: ids,
                runs: runs
                    .iter()
                    .map(|(s, r)| StageRuns {
                        scenario: s.as_str().to_owned(),
                        runs: *r,
                    })
                    .collect(),
                elapsed_s: ((self.clock)() - started) as u64,
            });
            self.fill_measured(&race);
            // What is known so far survives a Ctrl-C in the next stage.
            self.write(PlanEnd::Interrupted)?;
            if race.stages > self.follow_ups {
                break;
            }
            field = race.next_field();
        }
        let undecided = race.standing.contains(&Standing::Running);
        let winners: Vec<(usize, f64)> = race.winners();
        race.conclude(if end == PlanEnd::Budget {
            "not shown faster before the budget ran out"
        } else {
            "not shown faster in any stage of the race"
        });
        if undecided && end != PlanEnd::Budget && race.stages > self.follow_ups {
            self.measurer.note(
                "the race ran every stage it may (--follow-ups); what is still undecided is out",
            );
        }
        self.fill_measured(&race);
        let measured = race.measured();
        for (i, s) in race.standing.iter().enumerate() {
            if let Standing::Out(reason) = s {
                self.record.rejected.push(PlanRejection {
                    candidate: entered[i].id.clone(),
                    reason: reason.clone(),
                    measurements: measured[i].clone(),
                });
            }
        }
        let steps: Vec<usize> = winners.iter().map(|(i, _)| *i).collect();
        let field = Field {
            baseline: baseline.clone(),
            entered: entered.clone(),
            variants,
            earlier,
            first: clean_samples,
        };
        let chosen = self.compose(&field, &steps, &measured, scenarios)?;
        for i in chosen {
            self.record.steps.push(PlanStep {
                candidate: entered[i].id.clone(),
                measurements: measured[i].clone(),
            });
        }
        Ok(end)
    }

    fn fill_measured(&mut self, race: &Race<'_>) {
        let measured = race.measured();
        for (c, ms) in race.candidates.iter().zip(measured) {
            if let Some(r) = self.record.candidates.iter_mut().find(|r| r.id == c.id) {
                r.measured = ms;
            }
        }
    }

    /// The winners of several slots together, measured once against the workspace as it is
    /// and against the best of them alone; kept together only when that is faster than the
    /// best alone. Returns the steps kept, best first.
    fn compose(
        &mut self,
        field: &Field,
        winners: &[usize],
        measured: &[Vec<PlanMeasurement>],
        scenarios: &[Scenario],
    ) -> Result<Vec<usize>, Failure> {
        let Field {
            baseline,
            entered,
            variants,
            earlier,
            first: clean_samples,
        } = field;
        let kept_winners = self.without_redundant(winners, entered, measured, scenarios);
        let winners = kept_winners.as_slice();
        let Some(&best) = winners.first() else {
            return Ok(Vec::new());
        };
        if winners.len() == 1 {
            return Ok(vec![best]);
        }
        let goal = self.record.goal;
        let weight = move |s: &str| weight_of(goal, s);
        let has_incremental = scenarios.iter().any(|s| !s.is_clean());
        // Each look at the composition is a stage of its own, as the race's are: the clean
        // scenarios once, the others with twice the runs of the look before.
        let first_runs = if self.objective == Objective::Build {
            (self.runs * 2).max(4)
        } else {
            self.runs
        };
        let look_runs = |look: usize| -> Vec<(Scenario, usize)> {
            scenarios
                .iter()
                .map(|&s| (s, stage_runs(s, look, first_runs, has_incremental)))
                .filter(|&(_, r)| r > 0)
                .collect()
        };
        let runs = look_runs(1);
        // What one round of `runs` costs a variant, from the baseline's own build times.
        let baseline_seconds: Vec<(Scenario, f64)> = scenarios
            .iter()
            .filter_map(|&s| {
                self.record
                    .evidence
                    .baseline
                    .iter()
                    .find(|b| b.scenario == s.as_str())
                    .map(|b| (s, b.seconds))
            })
            .collect();
        // What a look at the composition costs: the baseline, the best step and the
        // composition each measured with `runs`, a rebuild's warm-up included, except the
        // clean builds the first look takes from the race (all but the composition's).
        let cost_of = |runs: &[(Scenario, usize)], look: usize| {
            runs.iter()
                .filter_map(|&(s, r)| {
                    let seconds = baseline_seconds.iter().find(|(b, _)| *b == s)?.1;
                    let (builds, variants) = match (s.is_clean(), has_incremental && look == 1) {
                        (true, true) => (r, 1),
                        (true, false) => (r, 3),
                        (false, _) => (r + 1, 3),
                    };
                    Some(seconds * (builds * variants) as f64)
                })
                .sum::<f64>()
                * 1.2
        };
        if cost_of(&runs, 1) > self.left() {
            self.measurer.note(&format!(
                "keeping the best step alone: confirming {} together does not fit what is left of the budget",
                winners.iter().map(|&i| entered[i].id.as_str()).collect::<Vec<_>>().join(" + ")
            ));
            for &i in &winners[1..] {
                self.record.rejected.push(PlanRejection {
                    candidate: entered[i].id.clone(),
                    reason: format!(
                        "faster alone, but confirming it together with {} did not fit the budget left",
                        entered[best].id
                    ),
                    measurements: measured[i].clone(),
                });
            }
            return Ok(vec![best]);
        }
        let together: Vec<&PlanCandidate> = winners.iter().map(|&i| &entered[i]).collect();
        let (args, changes) = changes_of(&together);
        let composed = self.measurer.variant("composed", &args, &changes)?;
        let best_variant = variants[&entered[best].id].clone();
        self.measurer.note(&format!(
            "confirming the plan: {} together, against the workspace as it is and against {} alone",
            together
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
            entered[best].id
        ));
        // Clean builds of the baseline and of the best step were measured before: they stand
        // in for theirs here.
        let skip: Vec<(Scenario, String)> = runs
            .iter()
            .filter(|(s, _)| s.is_clean() && has_incremental)
            .flat_map(|(s, _)| [(*s, baseline.name.clone()), (*s, best_variant.name.clone())])
            .collect();
        let variants_measured = [baseline.clone(), best_variant.clone(), composed];
        let best_clean = clean_samples.get(&best_variant.name);
        let (mut base_pairs, mut best_pairs) = (Vec::new(), Vec::new());
        let mut looks = 0;
        let (against_base, against_best, faster_than_best) = loop {
            looks += 1;
            let results = self.measurer.measure(
                &variants_measured,
                &look_runs(looks),
                if looks == 1 { &skip } else { &[] },
                &[],
            )?;
            pool(
                &mut base_pairs,
                pairs(&results, "composed", &baseline.name, &|s| {
                    earlier.get(s).copied()
                }),
            );
            pool(
                &mut best_pairs,
                pairs(&results, "composed", &best_variant.name, &|s| {
                    best_clean.and_then(|m| m.get(s).copied())
                }),
            );
            // Each look at the pooled pairs is judged at the confidence shared among the looks
            // so far, so that looking again does not make a verdict come easier.
            let against_base = judge("composed", &base_pairs, looks);
            let against_best = judge(&entered[best].id, &best_pairs, looks);
            // Not slower than the best step alone, nor slower than (or failing against) the
            // workspace as it is.
            let holds = against_best.iter().all(|m| m.verdict != Verdict::Slower)
                && against_base
                    .iter()
                    .all(|m| m.verdict != Verdict::Slower && m.verdict != Verdict::Failed);
            let weighted = |verdict: Verdict| {
                against_best
                    .iter()
                    .any(|m| m.verdict == verdict && weight(&m.scenario) > 0.0)
            };
            let (faster_than_best, undecided) = match self.objective {
                Objective::Build => {
                    let faster = holds
                        && weighted(Verdict::Faster)
                        && score(&against_best, &weight).is_some_and(|s| s < 0.0);
                    (faster, holds && !faster && weighted(Verdict::Inconclusive))
                }
                Objective::Runtime { max_build_ratio } => (
                    super::release::composition_kept(&against_base, &against_best, max_build_ratio),
                    false,
                ),
            };
            // Undecided: measured again while the follow-ups and the budget hold the next look.
            let next = look_runs(looks + 1);
            if !undecided
                || looks > self.follow_ups
                || next.is_empty()
                || cost_of(&next, looks + 1) > self.left()
            {
                break (against_base, against_best, faster_than_best);
            }
            self.measurer.note(&format!(
                "the composition is not yet told from {} alone: measuring again with twice the runs",
                entered[best].id
            ));
        };
        let kept: Vec<usize> = if faster_than_best {
            winners.to_vec()
        } else {
            vec![best]
        };
        if !faster_than_best {
            for &i in &winners[1..] {
                self.record.rejected.push(PlanRejection {
                    candidate: entered[i].id.clone(),
                    reason: format!(
                        "faster alone, but not faster together with {} than {} alone",
                        entered[best].id, entered[best].id
                    ),
                    measurements: measured[i].clone(),
                });
            }
        }
        self.record.confirmation = Some(PlanConfirmation {
            candidates: together.iter().map(|c| c.id.clone()).collect(),
            measurements: against_base,
            against_best,
            kept: if faster_than_best {
                "composition"
            } else {
                "best-single"
            }
            .to_owned(),
        });
        Ok(kept)
    }
}

impl Search<'_> {
    /// The winners that still act beside the others, best first. One that the others leave
    /// nothing to act on (debuginfo split or cut to line tables, once it is gone from every
    /// unit) would only add noise to the confirmation and a no-op to the plan: it is rejected
    /// with its measurements, as the model reads it. From the worst up, so that of two such
    /// winners the one that removes more stays.
    fn without_redundant(
        &mut self,
        winners: &[usize],
        entered: &[PlanCandidate],
        measured: &[Vec<PlanMeasurement>],
        scenarios: &[Scenario],
    ) -> Vec<usize> {
        if self.facts.debug_by_package {
            return Vec::from(winners);
        }
        let profile = scenarios.first().map_or("dev", |s| s.profile());
        let of: HashMap<usize, Vec<Effect>> = winners
            .iter()
            .filter_map(|&i| Some((i, effects(&changes_of(&[&entered[i]]).1, profile)?)))
            .collect();
        let mut kept = winners.to_vec();
        for &i in winners.iter().rev() {
            let Some(own) = of.get(&i) else { continue };
            let others: Vec<usize> = kept.iter().copied().filter(|&j| j != i).collect();
            let beside: Vec<Effect> = others
                .iter()
                .filter_map(|j| of.get(j))
                .flatten()
                .copied()
                .collect();
            if !super::predict::adds_nothing(own, &beside) {
                continue;
            }
            let by = others
                .iter()
                .find(|j| {
                    of.get(j)
                        .is_some_and(|e| super::predict::adds_nothing(own, e))
                })
                .map_or("the other steps", |&j| entered[j].id.as_str());
            self.record.rejected.push(PlanRejection {
                candidate: entered[i].id.clone(),
                reason: format!(
                    "faster alone, but adds nothing beside {by}: with debuginfo gone from every unit there is none left for it to act on"
                ),
                measurements: measured[i].clone(),
            });
            kept.retain(|&j| j != i);
        }
        kept
    }
}

/// Builds of `scenario` the predictions are read from, for the baseline and for the
/// instrumented build alike: one build from scratch, which takes long enough to be steady, and
/// three rebuilds, which take a second or two and can be a fifth off alone (ripgrep's one
/// instrumented rebuild once measured slower than the baseline's, with debuginfo, and the
/// prediction of `debug = 0` came out at 0.97 where it measured 0.84).
fn evidence_builds(scenario: Scenario) -> usize {
    match scenario {
        Scenario::DevIncremental => 3,
        _ => 1,
    }
}

/// The median wall time of `runs`.
fn median_wall(runs: &[cargo_tune_schema::Measurement]) -> Option<f64> {
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    crate::measure::stats::summarize(&walls).map(|s| s.median)
}

/// The runs of `scenario` in race stage `stage`: an incremental scenario starts at `runs` and
/// doubles; a clean one, where the goal also has an incremental scenario, is measured once in
/// the first stage (the build every variant's incremental runs start from) and not again.
fn stage_runs(scenario: Scenario, stage: usize, runs: usize, has_incremental: bool) -> usize {
    let doubled = runs.max(1) << (stage - 1).min(8);
    match (scenario.is_clean(), has_incremental) {
        (true, true) => usize::from(stage == 1),
        _ => doubled,
    }
}

/// What the race measured with, for the confirmation after it.
struct Field {
    baseline: Variant,
    entered: Vec<PlanCandidate>,
    variants: HashMap<String, Variant>,
    /// The baseline's builds from the probe, per scenario.
    earlier: HashMap<String, f64>,
    /// Per variant and scenario, its first build's wall time: a build from scratch stands in
    /// for another of the same variant when measuring it again would repeat it.
    first: HashMap<String, HashMap<String, f64>>,
}

/// The weighted mean of `f` of each prediction, as a log ratio.
fn weighted(
    p: &[PlanPrediction],
    weight: &dyn Fn(&str) -> f64,
    f: impl Fn(&PlanPrediction) -> f64,
) -> f64 {
    let (sum, total) = p
        .iter()
        .map(|x| (weight(&x.scenario), f(x)))
        .fold((0.0, 0.0), |(s, t), (w, r)| {
            (s + w * r.max(1e-9).ln(), t + w)
        });
    if total > 0.0 { sum / total } else { 0.0 }
}

/// What the probe measured, per scenario.
#[derive(Default)]
struct Probe {
    scenarios: Vec<Probed>,
}

struct Probed {
    scenario: Scenario,
    /// The measured build's wall time.
    wall: f64,
    /// What measuring it took, warm-up and all.
    took: f64,
    timings: Result<BuildTimings, String>,
}

/// Estimated seconds of builds, from the probe.
struct Costs {
    /// Per scenario: (wall of one run, what the probe of it took).
    per: Vec<(Scenario, f64, f64)>,
    runs: usize,
}

impl Costs {
    fn from_probe(probe: &Probe, runs: usize) -> Costs {
        Costs {
            per: probe
                .scenarios
                .iter()
                .map(|p| (p.scenario, p.wall, p.took))
                .collect(),
            runs,
        }
    }

    /// One variant in the race's first stage: a build from scratch where a clean scenario
    /// comes first (the warm-up of the incremental one adopts it), then the runs.
    fn variant(&self) -> f64 {
        let has_incremental = self.per.iter().any(|(s, ..)| !s.is_clean());
        self.per
            .iter()
            .map(|&(s, wall, took)| {
                let runs = stage_runs(s, 1, self.runs, has_incremental);
                took + runs.saturating_sub(1) as f64 * wall
            })
            .sum()
    }

    /// The baseline's own runs in the race's first stage: its clean build there is the
    /// probe's, and its incremental target directory exists, so a warm-up costs one run.
    fn baseline_first_stage(&self) -> f64 {
        let runs: Vec<(Scenario, usize)> = self
            .first_stage_runs()
            .into_iter()
            .filter(|(s, _)| !s.is_clean())
            .collect();
        self.runs_cost(&runs)
    }

    /// One variant in the race's first stage, as the race reckons it before running it.
    fn first_stage(&self) -> f64 {
        self.stage(&self.first_stage_runs())
    }

    /// The runs of the race's first stage, per scenario.
    fn first_stage_runs(&self) -> Vec<(Scenario, usize)> {
        let has_incremental = self.per.iter().any(|(s, ..)| !s.is_clean());
        self.per
            .iter()
            .map(|&(s, ..)| (s, stage_runs(s, 1, self.runs, has_incremental)))
            .filter(|(_, r)| *r > 0)
            .collect()
    }

    /// One variant in a stage of `runs`: its target directories exist, so an incremental
    /// warm-up costs about one run.
    fn stage(&self, runs: &[(Scenario, usize)]) -> f64 {
        self.runs_cost(runs).max(1.0)
    }

    /// What `runs` cost one variant whose target directories exist.
    fn runs_cost(&self, runs: &[(Scenario, usize)]) -> f64 {
        runs.iter()
            .map(|&(s, r)| {
                let wall = self.per.iter().find(|p| p.0 == s).map_or(0.0, |p| p.1);
                if s.is_clean() {
                    r as f64 * wall
                } else {
                    (r + 1) as f64 * wall
                }
            })
            .sum::<f64>()
    }

    /// Confirming a composition: a new variant built from scratch and measured, with the
    /// baseline and the best step measured beside it.
    fn confirmation(&self, runs: usize) -> f64 {
        self.variant()
            + 2.0
                * self
                    .per
                    .iter()
                    .filter(|p| !p.0.is_clean())
                    .map(|p| (runs * 2).max(4) as f64 * p.1)
                    .sum::<f64>()
    }
}

/// `order` (best expected first) with the best of every slot before the second of any: two
/// candidates of one slot exclude each other, while the best of another slot may compose with
/// the best of all.
fn across_slots(order: &[usize], candidates: &[PlanCandidate]) -> Vec<usize> {
    let mut seen = std::collections::HashSet::new();
    let (first, rest): (Vec<usize>, Vec<usize>) = order
        .iter()
        .partition(|&&i| seen.insert(candidates[i].slot.as_str()));
    first.into_iter().chain(rest).collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A budget in whole minutes, as `--budget` takes it.
fn minutes(seconds: f64) -> String {
    format!("{}m", (seconds / 60.0).ceil().max(1.0) as u64)
}

/// Never called: the probe's timings were checked before.
fn unreachable_timings() -> BuildTimings {
    BuildTimings {
        units: Vec::new(),
        wall: 0.0,
        jobs: None,
        schema: crate::timings::HtmlSchema::UnblockedSections,
        deps_source: crate::timings::DepsSource::TimingsUnblocked,
        unblocked: Vec::new(),
        unknown_fields: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use cargo_tune_schema::{Fingerprint, Goal, Measurement, VariantOutcome};

    use super::*;
    use crate::plan::catalogue::candidates;
    use crate::plan::test_support::linker;

    #[test]
    fn a_clean_scenario_is_built_once_when_an_incremental_one_follows() {
        assert_eq!(stage_runs(Scenario::DevClean, 1, 2, true), 1);
        assert_eq!(stage_runs(Scenario::DevClean, 2, 2, true), 0);
        assert_eq!(stage_runs(Scenario::DevIncremental, 1, 2, true), 2);
        assert_eq!(stage_runs(Scenario::DevIncremental, 3, 2, true), 8);
        assert_eq!(stage_runs(Scenario::ReleaseClean, 2, 2, false), 4);
    }

    /// Builds that take no time: each variant's wall time in a scenario is the baseline's times
    /// its true ratio, within ±2 %, and the virtual clock advances by every build.
    struct Fake<'c> {
        /// (variant, clean ratio, incremental ratio).
        truth: Vec<(&'static str, f64, f64)>,
        clock: &'c Cell<f64>,
        timings: Result<BuildTimings, String>,
        measured: RefCell<Vec<Vec<String>>>,
        /// The clock as each of `measured` started.
        started: RefCell<Vec<f64>>,
        notes: Vec<String>,
        n: usize,
    }

    const CLEAN_S: f64 = 30.0;
    const INCREMENTAL_S: f64 = 4.0;

    impl Fake<'_> {
        fn ratio(&self, variant: &str, scenario: Scenario) -> f64 {
            let (_, clean, inc) = self
                .truth
                .iter()
                .find(|t| t.0 == variant)
                .copied()
                .unwrap_or(("", 1.0, 1.0));
            if scenario.is_clean() { clean } else { inc }
        }
    }

    fn variant(name: &str) -> Variant {
        Variant {
            name: name.to_owned(),
            ..Variant::default()
        }
    }

    impl Measurer for Fake<'_> {
        fn variant(
            &mut self,
            name: &str,
            _: &[ChangeArg],
            _: &[Change],
        ) -> Result<Variant, Failure> {
            Ok(variant(name))
        }

        fn measure(
            &mut self,
            variants: &[Variant],
            runs: &[(Scenario, usize)],
            skip: &[(Scenario, String)],
            _: &[String],
        ) -> Result<Vec<ScenarioResult>, Failure> {
            self.measured
                .borrow_mut()
                .push(variants.iter().map(|v| v.name.clone()).collect());
            self.started.borrow_mut().push(self.clock.get());
            let mut out = Vec::new();
            for &(scenario, n) in runs {
                let base = if scenario.is_clean() {
                    CLEAN_S
                } else {
                    INCREMENTAL_S
                };
                let mut outcomes = Vec::new();
                for v in variants {
                    if skip
                        .iter()
                        .any(|(s, name)| *s == scenario && *name == v.name)
                    {
                        continue;
                    }
                    let ratio = self.ratio(&v.name, scenario);
                    let walls: Vec<Measurement> = (0..n)
                        .map(|_| {
                            self.n += 1;
                            let jitter = 1.0 + 0.02 * ((self.n * 7 % 5) as f64 / 2.0 - 1.0);
                            let wall_s = base * ratio * jitter;
                            self.clock.set(self.clock.get() + wall_s);
                            crate::measure::wall_only(wall_s)
                        })
                        .collect();
                    outcomes.push(VariantOutcome {
                        variant: v.name.clone(),
                        summary: crate::measure::summaries(&walls),
                        runs: walls,
                        failure: None,
                        cache_bytes: None,
                        binary_bytes: None,
                        runtime: None,
                    });
                }
                out.push(ScenarioResult {
                    scenario: scenario.as_str().to_owned(),
                    rounds: Vec::new(),
                    variants: outcomes,
                    comparisons: Vec::new(),
                });
            }
            Ok(out)
        }

        fn timings(&mut self, _: Scenario, _: &Variant, _: usize) -> Result<BuildTimings, String> {
            self.timings.clone()
        }

        fn note(&mut self, text: &str) {
            self.notes.push(text.to_owned());
        }

        fn error(&mut self, text: &str) {
            self.notes.push(text.to_owned());
        }
    }

    fn record(ids: &[&str]) -> PlanRecord {
        let all = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("mold", true), linker("wild", true)],
        );
        PlanRecord {
            candidates: all
                .into_iter()
                .filter(|c| ids.contains(&c.id.as_str()))
                .collect(),
            ..PlanRecord::new(
                "0.0.0",
                Goal::Dev,
                Fingerprint {
                    rustc: "1.95.0".to_owned(),
                    host: "x86_64-unknown-linux-gnu".to_owned(),
                    commit: None,
                    lockfile: None,
                    root_manifest: String::new(),
                },
                vec!["dev-clean".to_owned(), "dev-incremental".to_owned()],
                2,
                0,
            )
        }
    }

    const DEV: &[Scenario] = &[Scenario::DevClean, Scenario::DevIncremental];

    /// Runs a search of `ids` with `budget` seconds on `fake`'s builds.
    fn search(
        fake: &mut Fake<'_>,
        ids: &[&str],
        budget: f64,
        history_s: Option<f64>,
    ) -> (Result<PlanEnd, Failure>, PlanRecord) {
        search_with(fake, ids, budget, history_s, false)
    }

    /// [`search`], with or without a `package` table that gives units debuginfo of their own.
    fn search_with(
        fake: &mut Fake<'_>,
        ids: &[&str],
        budget: f64,
        history_s: Option<f64>,
        debug_by_package: bool,
    ) -> (Result<PlanEnd, Failure>, PlanRecord) {
        let clock_cell = fake.clock;
        let clock = move || clock_cell.get();
        let dir = tempfile::tempdir().unwrap();
        let mut s = Search {
            record: record(ids),
            clock: &clock,
            path: dir.path().join("plan.toml"),
            budget,
            follow_ups: 3,
            runs: 2,
            measurer: fake,
            facts: Facts {
                jobs: 2,
                history_s,
                debug_by_package,
                ..Facts::default()
            },
            cache_limit: 10_000_000_000,
            objective: Objective::Build,
        };
        let end = s.run(DEV);
        (end, s.record)
    }

    fn fake<'c>(clock: &'c Cell<f64>, truth: Vec<(&'static str, f64, f64)>) -> Fake<'c> {
        Fake {
            truth,
            clock,
            timings: Err("no timings in this test".to_owned()),
            measured: RefCell::new(Vec::new()),
            started: RefCell::new(Vec::new()),
            notes: Vec::new(),
            n: 0,
        }
    }

    #[test]
    fn a_budget_the_history_says_cannot_hold_the_baseline_is_refused_before_any_build() {
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, Vec::new());
        let (end, _) = search(&mut f, &["dev-debug-0"], 20.0, Some(34.0));
        let Err(Failure::Usage { message }) = end else {
            panic!("{end:?}")
        };
        assert!(message.contains("cannot hold one measurement"), "{message}");
        assert!(f.measured.borrow().is_empty());
    }

    #[test]
    fn without_a_history_the_baseline_is_built_once_and_nothing_more_when_nothing_fits() {
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, Vec::new());
        // The probe takes 30 + 4 s; one candidate would need about as much again.
        let (end, _) = search(&mut f, &["dev-debug-0"], 40.0, None);
        let Err(Failure::Usage { message }) = end else {
            panic!("{end:?}")
        };
        assert!(
            message.contains("nothing fits a budget of 40s"),
            "{message}"
        );
        let measured = f.measured.borrow();
        assert!(measured.iter().all(|v| v == &["baseline"]), "{measured:?}");
        assert_eq!(measured.len(), 2, "one build per scenario");
    }

    #[test]
    fn the_baselines_clean_build_is_not_reckoned_twice() {
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, vec![("dev-debug-0", 0.80, 0.70)]);
        // The probe (30 s and three rebuilds of 4 s), the baseline's rebuilds in the first
        // stage (3 x 4 s) and one candidate's first stage (42 s) fit in 98 s: the baseline's
        // clean build there is the probe's.
        let (end, record) = search(&mut f, &["dev-debug-0"], 98.0, None);
        let raced: Vec<&str> = record
            .stages
            .iter()
            .flat_map(|s| &s.candidates)
            .map(String::as_str)
            .collect();
        assert_eq!(
            (end.ok(), raced.first().copied()),
            (Some(PlanEnd::Converged), Some("dev-debug-0"))
        );
        assert!(clock.get() <= 98.0, "{}", clock.get());
    }

    #[test]
    fn the_best_of_every_slot_enters_before_the_second_of_any() {
        let candidates = record(&[
            "dev-debug-0",
            "dev-debug-line-tables-only",
            "linker-mold",
            "linker-wild",
        ])
        .candidates;
        let at = |id: &str| candidates.iter().position(|c| c.id == id).unwrap();
        let by_gain = [
            at("dev-debug-0"),
            at("dev-debug-line-tables-only"),
            at("linker-wild"),
            at("linker-mold"),
        ];
        let entered: Vec<&str> = across_slots(&by_gain, &candidates)
            .into_iter()
            .map(|i| candidates[i].id.as_str())
            .collect();
        assert_eq!(
            entered,
            [
                "dev-debug-0",
                "linker-wild",
                "dev-debug-line-tables-only",
                "linker-mold"
            ]
        );
    }

    #[test]
    fn every_candidate_pruned_by_its_prediction_is_a_decision_not_a_budget_run_out() {
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, Vec::new());
        // A build whose timings give no candidate anything to change.
        f.timings = Ok(BuildTimings {
            wall: CLEAN_S,
            ..unreachable_timings()
        });
        let ids = ["dev-debug-line-tables-only", "linker-mold"];
        let (end, record) = search(&mut f, &ids, 3600.0, None);
        assert_eq!(end.unwrap(), PlanEnd::Converged);
        assert!(record.stages.is_empty() && record.unmeasured.is_empty());
        assert_eq!(record.rejected.len(), ids.len(), "{:?}", record.rejected);
    }

    #[test]
    fn without_predictions_the_race_decides_and_says_why_there_were_none() {
        let clock = Cell::new(0.0);
        let truth = vec![
            ("dev-debug-0", 0.80, 0.70),
            ("dev-debug-line-tables-only", 0.90, 0.85),
            ("linker-mold", 1.0, 1.0),
        ];
        let mut f = fake(&clock, truth);
        let ids = ["dev-debug-0", "dev-debug-line-tables-only", "linker-mold"];
        let (end, record) = search(&mut f, &ids, 3600.0, None);
        assert_eq!(end.unwrap(), PlanEnd::Converged);
        assert!(
            record
                .evidence
                .predictions_unavailable
                .as_deref()
                .is_some_and(|w| w.contains("no timings in this test")),
            "{:?}",
            record.evidence
        );
        assert!(
            f.notes
                .iter()
                .any(|n| n.starts_with("racing without predictions"))
        );
        // Every candidate entered the race; the one truly faster is the step.
        assert_eq!(record.stages[0].candidates.len(), 3);
        let steps: Vec<&str> = record.steps.iter().map(|s| s.candidate.as_str()).collect();
        assert_eq!(steps, ["dev-debug-0"]);
        for r in &record.rejected {
            assert!(!r.reason.is_empty());
        }
        // It stopped once decided, far from the budget.
        assert!(clock.get() < 1200.0, "{}", clock.get());
    }

    #[test]
    fn the_budget_enters_the_best_it_can_and_says_what_more_would_measure_the_rest() {
        let clock = Cell::new(0.0);
        let truth = vec![("dev-debug-0", 0.80, 0.70), ("linker-mold", 0.95, 0.9)];
        let mut f = fake(&clock, truth);
        // The probe (34 s) and the baseline's own first stage (38 s) and one candidate fit;
        // the second does not.
        let (end, record) = search(&mut f, &["dev-debug-0", "linker-mold"], 150.0, None);
        assert!(end.is_ok(), "{end:?}");
        assert_eq!(record.stages[0].candidates.len(), 1, "{:?}", record.stages);
        assert_eq!(record.unmeasured.len(), 1, "{:?}", record.unmeasured);
        assert!(record.unmeasured[0].more_budget_s > 0);
    }

    #[test]
    fn time_left_after_a_race_that_found_nothing_races_the_candidates_that_did_not_fit() {
        let clock = Cell::new(0.0);
        // The first entered is slower, and out after two stages; the one that did not fit
        // beside it (with room for a confirmation) is faster, and fits what is left after.
        let truth = vec![("dev-debug-0", 1.2, 1.2), ("linker-mold", 0.80, 0.70)];
        let mut f = fake(&clock, truth);
        let (end, record) = search(&mut f, &["dev-debug-0", "linker-mold"], 185.0, None);
        assert!(end.is_ok(), "{end:?}");
        assert_eq!(
            record.stages[0].candidates,
            ["dev-debug-0"],
            "{:?}",
            record.stages
        );
        assert!(
            f.notes.iter().any(|n| n.contains("racing linker-mold")),
            "{:?}",
            f.notes
        );
        let steps: Vec<&str> = record.steps.iter().map(|s| s.candidate.as_str()).collect();
        assert_eq!(
            steps,
            ["linker-mold"],
            "{:?} {:?}",
            f.notes,
            record.rejected
        );
        assert!(record.unmeasured.is_empty(), "{:?}", record.unmeasured);
        assert!(clock.get() <= 185.0, "{}", clock.get());
    }

    #[test]
    fn steps_of_two_slots_are_confirmed_together_and_kept_only_if_faster_than_the_best() {
        let clock = Cell::new(0.0);
        // Both faster alone; together no faster than the debuginfo step alone.
        let truth = vec![
            ("dev-debug-0", 0.80, 0.70),
            ("linker-mold", 0.95, 0.85),
            ("composed", 0.80, 0.70),
        ];
        let mut f = fake(&clock, truth);
        let (end, record) = search(&mut f, &["dev-debug-0", "linker-mold"], 3600.0, None);
        assert!(end.is_ok(), "{end:?}");
        let c = record.confirmation.as_ref().expect("a confirmation");
        assert_eq!(c.candidates, ["dev-debug-0", "linker-mold"]);
        assert_eq!(c.kept, "best-single");
        let steps: Vec<&str> = record.steps.iter().map(|s| s.candidate.as_str()).collect();
        assert_eq!(steps, ["dev-debug-0"]);
        assert!(
            record
                .rejected
                .iter()
                .any(|r| r.candidate == "linker-mold" && r.reason.contains("not faster together"))
        );
        // Together and faster: both kept.
        let clock = Cell::new(0.0);
        let truth = vec![
            ("dev-debug-0", 0.80, 0.70),
            ("linker-mold", 0.95, 0.85),
            ("composed", 0.76, 0.60),
        ];
        let mut f = fake(&clock, truth);
        let (_, record) = search(&mut f, &["dev-debug-0", "linker-mold"], 3600.0, None);
        assert_eq!(record.confirmation.as_ref().unwrap().kept, "composition");
        assert_eq!(record.steps.len(), 2);
    }

    #[test]
    fn a_winner_the_others_leave_nothing_to_act_on_is_not_composed() {
        // All three faster alone; splitting debuginfo beside `debug = 0` has nothing to split.
        let ids = ["dev-debug-0", "dev-split-debuginfo-unpacked", "linker-wild"];
        let truth = vec![
            ("dev-debug-0", 0.80, 0.70),
            ("dev-split-debuginfo-unpacked", 0.90, 0.85),
            ("linker-wild", 0.95, 0.85),
            ("composed", 0.76, 0.60),
        ];
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, truth.clone());
        let (end, record) = search(&mut f, &ids, 3600.0, None);
        assert!(end.is_ok(), "{end:?}");
        let c = record.confirmation.as_ref().expect("a confirmation");
        assert_eq!(c.candidates, ["dev-debug-0", "linker-wild"]);
        let steps: Vec<&str> = record.steps.iter().map(|s| s.candidate.as_str()).collect();
        assert_eq!(steps, ["dev-debug-0", "linker-wild"]);
        let split = record
            .rejected
            .iter()
            .find(|r| r.candidate == "dev-split-debuginfo-unpacked")
            .expect("rejected");
        assert!(
            split.reason.contains("adds nothing beside dev-debug-0"),
            "{split:?}"
        );
        assert!(!split.measurements.is_empty());
        // Where a `package` table keeps some units' debuginfo, splitting still acts there.
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, truth);
        let (_, record) = search_with(&mut f, &ids, 3600.0, None, true);
        let c = record.confirmation.as_ref().expect("a confirmation");
        assert_eq!(c.candidates.len(), 3, "{c:?}");
    }

    #[test]
    fn a_confirmation_reckons_only_the_clean_build_it_adds() {
        let ids = ["dev-debug-0", "linker-wild"];
        let truth = vec![
            ("dev-debug-0", 0.80, 0.70),
            ("linker-wild", 0.95, 0.85),
            ("composed", 0.76, 0.60),
        ];
        // Where the confirmation starts, given all the budget it wants.
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, truth.clone());
        let _ = search(&mut f, &ids, 3600.0, None);
        let measured = f.measured.borrow();
        let look = measured
            .iter()
            .position(|names| names.iter().any(|n| n == "composed"))
            .expect("a confirmation");
        let confirming_at = f.started.borrow()[look];
        // Its first look builds the composition from scratch (30 s) and rebuilds each of the
        // three four times after a warm-up (60 s): with a fifth to spare, 108 s. The clean
        // builds of the workspace and of the best step are the race's; counting them again
        // would make it 166 s.
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, truth);
        let (_, record) = search(&mut f, &ids, confirming_at + 130.0, None);
        assert!(record.confirmation.is_some(), "{:?}", f.notes);
        // With less than that left, the best step stands alone and the other winner is
        // rejected with its measurements, not left out of the record.
        let clock = Cell::new(0.0);
        let mut f = fake(
            &clock,
            vec![("dev-debug-0", 0.80, 0.70), ("linker-wild", 0.95, 0.85)],
        );
        let (_, record) = search(&mut f, &ids, confirming_at + 90.0, None);
        assert!(record.confirmation.is_none(), "{:?}", f.notes);
        let steps: Vec<&str> = record.steps.iter().map(|s| s.candidate.as_str()).collect();
        assert_eq!(steps, ["dev-debug-0"]);
        let wild = record
            .rejected
            .iter()
            .find(|r| r.candidate == "linker-wild")
            .expect("the other winner is in the record");
        assert!(wild.reason.contains("did not fit"), "{wild:?}");
        assert!(!wild.measurements.is_empty());
    }

    #[test]
    fn an_undecided_confirmation_measures_again_with_twice_the_runs() {
        // Together a little faster than the debuginfo step alone: within the builds' spread
        // for the first look's runs.
        let truth = vec![
            ("dev-debug-0", 0.80, 0.70),
            ("linker-mold", 0.95, 0.85),
            ("composed", 0.78, 0.67),
        ];
        let confirm_rounds = |f: &Fake<'_>| {
            f.measured
                .borrow()
                .iter()
                .filter(|names| names.iter().any(|n| n == "composed"))
                .count()
        };
        let clock = Cell::new(0.0);
        let mut f = fake(&clock, truth.clone());
        // The fake's spread repeats every five runs: started here, the first look's pairs
        // scatter across it rather than lining up on one side.
        f.n = 3;
        let (end, record) = search(&mut f, &["dev-debug-0", "linker-mold"], 3600.0, None);
        assert!(end.is_ok(), "{end:?}");
        let c = record.confirmation.as_ref().expect("a confirmation");
        assert!(confirm_rounds(&f) > 1, "{:?}", f.measured.borrow());
        assert!(
            f.notes.iter().any(|n| n.contains("twice the runs")),
            "{:?}",
            f.notes
        );
        assert_eq!(c.kept, "composition", "{c:?}");
        let incremental = c
            .against_best
            .iter()
            .find(|m| m.scenario == "dev-incremental")
            .unwrap();
        assert_eq!(incremental.verdict, Verdict::Faster);
    }
}
