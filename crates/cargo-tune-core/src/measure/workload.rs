//! Any command measured like a build scenario: one warm-up, then N runs, each in its own
//! process group with the same process-tree memory sampler, a timeout, and Ctrl-C polled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{MeasureError, RunLabel};
use crate::cargo::ToolCommand;
use crate::exec::{self, Supervision};

/// One measured run of a workload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkloadRun {
    /// Wall time, seconds.
    pub wall_s: f64,
    /// Peak of the summed resident set size of the process tree, bytes, if sampled.
    pub peak_tree_rss_bytes: Option<u64>,
}

/// What the runs of a workload produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkloadOutcome {
    /// The measured runs that succeeded, in order.
    pub runs: Vec<WorkloadRun>,
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
        if cancel.load(Ordering::SeqCst) {
            return Err(MeasureError::Interrupted);
        }
        progress(label);
        let run = run_once(command, timeout, cancel)?;
        if run.interrupted || cancel.load(Ordering::SeqCst) {
            return Err(MeasureError::Interrupted);
        }
        if let Some(failure) = run.failure {
            outcome.failure = Some(format!("{label}: {failure}"));
            break;
        }
        if let RunLabel::Measured(_) = label {
            outcome.runs.push(run.run);
        }
    }
    Ok(outcome)
}

struct Once {
    run: WorkloadRun,
    failure: Option<String>,
    interrupted: bool,
}

fn run_once(
    command: &ToolCommand,
    timeout: Duration,
    cancel: &AtomicBool,
) -> Result<Once, MeasureError> {
    let how = Supervision {
        timeout: Some(timeout),
        stderr: exec::Keep::Tail(TAIL_LINES),
        ..Supervision::new(cancel)
    };
    let done =
        exec::run(command.to_command(), &how, None).map_err(|source| MeasureError::Spawn {
            command: command.display(),
            source,
        })?;
    let failure = if done.timed_out {
        Some(format!(
            "`{}` was killed after the timeout of {}s",
            command.display(),
            timeout.as_secs_f64()
        ))
    } else if !done.status.success() {
        let mut text = format!("`{}` failed ({})", command.display(), done.status);
        if !done.stderr.is_empty() {
            text.push_str(": ");
            text.push_str(&done.stderr.join(" / "));
        }
        Some(text)
    } else {
        None
    };
    Ok(Once {
        run: WorkloadRun {
            wall_s: done.wall.as_secs_f64(),
            peak_tree_rss_bytes: done.peak_tree_rss,
        },
        failure,
        interrupted: done.interrupted,
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
