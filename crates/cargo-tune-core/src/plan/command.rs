//! `cargo tune plan`: the candidates of a goal on this machine, less those already in effect,
//! measured by the search under a budget, and the decision record written.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cargo_tune_schema::{
    Goal, PlanCandidate, PlanEnd, PlanRecord, PlanRejection, RunContext, ScenarioResult,
};

use super::catalogue::{self, LINKERS, ci_layers, scenarios as goal_scenarios};
use super::driver::{Facts, Measurer, Search, changes_of};
use super::race::Objective;
use super::record::{default_path, fingerprint};
use crate::cargo::Invocation;
use crate::change::variant::Variant;
use crate::change::{Change, ChangeArg};
use crate::measure::session::{Current, MeasureOptions, Session};
use crate::measure::{MeasurePlan, runner};
use crate::timings::{BuildTimings, html, unit_graph};
use crate::vocab::{Events, Failure, Scenario};

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// What to make faster.
    pub goal: Goal,
    /// Time the search may take.
    pub budget: Duration,
    /// Follow-up stages a round may add when none of its candidates is faster yet.
    pub follow_ups: usize,
    /// Where to write the record (relative to `cwd`); else `cargo-tune-plan.toml` at the root.
    pub output: Option<PathBuf>,
    /// Where sccache's cache lives in CI, for the CI snippet (`--cache-backend`).
    pub cache_backend: String,
    /// The largest CI cache, compressed, a plan may need (`--cache-limit`), bytes.
    pub cache_limit: u64,
    /// Scenarios (else the goal's), runs and the rest; for `release`, the workload.
    pub measure: MeasureOptions,
    /// Goal `release`: a candidate's release build may take at most this many times the
    /// workspace's as it is.
    pub max_build_ratio: f64,
}

/// Builds of a measuring session in the plan's own target directories, reported to the user's
/// events.
struct Builds<'a> {
    session: &'a Session,
    options: MeasureOptions,
    events: &'a mut dyn Events,
    /// Below the session's: removed when the plan ends, however it ends.
    bench_dir: PathBuf,
}

impl Builds<'_> {
    fn measure_plan(
        &self,
        variants: Vec<Variant>,
        scenario: Scenario,
        runs: usize,
    ) -> Result<(RunContext, MeasurePlan), Failure> {
        let mut options = self.options.clone();
        options.runs = u32::try_from(runs).unwrap_or(u32::MAX);
        let (context, mut plan) =
            self.session
                .plan(&options, variants, vec![scenario], Vec::new())?;
        plan.bench_dir = self.bench_dir.clone();
        Ok((context, plan))
    }
}

