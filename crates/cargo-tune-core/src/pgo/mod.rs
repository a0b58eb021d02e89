//! `cargo tune pgo`: an instrumented build, the workload run to train it, `llvm-profdata merge`
//! with the LLVM that matches rustc's, the optimised build, optionally BOLT on top, and then an
//! interleaved runtime comparison of the binaries with the statistics `try` uses.
//!
//! Every build goes to its own directory under the plan's work directory and starts from the
//! workspace's effective rustflags, passed through `CARGO_ENCODED_RUSTFLAGS` as `try` does, so
//! that the profile flags add to the user's flags instead of replacing them. A training run that
//! fails, times out or is interrupted removes the whole profile directory: a partial profile is
//! never merged.

pub mod command;
mod elf;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cargo_tune_schema::{
    EffectiveProfile, FORMAT_VERSION, PgoComparison, PgoContext, PgoReport, PgoStep, PgoVariant,
    ProfileSummary, ToolInfo, Verdict,
};

pub use elf::section_names;

use crate::cargo::{CargoCli, CargoOptions, Color, ToolCommand};
use crate::exec;
use crate::measure::stats;
use crate::probe::Environment;

/// The LLVM tools a run uses, each matched to rustc's LLVM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgoTools {
    /// `llvm-profdata`.
    pub profdata: PathBuf,
    /// `llvm-bolt` and `merge-fdata`, with `--bolt`.
    pub bolt: Option<BoltTools>,
}

/// BOLT's two programs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoltTools {
    /// `llvm-bolt`.
    pub bolt: PathBuf,
    /// `merge-fdata`.
    pub merge_fdata: PathBuf,
}

/// Picks `llvm-profdata` (and with `bolt`, `llvm-bolt` and `merge-fdata`) for rustc's LLVM
/// major, from `PATH` or the toolchain's own `llvm-tools` component.
pub fn find_tools(env: &Environment, bolt: bool) -> Result<PgoTools, PgoError> {
    let rustc = env.rustc.version.to_string();
    let major = env
        .rustc
        .llvm_major()
        .ok_or_else(|| PgoError::NoLlvmVersion {
            rustc: rustc.clone(),
        })?;
    let component = env.sysroot.as_ref().map(|s| {
        s.join("lib/rustlib")
            .join(&env.rustc.host)
            .join("bin/llvm-profdata")
    });
    let profdata = match env.tools.matching_llvm("llvm-profdata", major) {
        Some((_, found)) => found.path.clone(),
        None => match component.filter(|p| crate::exec::which::is_executable(p)) {
            Some(path) => path,
            None => {
                let installed: Vec<String> = env
                    .tools
                    .variants("llvm-profdata")
                    .map(|(name, l)| match l.llvm_major {
                        Some(m) => format!("{name} (LLVM {m})"),
                        None => format!("{name} (LLVM version unknown)"),
                    })
                    .collect();
                return Err(PgoError::ProfdataMismatch {
                    major,
                    rustc,
                    installed: if installed.is_empty() {
                        "none is installed".to_owned()
                    } else {
                        format!("installed: {}", installed.join(", "))
                    },
                });
            }
        },
    };
    let bolt = if bolt {
        // BOLT rewrites machine code, so its version need not match rustc's; the matching one
        // is still preferred, then the newest.
        let pick = |base: &str| {
            env.tools
                .matching_llvm(base, major)
                .or_else(|| env.tools.variants(base).max_by_key(|(_, l)| l.llvm_major))
                .map(|(_, l)| l.path.clone())
        };
        let missing = |tool: &str| PgoError::MissingTool {
            tool: tool.to_owned(),
            install: format!("apt-get install bolt-{major}"),
        };
        Some(BoltTools {
            bolt: pick("llvm-bolt").ok_or_else(|| missing("llvm-bolt"))?,
            merge_fdata: pick("merge-fdata").ok_or_else(|| missing("merge-fdata"))?,
        })
    } else {
        None
    };
    Ok(PgoTools { profdata, bolt })
}

