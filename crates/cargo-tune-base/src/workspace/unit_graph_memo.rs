//! Unit graphs kept in the target directory while nothing they depend on has changed: the
//! audit's three, and the one per feature set of `cargo tune features`.
//!
//! Each `cargo build --unit-graph` resolves the workspace again, and cargo lets one process at a
//! time hold its package cache while resolving, so every graph costs about one more
//! `cargo metadata`. What a unit graph depends on is known and cheap to check: the cargo command
//! and environment, the toolchain, `Cargo.lock`, the manifests of path packages and the targets
//! they discover from the file system, and cargo's configuration files. A memo records a stamp
//! (size, mtime) of each and is used only while all agree.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::BuildEnv;
use super::config::cargo_home;
use crate::cargo::metadata::Metadata;
use crate::cargo::unit_graph::{UnitGraph, UnitGraphCommand};
use crate::cargo::{CargoCli, CargoOptions};
use crate::fsutil::file_stamp;

const MEMO_VERSION: u32 = 4;

/// A file or directory with its stamp when the memo was made.
pub type Stamp = (PathBuf, Option<(u64, u128)>);

/// A memo on disk: what was kept, and everything whose change makes it stale.
#[derive(Debug, Serialize, Deserialize)]
pub struct Memo<T> {
    version: u32,
    key: String,
    /// Every file or directory whose change may change what was kept, with its stamp then.
    stamps: Vec<Stamp>,
    /// The manifests of path packages, to notice a package that appeared without any stamped
    /// file changing (a new member matched by a glob).
    path_manifests: Vec<PathBuf>,
    /// What cargo resolved when the memo was made ([`resolve_fingerprint`]), so that a changed
    /// file whose change cargo does not see (a comment, formatting) keeps the memo; empty when
    /// not known.
    #[serde(default)]
    fingerprint: String,
    /// What was kept.
    payload: T,
}

/// Where a memo lives: `<target dir>/cargo-tune/<file>`, with the target directory as cargo
/// would choose it before asking cargo (`CARGO_TARGET_DIR`, else `target/` in the workspace
/// root, the directory of `Cargo.lock`).
pub fn memo_path(workspace_root: &Path, env: &BuildEnv, file: &str) -> PathBuf {
    let target = env
        .get("CARGO_TARGET_DIR")
        .map(|d| workspace_root.join(d))
        .unwrap_or_else(|| workspace_root.join("target"));
    target.join("cargo-tune").join(file)
}

