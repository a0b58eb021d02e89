//! A measuring session: the workspace loaded and the toolchain probed once, changes resolved
//! into variants, builds run with progress and Ctrl-C through the caller's [`Events`], and the
//! history appended. What `bench`, `try`, `plan`, `guard`, `timings`, `pgo` and `cache verify`
//! share.
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::context::{
    Provenance, check_touch_file, controlled_env, default_touch_file, effective_jobs,
};
use super::{MeasureError, MeasurePlan};
use crate::cargo::metadata::MetadataSource;
use crate::cargo::{CargoOptions, Invocation};
use crate::change::variant::{self, ResolveCtx, RustflagsSources, Variant};
use crate::change::{Change, ChangeArg, ChangeSpec, InEffect};
use crate::exec::memory::TreeSampler;
use crate::measure;
use crate::measure::runner::{WorkloadPlan, runs_workload};
use crate::measure::workload::{self, Workload};
use crate::probe::Environment;
use crate::vocab::{Events, Failure, Scenario};
use crate::workspace::{BuildEnv, LoadOptions, WorkspaceModel};
use cargo_tune_schema::{
    EffectiveProfile, FORMAT_VERSION, HistoryEntry, MeasureReport, NotMeasured, RunContext,
    ScenarioResult, ToolInfo,
};

/// What every measuring command is told: which scenarios, how many runs, which file to edit.
#[derive(Debug, Clone, Default)]
pub struct MeasureOptions {
    /// Scenarios to measure; empty for the command's own choice.
    pub scenarios: Vec<Scenario>,
    /// Measured runs per variant and scenario, after one warm-up.
    pub runs: u32,
    /// `CARGO_BUILD_JOBS` for every measured build.
    pub jobs: Option<u32>,
    /// The source file dev-incremental edits, relative to the working directory.
    pub touch: Option<PathBuf>,
    /// Do not append the results to the history.
    pub no_history: bool,
    /// Workspace members to build; empty for the whole workspace.
    pub packages: Vec<String>,
    /// Bytes per second `ci-warm` restores a CI cache at; `None` for
    /// [`crate::measure::ci_cache::DEFAULT_BANDWIDTH`].
    pub cache_bandwidth: Option<f64>,
    /// The profile `release-clean` builds, when not `release` (`--profile NAME`).
    pub profile: Option<String>,
    /// A workload run with each variant's build after the builds of every scenario that
    /// builds binaries (`dev-clean`, `dev-incremental`, `release-clean`).
    pub workload: Option<Workload>,
    /// Measured runs of the workload per variant and scenario, after one warm-up; `None` for
    /// [`DEFAULT_WORKLOAD_RUNS`].
    pub workload_runs: Option<usize>,
}

/// Measured runs of a workload per variant unless told otherwise: runs of a program are cheap
/// next to builds, and a few percent are told apart only with more pairs.
pub const DEFAULT_WORKLOAD_RUNS: usize = 10;

/// The profiles, rustflags and linker in effect before any change.
pub struct Current {
    profiles: Vec<EffectiveProfile>,
    rustflags: Vec<String>,
    linker: String,
}

impl Current {
    /// The linker in effect (`rust-lld`, `mold`, `ld.bfd`, …).
    pub fn linker(&self) -> &str {
        &self.linker
    }

    /// Whether a `package` table of `profile` sets debuginfo for some units (`debug` other
    /// than none), which the profile's own `debug` does not reach.
    pub fn debug_by_package(&self, profile: &str) -> bool {
        self.profiles
            .iter()
            .filter(|p| p.name == profile)
            .flat_map(|p| &p.values)
            .filter(|v| v.key.starts_with("package.") && v.key.ends_with(".debug"))
            .any(|v| {
                let none = v.value.as_u64() == Some(0)
                    || v.value.as_bool() == Some(false)
                    || v.value.as_str() == Some("none");
                !none
            })
    }
}

