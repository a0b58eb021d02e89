//! Any command measured like a build scenario: one warm-up, then N runs, each in its own
//! process group with the same process-tree memory sampler, a timeout, and Ctrl-C polled. The
//! workloads themselves (a command, or one of the workspace's binaries) and where a build
//! leaves a binary, for `try`, `bench`, `plan` and `guard` alike.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{MeasureError, RunLabel};
use crate::cargo::ToolCommand;
use crate::cargo::metadata::{Metadata, TargetKind};
use crate::exec::{self, Supervision};

/// A workload runs this long at most by default; a hung command must not hang a measurement.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// How a workload is started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkloadRun {
    /// `command = ["prog", "arg", …]`: run as is.
    Argv(Vec<String>),
    /// `command = "…"`: run by `sh -c`.
    Shell(String),
    /// `bin = "name"` or `--workload-bin NAME`: the workspace's own binary.
    Bin {
        /// The binary target.
        name: String,
        /// Its arguments.
        args: Vec<String>,
        /// The cargo profile `guard` builds it with; a measurement runs each variant's own
        /// build instead.
        profile: String,
    },
}

/// A custom workload: a command measured like a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Its name (`[…slo.workload.<name>]`, or the binary's).
    pub name: String,
    /// What runs.
    pub run: WorkloadRun,
    /// A run taking longer is killed and fails.
    pub timeout: Duration,
    /// Runs, overriding the command's default.
    pub runs: Option<usize>,
}

impl Workload {
    /// `--workload-bin NAME -- ARGS`.
    pub fn bin(name: &str, args: Vec<String>, timeout: Duration) -> Workload {
        Workload {
            name: name.to_owned(),
            run: WorkloadRun::Bin {
                name: name.to_owned(),
                args,
                profile: "release".to_owned(),
            },
            timeout,
            runs: None,
        }
    }

