//! `cargo tune plan`: the candidates of a goal on this machine, less those already in effect,
//! measured by the search under a budget, and the decision record written.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cargo_tune_schema::{
    Goal, PLAN_FORMAT_VERSION, PlanCandidate, PlanEnd, PlanRecord, PlanRejection, ScenarioResult,
    ToolInfo,
};

use super::catalogue::{self, LINKERS, ci_layers, scenarios as goal_scenarios};
use super::driver::{Measurer, Search, changes_of};
use super::record::{default_path, fingerprint};
use crate::cargo::Invocation;
use crate::change::variant::Variant;
use crate::change::{Change, ChangeArg};
use crate::measure::session::{MeasureOptions, Session};
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
    /// Scenarios (else the goal's), runs and the rest.
    pub measure: MeasureOptions,
}

/// Builds of a measuring session, reported to the user's events.
struct Builds<'a> {
    session: &'a Session,
    options: MeasureOptions,
    events: &'a mut dyn Events,
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
        scenarios: &[Scenario],
        runs: usize,
        compare: bool,
    ) -> Result<Vec<ScenarioResult>, Failure> {
        let mut options = self.options.clone();
        options.runs = u32::try_from(runs).unwrap_or(u32::MAX);
        let mut out = Vec::new();
        for scenario in scenarios {
            let (context, mut plan) =
                self.session
                    .plan(&options, variants.to_vec(), vec![*scenario], Vec::new())?;
            plan.warm_up = !scenario.is_clean();
            let (_, _, results) = self.session.run_plan(context, plan, compare, self.events)?;
            out.extend(results);
        }
        Ok(out)
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
    for c in catalogue::candidates(goal, &session.env.rustc.host, &setups) {
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
    let mut builds = Builds {
        session: &session,
        options,
        events,
    };
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
            runs: request.measure.runs as usize,
            budget_s: request.budget.as_secs(),
            elapsed_s: 0,
            candidates: candidates.clone(),
            rounds: Vec::new(),
            steps: Vec::new(),
            rejected,
            ci: None,
        },
        started: Instant::now(),
        path,
        budget: request.budget.as_secs_f64(),
        follow_ups: request.follow_ups,
        runs: request.measure.runs as usize,
        measurer: &mut builds,
    };
    let result = search.run(&scenarios);
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
    match result {
        Ok(end) => search.write(end)?,
        Err(Failure::Interrupted { restored }) => {
            search.write(PlanEnd::Interrupted)?;
            return Err(Failure::Interrupted { restored });
        }
        Err(e) => return Err(e),
    }
    Ok(search.record)
}