/// The workspace, loaded and probed once.
pub struct Session {
    /// The workspace.
    pub model: WorkspaceModel,
    /// The toolchain and tools.
    pub env: Environment,
    /// How cargo is called (the user's flags).
    pub cargo: CargoOptions,
    /// `<target dir>/cargo-tune`, where measured builds keep their target directories.
    pub bench_dir: PathBuf,
    /// `PATH`, to find tools on.
    pub path_var: Option<std::ffi::OsString>,
    /// Where the command runs: relative paths the user gave are relative to it.
    pub cwd: PathBuf,
}

/// How a measuring command loads the workspace from `source`.
fn load_options(
    cargo: &CargoOptions,
    cwd: &Path,
    source: MetadataSource,
    unit_graphs: bool,
) -> LoadOptions {
    LoadOptions {
        source,
        manifest_path: cargo.manifest_path.clone(),
        cwd: cwd.to_owned(),
        env: BuildEnv::capture(),
        unit_graphs,
        // Builds would write a lockfile into the workspace; measuring needs the one it has.
        read_only: false,
    }
}

impl Session {
    /// Loads the workspace once, as cargo finds it. `unit_graphs`: read
    /// cargo's unit graphs too, which only the `compiled-twice` finding needs; a measurement does
    /// not pay for them otherwise.
    pub fn load(at: &Invocation, unit_graphs: bool) -> Result<Session, Failure> {
        Session::load_from(&at.cargo, &at.cwd, unit_graphs, MetadataSource::Cargo)
    }

    /// Loads the workspace members alone (`cargo metadata --no-deps`): enough to plan and start
    /// a build in milliseconds, without taking cargo's package cache lock. The model has no
    /// dependencies and no resolve.
    pub fn load_members(at: &Invocation) -> Result<Session, Failure> {
        Session::load_from(&at.cargo, &at.cwd, false, MetadataSource::Members)
    }

    /// The whole workspace, dependencies and resolve included, for a session loaded with
    /// [`Session::load_members`]; the toolchain is not probed again.
    pub fn with_dependencies(&self) -> Result<WorkspaceModel, Failure> {
        let load = load_options(
            &self.cargo,
            &self.cwd,
            MetadataSource::Cargo(self.cargo.clone()),
            false,
        );
        Ok(WorkspaceModel::start(load)?.finish()?)
    }

    fn load_from(
        cargo: &CargoOptions,
        cwd: &Path,
        unit_graphs: bool,
        source: fn(CargoOptions) -> MetadataSource,
    ) -> Result<Session, Failure> {
        let load = load_options(cargo, cwd, source(cargo.clone()), unit_graphs);
        let (model, env) = crate::audit::load_and_probe(load)?;
        let bench_dir = model.metadata.target_directory.join("cargo-tune");
        Ok(Session {
            model,
            env,
            cargo: cargo.clone(),
            bench_dir,
            path_var: std::env::var_os("PATH"),
            cwd: cwd.to_owned(),
        })
    }

    /// Expands each CHANGE argument into changes, running the audit only when a finding is
    /// named (once, however many are).
    pub fn expand(
        &self,
        args: &[ChangeArg],
        findings: &mut Option<Vec<cargo_tune_schema::Finding>>,
    ) -> Result<Vec<Vec<Change>>, Failure> {
        let mut out = Vec::new();
        for arg in args {
            let found = match &arg.spec {
                ChangeSpec::Changes(c) => Ok(c.clone()),
                ChangeSpec::Finding(code) => crate::change::from_findings(
                    *code,
                    findings.get_or_insert_with(|| self.findings()),
                ),
                ChangeSpec::FindingId(id) => crate::change::from_finding_id(
                    id,
                    findings.get_or_insert_with(|| self.findings()),
                ),
            };
            out.push(found.map_err(|e| Failure::Usage {
                message: e.to_string(),
            })?);
        }
        Ok(out)
    }

    fn findings(&self) -> Vec<cargo_tune_schema::Finding> {
        crate::audit::assemble(
            &self.model,
            &self.env,
            &Default::default(),
            env!("CARGO_PKG_VERSION"),
        )
        .findings
    }

