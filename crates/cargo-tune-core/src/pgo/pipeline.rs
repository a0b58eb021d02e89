//! The pipeline: builds, training runs, `llvm-profdata merge`, the optimised build, BOLT, and
//! the interleaved runtime comparison, each step a supervised process.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cargo_tune_schema::{
    FORMAT_VERSION, PgoComparison, PgoContext, PgoReport, PgoStep, PgoVariant, ProfileSummary,
    ToolInfo, Verdict,
};

use super::tools::{STRIP_FIX, check_bolt_input};
use super::{BoltTools, PgoError, PgoTools, missing_profile_warnings, section_names};
use crate::cargo::{CargoCli, CargoOptions, Color, ToolCommand};
use crate::errors::{IoError, SpawnError};
use crate::exec;
use crate::measure::stats;
use crate::probe::Environment;

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
pub(super) fn comparison(baseline: &PgoVariant, variant: &PgoVariant) -> PgoComparison {
    let ratios = stats::pair_ratios(&baseline.runs_s, &variant.runs_s);
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
    Ok(std::fs::metadata(path)
        .map_err(IoError::at("read the size of", path))?
        .len())
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
            std::fs::remove_dir_all(dir).map_err(IoError::at("empty", dir))?;
        }
        std::fs::create_dir_all(dir).map_err(IoError::at("create", dir))?;
        Ok(())
    }

    /// Runs one process with its progress; interruption is an error, anything else is the
    /// caller's call.
    fn run(
        &mut self,
        name: &str,
        command: std::process::Command,
        display: &str,
        timeout: Option<Duration>,
    ) -> Result<exec::Finished, PgoError> {
        self.check_cancel()?;
        (self.progress)(&PgoProgress::Started { step: name });
        let done = supervised(command, timeout, self.cancel)
            .map_err(SpawnError::of(display.to_owned()))?;
        if done.interrupted || self.cancel.load(Ordering::SeqCst) {
            return Err(PgoError::Interrupted);
        }
        if done.success() {
            (self.progress)(&PgoProgress::Finished {
                step: name,
                wall: done.wall,
            });
        }
        Ok(done)
    }

    /// As [`Pipeline::run`], for a step the record lists with its cost once it succeeds; a step
    /// that fails is the error `failed` makes of its command and what it left.
    fn step(
        &mut self,
        name: &str,
        cost: Cost,
        command: std::process::Command,
        display: String,
        timeout: Option<Duration>,
        failed: impl FnOnce(String, &exec::Finished) -> PgoError,
    ) -> Result<exec::Finished, PgoError> {
        let done = self.run(name, command, &display, timeout)?;
        if !done.success() {
            return Err(failed(display, &done));
        }
        self.steps.push((
            cost,
            PgoStep {
                name: name.to_owned(),
                command: display,
                wall_s: done.wall.as_secs_f64(),
            },
        ));
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
            |command, done| PgoError::Build {
                what: what.to_owned(),
                command,
                status: done.status_text(),
                last_lines: done.tail(TAIL),
            },
        )?;
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
        self.step(
            name,
            cost,
            cmd.to_command(),
            cmd.display(),
            None,
            |command, done| PgoError::Tool {
                step: what.to_owned(),
                command,
                status: done.status_text(),
                last_lines: done.tail(TAIL),
            },
        )
    }

    fn workload(&self, binary: &Path) -> ToolCommand {
        ToolCommand::new(binary)
            .args(&self.plan.workload)
            .current_dir(&self.plan.workload_dir)
    }

    fn workload_error(
        timeout: Duration,
        step: &str,
        command: String,
        done: &exec::Finished,
    ) -> PgoError {
        let (outcome, fix) = if done.timed_out {
            (
                format!(
                    "ran past the {}s timeout and was stopped",
                    timeout.as_secs_f64()
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
            let timeout = self.plan.timeout;
            self.step(
                &step,
                cost,
                cmd.to_command(),
                display.clone(),
                Some(timeout),
                |command, done| Self::workload_error(timeout, &step, command, done),
            )?;
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
        let sections = section_names(&output).map_err(IoError::at("read", &output))?;
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
                let done = self.run(&step, cmd.to_command(), &display, Some(self.plan.timeout))?;
                if !done.success() {
                    return Err(Self::workload_error(
                        self.plan.timeout,
                        &step,
                        display,
                        &done,
                    ));
                }
                if round > 0 {
                    walls[i].push(done.wall.as_secs_f64());
                }
            }
        }
        Ok(walls)
    }
}

/// The files with extension `ext` directly in `dir`, sorted.
fn list(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, PgoError> {
    let entries = std::fs::read_dir(dir).map_err(IoError::at("list", dir))?;
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
        stderr_matching: None,
    };
    exec::run(command, &how, None)
}
