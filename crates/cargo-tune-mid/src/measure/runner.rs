//! Runs the plan: per scenario, one warm-up per variant, then the measured runs in rounds of
//! one run per variant, the order rotated every round (A B C, B C A, C A B, …), so that drift
//! in machine load hits every variant alike and no variant always runs first.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use cargo_tune_schema::{Measurement, RuntimeOutcome, VariantFailure, VariantOutcome};

use super::messages::BuildMessages;
use super::summaries;
use super::touch::TouchedFile;
use super::workload::{self, Workload};
use crate::cargo::{CargoCli, CargoOptions, Color};
use crate::change::variant::Variant;
use crate::errors::{IoError, SpawnError};
use crate::exec::{self, Supervision, checkout};
use crate::vocab::{Progress, RunLabel, Scenario};

/// What to measure.
#[derive(Clone, Debug)]
pub struct MeasurePlan {
    /// `<target dir>/cargo-tune`: variant target directories live below it.
    pub bench_dir: PathBuf,
    /// The user's cargo flags.
    pub cargo: CargoOptions,
    /// Baseline first.
    pub variants: Vec<Variant>,
    /// In order.
    pub scenarios: Vec<Scenario>,
    /// Measured runs per variant and scenario.
    pub runs: usize,
    /// The file `dev-incremental` edits.
    pub touch: Option<PathBuf>,
    /// `CARGO_BUILD_JOBS` for every run, if fixed.
    pub jobs: Option<usize>,
    /// Packages to build (`-p`); empty means `--workspace`.
    pub packages: Vec<String>,
    /// (scenario, variant name) pairs not to run: candidates a scenario cannot tell apart from
    /// the baseline.
    pub skip: Vec<(Scenario, String)>,
    /// Arguments added to every cargo command (`--timings`).
    pub extra_args: Vec<String>,
    /// Whether each variant gets an unmeasured run first. In `ci-warm` it is the build whose
    /// cache state the measured runs start from.
    pub warm_up: bool,
    /// The workspace root, which `ci-warm` checks out afresh before every run.
    pub workspace_root: PathBuf,
    /// The workspace's target directory, which a checkout never has.
    pub target_directory: PathBuf,
    /// `PATH`, to find sccache in when a variant compiles through it.
    pub path: Option<std::ffi::OsString>,
    /// Told at each cargo run's first message: cargo has resolved and let go of its package
    /// cache lock, so another cargo call can start beside the build without holding it up.
    pub resolved: Option<mpsc::Sender<()>>,
    /// Package and crate names of the workspace members: what a dependencies-only CI cache
    /// leaves out.
    pub members: Vec<String>,
    /// Bytes per second a CI runner restores its cache at: `ci-warm` charges each run the
    /// restore of its variant's cache.
    pub cache_bandwidth: f64,
    /// The profile `release-clean` builds (`--profile NAME`), when it is not `release`.
    pub profile: Option<String>,
    /// The workload run with each variant's build after the builds of a scenario that builds
    /// binaries.
    pub workload: Option<WorkloadPlan>,
    /// Variants skipped in a scenario whose earlier build there stands in for theirs: they
    /// are not built again, but the workload runs with that build.
    pub reuse_skipped: bool,
}

/// The workload of a measurement, and what it runs with.
#[derive(Clone, Debug)]
pub struct WorkloadPlan {
    /// The workload.
    pub workload: Workload,
    /// Where it runs.
    pub cwd: PathBuf,
    /// Measured runs per variant, after one warm-up each.
    pub runs: usize,
    /// The workspace's binary targets: a command workload's size is the largest of them.
    pub bins: Vec<String>,
}

impl MeasurePlan {
    /// The variants run in `scenario`, in plan order.
    pub fn variants_in(&self, scenario: Scenario) -> Vec<&Variant> {
        self.variants
            .iter()
            .filter(|v| {
                !self
                    .skip
                    .iter()
                    .any(|(s, n)| *s == scenario && *n == v.name)
            })
            .collect()
    }

    /// The variants with an outcome in `scenario`, in plan order: those built there and, when
    /// a workload runs there and earlier builds stand in, the skipped ones.
    pub fn outcomes_in(&self, scenario: Scenario) -> Vec<&Variant> {
        let built = self.variants_in(scenario);
        if self.workload.is_none() || !self.reuse_skipped || !runs_workload(scenario) {
            return built;
        }
        self.variants.iter().collect()
    }

