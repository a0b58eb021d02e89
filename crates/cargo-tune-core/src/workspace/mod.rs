//! The workspace as cargo sees it, loaded once: package graph, manifests, lockfile, layered
//! configuration, toolchain pin and the build-relevant environment.

mod config;
mod env;
mod lockfile;
mod manifest;
mod model;
pub mod registry_index;
pub mod rustflags;
mod toolchain_pin;
mod unit_graph_memo;
mod wrapper;

pub use config::{CargoConfig, ConfigLayer};
pub use env::BuildEnv;
pub use lockfile::{LockedPackage, Lockfile};
pub use manifest::{DependencyDecl, DependencyKind, ManifestDoc, compat_bucket, relative_path};
pub use model::{LoadOptions, Member, WorkspaceModel, find_manifest, rustup_home};
pub use registry_index::RegistryIndex;
pub use toolchain_pin::ToolchainPin;
pub use wrapper::{RustcWrapper, rustc_wrappers};

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(super::line_col(text, 0), (1, 1));
        assert_eq!(super::line_col(text, 6), (2, 1));
        assert_eq!(super::line_col(text, text.find('=').unwrap()), (1, 3));
        assert_eq!(super::line_col(text, text.rfind('=').unwrap()), (2, 4));
    }
}
