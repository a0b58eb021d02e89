//! `cargo tune timings`: one scenario built with `--timings` in a private target directory,
//! with what only the report needs (the resolve, the audit whose findings get costed, cargo's
//! unit graph) read beside the build at the lowest CPU priority once cargo has resolved.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use cargo_tune_schema::{RunContext, TimingsReport};

use crate::cargo::{CargoCli, Invocation};
use crate::measure::context::Provenance;
use crate::measure::session::{MeasureOptions, Session, run_plan};
use crate::measure::{MeasurePlan, runner};
use crate::timings::report::{TimingsInputs, assemble, saved_path};
use crate::timings::{BuildTimings, html, unit_graph};
use crate::vocab::{Events, Failure, Scenario};

/// What to time.
#[derive(Debug, Clone)]
pub struct TimingsRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// The scenario to build.
    pub scenario: Scenario,
    /// Builds to time.
    pub runs: u32,
    /// `CARGO_BUILD_JOBS`.
    pub jobs: Option<u32>,
    /// The file dev-incremental edits.
    pub touch: Option<PathBuf>,
    /// Members to build; empty for the whole workspace.
    pub packages: Vec<String>,
    /// After the timed builds, one instrumented build for the cost of macro expansion.
    pub macros: bool,
}

/// What the timing found.
#[derive(Debug)]
pub struct TimingsOutcome {
    /// The document.
    pub report: TimingsReport,
    /// The (last) build failed: exit 101 once the report is out.
    pub failed: bool,
}

/// Times the builds and assembles the report, saved for `cargo tune audit --costs`.
pub fn run(request: &TimingsRequest, events: &mut dyn Events) -> Result<TimingsOutcome, Failure> {
    request.run(events)
}

/// One build: its timings, its wall time, and its failure if it failed.
type Measured = (BuildTimings, f64, Option<cargo_tune_schema::VariantFailure>);

/// What `cargo tune timings` reads while cargo builds.
struct Beside {
    /// cargo's unit graph of the build, or why there is none.
    graph: Result<Vec<unit_graph::GraphUnit>, String>,
    /// The audit's findings, to be costed.
    findings: Vec<cargo_tune_schema::Finding>,
    /// `(name, version)` of every proc-macro package, for timings without a unit graph.
    proc_macros: Vec<(String, String)>,
    /// Why the findings are missing, shown once the build is over.
    warning: Option<String>,
    provenance: Provenance,
    /// The whole workspace, when it could be loaded.
    model: Option<crate::workspace::WorkspaceModel>,
}

impl TimingsRequest {
    /// Reads, beside the build, what only the report needs.
    fn read_beside(graph_cli: &CargoCli, session: &Session) -> Beside {
        std::thread::scope(|s| {
            let provenance = s.spawn(|| Provenance::probe(&session.model.root));
            let graph = graph_cli
                .output()
                .map_err(|e| format!("cargo --unit-graph failed: {e}"))
                .and_then(|o| unit_graph::parse(&String::from_utf8_lossy(&o.stdout)));
            let (findings, proc_macros, warning, model) = match session.with_dependencies() {
                Ok(model) => {
                    let proc_macros = model
                        .metadata
                        .packages
                        .iter()
                        .filter(|p| p.is_proc_macro())
                        .map(|p| (p.name.clone(), p.version.to_string()))
                        .collect();
                    let findings = crate::audit::assemble(
                        &model,
                        &session.env,
                        &Default::default(),
                        env!("CARGO_PKG_VERSION"),
                    )
                    .findings;
                    (findings, proc_macros, None, Some(model))
                }
                Err(e) => (
                    Vec::new(),
                    Vec::new(),
                    Some(format!(
                        "the findings are not costed: {}",
                        e.render().unwrap_or_default()
                    )),
                    None,
                ),
            };
            Beside {
                graph,
                findings,
                proc_macros,
                warning,
                model,
                provenance: provenance
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            }
        })
    }

