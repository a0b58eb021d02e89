//! `cargo tune apply`: which findings to carry out, and the change set, diff and transaction
//! that carry them out.

pub mod command;
mod select;
pub mod undo;

pub use select::{Selector, closest_id, select};
