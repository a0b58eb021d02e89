//! Finding programs on `PATH`, without running them.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The first executable `name` on `path`.
pub fn find_on_path(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// `name-NN` with the highest NN on `path`.
pub fn find_versioned(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    let mut best: Option<(u32, PathBuf)> = None;
    for dir in std::env::split_paths(path?) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let file = entry.file_name();
            let Some(n) = file
                .to_str()
                .and_then(|f| f.strip_prefix(name)?.strip_prefix('-')?.parse::<u32>().ok())
            else {
                continue;
            };
            if is_executable(&entry.path()) && best.as_ref().is_none_or(|(b, _)| n > *b) {
                best = Some((n, entry.path()));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// Whether `path` is a file this user may run.
#[cfg(unix)]
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether `path` is a file (no execute bit to check here).
#[cfg(not(unix))]
pub fn is_executable(path: &Path) -> bool {
    path.is_file()
}
