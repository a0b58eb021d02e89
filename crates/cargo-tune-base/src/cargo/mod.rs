//! Every process cargo-tune spawns: cargo and rustc through typed builders, other tools through
//! [`ToolCommand`]. Each builder records its argv and environment overrides so that errors and
//! reports can show the exact command.

mod cli;
pub(crate) mod diagnostic;
pub mod metadata;
mod secrets;
pub mod side_home;
pub mod unit_graph;

pub use cli::{CargoCli, CargoOptions, Color, FirstLine, ToolCommand, rustc_path};
pub use secrets::{is_secret_var, mask_secrets};

/// Which workspace a command acts on and how it calls cargo: the user's cargo flags, and the
/// directory the command runs in (where relative paths the user gave start, and where cargo
/// looks for the workspace without `--manifest-path`).
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The user's cargo flags.
    pub cargo: CargoOptions,
    /// The working directory.
    pub cwd: std::path::PathBuf,
}