    /// Runs the builds and reads cargo's report after each: the timings, the wall time and, for
    /// a build that failed (always the last), the failure.
    fn time_builds(
        &self,
        plan: &mut MeasurePlan,
        context: &RunContext,
        target_dir: &Path,
        report_path: &Path,
        events: &mut dyn Events,
    ) -> Result<Vec<Measured>, Failure> {
        let scenario = self.scenario;
        let mut out = Vec::new();
        for i in 0..self.runs {
            // A Ctrl-C while the previous report was read must not be lost when the next run
            // re-arms the handler.
            if events.cancel().load(Ordering::SeqCst) {
                return Err(Failure::Interrupted {
                    restored: context.touched_file.clone(),
                });
            }
            // An incremental scenario needs its target directory built once first.
            plan.warm_up = !scenario.is_clean() && i == 0;
            let started = SystemTime::now();
            let result = match run_plan(plan, context, events) {
                Err(Failure::Interrupted { restored }) => {
                    // A half-built private target directory is of no use to anyone.
                    if scenario.is_clean() {
                        let _ = std::fs::remove_dir_all(target_dir);
                    }
                    return Err(Failure::Interrupted { restored });
                }
                other => other?,
            };
            let outcome = &result[0].outcomes[0];
            let fresh = std::fs::metadata(report_path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= started);
            if !fresh {
                if let Some(f) = &outcome.failure {
                    events.error(&format!(
                        "`{}` failed ({}) before cargo wrote a timings report:\n{}",
                        f.command,
                        f.status,
                        f.last_lines.join("\n")
                    ));
                    return Err(Failure::BuildFailed { failed: 1 });
                }
                return Err(Failure::Setup {
                    message: format!(
                        "failed to find cargo's timings report at {}",
                        report_path.display()
                    ),
                    source: None,
                });
            }
            let text = std::fs::read_to_string(report_path).map_err(|e| Failure::Setup {
                message: format!("failed to read {}: {e}", report_path.display()),
                source: None,
            })?;
            let timings = html::parse(&text).map_err(|e| Failure::Setup {
                message: format!("failed to {e} ({})", report_path.display()),
                source: None,
            })?;
            if let Some(f) = &outcome.failure {
                let wall = timings.wall;
                out.push((timings, wall, Some(f.clone())));
                break;
            }
            let wall = outcome.runs.first().map_or(timings.wall, |m| m.wall_s);
            out.push((timings, wall, None));
        }
        Ok(out)
    }

