//! Releases of crates.io packages as cargo last fetched them, read from cargo's local index cache
//! (`$CARGO_HOME/registry/index/<registry>/.cache/…`).
//!
//! The cache is cargo's own format, unversioned as an interface; `tame-index` follows it: the
//! directory names (which changed with cargo 1.85), crate paths, the header it validates, and the
//! index lines. cargo-tune only walks the `version NUL line NUL` pairs after the header, so that
//! it deserializes just the releases an analysis asks about (see `docs/performance.md`). Every
//! failure to find or read a file means "no data" rather than an error: suggestions that need it
//! are then left out.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::cargo::metadata::Metadata;
use semver::{Version, VersionReq};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tame_index::index::cache::ValidCacheEntry;
use tame_index::krate::DependencyKind;

use super::Lockfile;

/// What cargo's local index cache knows about some crates.io packages. Raw cache files are kept
/// and parsed on demand, so loading stays cheap when few of them are consulted.
#[derive(Debug, Default)]
pub struct RegistryIndex {
    /// Answers computed from cache files in earlier runs (see [`RegistryIndex::memoized`]).
    memo: Mutex<Memo>,
    /// Where the memo is kept between runs.
    memo_path: Option<PathBuf>,
    /// The `.cache` directories of crates.io indexes, sparse first.
    dirs: Vec<PathBuf>,
    /// The names that may be looked up; each file is read on first use. A large workspace has
    /// hundreds of candidate parents but the analysis consults a few dozen, and reading every
    /// cache file up front cost more than the rest of the audit.
    caches: HashMap<String, OnceLock<Option<CacheFile>>>,
}

/// Answers derived from cache files, kept across runs. Each is valid while the cache file it
/// was computed from keeps its size and modification time, which cargo changes whenever it
/// refreshes the index; reading and parsing those files is otherwise the largest cost of an
/// audit of a big workspace.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Memo {
    /// The memo format; a different one is discarded.
    version: u32,
    entries: HashMap<String, MemoEntry>,
    /// Keys looked up in this run; only those are saved, so the memo does not grow forever.
    #[serde(skip)]
    used: BTreeSet<String>,
    #[serde(skip)]
    dirty: bool,
}

const MEMO_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct MemoEntry {
    /// Size and modification time (ns since the epoch) of the cache file.
    stamp: (u64, u128),
    answer: serde_json::Value,
}

/// A release's version and the byte range of its index line in a cache file.
type VersionLine = (Version, Range<usize>);

/// One cache file, with the versions it lists and where each line sits, found on first use.
#[derive(Clone, Debug)]
struct CacheFile {
    bytes: Vec<u8>,
    lines: OnceLock<Option<Vec<VersionLine>>>,
}

impl CacheFile {
    fn new(bytes: Vec<u8>) -> Self {
        CacheFile {
            bytes,
            lines: OnceLock::new(),
        }
    }
}

/// One release of a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexRelease {
    /// The version.
    pub version: Version,
    /// Whether it was yanked when cargo last fetched the index.
    pub yanked: bool,
    /// Its dependencies.
    pub deps: Vec<IndexDep>,
}

/// One dependency of a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDep {
    /// The package depended on (the real name, also when renamed).
    pub package: String,
    /// The requirement.
    pub req: VersionReq,
    /// `normal`, `build` or `dev`.
    pub kind: String,
    /// Whether it is optional.
    pub optional: bool,
    /// The `cfg(…)` or triple it is limited to, if any.
    pub target: Option<String>,
}