/// What to build, how to train it and how to compare.
#[derive(Clone, Debug)]
pub struct PgoPlan {
    /// The user's cargo flags.
    pub cargo: CargoOptions,
    /// Private directory of this run (`<target>/cargo-tune/pgo/<package>`); emptied first.
    pub work_dir: PathBuf,
    /// The package (`-p`).
    pub package: String,
    /// Its binary target (`--bin`).
    pub bin: String,
    /// The workspace's effective rustflags, which every build starts from.
    pub rustflags: Vec<String>,
    /// Arguments of every workload run of the binary.
    pub workload: Vec<OsString>,
    /// Where the workload runs.
    pub workload_dir: PathBuf,
    /// Training runs.
    pub training_runs: usize,
    /// Measured runs per binary, after one warm-up each.
    pub runs: usize,
    /// Longest a workload run may take.
    pub timeout: Duration,
    /// `CARGO_BUILD_JOBS`, if fixed.
    pub jobs: Option<usize>,
    /// The LLVM tools.
    pub tools: PgoTools,
}

/// Where the pipeline is, for the caller to display.
#[derive(Clone, Copy, Debug)]
pub enum PgoProgress<'a> {
    /// A step starts.
    Started {
        /// Its name.
        step: &'a str,
    },
    /// It ended successfully.
    Finished {
        /// Its name.
        step: &'a str,
        /// Its wall time.
        wall: Duration,
    },
}

/// Why the pipeline stopped. Every message fits "failed to …".
#[derive(Debug, thiserror::Error)]
pub enum PgoError {
    /// Ctrl-C; every process was stopped.
    #[error("finish `cargo tune pgo`: interrupted")]
    Interrupted,
    /// rustc did not say which LLVM it uses.
    #[error("find rustc's LLVM version: `rustc -vV` of rustc {rustc} names none")]
    NoLlvmVersion {
        /// rustc's version.
        rustc: String,
    },
    /// No `llvm-profdata` of rustc's LLVM major.
    #[error(
        "find an llvm-profdata for LLVM {major}, the LLVM of rustc {rustc} (a profile is only read by the LLVM that wrote it); {installed}. Install it: apt-get install llvm-{major}, or rustup component add llvm-tools"
    )]
    ProfdataMismatch {
        /// rustc's LLVM major.
        major: u32,
        /// rustc's version.
        rustc: String,
        /// What is on `PATH`.
        installed: String,
    },
    /// A tool is missing.
    #[error("find `{tool}` on PATH (install it: {install})")]
    MissingTool {
        /// The executable.
        tool: String,
        /// How to install it.
        install: String,
    },
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
    /// A process could not be started.
    #[error("run `{command}`: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A cargo build failed.
    #[error("build the {what} binary ({status}): `{command}`{}", lines(.last_lines))]
    Build {
        /// `baseline`, `instrumented`, `optimised`, …
        what: String,
        /// The cargo command.
        command: String,
        /// Exit status.
        status: String,
        /// cargo's last lines.
        last_lines: Vec<String>,
    },
    /// The workload failed or ran past the timeout.
    #[error("run the workload ({step}): it {outcome}: `{command}`{}\n{fix}", lines(.last_lines))]
    Workload {
        /// Which run.
        step: String,
        /// The command.
        command: String,
        /// `exited with exit status: 3`, `ran past the 10s timeout and was stopped`.
        outcome: String,
        /// Its last stderr lines.
        last_lines: Vec<String>,
        /// What to do about it.
        fix: String,
    },
    /// A training run succeeded but left no profile.
    #[error(
        "collect a profile ({step}): the workload exited successfully but wrote no {kind} file in {}: `{command}`. The instrumented binary writes its profile when it exits normally; a process that aborts, is killed or calls exec writes none",
        dir.display()
    )]
    NoProfile {
        /// Which run.
        step: String,
        /// `.profraw` or `.fdata`.
        kind: &'static str,
        /// Where it should be.
        dir: PathBuf,
        /// The command.
        command: String,
    },
    /// An LLVM tool failed.
    #[error("{step} (`{command}`, {status}){}", lines(.last_lines))]
    Tool {
        /// `merge the profiles`, `instrument the binary with BOLT`, …
        step: String,
        /// The command.
        command: String,
        /// Exit status.
        status: String,
        /// Its last stderr lines.
        last_lines: Vec<String>,
    },
    /// The binary cannot be rewritten by BOLT.
    #[error("optimise {} with BOLT: {reason}; {fix}", binary.display())]
    BoltInput {
        /// The binary.
        binary: PathBuf,
        /// What is missing.
        reason: String,
        /// How to fix it.
        fix: String,
    },
    /// The release profile strips symbols, which BOLT needs.
    #[error(
        "optimise with BOLT: the release profile strips symbols (strip = {value}, set in {place}), and BOLT needs them and the relocations a stripped link cannot keep; {STRIP_FIX}"
    )]
    StrippedProfile {
        /// The `strip` value.
        value: String,
        /// Where it is set.
        place: String,
    },
    /// `llvm-bolt` succeeded but the output carries no BOLT note.
    #[error(
        "optimise with BOLT: `{command}` succeeded but {} has no .note.bolt_info section, so BOLT did not rewrite it",
        binary.display()
    )]
    BoltNotApplied {
        /// The command.
        command: String,
        /// Its output.
        binary: PathBuf,
    },
}

