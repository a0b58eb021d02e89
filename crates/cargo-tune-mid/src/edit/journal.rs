//! The apply journal: the previous bytes of every file an apply touches, written atomically
//! before the first file is, so that `cargo tune undo` can restore them after a finished apply,
//! an earlier one, or one that was killed midway.
//!
//! Entries live in `<target-dir>/cargo-tune/journal/<sequence>.json`; undo takes the newest
//! entry of the workspace and deletes it once every file is restored, so repeated undos walk
//! back through earlier applies in order.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic;
use crate::vocab::Failure;
use crate::workspace::relative_path;

/// Version of the journal entry format.
const JOURNAL_VERSION: u32 = 1;

/// Whether the apply that wrote an entry finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryState {
    /// Written before the first file; the apply has not finished (or was killed).
    Pending,
    /// Every file was written and verified.
    Committed,
}

/// One file of an apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalFile {
    /// Absolute path.
    pub path: PathBuf,
    /// The bytes before the apply; `None` when the apply creates the file.
    pub before: Option<String>,
    /// The bytes the apply writes; `None` while unknown (a lockfile `cargo update` rewrites).
    pub after: Option<String>,
}

/// One apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The journal format version this entry was written with.
    pub format_version: u32,
    /// Workspace root.
    pub root: PathBuf,
    /// Whether the apply finished.
    pub state: EntryState,
    /// Every file it touches.
    pub files: Vec<JournalFile>,
    /// Directories it creates (for a new `.cargo/config.toml`), removed again by undo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created_dirs: Vec<PathBuf>,
}

impl JournalEntry {
    /// A pending entry.
    pub fn pending(root: &Path, files: Vec<JournalFile>, created_dirs: Vec<PathBuf>) -> Self {
        JournalEntry {
            format_version: JOURNAL_VERSION,
            root: root.to_owned(),
            state: EntryState::Pending,
            files,
            created_dirs,
        }
    }
}

