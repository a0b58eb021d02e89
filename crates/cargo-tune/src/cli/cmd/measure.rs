//! What `bench` and `try` share: scenario and run flags, loading the workspace, resolving
//! variants, running with a progress bar, the history file, and the exit code.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use cargo_tune_core::cargo::CargoOptions;
use cargo_tune_core::cargo::metadata::MetadataSource;
use cargo_tune_core::changes::{Change, ChangeSpec};
use cargo_tune_core::measure::context::{
    cargo_version, controlled_env, default_touch_file, effective_jobs, git_state,
};
use cargo_tune_core::measure::memory::TreeSampler;
use cargo_tune_core::measure::{self, MeasureError, MeasurePlan, Scenario, ScenarioRuns};
use cargo_tune_core::probe::Environment;
use cargo_tune_core::variant::{self, ResolveCtx, RustflagsSources, Variant};
use cargo_tune_core::workspace::{BuildEnv, LoadOptions, WorkspaceModel};
use cargo_tune_schema::{HistoryEntry, RunContext};

use crate::cli::common::{ManifestOptions, current_dir};
use crate::cli::interrupt;
use crate::errors::ExpectedError;
use crate::output::{OutputContext, ProgressBar};

/// Flags of every measuring command.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Measurement Options")]
pub(crate) struct MeasureArgs {
    /// Scenario to measure (repeatable or comma-separated): check, dev-clean, dev-incremental,
    /// release-clean, test-build, test-run, nextest-run.
    #[arg(long = "scenario", value_name = "NAME", value_parser = parse_scenario, value_delimiter = ',')]
    pub(crate) scenarios: Vec<Scenario>,
    /// Measured runs per variant and scenario, after one warm-up.
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

/// Parses a CHANGE argument (clap value parser).
pub(crate) fn parse_change(text: &str) -> Result<ChangeArg, String> {
    ChangeSpec::parse(text)
        .map(|spec| ChangeArg {
            text: text.to_owned(),
            spec,
        })
        .map_err(|e| e.to_string())
}

/// The workspace, loaded and probed once.
pub(crate) struct Session {
    pub(crate) model: WorkspaceModel,
    pub(crate) env: Environment,
    pub(crate) cargo: CargoOptions,
    pub(crate) bench_dir: PathBuf,
    pub(crate) path_var: Option<std::ffi::OsString>,
}

impl Session {
    pub(crate) fn load(
        manifest: &ManifestOptions,
        ctx: &OutputContext,
    ) -> Result<Session, ExpectedError> {
        let cwd = current_dir()?;
        let cargo = manifest.cargo_options(ctx);
        let load = LoadOptions {
            source: MetadataSource::Cargo(cargo.clone()),
            manifest_path: manifest.manifest_path.clone(),
            cwd,
            env: BuildEnv::capture(),
        };
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

    /// Resolves changes into a variant, running the audit only when a finding code is named.
    pub(crate) fn variant(&self, name: &str, args: &[ChangeArg]) -> Result<Variant, ExpectedError> {
        let mut changes: Vec<Change> = Vec::new();
        let mut findings = None;
        for arg in args {
            match &arg.spec {
                ChangeSpec::Changes(c) => changes.extend(c.iter().cloned()),
                ChangeSpec::Finding(code) => {
                    let findings = findings.get_or_insert_with(|| {
                        cargo_tune_core::audit::assemble(
                            &self.model,
                            &self.env,
                            &Default::default(),
                            env!("CARGO_PKG_VERSION"),
                        )
                        .findings
                    });
                    let found =
                        cargo_tune_core::changes::from_findings(*code, findings).map_err(|e| {
                            ExpectedError::Usage {
                                message: e.to_string(),
                            }
                        })?;
                    changes.extend(found);
                }
            }
        }
        let texts: Vec<String> = args.iter().map(|a| a.text.clone()).collect();
        let host_cfg = &self.env.host_cfg;
        let sources = RustflagsSources {
            env: &self.model.env,
            config: &self.model.config,
            cli_config: &self.cargo.config,
            host: &self.env.rustc.host,
            host_cfg,
        };
        let probe_dir = self.bench_dir.join("linker-probe");
        let ctx = ResolveCtx {
            rustflags: sources,
            env: &self.env,
            path: self.path_var.as_deref(),
            probe_dir: &probe_dir,
        };
        variant::resolve(name, &texts, &changes, &ctx).map_err(|e| ExpectedError::Setup {
            message: format!("failed to {e}"),
            source: None,
        })
    }

    /// Runs the plan with a progress bar and Ctrl-C handling.
    pub(crate) fn measure(
        &self,
        args: &MeasureArgs,
        variants: Vec<Variant>,
        default_scenarios: &[Scenario],
        ctx: &OutputContext,
    ) -> Result<(RunContext, Vec<Variant>, Vec<ScenarioRuns>), ExpectedError> {
        let (context, plan) = self.plan(args, variants, default_scenarios)?;
        let runs = run_plan(&plan, &context, ctx)?;
        Ok((context, plan.variants, runs))
    }

    /// Checks the flags and builds the plan and the facts recorded with it.
    pub(crate) fn plan(
        &self,
        args: &MeasureArgs,
        variants: Vec<Variant>,
        default_scenarios: &[Scenario],
    ) -> Result<(RunContext, MeasurePlan), ExpectedError> {
        let scenarios = if args.scenarios.is_empty() {
            default_scenarios.to_vec()
        } else {
            dedup(&args.scenarios)
        };
        if scenarios.contains(&Scenario::NextestRun)
            && variant::find_on_path("cargo-nextest", self.path_var.as_deref()).is_none()
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
                if !path.is_file() {
                    return Err(ExpectedError::Usage {
                        message: format!("--touch {}: no such file", path.display()),
                    });
                }
                Some(path)
            }
            None => default_touch_file(&self.model.metadata, &args.packages),
        };
        if scenarios.iter().any(|s| s.edits()) && touch.is_none() {
            return Err(ExpectedError::Usage {
                message: "dev-incremental needs a file to edit and the workspace has no target source; pass --touch PATH".to_owned(),
            });
        }
        let (git_revision, git_dirty) = git_state(&self.model.root);
        let jobs = args.jobs.map(|j| j as usize);
        let context = RunContext {
            rustc: format!("rustc {}", self.env.rustc.version),
            cargo: cargo_version(),
            host: self.env.rustc.host.clone(),
            cores: self.env.host.cores,
            jobs: effective_jobs(
                jobs,
                &self.model.env,
                &self.model.config,
                self.env.host.cores,
            ),
            git_revision,
            git_dirty,
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
            extra_args: Vec::new(),
            warm_up: true,
        };
        Ok((context, plan))
    }

    /// Appends to the history file unless told not to; a failure to do so is only a warning.
    pub(crate) fn record(&self, args: &MeasureArgs, entry: &HistoryEntry, ctx: &OutputContext) {
        if args.no_history {
            return;
        }
        let path = self.bench_dir.join("history.jsonl");
        if let Err(e) = measure::history::append(&path, entry) {
            ctx.print_warning(&format!("failed to append to {}: {e}", path.display()));
        }
    }
}

/// Runs `plan` with a progress bar and Ctrl-C handling.
pub(crate) fn run_plan(
    plan: &MeasurePlan,
    context: &RunContext,
    ctx: &OutputContext,
) -> Result<Vec<ScenarioRuns>, ExpectedError> {
    let mut bar = ProgressBar::new(ctx);
    interrupt::install();
    let result = measure::measure(plan, &interrupt::INTERRUPTED, &mut |event| {
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

fn dedup(scenarios: &[Scenario]) -> Vec<Scenario> {
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
