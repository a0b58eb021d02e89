//! Releases of crates.io packages as cargo last fetched them, read from cargo's local index cache
//! (`$CARGO_HOME/registry/index/<registry>/.cache/…`).
//!
//! The cache is cargo's own binary format, unversioned as an interface, so every failure to read
//! or parse it means "no data" rather than an error: suggestions that need it are then left out.
//!
//! Layout of one cache file (cargo 1.95, cache version 3):
//!
//! ```text
//! u8 cache version | u32 LE index schema version | index file version (etag…) | 0
//! then, repeated:   semver version | 0 | one line of the index (JSON) | 0
//! ```

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::cargo::metadata::Metadata;
use semver::{Version, VersionReq};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::Lockfile;

/// Cache versions whose layout this reader knows.
const KNOWN_CACHE_VERSIONS: std::ops::RangeInclusive<u8> = 1..=3;

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

/// A release's version and the byte range of its JSON line in a cache file.
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
        let index_root = cargo_home.join("registry").join("index");
        let Ok(entries) = std::fs::read_dir(&index_root) else {
            return RegistryIndex::default();
        };
        // The sparse protocol's directory first: it is what current cargo fetches.
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("index.crates.io-") || name.starts_with("github.com-")
            })
            .map(|e| e.path().join(".cache"))
            .collect();
        dirs.sort_by_key(|d| !d.to_string_lossy().contains("index.crates.io-"));
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
        let rel = cache_rel_path(name);
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
        let mut memo = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        memo.used.insert(key.to_owned());
        if let Some(entry) = memo.entries.get(key).filter(|e| e.stamp == stamp)
            && let Ok(answer) = serde_json::from_value(entry.answer.clone())
        {
            return answer;
        }
        drop(memo);
        let answer = compute();
        if let Ok(value) = serde_json::to_value(&answer) {
            let mut memo = self
                .memo
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
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

    /// Writes the memo if this run added to it or left entries unused. A failure only costs the
    /// next run time, so callers may ignore it.
    pub fn save_memo(&self) -> std::io::Result<()> {
        let Some(path) = &self.memo_path else {
            return Ok(());
        };
        let mut memo = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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
            let rel = cache_rel_path(name);
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

    /// The releases of `name` whose version passes `keep`. Only those lines are parsed: cache
    /// files of popular crates run to megabytes.
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

/// Where cargo caches `name` inside an index's `.cache` directory (the index's own layout:
/// `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`, lowercased).
pub fn cache_rel_path(name: &str) -> PathBuf {
    let name = name.to_ascii_lowercase();
    match name.len() {
        1 => Path::new("1").join(&name),
        2 => Path::new("2").join(&name),
        3 => Path::new("3").join(&name[..1]).join(&name),
        _ => Path::new(&name[..2]).join(&name[2..4]).join(&name),
    }
}

/// Parses one cache file; `None` if its header is not a layout this reader knows.
pub fn parse_cache(bytes: &[u8]) -> Option<Vec<IndexRelease>> {
    let lines = scan_cache(bytes)?;
    Some(
        lines
            .into_iter()
            .filter_map(|(_, range)| parse_line(&bytes[range]))
            .collect(),
    )
}

/// The versions a cache file lists, each with the byte range of its JSON line.
fn scan_cache(bytes: &[u8]) -> Option<Vec<VersionLine>> {
    let (&cache_version, _) = bytes.split_first()?;
    if !KNOWN_CACHE_VERSIONS.contains(&cache_version) || bytes.len() < 5 {
        return None;
    }
    let mut fields = Fields { bytes, at: 5 };
    // The index file version (etag or last-modified) is not needed.
    fields.next()?;
    let mut lines = Vec::new();
    while let (Some(version), Some(json)) = (fields.next(), fields.next()) {
        if version.is_empty() {
            break;
        }
        if let Some(version) = std::str::from_utf8(&bytes[version])
            .ok()
            .and_then(|v| Version::parse(v).ok())
        {
            lines.push((version, json));
        }
    }
    Some(lines)
}

/// NUL-terminated fields of a cache file, as byte ranges.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Iterator for Fields<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let rest = self.bytes.get(self.at..).filter(|r| !r.is_empty())?;
        let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let range = self.at..self.at + len;
        self.at += len + 1;
        Some(range)
    }
}

