use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use cargo_tune_core::cargo::CargoCli;
use cargo_tune_core::measure::context::Provenance;
use cargo_tune_core::measure::runner;
use cargo_tune_core::report::{
    render_json, render_timings_html, render_timings_human, render_timings_markdown, svg,
};
use cargo_tune_core::timings::report::{TimingsInputs, assemble};
use cargo_tune_core::timings::{BuildTimings, html, unit_graph};
use cargo_tune_core::vocab::Scenario;

use super::measure::{MeasureArgs, Session, parse_scenario, run_plan};
use crate::cli::common::ManifestOptions;
use crate::errors::ExpectedError;
use crate::output::OutputContext;

/// `cargo tune timings`.
#[derive(Debug, clap::Args)]
pub(crate) struct TimingsArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    /// Report format; `html` is one self-contained page with the Gantt chart.
    #[arg(long, value_enum, default_value_t, help_heading = "Output Options")]
    format: TimingsFormat,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(
        long,
        short = 'o',
        value_name = "PATH",
        help_heading = "Output Options"
    )]
    output: Option<PathBuf>,
    /// Also write the Gantt chart of the build, critical path highlighted, as a self-contained
    /// SVG.
    #[arg(long, value_name = "PATH", help_heading = "Output Options")]
    svg: Option<PathBuf>,

    /// Scenario to build: check, dev-clean, dev-incremental, release-clean, test-build,
    /// test-run.
    #[arg(long, value_name = "NAME", default_value = "dev-clean", value_parser = parse_scenario, help_heading = "Measurement Options")]
    scenario: Scenario,
    /// Builds to time; with more than one, the median is reported and costs smaller than the
    /// run-to-run spread are marked as noise.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    runs: u32,
    /// Number of parallel jobs (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    jobs: Option<u32>,
    /// The source file dev-incremental edits (restored afterwards).
    #[arg(long, value_name = "PATH", help_heading = "Measurement Options")]
    touch: Option<PathBuf>,
    /// Build only this workspace member (repeatable); the default is the whole workspace.
    #[arg(
        long = "package",
        short = 'p',
        value_name = "SPEC",
        help_heading = "Measurement Options"
    )]
    packages: Vec<String>,
    /// Build every workspace member (the default).
    #[arg(
        long,
        conflicts_with = "packages",
        help_heading = "Measurement Options"
    )]
    workspace: bool,
}

/// One build: its timings, its wall time, and its failure if it failed.
type Measured = (BuildTimings, f64, Option<cargo_tune_schema::VariantFailure>);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum TimingsFormat {
    /// For people at a terminal.
    #[default]
    Human,
    /// One JSON document (see docs/timings.md); `cargo tune audit --costs` reads it.
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// A self-contained HTML page with the Gantt chart.
    Html,
}

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
}

