//! `cargo metadata`, run once or read from a captured file.

use std::path::PathBuf;
use std::thread::JoinHandle;

use cargo_metadata::Metadata;

use super::{CargoCli, CargoOptions};
use crate::errors::LoadError;

/// Where the package graph comes from.
#[derive(Clone, Debug)]
pub enum MetadataSource {
    /// Run `cargo metadata --format-version 1` with these options.
    Cargo(CargoOptions),
    /// Read a file captured earlier with `cargo metadata --format-version 1`.
    Json(PathBuf),
}

/// A `cargo metadata` run under way on a background thread, so that probing the toolchain
/// overlaps with it.
#[derive(Debug)]
pub struct PendingMetadata {
    handle: JoinHandle<Result<Metadata, LoadError>>,
}

impl MetadataSource {
    /// The command this source runs, if it runs one.
    pub fn command(&self) -> Option<CargoCli> {
        match self {
            MetadataSource::Cargo(options) => {
                Some(CargoCli::new(&["metadata"], options).arg("--format-version=1"))
            }
            MetadataSource::Json(_) => None,
        }
    }

    /// Starts loading in the background.
    pub fn start(&self) -> PendingMetadata {
        let this = self.clone();
        PendingMetadata {
            handle: std::thread::spawn(move || this.load()),
        }
    }

    /// Loads synchronously.
    pub fn load(&self) -> Result<Metadata, LoadError> {
        match self {
            MetadataSource::Cargo(_) => {
                let cli = self.command().expect("cargo source has a command");
                let output = cli.output().map_err(LoadError::Metadata)?;
                parse(&output.stdout, &cli.display())
            }
            MetadataSource::Json(path) => {
                let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
                    path: path.clone(),
                    source,
                })?;
                parse(&bytes, &path.display().to_string())
            }
        }
    }
}

impl PendingMetadata {
    /// Waits for the result.
    pub fn wait(self) -> Result<Metadata, LoadError> {
        match self.handle.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

fn parse(bytes: &[u8], origin: &str) -> Result<Metadata, LoadError> {
    serde_json::from_slice(bytes).map_err(|source| LoadError::MetadataJson {
        origin: origin.to_owned(),
        source,
    })
}
