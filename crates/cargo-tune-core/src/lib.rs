//! The engine of cargo-tune.
//!
//! It loads a workspace once into a [`workspace::WorkspaceModel`], probes the toolchain once into
//! a [`probe::Environment`], runs analyses that emit coded findings, and renders reports to any
//! writer. It never prints and never exits: the `cargo-tune` binary decides where output goes.

#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod analysis;
pub mod apply;
pub mod audit;
pub mod cache;
pub mod cargo;
pub mod change;
pub mod edit;
pub mod errors;
pub mod exec;
pub mod features;
pub mod fsutil;
#[cfg(test)]
mod layers;
pub mod measure;
pub mod pgo;
pub mod plan;
pub mod probe;
pub mod report;
pub mod slo;
#[cfg(test)]
mod test_util;
pub mod text;
pub mod timings;
pub mod vocab;
pub mod workspace;
