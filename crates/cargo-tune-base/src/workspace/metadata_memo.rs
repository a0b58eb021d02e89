//! cargo's metadata kept in the target directory for the commands that only read (the audit,
//! the report), while nothing it is made of has changed.
//!
//! `cargo metadata` resolves the workspace from `Cargo.lock` every time it runs; the audit's own
//! work after it is a tenth of that. What the document depends on is what the unit graphs
//! depend on (see [`super::unit_graph_memo`]) less the profiles, plus the directories a new
//! member could appear in: a glob in `workspace.members` matches a new directory without any
//! manifest changing, and the directory holding the members' directories changes then.
//!
//! A manifest whose stamp changed still keeps the document when what it says, read as data,
//! is the same apart from its profiles: a comment, formatting, or a profile setting changes
//! nothing cargo's metadata holds.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LoadOptions;
use super::unit_graph_memo::{self, Memo, Stamp};
use crate::cargo::CargoCli;
use crate::cargo::metadata::Metadata;
use crate::fsutil::{content_hash, file_stamp};

/// The memo's file in `<target dir>/cargo-tune/`.
const MEMO: &str = "metadata-memo.json";
/// The document's file beside it, kept as cargo printed it.
const DOCUMENT: &str = "metadata.json";

/// What the memo keeps besides the document: the document's stamp when written, and each
/// manifest read as data.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    document: Option<(u64, u128)>,
    manifests: Vec<(PathBuf, String)>,
}

/// The metadata memo of one load: where it lives, what it is for, what was stamped before
/// cargo ran, and what [`MetadataMemo::lookup`] found.
#[derive(Debug)]
pub(super) struct MetadataMemo {
    path: PathBuf,
    key: String,
    stamps: Vec<Stamp>,
    found: Found,
}

/// What a lookup found, which says what to keep afterwards.
#[derive(Debug)]
enum Found {
    /// Nothing usable: the document comes from cargo, and is kept.
    Nothing,
    /// A memo nothing of has changed: nothing to write.
    Fresh,
    /// A memo stale only by manifests that read the same as data: stamped anew, with the
    /// manifests as it kept them.
    Restamp(Vec<(PathBuf, String)>),
}

impl MetadataMemo {
    /// The memo for running `cli` from `options.cwd` in the workspace at `root`, with the
    /// `stamps` taken before cargo runs ([`unit_graph_memo::stamp_early`]).
    pub(super) fn new(
        root: &Path,
        options: &LoadOptions,
        cli: &CargoCli,
        stamps: Vec<Stamp>,
    ) -> MetadataMemo {
        let mut commands = vec![cli.display(), format!("cwd {}", options.cwd.display())];
        // Without `$CARGO`, `PATH` chooses the cargo that runs.
        if let Some(path) = std::env::var_os("PATH") {
            commands.push(format!("PATH={}", path.to_string_lossy()));
        }
        MetadataMemo {
            path: unit_graph_memo::memo_path(root, &options.env, MEMO),
            key: unit_graph_memo::memo_key(commands, &options.env),
            stamps,
            found: Found::Nothing,
        }
    }

    /// The kept document, if nothing it is made of changed since it was written. A memo stale
    /// only by manifests that read the same as data is used, and stamped anew by
    /// [`MetadataMemo::keep`].
    pub(super) fn lookup(&mut self) -> Option<Vec<u8>> {
        let memo = Memo::<Kept>::load_any(&self.path, &self.key)?;
        let kept = memo.payload();
        let mut stale = false;
        for path in memo.stale_paths() {
            let (_, hash) = kept.manifests.iter().find(|(p, _)| p == path)?;
            if manifest_data_hash(path).as_ref() != Some(hash) {
                return None;
            }
            stale = true;
        }
        let document = self.path.with_file_name(DOCUMENT);
        if kept.document.is_none() || file_stamp(&document) != kept.document {
            return None;
        }
        let bytes = std::fs::read(&document).ok()?;
        self.found = if stale {
            Found::Restamp(kept.manifests.clone())
        } else {
            Found::Fresh
        };
        Some(bytes)
    }

    /// What keeps `metadata` (read from cargo, or kept and found stale only by manifests that
    /// read the same), to run once cargo has exited successfully. Best effort: a read-only
    /// target directory costs the next run time, never this one.
    pub(super) fn keeper(self, metadata: &Metadata) -> impl FnOnce() + Send + use<> {
        // Only where cargo puts the target directory, never beside it.
        let in_target = self
            .path
            .starts_with(metadata.target_directory.join("cargo-tune"));
        let package_manifests = unit_graph_memo::path_manifests(metadata);
        let root_manifest = metadata.workspace_root.join("Cargo.toml");
        let document = metadata.document().cloned();
        move || {
            if in_target {
                self.keep(package_manifests, &root_manifest, document);
            }
        }
    }

