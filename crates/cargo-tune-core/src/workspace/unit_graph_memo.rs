//! The unit graphs of the last audit, kept in the target directory while nothing they depend
//! on has changed.
//!
//! Each `cargo build --unit-graph` resolves the workspace again, and cargo lets one process at a
//! time hold its package cache while resolving, so three of them next to `cargo metadata` cost
//! about three more `cargo metadata`s. What a unit graph depends on is known and cheap to check:
//! the cargo command and environment, the toolchain, `Cargo.lock`, the manifests of path
//! packages and the targets they discover from the file system, and cargo's configuration
//! files. The memo records a stamp (size, mtime) of each and is used only while all agree.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::BuildEnv;
use super::config::cargo_home;
use crate::cargo::CargoOptions;
use crate::cargo::metadata::Metadata;
use crate::cargo::unit_graph::{UnitGraph, UnitGraphCommand};
use crate::fsutil::file_stamp;

const MEMO_VERSION: u32 = 2;

/// The memo on disk.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct UnitGraphMemo {
    version: u32,
    key: String,
    /// Every file or directory whose change may change a unit graph, with its stamp then.
    stamps: Vec<(PathBuf, Option<(u64, u128)>)>,
    /// The manifests of path packages, to notice a package that appeared without any stamped
    /// file changing (a new member matched by a glob).
    path_manifests: Vec<PathBuf>,
    /// What cargo printed, per command.
    graphs: Vec<(UnitGraphCommand, String)>,
    /// Why cargo could not print them: a failure is as lasting as a graph until something it
    /// depends on changes, and asking again would only cost another resolve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
}

/// Where the memo lives: `<target dir>/cargo-tune/unit-graphs.json`, with the target directory
/// as cargo would choose it before asking cargo (`CARGO_TARGET_DIR`, else `target/` in the
/// workspace root, the directory of `Cargo.lock`).
pub(super) fn memo_path(workspace_root: &Path, env: &BuildEnv) -> PathBuf {
    let target = env
        .get("CARGO_TARGET_DIR")
        .map(|d| workspace_root.join(d))
        .unwrap_or_else(|| workspace_root.join("target"));
    target.join("cargo-tune").join("unit-graphs.json")
}

/// What the memo's key holds: the commands as run, and the environment cargo reads.
pub(super) fn key(options: &CargoOptions, env: &BuildEnv) -> String {
    let mut key = String::new();
    for command in UnitGraphCommand::ALL {
        key.push_str(&command.cli(options).display());
        key.push('\n');
    }
    for (k, v) in env.iter() {
        key.push_str(&format!("{k}={v}\n"));
    }
    // The toolchain cargo runs: `$CARGO` when run as `cargo tune`, else whatever `cargo` on
    // PATH selects, whose choice the rustup files below pin down.
    if let Some(cargo) = std::env::var_os("CARGO") {
        key.push_str(&format!("CARGO={}\n", cargo.to_string_lossy()));
    }
    key
}

/// Files and directories whose stamps the memo keeps, known before `cargo metadata` runs.
fn early_paths(workspace_root: &Path, cwd: &Path, env: &BuildEnv) -> Vec<PathBuf> {
    let mut paths = vec![
        workspace_root.join("Cargo.lock"),
        workspace_root.join("Cargo.toml"),
        workspace_root.join("rust-toolchain"),
        workspace_root.join("rust-toolchain.toml"),
    ];
    for dir in cwd.ancestors() {
        paths.push(dir.join(".cargo").join("config.toml"));
        paths.push(dir.join(".cargo").join("config"));
    }
    if let Some(home) = cargo_home(env) {
        paths.push(home.join("config.toml"));
        paths.push(home.join("config"));
    }
    if let Some(rustup) = super::rustup_home(env) {
        // A toolchain installed, updated or removed changes this directory.
        paths.push(rustup.join("toolchains"));
        paths.push(rustup.join("settings.toml"));
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        paths.push(PathBuf::from(cargo));
    }
    paths
}

/// The manifests of path packages, and for each the places cargo discovers targets in.
fn package_paths(manifests: &[PathBuf]) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for manifest in manifests {
        paths.push(manifest.clone());
        if let Some(dir) = manifest.parent() {
            for rel in [
                "build.rs",
                "src/lib.rs",
                "src/main.rs",
                "src/bin",
                "tests",
                "examples",
                "benches",
            ] {
                paths.push(dir.join(rel));
            }
        }
    }
    paths
}

/// The manifests of the path packages `metadata` lists, sorted.
pub(super) fn path_manifests(metadata: &Metadata) -> Vec<PathBuf> {
    let mut manifests: Vec<PathBuf> = metadata
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .map(|p| p.manifest_path.clone())
        .collect();
    manifests.sort();
    manifests
}

impl UnitGraphMemo {
    /// The memo at `path`, if it was made for `key` and nothing it depends on has changed since.
    pub(super) fn load(path: &Path, key: &str) -> Option<UnitGraphMemo> {
        let bytes = std::fs::read(path).ok()?;
        let memo: UnitGraphMemo = serde_json::from_slice(&bytes).ok()?;
        let fresh = memo.version == MEMO_VERSION
            && memo.key == key
            && memo.stamps.iter().all(|(p, stamp)| file_stamp(p) == *stamp);
        fresh.then_some(memo)
    }

    /// The graphs (or why there are none), if `metadata` lists the same path packages as when
    /// they were kept.
    pub(super) fn graphs_for(
        self,
        metadata: &Metadata,
    ) -> Option<Result<Vec<(UnitGraphCommand, UnitGraph)>, String>> {
        if self.path_manifests != path_manifests(metadata) {
            return None;
        }
        if let Some(failure) = self.failure {
            return Some(Err(failure));
        }
        self.graphs
            .into_iter()
            .map(|(command, text)| {
                UnitGraph::parse(&text, &command.display())
                    .ok()
                    .map(|g| (command, g))
            })
            .collect::<Option<_>>()
            .map(Ok)
    }

    /// Stamps taken before cargo ran, so that a file changed while it ran makes the memo stale.
    pub(super) fn stamp_early(
        workspace_root: &Path,
        cwd: &Path,
        env: &BuildEnv,
    ) -> Vec<(PathBuf, Option<(u64, u128)>)> {
        early_paths(workspace_root, cwd, env)
            .into_iter()
            .map(|p| {
                let stamp = file_stamp(&p);
                (p, stamp)
            })
            .collect()
    }

    /// Writes a memo of `graphs`, or of why cargo printed none (best effort: a read-only
    /// target directory costs the next audit time, never this one).
    pub(super) fn save(
        path: &Path,
        key: String,
        mut stamps: Vec<(PathBuf, Option<(u64, u128)>)>,
        metadata: &Metadata,
        graphs: Result<Vec<(UnitGraphCommand, String)>, String>,
    ) {
        let manifests = path_manifests(metadata);
        stamps.extend(package_paths(&manifests).into_iter().map(|p| {
            let stamp = file_stamp(&p);
            (p, stamp)
        }));
        let (graphs, failure) = match graphs {
            Ok(graphs) => (graphs, None),
            Err(why) => (Vec::new(), Some(why)),
        };
        let memo = UnitGraphMemo {
            version: MEMO_VERSION,
            key,
            stamps,
            path_manifests: manifests,
            graphs,
            failure,
        };
        let Ok(bytes) = serde_json::to_vec(&memo) else {
            return;
        };
        if let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = crate::fsutil::write_atomic(path, &bytes);
        }
    }
}
