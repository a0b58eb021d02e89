//! The errors a user can expect, each with a documented exit code.

use cargo_tune_core::audit::AuditError;
use cargo_tune_core::edit::{ApplyError, JournalError, StepError, UndoError};
use cargo_tune_core::errors::LoadError;
use cargo_tune_schema::exit_codes;

/// An error that ends a command, with its exit code.
#[derive(Debug)]
pub(crate) enum ExpectedError {
    /// The workspace could not be loaded or the toolchain probed.
    Setup {
        message: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// `cargo metadata` failed.
    Metadata {
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Writing the report failed.
    Output {
        path: String,
        source: std::io::Error,
    },
    /// A check failed (exit 1), already reported.
    CheckFailed,
    /// The command line is incomplete in a way clap cannot express.
    Usage { message: String },
    /// cargo-tune declined to write (dirty tree, files changed, nothing to undo); nothing was
    /// written.
    Refused { message: String },
    /// An edit failed and every file was restored.
    EditFailed {
        message: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// An edit failed and restoring failed too.
    RollbackFailed {
        message: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A measured build failed (exit 101); the report already shows which and why.
    BuildFailed { failed: usize },
    /// A build that a command needed failed (exit 101); the message shows cargo's last lines.
    BuildStepFailed { message: String },
    /// Ctrl-C (exit 130); edited files were restored.
    Interrupted { restored: Option<String> },
}

impl ExpectedError {
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            ExpectedError::Setup { .. }
            | ExpectedError::Output { .. }
            | ExpectedError::Refused { .. } => exit_codes::SETUP,
            ExpectedError::Metadata { .. } => exit_codes::METADATA_FAILED,
            ExpectedError::CheckFailed => exit_codes::CHECK_FAILED,
            ExpectedError::Usage { .. } => exit_codes::USAGE,
            ExpectedError::EditFailed { .. } => exit_codes::EDIT_FAILED,
            ExpectedError::RollbackFailed { .. } => exit_codes::ROLLBACK_FAILED,
            ExpectedError::BuildFailed { .. } | ExpectedError::BuildStepFailed { .. } => {
                exit_codes::BUILD_FAILED
            }
            ExpectedError::Interrupted { .. } => exit_codes::INTERRUPTED,
        }
    }

    /// One paragraph: `error: failed to …` and the chain of causes.
    pub(crate) fn render(&self) -> Option<String> {
        let (head, source): (String, Option<&(dyn std::error::Error + 'static)>) = match self {
            ExpectedError::Setup { message, source } => {
                (message.clone(), source.as_deref().map(|s| s as _))
            }
            ExpectedError::Metadata { source } => (
                "failed to read the workspace with cargo metadata".to_owned(),
                Some(&**source as _),
            ),
            ExpectedError::Output { path, source } => {
                (format!("failed to write {path}"), Some(source as _))
            }
            ExpectedError::CheckFailed => return None,
            ExpectedError::Usage { message }
            | ExpectedError::Refused { message }
            | ExpectedError::BuildStepFailed { message } => (message.clone(), None),
            ExpectedError::EditFailed { message, source }
            | ExpectedError::RollbackFailed { message, source } => {
                (message.clone(), source.as_deref().map(|s| s as _))
            }
            ExpectedError::BuildFailed { failed } => (
                format!(
                    "{} failed; the report shows cargo's last lines, and the other results are kept",
                    cargo_tune_core::text::count(*failed, "measured build")
                ),
                None,
            ),
            ExpectedError::Interrupted { restored } => (
                match restored {
                    Some(path) => {
                        format!("interrupted; nothing was recorded, and {path} was restored")
                    }
                    None => "interrupted; nothing was recorded".to_owned(),
                },
                None,
            ),
        };
        let mut text = head;
        let mut next = source;
        while let Some(err) = next {
            text.push_str(&format!("\n  caused by: {err}"));
            next = err.source();
        }
        Some(text)
    }
}

impl From<AuditError> for ExpectedError {
    fn from(err: AuditError) -> Self {
        match err {
            AuditError::Load(load) => load.into(),
            AuditError::Probe(source) => ExpectedError::Setup {
                message: "failed to probe the toolchain".to_owned(),
                source: Some(Box::new(source)),
            },
        }
    }
}

impl From<LoadError> for ExpectedError {
    fn from(err: LoadError) -> Self {
        match err {
            LoadError::Metadata(source) => ExpectedError::Metadata {
                source: Box::new(source),
            },
            LoadError::MetadataJson { .. } => ExpectedError::Metadata {
                source: Box::new(err),
            },
            // These messages already name the file and the cause.
            other => ExpectedError::Setup {
                message: format!("failed to {other}"),
                source: None,
            },
        }
    }
}

impl From<ApplyError> for ExpectedError {
    fn from(err: ApplyError) -> Self {
        match err {
            ApplyError::InterruptedEarlier { .. } | ApplyError::ChangedSincePlan { .. } => {
                ExpectedError::Refused {
                    message: format!("refused to {err}"),
                }
            }
            ApplyError::Journal(busy @ JournalError::Busy { .. }) => ExpectedError::Refused {
                message: format!("refused to {busy}"),
            },
            ApplyError::Journal(source) => ExpectedError::Setup {
                message: "failed to write the journal before the first edit; nothing was written"
                    .to_owned(),
                source: Some(Box::new(source)),
            },
            ApplyError::RolledBack(StepError::Interrupted) => ExpectedError::Interrupted {
                restored: Some("every edited file".to_owned()),
            },
            ApplyError::RolledBack(cause) => ExpectedError::EditFailed {
                message: "failed to apply the edits; every file was restored".to_owned(),
                source: Some(Box::new(cause)),
            },
            err @ ApplyError::RollbackFailed { .. } => ExpectedError::RollbackFailed {
                message: format!("failed to {err}"),
                source: None,
            },
        }
    }
}

impl From<UndoError> for ExpectedError {
    fn from(err: UndoError) -> Self {
        match err {
            UndoError::NothingToUndo { .. } => ExpectedError::Refused {
                message: err.to_string(),
            },
            UndoError::ChangedSinceApply { .. } => ExpectedError::Refused {
                message: format!("refused to {err}"),
            },
            UndoError::Journal(busy @ JournalError::Busy { .. }) => ExpectedError::Refused {
                message: format!("refused to {busy}"),
            },
            UndoError::Journal(_) => ExpectedError::Setup {
                message: format!("failed to {err}"),
                source: None,
            },
            UndoError::Restore { .. } => ExpectedError::RollbackFailed {
                message: format!(
                    "failed to {err}; run `cargo tune undo` again once the cause is fixed"
                ),
                source: None,
            },
        }
    }
}