    /// Cargo runs and workload runs in total, warm-ups included.
    pub fn total_runs(&self) -> usize {
        self.scenarios
            .iter()
            .map(|s| {
                let builds = self.variants_in(*s).len() * (self.runs + usize::from(self.warm_up));
                let workload = match &self.workload {
                    Some(w) if runs_workload(*s) => self.outcomes_in(*s).len() * (w.runs + 1),
                    _ => 0,
                };
                builds + workload
            })
            .sum()
    }

    /// The profile a build of `scenario` uses.
    pub fn built_profile(&self, scenario: Scenario) -> &str {
        match (&self.profile, scenario) {
            (Some(p), Scenario::ReleaseClean) => p,
            _ => scenario.profile(),
        }
    }
}

/// Whether a workload runs after the builds of `scenario`: it builds the workspace's binaries
/// with one profile, and leaves them in the variant's target directory.
pub fn runs_workload(scenario: Scenario) -> bool {
    matches!(
        scenario,
        Scenario::DevClean | Scenario::DevIncremental | Scenario::ReleaseClean
    )
}

/// The order of round `round` (0 is the warm-up, which runs in the order of round 1): the
/// plan's order rotated left by `round - 1`.
pub fn round_order(count: usize, round: usize) -> Vec<usize> {
    let shift = round.saturating_sub(1) % count.max(1);
    (0..count).map(|i| (i + shift) % count).collect()
}

/// What one scenario produced, one outcome per variant run in it (plan order).
#[derive(Clone, Debug)]
pub struct ScenarioRuns {
    /// The scenario.
    pub scenario: Scenario,
    /// Per variant.
    pub outcomes: Vec<VariantOutcome>,
    /// The order the variants ran in, per measured round.
    pub rounds: Vec<Vec<String>>,
}

/// Why measuring stopped.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// Ctrl-C. Edited files were restored.
    #[error("finish measuring: interrupted")]
    Interrupted,
    /// A file or directory could not be handled.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A variant compiles through sccache, which cannot be used.
    #[error(transparent)]
    Sccache(#[from] crate::probe::sccache::SccacheError),
    /// cargo could not be started.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
}

impl MeasureError {
    /// The error of an I/O failure while doing `action` on `path`, for `map_err`.
    pub fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let at = IoError::at(action, path);
        move |source| MeasureError::Io(at(source))
    }
}

/// The target directory of `variant` in `scenario`.
pub fn target_dir(bench_dir: &Path, scenario: Scenario, variant: &str) -> PathBuf {
    bench_dir.join(scenario.as_str()).join(variant)
}

/// The file in a clean scenario's target directory that says which build it holds.
const BUILT_BY: &str = "cargo-tune-built-by";

/// What a target directory built by `variant` in `scenario` holds: its cargo command with the
/// directory itself left out. Two scenarios with one identity build the same units.
fn build_identity(plan: &MeasurePlan, scenario: Scenario, variant: &Variant) -> String {
    let dir = target_dir(&plan.bench_dir, scenario, &variant.name);
    command(plan, scenario, variant)
        .display()
        .replace(&dir.display().to_string(), "<target-dir>")
}

/// Before an incremental scenario's warm-up: a clean scenario that runs the same cargo command
/// has left, after its last run, the very build the warm-up would make. Moved in (cargo keeps
/// the paths inside a target directory relative to it), the warm-up only finds it fresh
/// instead of compiling everything again. Whatever the warm-up then rebuilds keeps the
/// measured runs correct either way.
fn adopt_clean_build(
    plan: &MeasurePlan,
    scenario: Scenario,
    variant: &Variant,
) -> Result<(), MeasureError> {
    let identity = build_identity(plan, scenario, variant);
    let to = target_dir(&plan.bench_dir, scenario, &variant.name);
    for &clean in Scenario::ALL.iter().filter(|s| s.is_clean()) {
        let from = target_dir(&plan.bench_dir, clean, &variant.name);
        if std::fs::read_to_string(from.join(BUILT_BY)).ok().as_deref() != Some(&identity) {
            continue;
        }
        return checkout::move_over(&from, &to)
            .map_err(MeasureError::io("move the clean build", &from));
    }
    Ok(())
}

/// Where `ci-warm` checks the workspace out: one path for every run, as a CI runner keeps it
/// (sccache and cargo both key on absolute paths).
pub fn checkout_dir(bench_dir: &Path) -> PathBuf {
    bench_dir.join(Scenario::CiWarm.as_str()).join("checkout")
}

