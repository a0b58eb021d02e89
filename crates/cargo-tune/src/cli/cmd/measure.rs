//! What `bench` and `try` share: scenario and run flags, loading the workspace, resolving
//! variants, running with a progress bar, the history file, and the exit code.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use cargo_tune_core::cargo::CargoOptions;
use cargo_tune_core::cargo::metadata::MetadataSource;
use cargo_tune_core::change::variant::{self, ResolveCtx, RustflagsSources, Variant};
use cargo_tune_core::change::{Change, ChangeSpec, InEffect};
use cargo_tune_core::exec::memory::TreeSampler;
use cargo_tune_core::measure::context::{
    Provenance, check_touch_file, controlled_env, default_touch_file, effective_jobs,
};
use cargo_tune_core::measure::{self, MeasureError, MeasurePlan};
use cargo_tune_core::probe::Environment;
use cargo_tune_core::vocab::Scenario;
use cargo_tune_core::workspace::{BuildEnv, LoadOptions, WorkspaceModel};
use cargo_tune_schema::{
    EffectiveProfile, HistoryEntry, MeasureReport, RunContext, ScenarioResult,
};

use crate::cli::common::{ManifestOptions, current_dir};
use crate::cli::interrupt;
use crate::errors::ExpectedError;
use crate::output::{OutputContext, ProgressBar};

/// Flags of every measuring command.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Measurement Options")]
pub(crate) struct MeasureArgs {
    /// Scenario to measure (repeatable or comma-separated): check, dev-clean, dev-incremental,
    /// release-clean, test-build, test-run, nextest-run, ci-warm.
    #[arg(long = "scenario", value_name = "NAME", value_parser = parse_scenario, value_delimiter = ',')]
    pub(crate) scenarios: Vec<Scenario>,
    /// Measured runs per variant and scenario, after one warm-up (three or more let a large,
    /// consistent effect be told from noise).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) runs: u32,
    /// Number of parallel jobs for every measured build (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) jobs: Option<u32>,
    /// The source file dev-incremental edits (default: the main file of a member no other
    /// member depends on). Its bytes and mtime are always restored.
    #[arg(long, value_name = "PATH")]
    pub(crate) touch: Option<PathBuf>,
    /// Do not append the results to target/cargo-tune/history.jsonl.
    #[arg(long)]
    pub(crate) no_history: bool,
    /// Build only this workspace member (repeatable); the default is the whole workspace.
    #[arg(long = "package", short = 'p', value_name = "SPEC")]
    pub(crate) packages: Vec<String>,
    /// Build every workspace member (the default).
    #[arg(long, conflicts_with = "packages")]
    pub(crate) workspace: bool,
}

pub(crate) fn parse_scenario(name: &str) -> Result<Scenario, String> {
    Scenario::parse(name).ok_or_else(|| {
        format!(
            "unknown scenario; expected one of: {}",
            Scenario::names().join(", ")
        )
    })
}

/// A CHANGE argument as written and as understood.
#[derive(Debug, Clone)]
pub(crate) struct ChangeArg {
    pub(crate) text: String,
    pub(crate) spec: ChangeSpec,
}

/// Parses a candidate argument, one CHANGE or several joined by `+` (clap value parser).
pub(crate) fn parse_candidate(text: &str) -> Result<Vec<ChangeArg>, String> {
    cargo_tune_core::change::parse_combined(text)
        .map(|parts| {
            parts
                .into_iter()
                .map(|(text, spec)| ChangeArg { text, spec })
                .collect()
        })
        .map_err(|e| e.to_string())
}

/// The profiles, rustflags and linker in effect before any change.
pub(crate) struct Current {
    profiles: Vec<EffectiveProfile>,
    rustflags: Vec<String>,
    linker: String,
}

/// The workspace, loaded and probed once.
pub(crate) struct Session {
    pub(crate) model: WorkspaceModel,
    pub(crate) env: Environment,
    pub(crate) cargo: CargoOptions,
    pub(crate) bench_dir: PathBuf,
    pub(crate) path_var: Option<std::ffi::OsString>,
}

/// How a measuring command loads the workspace from `source`.
fn load_options(
    manifest: &ManifestOptions,
    source: MetadataSource,
    unit_graphs: bool,
) -> Result<LoadOptions, ExpectedError> {
    Ok(LoadOptions {
        source,
        manifest_path: manifest.manifest_path.clone(),
        cwd: current_dir()?,
        env: BuildEnv::capture(),
        unit_graphs,
        // Builds would write a lockfile into the workspace; measuring needs the one it has.
        lockfile_aside: false,
    })
}