fn lines(last: &[String]) -> String {
    last.iter().map(|l| format!("\n  | {l}")).collect()
}

impl PgoError {
    /// Whether a cargo build failed (exit code 101, as cargo's own).
    pub fn is_build_failure(&self) -> bool {
        matches!(self, PgoError::Build { .. })
    }
}

/// rustc's warnings that profile data is missing or stale, from the optimised build's stderr.
pub fn missing_profile_warnings(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("no profile data available for function")
                || l.contains("profile data may be out of date")
                || l.contains("function control flow change detected")
                || l.contains("profile data may be corrupted")
        })
        .map(|l| l.trim().to_owned())
        .collect()
}

/// Which variants a step's cost counts towards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cost {
    Baseline,
    /// Instrumenting, training and merging: both optimised variants need them.
    Profile,
    Pgo,
    Bolt,
}

struct Pipeline<'a> {
    plan: &'a PgoPlan,
    cancel: &'a AtomicBool,
    progress: &'a mut dyn FnMut(&PgoProgress<'_>),
    steps: Vec<(Cost, PgoStep)>,
}

const TAIL: usize = 20;

/// Runs the plan: builds, trains, merges, optimises, compares. `cancel` is polled throughout;
/// when it is set the running process group is killed and [`PgoError::Interrupted`] returned.
pub fn run(
    plan: &PgoPlan,
    env: &Environment,
    version: &str,
    workspace_root: &str,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&PgoProgress<'_>),
) -> Result<PgoReport, PgoError> {
    let mut p = Pipeline {
        plan,
        cancel,
        progress,
        steps: Vec::new(),
    };
    let work = &plan.work_dir;
    p.reset_dir(work)?;
    let baseline = p.build("baseline", Cost::Baseline, "baseline", &[])?;

    let profiles = work.join("profiles");
    p.reset_dir(&profiles)?;
    let instrumented = p.build(
        "instrumented",
        Cost::Profile,
        "instrumented",
        &[format!("-Cprofile-generate={}", profiles.display())],
    )?;
    let raw = p.train(&instrumented, &profiles, "training", TrainKind::Llvm)?;
    let merged = work.join("merged.profdata");
    let mut merge = ToolCommand::new(&plan.tools.profdata)
        .args(["merge", "-o"])
        .arg(&merged);
    for file in &raw {
        merge = merge.arg(file);
    }
    p.tool(
        "merge",
        Cost::Profile,
        "merge the training profiles",
        &merge,
    )?;
    let merged_bytes = file_size(&merged)?;
    let use_flags = vec![
        format!("-Cprofile-use={}", merged.display()),
        "-Cllvm-args=-pgo-warn-missing-function".to_owned(),
    ];
    let (optimised, build_stderr) = p.build_capturing("optimised", Cost::Pgo, "pgo", &use_flags)?;
    let warnings = missing_profile_warnings(&build_stderr);

    let mut binaries = vec![("baseline", baseline), ("pgo", optimised)];
    let mut bolt_applied = None;
    if let Some(tools) = &plan.tools.bolt {
        let bolted = p.bolt(tools, &use_flags)?;
        bolt_applied = Some(true);
        binaries.push(("pgo+bolt", bolted));
    }

    let walls = p.compare(&binaries)?;
    let cost = |variant: &str| -> f64 {
        p.steps
            .iter()
            .filter(|(c, _)| match variant {
                "baseline" => *c == Cost::Baseline,
                "pgo" => matches!(c, Cost::Profile | Cost::Pgo),
                _ => matches!(c, Cost::Profile | Cost::Bolt),
            })
            .map(|(_, s)| s.wall_s)
            .sum()
    };
    let mut variants = Vec::new();
    for ((name, binary), runs) in binaries.iter().zip(walls) {
        variants.push(PgoVariant {
            name: (*name).to_owned(),
            binary: binary.display().to_string(),
            binary_bytes: file_size(binary)?,
            build_s: cost(name),
            summary: stats::summarize(&runs),
            runs_s: runs,
        });
    }
    let comparisons = variants[1..]
        .iter()
        .map(|v| comparison(&variants[0], v))
        .collect();
    Ok(PgoReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(version),
        workspace_root: workspace_root.to_owned(),
        package: plan.package.clone(),
        bin: plan.bin.clone(),
        workload: plan
            .workload
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        workload_dir: plan.workload_dir.display().to_string(),
        context: PgoContext {
            rustc: format!("rustc {}", env.rustc.version),
            llvm_version: env.rustc.llvm_version.clone().unwrap_or_default(),
            profdata: plan.tools.profdata.display().to_string(),
            bolt: plan
                .tools
                .bolt
                .as_ref()
                .map(|b| b.bolt.display().to_string()),
            host: env.rustc.host.clone(),
            cores: env.host.cores,
            training_runs: plan.training_runs,
            runs: plan.runs,
            timeout_s: plan.timeout.as_secs_f64(),
            rustflags: plan.rustflags.clone(),
        },
        steps: p.steps.into_iter().map(|(_, s)| s).collect(),
        profile: ProfileSummary {
            raw_files: raw.len(),
            raw_bytes: raw.iter().map(|f| file_size(f).unwrap_or(0)).sum(),
            merged: merged.display().to_string(),
            merged_bytes,
            missing_profile_warnings: warnings.len(),
            missing_profile_examples: warnings.into_iter().take(5).collect(),
        },
        bolt_applied,
        variants,
        comparisons,
    })
}