/// Where `ci-warm` saves the target directory a variant's warm-up build left, as a CI cache
/// action saves it.
fn saved_target(bench_dir: &Path, variant: &str) -> PathBuf {
    bench_dir
        .join(Scenario::CiWarm.as_str())
        .join(format!("{variant}.saved-target"))
}

/// The private sccache directory of a variant in a scenario.
fn sccache_dir(bench_dir: &Path, scenario: Scenario, variant: &str) -> PathBuf {
    bench_dir
        .join(scenario.as_str())
        .join(format!("{variant}.sccache"))
}

/// Whether the variant compiles through sccache.
pub fn uses_sccache(variant: &Variant) -> bool {
    variant.env.iter().any(|(k, v)| {
        k == "RUSTC_WRAPPER"
            && v.split_whitespace()
                .next()
                .and_then(|p| Path::new(p).file_stem())
                .is_some_and(|n| n == "sccache")
    })
}

/// The cargo command of one run.
pub fn command(plan: &MeasurePlan, scenario: Scenario, variant: &Variant) -> CargoCli {
    command_through(plan, scenario, variant, None)
}

/// The cargo command of one run, compiling through `server` when given (in place of the
/// variant's own `RUSTC_WRAPPER`).
pub fn command_through(
    plan: &MeasurePlan,
    scenario: Scenario,
    variant: &Variant,
    server: Option<&crate::probe::sccache::Server>,
) -> CargoCli {
    let mut options = plan.cargo.clone();
    options.color = Some(Color::Never);
    if scenario == Scenario::CiWarm {
        options.manifest_path = Some(checkout_dir(&plan.bench_dir).join("Cargo.toml"));
    }
    // A variant built from a scratch copy: the same manifest there.
    if let Some(copy) = &variant.checkout {
        options.manifest_path = Some(in_copy(plan, copy, options.manifest_path.as_deref()));
    }
    let (sub, args) = scenario.cargo_args();
    let mut cli = CargoCli::new(&sub, &options);
    for arg in args {
        match (&plan.profile, arg) {
            (Some(profile), "--release") => cli = cli.args(["--profile", profile]),
            _ => cli = cli.arg(arg),
        }
    }
    cli = cli.args(&plan.extra_args);
    // What rustc received is read from cargo's `-v` lines; every variant of the plan builds
    // verbose alike, so that the comparison is of builds run the same way.
    if plan.variants.iter().any(|v| !v.rustc_checks.is_empty()) {
        cli = cli.arg("-v");
    }
    if !variant.cargo_args.is_empty() {
        cli = cli.args(&variant.cargo_args);
    } else if plan.packages.is_empty() {
        cli = cli.arg("--workspace");
    }
    for package in plan
        .packages
        .iter()
        .filter(|_| variant.cargo_args.is_empty())
    {
        cli = cli.args(["-p", package]);
    }
    for config in &variant.config {
        cli = cli.config(config.clone());
    }
    cli = cli.env(
        "CARGO_TARGET_DIR",
        target_dir(&plan.bench_dir, scenario, &variant.name),
    );
    // A compiler cache would measure the cache, not the build: off unless the variant asks.
    for var in ["RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER"] {
        if !variant.env.iter().any(|(k, _)| k == var) {
            cli = cli.env(var, "");
        }
    }
    if let Some(jobs) = plan.jobs {
        cli = cli.env("CARGO_BUILD_JOBS", jobs.to_string());
    }
    for (key, value) in &variant.env {
        if server.is_some() && key == "RUSTC_WRAPPER" {
            continue;
        }
        cli = cli.env(key, value);
    }
    if let Some(server) = server {
        for (key, value) in server.build_env() {
            cli = cli.env(key, value);
        }
    }
    if let Some(flags) = &variant.rustflags {
        cli = cli.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    }
    // Another toolchain's cargo alone would still run the rustc that `rustc` on PATH (rustup's
    // proxy) or a configured `build.rustc` names: the toolchain is set for rustup, and its rustc
    // named explicitly, which outranks both.
    if let Some(toolchain) = &variant.toolchain {
        cli = cli
            .program(&toolchain.cargo)
            .env("RUSTUP_TOOLCHAIN", &toolchain.rustup_name)
            .env("RUSTC", &toolchain.rustc);
    }
    // cargo runs in cargo-tune's own working directory, as the user's cargo would: the
    // configuration it discovers from there is the one the rustflags were merged from. A CI
    // build runs in its checkout.
    if scenario == Scenario::CiWarm {
        cli = cli.current_dir(checkout_dir(&plan.bench_dir));
    }
    if let Some(copy) = &variant.checkout {
        cli = cli.current_dir(copy);
    }
    cli
}