impl TimingsArgs {
    /// Reads, beside the build, what only the report needs.
    fn read_beside(&self, graph_cli: &CargoCli, session: &Session) -> Beside {
        std::thread::scope(|s| {
            let provenance = s.spawn(|| Provenance::probe(&session.model.root));
            let graph = graph_cli
                .output()
                .map_err(|e| format!("cargo --unit-graph failed: {e}"))
                .and_then(|o| unit_graph::parse(&String::from_utf8_lossy(&o.stdout)));
            let (findings, proc_macros, warning) = match session.with_dependencies(&self.manifest) {
                Ok(model) => {
                    let proc_macros = model
                        .metadata
                        .packages
                        .iter()
                        .filter(|p| p.is_proc_macro())
                        .map(|p| (p.name.clone(), p.version.to_string()))
                        .collect();
                    let findings = cargo_tune_core::audit::assemble(
                        &model,
                        &session.env,
                        &Default::default(),
                        env!("CARGO_PKG_VERSION"),
                    )
                    .findings;
                    (findings, proc_macros, None)
                }
                Err(e) => (
                    Vec::new(),
                    Vec::new(),
                    Some(format!(
                        "the findings are not costed: {}",
                        e.render().unwrap_or_default()
                    )),
                ),
            };
            Beside {
                graph,
                findings,
                proc_macros,
                warning,
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
        plan: &mut cargo_tune_core::measure::MeasurePlan,
        context: &cargo_tune_schema::RunContext,
        target_dir: &std::path::Path,
        report_path: &std::path::Path,
        ctx: &OutputContext,
    ) -> Result<Vec<Measured>, ExpectedError> {
        let scenario = self.scenario;
        let mut out = Vec::new();
        for i in 0..self.runs {
            // A Ctrl-C while the previous report was read must not be lost when the next run
            // re-arms the handler.
            if crate::cli::interrupt::flag().load(Ordering::SeqCst) {
                return Err(ExpectedError::Interrupted {
                    restored: context.touched_file.clone(),
                });
            }
            // An incremental scenario needs its target directory built once first.
            plan.warm_up = !scenario.is_clean() && i == 0;
            let started = SystemTime::now();
            let result = match run_plan(plan, context, ctx) {
                Err(ExpectedError::Interrupted { restored }) => {
                    // A half-built private target directory is of no use to anyone.
                    if scenario.is_clean() {
                        let _ = std::fs::remove_dir_all(target_dir);
                    }
                    return Err(ExpectedError::Interrupted { restored });
                }
                other => other?,
            };
            let outcome = &result[0].outcomes[0];
            let fresh = std::fs::metadata(report_path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= started);
            if !fresh {
                if let Some(f) = &outcome.failure {
                    ctx.print_error(&format!(
                        "`{}` failed ({}) before cargo wrote a timings report:\n{}",
                        f.command,
                        f.status,
                        f.last_lines.join("\n")
                    ));
                    return Err(ExpectedError::BuildFailed { failed: 1 });
                }
                return Err(ExpectedError::Setup {
                    message: format!(
                        "failed to find cargo's timings report at {}",
                        report_path.display()
                    ),
                    source: None,
                });
            }
            let text = std::fs::read_to_string(report_path).map_err(|e| ExpectedError::Setup {
                message: format!("failed to read {}: {e}", report_path.display()),
                source: None,
            })?;
            let timings = html::parse(&text).map_err(|e| ExpectedError::Setup {
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

    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        if self.scenario == Scenario::NextestRun {
            return Err(ExpectedError::Usage {
                message: "--scenario nextest-run: cargo nextest does not pass --timings to cargo; time test-build instead".to_owned(),
            });
        }
        if self.scenario == Scenario::CiWarm {
            return Err(ExpectedError::Usage {
                message: "--scenario ci-warm: its baseline is a clean build from a fresh checkout, which dev-clean times; measure the cache layers with `cargo tune try --scenario ci-warm`".to_owned(),
            });
        }
        // An unwritable destination fails before minutes of building.
        let destination = crate::output::Destination::open(self.output.as_deref())?;
        // The members are all the build needs to start: `cargo metadata --no-deps` takes
        // milliseconds. What only the report needs (the resolved packages and the audit whose
        // findings get costed, cargo's unit graph, git and cargo's version) is read while cargo
        // builds.
        let session = Session::load_members(&self.manifest, ctx)?;
        let baseline = session.variant("baseline", &[], &[])?;
        let measure_args = MeasureArgs {
            scenarios: vec![self.scenario],
            runs: 1,
            jobs: self.jobs,
            touch: self.touch.clone(),
            no_history: true,
            packages: self.packages.clone(),
            workspace: self.workspace,
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
        let (args, graph_cli, session) = (&self, &graph_cli, &session);
        let failed_early = &AtomicBool::new(false);
        let (measured, side) = std::thread::scope(|s| {
            let side = s.spawn(move || {
                // Every resolve takes cargo's package cache lock: started before the build has
                // resolved, these calls would make it wait. Until then, or until it ends.
                let told = resolved_rx.recv().is_ok();
                // A build that failed before resolving leaves nothing to report on.
                if (!told && failed_early.load(Ordering::SeqCst))
                    || crate::cli::interrupt::flag().load(Ordering::SeqCst)
                {
                    return None;
                }
                cargo_tune_core::exec::process::yield_to_builds();
                Some(args.read_beside(graph_cli, session))
            });
            let measured = self.time_builds(&mut plan, &context, &target_dir, &report_path, ctx);
            // Ends the wait of a side that was never told: the build failed before resolving
            // (or printed nothing).
            failed_early.store(measured.is_err(), Ordering::SeqCst);
            plan.resolved = None;
            let side = side.join().expect("the side thread does not panic");
            (measured, side)
        });
        let measured = measured?;
        let Some(side) = side else {
            return Err(ExpectedError::Interrupted {
                restored: context.touched_file.clone(),
            });
        };
        side.provenance.record(&mut context);
        if let Some(warning) = &side.warning {
            ctx.print_warning(warning);
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
            if timings.deps_source == cargo_tune_core::timings::DepsSource::TimingsUnblocked {
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
        });
        // Kept for `cargo tune audit --costs` without a file; a failure to keep it only warns.
        let saved =
            cargo_tune_core::timings::report::saved_path(&session.model.metadata.target_directory);
        let mut json = Vec::new();
        if let Err(e) = render_json(&report, &mut json)
            .and_then(|()| cargo_tune_core::fsutil::write_atomic(&saved, &json))
        {
            ctx.print_warning(&format!("failed to write {}: {e}", saved.display()));
        }
        if let Some(path) = &self.svg {
            cargo_tune_core::fsutil::write_atomic(path, svg(&report).as_bytes()).map_err(
                |source| ExpectedError::Output {
                    path: path.display().to_string(),
                    source,
                },
            )?;
        }
        let options = ctx.render_options(self.output.is_some());
        crate::output::deliver(destination, |out| match self.format {
            TimingsFormat::Human => render_timings_human(&report, &options, out),
            TimingsFormat::Json => render_json(&report, out),
            TimingsFormat::Markdown => render_timings_markdown(&report, &options, out),
            TimingsFormat::Html => render_timings_html(&report, &options, out),
        })?;
        if failed {
            Err(ExpectedError::BuildFailed { failed: 1 })
        } else {
            Ok(())
        }
    }
}