impl Session {
    /// Loads the workspace once. `unit_graphs`: read cargo's unit graphs too, which only the
    /// `compiled-twice` finding needs; a measurement does not pay for them otherwise.
    pub(crate) fn load(
        manifest: &ManifestOptions,
        ctx: &OutputContext,
        unit_graphs: bool,
    ) -> Result<Session, ExpectedError> {
        Session::load_from(manifest, ctx, unit_graphs, MetadataSource::Cargo)
    }

    /// Loads the workspace members alone (`cargo metadata --no-deps`): enough to plan and start
    /// a build in milliseconds, without taking cargo's package cache lock. The model has no
    /// dependencies and no resolve.
    pub(crate) fn load_members(
        manifest: &ManifestOptions,
        ctx: &OutputContext,
    ) -> Result<Session, ExpectedError> {
        Session::load_from(manifest, ctx, false, MetadataSource::Members)
    }

    /// The whole workspace, dependencies and resolve included, for a session loaded with
    /// [`Session::load_members`]; the toolchain is not probed again.
    pub(crate) fn with_dependencies(
        &self,
        manifest: &ManifestOptions,
    ) -> Result<WorkspaceModel, ExpectedError> {
        let load = load_options(manifest, MetadataSource::Cargo(self.cargo.clone()), false)?;
        Ok(WorkspaceModel::start(load)?.finish()?)
    }

    fn load_from(
        manifest: &ManifestOptions,
        ctx: &OutputContext,
        unit_graphs: bool,
        source: fn(cargo_tune_core::cargo::CargoOptions) -> MetadataSource,
    ) -> Result<Session, ExpectedError> {
        let cargo = manifest.cargo_options(ctx);
        let load = load_options(manifest, source(cargo.clone()), unit_graphs)?;
        let (model, env) = cargo_tune_core::audit::load_and_probe(load)?;
        let bench_dir = model.metadata.target_directory.join("cargo-tune");
        Ok(Session {
            model,
            env,
            cargo,
            bench_dir,
            path_var: std::env::var_os("PATH"),
        })
    }

    /// Expands each CHANGE argument into changes, running the audit only when a finding is
    /// named (once, however many are).
    pub(crate) fn expand(
        &self,
        args: &[ChangeArg],
        findings: &mut Option<Vec<cargo_tune_schema::Finding>>,
    ) -> Result<Vec<Vec<Change>>, ExpectedError> {
        let mut out = Vec::new();
        for arg in args {
            let found = match &arg.spec {
                ChangeSpec::Changes(c) => Ok(c.clone()),
                ChangeSpec::Finding(code) => cargo_tune_core::change::from_findings(
                    *code,
                    findings.get_or_insert_with(|| self.findings()),
                ),
                ChangeSpec::FindingId(id) => cargo_tune_core::change::from_finding_id(
                    id,
                    findings.get_or_insert_with(|| self.findings()),
                ),
            };
            out.push(found.map_err(|e| ExpectedError::Usage {
                message: e.to_string(),
            })?);
        }
        Ok(out)
    }

    fn findings(&self) -> Vec<cargo_tune_schema::Finding> {
        cargo_tune_core::audit::assemble(
            &self.model,
            &self.env,
            &Default::default(),
            env!("CARGO_PKG_VERSION"),
        )
        .findings
    }

