//! One module per subcommand.

pub(crate) mod apply;
pub(crate) mod audit;
pub(crate) mod undo;
