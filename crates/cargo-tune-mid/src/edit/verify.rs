//! Proving that cargo still reads the workspace after an edit.

use std::path::Path;

use crate::cargo::{CargoCli, CargoOptions};
use crate::errors::CommandError;

/// How a transaction checks its result before committing.
pub enum Verification {
    /// Trust the edit (for callers that verify by other means).
    Skip,
    /// `cargo metadata` on the root manifest.
    CargoMetadata {
        /// Shared cargo options (`--offline`, `--config`, …).
        options: CargoOptions,
        /// Pass `--locked`: the edit must not change `Cargo.lock`.
        locked: bool,
        /// Pass `--no-deps`: only prove that every manifest parses.
        no_deps: bool,
    },
    /// A caller-provided check.
    Custom(Box<dyn Fn() -> Result<(), String> + Send + Sync>),
}

impl std::fmt::Debug for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verification::Skip => f.write_str("Skip"),
            Verification::CargoMetadata {
                locked, no_deps, ..
            } => {
                write!(
                    f,
                    "CargoMetadata {{ locked: {locked}, no_deps: {no_deps} }}"
                )
            }
            Verification::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// cargo rejected the result.
    #[error("verify the edit with cargo metadata")]
    Cargo(#[source] CommandError),
    /// A custom check failed.
    #[error("verify the edit: {0}")]
    Custom(String),
}

impl Verification {
    /// The command it runs, if any.
    pub fn command(&self, root_manifest: &Path) -> Option<CargoCli> {
        let Verification::CargoMetadata {
            options,
            locked,
            no_deps,
        } = self
        else {
            return None;
        };
        let mut options = options.clone();
        options.manifest_path = Some(root_manifest.to_owned());
        options.locked |= *locked;
        let mut cli = CargoCli::new(&["metadata"], &options).arg("--format-version=1");
        if *no_deps {
            cli = cli.arg("--no-deps");
        }
        Some(cli.current_dir(root_manifest.parent().unwrap_or(Path::new("."))))
    }

    /// Runs the check.
    pub fn run(&self, root_manifest: &Path) -> Result<(), VerifyError> {
        match self {
            Verification::Skip => Ok(()),
            Verification::Custom(check) => check().map_err(VerifyError::Custom),
            Verification::CargoMetadata { .. } => {
                let cli = self
                    .command(root_manifest)
                    .expect("cargo verification has a command");
                cli.output().map(drop).map_err(VerifyError::Cargo)
            }
        }
    }
}
