//! What a command tells its caller while it works: the progress of builds, status lines, notes
//! and warnings; and how the caller stops it (Ctrl-C). The engine never prints: the binary turns
//! these into a progress bar and lines on stderr.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::Scenario;

/// Which run of a variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunLabel {
    /// Prepares the target directory; not measured.
    WarmUp,
    /// The n-th measured run, from 1.
    Measured(usize),
    /// The workload's unmeasured first run with a variant's build.
    WorkloadWarmUp,
    /// The workload's n-th measured run with a variant's build, from 1.
    Workload(usize),
}

impl std::fmt::Display for RunLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunLabel::WarmUp => f.write_str("warm-up"),
            RunLabel::Measured(n) => write!(f, "run {n}"),
            RunLabel::WorkloadWarmUp => f.write_str("workload warm-up"),
            RunLabel::Workload(n) => write!(f, "workload run {n}"),
        }
    }
}

/// The progress of a run of builds (or of any measured commands), for the caller to display.
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

/// Where a command's progress and messages go, and what stops it.
pub trait Events {
    /// A measured run starts or ends.
    fn progress(&mut self, event: &Progress<'_>);
    /// Measuring has stopped for now: a progress display is cleared before other output.
    fn idle(&mut self) {}
    /// One step of work, cargo-style (`Measuring workload.x run 1 (2/6)`).
    fn status(&mut self, verb: &str, text: &str);
    /// Something the user should know.
    fn note(&mut self, text: &str);
    /// Something that may be wrong, but does not stop the command.
    fn warning(&mut self, text: &str);
    /// What went wrong, told before the command ends with its failure.
    fn error(&mut self, text: &str);
    /// Set when the command must stop (Ctrl-C): the engine polls it, kills what it started,
    /// restores what it changed and returns [`super::Failure::Interrupted`].
    fn cancel(&self) -> Arc<AtomicBool>;
}

/// Events nobody watches, and a flag nobody raises: for tests and for work done beside another
/// command.
#[derive(Debug, Default)]
pub struct Quiet {
    cancel: Arc<AtomicBool>,
}

impl Events for Quiet {
    fn progress(&mut self, _: &Progress<'_>) {}
    fn status(&mut self, _: &str, _: &str) {}
    fn note(&mut self, _: &str) {}
    fn warning(&mut self, _: &str) {}
    fn error(&mut self, _: &str) {}
    fn cancel(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }
}
