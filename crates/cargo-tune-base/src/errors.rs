//! Errors of the engine. Messages are lowercase fragments that read well after "failed to".

use std::path::{Path, PathBuf};

/// A process cargo-tune spawned could not be run or reported failure.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The program could not be started at all.
    #[error("run `{command}`: {source}")]
    Spawn {
        /// The command line, for the user to re-run.
        command: String,
        /// Why it could not start.
        #[source]
        source: std::io::Error,
    },
    /// The program ran and exited unsuccessfully.
    #[error("run `{command}` ({status}){}", stderr_tail(.stderr))]
    Failed {
        /// The command line, for the user to re-run.
        command: String,
        /// How it exited.
        status: std::process::ExitStatus,
        /// What it wrote to stderr.
        stderr: String,
    },
}

fn stderr_tail(stderr: &str) -> String {
    let trimmed = stderr.trim();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!(":\n{trimmed}")
    }
}

/// A file or directory could not be handled.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct IoError {
    /// What was being done.
    pub action: &'static str,
    /// Where.
    pub path: PathBuf,
    /// Cause.
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    /// The error of an I/O failure while doing `action` on `path`, for `map_err`.
    pub fn at(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| IoError {
            action,
            path,
            source,
        }
    }
}

/// A process could not be started.
#[derive(Debug, thiserror::Error)]
#[error("run `{command}`: {source}")]
pub struct SpawnError {
    /// The command.
    pub command: String,
    /// Cause.
    #[source]
    pub source: std::io::Error,
}

impl SpawnError {
    /// The error of `command` failing to start, for `map_err`.
    pub fn of(command: String) -> impl FnOnce(std::io::Error) -> Self {
        move |source| SpawnError { command, source }
    }
}

/// A tool something needs is not on `PATH`.
#[derive(Debug, thiserror::Error)]
#[error("use {what}: `{tool}` is not on PATH (install it: {install})")]
pub struct MissingTool {
    /// What needed it.
    pub what: String,
    /// The executable.
    pub tool: String,
    /// How to install it.
    pub install: String,
}

/// The workspace could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `cargo metadata` failed.
    #[error("read the workspace with cargo metadata")]
    Metadata(#[source] CommandError),
    /// The metadata JSON could not be parsed.
    #[error("parse cargo metadata output from {origin}: {source}")]
    MetadataJson {
        /// Where the JSON came from.
        origin: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A file could not be read.
    #[error("read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A TOML file (manifest, config, lockfile, toolchain pin) is malformed.
    #[error("parse {}:{line}:{column}: {message}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The toolchain pinned for the workspace is not installed.
    #[error(
        "use the toolchain `{channel}` pinned by {}: it is not installed (run `rustup toolchain install {channel}`)",
        path.display()
    )]
    ToolchainNotInstalled {
        /// The pin file.
        path: PathBuf,
        /// The pinned channel.
        channel: String,
    },
    /// The workspace has no lockfile, and cargo-tune never creates one behind the user's back.
    #[error(
        "find {}: the workspace has no lockfile, and cargo-tune does not create one (run `cargo generate-lockfile` first)",
        path.display()
    )]
    NoLockfile {
        /// Where it was expected.
        path: PathBuf,
    },
    /// A workspace member cargo could not load (a missing directory, an unreadable manifest).
    #[error("load workspace member `{}` ({context}): {cause}", member.display())]
    Member {
        /// The member's directory, as cargo names it.
        member: PathBuf,
        /// Where it is listed (`referenced via `crates/*` by workspace at …`).
        context: String,
        /// cargo's causes, outermost first, joined.
        cause: String,
    },
    /// A `--config` argument cargo rejected.
    #[error(
        "use --config `{arg}`: {cause} (--config takes KEY=VALUE, a TOML dotted key, or the path of an existing config file)"
    )]
    Config {
        /// The argument.
        arg: String,
        /// cargo's reason.
        cause: String,
    },
    /// `--manifest-path` names something cargo would not read as a manifest.
    #[error("use --manifest-path `{}`: {why}", path.display())]
    ManifestPath {
        /// The path as given, made absolute.
        path: PathBuf,
        /// What is wrong, in cargo's words where cargo has them.
        why: String,
    },
    /// No Cargo.toml was found.
    #[error("find a Cargo.toml in {} or any parent directory", dir.display())]
    NotAWorkspace {
        /// Where the search started.
        dir: PathBuf,
    },
}

impl LoadError {
    /// The error of reading `path`, for `map_err`.
    pub fn read(path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| LoadError::Read { path, source }
    }

    /// A TOML parse error at a byte offset of `text`.
    pub fn toml(path: PathBuf, text: &str, error: &toml_edit::TomlError) -> Self {
        let (line, column) = match error.span() {
            Some(span) => crate::text::line_col(text, span.start),
            None => (1, 1),
        };
        let message = error.message().trim().to_owned();
        LoadError::Toml {
            path,
            line,
            column,
            message,
        }
    }
}