    fn run(&self, events: &mut dyn Events) -> Result<TimingsOutcome, Failure> {
        if self.scenario == Scenario::NextestRun {
            return Err(Failure::Usage {
                message: "--scenario nextest-run: cargo nextest does not pass --timings to cargo; time test-build instead".to_owned(),
            });
        }
        if self.scenario == Scenario::CiWarm {
            return Err(Failure::Usage {
                message: "--scenario ci-warm: its baseline is a clean build from a fresh checkout, which dev-clean times; measure the cache layers with `cargo tune try --scenario ci-warm`".to_owned(),
            });
        }
        // The members are all the build needs to start: `cargo metadata --no-deps` takes
        // milliseconds. What only the report needs (the resolved packages and the audit whose
        // findings get costed, cargo's unit graph, git and cargo's version) is read while cargo
        // builds.
        let session = Session::load_members(&self.invocation)?;
        let baseline = session.variant("baseline", &[], &[])?;
        let measure_args = MeasureOptions {
            scenarios: vec![self.scenario],
            runs: 1,
            jobs: self.jobs,
            touch: self.touch.clone(),
            no_history: true,
            packages: self.packages.clone(),
            cache_bandwidth: None,
            ..MeasureOptions::default()
        };
        let (mut context, mut plan) = session.plan_unrecorded(
            &measure_args,
            vec![baseline],
            vec![self.scenario],
            Vec::new(),
        )?;
        // Apart from bench's directories, so that neither clobbers the other's builds.
        plan.bench_dir = session.bench_dir.join("timings");
        plan.extra_args = vec!["--timings".to_owned()];
        let (resolved_tx, resolved_rx) = std::sync::mpsc::channel();
        plan.resolved = Some(resolved_tx);
        context.runs = self.runs as usize;
        let scenario = self.scenario;
        let target_dir = runner::target_dir(&plan.bench_dir, scenario, &plan.variants[0].name);
        let report_path = target_dir.join("cargo-timings").join("cargo-timing.html");
        let build = runner::command(&plan, scenario, &plan.variants[0]);

        // The unit graph is unstable: RUSTC_BOOTSTRAP for this one call, which builds nothing.
        // Its own target directory keeps it off the build's lock.
        let graph_cli = build
            .clone()
            .args(["--unit-graph", "-Z", "unstable-options"])
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", plan.bench_dir.join("unit-graph"));
        let (graph_cli, session) = (&graph_cli, &session);
        let cancel = events.cancel();
        let failed_early = &AtomicBool::new(false);
        let (measured, side) = std::thread::scope(|s| {
            let side = s.spawn(move || {
                // Every resolve takes cargo's package cache lock: started before the build has
                // resolved, these calls would make it wait. Until then, or until it ends.
                let told = resolved_rx.recv().is_ok();
                // A build that failed before resolving leaves nothing to report on.
                if (!told && failed_early.load(Ordering::SeqCst)) || cancel.load(Ordering::SeqCst) {
                    return None;
                }
                crate::exec::process::yield_to_builds();
                Some(TimingsRequest::read_beside(graph_cli, session))
            });
            let measured = self.time_builds(&mut plan, &context, &target_dir, &report_path, events);
            // Ends the wait of a side that was never told: the build failed before resolving
            // (or printed nothing).
            failed_early.store(measured.is_err(), Ordering::SeqCst);
            plan.resolved = None;
            let side = side.join().expect("the side thread does not panic");
            (measured, side)
        });
        let measured = measured?;
        let Some(side) = side else {
            return Err(Failure::Interrupted {
                restored: context.touched_file.clone(),
            });
        };
        side.provenance.record(&mut context);
        if let Some(warning) = &side.warning {
            events.warning(warning);
        }
        let graph = side.graph;
        let mut runs: Vec<BuildTimings> = Vec::new();
        let mut walls = Vec::new();
        let mut failure = None;
        let mut mismatch = None;
        for (mut timings, wall, failed) in measured {
            match &graph {
                Ok(g) => {
                    if let Err(e) = unit_graph::attach(&mut timings, g) {
                        mismatch =
                            Some(format!("the unit graph does not describe this build: {e}"));
                        timings.deps_from_unblocked();
                    }
                }
                Err(_) => timings.deps_from_unblocked(),
            }
            if timings.deps_source == crate::timings::DepsSource::TimingsUnblocked {
                timings.mark_proc_macros(
                    side.proc_macros
                        .iter()
                        .map(|(name, version)| (name.as_str(), version.clone())),
                );
            }
            if failed.is_none() {
                timings.mark_all_finished();
            }
            walls.push(wall);
            runs.push(timings);
            failure = failed;
        }
        let deps_note = match &graph {
            Err(e) => Some(e.clone()),
            Ok(_) => mismatch,
        };
        let failed = failure.is_some();
        let macros = match (&side.model, self.macros && !failed) {
            (Some(model), true) => {
                events.status(
                    "Instrumenting",
                    "one more build of the workspace's crates for macro expansion (-Z macro-stats, -Z self-profile)",
                );
                let cancel = events.cancel();
                match crate::measure::macros::measure(
                    &plan,
                    scenario,
                    &plan.variants[0],
                    model,
                    &cancel,
                ) {
                    Ok(m) => Some(m),
                    Err(_) if cancel.load(Ordering::SeqCst) => {
                        return Err(Failure::Interrupted {
                            restored: context.touched_file.clone(),
                        });
                    }
                    Err(why) => {
                        events.warning(&format!("macro expansion is not reported: {why}"));
                        None
                    }
                }
            }
            (None, true) => {
                events.warning("macro expansion is not reported: the workspace's dependencies could not be read");
                None
            }
            _ => None,
        };
        let binaries = if failed {
            Vec::new()
        } else {
            binaries(&session.model, &target_dir, scenario)
        };
        let report = assemble(TimingsInputs {
            version: env!("CARGO_PKG_VERSION"),
            workspace_root: session.model.root.display().to_string(),
            context,
            scenario: scenario.as_str().to_owned(),
            command: build.display(),
            report_path: report_path.display().to_string(),
            deps_note,
            runs,
            walls,
            findings: &side.findings,
            failure,
            macros,
            binaries,
        });
        // Kept for `cargo tune audit --costs` without a file; a failure to keep it only warns.
        let saved = saved_path(&session.model.metadata.target_directory);
        let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
        if let Err(e) = crate::fsutil::write_atomic(&saved, &json) {
            events.warning(&format!("failed to write {}: {e}", saved.display()));
        }
        Ok(TimingsOutcome { report, failed })
    }
}

/// The code of each member binary the build linked, by crate, read with `nm`; none when the
/// scenario links no binary or `nm` is not installed.
fn binaries(
    model: &crate::workspace::WorkspaceModel,
    target_dir: &Path,
    scenario: crate::vocab::Scenario,
) -> Vec<cargo_tune_schema::BinaryCode> {
    let dir = match scenario {
        crate::vocab::Scenario::DevClean | crate::vocab::Scenario::DevIncremental => "debug",
        crate::vocab::Scenario::ReleaseClean => "release",
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for p in model.metadata.workspace_packages() {
        for t in p
            .targets
            .iter()
            .filter(|t| t.is_kind(crate::cargo::metadata::TargetKind::Bin))
        {
            let path = target_dir.join(dir).join(&t.name);
            if !path.exists() {
                continue;
            }
            let Ok(nm) = crate::cargo::ToolCommand::new("nm")
                .args(["-C", "--print-size", "--defined-only"])
                .arg(&path)
                .output()
            else {
                continue;
            };
            let (bytes, by_crate) =
                crate::timings::levers::code_by_crate(&String::from_utf8_lossy(&nm.stdout));
            out.push(cargo_tune_schema::BinaryCode {
                target: t.name.clone(),
                package: p.name.clone(),
                bytes,
                by_crate,
            });
        }
    }
    out
}
