//! Every process cargo-tune spawns: cargo and rustc through typed builders, other tools through
//! [`ToolCommand`]. Each builder records its argv and environment overrides so that errors and
//! reports can show the exact command.

mod cli;
pub(crate) mod diagnostic;
pub mod metadata;
mod secrets;
pub mod unit_graph;

pub use cli::{CargoCli, CargoOptions, Color, FirstLine, ToolCommand, rustc_path};
pub use secrets::{is_secret_var, mask_secrets};