/// The path in the scratch copy `copy` of the workspace's `manifest` (the root manifest when
/// none is given).
fn in_copy(plan: &MeasurePlan, copy: &Path, manifest: Option<&Path>) -> PathBuf {
    manifest
        .and_then(|m| {
            let m = if m.is_absolute() {
                m.to_owned()
            } else {
                std::env::current_dir().ok()?.join(m)
            };
            m.strip_prefix(&plan.workspace_root)
                .ok()
                .map(|r| copy.join(r))
        })
        .unwrap_or_else(|| copy.join("Cargo.toml"))
}

/// Private sccache servers for the variants of `scenario` that compile through sccache, each
/// with an empty cache that its warm-up fills; `None` for the others.
fn start_servers(
    plan: &MeasurePlan,
    scenario: Scenario,
    variants: &[&Variant],
) -> Result<Vec<Option<crate::probe::sccache::Server>>, MeasureError> {
    use crate::probe::sccache::{self, Server, Storage};
    let mut tool = None;
    let mut servers = Vec::new();
    for variant in variants {
        if !uses_sccache(variant) {
            servers.push(None);
            continue;
        }
        let tool = match &tool {
            Some(t) => t,
            None => tool.insert(sccache::find(plan.path.as_deref())?),
        };
        let dir = sccache_dir(&plan.bench_dir, scenario, &variant.name);
        checkout::remove(&dir).map_err(MeasureError::io("empty the sccache directory", &dir))?;
        let state = dir.with_extension("server");
        servers.push(Some(Server::start(tool, &Storage::Dir(dir), &state)?));
    }
    Ok(servers)
}

/// Prepares a `ci-warm` run: a fresh checkout, and the target directory empty (the warm-up,
/// and variants that restore nothing) or restored from what the warm-up left.
fn prepare_ci_run(
    plan: &MeasurePlan,
    variant: &Variant,
    label: RunLabel,
) -> Result<(), MeasureError> {
    let io = MeasureError::io;
    let checkout_at = checkout_dir(&plan.bench_dir);
    checkout::fresh_checkout(
        &plan.workspace_root,
        &checkout_at,
        &[&plan.target_directory, &plan.bench_dir],
    )
    .map_err(io("check the workspace out into", &checkout_at))?;
    let target = target_dir(&plan.bench_dir, Scenario::CiWarm, &variant.name);
    let saved = saved_target(&plan.bench_dir, &variant.name);
    if variant.restore_target.is_some() && label != RunLabel::WarmUp && saved.exists() {
        checkout::restore(&saved, &target).map_err(io("restore the target directory", &target))?;
    } else {
        checkout::remove(&target).map_err(io("empty the target directory", &target))?;
    }
    // The warm-up builds the commit before; a measured run builds a pull request's change to
    // one member, on a checkout whose files all have new mtimes.
    if label != RunLabel::WarmUp
        && let Some(touch) = &plan.touch
        && let Ok(relative) = touch.strip_prefix(&plan.workspace_root)
    {
        let path = checkout_at.join(relative);
        let original = std::fs::read(&path).map_err(io("read the file to edit", &path))?;
        let mut edited = format!("// cargo-tune ci-warm edit {label}\n").into_bytes();
        edited.extend_from_slice(&original);
        crate::fsutil::write_atomic(&path, &edited).map_err(io("edit", &path))?;
    }
    Ok(())
}

/// After a `ci-warm` warm-up: what the variant's CI saves (the target directory, or its
/// dependencies' part; sccache's directory), and its size compressed as a CI cache stores it.
fn save_ci_cache(
    plan: &MeasurePlan,
    variant: &Variant,
    dir: &Path,
) -> Result<Option<u64>, MeasureError> {
    let io = MeasureError::io;
    let mut saved_dirs = Vec::new();
    if let Some(layout) = variant.restore_target {
        // What a CI cache action saves after the build, mtimes kept; moved, since the next
        // run replaces the target directory anyway.
        let saved = saved_target(&plan.bench_dir, &variant.name);
        checkout::move_over(dir, &saved).map_err(io("save the target directory", &saved))?;
        if layout == crate::vocab::CacheLayout::Dependencies {
            super::ci_cache::keep_dependencies_only(&saved, &plan.members)
                .map_err(io("leave the members out of", &saved))?;
        }
        saved_dirs.push(saved);
    }
    if uses_sccache(variant) {
        saved_dirs.push(sccache_dir(
            &plan.bench_dir,
            Scenario::CiWarm,
            &variant.name,
        ));
    }
    if saved_dirs.is_empty() {
        return Ok(None);
    }
    let dirs: Vec<&Path> = saved_dirs.iter().map(PathBuf::as_path).collect();
    super::ci_cache::compressed_size(&dirs)
        .map(Some)
        .map_err(io("measure the compressed size of", &saved_dirs[0]))
}