/// A memo's key: the commands as run (or whatever names them), and the environment cargo reads.
pub fn memo_key(commands: impl IntoIterator<Item = String>, env: &BuildEnv) -> String {
    let mut key = String::new();
    for command in commands {
        key.push_str(&command);
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

/// Files and directories whose stamps every memo keeps, known before cargo runs.
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
pub fn path_manifests(metadata: &Metadata) -> Vec<PathBuf> {
    let mut manifests: Vec<PathBuf> = metadata
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .map(|p| p.manifest_path.clone())
        .collect();
    manifests.sort();
    manifests
}

/// Stamps taken before cargo runs, so that a file changed while it ran makes the memo stale.
pub fn stamp_early(workspace_root: &Path, cwd: &Path, env: &BuildEnv) -> Vec<Stamp> {
    stamp(early_paths(workspace_root, cwd, env))
}

fn stamp(paths: Vec<PathBuf>) -> Vec<Stamp> {
    paths
        .into_iter()
        .map(|p| {
            let stamp = file_stamp(&p);
            (p, stamp)
        })
        .collect()
}

impl<T: Serialize + DeserializeOwned> Memo<T> {
    /// The memo at `path`, if it was made for `key` and nothing it depends on has changed since.
    pub fn load(path: &Path, key: &str) -> Option<Memo<T>> {
        let bytes = std::fs::read(path).ok()?;
        let memo: Memo<T> = serde_json::from_slice(&bytes).ok()?;
        let fresh = memo.version == MEMO_VERSION
            && memo.key == key
            && memo.stamps.iter().all(|(p, stamp)| file_stamp(p) == *stamp);
        fresh.then_some(memo)
    }

    /// The memo at `path` made for `key`, whether or not what it depends on changed since:
    /// [`Memo::fresh`] says which.
    pub fn load_any(path: &Path, key: &str) -> Option<Memo<T>> {
        let bytes = std::fs::read(path).ok()?;
        let memo: Memo<T> = serde_json::from_slice(&bytes).ok()?;
        (memo.version == MEMO_VERSION && memo.key == key).then_some(memo)
    }

    /// Whether nothing it depends on has changed since it was made.
    pub fn fresh(&self) -> bool {
        self.stamps.iter().all(|(p, stamp)| file_stamp(p) == *stamp)
    }

    /// The files and directories whose stamps differ from when it was made.
    pub fn stale_paths(&self) -> impl Iterator<Item = &Path> {
        self.stamps
            .iter()
            .filter(|(p, stamp)| file_stamp(p) != *stamp)
            .map(|(p, _)| p.as_path())
    }

    /// What cargo resolved when it was made, empty when not known.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// What was kept, whatever the path packages are now.
    pub fn payload(&self) -> &T {
        &self.payload
    }

    /// What was kept, if the path packages are the same as when it was kept.
    pub fn payload_for(self, manifests: &[PathBuf]) -> Option<T> {
        (self.path_manifests == manifests).then_some(self.payload)
    }

    /// Writes a memo of `payload` (best effort: a read-only target directory costs the next run
    /// time, never this one). `stamps` were taken with [`stamp_early`]; the manifests of path
    /// packages and their target directories are stamped now.
    pub fn save(
        path: &Path,
        key: String,
        mut stamps: Vec<Stamp>,
        manifests: Vec<PathBuf>,
        fingerprint: String,
        payload: T,
    ) {
        stamps.extend(stamp(package_paths(&manifests)));
        let memo = Memo {
            version: MEMO_VERSION,
            key,
            stamps,
            path_manifests: manifests,
            fingerprint,
            payload,
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

/// What the audit's unit graphs are made of besides the profiles they are built with: the
/// metadata document (packages, targets, features, the resolve; not descriptions or `metadata`
/// tables, see [`Metadata::build_fingerprint`]), the root manifest's `cargo-features`, and the
/// contents of the configuration and toolchain files among `early` (stamps for directories).
/// `None` when the metadata did not come from cargo here. Each graph's profiles are
/// [`profile_fingerprints`], so that a profile edit asks cargo only for the graphs it changes.
pub fn resolve_fingerprint(
    metadata: &Metadata,
    root_manifest: &toml_edit::Document<String>,
    early: &[Stamp],
) -> Option<String> {
    let mut text = format!("metadata {}\n", metadata.build_fingerprint()?);
    let mut settings = toml_edit::DocumentMut::new();
    if let Some(item) = root_manifest.as_table().get("cargo-features") {
        settings.insert("cargo-features", item.clone());
    }
    text.push_str(&settings.to_string());
    for (path, stamp) in early {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if matches!(name, "Cargo.lock" | "Cargo.toml") {
            continue;
        }
        // Small files by content; a directory, or a binary (`$CARGO`), by its stamp.
        let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() < 1 << 20);
        match std::fs::read(path).ok().filter(|_| small) {
            Some(bytes) => text.push_str(&format!(
                "{} {}\n",
                path.display(),
                crate::fsutil::content_hash(&bytes)
            )),
            None => text.push_str(&format!("{} {stamp:?}\n", path.display())),
        }
    }
    Some(crate::fsutil::content_hash(text.as_bytes()))
}

/// For each of the audit's commands, the root manifest's tables of the profiles it builds with
/// ([`UnitGraphCommand::profiles`]), hashed. Profiles in configuration files count through
/// [`resolve_fingerprint`], `CARGO_PROFILE_*` through the memo's key.
pub fn profile_fingerprints(
    root_manifest: &toml_edit::Document<String>,
) -> Vec<(UnitGraphCommand, String)> {
    let profiles = root_manifest
        .as_table()
        .get("profile")
        .and_then(toml_edit::Item::as_table_like);
    UnitGraphCommand::ALL
        .iter()
        .map(|&command| {
            let mut table = toml_edit::Table::new();
            table.set_implicit(true);
            for name in command.profiles() {
                if let Some(item) = profiles.and_then(|p| p.get(name)) {
                    table.insert(name, item.clone());
                }
            }
            let mut settings = toml_edit::DocumentMut::new();
            settings.insert("profile", toml_edit::Item::Table(table));
            let hash = crate::fsutil::content_hash(settings.to_string().as_bytes());
            (command, hash)
        })
        .collect()
}

/// What the audit keeps: what cargo printed per command, or why it printed nothing (a failure is
/// as lasting as a graph until something it depends on changes, and asking again would only
/// cost another resolve), with the profiles each command was read with.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct AuditGraphs {
    graphs: Vec<(UnitGraphCommand, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    #[serde(default)]
    profiles: Vec<(UnitGraphCommand, String)>,
}

/// The audit's memo.
pub(super) type UnitGraphMemo = Memo<AuditGraphs>;

/// The audit memo's file.
pub(super) const AUDIT_MEMO: &str = "unit-graphs.json";

/// The audit memo's key: its commands as run, and the environment.
pub(super) fn audit_key(options: &CargoOptions, env: &BuildEnv) -> String {
    memo_key(
        UnitGraphCommand::ALL
            .iter()
            .map(|c| CargoCli::display(&c.cli(options))),
        env,
    )
}

impl AuditGraphs {
    /// What cargo printed, or why it printed nothing, for commands read with `profiles`.
    pub(super) fn new(
        graphs: Result<Vec<(UnitGraphCommand, String)>, String>,
        profiles: Vec<(UnitGraphCommand, String)>,
    ) -> Self {
        let (graphs, failure) = match graphs {
            Ok(graphs) => (graphs, None),
            Err(why) => (Vec::new(), Some(why)),
        };
        AuditGraphs {
            graphs,
            failure,
            profiles,
        }
    }

    /// The commands whose profiles differ from `profiles`, in their order; all of them when a
    /// kept failure no longer holds, since it says nothing of which command would fail now.
    pub(super) fn changed(&self, profiles: &[(UnitGraphCommand, String)]) -> Vec<UnitGraphCommand> {
        let changed: Vec<UnitGraphCommand> = profiles
            .iter()
            .filter(|(command, hash)| {
                !self
                    .profiles
                    .iter()
                    .any(|(kept, kept_hash)| kept == command && kept_hash == hash)
            })
            .map(|(command, _)| *command)
            .collect();
        if self.failure.is_some() && !changed.is_empty() {
            return profiles.iter().map(|(command, _)| *command).collect();
        }
        changed
    }

    /// What cargo printed for `command`, if it was kept.
    pub(super) fn text(&self, command: UnitGraphCommand) -> Option<&str> {
        self.graphs
            .iter()
            .find(|(kept, _)| *kept == command)
            .map(|(_, text)| text.as_str())
    }

    /// The graphs, or why there are none; `None` when a kept graph no longer parses.
    pub(super) fn graphs(&self) -> Option<Result<Vec<(UnitGraphCommand, UnitGraph)>, String>> {
        if let Some(failure) = &self.failure {
            return Some(Err(failure.clone()));
        }
        self.graphs
            .iter()
            .map(|(command, text)| {
                UnitGraph::parse(text, &command.display())
                    .ok()
                    .map(|g| (*command, g))
            })
            .collect::<Option<_>>()
            .map(Ok)
    }
}
