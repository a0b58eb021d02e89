//! The engine of cargo-tune.
//!
//! It loads a workspace once into a [`workspace::WorkspaceModel`], probes the toolchain once into
//! a [`probe::Environment`], runs analyses that emit coded findings, and renders reports to any
//! writer. It never prints and never exits: the `cargo-tune` binary decides where output goes.

#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

// The lower and middle layers live in crates of their own; under their old names here, so that
// the engine reads `crate::workspace` and its users `cargo_tune_core::measure` as before.
pub use cargo_tune_base::{cargo, errors, exec, fsutil, probe, text, vocab, workspace};
pub use cargo_tune_mid::{analysis, audit, change, edit, measure, timings};

pub mod apply;
pub mod cache;
pub mod features;
#[cfg(test)]
mod layers;
pub mod pgo;
pub mod plan;
pub mod report;
pub mod slo;
#[cfg(test)]
use cargo_tune_mid::test_util;