    fn rustflags_sources(&self) -> RustflagsSources<'_> {
        RustflagsSources {
            env: &self.model.env,
            config: &self.model.config,
            cli_config: &self.cargo.config,
            host: &self.env.rustc.host,
            host_cfg: &self.env.host_cfg,
        }
    }

    /// What is in effect now, for telling a change that changes nothing.
    pub(crate) fn current(&self) -> Current {
        let profiles = cargo_tune_core::workspace::profiles::effective_profiles(&self.model);
        let flags = cargo_tune_core::workspace::rustflags::RustflagsResolution::resolve(
            &self.rustflags_sources(),
        )
        .flags();
        let linker =
            cargo_tune_core::analysis::toolchain::linker_in_effect(&self.model, &self.env, &flags);
        Current {
            profiles,
            rustflags: flags,
            linker: linker.kind.name().to_owned(),
        }
    }

    /// Why every one of `changes` would change nothing, or `None` when one changes something.
    pub(crate) fn no_op_reasons(
        &self,
        changes: &[Change],
        current: &Current,
    ) -> Option<Vec<String>> {
        let now = InEffect {
            profiles: &current.profiles,
            env: &self.model.env,
            rustflags: &current.rustflags,
            linker: &current.linker,
            cli_config: &self.cargo.config,
        };
        changes
            .iter()
            .map(|c| cargo_tune_core::change::already_in_effect(c, &now))
            .collect()
    }

    /// Refuses a CHANGE argument that changes nothing in this workspace.
    pub(crate) fn refuse_no_ops(
        &self,
        args: &[ChangeArg],
        expanded: &[Vec<Change>],
        current: &Current,
    ) -> Result<(), ExpectedError> {
        let now = InEffect {
            profiles: &current.profiles,
            env: &self.model.env,
            rustflags: &current.rustflags,
            linker: &current.linker,
            cli_config: &self.cargo.config,
        };
        for (arg, changes) in args.iter().zip(expanded) {
            let reasons: Option<Vec<String>> = changes
                .iter()
                .map(|c| cargo_tune_core::change::already_in_effect(c, &now))
                .collect();
            if let Some(reasons) = reasons {
                return Err(ExpectedError::Usage {
                    message: format!(
                        "`{}` changes nothing: {}; measuring it would only measure noise",
                        arg.text,
                        reasons.join("; ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// Resolves changes (written as `args`) into a variant, test-linking with a new linker.
    pub(crate) fn variant(
        &self,
        name: &str,
        args: &[ChangeArg],
        changes: &[Change],
    ) -> Result<Variant, ExpectedError> {
        let texts: Vec<String> = args.iter().map(|a| a.text.clone()).collect();
        let probe_dir = self.bench_dir.join("linker-probe");
        let ctx = ResolveCtx {
            rustflags: self.rustflags_sources(),
            env: &self.env,
            path: self.path_var.as_deref(),
            probe_dir: &probe_dir,
        };
        variant::resolve(name, &texts, changes, &ctx).map_err(|e| ExpectedError::Setup {
            message: format!("failed to {e}"),
            source: None,
        })
    }

    /// Runs the plan with a progress bar and Ctrl-C handling; with `compare`, every variant
    /// after the first is compared with the first.
    pub(crate) fn measure(
        &self,
        args: &MeasureArgs,
        variants: Vec<Variant>,
        scenarios: Vec<Scenario>,
        skip: Vec<(Scenario, String)>,
        compare: bool,
        ctx: &OutputContext,
    ) -> Result<(RunContext, Vec<Variant>, Vec<ScenarioResult>), ExpectedError> {
        let (context, plan) = self.plan(args, variants, scenarios, skip)?;
        self.run_plan(context, plan, compare, ctx)
    }

    /// Runs a plan made by [`Session::plan`] (and perhaps adjusted), as [`Session::measure`].
    pub(crate) fn run_plan(
        &self,
        context: RunContext,
        plan: MeasurePlan,
        compare: bool,
        ctx: &OutputContext,
    ) -> Result<(RunContext, Vec<Variant>, Vec<ScenarioResult>), ExpectedError> {
        let mut bar = ProgressBar::new(ctx);
        interrupt::install();
        let mut progress = |event: &measure::Progress<'_>| bar.event(event);
        let result = if compare {
            measure::compare_candidates(&plan, interrupt::flag(), &mut progress)
        } else {
            measure::measure(&plan, interrupt::flag(), &mut progress).map(|runs| {
                runs.iter()
                    .map(|r| measure::scenario_result(r, None))
                    .collect()
            })
        };
        bar.finish();
        match result {
            Ok(runs) => Ok((context, plan.variants, runs)),
            Err(MeasureError::Interrupted) => Err(ExpectedError::Interrupted {
                restored: context.touched_file,
            }),
            Err(e) => Err(ExpectedError::Setup {
                message: format!("failed to {e}"),
                source: None,
            }),
        }
    }

    /// Checks the flags and builds the plan and the facts recorded with it.
    pub(crate) fn plan(
        &self,
        args: &MeasureArgs,
        variants: Vec<Variant>,
        scenarios: Vec<Scenario>,
        skip: Vec<(Scenario, String)>,
    ) -> Result<(RunContext, MeasurePlan), ExpectedError> {
        let (mut context, plan) = self.plan_unrecorded(args, variants, scenarios, skip)?;
        Provenance::probe(&self.model.root).record(&mut context);
        Ok((context, plan))
    }

    /// As [`Session::plan`], with the context's [`Provenance`] left for the caller to record.
    pub(crate) fn plan_unrecorded(
        &self,
        args: &MeasureArgs,
        variants: Vec<Variant>,
        scenarios: Vec<Scenario>,
        skip: Vec<(Scenario, String)>,
    ) -> Result<(RunContext, MeasurePlan), ExpectedError> {
        if scenarios.contains(&Scenario::NextestRun)
            && cargo_tune_core::exec::which::find_on_path("cargo-nextest", self.path_var.as_deref())
                .is_none()
        {
            return Err(ExpectedError::Setup {
                message: "failed to measure nextest-run: `cargo-nextest` is not on PATH (install it: cargo install --locked cargo-nextest)".to_owned(),
                source: None,
            });
        }
        let members: Vec<&str> = self
            .model
            .metadata
            .workspace_packages()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        if let Some(unknown) = args
            .packages
            .iter()
            .find(|p| !members.contains(&p.as_str()))
        {
            return Err(ExpectedError::Usage {
                message: format!(
                    "-p {unknown}: not a workspace member; expected one of: {}",
                    members.join(", ")
                ),
            });
        }
        let cwd = current_dir()?;
        let touch = match &args.touch {
            Some(path) => {
                let path = cwd.join(path);
                check_touch_file(&self.model.metadata, &path).map_err(|e| {
                    ExpectedError::Usage {
                        message: e.to_string(),
                    }
                })?;
                Some(path)
            }
            None => default_touch_file(&self.model.metadata, &args.packages),
        };
        if scenarios.iter().any(|s| s.edits()) && touch.is_none() {
            return Err(ExpectedError::Usage {
                message: "dev-incremental needs a file to edit and the workspace has no target source; pass --touch PATH".to_owned(),
            });
        }
        let jobs = args.jobs.map(|j| j as usize);
        let context = RunContext {
            rustc: format!("rustc {}", self.env.rustc.version),
            cargo: String::new(),
            host: self.env.rustc.host.clone(),
            cores: self.env.host.cores,
            jobs: effective_jobs(
                jobs,
                &self.model.env,
                &self.model.config,
                self.env.host.cores,
            ),
            git_revision: None,
            git_dirty: None,
            runs: args.runs as usize,
            memory_method: TreeSampler::method(),
            touched_file: touch
                .as_ref()
                .filter(|_| scenarios.iter().any(|s| s.edits()))
                .map(|p| {
                    p.strip_prefix(&self.model.root)
                        .unwrap_or(p)
                        .display()
                        .to_string()
                }),
            controlled_env: controlled_env(&self.model.env, jobs),
            common_config: self.cargo.config.clone(),
            packages: args.packages.clone(),
        };
        let plan = MeasurePlan {
            bench_dir: self.bench_dir.clone(),
            cargo: self.cargo.clone(),
            variants,
            scenarios,
            runs: args.runs as usize,
            touch,
            jobs,
            packages: args.packages.clone(),
            skip,
            extra_args: Vec::new(),
            warm_up: true,
            workspace_root: self.model.root.clone(),
            target_directory: self.model.metadata.target_directory.clone(),
            path: self.path_var.clone(),
            resolved: None,
        };
        Ok((context, plan))
    }

    /// The variants' schema view.
    pub(crate) fn specs(&self, variants: &[Variant]) -> Vec<cargo_tune_schema::VariantSpec> {
        variants
            .iter()
            .map(|v| measure::variant_spec(v, &self.bench_dir.join("<scenario>").join(&v.name)))
            .collect()
    }

    /// Appends to the history file unless told not to; a failure to do so is only a warning.
    pub(crate) fn record(&self, args: &MeasureArgs, entry: &HistoryEntry, ctx: &OutputContext) {
        if args.no_history {
            return;
        }
        let path = measure::history::path(&self.model.metadata.target_directory);
        if let Err(e) = measure::history::append(&path, entry) {
            ctx.print_warning(&format!("failed to append to {}: {e}", path.display()));
        }
    }
}

/// Exit 101 when any measured build failed; the report already shows which.
pub(crate) fn failures(report: &MeasureReport) -> Result<(), ExpectedError> {
    let failed = report
        .scenarios
        .iter()
        .flat_map(|s| &s.variants)
        .filter(|v| v.failure.is_some())
        .count();
    if failed > 0 {
        Err(ExpectedError::BuildFailed { failed })
    } else {
        Ok(())
    }
}

/// Runs `plan` with a progress bar and Ctrl-C handling.
pub(crate) fn run_plan(
    plan: &MeasurePlan,
    context: &RunContext,
    ctx: &OutputContext,
) -> Result<Vec<measure::ScenarioRuns>, ExpectedError> {
    let mut bar = ProgressBar::new(ctx);
    interrupt::install();
    let result = measure::measure(plan, interrupt::flag(), &mut |event| {
        bar.event(event);
    });
    bar.finish();
    match result {
        Ok(runs) => Ok(runs),
        Err(MeasureError::Interrupted) => Err(ExpectedError::Interrupted {
            restored: context.touched_file.clone(),
        }),
        Err(e) => Err(ExpectedError::Setup {
            message: format!("failed to {e}"),
            source: None,
        }),
    }
}

/// The scenarios asked for, each once, in the order given.
pub(crate) fn dedup(scenarios: &[Scenario]) -> Vec<Scenario> {
    let mut out = Vec::new();
    for s in scenarios {
        if !out.contains(s) {
            out.push(*s);
        }
    }
    out
}

/// Seconds since the epoch, for history lines.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
