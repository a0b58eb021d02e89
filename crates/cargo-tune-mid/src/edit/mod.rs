//! Safe manifest editing: operations as data, a plan computed in memory (shown as text and a
//! unified diff), and a transaction that writes it atomically, verifies it with cargo, restores
//! every file on failure and journals it for `cargo tune undo`.

pub mod git;
pub mod journal;
mod layout;
pub mod ops;
pub mod plan;
mod toml;
mod transaction;
mod updates;
mod verify;

pub use journal::{Journal, JournalError, JournalLock, UndoError, Undone, undo};
pub use ops::EditOp;
pub use plan::{
    EditPlan, FileChange, PlanDisplay, PlanError, PlannedStep, left_out_summary, read_file,
};
pub use toml::ShapeError;
pub use transaction::{Applied, ApplyError, StepError, Transaction, WriteFn};
pub use updates::check_updates;
pub use verify::{Verification, VerifyError};

#[cfg(test)]
mod tests;