impl Measurer for Builds<'_> {
    fn variant(
        &mut self,
        name: &str,
        args: &[ChangeArg],
        changes: &[Change],
    ) -> Result<Variant, Failure> {
        self.session.variant(name, args, changes)
    }

    /// A clean scenario starts every run from an empty target directory, so its warm-up would
    /// only repeat a measured run: it is left out, and the rotated order of the rounds spreads
    /// what a cold cache costs over the variants.
    fn measure(
        &mut self,
        variants: &[Variant],
        runs: &[(Scenario, usize)],
        skip: &[(Scenario, String)],
        extra_args: &[String],
    ) -> Result<Vec<ScenarioResult>, Failure> {
        let mut out = Vec::new();
        for &(scenario, n) in runs {
            let (context, mut plan) = self.measure_plan(variants.to_vec(), scenario, n)?;
            plan.warm_up = !scenario.is_clean();
            plan.extra_args = extra_args.to_vec();
            // A variant the search skips here has its earlier build in the same directory.
            plan.reuse_skipped = true;
            plan.skip = skip
                .iter()
                .filter(|(s, _)| *s == scenario)
                .cloned()
                .collect();
            let (_, _, results) = self.session.run_plan(context, plan, true, self.events)?;
            out.extend(results);
        }
        Ok(out)
    }

    fn timings(
        &mut self,
        scenario: Scenario,
        variant: &Variant,
        builds: usize,
    ) -> Result<BuildTimings, String> {
        let (_, plan) = self
            .measure_plan(vec![variant.clone()], scenario, 1)
            .map_err(|e| e.render().unwrap_or_default())?;
        let dir =
            runner::target_dir(&plan.bench_dir, scenario, &variant.name).join("cargo-timings");
        // cargo keeps every build's report under a name that sorts by its time, beside the
        // last one's `cargo-timing.html`.
        let mut reports: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("cargo-timing-") && n.ends_with(".html"))
            })
            .collect();
        reports.sort();
        let last = reports.split_off(reports.len().saturating_sub(builds.max(1)));
        let last = if last.is_empty() {
            vec![dir.join("cargo-timing.html")]
        } else {
            last
        };
        let parsed = last
            .iter()
            .map(|report| {
                let text = std::fs::read_to_string(report)
                    .map_err(|e| format!("read {}: {e}", report.display()))?;
                html::parse(&text).map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut timings =
            BuildTimings::median_of(parsed).ok_or_else(|| "no timings report".to_owned())?;
        // The unit graph is unstable: RUSTC_BOOTSTRAP for this one call, which builds nothing.
        let graph = runner::command(&plan, scenario, variant)
            .args(["--unit-graph", "-Z", "unstable-options"])
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", plan.bench_dir.join("unit-graph"))
            .output()
            .map_err(|e| format!("cargo --unit-graph failed: {e}"))
            .and_then(|o| unit_graph::parse(&String::from_utf8_lossy(&o.stdout)))?;
        unit_graph::attach(&mut timings, &graph)
            .map_err(|e| format!("the unit graph does not describe the build: {e}"))?;
        timings.mark_all_finished();
        Ok(timings)
    }

    fn note(&mut self, text: &str) {
        self.events.note(text);
    }

    fn error(&mut self, text: &str) {
        self.events.error(text);
    }
}