impl RegistryIndex {
    /// An index of the cache files of `names` in the crates.io index caches under
    /// `cargo_home`; nothing is read until a name is looked up.
    pub fn load<'a>(cargo_home: &Path, names: impl IntoIterator<Item = &'a str>) -> RegistryIndex {
        let dirs = index_dirs(cargo_home);
        if dirs.is_empty() {
            return RegistryIndex::default();
        }
        RegistryIndex {
            dirs,
            caches: names
                .into_iter()
                .map(|n| (n.to_owned(), OnceLock::new()))
                .collect(),
            ..RegistryIndex::default()
        }
    }

    /// Keeps answers between runs in `path` (read now, written by [`RegistryIndex::save_memo`]).
    pub fn with_memo(mut self, path: PathBuf) -> Self {
        let memo = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Memo>(&bytes).ok())
            .filter(|m| m.version == MEMO_VERSION)
            .unwrap_or_default();
        self.memo = Mutex::new(memo);
        self.memo_path = Some(path);
        self
    }

    /// Size and modification time of `name`'s cache file, without reading it.
    fn stamp(&self, name: &str) -> Option<(u64, u128)> {
        let rel = cache_rel_path(name)?;
        self.dirs
            .iter()
            .find_map(|dir| crate::fsutil::file_stamp(&dir.join(&rel)))
    }

    /// `compute()`'s answer about `name`'s releases, taken from earlier runs while `name`'s
    /// cache file is unchanged. `key` names the question and must include `name`.
    pub fn memoized<T: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        key: &str,
        compute: impl FnOnce() -> T,
    ) -> T {
        let Some(stamp) = self.stamp(name).filter(|_| self.memo_path.is_some()) else {
            return compute();
        };
        let mut memo = self.memo();
        memo.used.insert(key.to_owned());
        if let Some(entry) = memo.entries.get(key).filter(|e| e.stamp == stamp)
            && let Ok(answer) = serde_json::from_value(entry.answer.clone())
        {
            return answer;
        }
        drop(memo);
        let answer = compute();
        if let Ok(value) = serde_json::to_value(&answer) {
            let mut memo = self.memo();
            memo.entries.insert(
                key.to_owned(),
                MemoEntry {
                    stamp,
                    answer: value,
                },
            );
            memo.dirty = true;
        }
        answer
    }

    /// The memo, locked; a panic in another thread does not stop its use, as it is only a cache.
    fn memo(&self) -> std::sync::MutexGuard<'_, Memo> {
        self.memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes the memo if this run added to it or left entries unused. A failure only costs the
    /// next run time, so callers may ignore it.
    pub fn save_memo(&self) -> std::io::Result<()> {
        let Some(path) = &self.memo_path else {
            return Ok(());
        };
        let mut memo = self.memo();
        let unused = memo.entries.keys().any(|k| !memo.used.contains(k));
        if !memo.dirty && !unused {
            return Ok(());
        }
        let used = std::mem::take(&mut memo.used);
        memo.entries.retain(|k, _| used.contains(k));
        memo.version = MEMO_VERSION;
        let bytes = serde_json::to_vec(&*memo).map_err(std::io::Error::other)?;
        memo.used = used;
        memo.dirty = false;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        crate::fsutil::write_atomic(path, &bytes)
    }

    /// The cache file of `name`, read on first use.
    fn file(&self, name: &str) -> Option<&CacheFile> {
        let cell = self.caches.get(name)?;
        cell.get_or_init(|| {
            let rel = cache_rel_path(name)?;
            self.dirs
                .iter()
                .find_map(|dir| std::fs::read(dir.join(&rel)).ok())
                .map(CacheFile::new)
        })
        .as_ref()
    }

    /// Adds (or replaces) the raw cache file of `name`, as [`RegistryIndex::load`] would read it.
    pub fn insert_cache(&mut self, name: &str, bytes: Vec<u8>) {
        self.caches
            .insert(name.to_owned(), OnceLock::from(Some(CacheFile::new(bytes))));
    }

    /// Whether no name can be looked up.
    pub fn is_empty(&self) -> bool {
        self.caches.is_empty()
    }

    /// The releases of `name`, in cache order (ascending versions); empty if unknown.
    pub fn releases(&self, name: &str) -> Vec<IndexRelease> {
        self.releases_where(name, |_| true)
    }

    /// The releases of `name` whose version passes `keep`. Only those lines are deserialized:
    /// cache files of popular crates run to megabytes, and the analyses want a few releases.
    pub fn releases_where(&self, name: &str, keep: impl Fn(&Version) -> bool) -> Vec<IndexRelease> {
        let Some(file) = self.file(name) else {
            return Vec::new();
        };
        let Some(lines) = file.lines.get_or_init(|| scan_cache(&file.bytes)) else {
            return Vec::new();
        };
        lines
            .iter()
            .filter(|(version, _)| keep(version))
            .filter_map(|(_, range)| parse_line(&file.bytes[range.clone()]))
            .collect()
    }
}

/// The `.cache` directories of the crates.io index in `cargo_home` that exist: the sparse
/// index as cargo ≥ 1.85 names its directory, then as older cargo did, then the git index.
fn index_dirs(cargo_home: &Path) -> Vec<PathBuf> {
    let Some(root) = tame_index::PathBuf::from_path_buf(cargo_home.to_owned()).ok() else {
        return Vec::new();
    };
    let mut dirs = Vec::new();
    for url in [
        tame_index::CRATES_IO_HTTP_INDEX,
        tame_index::CRATES_IO_INDEX,
    ] {
        for stable_hash in [true, false] {
            if let Ok((dir, _)) =
                tame_index::utils::get_index_details(url, Some(root.clone()), stable_hash)
            {
                let cache = PathBuf::from(dir.join(".cache"));
                if cache.is_dir() && !dirs.contains(&cache) {
                    dirs.push(cache);
                }
            }
        }
    }
    dirs
}