/// Runs the plan. `cancel` is polled while cargo runs; when it is set the build is killed, the
/// touched file restored and [`MeasureError::Interrupted`] returned.
pub fn measure(
    plan: &MeasurePlan,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<Vec<ScenarioRuns>, MeasureError> {
    progress(&Progress::Planned {
        total: plan.total_runs(),
    });
    let mut touched = match (&plan.touch, plan.scenarios.iter().any(|s| s.edits())) {
        (Some(path), true) => {
            Some(TouchedFile::open(path).map_err(MeasureError::io("read the file to edit", path))?)
        }
        _ => None,
    };
    let mut results = Vec::new();
    // Per variant, the crates seen compiled with the flags its checks ask for, over the plan.
    let mut verified: std::collections::HashMap<String, Vec<String>> = Default::default();
    for &scenario in &plan.scenarios {
        let result = measure_scenario(
            plan,
            scenario,
            touched.as_mut(),
            &mut verified,
            cancel,
            progress,
        );
        if let Some(t) = touched.as_mut() {
            t.restore().map_err(MeasureError::io("restore", t.path()))?;
        }
        results.push(result?);
    }
    Ok(results)
}

fn measure_scenario(
    plan: &MeasurePlan,
    scenario: Scenario,
    mut touched: Option<&mut TouchedFile>,
    verified: &mut std::collections::HashMap<String, Vec<String>>,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<ScenarioRuns, MeasureError> {
    let variants = plan.variants_in(scenario);
    let all = plan.outcomes_in(scenario);
    // Where each built variant's outcome is.
    let built: Vec<usize> = variants
        .iter()
        .filter_map(|v| all.iter().position(|a| a.name == v.name))
        .collect();
    let mut outcomes: Vec<VariantOutcome> = all
        .iter()
        .map(|v| VariantOutcome {
            variant: v.name.clone(),
            runs: Vec::new(),
            summary: None,
            failure: None,
            cache_bytes: None,
            runtime: None,
            binary_bytes: None,
        })
        .collect();
    let mut rounds = Vec::new();
    // The edited file's counterpart in a variant's scratch copy, edited alike.
    let mut copies: std::collections::HashMap<String, TouchedFile> = Default::default();
    // Stopped when dropped, however this function returns.
    let servers = start_servers(plan, scenario, &variants)?;
    let labels = std::iter::once(RunLabel::WarmUp)
        .filter(|_| plan.warm_up)
        .chain((1..=plan.runs).map(RunLabel::Measured));
    for label in labels {
        let round = match label {
            RunLabel::Measured(n) => n,
            _ => 0,
        };
        let mut ran = Vec::new();
        for k in round_order(variants.len(), round) {
            let (variant, outcome) = (variants[k], &mut outcomes[built[k]]);
            if outcome.failure.is_some() {
                continue;
            }
            if cancel.load(Ordering::SeqCst) {
                return Err(MeasureError::Interrupted);
            }
            let dir = target_dir(&plan.bench_dir, scenario, &variant.name);
            if scenario.is_clean() && dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(MeasureError::io("empty the target directory", &dir))?;
            }
            if scenario == Scenario::CiWarm {
                prepare_ci_run(plan, variant, label)?;
            } else if label == RunLabel::WarmUp && !scenario.is_clean() {
                adopt_clean_build(plan, scenario, variant)?;
                // cargo's fingerprint does not cover what an unstable setting made rustc
                // receive: a target directory it has not been verified on is built afresh.
                let seen = verified.entry(variant.name.clone()).or_default();
                if never_compiled(variant, seen).is_some() {
                    checkout::remove(&dir)
                        .map_err(MeasureError::io("empty the target directory", &dir))?;
                }
            }
            if scenario.edits()
                && scenario != Scenario::CiWarm
                && let Some(t) = touched.as_deref_mut()
            {
                t.edit().map_err(MeasureError::io("edit", t.path()))?;
                if let Some(copy) = &variant.checkout
                    && let Ok(rel) = t.path().strip_prefix(&plan.workspace_root)
                {
                    let path = copy.join(rel);
                    let c = match copies.entry(variant.name.clone()) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => e.insert(
                            TouchedFile::open(&path).map_err(MeasureError::io("read", &path))?,
                        ),
                    };
                    c.edit().map_err(MeasureError::io("edit", &path))?;
                }
            }
            progress(&Progress::Started {
                scenario,
                variant: &variant.name,
                label,
            });
            let cli = command_through(plan, scenario, variant, servers[k].as_ref());
            // The counters of this run alone; outside the timed part.
            if let Some(server) = &servers[k] {
                server.zero_stats()?;
            }
            let mut run = run_command(
                cli.to_command(),
                &cli.display(),
                cancel,
                plan.resolved.clone(),
            )?;
            if run.ok
                && let Err(why) = verify(
                    variant,
                    &run.running,
                    verified.entry(variant.name.clone()).or_default(),
                )
            {
                outcome.failure = Some(VariantFailure {
                    during: label.to_string(),
                    command: cli.display(),
                    status: format!("measurement refused: {why}"),
                    last_lines: Vec::new(),
                });
                progress(&Progress::Finished {
                    wall: run.wall,
                    ok: false,
                });
                continue;
            }
            if run.interrupted || cancel.load(Ordering::SeqCst) {
                return Err(MeasureError::Interrupted);
            }
            if let Some(server) = &servers[k] {
                run.measurement.compiler_cache = Some(server.stats()?.counts);
            }
            progress(&Progress::Finished {
                wall: run.wall,
                ok: run.ok,
            });
            if !run.ok {
                outcome.failure = Some(VariantFailure {
                    during: label.to_string(),
                    command: cli.display(),
                    status: run.status,
                    last_lines: run.stderr_tail,
                });
                continue;
            }
            if scenario.is_clean() {
                // Only a cache for an incremental scenario's warm-up: without it, that warm-up
                // builds everything itself.
                let _ = crate::fsutil::write_atomic(
                    &dir.join(BUILT_BY),
                    build_identity(plan, scenario, variant).as_bytes(),
                );
            }
            if let RunLabel::Measured(_) = label {
                if let Some(bytes) = outcome.cache_bytes {
                    run.measurement.cache_restore_s = Some(bytes as f64 / plan.cache_bandwidth);
                }
                outcome.runs.push(run.measurement);
                ran.push(variant.name.clone());
            } else if scenario == Scenario::CiWarm {
                outcome.cache_bytes = save_ci_cache(plan, variant, &dir)?;
            }
        }
        if round > 0 {
            rounds.push(ran);
        }
    }
    // Only the variants built in this scenario have builds to verify.
    for (variant, &i) in variants.iter().zip(&built) {
        let outcome = &mut outcomes[i];
        if outcome.failure.is_none()
            && let Some(missing) = never_compiled(
                variant,
                verified.get(&variant.name).map_or(&[][..], Vec::as_slice),
            )
        {
            outcome.failure = Some(VariantFailure {
                during: "every run".to_owned(),
                command: command(plan, scenario, variant).display(),
                status: format!(
                    "measurement refused: no build of {scenario} compiled {missing}, so what rustc received could not be verified"
                ),
                last_lines: Vec::new(),
            });
        }
    }
    for outcome in &mut outcomes {
        outcome.summary = summaries(&outcome.runs);
    }
    if let Some(workload) = plan.workload.as_ref().filter(|_| runs_workload(scenario)) {
        let run = WorkloadRound {
            plan,
            workload,
            scenario,
            cancel,
        };
        run.measure(&all, &mut outcomes, progress)?;
    }
    Ok(ScenarioRuns {
        scenario,
        outcomes,
        rounds,
    })
}