/// An optimised variant against the baseline, pair by pair as `try` compares builds.
fn comparison(baseline: &PgoVariant, variant: &PgoVariant) -> PgoComparison {
    let ratios: Vec<f64> = baseline
        .runs_s
        .iter()
        .zip(&variant.runs_s)
        .map(|(b, v)| v / b)
        .collect();
    // Two optimised binaries are compared with one baseline: the confidence is shared between
    // them, as `try` shares it between candidates.
    let confidence = 1.0 - (1.0 - stats::CONFIDENCE) / 2.0;
    let (ratio, interval, verdict) = match stats::compare_ratios(&ratios, confidence) {
        Some(estimate) => (Some(estimate.ratio), estimate.interval, estimate.verdict),
        None => (None, None, Verdict::Inconclusive),
    };
    let div = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    PgoComparison {
        variant: variant.name.clone(),
        ratio,
        interval,
        verdict,
        pairs: ratios.len(),
        build_ratio: div(variant.build_s, baseline.build_s),
        size_ratio: div(variant.binary_bytes as f64, baseline.binary_bytes as f64),
    }
}

fn file_size(path: &Path) -> Result<u64, PgoError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|source| PgoError::Io {
            action: "read the size of",
            path: path.to_owned(),
            source,
        })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TrainKind {
    /// `-Cprofile-generate`: `.profraw` files named through `LLVM_PROFILE_FILE`.
    Llvm,
    /// BOLT instrumentation: `.fdata` files with the process id appended.
    Bolt,
}

