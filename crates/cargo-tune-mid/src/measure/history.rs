//! `target/cargo-tune/history.jsonl`: one JSON line per finished `bench`, `try` or `plan`
//! baseline.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cargo_tune_schema::{FORMAT_VERSION, HistoryEntry};

use crate::fsutil::ReadError;

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

/// The lines of a history file this cargo-tune reads, with their 1-based line numbers, and how
/// many it skipped (another format version, or a line cut short).
pub fn read_history(path: &Path) -> Result<(Vec<(usize, HistoryEntry)>, usize), ReadError> {
    let text = crate::fsutil::read_text(path)?;
    Ok(parse_history(&text))
}

/// [`read_history`] on text.
pub fn parse_history(text: &str) -> (Vec<(usize, HistoryEntry)>, usize) {
    let mut entries = Vec::new();
    let mut skipped = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<HistoryEntry>(line) {
            Ok(e) if e.format_version == FORMAT_VERSION => entries.push((i + 1, e)),
            _ => skipped += 1,
        }
    }
    (entries, skipped)
}

/// Seconds the last measurement of the workspace as it is took in `scenarios` (one build of
/// each), from the history; `None` unless every scenario has one.
pub fn baseline_seconds(entries: &[(usize, HistoryEntry)], scenarios: &[&str]) -> Option<f64> {
    scenarios
        .iter()
        .map(|s| {
            entries.iter().rev().find_map(|(_, e)| {
                e.results
                    .iter()
                    .find(|r| r.scenario == *s && r.variant == "baseline" && !r.failed)
                    .and_then(|r| Some(r.summary.as_ref()?.wall_s.median))
            })
        })
        .sum()
}