/// Checks what rustc received in one run against the variant's checks, adding the crates seen
/// to `seen`.
fn verify(variant: &Variant, running: &[String], seen: &mut Vec<String>) -> Result<(), String> {
    for check in &variant.rustc_checks {
        for krate in crate::change::variant::check_rustc_flag(check, running)? {
            if !seen.contains(&krate) {
                seen.push(krate);
            }
        }
    }
    Ok(())
}

/// The crates a variant's checks name that no build of the scenario compiled (a dev-incremental
/// build recompiles only the edited crate: its warm-up, or the clean build it adopted, did).
fn never_compiled(variant: &Variant, seen: &[String]) -> Option<String> {
    let missing: Vec<&str> = variant
        .rustc_checks
        .iter()
        .flat_map(|c| &c.crates)
        .filter(|c| !seen.contains(c))
        .map(String::as_str)
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// The workload after a scenario's builds: each variant's own binary, one warm-up each, then
/// the measured runs in rounds whose order rotates as the builds' did.
struct WorkloadRound<'a> {
    plan: &'a MeasurePlan,
    workload: &'a WorkloadPlan,
    scenario: Scenario,
    cancel: &'a AtomicBool,
}

impl WorkloadRound<'_> {
    fn measure(
        &self,
        variants: &[&Variant],
        outcomes: &mut [VariantOutcome],
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<(), MeasureError> {
        let w = &self.workload.workload;
        let profile = self.plan.built_profile(self.scenario);
        let mut commands = Vec::new();
        for (variant, outcome) in variants.iter().zip(outcomes.iter_mut()) {
            // A variant whose build failed has no binary to run.
            if outcome.failure.is_some() {
                commands.push(None);
                continue;
            }
            let bin_dir = target_dir(&self.plan.bench_dir, self.scenario, &variant.name)
                .join(workload::profile_dir(profile));
            let cmd = w.command(&bin_dir, &self.workload.cwd);
            let mut runtime = RuntimeOutcome {
                command: cmd.display(),
                runs_s: Vec::new(),
                summary: None,
                failure: None,
            };
            match w.bin_name() {
                Some(name) => {
                    let path = workload::binary(&bin_dir, name);
                    outcome.binary_bytes = std::fs::metadata(&path).ok().map(|m| m.len());
                    if outcome.binary_bytes.is_none() {
                        runtime.failure = Some(VariantFailure {
                            during: RunLabel::WorkloadWarmUp.to_string(),
                            command: cmd.display(),
                            status: format!("the build left no {}", path.display()),
                            last_lines: Vec::new(),
                        });
                    }
                }
                None => {
                    outcome.binary_bytes =
                        workload::largest_binary(&bin_dir, &self.workload.bins).map(|b| b.1);
                }
            }
            outcome.runtime = Some(runtime);
            commands.push(Some(cmd));
        }
        let labels = std::iter::once(RunLabel::WorkloadWarmUp)
            .chain((1..=self.workload.runs).map(RunLabel::Workload));
        for (round, label) in labels.enumerate() {
            for i in round_order(variants.len(), round) {
                let Some(cmd) = &commands[i] else { continue };
                let Some(runtime) = outcomes[i].runtime.as_mut() else {
                    continue;
                };
                if runtime.failure.is_some() {
                    continue;
                }
                let once = workload::run_once(cmd, w.timeout, self.cancel, || {
                    progress(&Progress::Started {
                        scenario: self.scenario,
                        variant: &variants[i].name,
                        label,
                    });
                })?;
                progress(&Progress::Finished {
                    wall: Duration::from_secs_f64(once.sample.wall_s),
                    ok: once.ok,
                });
                if !once.ok {
                    runtime.failure = Some(VariantFailure {
                        during: label.to_string(),
                        command: cmd.display(),
                        status: once.status,
                        last_lines: once.stderr,
                    });
                } else if round > 0 {
                    runtime.runs_s.push(once.sample.wall_s);
                }
            }
        }
        for outcome in outcomes.iter_mut() {
            if let Some(runtime) = outcome.runtime.as_mut() {
                runtime.summary = super::stats::summarize(&runtime.runs_s);
            }
        }
        Ok(())
    }
}