/// Where cargo caches `name` inside an index's `.cache` directory (`1/a`, `2/ab`, `3/a/abc`,
/// `ab/cd/abcd…`, lowercased); `None` for a name crates.io cannot hold.
pub fn cache_rel_path(name: &str) -> Option<PathBuf> {
    let name = tame_index::KrateName::crates_io(name).ok()?;
    Some(PathBuf::from(name.relative_path(None)))
}

/// Parses one cache file; `None` if it is not a cache file of a layout cargo writes today.
pub fn parse_cache(bytes: &[u8]) -> Option<Vec<IndexRelease>> {
    let lines = scan_cache(bytes)?;
    Some(
        lines
            .into_iter()
            .filter_map(|(_, range)| parse_line(&bytes[range]))
            .collect(),
    )
}

/// The versions a cache file lists, each with the byte range of its index line, after
/// `tame-index` has validated the header.
fn scan_cache(bytes: &[u8]) -> Option<Vec<VersionLine>> {
    let entries = ValidCacheEntry::read(bytes).ok()?.version_entries;
    // The entries are the tail of the file.
    let mut at = bytes.len() - entries.len();
    let mut fields = entries.split(|&b| b == 0).map(|field| {
        let range = at..at + field.len();
        at += field.len() + 1;
        range
    });
    let mut lines = Vec::new();
    while let (Some(version), Some(line)) = (fields.next(), fields.next()) {
        if version.is_empty() {
            break;
        }
        if let Some(version) = std::str::from_utf8(&bytes[version])
            .ok()
            .and_then(|v| Version::parse(v).ok())
        {
            lines.push((version, line));
        }
    }
    Some(lines)
}

/// One index line, deserialized as `tame-index` reads the index.
fn parse_line(line: &[u8]) -> Option<IndexRelease> {
    let v: tame_index::IndexVersion = serde_json::from_slice(line).ok()?;
    Some(IndexRelease {
        version: Version::parse(&v.version).ok()?,
        yanked: v.is_yanked(),
        deps: v
            .dependencies()
            .iter()
            .filter_map(|d| {
                Some(IndexDep {
                    package: d.crate_name().to_owned(),
                    req: VersionReq::parse(&d.req).ok()?,
                    kind: match d.kind() {
                        DependencyKind::Normal => "normal",
                        DependencyKind::Build => "build",
                        DependencyKind::Dev => "dev",
                    }
                    .to_owned(),
                    optional: d.is_optional(),
                    target: d.target().map(str::to_owned),
                })
            })
            .collect(),
    })
}

