//! `cargo tune plan`: generate the candidates of a goal, measure them by greedy forward
//! selection under a budget, and write the decision record `cargo tune apply --plan` applies.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cargo_tune_core::change::Change;
use cargo_tune_core::plan::search;
use cargo_tune_core::report::{render_plan_human, render_plan_markdown};
use cargo_tune_core::vocab::Scenario;
use cargo_tune_schema::{
    Fingerprint, Goal, PLAN_FORMAT_VERSION, PlanCandidate, PlanEnd, PlanMeasurement, PlanRecord,
    PlanRejection, PlanRound, PlanStep, ScenarioRatio, ToolInfo, Verdict,
};

use super::measure::{ChangeArg, MeasureArgs, Session};
use crate::cli::common::{Format, ManifestOptions};
use crate::errors::ExpectedError;
use crate::output::{Destination, OutputContext};

/// `cargo tune plan`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Candidates come from the goal and this machine (debuginfo levels for all crates and \
for dependencies, split-debuginfo, the linkers that test-link here, cargo's build-time defaults \
the workspace moved away from; for release also LTO, codegen units and incremental; for ci the \
cache layers: a target-directory cache, with checksum freshness, and sccache), less those \
already in effect. Each round measures every remaining candidate on top of the steps chosen so \
far, in one interleaved run, and takes the one that measured faster in a scenario, slower in none, \
and faster on the goal's weighted scenarios (dev: dev-incremental 3, dev-clean 1). When none is \
faster yet, the better half of the rest is measured again with twice the runs (--follow-ups \
stages); the search stops when none is faster or the next round would not fit the budget. The record (every measurement, the chosen steps, the toolchain and workspace it was \
measured on) is written to cargo-tune-plan.toml; `cargo tune apply --plan FILE` applies its \
steps. For ci the record also holds the cache settings and GitHub Actions steps that set them up."
)]
pub(crate) struct PlanArgs {
    /// What to make faster: dev (dev-incremental and dev-clean), ci (ci-warm: a fresh
    /// checkout with the CI cache), release (release-clean).
    #[arg(long, value_enum)]
    goal: GoalArg,

    /// Time the search may take, e.g. 15m, 900s, 1h.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = cargo_tune_core::text::duration::parse)]
    budget: Duration,

    /// When no candidate of a round is faster yet: how many stages of extra runs (each
    /// twice the runs of the one before, for the better half of the candidates faster by
    /// their point estimates) may follow before the round concludes. 0 turns them off.
    #[arg(long, value_name = "N", default_value_t = search::DEFAULT_FOLLOW_UPS)]
    follow_ups: usize,

    /// Where to write the decision record (default: cargo-tune-plan.toml in the workspace
    /// root).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,

    /// Format of the report on stdout.
    #[arg(long, value_enum, default_value_t)]
    format: Format,

    /// With --goal ci: where sccache's cache lives in CI, for the CI snippet (local: its
    /// directory in the CI cache; redis://[USER:PASSWORD@]HOST[:PORT][/DB]: a shared Redis,
    /// whose URL goes in a secret). Measuring always uses a private local cache.
    #[arg(long, value_name = "BACKEND", default_value = "local")]
    cache_backend: String,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    measure: MeasureArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GoalArg {
    Dev,
    Ci,
    Release,
}

impl GoalArg {
    fn goal(self) -> Goal {
        match self {
            GoalArg::Dev => Goal::Dev,
            GoalArg::Ci => Goal::Ci,
            GoalArg::Release => Goal::Release,
        }
    }
}

/// The fingerprint of the workspace and toolchain as they are now.
pub(crate) fn fingerprint(session_root: &std::path::Path, rustc: &str, host: &str) -> Fingerprint {
    let (commit, _) = cargo_tune_core::measure::context::git_state(session_root);
    let read = |name: &str| std::fs::read(session_root.join(name)).ok();
    Fingerprint {
        rustc: rustc.to_owned(),
        host: host.to_owned(),
        commit: commit.filter(|c| !c.is_empty()),
        lockfile: read("Cargo.lock").map(|b| search::content_hash(&b)),
        root_manifest: read("Cargo.toml").map_or_else(String::new, |b| search::content_hash(&b)),
    }
}

/// One variant's changes: the steps chosen so far and, for a candidate, its own.
fn changes_of(candidates: &[&PlanCandidate]) -> (Vec<ChangeArg>, Vec<Change>) {
    let mut args = Vec::new();
    let mut changes = Vec::new();
    for c in candidates {
        for s in &c.changes {
            if let Some(change) = cargo_tune_core::change::Change::from_suggestion(s)
                .ok()
                .filter(Change::measurable)
            {
                args.push(ChangeArg {
                    text: change.to_string(),
                    spec: cargo_tune_core::change::ChangeSpec::Changes(vec![change.clone()]),
                });
                changes.push(change);
            }
        }
    }
    (args, changes)
}

struct Search<'a> {
    record: PlanRecord,
    started: Instant,
    path: PathBuf,
    ctx: &'a OutputContext,
}

