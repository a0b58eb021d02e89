//! The workspace as cargo sees it, loaded once: package graph, manifests, lockfile, layered
//! configuration, toolchain pin and the build-relevant environment.

mod config;
mod env;
mod lockfile;
mod manifest;
mod metadata_memo;
mod model;
pub mod profiles;
pub mod registry_index;
pub mod rustflags;
mod toolchain_pin;
pub mod unit_graph_memo;
mod wrapper;

pub use config::{CargoConfig, ConfigLayer};
pub use env::BuildEnv;
pub use lockfile::{LockedPackage, Lockfile};
pub use manifest::{
    DependencyDecl, DependencyKind, ManifestDoc, Origin, bucket_label, canonical_req,
    compat_bucket, lower_bound, normalize, relative_path,
};
pub use model::{LoadOptions, Member, WorkspaceModel, find_manifest, rustup_home};
pub use registry_index::RegistryIndex;
pub use toolchain_pin::ToolchainPin;
pub use wrapper::{RustcWrapper, rustc_wrappers};