/// The crates.io packages whose releases the duplicates analysis may look up: those whose
/// requirement on a package `Cargo.lock` holds in several versions rejects one of its newer
/// locked versions. Most dependents of a duplicated package admit the newer version, so this
/// keeps the files read (and held) to the few that can matter.
pub fn duplicate_parents(metadata: &Metadata, lockfile: Option<&Lockfile>) -> BTreeSet<String> {
    let Some(lockfile) = lockfile else {
        return BTreeSet::new();
    };
    let mut locked: HashMap<&str, Vec<Version>> = HashMap::new();
    for p in &lockfile.packages {
        if let Ok(version) = Version::parse(&p.version) {
            locked.entry(p.name.as_str()).or_default().push(version);
        }
    }
    locked.retain(|_, versions| versions.len() > 1);
    metadata
        .packages
        .iter()
        .filter(|p| {
            p.source
                .as_ref()
                .is_some_and(crate::cargo::metadata::Source::is_crates_io)
        })
        .filter(|p| {
            p.dependencies.iter().any(|d| {
                locked.get(d.name.as_str()).is_some_and(|versions| {
                    // Held at an older version that its requirement selects, with a newer one
                    // locked that the requirement rejects.
                    versions.iter().any(|held| d.req.matches(held))
                        && versions.iter().any(|newer| !d.req.matches(newer))
                })
            })
        })
        .map(|p| p.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use cargo_tune_test_support::{INDEX_CKSUM, index_cache as synth_cache, index_line as line};

    use super::*;

    #[test]
    fn cache_paths_follow_the_index_layout() {
        let rel = |name| cache_rel_path(name).unwrap();
        assert_eq!(rel("a"), Path::new("1/a"));
        assert_eq!(rel("ab"), Path::new("2/ab"));
        assert_eq!(rel("hex"), Path::new("3/h/hex"));
        assert_eq!(rel("Serde_json"), Path::new("se/rd/serde_json"));
        assert_eq!(cache_rel_path("../etc"), None, "not a crate name");
    }

    #[test]
    fn parses_a_synthesized_cache() {
        let bytes = synth_cache(&[
            (
                "1.0.0",
                line("parent", "1.0.0", &[("child", "^0.1")], false),
            ),
            ("1.1.0", line("parent", "1.1.0", &[("child", "^0.2")], true)),
        ]);
        let releases = parse_cache(&bytes).unwrap();
        assert_eq!(releases.len(), 2);
        assert_eq!(releases[0].version, Version::new(1, 0, 0));
        assert!(!releases[0].yanked);
        assert_eq!(releases[1].deps[0].package, "child");
        assert!(releases[1].deps[0].req.matches(&Version::new(0, 2, 5)));
        assert!(releases[1].yanked);
    }

    #[test]
    fn renamed_dependencies_name_the_real_package() {
        let json = format!(
            r#"{{"name":"p","vers":"0.1.0","deps":[{{"name":"alias","package":"real","req":"^1","features":[],"default_features":true,"kind":"build","optional":true,"target":"cfg(windows)"}}],"cksum":"{INDEX_CKSUM}","features":{{}},"yanked":false}}"#
        );
        let releases = parse_cache(&synth_cache(&[("0.1.0", json)])).unwrap();
        let dep = &releases[0].deps[0];
        assert_eq!((dep.package.as_str(), dep.kind.as_str()), ("real", "build"));
        assert!(dep.optional);
        assert_eq!(dep.target.as_deref(), Some("cfg(windows)"));
    }

    #[test]
    fn unknown_layouts_and_bad_lines_mean_no_data() {
        assert_eq!(parse_cache(&[]), None);
        assert_eq!(parse_cache(&[9, 2, 0, 0, 0, 0]), None);
        let good = synth_cache(&[("0.2.0", line("p", "0.2.0", &[], false))]);
        assert_eq!(parse_cache(&good).unwrap().len(), 1);
        // A cache version cargo no longer writes: the file is cargo's to rewrite.
        let mut old = good;
        old[0] = 2;
        assert_eq!(parse_cache(&old), None);
        // A line that is not an index line is left out; the others stand.
        let bytes = synth_cache(&[
            ("0.1.0", "not json".to_owned()),
            ("0.2.0", line("p", "0.2.0", &[], false)),
        ]);
        let releases = parse_cache(&bytes).unwrap();
        assert_eq!(releases.len(), 1);
        assert_eq!(releases[0].version, Version::new(0, 2, 0));
    }

    /// The sparse crates.io index cache as cargo 1.95 names it in `cargo_home`: this is the
    /// directory a fresh `cargo fetch` creates, `~/.cargo/registry/index/index.crates.io-…`.
    fn index_cache(cargo_home: &Path) -> PathBuf {
        cargo_home.join("registry/index/index.crates.io-1949cf8c6b5b557f/.cache")
    }

    #[test]
    fn loads_from_a_cargo_home() {
        let home = tempfile::tempdir().unwrap();
        let cache = index_cache(home.path());
        let path = cache.join(cache_rel_path("parent").unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let bytes = synth_cache(&[("1.0.0", line("parent", "1.0.0", &[], false))]);
        crate::fsutil::write_atomic(&path, &bytes).unwrap();
        let index = RegistryIndex::load(home.path(), ["parent", "absent"]);
        assert_eq!(index.releases("parent").len(), 1);
        assert!(index.releases("absent").is_empty());
        assert!(RegistryIndex::load(&home.path().join("nope"), ["parent"]).is_empty());
    }

    #[test]
    fn memo_answers_repeat_questions_until_the_cache_file_changes() {
        let home = tempfile::tempdir().unwrap();
        let path = index_cache(home.path()).join(cache_rel_path("parent").unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let one = synth_cache(&[("1.0.0", line("parent", "1.0.0", &[], false))]);
        crate::fsutil::write_atomic(&path, &one).unwrap();
        let memo = home.path().join("target/cargo-tune/index-memo.json");
        let ask = |expected_compute: bool| {
            let index = RegistryIndex::load(home.path(), ["parent"]).with_memo(memo.clone());
            let mut computed = false;
            let answer = index.memoized("parent", "count parent", || {
                computed = true;
                index.releases("parent").len()
            });
            assert_eq!(computed, expected_compute);
            index.save_memo().unwrap();
            answer
        };
        assert_eq!(ask(true), 1);
        assert_eq!(ask(false), 1, "answered from the memo");
        // cargo refreshed the index: the stamp changes and the answer is computed again.
        let two = synth_cache(&[
            ("1.0.0", line("parent", "1.0.0", &[], false)),
            ("1.1.0", line("parent", "1.1.0", &[], false)),
        ]);
        crate::fsutil::write_atomic(&path, &two).unwrap();
        assert_eq!(ask(true), 2);
        assert_eq!(ask(false), 2);
    }
}