/// Plans, and returns the record it wrote.
pub fn run(request: &PlanRequest, events: &mut dyn Events) -> Result<PlanRecord, Failure> {
    let goal = request.goal;
    let cache_backend =
        crate::cache::Backend::parse(&request.cache_backend, std::path::Path::new("sccache"))
            .map_err(|e| Failure::usage(format!("--cache-backend: {e}")))?;
    if goal == Goal::Release && request.measure.workload.is_none() {
        return Err(Failure::usage(
            "plan --goal release weighs the program's run time against its build: give the workload, --workload-bin NAME -- ARGS (one of the workspace's binaries) or --workload NAME (a workload of the SLO spec)",
        ));
    }
    // NaN is refused with the values below 1.
    if request.max_build_ratio.is_nan() || request.max_build_ratio < 1.0 {
        return Err(Failure::usage(format!(
            "--max-build-ratio {}: a limit below 1 would refuse the workspace as it is",
            request.max_build_ratio
        )));
    }
    let session = Session::load(&request.invocation, false)?;
    let scenarios: Vec<Scenario> = if request.measure.scenarios.is_empty() {
        goal_scenarios(goal)
    } else {
        request.measure.scenarios.clone()
    };
    let path = request
        .output
        .clone()
        .unwrap_or_else(|| default_path(&session.model.root));
    let path = request.invocation.cwd.join(path);
    // An unwritable record fails before anything is measured.
    crate::fsutil::PendingWrite::create(&path).map_err(|source| Failure::Output {
        path: path.display().to_string(),
        source,
    })?;

    let linkers: Vec<String> = LINKERS.iter().map(|s| (*s).to_owned()).collect();
    let setups = crate::probe::linker_setups(&linkers, &session.env, session.path_var.as_deref());
    let current = session.current();
    let mut rejected = Vec::new();
    let mut candidates = Vec::new();
    for setup in &setups {
        if let Err(reason) = &setup.flags {
            events.note(&format!("not proposing {}: {reason}", setup.linker));
        }
    }
    // Only the ci goal proposes sccache: ask for it there alone.
    let sccache =
        (goal == Goal::Ci).then(|| crate::probe::sccache::find(session.path_var.as_deref()));
    for mut c in catalogue::candidates(goal, &session.env.rustc.host, &setups) {
        if let Some(profile) = &request.measure.profile {
            retarget(&mut c, profile);
        }
        if c.id == "ci-sccache"
            && let Some(Err(e)) = &sccache
        {
            events.note(&format!("not proposing ci-sccache: failed to {e}"));
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
    let mut options = request.measure.clone();
    options.no_history = true;
    let profile = scenarios.first().map_or("dev", |s| s.profile());
    let facts = Facts {
        jobs: crate::measure::context::effective_jobs(
            request.measure.jobs.map(|j| j as usize),
            &session.model.env,
            &session.model.config,
            session.env.host.cores,
        ),
        members: session
            .model
            .metadata
            .workspace_packages()
            .iter()
            .map(|p| (p.name.clone(), p.version.to_string()))
            .collect(),
        linker: current.linker().to_owned(),
        without_debuginfo: without_debuginfo(&session, &current, profile),
        history_s: history_estimate(&session, &scenarios),
        debug_by_package: current.debug_by_package(profile),
    };
    let bench_dir = session.bench_dir.join("plan");
    let started = Instant::now();
    let clock = move || started.elapsed().as_secs_f64();
    let mut builds = Builds {
        session: &session,
        options,
        events,
        bench_dir: bench_dir.clone(),
    };
    let mut search = Search {
        record: PlanRecord {
            candidates: candidates.clone(),
            rejected,
            ..PlanRecord::new(
                env!("CARGO_PKG_VERSION"),
                goal,
                fingerprint(
                    &session.model.root,
                    &session.env.rustc.version.to_string(),
                    &session.env.rustc.host,
                ),
                scenarios.iter().map(|s| s.as_str().to_owned()).collect(),
                request.measure.runs as usize,
                request.budget.as_secs(),
            )
        },
        clock: &clock,
        path,
        budget: request.budget.as_secs_f64(),
        follow_ups: request.follow_ups,
        runs: request.measure.runs as usize,
        measurer: &mut builds,
        facts,
        cache_limit: request.cache_limit,
        objective: if goal == Goal::Release {
            Objective::Runtime {
                max_build_ratio: request.max_build_ratio,
            }
        } else {
            Objective::Build
        },
    };
    let result = search.run(&scenarios);
    if goal == Goal::Release
        && let Some(workload) = release_workload(&session, &request.measure)
    {
        let decision = super::release::decide(
            &search.record,
            workload,
            request.max_build_ratio,
            vec![LEFT_OUT_PGO.to_owned()],
        );
        search.record.release = Some(decision);
    }
    if goal == Goal::Ci {
        let record = &search.record;
        let chosen: Vec<&PlanCandidate> = record
            .steps
            .iter()
            .filter_map(|s| record.candidates.iter().find(|c| c.id == s.candidate))
            .collect();
        let layers = ci_layers(&chosen, &cache_backend);
        search.record.ci = (!layers.is_empty()).then(|| {
            crate::cache::ci::settings(&layers, &session.env.rustc.version.to_string(), "dev")
        });
    }
    // What the baseline took is kept however the plan ended, so that the next one can tell
    // a budget too small before it builds anything.
    if let Some(entry) = history_line(&search.record, &session, &request.measure)
        && !request.measure.no_history
    {
        let path = crate::measure::history::path(&session.model.metadata.target_directory);
        if let Err(e) = crate::measure::history::append(&path, &entry) {
            search
                .measurer
                .note(&format!("failed to append to {}: {e}", path.display()));
        }
    }
    // The plan's builds are of no use once it has decided (or stopped): their target
    // directories go, however it ended.
    let removed = crate::exec::checkout::remove(&bench_dir);
    match result {
        Ok(end) => search.write(end)?,
        Err(Failure::Interrupted { restored }) => {
            search.write(PlanEnd::Interrupted)?;
            return Err(Failure::Interrupted { restored });
        }
        Err(e) => return Err(e),
    }
    if let Err(e) = removed {
        search
            .measurer
            .note(&format!("failed to remove {}: {e}", bench_dir.display()));
    }
    Ok(search.record)
}

/// Why the release search does not race a PGO build.
const LEFT_OUT_PGO: &str = "PGO: a profile-guided build needs its profile trained and merged again whenever the code changes, which no profile setting expresses; measure it with `cargo tune pgo -p PACKAGE -- ARGS`, which compares it with the same workload";

/// A release candidate set in the profile `release-clean` builds (`--profile NAME`).
fn retarget(candidate: &mut PlanCandidate, profile: &str) {
    for change in &mut candidate.changes {
        if let cargo_tune_schema::SuggestedChange::ProfileSet { profile: p, .. } = change
            && p == "release"
        {
            *p = profile.to_owned();
        }
    }
    candidate.slot = changes_of(&[candidate])
        .1
        .first()
        .map(Change::slot)
        .unwrap_or_default();
}

/// The workload of a release plan, as its record states it.
fn release_workload(
    session: &Session,
    options: &MeasureOptions,
) -> Option<cargo_tune_schema::WorkloadInfo> {
    let (context, _) = session
        .plan_unrecorded(
            options,
            Vec::new(),
            vec![Scenario::ReleaseClean],
            Vec::new(),
        )
        .ok()?;
    context.workload
}

/// The changes that build `profile` without debuginfo, where it has some in effect (for every
/// crate or for dependencies); empty when it has none.
fn without_debuginfo(session: &Session, current: &Current, profile: &str) -> Vec<Change> {
    let off = |key: String| Change::Config {
        key,
        value: "0".to_owned(),
    };
    let candidates = [
        off(format!("profile.{profile}.debug")),
        off(format!("profile.{profile}.package.\"*\".debug")),
    ];
    candidates
        .into_iter()
        .filter(|c| {
            session
                .no_op_reasons(std::slice::from_ref(c), current)
                .is_none()
        })
        .collect()
}

/// Seconds one build of the workspace as it is took in every scenario of the plan, from the
/// history of earlier plans, `bench`es and `try`s.
fn history_estimate(session: &Session, scenarios: &[Scenario]) -> Option<f64> {
    let path = crate::measure::history::path(&session.model.metadata.target_directory);
    let (entries, _) = crate::measure::history::read_history(&path).ok()?;
    let names: Vec<&str> = scenarios.iter().map(|s| s.as_str()).collect();
    crate::measure::history::baseline_seconds(&entries, &names)
}

/// The history line of the plan's baseline builds, so that the next plan knows what one costs.
fn history_line(
    record: &PlanRecord,
    session: &Session,
    options: &MeasureOptions,
) -> Option<cargo_tune_schema::HistoryEntry> {
    if record.evidence.baseline.is_empty() {
        return None;
    }
    let (context, _) = session
        .plan_unrecorded(options, Vec::new(), Vec::new(), Vec::new())
        .ok()?;
    Some(cargo_tune_schema::HistoryEntry {
        format_version: cargo_tune_schema::FORMAT_VERSION,
        command: "plan".to_owned(),
        finished_at: crate::measure::session::now(),
        tool: record.tool.clone(),
        context,
        variants: Vec::new(),
        results: record
            .evidence
            .baseline
            .iter()
            .map(|b| cargo_tune_schema::HistoryResult {
                scenario: b.scenario.clone(),
                variant: "baseline".to_owned(),
                summary: crate::measure::summaries(&[cargo_tune_schema::Measurement {
                    wall_s: b.seconds,
                    user_s: 0.0,
                    sys_s: 0.0,
                    peak_tree_rss_bytes: None,
                    max_process_rss_bytes: None,
                    artifact_bytes: 0,
                    units_rebuilt: 0,
                    units_total: 0,
                    harness_cpu_s: 0.0,
                    compiler_cache: None,
                    cache_restore_s: None,
                }]),
                failed: false,
                ratio: None,
                verdict: None,
            })
            .collect(),
    })
}
