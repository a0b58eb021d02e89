//! `target/cargo-tune/history.jsonl`: one JSON line per finished `bench` or `try`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cargo_tune_schema::HistoryEntry;

/// Where the history of a workspace whose target directory is `target_directory` lives.
pub fn path(target_directory: &Path) -> PathBuf {
    target_directory.join("cargo-tune").join("history.jsonl")
}

/// Appends `entry` as one line. A single `write` of a line keeps concurrent appends whole.
pub fn append(path: &Path, entry: &HistoryEntry) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&line)
}