impl Pipeline<'_> {
    fn check_cancel(&self) -> Result<(), PgoError> {
        if self.cancel.load(Ordering::SeqCst) {
            Err(PgoError::Interrupted)
        } else {
            Ok(())
        }
    }

    fn reset_dir(&self, dir: &Path) -> Result<(), PgoError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|source| PgoError::Io {
                action: "empty",
                path: dir.to_owned(),
                source,
            })?;
        }
        std::fs::create_dir_all(dir).map_err(|source| PgoError::Io {
            action: "create",
            path: dir.to_owned(),
            source,
        })
    }

    /// Runs one step's process; interruption is an error, anything else is the caller's call.
    fn step(
        &mut self,
        name: &str,
        cost: Cost,
        command: std::process::Command,
        display: String,
        timeout: Option<Duration>,
    ) -> Result<exec::Finished, PgoError> {
        self.check_cancel()?;
        (self.progress)(&PgoProgress::Started { step: name });
        let done = supervised(command, timeout, self.cancel).map_err(|source| PgoError::Spawn {
            command: display.clone(),
            source,
        })?;
        if done.interrupted || self.cancel.load(Ordering::SeqCst) {
            return Err(PgoError::Interrupted);
        }
        if done.success() {
            (self.progress)(&PgoProgress::Finished {
                step: name,
                wall: done.wall,
            });
            self.steps.push((
                cost,
                PgoStep {
                    name: name.to_owned(),
                    command: display,
                    wall_s: done.wall.as_secs_f64(),
                },
            ));
        }
        Ok(done)
    }

    fn cargo(&self, dir: &str, extra: &[String]) -> CargoCli {
        let plan = self.plan;
        let mut options = plan.cargo.clone();
        options.color = Some(Color::Never);
        let mut flags = plan.rustflags.clone();
        flags.extend(extra.iter().cloned());
        let mut cli = CargoCli::new(&["build"], &options)
            .args(["--release", "-p", &plan.package, "--bin", &plan.bin])
            .env("CARGO_TARGET_DIR", plan.work_dir.join(dir))
            .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
            // A compiler cache would hand back objects built without the profile.
            .env("RUSTC_WRAPPER", "")
            .env("RUSTC_WORKSPACE_WRAPPER", "");
        if let Some(jobs) = plan.jobs {
            cli = cli.env("CARGO_BUILD_JOBS", jobs.to_string());
        }
        cli
    }

    fn build(
        &mut self,
        what: &str,
        cost: Cost,
        dir: &str,
        extra: &[String],
    ) -> Result<PathBuf, PgoError> {
        self.build_capturing(what, cost, dir, extra).map(|(b, _)| b)
    }

    fn build_capturing(
        &mut self,
        what: &str,
        cost: Cost,
        dir: &str,
        extra: &[String],
    ) -> Result<(PathBuf, String), PgoError> {
        let cli = self.cargo(dir, extra);
        let display = cli.display();
        let done = self.step(
            &format!("{what} build"),
            cost,
            cli.to_command(),
            display.clone(),
            None,
        )?;
        if !done.success() {
            return Err(PgoError::Build {
                what: what.to_owned(),
                command: display,
                status: done.status_text(),
                last_lines: done.tail(TAIL),
            });
        }
        let binary = self.plan.work_dir.join(dir).join("release").join(format!(
            "{}{}",
            self.plan.bin,
            std::env::consts::EXE_SUFFIX
        ));
        if !binary.is_file() {
            return Err(PgoError::Build {
                what: what.to_owned(),
                command: display,
                status: format!("cargo succeeded but left no {}", binary.display()),
                last_lines: Vec::new(),
            });
        }
        Ok((binary, done.stderr.join("\n")))
    }

    fn tool(
        &mut self,
        name: &str,
        cost: Cost,
        what: &str,
        cmd: &ToolCommand,
    ) -> Result<exec::Finished, PgoError> {
        let display = cmd.display();
        let done = self.step(name, cost, cmd.to_command(), display.clone(), None)?;
        if !done.success() {
            return Err(PgoError::Tool {
                step: what.to_owned(),
                command: display,
                status: done.status_text(),
                last_lines: done.tail(TAIL),
            });
        }
        Ok(done)
    }

    fn workload(&self, binary: &Path) -> ToolCommand {
        ToolCommand::new(binary)
            .args(&self.plan.workload)
            .current_dir(&self.plan.workload_dir)
    }

    fn workload_error(&self, step: &str, command: String, done: &exec::Finished) -> PgoError {
        let (outcome, fix) = if done.timed_out {
            (
                format!(
                    "ran past the {}s timeout and was stopped",
                    self.plan.timeout.as_secs_f64()
                ),
                "raise --timeout, or give a workload that finishes",
            )
        } else {
            (
                format!("exited with {}", done.status_text()),
                "the arguments after `--` must make the binary exit successfully",
            )
        };
        PgoError::Workload {
            step: step.to_owned(),
            command,
            outcome,
            last_lines: done.tail(TAIL),
            fix: fix.to_owned(),
        }
    }

    /// Runs the instrumented `binary` `training_runs` times; returns the profile files. Any
    /// failure removes `dir`, so that no partial profile survives.
    fn train(
        &mut self,
        binary: &Path,
        dir: &Path,
        label: &str,
        kind: TrainKind,
    ) -> Result<Vec<PathBuf>, PgoError> {
        let result = self.train_inner(binary, dir, label, kind);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(dir);
        }
        result
    }

    fn train_inner(
        &mut self,
        binary: &Path,
        dir: &Path,
        label: &str,
        kind: TrainKind,
    ) -> Result<Vec<PathBuf>, PgoError> {
        let (ext, cost) = match kind {
            TrainKind::Llvm => ("profraw", Cost::Profile),
            TrainKind::Bolt => ("fdata", Cost::Bolt),
        };
        let mut files = Vec::new();
        for i in 1..=self.plan.training_runs {
            let step = format!("{label} run {i}");
            let mut cmd = self.workload(binary);
            if kind == TrainKind::Llvm {
                // One file per process: a workload that starts the binary again keeps both.
                cmd = cmd.env("LLVM_PROFILE_FILE", dir.join(format!("run{i}-%p.profraw")));
            }
            let before = list(dir, ext)?;
            let display = cmd.display();
            let done = self.step(
                &step,
                cost,
                cmd.to_command(),
                display.clone(),
                Some(self.plan.timeout),
            )?;
            if !done.success() {
                return Err(self.workload_error(&step, display, &done));
            }
            let new: Vec<PathBuf> = list(dir, ext)?
                .into_iter()
                .filter(|f| !before.contains(f))
                .collect();
            if new.is_empty() {
                return Err(PgoError::NoProfile {
                    step,
                    kind: if kind == TrainKind::Llvm {
                        ".profraw"
                    } else {
                        ".fdata"
                    },
                    dir: dir.to_owned(),
                    command: display,
                });
            }
            files.extend(new);
        }
        Ok(files)
    }

    /// Links a PGO build with relocations kept, checks BOLT can read it, instruments it,
    /// trains, merges and optimises; returns the optimised binary.
    fn bolt(&mut self, tools: &BoltTools, use_flags: &[String]) -> Result<PathBuf, PgoError> {
        let mut flags = use_flags.to_vec();
        flags.push("-Clink-arg=-Wl,--emit-relocs".to_owned());
        let input = match self.build("bolt input", Cost::Bolt, "bolt-input", &flags) {
            // lld refuses the two outright; the build cannot produce a binary BOLT could read.
            Err(PgoError::Build { last_lines, .. })
                if last_lines
                    .iter()
                    .any(|l| l.contains("--strip-all and --emit-relocs")) =>
            {
                return Err(PgoError::BoltInput {
                    binary: self.plan.work_dir.join("bolt-input"),
                    reason: "the binary is stripped, and the linker cannot keep relocations in a stripped binary".to_owned(),
                    fix: STRIP_FIX.to_owned(),
                });
            }
            other => other?,
        };
        check_bolt_input(&input)?;
        let dir = self.plan.work_dir.join("bolt");
        self.reset_dir(&dir)?;
        let profiles = dir.join("profiles");
        self.reset_dir(&profiles)?;
        let instrumented = dir.join(&self.plan.bin).with_extension("instrumented");
        let cmd = ToolCommand::new(&tools.bolt)
            .arg(&input)
            .args(["-instrument", "-o"])
            .arg(&instrumented)
            .arg(format!(
                "--instrumentation-file={}",
                profiles.join("prof.fdata").display()
            ))
            .arg("--instrumentation-file-append-pid");
        self.tool(
            "bolt instrument",
            Cost::Bolt,
            "instrument the binary with BOLT",
            &cmd,
        )?;
        let fdata = self.train(&instrumented, &profiles, "bolt training", TrainKind::Bolt)?;
        let merged = dir.join("merged.fdata");
        let cmd = ToolCommand::new(&tools.merge_fdata)
            .args(&fdata)
            .arg("-o")
            .arg(&merged);
        self.tool("bolt merge", Cost::Bolt, "merge the BOLT profiles", &cmd)?;
        let output = dir.join(&self.plan.bin);
        let cmd = ToolCommand::new(&tools.bolt)
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .arg(format!("-data={}", merged.display()))
            .args([
                "-reorder-blocks=ext-tsp",
                "-reorder-functions=cdsort",
                "-split-functions",
                "-split-all-cold",
                "-split-eh",
                "-icf=1",
                "-use-gnu-stack",
                "-dyno-stats",
            ]);
        let display = cmd.display();
        self.tool(
            "bolt optimise",
            Cost::Bolt,
            "optimise the binary with BOLT",
            &cmd,
        )?;
        let sections = section_names(&output).map_err(|source| PgoError::Io {
            action: "read",
            path: output.clone(),
            source,
        })?;
        if !sections.is_some_and(|s| s.iter().any(|n| n == ".note.bolt_info")) {
            return Err(PgoError::BoltNotApplied {
                command: display,
                binary: output,
            });
        }
        Ok(output)
    }

    /// One warm-up of each binary, then `runs` interleaved rounds; the wall times per binary.
    fn compare(&mut self, binaries: &[(&str, PathBuf)]) -> Result<Vec<Vec<f64>>, PgoError> {
        let mut walls = vec![Vec::new(); binaries.len()];
        for round in 0..=self.plan.runs {
            for (i, (name, binary)) in binaries.iter().enumerate() {
                let step = if round == 0 {
                    format!("{name} warm-up")
                } else {
                    format!("{name} run {round}")
                };
                let cmd = self.workload(binary);
                let display = cmd.display();
                self.check_cancel()?;
                (self.progress)(&PgoProgress::Started { step: &step });
                let done = supervised(cmd.to_command(), Some(self.plan.timeout), self.cancel)
                    .map_err(|source| PgoError::Spawn {
                        command: display.clone(),
                        source,
                    })?;
                if done.interrupted || self.cancel.load(Ordering::SeqCst) {
                    return Err(PgoError::Interrupted);
                }
                if !done.success() {
                    return Err(self.workload_error(&step, display, &done));
                }
                (self.progress)(&PgoProgress::Finished {
                    step: &step,
                    wall: done.wall,
                });
                if round > 0 {
                    walls[i].push(done.wall.as_secs_f64());
                }
            }
        }
        Ok(walls)
    }
}