    /// The binary target it runs, if it runs one of the workspace's.
    pub fn bin_name(&self) -> Option<&str> {
        match &self.run {
            WorkloadRun::Bin { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Its command with the binary's path left out, for reports.
    pub fn words(&self) -> Vec<String> {
        match &self.run {
            WorkloadRun::Argv(argv) => argv.clone(),
            WorkloadRun::Shell(script) => vec!["sh".to_owned(), "-c".to_owned(), script.clone()],
            WorkloadRun::Bin { name, args, .. } => std::iter::once(name.clone())
                .chain(args.iter().cloned())
                .collect(),
        }
    }

    /// The command that runs it with the binaries of `bin_dir` (a build's `target/<profile>`),
    /// in `cwd`. A command workload finds them first on `PATH` and in `CARGO_TUNE_BIN_DIR`.
    pub fn command(&self, bin_dir: &Path, cwd: &Path) -> ToolCommand {
        let cmd = match &self.run {
            WorkloadRun::Bin { name, args, .. } => {
                ToolCommand::new(binary(bin_dir, name)).args(args)
            }
            WorkloadRun::Argv(argv) => ToolCommand::new(&argv[0]).args(&argv[1..]),
            WorkloadRun::Shell(script) => ToolCommand::new("sh").args(["-c", script]),
        };
        let cmd = if self.bin_name().is_none() {
            let mut path = std::ffi::OsString::from(bin_dir.as_os_str());
            if let Some(rest) = std::env::var_os("PATH") {
                path.push(":");
                path.push(rest);
            }
            cmd.env("PATH", path).env("CARGO_TUNE_BIN_DIR", bin_dir)
        } else {
            cmd
        };
        cmd.current_dir(cwd)
    }
}

/// The directory under a target directory where cargo puts the binaries of `profile`.
pub fn profile_dir(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        "bench" | "release" => "release",
        other => other,
    }
}

/// The path of binary target `name` in `bin_dir`.
pub fn binary(bin_dir: &Path, name: &str) -> PathBuf {
    bin_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The binary targets of the workspace members, sorted.
pub fn workspace_bins(metadata: &Metadata) -> Vec<String> {
    let mut names: Vec<String> = metadata
        .workspace_packages()
        .iter()
        .flat_map(|p| p.targets.iter())
        .filter(|t| t.kind.contains(&TargetKind::Bin))
        .map(|t| t.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether a workspace member has binary target `name`; the error names those there are.
pub fn check_bin(metadata: &Metadata, name: &str) -> Result<(), String> {
    let bins = workspace_bins(metadata);
    if bins.iter().any(|b| b == name) {
        return Ok(());
    }
    Err(format!(
        "no workspace member has a binary target `{name}`; {}",
        if bins.is_empty() {
            "the workspace builds no binary".to_owned()
        } else {
            format!("the workspace builds: {}", bins.join(", "))
        }
    ))
}

/// The largest of the binaries `bins` in `bin_dir`, with its name.
pub fn largest_binary(bin_dir: &Path, bins: &[String]) -> Option<(String, u64)> {
    bins.iter()
        .filter_map(|name| {
            std::fs::metadata(binary(bin_dir, name))
                .ok()
                .map(|m| (name.clone(), m.len()))
        })
        .max_by_key(|(_, size)| *size)
}

/// One measured run of a workload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkloadSample {
    /// Wall time, seconds.
    pub wall_s: f64,
    /// Peak of the summed resident set size of the process tree, bytes, if sampled.
    pub peak_tree_rss_bytes: Option<u64>,
}

/// What the runs of a workload produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkloadOutcome {
    /// The measured runs that succeeded, in order.
    pub runs: Vec<WorkloadSample>,
    /// Why the runs stopped early: a non-zero exit (with the last lines of stderr) or the
    /// timeout.
    pub failure: Option<String>,
}

const TAIL_LINES: usize = 5;

/// Runs `command` once to warm up and then `runs` times; a run that exits non-zero or outlives
/// `timeout` ends the workload with a failure. `cancel` stops it with
/// [`MeasureError::Interrupted`], the process group killed.
pub fn measure_workload(
    command: &ToolCommand,
    runs: usize,
    timeout: Duration,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(RunLabel),
) -> Result<WorkloadOutcome, MeasureError> {
    let mut outcome = WorkloadOutcome::default();
    let labels = std::iter::once(RunLabel::WarmUp).chain((1..=runs).map(RunLabel::Measured));
    for label in labels {
        let run = run_once(command, timeout, cancel, || progress(label))?;
        if let Some(failure) = run.failure_text(command, timeout) {
            outcome.failure = Some(format!("{label}: {failure}"));
            break;
        }
        if let RunLabel::Measured(_) = label {
            outcome.runs.push(run.sample);
        }
    }
    Ok(outcome)
}

/// One run of a workload, as the supervisor saw it end.
pub(crate) struct Once {
    pub(crate) sample: WorkloadSample,
    /// Its exit status, as text.
    pub(crate) status: String,
    pub(crate) ok: bool,
    pub(crate) timed_out: bool,
    /// The last lines of its stderr.
    pub(crate) stderr: Vec<String>,
}

impl Once {
    /// Why the run failed, in one line; `None` when it did not.
    fn failure_text(&self, command: &ToolCommand, timeout: Duration) -> Option<String> {
        if self.timed_out {
            Some(format!(
                "`{}` was killed after the timeout of {}s",
                command.display(),
                timeout.as_secs_f64()
            ))
        } else if !self.ok {
            let mut text = format!("`{}` failed ({})", command.display(), self.status);
            if !self.stderr.is_empty() {
                text.push_str(": ");
                text.push_str(&self.stderr.join(" / "));
            }
            Some(text)
        } else {
            None
        }
    }
}

/// Runs `command` once under the supervisor, its output discarded but for stderr's last lines;
/// `started` is called just before it starts. Cancelling, before or during, is
/// [`MeasureError::Interrupted`].
pub(crate) fn run_once(
    command: &ToolCommand,
    timeout: Duration,
    cancel: &AtomicBool,
    started: impl FnOnce(),
) -> Result<Once, MeasureError> {
    if cancel.load(Ordering::SeqCst) {
        return Err(MeasureError::Interrupted);
    }
    started();
    let how = Supervision {
        timeout: Some(timeout),
        stderr: exec::Keep::Tail(TAIL_LINES),
        ..Supervision::new(cancel)
    };
    let done = exec::run(command.to_command(), &how, None)
        .map_err(crate::errors::SpawnError::of(command.display()))?;
    if done.interrupted || cancel.load(Ordering::SeqCst) {
        return Err(MeasureError::Interrupted);
    }
    Ok(Once {
        sample: WorkloadSample {
            wall_s: done.wall.as_secs_f64(),
            peak_tree_rss_bytes: done.peak_tree_rss,
        },
        status: if done.timed_out {
            format!("killed after the timeout of {}s", timeout.as_secs_f64())
        } else {
            done.status.to_string()
        },
        ok: done.status.success() && !done.timed_out,
        timed_out: done.timed_out,
        stderr: done.stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_timed_and_failures_and_timeouts_end_the_workload() {
        let cancel = AtomicBool::new(false);
        let mut labels = Vec::new();
        let ok = measure_workload(
            &ToolCommand::new("sh").args(["-c", "sleep 0.1"]),
            2,
            Duration::from_secs(30),
            &cancel,
            &mut |l| labels.push(l),
        )
        .unwrap();
        assert_eq!(
            labels,
            [
                RunLabel::WarmUp,
                RunLabel::Measured(1),
                RunLabel::Measured(2)
            ]
        );
        assert_eq!(ok.runs.len(), 2);
        assert!(ok.runs.iter().all(|r| r.wall_s >= 0.1), "{ok:?}");
        // Even a run shorter than the sampling interval has its memory measured.
        let quick = measure_workload(
            &ToolCommand::new("true"),
            1,
            Duration::from_secs(30),
            &cancel,
            &mut |_| {},
        )
        .unwrap();
        assert!(
            quick.runs[0].peak_tree_rss_bytes.unwrap() > 64 << 10,
            "{quick:?}"
        );
        assert_eq!(ok.failure, None);

        let failed = measure_workload(
            &ToolCommand::new("sh").args(["-c", "echo broken input >&2; exit 3"]),
            2,
            Duration::from_secs(30),
            &cancel,
            &mut |_| {},
        )
        .unwrap();
        let text = failed.failure.unwrap();
        assert!(
            text.starts_with("warm-up: ") && text.contains("exit status: 3"),
            "{text}"
        );
        assert!(text.contains("broken input"), "{text}");

        let slow = measure_workload(
            &ToolCommand::new("sleep").arg("30"),
            1,
            Duration::from_millis(200),
            &cancel,
            &mut |_| {},
        )
        .unwrap();
        assert!(slow.failure.unwrap().contains("timeout"));
    }
}
