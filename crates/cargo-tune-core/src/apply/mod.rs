//! `cargo tune apply`: which findings to carry out, and the change set, diff and transaction
//! that carry them out.

mod select;

pub use select::{Selector, closest_id, select};
