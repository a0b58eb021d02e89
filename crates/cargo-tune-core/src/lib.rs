//! The engine of cargo-tune.
//!
//! It loads a workspace once into a [`workspace::WorkspaceModel`], probes the toolchain once into
//! a [`probe::Environment`], runs analyses that emit coded findings, and renders reports to any
//! writer. It never prints and never exits: the `cargo-tune` binary decides where output goes.

#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

// The lower layers live in their own crate; under their old names here, so that the engine
// reads `crate::workspace` and its users `cargo_tune_core::workspace` as before.
pub use cargo_tune_base::{cargo, errors, exec, fsutil, probe, text, vocab, workspace};

pub mod analysis;
pub mod apply;
pub mod audit;
pub mod cache;
pub mod change;
pub mod edit;
pub mod features;
#[cfg(test)]
mod layers;
pub mod measure;
pub mod pgo;
pub mod plan;
pub mod report;
pub mod slo;
#[cfg(test)]
mod test_util;
pub mod timings;
