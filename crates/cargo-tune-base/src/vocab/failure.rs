//! How a command fails, as the user sees it: each kind has its documented exit code
//! (`cargo_tune_schema::exit_codes`), and every layer's own errors become one of these where
//! they are defined.

use cargo_tune_schema::exit_codes;

use crate::errors::LoadError;

/// A boxed cause, kept for the "caused by" lines.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// An error that ends a command.
#[derive(Debug)]
pub enum Failure {
    /// The workspace could not be loaded, a tool is missing, an input file is unreadable.
    Setup {
        /// `failed to …`.
        message: String,
        /// What caused it.
        source: Option<Cause>,
    },
    /// `cargo metadata` failed.
    Metadata {
        /// cargo's error.
        source: Cause,
    },
    /// Writing the report failed.
    Output {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A check failed (exit 1), already reported.
    CheckFailed,
    /// The command line is incomplete or inconsistent in a way its parser cannot express.
    Usage {
        /// What is wrong, and what would be right.
        message: String,
    },
    /// cargo-tune declined to act (dirty tree, files changed, nothing to undo); nothing was
    /// written.
    Refused {
        /// Why.
        message: String,
    },
    /// An edit failed and every file was restored.
    EditFailed {
        /// What failed.
        message: String,
        /// Why.
        source: Option<Cause>,
    },
    /// An edit failed and restoring failed too.
    RollbackFailed {
        /// What is left to do by hand.
        message: String,
        /// Why.
        source: Option<Cause>,
    },
    /// Measured builds failed (exit 101); the report shows which and why.
    BuildFailed {
        /// How many.
        failed: usize,
    },
    /// A build a command needed failed (exit 101); the message shows cargo's last lines.
    BuildStepFailed {
        /// What failed, with cargo's words.
        message: String,
    },
    /// Ctrl-C (exit 130); edited files were restored.
    Interrupted {
        /// The file restored, if one was edited.
        restored: Option<String>,
    },
}

impl Failure {
    /// A setup failure with a message alone.
    pub fn setup(message: impl Into<String>) -> Failure {
        Failure::Setup {
            message: message.into(),
            source: None,
        }
    }

    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::Usage {
            message: message.into(),
        }
    }

    /// The exit code documented for it.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Setup { .. } | Failure::Output { .. } | Failure::Refused { .. } => {
                exit_codes::SETUP
            }
            Failure::Metadata { .. } => exit_codes::METADATA_FAILED,
            Failure::CheckFailed => exit_codes::CHECK_FAILED,
            Failure::Usage { .. } => exit_codes::USAGE,
            Failure::EditFailed { .. } => exit_codes::EDIT_FAILED,
            Failure::RollbackFailed { .. } => exit_codes::ROLLBACK_FAILED,
            Failure::BuildFailed { .. } | Failure::BuildStepFailed { .. } => {
                exit_codes::BUILD_FAILED
            }
            Failure::Interrupted { .. } => exit_codes::INTERRUPTED,
        }
    }

    /// One paragraph: what failed and the chain of causes; `None` for a failed check, which its
    /// report already told.
    pub fn render(&self) -> Option<String> {
        let (head, source): (String, Option<&(dyn std::error::Error + 'static)>) = match self {
            Failure::Setup { message, source } => {
                (message.clone(), source.as_deref().map(|s| s as _))
            }
            Failure::Metadata { source } => (
                "failed to read the workspace with cargo metadata".to_owned(),
                Some(&**source as _),
            ),
            Failure::Output { path, source } => {
                (format!("failed to write {path}"), Some(source as _))
            }
            Failure::CheckFailed => return None,
            Failure::Usage { message }
            | Failure::Refused { message }
            | Failure::BuildStepFailed { message } => (message.clone(), None),
            Failure::EditFailed { message, source }
            | Failure::RollbackFailed { message, source } => {
                (message.clone(), source.as_deref().map(|s| s as _))
            }
            Failure::BuildFailed { failed } => (
                format!(
                    "{} failed; the report shows cargo's last lines, and the other results are kept",
                    crate::text::count(*failed, "measured build")
                ),
                None,
            ),
            Failure::Interrupted { restored } => (
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

impl From<LoadError> for Failure {
    fn from(err: LoadError) -> Self {
        match err {
            LoadError::Metadata(source) => Failure::Metadata {
                source: Box::new(source),
            },
            LoadError::MetadataJson { .. } => Failure::Metadata {
                source: Box::new(err),
            },
            // These messages already name the file and the cause.
            other => Failure::setup(format!("failed to {other}")),
        }
    }
}