/// What one cargo run did.
pub struct RunResult {
    /// Whether the process exited with success.
    pub ok: bool,
    /// Whether it was stopped by a cancel.
    pub interrupted: bool,
    /// Exit status as text.
    pub status: String,
    /// Wall time.
    pub wall: Duration,
    /// Its metrics.
    pub measurement: Measurement,
    /// Its last lines on stderr (errors first).
    pub stderr_tail: Vec<String>,
    /// cargo's `Running` lines, for a verbose build.
    pub running: Vec<String>,
}

const TAIL_LINES: usize = 20;

/// Runs one cargo build, measured.
pub fn run_once(cli: &CargoCli, cancel: &AtomicBool) -> Result<RunResult, MeasureError> {
    run_command(cli.to_command(), &cli.display(), cancel, None)
}

/// Runs one measured process (a cargo build, or anything in tests) and gathers its metrics.
fn run_command(
    cmd: std::process::Command,
    display: &str,
    cancel: &AtomicBool,
    resolved: Option<mpsc::Sender<()>>,
) -> Result<RunResult, MeasureError> {
    let mut messages = BuildMessages::default();
    let mut resolved = resolved;
    let mut each_line = |line: std::io::Result<String>| {
        if let Some(tx) = resolved.take() {
            // Nobody listening any more is no error.
            let _ = tx.send(());
        }
        match line {
            Ok(line) => messages.process_line(&line),
            Err(_) => messages.ignored += 1,
        }
    };
    let how = Supervision {
        stderr: exec::Keep::Tail(TAIL_LINES),
        stderr_matching: Some("Running `"),
        ..Supervision::new(cancel)
    };
    let done =
        exec::run(cmd, &how, Some(&mut each_line)).map_err(SpawnError::of(display.to_owned()))?;
    let measurement = Measurement {
        wall_s: done.wall.as_secs_f64(),
        user_s: done.user.as_secs_f64(),
        sys_s: done.sys.as_secs_f64(),
        peak_tree_rss_bytes: done.peak_tree_rss,
        max_process_rss_bytes: done.max_process_rss,
        artifact_bytes: messages.artifact_bytes(),
        units_rebuilt: messages.rebuilt,
        units_total: messages.total,
        harness_cpu_s: done.harness_cpu.as_secs_f64(),
        compiler_cache: None,
        cache_restore_s: None,
    };
    Ok(RunResult {
        ok: done.status.success(),
        interrupted: done.interrupted,
        status: done.status.to_string(),
        wall: done.wall,
        measurement,
        stderr_tail: done.stderr,
        running: done.matched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(env: &[(&str, &str)], restore_target: bool) -> Variant {
        let restore_target = restore_target.then_some(crate::vocab::CacheLayout::Whole);
        Variant {
            name: "candidate-1".to_owned(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            restore_target,
            ..Variant::default()
        }
    }

    fn plan(variants: Vec<Variant>) -> MeasurePlan {
        MeasurePlan {
            bench_dir: PathBuf::from("/ws/target/cargo-tune"),
            cargo: CargoOptions::default(),
            variants,
            scenarios: vec![Scenario::CiWarm],
            runs: 1,
            touch: None,
            jobs: None,
            packages: Vec::new(),
            skip: Vec::new(),
            extra_args: Vec::new(),
            warm_up: true,
            workspace_root: PathBuf::from("/ws"),
            target_directory: PathBuf::from("/ws/target"),
            path: None,
            resolved: None,
            members: Vec::new(),
            cache_bandwidth: 1e8,
            profile: None,
            workload: None,
            reuse_skipped: false,
        }
    }

    #[test]
    fn sccache_is_recognised_by_program_name_wherever_it_lives() {
        assert!(uses_sccache(&variant(
            &[("RUSTC_WRAPPER", "sccache")],
            false
        )));
        assert!(uses_sccache(&variant(
            &[("RUSTC_WRAPPER", "/opt/bin/sccache")],
            false
        )));
        assert!(!uses_sccache(&variant(
            &[("RUSTC_WRAPPER", "cachepot")],
            false
        )));
        assert!(!uses_sccache(&variant(
            &[("RUSTC_WORKSPACE_WRAPPER", "sccache")],
            false
        )));
    }

    #[test]
    fn ci_warm_builds_in_the_checkout_and_other_scenarios_where_cargo_tune_runs() {
        let v = variant(&[], true);
        let plan = plan(vec![v.clone()]);
        let ci = command(&plan, Scenario::CiWarm, &v).display();
        assert!(
            ci.contains("--manifest-path /ws/target/cargo-tune/ci-warm/checkout/Cargo.toml"),
            "{ci}"
        );
        assert!(
            ci.contains("CARGO_TARGET_DIR=/ws/target/cargo-tune/ci-warm/candidate-1"),
            "{ci}"
        );
        let dev = command(&plan, Scenario::DevClean, &v).display();
        assert!(!dev.contains("checkout"), "{dev}");
    }

    #[test]
    fn rounds_rotate_so_every_variant_runs_in_every_position() {
        assert_eq!(
            round_order(3, 0),
            [0, 1, 2],
            "the warm-up runs in plan order"
        );
        assert_eq!(round_order(3, 1), [0, 1, 2]);
        assert_eq!(round_order(3, 2), [1, 2, 0]);
        assert_eq!(round_order(3, 3), [2, 0, 1]);
        assert_eq!(round_order(3, 4), [0, 1, 2]);
        assert_eq!(round_order(1, 5), [0]);
        for count in 1..6 {
            for first in 0..count {
                // Over `count` rounds, each variant runs first exactly once.
                let firsts = (1..=count).filter(|r| round_order(count, *r)[0] == first);
                assert_eq!(firsts.count(), 1);
            }
        }
    }
}