    /// Where the rustflags of this workspace's builds come from.
    pub fn rustflags_sources(&self) -> RustflagsSources<'_> {
        RustflagsSources {
            env: &self.model.env,
            config: &self.model.config,
            cli_config: &self.cargo.config,
            host: &self.env.rustc.host,
            host_cfg: &self.env.host_cfg,
        }
    }

    /// What is in effect now, for telling a change that changes nothing.
    pub fn current(&self) -> Current {
        let profiles = crate::workspace::profiles::effective_profiles(&self.model);
        let flags =
            crate::workspace::rustflags::RustflagsResolution::resolve(&self.rustflags_sources())
                .flags();
        let linker = crate::analysis::toolchain::linker_in_effect(&self.model, &self.env, &flags);
        Current {
            profiles,
            rustflags: flags,
            linker: linker.kind.name().to_owned(),
        }
    }

    /// Why every one of `changes` would change nothing, or `None` when one changes something.
    pub fn no_op_reasons(&self, changes: &[Change], current: &Current) -> Option<Vec<String>> {
        let now = InEffect {
            profiles: &current.profiles,
            env: &self.model.env,
            rustflags: &current.rustflags,
            linker: &current.linker,
            cli_config: &self.cargo.config,
        };
        changes
            .iter()
            .map(|c| crate::change::already_in_effect(c, &now))
            .collect()
    }

    /// Refuses a CHANGE argument that changes nothing in this workspace.
    pub fn refuse_no_ops(
        &self,
        args: &[ChangeArg],
        expanded: &[Vec<Change>],
        current: &Current,
    ) -> Result<(), Failure> {
        for (arg, changes) in args.iter().zip(expanded) {
            if let Some(reasons) = self.no_op_reasons(changes, current) {
                return Err(Failure::Usage {
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
    pub fn variant(
        &self,
        name: &str,
        args: &[ChangeArg],
        changes: &[Change],
    ) -> Result<Variant, Failure> {
        let texts: Vec<String> = args.iter().map(|a| a.text.clone()).collect();
        let probe_dir = self.bench_dir.join("linker-probe");
        let ctx = ResolveCtx {
            rustflags: self.rustflags_sources(),
            env: &self.env,
            path: self.path_var.as_deref(),
            probe_dir: &probe_dir,
        };
        let mut v = variant::resolve(name, &texts, changes, &ctx).map_err(|e| Failure::Setup {
            message: format!("failed to {e}"),
            source: None,
        })?;
        // A check names crates as rustc does: the library target of each package.
        for check in &mut v.rustc_checks {
            for krate in &mut check.crates {
                *krate = self.lib_crate_name(krate)?;
            }
        }
        if !v.dylibs.is_empty() {
            super::dylib::prepare(self, &mut v)?;
        }
        Ok(v)
    }

    /// rustc's crate name of the library of `package` (given with `-` or `_`), which must be
    /// in the workspace's dependency graph.
    pub fn lib_crate_name(&self, package: &str) -> Result<String, Failure> {
        let wanted = package.replace('-', "_");
        let found = self
            .model
            .metadata
            .packages
            .iter()
            .filter(|p| p.name.replace('-', "_") == wanted)
            .find_map(|p| {
                p.targets
                    .iter()
                    .find(|t| {
                        t.is_kind(crate::cargo::metadata::TargetKind::Lib)
                            || t.is_kind(crate::cargo::metadata::TargetKind::Rlib)
                    })
                    .map(|t| t.name.replace('-', "_"))
            });
        found.ok_or_else(|| {
            Failure::usage(format!(
                "no library package `{package}` in this workspace's dependency graph (`cargo tree` lists it)"
            ))
        })
    }

    /// Runs the plan with a progress bar and Ctrl-C handling; with `compare`, every variant
    /// after the first is compared with the first.
    pub fn measure(
        &self,
        args: &MeasureOptions,
        variants: Vec<Variant>,
        scenarios: Vec<Scenario>,
        skip: Vec<(Scenario, String)>,
        compare: bool,
        events: &mut dyn Events,
    ) -> Result<(RunContext, Vec<Variant>, Vec<ScenarioResult>), Failure> {
        let (context, plan) = self.plan(args, variants, scenarios, skip)?;
        self.run_plan(context, plan, compare, events)
    }

    /// Runs a plan made by [`Session::plan`] (and perhaps adjusted), as [`Session::measure`].
    pub fn run_plan(
        &self,
        context: RunContext,
        plan: MeasurePlan,
        compare: bool,
        events: &mut dyn Events,
    ) -> Result<(RunContext, Vec<Variant>, Vec<ScenarioResult>), Failure> {
        let runs = run_plan(&plan, &context, events)?;
        let candidates = plan.variants.len().saturating_sub(1);
        let results = runs
            .iter()
            .map(|r| measure::scenario_result(r, compare.then_some(candidates)))
            .collect();
        Ok((context, plan.variants, results))
    }

    /// Checks the flags and builds the plan and the facts recorded with it.
    pub fn plan(
        &self,
        args: &MeasureOptions,
        variants: Vec<Variant>,
        scenarios: Vec<Scenario>,
        skip: Vec<(Scenario, String)>,
    ) -> Result<(RunContext, MeasurePlan), Failure> {
        let (mut context, plan) = self.plan_unrecorded(args, variants, scenarios, skip)?;
        Provenance::probe(&self.model.root).record(&mut context);
        Ok((context, plan))
    }

    /// As [`Session::plan`], with the context's [`Provenance`] left for the caller to record.
    pub fn plan_unrecorded(
        &self,
        args: &MeasureOptions,
        variants: Vec<Variant>,
        scenarios: Vec<Scenario>,
        skip: Vec<(Scenario, String)>,
    ) -> Result<(RunContext, MeasurePlan), Failure> {
        if scenarios.contains(&Scenario::NextestRun)
            && crate::exec::which::find_on_path("cargo-nextest", self.path_var.as_deref()).is_none()
        {
            return Err(Failure::Setup {
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
            return Err(Failure::Usage {
                message: format!(
                    "-p {unknown}: not a workspace member; expected one of: {}",
                    members.join(", ")
                ),
            });
        }
        let touch = match &args.touch {
            Some(path) => {
                let path = self.cwd.join(path);
                check_touch_file(&self.model.metadata, &path).map_err(|e| Failure::Usage {
                    message: e.to_string(),
                })?;
                Some(path)
            }
            None => default_touch_file(&self.model.metadata, &args.packages),
        };
        if let Some(s) = scenarios.iter().find(|s| s.edits())
            && touch.is_none()
        {
            return Err(Failure::Usage {
                message: format!(
                    "{s} needs a file to edit and the workspace has no target source; pass --touch PATH"
                ),
            });
        }
        if let Some(profile) = &args.profile {
            self.check_profile(profile)?;
        }
        let workload = match &args.workload {
            Some(w) => {
                if let Some(name) = w.bin_name() {
                    workload::check_bin(&self.model.metadata, name)
                        .map_err(|why| Failure::usage(format!("--workload-bin {name}: {why}")))?;
                }
                if !scenarios.iter().any(|s| runs_workload(*s)) {
                    return Err(Failure::usage(format!(
                        "the workload runs with a build's binaries, and none of {} builds them; measure it with --scenario release-clean (or dev-clean, dev-incremental)",
                        scenarios
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                Some(WorkloadPlan {
                    workload: w.clone(),
                    cwd: self.cwd.clone(),
                    runs: w
                        .runs
                        .or(args.workload_runs)
                        .unwrap_or(DEFAULT_WORKLOAD_RUNS),
                    bins: workload::workspace_bins(&self.model.metadata),
                })
            }
            None => None,
        };
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
            profile: args.profile.clone(),
            workload: workload.as_ref().map(|w| cargo_tune_schema::WorkloadInfo {
                name: match w.workload.bin_name() {
                    Some(bin) if w.workload.name == bin => format!("bin:{bin}"),
                    _ => format!("workload.{}", w.workload.name),
                },
                command: w.workload.words(),
                bin: w.workload.bin_name().map(str::to_owned),
                cwd: w.cwd.display().to_string(),
                runs: w.runs,
                timeout_s: w.workload.timeout.as_secs_f64(),
            }),
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
            members: self
                .model
                .metadata
                .workspace_packages()
                .iter()
                .flat_map(|p| {
                    let mut names = vec![p.name.clone(), p.name.replace('-', "_")];
                    names.extend(p.targets.iter().map(|t| t.name.replace('-', "_")));
                    names
                })
                .collect(),
            cache_bandwidth: args
                .cache_bandwidth
                .unwrap_or(crate::measure::ci_cache::DEFAULT_BANDWIDTH),
            profile: args.profile.clone(),
            workload,
            reuse_skipped: false,
        };
        Ok((context, plan))
    }

    /// The profiles of the workspace (cargo's own and those it declares), each with the chain
    /// it inherits from.
    pub fn profile_chain(&self, profile: &str) -> Option<Vec<String>> {
        crate::workspace::profiles::effective_profiles(&self.model)
            .into_iter()
            .find(|p| p.name == profile)
            .map(|p| std::iter::once(p.name).chain(p.inherits).collect())
    }

    /// Refuses `--profile NAME` for a profile cargo would not know.
    fn check_profile(&self, profile: &str) -> Result<(), Failure> {
        if self.profile_chain(profile).is_some() {
            return Ok(());
        }
        let names: Vec<String> = crate::workspace::profiles::effective_profiles(&self.model)
            .into_iter()
            .map(|p| p.name)
            .collect();
        Err(Failure::usage(format!(
            "--profile {profile}: the workspace has no such profile; it has: {}",
            names.join(", ")
        )))
    }

    /// The document of `command` (`bench`, `try`, `guard`) on this workspace.
    pub fn report(
        &self,
        command: &str,
        context: RunContext,
        variants: &[Variant],
        not_measured: Vec<NotMeasured>,
        scenarios: Vec<ScenarioResult>,
    ) -> MeasureReport {
        MeasureReport {
            format_version: FORMAT_VERSION,
            command: command.to_owned(),
            tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
            workspace_root: self.model.root.display().to_string(),
            context,
            variants: variants
                .iter()
                .map(|v| measure::variant_spec(v, &self.bench_dir.join("<scenario>").join(&v.name)))
                .collect(),
            not_measured,
            scenarios,
        }
    }

    /// Appends to the history file unless told not to; a failure to do so is only a warning.
    pub fn record(&self, args: &MeasureOptions, entry: &HistoryEntry, events: &mut dyn Events) {
        if args.no_history {
            return;
        }
        let path = measure::history::path(&self.model.metadata.target_directory);
        if let Err(e) = measure::history::append(&path, entry) {
            events.warning(&format!("failed to append to {}: {e}", path.display()));
        }
    }
}

/// Exit 101 when any measured build, or the workload with any variant's build, failed; the
/// report already shows which.
pub fn failures(report: &MeasureReport) -> Result<(), Failure> {
    let outcomes = || report.scenarios.iter().flat_map(|s| &s.variants);
    let failed = outcomes().filter(|v| v.failure.is_some()).count();
    let workloads = outcomes()
        .filter(|v| v.runtime.as_ref().is_some_and(|r| r.failure.is_some()))
        .count();
    if failed > 0 {
        Err(Failure::BuildFailed { failed })
    } else if workloads > 0 {
        Err(Failure::BuildStepFailed {
            message: format!(
                "the workload failed with {}; the report shows its exit status and the last lines of its stderr, and the other results are kept",
                crate::text::count(workloads, "variant's build")
            ),
        })
    } else {
        Ok(())
    }
}

/// Runs `plan`, telling `events` of every run and stopping at its Ctrl-C.
pub fn run_plan(
    plan: &MeasurePlan,
    context: &RunContext,
    events: &mut dyn Events,
) -> Result<Vec<measure::ScenarioRuns>, Failure> {
    let cancel = events.cancel();
    let result = measure::measure(plan, &cancel, &mut |event| events.progress(event));
    events.idle();
    match result {
        Ok(runs) => Ok(runs),
        Err(MeasureError::Interrupted) => Err(Failure::Interrupted {
            restored: context.touched_file.clone(),
        }),
        Err(e) => Err(Failure::setup(format!("failed to {e}"))),
    }
}

/// The scenarios asked for, each once, in the order given.
pub fn dedup(scenarios: &[Scenario]) -> Vec<Scenario> {
    let mut out = Vec::new();
    for s in scenarios {
        if !out.contains(s) {
            out.push(*s);
        }
    }
    out
}

/// Seconds since the epoch, for history lines.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
