//! Runs the plan: per scenario, one warm-up per variant, then the measured runs interleaved
//! (A B A B …) so that drift in machine load hits both variants alike.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use cargo_tune_schema::{Measurement, VariantFailure, VariantOutcome};

use super::memory::{SAMPLE_INTERVAL_MS, TreeSampler};
use super::messages::BuildMessages;
use super::stopwatch::Stopwatch;
use super::touch::TouchedFile;
use super::{Scenario, process, summaries};
use crate::cargo::{CargoCli, CargoOptions, Color};
use crate::variant::Variant;

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
    /// Arguments added to every cargo command (`--timings`).
    pub extra_args: Vec<String>,
    /// Whether each variant gets an unmeasured run first.
    pub warm_up: bool,
}

/// Which run of a variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunLabel {
    /// Prepares the target directory; not measured.
    WarmUp,
    /// The n-th measured run, from 1.
    Measured(usize),
}

impl std::fmt::Display for RunLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunLabel::WarmUp => f.write_str("warm-up"),
            RunLabel::Measured(n) => write!(f, "run {n}"),
        }
    }
}

/// Progress, for the caller to display.
#[derive(Clone, Debug)]
pub enum Progress<'a> {
    /// Before anything runs.
    Planned {
        /// Cargo runs in total, warm-ups included.
        total: usize,
    },
    /// A cargo run starts.
    Started {
        /// Scenario.
        scenario: Scenario,
        /// Variant name.
        variant: &'a str,
        /// Which run.
        label: RunLabel,
    },
    /// It ended.
    Finished {
        /// Its wall time.
        wall: Duration,
        /// Whether cargo succeeded.
        ok: bool,
    },
}

/// What one scenario produced, one outcome per variant (same order as the plan's).
#[derive(Clone, Debug)]
pub struct ScenarioRuns {
    /// The scenario.
    pub scenario: Scenario,
    /// Per variant.
    pub outcomes: Vec<VariantOutcome>,
}

/// Why measuring stopped.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// Ctrl-C. Edited files were restored.
    #[error("finish measuring: interrupted")]
    Interrupted,
    /// A file or directory could not be handled.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// cargo could not be started.
    #[error("run `{command}`: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// The target directory of `variant` in `scenario`.
pub fn target_dir(bench_dir: &Path, scenario: Scenario, variant: &str) -> PathBuf {
    bench_dir.join(scenario.as_str()).join(variant)
}

/// The cargo command of one run.
pub fn command(plan: &MeasurePlan, scenario: Scenario, variant: &Variant) -> CargoCli {
    let mut options = plan.cargo.clone();
    options.color = Some(Color::Never);
    let (sub, args) = scenario.cargo_args();
    let mut cli = CargoCli::new(&sub, &options)
        .args(args)
        .args(&plan.extra_args);
    if plan.packages.is_empty() {
        cli = cli.arg("--workspace");
    }
    for package in &plan.packages {
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
        cli = cli.env(key, value);
    }
    if let Some(flags) = &variant.rustflags {
        cli = cli.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    }
    // cargo runs in cargo-tune's own working directory, as the user's cargo would: the
    // configuration it discovers from there is the one the rustflags were merged from.
    cli
}

