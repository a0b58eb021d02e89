//! The dirty-tree guard: like `cargo fix`, refuse to edit files with uncommitted changes, so
//! that the user's own work and ours never mix in one diff.

use std::path::{Path, PathBuf};

use crate::cargo::ToolCommand;
use crate::errors::CommandError;
use crate::workspace::relative_path;

/// Which of `files` have uncommitted changes (modified, staged or untracked), relative to
/// `root`. Outside a git work tree (or without git) nothing is reported: the journal still
/// makes the edit reversible.
pub fn dirty_files(root: &Path, files: &[PathBuf]) -> Result<Vec<String>, CommandError> {
    let inside = ToolCommand::new("git")
        .args(["rev-parse", "--is-inside-work-tree"])
        .current_dir(root)
        .output();
    if inside.is_err() {
        return Ok(Vec::new());
    }
    let existing: Vec<&PathBuf> = files.iter().filter(|p| p.exists()).collect();
    if existing.is_empty() {
        return Ok(Vec::new());
    }
    let output = ToolCommand::new("git")
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
        ])
        .args(existing.iter().map(|p| p.as_os_str()))
        .current_dir(root)
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let toplevel = ToolCommand::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(root)
        .output()?;
    let toplevel = PathBuf::from(String::from_utf8_lossy(&toplevel.stdout).trim());
    let mut dirty = Vec::new();
    let mut records = text.split('\0').filter(|r| !r.is_empty());
    while let Some(record) = records.next() {
        let (status, path) = record.split_at(3.min(record.len()));
        if status.starts_with('R') || status.starts_with('C') {
            // Renames carry the old path as a second record.
            records.next();
        }
        dirty.push(relative_path(&toplevel.join(path), root));
    }
    Ok(dirty)
}