    fn keep(
        self,
        package_manifests: Vec<PathBuf>,
        root_manifest: &Path,
        document: Option<std::sync::Arc<Vec<u8>>>,
    ) {
        let document_path = self.path.with_file_name(DOCUMENT);
        let root = manifest_data(root_manifest);
        let hashes = match (self.found, document) {
            (Found::Fresh, _) | (Found::Nothing, None) => return,
            (Found::Restamp(hashes), _) => hashes,
            (Found::Nothing, Some(bytes)) => {
                let dir = self.path.parent().unwrap_or(Path::new("."));
                if std::fs::create_dir_all(dir)
                    .and_then(|()| crate::fsutil::write_atomic(&document_path, &bytes))
                    .is_err()
                {
                    return;
                }
                let mut hashes: Vec<(PathBuf, String)> = package_manifests
                    .iter()
                    .filter(|p| p.as_path() != root_manifest)
                    .filter_map(|p| Some((p.clone(), data_hash(manifest_data(p)?))))
                    .collect();
                if let Some(root) = root.clone() {
                    hashes.push((root_manifest.to_owned(), data_hash(root)));
                }
                hashes.sort();
                hashes
            }
        };
        let mut stamps = self.stamps;
        let globs = root.as_ref().map(members_globs).unwrap_or_default();
        stamps.extend(
            glob_dirs(root_manifest, &globs, &package_manifests)
                .into_iter()
                .map(|d| {
                    let stamp = file_stamp(&d);
                    (d, stamp)
                }),
        );
        Memo::save(
            &self.path,
            self.key,
            stamps,
            package_manifests,
            String::new(),
            Kept {
                document: file_stamp(&document_path),
                manifests: hashes,
            },
        );
    }
}

/// The patterns of the root manifest's `workspace.members`.
fn members_globs(root: &serde_json::Value) -> Vec<String> {
    root.get("workspace")
        .and_then(|w| w.get("members")?.as_array())
        .map(|members| {
            members
                .iter()
                .filter_map(|m| Some(m.as_str()?.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The directories a glob in `workspace.members` reads: for each pattern with a wildcard, the
/// directory above its first one, and every directory between there and a package it matched.
/// A new member there changes one of them; a directory elsewhere changes nothing cargo reads.
fn glob_dirs(
    root_manifest: &Path,
    patterns: &[String],
    package_manifests: &[PathBuf],
) -> Vec<PathBuf> {
    let Some(root) = root_manifest.parent() else {
        return Vec::new();
    };
    let mut dirs = Vec::new();
    for pattern in patterns {
        let Some(wild) = pattern.find(['*', '?', '[']) else {
            continue;
        };
        let base = root.join(pattern[..wild].rsplit_once('/').map_or("", |(dir, _)| dir));
        for manifest in package_manifests {
            let mut dir = manifest.parent().and_then(Path::parent);
            while let Some(d) = dir.filter(|d| d.starts_with(&base) && *d != base) {
                dirs.push(d.to_owned());
                dir = d.parent();
            }
        }
        dirs.push(base);
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// A manifest read as data; `None` when it cannot be read.
fn manifest_data(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    toml_edit::de::from_str(&text).ok()
}

/// A manifest's data without its profiles, hashed: equal for two versions of a file that cargo
/// reads the same for its metadata.
fn data_hash(mut data: serde_json::Value) -> String {
    if let Some(table) = data.as_object_mut() {
        table.remove("profile");
    }
    content_hash(data.to_string().as_bytes())
}

/// [`data_hash`] of the manifest at `path`, `None` when it cannot be read.
fn manifest_data_hash(path: &Path) -> Option<String> {
    manifest_data(path).map(data_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(dir: &Path, text: &str) -> Option<String> {
        let path = dir.join("Cargo.toml");
        crate::fsutil::write_atomic(&path, text.as_bytes()).unwrap();
        manifest_data_hash(&path)
    }

    #[test]
    fn a_manifest_reads_the_same_after_comments_formatting_and_profiles_only() {
        let dir = tempfile::tempdir().unwrap();
        let base = "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nb = \"1\"\n";
        let before = hash_of(dir.path(), base).unwrap();
        // Each text, and whether cargo's metadata reads it as the same as `base`.
        let cases = [
            (
                "# a comment\n[package]\nname = \"a\"   # the name\nversion = \"0.1.0\"\n\n[dependencies]\nb = \"1\"\n",
                true,
            ),
            (
                "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nb = \"1\"\n[profile.dev]\nopt-level = 1\n",
                true,
            ),
            (
                "dependencies = { b = '1' }\n[package]\nversion = \"0.1.0\"\nname = \"a\"\n",
                true,
            ),
            (
                "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nb = \"2\"\n",
                false,
            ),
            (
                "[package]\nname = \"a\"\nversion = \"0.1.0\"\ndescription = \"x\"\n[dependencies]\nb = \"1\"\n",
                false,
            ),
            (
                "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nb = \"1\"\n[features]\nf = []\n",
                false,
            ),
        ];
        for (text, same) in cases {
            assert_eq!(
                hash_of(dir.path(), text) == Some(before.clone()),
                same,
                "{text}"
            );
        }
        assert_eq!(hash_of(dir.path(), "[package"), None);
    }

    #[test]
    fn the_directories_a_members_glob_reads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        crate::fsutil::write_atomic(
            &root.join("Cargo.toml"),
            b"[workspace]\nmembers = [\"app\", \"crates/*\", \"tools/x*/sub\"]\n",
        )
        .unwrap();
        let packages = [
            root.join("app/Cargo.toml"),
            root.join("crates/a/Cargo.toml"),
            root.join("tools/x1/sub/Cargo.toml"),
            root.join("../outside/Cargo.toml"),
        ];
        let data = manifest_data(&root.join("Cargo.toml")).unwrap();
        assert_eq!(
            glob_dirs(&root.join("Cargo.toml"), &members_globs(&data), &packages),
            [
                root.join("crates"),
                root.join("tools"),
                root.join("tools/x1"),
            ]
        );
    }
}