/// Runs the plan. `cancel` is polled while cargo runs; when it is set the build is killed, the
/// touched file restored and [`MeasureError::Interrupted`] returned.
pub fn measure(
    plan: &MeasurePlan,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<Vec<ScenarioRuns>, MeasureError> {
    progress(&Progress::Planned {
        total: plan.scenarios.len() * plan.variants.len() * (plan.runs + usize::from(plan.warm_up)),
    });
    let mut touched = match (&plan.touch, plan.scenarios.iter().any(|s| s.edits())) {
        (Some(path), true) => Some(TouchedFile::open(path).map_err(|source| MeasureError::Io {
            action: "read the file to edit",
            path: path.clone(),
            source,
        })?),
        _ => None,
    };
    let mut results = Vec::new();
    for &scenario in &plan.scenarios {
        let result = measure_scenario(plan, scenario, touched.as_mut(), cancel, progress);
        if let Some(t) = touched.as_mut() {
            t.restore().map_err(|source| MeasureError::Io {
                action: "restore",
                path: t.path().to_owned(),
                source,
            })?;
        }
        results.push(result?);
    }
    Ok(results)
}

fn measure_scenario(
    plan: &MeasurePlan,
    scenario: Scenario,
    mut touched: Option<&mut TouchedFile>,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<ScenarioRuns, MeasureError> {
    let mut outcomes: Vec<VariantOutcome> = plan
        .variants
        .iter()
        .map(|v| VariantOutcome {
            variant: v.name.clone(),
            runs: Vec::new(),
            summary: None,
            failure: None,
        })
        .collect();
    let labels = std::iter::once(RunLabel::WarmUp)
        .filter(|_| plan.warm_up)
        .chain((1..=plan.runs).map(RunLabel::Measured));
    for label in labels {
        for (variant, outcome) in plan.variants.iter().zip(outcomes.iter_mut()) {
            if outcome.failure.is_some() {
                continue;
            }
            if cancel.load(Ordering::SeqCst) {
                return Err(MeasureError::Interrupted);
            }
            let dir = target_dir(&plan.bench_dir, scenario, &variant.name);
            if scenario.is_clean() && dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|source| MeasureError::Io {
                    action: "empty the target directory",
                    path: dir.clone(),
                    source,
                })?;
            }
            if scenario.edits()
                && let Some(t) = touched.as_deref_mut()
            {
                t.edit().map_err(|source| MeasureError::Io {
                    action: "edit",
                    path: t.path().to_owned(),
                    source,
                })?;
            }
            progress(&Progress::Started {
                scenario,
                variant: &variant.name,
                label,
            });
            let cli = command(plan, scenario, variant);
            let run = run_once(&cli, cancel)?;
            if run.interrupted || cancel.load(Ordering::SeqCst) {
                return Err(MeasureError::Interrupted);
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
            if let RunLabel::Measured(_) = label {
                outcome.runs.push(run.measurement);
            }
        }
    }
    for outcome in &mut outcomes {
        outcome.summary = summaries(&outcome.runs);
    }
    Ok(ScenarioRuns { scenario, outcomes })
}

struct RunResult {
    ok: bool,
    interrupted: bool,
    status: String,
    wall: Duration,
    measurement: Measurement,
    stderr_tail: Vec<String>,
}

const TAIL_LINES: usize = 20;

fn run_once(cli: &CargoCli, cancel: &AtomicBool) -> Result<RunResult, MeasureError> {
    let mut cmd = cli.to_command();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cpu_before = process::self_cpu();
    let watch = Stopwatch::start();
    let mut child = process::spawn_group(&mut cmd).map_err(|source| MeasureError::Spawn {
        command: cli.display(),
        source,
    })?;
    let pid = child.id();
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (waited, wall, messages, tail, (peak, interrupted)) = std::thread::scope(|s| {
        let messages = s.spawn(move || {
            let mut messages = BuildMessages::default();
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(line) => messages.process_line(&line),
                    Err(_) => messages.ignored += 1,
                }
            }
            messages
        });
        let tail = s.spawn(move || {
            let mut tail = VecDeque::with_capacity(TAIL_LINES);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.trim().is_empty() {
                    continue;
                }
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
            Vec::from(tail)
        });
        let sampler = s.spawn(move || {
            let mut sampler = TreeSampler::new(pid);
            let mut peak: Option<u64> = None;
            loop {
                if cancel.load(Ordering::SeqCst) {
                    process::kill_group(pid);
                    return (peak, true);
                }
                if let Some(sample) = sampler.sample() {
                    peak = Some(peak.map_or(sample.total_rss, |p| p.max(sample.total_rss)));
                }
                match stop_rx.recv_timeout(Duration::from_millis(SAMPLE_INTERVAL_MS)) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return (peak, false),
                }
            }
        });
        let waited = process::wait(&mut child);
        let wall = watch.elapsed();
        let _ = stop_tx.send(());
        let sampled = sampler.join().expect("sampler thread");
        (
            waited,
            wall,
            messages.join().expect("stdout reader"),
            tail.join().expect("stderr reader"),
            sampled,
        )
    });
    let (status, usage) = waited.map_err(|source| MeasureError::Spawn {
        command: cli.display(),
        source,
    })?;
    let harness_cpu = process::self_cpu().saturating_sub(cpu_before);
    let measurement = Measurement {
        wall_s: wall.as_secs_f64(),
        user_s: usage.user.as_secs_f64(),
        sys_s: usage.sys.as_secs_f64(),
        peak_tree_rss_bytes: peak,
        max_process_rss_bytes: usage.max_rss,
        artifact_bytes: messages.artifact_bytes(),
        units_rebuilt: messages.rebuilt,
        units_total: messages.total,
        harness_cpu_s: harness_cpu.as_secs_f64(),
    };
    Ok(RunResult {
        ok: status.success(),
        interrupted,
        status: status.to_string(),
        wall,
        measurement,
        stderr_tail: tail,
    })
}
