//! The lower layers of cargo-tune, a crate of their own so that cargo refuses any import from
//! the engine above them and an edit to the engine does not rebuild them.
//!
//! From the bottom up: text helpers, file-system helpers, errors, the shared vocabulary
//! (scenarios, goals, linkers), the one supervised-process runner, every cargo and rustc call,
//! the workspace model, and the toolchain probes.

#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod cargo;
pub mod errors;
pub mod exec;
pub mod fsutil;
pub mod probe;
pub mod text;
pub mod vocab;
pub mod workspace;
