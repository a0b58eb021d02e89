//! The middle layers of cargo-tune's engine, a crate of their own between cargo-tune-base and
//! cargo-tune-core: cargo refuses any import from the commands above them, and an edit to those
//! commands recompiles neither these layers nor the ones below.
//!
//! From the bottom up: cargo's timings as data, the analyses that emit coded findings, edits as
//! a transaction, the one `Change` with its renderings, the audit, and measuring.

#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

// The lower layers under their old names, so that these layers read `crate::workspace` as the
// ones above them do.
pub use cargo_tune_base::{cargo, errors, exec, fsutil, probe, text, vocab, workspace};

pub mod analysis;
pub mod audit;
pub mod change;
pub mod edit;
pub mod measure;
#[cfg(any(test, feature = "test-util"))]
#[doc(hidden)]
pub mod test_util;
pub mod timings;
