//! Why `cargo tune pgo` stopped.

use std::path::PathBuf;

use super::tools::STRIP_FIX;
use crate::errors::{IoError, SpawnError};

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
    #[error(transparent)]
    Io(#[from] IoError),
    /// A process could not be started.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
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