/// Refuses `--bolt` before any build when the release profile strips symbols: the link that
/// keeps relocations for BOLT cannot strip (lld refuses the pair), and BOLT needs the symbols.
pub fn check_release_strip(profiles: &[EffectiveProfile]) -> Result<(), PgoError> {
    let Some(strip) = profiles
        .iter()
        .find(|p| p.name == "release")
        .and_then(|p| p.values.iter().find(|v| v.key == "strip"))
    else {
        return Ok(());
    };
    let strips_symbols = matches!(&strip.value, serde_json::Value::Bool(true))
        || strip.value.as_str() == Some("symbols");
    if !strips_symbols {
        return Ok(());
    }
    let place = strip.source.place();
    Err(PgoError::StrippedProfile {
        value: strip.value.to_string(),
        place,
    })
}

const STRIP_FIX: &str = "set `strip = false` (or \"debuginfo\") in [profile.release], and check that neither CARGO_PROFILE_RELEASE_STRIP nor a `-Cstrip` rustflag strips symbols";

/// BOLT needs the symbol table and the relocations the link kept (`--emit-relocs`).
fn check_bolt_input(binary: &Path) -> Result<(), PgoError> {
    let sections = section_names(binary).map_err(|source| PgoError::Io {
        action: "read",
        path: binary.to_owned(),
        source,
    })?;
    let Some(sections) = sections else {
        return Err(PgoError::BoltInput {
            binary: binary.to_owned(),
            reason: "it is not a 64-bit little-endian ELF file".to_owned(),
            fix: "BOLT only rewrites ELF binaries (Linux x86-64 and AArch64)".to_owned(),
        });
    };
    if !sections.iter().any(|s| s == ".symtab") {
        return Err(PgoError::BoltInput {
            binary: binary.to_owned(),
            reason: "the binary is stripped (it has no .symtab)".to_owned(),
            fix: STRIP_FIX.to_owned(),
        });
    }
    if !sections.iter().any(|s| s.starts_with(".rela.text")) {
        return Err(PgoError::BoltInput {
            binary: binary.to_owned(),
            reason: "the link kept no relocations (no .rela.text section)".to_owned(),
            fix: "link with a linker that honours `-Wl,--emit-relocs` (ld.bfd, lld or mold), and do not strip the binary".to_owned(),
        });
    }
    Ok(())
}

