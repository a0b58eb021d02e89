//! One module per subcommand.

pub(crate) mod apply;
pub(crate) mod audit;
pub(crate) mod bench;
pub(crate) mod cache;
pub(crate) mod features;
pub(crate) mod guard;
mod measure;
pub(crate) mod pgo;
pub(crate) mod plan;
pub(crate) mod report;
pub(crate) mod timings;
pub(crate) mod try_;
pub(crate) mod undo;