/// A journal error.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The journal could not be read or written.
    #[error("access the journal {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Another cargo-tune process is applying or undoing in this workspace.
    #[error(
        "lock {}: process {pid} is applying or undoing edits in this workspace (remove the file if it is not running)",
        path.display()
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// The process holding it.
        pid: u32,
    },
    /// An entry is not valid JSON of a known version.
    #[error("read the journal entry {}: {reason}", path.display())]
    Corrupt {
        /// The entry.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The edit lock of a workspace, released on drop.
#[derive(Debug)]
pub struct JournalLock {
    path: PathBuf,
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Without a cheap liveness check, a lock is assumed held; the error names the file to remove.
#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// The journal directory of one target directory.
#[derive(Clone, Debug)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// The journal under `target_dir`.
    pub fn in_target_dir(target_dir: &Path) -> Self {
        Journal {
            dir: target_dir.join("cargo-tune").join("journal"),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the workspace's edit lock, so that two applies (or an apply and an undo) never
    /// interleave their snapshots and writes. A lock left by a killed process is taken over.
    pub fn lock(&self) -> Result<JournalLock, JournalError> {
        let parent = self.dir.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|e| self.io(parent, e))?;
        let path = parent.join("edit.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    use std::io::Write as _;
                    let _ = write!(file, "{}", std::process::id());
                    return Ok(JournalLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if pid != std::process::id() && process_alive(pid) => {
                            return Err(JournalError::Busy { path, pid });
                        }
                        // Stale (its process is gone) or half-written by a process killed
                        // between creating and filling it.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(self.io(&path, e)),
            }
        }
        Err(JournalError::Busy { path, pid: 0 })
    }

    fn io(&self, path: &Path, source: std::io::Error) -> JournalError {
        JournalError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// Entry files, oldest first.
    fn files(&self) -> Result<Vec<(u64, PathBuf)>, JournalError> {
        let read = match std::fs::read_dir(&self.dir) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(&self.dir, e)),
        };
        let mut out = Vec::new();
        for entry in read {
            let entry = entry.map_err(|e| self.io(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(seq) = name
                .strip_suffix(".json")
                .and_then(|s| s.parse::<u64>().ok())
            {
                out.push((seq, entry.path()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads one entry.
    pub fn read(&self, path: &Path) -> Result<JournalEntry, JournalError> {
        let bytes = std::fs::read(path).map_err(|e| self.io(path, e))?;
        let entry: JournalEntry =
            serde_json::from_slice(&bytes).map_err(|e| JournalError::Corrupt {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        if entry.format_version != JOURNAL_VERSION {
            return Err(JournalError::Corrupt {
                path: path.to_owned(),
                reason: format!(
                    "format version {} is not {JOURNAL_VERSION}",
                    entry.format_version
                ),
            });
        }
        Ok(entry)
    }

    /// The entries of the workspace at `root`, oldest first.
    pub fn entries(&self, root: &Path) -> Result<Vec<(PathBuf, JournalEntry)>, JournalError> {
        let mut out = Vec::new();
        for (_, path) in self.files()? {
            let entry = self.read(&path)?;
            if entry.root == root {
                out.push((path, entry));
            }
        }
        Ok(out)
    }

    /// Writes a new entry (atomically) and returns its path.
    pub fn begin(&self, entry: &JournalEntry) -> Result<PathBuf, JournalError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.io(&self.dir, e))?;
        let next = self.files()?.last().map_or(1, |(seq, _)| seq + 1);
        let path = self.dir.join(format!("{next:08}.json"));
        self.update(&path, entry)?;
        Ok(path)
    }

    /// Rewrites an entry (atomically).
    pub fn update(&self, path: &Path, entry: &JournalEntry) -> Result<(), JournalError> {
        let bytes = serde_json::to_vec_pretty(entry)
            .map_err(|e| self.io(path, std::io::Error::other(e)))?;
        write_atomic(path, &bytes).map_err(|e| self.io(path, e))
    }

    /// Deletes an entry.
    pub fn remove(&self, path: &Path) -> Result<(), JournalError> {
        std::fs::remove_file(path).map_err(|e| self.io(path, e))
    }
}

/// Why undo refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// The journal has no entry for this workspace.
    #[error("nothing to undo: no `cargo tune apply --execute` of this workspace is recorded")]
    NothingToUndo {
        /// The journal directory (which may not exist).
        dir: PathBuf,
    },
    /// A file changed after the apply; restoring would lose that change. Nothing was written.
    #[error(
        "undo: {path} changed after `cargo tune apply` wrote it; nothing was restored (revert or commit that change by hand)"
    )]
    ChangedSinceApply {
        /// Path relative to the workspace root.
        path: String,
    },
    /// The journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Restoring a file failed; the entry is kept so that undo can be run again.
    #[error("restore {}: {source}", path.display())]
    Restore {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// What undo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    /// The entry reverted.
    pub entry: PathBuf,
    /// Whether that apply had not finished.
    pub interrupted_apply: bool,
    /// Files given their previous bytes (relative to the root).
    pub restored: Vec<String>,
    /// Files the apply created, now deleted (relative to the root).
    pub removed: Vec<String>,
    /// Entries left for this workspace.
    pub remaining: usize,
}

fn read_current(path: &Path) -> Result<Option<String>, UndoError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(UndoError::Restore {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Restores the files of the newest apply of the workspace at `root` and removes its entry.
/// Refuses, writing nothing, when a file holds neither the bytes the apply wrote nor the bytes
/// it replaced.
pub fn undo(journal: &Journal, root: &Path) -> Result<Undone, UndoError> {
    let nothing = || UndoError::NothingToUndo {
        dir: journal.dir().to_owned(),
    };
    // Taking the lock creates its directory: with no entry to undo, leave the disk untouched.
    if journal.entries(root)?.is_empty() {
        return Err(nothing());
    }
    let _lock = journal.lock()?;
    let mut entries = journal.entries(root)?;
    let Some((entry_path, entry)) = entries.pop() else {
        return Err(nothing());
    };
    let mut work = Vec::new();
    for file in &entry.files {
        let current = read_current(&file.path)?;
        let is_before = current == file.before;
        let is_after = match &file.after {
            Some(after) => current.as_deref() == Some(after.as_str()),
            // Unknown only while an apply was running its command: whatever is there is its work.
            None => entry.state == EntryState::Pending,
        };
        if !is_before && !is_after {
            return Err(UndoError::ChangedSinceApply {
                path: relative_path(&file.path, root),
            });
        }
        if !is_before {
            work.push(file);
        }
    }
    let mut restored = Vec::new();
    let mut removed = Vec::new();
    for file in work {
        let rel = relative_path(&file.path, root);
        match &file.before {
            Some(bytes) => {
                write_atomic(&file.path, bytes.as_bytes()).map_err(|source| {
                    UndoError::Restore {
                        path: file.path.clone(),
                        source,
                    }
                })?;
                restored.push(rel);
            }
            None => {
                std::fs::remove_file(&file.path).map_err(|source| UndoError::Restore {
                    path: file.path.clone(),
                    source,
                })?;
                removed.push(rel);
            }
        }
    }
    for file in &entry.files {
        // A killed apply can leave a temporary file beside the one it was replacing.
        crate::fsutil::remove_stale_temp_files(&file.path);
    }
    for dir in entry.created_dirs.iter().rev() {
        // Only an empty directory goes: anything the user put there since stays.
        let _ = std::fs::remove_dir(dir);
    }
    journal.remove(&entry_path)?;
    Ok(Undone {
        entry: entry_path,
        interrupted_apply: entry.state == EntryState::Pending,
        restored,
        removed,
        remaining: entries.len(),
    })
}

impl From<UndoError> for Failure {
    fn from(err: UndoError) -> Self {
        match err {
            UndoError::NothingToUndo { .. } => Failure::Refused {
                message: err.to_string(),
            },
            UndoError::ChangedSinceApply { .. } => Failure::Refused {
                message: format!("refused to {err}"),
            },
            UndoError::Journal(busy @ JournalError::Busy { .. }) => Failure::Refused {
                message: format!("refused to {busy}"),
            },
            UndoError::Journal(_) => Failure::Setup {
                message: format!("failed to {err}"),
                source: None,
            },
            UndoError::Restore { .. } => Failure::RollbackFailed {
                message: format!(
                    "failed to {err}; run `cargo tune undo` again once the cause is fixed"
                ),
                source: None,
            },
        }
    }
}