/// The files with extension `ext` directly in `dir`, sorted.
fn list(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, PgoError> {
    let entries = std::fs::read_dir(dir).map_err(|source| PgoError::Io {
        action: "list",
        path: dir.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == ext)
                || (ext == "fdata"
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.contains(".fdata")))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Runs one step's process: stdout discarded, all of stderr kept (a build's warnings are read
/// afterwards), no memory sampled.
fn supervised(
    command: std::process::Command,
    timeout: Option<Duration>,
    cancel: &AtomicBool,
) -> std::io::Result<exec::Finished> {
    let how = exec::Supervision {
        cancel,
        timeout,
        memory: false,
        stderr: exec::Keep::All,
    };
    exec::run(command, &how, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_profile_warnings_are_picked_from_rustc_output() {
        let stderr = "   Compiling vm v0.1.0\nwarning: /w/src/lib.rs: no profile data available for function _ZN2vm3run17h (pgo)\nwarning: `vm` (lib) generated 1 warning\n    Finished `release` profile\n";
        let found = missing_profile_warnings(stderr);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("_ZN2vm3run"));
        assert!(missing_profile_warnings("    Finished `release`\n").is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn an_llvm_mismatch_names_what_is_installed_and_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("llvm-profdata-14");
        std::fs::File::create(&tool).unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut env = Environment::probe(Path::new(".")).unwrap();
        env.tools = crate::probe::Tools::scan(Some(dir.path().as_os_str()));
        env.sysroot = None;
        env.rustc.llvm_version = Some("22.1.2".to_owned());
        let err = find_tools(&env, false).unwrap_err().to_string();
        assert!(err.contains("LLVM 22"), "{err}");
        assert!(err.contains("llvm-profdata-14 (LLVM 14)"), "{err}");
        assert!(err.contains("apt-get install llvm-22"), "{err}");

        let right = dir.path().join("llvm-profdata-22");
        std::fs::File::create(&right).unwrap();
        std::fs::set_permissions(&right, std::fs::Permissions::from_mode(0o755)).unwrap();
        env.tools = crate::probe::Tools::scan(Some(dir.path().as_os_str()));
        assert_eq!(find_tools(&env, false).unwrap().profdata, right);
        let err = find_tools(&env, true).unwrap_err().to_string();
        assert!(err.contains("apt-get install bolt-22"), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn bolt_input_without_relocations_or_symbols_is_refused_with_the_fix() {
        // The test binary is linked as usual: symbols, but no --emit-relocs.
        let exe = std::env::current_exe().unwrap();
        let err = check_bolt_input(&exe).unwrap_err().to_string();
        assert!(err.contains("no .rela.text"), "{err}");
        assert!(err.contains("--emit-relocs"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let stripped = dir.path().join("stripped");
        ToolCommand::new("objcopy")
            .arg("--strip-all")
            .arg(&exe)
            .arg(&stripped)
            .output()
            .expect("objcopy strips the copy (apt-get install binutils)");
        let err = check_bolt_input(&stripped).unwrap_err().to_string();
        assert!(err.contains("stripped (it has no .symtab)"), "{err}");
        assert!(err.contains("strip = false"), "{err}");

        let script = dir.path().join("script");
        crate::fsutil::write_atomic(&script, b"#!/bin/sh\n").unwrap();
        let err = check_bolt_input(&script).unwrap_err().to_string();
        assert!(err.contains("not a 64-bit little-endian ELF"), "{err}");
    }

    #[test]
    fn build_and_size_costs_are_ratios_to_the_baseline() {
        let variant = |name: &str, build_s: f64, bytes: u64, runs: &[f64]| PgoVariant {
            name: name.to_owned(),
            binary: String::new(),
            binary_bytes: bytes,
            build_s,
            runs_s: runs.to_vec(),
            summary: stats::summarize(runs),
        };
        let base = variant("baseline", 10.0, 1000, &[1.0; 10]);
        let pgo = variant("pgo", 25.0, 1100, &[0.8; 10]);
        let c = comparison(&base, &pgo);
        assert_eq!(c.pairs, 10);
        assert!((c.ratio.unwrap() - 0.8).abs() < 1e-9);
        assert_eq!(c.verdict, Verdict::Faster);
        assert!((c.build_ratio - 2.5).abs() < 1e-9 && (c.size_ratio - 1.1).abs() < 1e-9);
    }
}
