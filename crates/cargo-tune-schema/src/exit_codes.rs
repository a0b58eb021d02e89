//! Documented process exit codes (see `docs/exit-codes.md`).
//!
//! They mirror cargo where cargo has a convention (101 for a failed build) and leave the low
//! numbers to "the tool worked and has something to say".

/// Success: the command ran and nothing was denied.
pub const OK: i32 = 0;
/// The command ran and a check failed: findings at the `--deny` level, pending edits under
/// `--check`, or a violated SLO.
pub const CHECK_FAILED: i32 = 1;
/// The command line was invalid (clap's own convention).
pub const USAGE: i32 = 2;
/// The environment or an input file is unusable: not a workspace, malformed manifest or config,
/// missing tool, toolchain pin not installed.
pub const SETUP: i32 = 96;
/// A cargo build that cargo-tune ran for a measurement failed.
pub const BUILD_FAILED: i32 = 101;
/// `cargo metadata` failed or its output could not be read.
pub const METADATA_FAILED: i32 = 102;
/// An edit failed and every file was restored.
pub const EDIT_FAILED: i32 = 103;
/// An edit failed and restoring the previous bytes failed too: manual action is needed.
pub const ROLLBACK_FAILED: i32 = 104;
/// Interrupted by Ctrl-C (128 + SIGINT); edited files were restored first.
pub const INTERRUPTED: i32 = 130;
