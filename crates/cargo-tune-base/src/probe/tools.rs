use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::exec::which::is_executable;

/// Where a tool was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolLocation {
    /// The file on `PATH` (as found, before resolving links).
    pub path: PathBuf,
    /// The LLVM major version the tool belongs to, for LLVM tools: from a `-NN` suffix or an
    /// `llvm-NN` directory the file links into.
    pub llvm_major: Option<u32>,
}

/// The build-relevant tools on `PATH`, found without running any of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tools {
    found: BTreeMap<String, ToolLocation>,
}

/// Tools cargo-tune looks for; LLVM tools are also matched with a `-NN` suffix.
pub(super) const KNOWN: &[&str] = &[
    "mold",
    "wild",
    "ld.lld",
    "clang",
    "gcc",
    "cc",
    "sccache",
    "cargo-nextest",
    "llvm-profdata",
    "llvm-bolt",
    "merge-fdata",
    "hyperfine",
    "redis-server",
    "git",
];
const SUFFIXED: &[&str] = &[
    "ld.lld",
    "clang",
    "llvm-profdata",
    "llvm-bolt",
    "merge-fdata",
];

impl Tools {
    /// Scans the directories of `path` (a `PATH` value); the first directory wins, as for a shell.
    pub fn scan(path: Option<&OsStr>) -> Tools {
        let mut found = BTreeMap::new();
        let Some(path) = path else {
            return Tools { found };
        };
        for dir in std::env::split_paths(path) {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if canonical_name(name).is_none() {
                    continue;
                }
                if found.contains_key(name) || !is_executable(&entry.path()) {
                    continue;
                }
                let path = entry.path();
                let llvm_major = llvm_major_of(name, &path);
                found.insert(name.to_owned(), ToolLocation { path, llvm_major });
            }
        }
        Tools { found }
    }

    /// The tool `name` exactly as named on `PATH`.
    pub fn get(&self, name: &str) -> Option<&ToolLocation> {
        self.found.get(name)
    }

    /// Whether `name` is on `PATH`.
    pub fn has(&self, name: &str) -> bool {
        self.found.contains_key(name)
    }

    /// Every variant of an LLVM tool (`llvm-profdata`, `llvm-profdata-22`, …) as
    /// `(name, location)`, unsuffixed first.
    pub fn variants<'a>(
        &'a self,
        base: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a ToolLocation)> + 'a {
        self.found
            .iter()
            .filter(move |(name, _)| canonical_name(name) == Some(base))
            .map(|(n, l)| (n.as_str(), l))
    }

    /// The variant of `base` built for LLVM `major`, if any.
    pub fn matching_llvm<'a>(
        &'a self,
        base: &'a str,
        major: u32,
    ) -> Option<(&'a str, &'a ToolLocation)> {
        self.variants(base)
            .find(|(_, l)| l.llvm_major == Some(major))
    }
}

/// The known tool `name` stands for: itself, or the base of a `-NN` suffixed LLVM tool.
fn canonical_name(name: &str) -> Option<&'static str> {
    if let Some(known) = KNOWN.iter().find(|k| **k == name) {
        return Some(known);
    }
    let (base, suffix) = name.rsplit_once('-')?;
    if suffix.is_empty() || !suffix.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    SUFFIXED.iter().find(|k| **k == base).copied()
}

fn llvm_major_of(name: &str, path: &Path) -> Option<u32> {
    if let Some((_, suffix)) = name.rsplit_once('-')
        && let Ok(major) = suffix.parse()
    {
        return Some(major);
    }
    // Debian links /usr/bin/llvm-profdata to /usr/lib/llvm-NN/bin/llvm-profdata.
    let target = std::fs::canonicalize(path).ok()?;
    target
        .components()
        .find_map(|c| c.as_os_str().to_str()?.strip_prefix("llvm-")?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_known_tools_and_llvm_suffixes_first_dir_wins() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for (dir, name) in [
            (&a, "mold"),
            (&a, "llvm-profdata-22"),
            (&b, "mold"),
            (&b, "unrelated"),
            (&b, "llvm-bolt-19"),
        ] {
            let path = dir.path().join(name);
            std::fs::File::create(&path).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        let tools = Tools::scan(Some(&path));
        assert_eq!(tools.get("mold").unwrap().path, a.path().join("mold"));
        assert!(!tools.has("unrelated"));
        assert_eq!(
            tools.matching_llvm("llvm-profdata", 22).unwrap().0,
            "llvm-profdata-22"
        );
        assert_eq!(
            tools.variants("llvm-bolt").next().unwrap().1.llvm_major,
            Some(19)
        );
    }
}