#[derive(Deserialize)]
struct RawRelease<'a> {
    #[serde(borrow)]
    vers: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    deps: Vec<RawDep<'a>>,
    #[serde(default)]
    yanked: bool,
}

#[derive(Deserialize)]
struct RawDep<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    req: std::borrow::Cow<'a, str>,
    #[serde(default)]
    optional: bool,
    #[serde(default, borrow)]
    target: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    package: Option<std::borrow::Cow<'a, str>>,
}

fn parse_line(json: &[u8]) -> Option<IndexRelease> {
    let raw: RawRelease<'_> = serde_json::from_slice(json).ok()?;
    let version = Version::parse(&raw.vers).ok()?;
    let deps = raw
        .deps
        .into_iter()
        .filter_map(|d| {
            Some(IndexDep {
                package: d.package.unwrap_or(d.name).into_owned(),
                req: VersionReq::parse(&d.req).ok()?,
                kind: d
                    .kind
                    .map_or_else(|| "normal".to_owned(), std::borrow::Cow::into_owned),
                optional: d.optional,
                target: d.target.map(std::borrow::Cow::into_owned),
            })
        })
        .collect();
    Some(IndexRelease {
        version,
        yanked: raw.yanked,
        deps,
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
pub(crate) mod tests {
    use super::*;

    /// A cache file in cargo's layout, for `(version, json line)` pairs.
    pub(crate) fn synth_cache(entries: &[(&str, String)]) -> Vec<u8> {
        let mut bytes = vec![3u8];
        bytes.extend_from_slice(&2u32.to_le_bytes());
        bytes.extend_from_slice(b"etag: \"abc\"\0");
        for (version, json) in entries {
            bytes.extend_from_slice(version.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(json.as_bytes());
            bytes.push(0);
        }
        bytes
    }

    /// One index line for `name@vers` with `(dep, req)` normal dependencies.
    pub(crate) fn line(name: &str, vers: &str, deps: &[(&str, &str)], yanked: bool) -> String {
        let deps: Vec<serde_json::Value> = deps
            .iter()
            .map(|(dep, req)| {
                serde_json::json!({"name": dep, "req": req, "features": [], "optional": false,
                    "default_features": true, "target": null, "kind": "normal"})
            })
            .collect();
        serde_json::json!({"name": name, "vers": vers, "deps": deps, "cksum": "00", "features": {},
            "yanked": yanked})
        .to_string()
    }

    #[test]
    fn cache_paths_follow_the_index_layout() {
        assert_eq!(cache_rel_path("a"), Path::new("1/a"));
        assert_eq!(cache_rel_path("ab"), Path::new("2/ab"));
        assert_eq!(cache_rel_path("hex"), Path::new("3/h/hex"));
        assert_eq!(cache_rel_path("Serde_json"), Path::new("se/rd/serde_json"));
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
        let json = r#"{"name":"p","vers":"0.1.0","deps":[{"name":"alias","package":"real","req":"^1","kind":"build","optional":true,"target":"cfg(windows)"}],"yanked":false}"#;
        let releases = parse_cache(&synth_cache(&[("0.1.0", json.to_owned())])).unwrap();
        let dep = &releases[0].deps[0];
        assert_eq!((dep.package.as_str(), dep.kind.as_str()), ("real", "build"));
        assert!(dep.optional);
        assert_eq!(dep.target.as_deref(), Some("cfg(windows)"));
    }

    #[test]
    fn unknown_layouts_and_bad_lines_mean_no_data() {
        assert_eq!(parse_cache(&[]), None);
        assert_eq!(parse_cache(&[9, 2, 0, 0, 0, 0]), None);
        let bytes = synth_cache(&[
            ("0.1.0", "not json".to_owned()),
            ("0.2.0", line("p", "0.2.0", &[], false)),
        ]);
        let releases = parse_cache(&bytes).unwrap();
        assert_eq!(releases.len(), 1);
        assert_eq!(releases[0].version, Version::new(0, 2, 0));
    }

    #[test]
    fn loads_from_a_cargo_home() {
        let home = tempfile::tempdir().unwrap();
        let cache = home
            .path()
            .join("registry/index/index.crates.io-0123456789abcdef/.cache");
        let path = cache.join(cache_rel_path("parent"));
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
        let path = home
            .path()
            .join("registry/index/index.crates.io-0123456789abcdef/.cache")
            .join(cache_rel_path("parent"));
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