impl Search<'_> {
    fn write(&mut self, end: PlanEnd) -> Result<(), ExpectedError> {
        self.record.end = end;
        self.record.partial = end == PlanEnd::Interrupted;
        self.record.elapsed_s = self.started.elapsed().as_secs();
        cargo_tune_core::fsutil::write_atomic(&self.path, search::to_toml(&self.record).as_bytes())
            .map_err(|source| ExpectedError::Output {
                path: self.path.display().to_string(),
                source,
            })?;
        self.ctx.print_note(&format!(
            "{}decision record written to {}",
            if self.record.partial { "partial " } else { "" },
            self.path.display()
        ));
        Ok(())
    }
}

impl PlanArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let goal = self.goal.goal();
        let cache_backend = cargo_tune_core::cache::Backend::parse(
            &self.cache_backend,
            std::path::Path::new("sccache"),
        )
        .map_err(|e| ExpectedError::Usage {
            message: format!("--cache-backend: {e}"),
        })?;
        let session = Session::load(&self.manifest, ctx, false)?;
        let scenarios: Vec<Scenario> = if self.measure.scenarios.is_empty() {
            search::scenarios(goal)
        } else {
            self.measure.scenarios.clone()
        };
        let path = self
            .output
            .clone()
            .unwrap_or_else(|| cargo_tune_core::plan::default_record_path(&session.model.root));
        let path = crate::cli::common::current_dir()?.join(path);
        // An unwritable record fails before anything is measured.
        let destination = Destination::open(Some(&path))?;
        drop(destination);

        let linkers: Vec<String> = search::LINKERS.iter().map(|s| (*s).to_owned()).collect();
        let setups = cargo_tune_core::probe::linker_setups(
            &linkers,
            &session.env,
            session.path_var.as_deref(),
        );
        let current = session.current();
        let mut rejected = Vec::new();
        let mut candidates = Vec::new();
        for setup in &setups {
            if let Err(reason) = &setup.flags {
                ctx.print_note(&format!("not proposing {}: {reason}", setup.linker));
            }
        }
        // Only the ci goal proposes sccache: ask for it there alone.
        let sccache = (goal == Goal::Ci)
            .then(|| cargo_tune_core::probe::sccache::find(session.path_var.as_deref()));
        for c in search::candidates(goal, &session.env.rustc.host, &setups) {
            if c.id == "ci-sccache"
                && let Some(Err(e)) = &sccache
            {
                ctx.print_note(&format!("not proposing ci-sccache: failed to {e}"));
                continue;
            }
            let (_, changes) = changes_of(&[&c]);
            if let Some(reasons) = session.no_op_reasons(&changes, &current) {
                rejected.push(PlanRejection {
                    candidate: c.id.clone(),
                    reason: format!("already in effect: {}", reasons.join("; ")),
                    measurements: Vec::new(),
                });
                continue;
            }
            candidates.push(c);
        }
        let mut search = Search {
            record: PlanRecord {
                format_version: PLAN_FORMAT_VERSION,
                tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
                goal,
                partial: false,
                end: PlanEnd::Converged,
                fingerprint: fingerprint(
                    &session.model.root,
                    &session.env.rustc.version.to_string(),
                    &session.env.rustc.host,
                ),
                scenarios: scenarios.iter().map(|s| s.as_str().to_owned()).collect(),
                runs: self.measure.runs as usize,
                budget_s: self.budget.as_secs(),
                elapsed_s: 0,
                candidates: candidates.clone(),
                rounds: Vec::new(),
                steps: Vec::new(),
                rejected,
                ci: None,
            },
            started: Instant::now(),
            path,
            ctx,
        };
        let result = self.run(&session, &scenarios, &mut search);
        if goal == Goal::Ci {
            let record = &search.record;
            let chosen: Vec<&PlanCandidate> = record
                .steps
                .iter()
                .filter_map(|s| record.candidates.iter().find(|c| c.id == s.candidate))
                .collect();
            let layers = search::ci_layers(&chosen, &cache_backend);
            search.record.ci = (!layers.is_empty()).then(|| {
                cargo_tune_core::cache::ci::settings(
                    &layers,
                    &session.env.rustc.version.to_string(),
                    "dev",
                )
            });
        }
        match result {
            Ok(end) => search.write(end)?,
            Err(ExpectedError::Interrupted { restored }) => {
                search.write(PlanEnd::Interrupted)?;
                return Err(ExpectedError::Interrupted { restored });
            }
            Err(e) => return Err(e),
        }
        let record = search.record;
        let options = ctx.render_options(false);
        crate::output::deliver(Destination::Stdout, |out| match self.format {
            Format::Json => cargo_tune_core::report::render_json(&record, out),
            Format::Human => render_plan_human(&record, &options, out),
            Format::Markdown => render_plan_markdown(&record, &options, out),
        })
    }

    fn run(
        &self,
        session: &Session,
        scenarios: &[Scenario],
        search: &mut Search<'_>,
    ) -> Result<PlanEnd, ExpectedError> {
        let mut remaining: Vec<PlanCandidate> = search.record.candidates.clone();
        if remaining.is_empty() {
            return Ok(PlanEnd::Converged);
        }
        let mut quiet = self.measure.clone();
        quiet.no_history = true;

        // One warm-up and one run of the workspace as it is: what a round is estimated from.
        let mut probe_args = quiet.clone();
        probe_args.runs = 1;
        let probe_started = Instant::now();
        let baseline = session.variant("baseline", &[], &[])?;
        let probe = measure_round(
            session,
            &probe_args,
            &[baseline],
            scenarios,
            false,
            search.ctx,
        )?;
        let mut probe_s = probe_started.elapsed().as_secs_f64();
        if let Some((scenario, failure)) = probe.iter().find_map(|s| {
            let f = s.variants.first()?.failure.as_ref()?;
            Some((s.scenario.clone(), f))
        }) {
            search.ctx.print_error(&format!(
                "the workspace as it is fails to build in {scenario} ({}: `{}`); there is nothing to plan from:\n{}",
                failure.status,
                failure.command,
                failure.last_lines.join("\n")
            ));
            return Err(ExpectedError::BuildFailed { failed: 1 });
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
        let runs = self.measure.runs as usize;
        let budget = self.budget.as_secs_f64();
        let goal = search.record.goal;
        let weight = |scenario: &str| search::weight(goal, scenario);
        let first = search::round_estimate(remaining.len() + 1, runs, probe_s, run_s);
        if first > budget - probe_s {
            return Err(ExpectedError::Usage {
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
            let estimate = search::round_estimate(remaining.len() + 1, runs, probe_s, run_s);
            if search.started.elapsed().as_secs_f64() + estimate > budget {
                search.ctx.print_note(&format!(
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
            let mut variants = vec![session.variant(base_name, &args, &changes)?];
            for c in &remaining {
                let mut with: Vec<&PlanCandidate> = chosen_refs.clone();
                with.push(c);
                let (args, changes) = changes_of(&with);
                variants.push(session.variant(&c.id, &args, &changes)?);
            }
            let round_started = Instant::now();
            let n_variants = variants.len();
            let results = measure_round(session, &quiet, &variants, scenarios, true, search.ctx)?;
            // A variant's warm-up is a whole build where its target directory is new (the
            // probe's may have been one left by an earlier run): later rounds are estimated
            // from what this one cost.
            let observed = round_started.elapsed().as_secs_f64() / n_variants as f64
                - runs.saturating_sub(1) as f64 * run_s;
            probe_s = probe_s.max(observed);
            let first: Vec<Vec<search::Pairs>> = remaining
                .iter()
                .map(|c| search::pairs(&results, &c.id))
                .collect();
            let refs: Vec<&PlanCandidate> = remaining.iter().collect();
            // None faster yet: more runs for the leading candidates, halving them each stage,
            // before the round concludes that nothing is faster.
            let mut more = |leaders: &[String],
                            stage_runs: usize|
             -> Result<Option<search::StagePairs>, ExpectedError> {
                // The variants' target directories exist: a stage costs its measured runs and
                // the incremental warm-ups, about one run each.
                let left = budget - search.started.elapsed().as_secs_f64();
                let fit = search::fitting(leaders.len(), stage_runs, run_s, left);
                if fit == 0 {
                    search.ctx.print_note(&format!(
                        "not measuring {} again: {} more runs do not fit the {}s left of the budget",
                        leaders[0],
                        stage_runs,
                        left.max(0.0) as u64
                    ));
                    return Ok(None);
                }
                let leaders = &leaders[..fit];
                search.ctx.print_note(&format!(
                    "measuring again: {} more runs of {}",
                    stage_runs,
                    leaders.join(", ")
                ));
                let mut stage_args = quiet.clone();
                stage_args.runs = stage_runs as u32;
                // The round's own variants, already resolved (linkers test-linked, rustflags
                // merged): the baseline and the leaders.
                let stage: Vec<_> = variants
                    .iter()
                    .filter(|v| v.name == base_name || leaders.contains(&v.name))
                    .cloned()
                    .collect();
                let results =
                    measure_round(session, &stage_args, &stage, scenarios, true, search.ctx)?;
                Ok(Some(
                    leaders
                        .iter()
                        .map(|id| (id.clone(), search::pairs(&results, id)))
                        .collect(),
                ))
            };
            let settled = search::settle(&refs, first, runs, self.follow_ups, &weight, &mut more)?;
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
}

/// Measures `variants` scenario by scenario. A clean scenario starts every run from an empty
/// target directory, so its warm-up would only repeat a measured run: it is left out, and the
/// rotated order of the rounds spreads what a cold cache costs over the variants.
fn measure_round(
    session: &Session,
    args: &MeasureArgs,
    variants: &[cargo_tune_core::change::variant::Variant],
    scenarios: &[Scenario],
    compare: bool,
    ctx: &OutputContext,
) -> Result<Vec<cargo_tune_schema::ScenarioResult>, ExpectedError> {
    let mut out = Vec::new();
    for scenario in scenarios {
        let (context, mut plan) =
            session.plan(args, variants.to_vec(), vec![*scenario], Vec::new())?;
        plan.warm_up = !scenario.is_clean();
        let (_, _, results) = session.run_plan(context, plan, compare, ctx)?;
        out.extend(results);
    }
    Ok(out)
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
