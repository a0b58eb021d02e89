//! Writing a plan as one transaction: snapshot → check nothing changed since planning → journal
//! → atomic writes → commands → verification → commit, or restore every file.

use std::path::{Path, PathBuf};

use super::journal::{EntryState, Journal, JournalEntry, JournalError, JournalFile};
use super::ops::EditOp;
use super::plan::EditPlan;
use super::verify::{Verification, VerifyError};
use crate::cargo::{CargoCli, CargoOptions};
use crate::errors::CommandError;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::fsutil::{read_if_exists, write_atomic};
use crate::vocab::Failure;
use crate::workspace::relative_path;

/// What went wrong while the files were being changed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// A file could not be written.
    #[error("write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is read-only; cargo-tune does not override that.
    #[error("write {}: the file is read-only", path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// `cargo update` failed.
    #[error("update Cargo.lock")]
    Command(#[source] CommandError),
    /// cargo does not accept the result.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The journal could not be updated.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Ctrl-C (or SIGTERM, SIGHUP) arrived before the apply was committed.
    #[error("apply: interrupted")]
    Interrupted,
}

/// Why an apply did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// An earlier apply was interrupted; its files must be restored first.
    #[error(
        "apply: an earlier `cargo tune apply` of this workspace was interrupted ({}); run `cargo tune undo` first",
        entry.display()
    )]
    InterruptedEarlier {
        /// Its journal entry.
        entry: PathBuf,
    },
    /// A file changed between planning and writing. Nothing was written.
    #[error("apply: {path} changed since the plan was made; nothing was written")]
    ChangedSincePlan {
        /// Path relative to the root.
        path: String,
    },
    /// The journal could not be written before the first file, so nothing was written.
    #[error("apply: nothing was written")]
    Journal(#[source] JournalError),
    /// A step failed and every file was restored.
    #[error("apply the edits; every file was restored")]
    RolledBack(#[source] StepError),
    /// A step failed and restoring failed too. The journal entry is kept for `cargo tune undo`.
    #[error(
        "apply the edits, and restoring {} failed ({}); run `cargo tune undo` or restore them by hand",
        failures.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>().join(", "),
        failures.iter().map(|(_, e)| e.as_str()).collect::<Vec<_>>().join("; ")
    )]
    RollbackFailed {
        /// The first failure.
        #[source]
        cause: StepError,
        /// Files that could not be restored, with the reason.
        failures: Vec<(String, String)>,
    },
}

/// A finished apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The journal entry that `cargo tune undo` reverts.
    pub journal_entry: PathBuf,
    /// Files written (relative to the root), including `Cargo.lock` when a command changed it.
    pub files: Vec<String>,
}

/// Executes an [`EditPlan`].
#[derive(Debug)]
pub struct Transaction<'a> {
    plan: &'a EditPlan,
    journal: Journal,
    verification: Verification,
    cargo: CargoOptions,
    write: WriteFn,
    interrupt: Option<&'a AtomicBool>,
}

/// How the transaction writes a file's new bytes: [`write_atomic`], or a stand-in that fails the
/// way a full disk does, for tests of the rollback.
pub type WriteFn = fn(&Path, &[u8]) -> std::io::Result<()>;

struct Snapshot {
    path: PathBuf,
    before: Option<String>,
    after: Option<String>,
    created_dir: Option<PathBuf>,
}

impl<'a> Transaction<'a> {
    /// A transaction writing `plan`, journaled in `journal`, checked by `verification`.
    /// `cargo` holds the options for the commands the plan runs.
    pub fn new(
        plan: &'a EditPlan,
        journal: Journal,
        verification: Verification,
        cargo: CargoOptions,
    ) -> Self {
        Transaction {
            plan,
            journal,
            verification,
            cargo,
            write: write_atomic,
            interrupt: None,
        }
    }

    /// Stops before committing, and restores every file, once `flag` is set (by a signal
    /// handler): an interrupted apply leaves the old bytes, not a journal entry to undo.
    pub fn with_interrupt(mut self, flag: &'a AtomicBool) -> Self {
        self.interrupt = Some(flag);
        self
    }

    fn check_interrupt(&self) -> Result<(), StepError> {
        match self.interrupt {
            Some(flag) if flag.load(Ordering::SeqCst) => Err(StepError::Interrupted),
            _ => Ok(()),
        }
    }

    /// Writes new bytes with `write` instead of [`write_atomic`]; restoring always uses
    /// [`write_atomic`].
    pub fn with_writer(mut self, write: WriteFn) -> Self {
        self.write = write;
        self
    }

    /// Writes the plan. On success every file holds its new bytes and the journal entry is
    /// committed; on failure every file holds its old bytes (or [`ApplyError::RollbackFailed`]).
    pub fn execute(self) -> Result<Applied, ApplyError> {
        let plan = self.plan;
        let root = &plan.root;
        let _lock = self.journal.lock().map_err(ApplyError::Journal)?;
        if let Some((entry, _)) = self
            .journal
            .entries(root)
            .map_err(ApplyError::Journal)?
            .into_iter()
            .rev()
            .find(|(_, e)| e.state == EntryState::Pending)
        {
            return Err(ApplyError::InterruptedEarlier { entry });
        }
        // Snapshot, and refuse if anything moved since planning.
        let mut snapshots = Vec::new();
        for change in &plan.files {
            let current =
                read_if_exists(&change.path).map_err(|_| ApplyError::ChangedSincePlan {
                    path: change.rel_path.clone(),
                })?;
            if current != change.before {
                return Err(ApplyError::ChangedSincePlan {
                    path: change.rel_path.clone(),
                });
            }
            snapshots.push(Snapshot {
                path: change.path.clone(),
                before: current,
                after: Some(change.after.clone()),
                created_dir: None,
            });
        }
        for op in &plan.commands {
            let lock = op.file();
            if snapshots.iter().all(|s| s.path != lock) {
                let before = read_if_exists(&lock).map_err(|_| ApplyError::ChangedSincePlan {
                    path: relative_path(&lock, root),
                })?;
                snapshots.push(Snapshot {
                    path: lock,
                    before,
                    after: None,
                    created_dir: None,
                });
            }
        }
        for snap in &mut snapshots {
            if let Some(dir) = snap.path.parent()
                && !dir.exists()
            {
                snap.created_dir = Some(dir.to_owned());
            }
        }
        let created_dirs = snapshots
            .iter()
            .filter_map(|s| s.created_dir.clone())
            .collect();
        let entry = JournalEntry::pending(root, journal_files(&snapshots), created_dirs);
        let entry_path = self.journal.begin(&entry).map_err(ApplyError::Journal)?;

        match self.write_run_verify(&mut snapshots, &entry, &entry_path) {
            Ok(()) => Ok(Applied {
                journal_entry: entry_path,
                files: snapshots
                    .iter()
                    .filter(|s| s.after != s.before)
                    .map(|s| relative_path(&s.path, root))
                    .collect(),
            }),
            Err(cause) => {
                let failures = rollback(&snapshots, root);
                if failures.is_empty() {
                    // Nothing is left to undo; an entry would only make undo refuse later.
                    let _ = self.journal.remove(&entry_path);
                    Err(ApplyError::RolledBack(cause))
                } else {
                    Err(ApplyError::RollbackFailed { cause, failures })
                }
            }
        }
    }

    fn write_run_verify(
        &self,
        snapshots: &mut [Snapshot],
        entry: &JournalEntry,
        entry_path: &Path,
    ) -> Result<(), StepError> {
        for snap in snapshots.iter_mut() {
            let Some(after) = &snap.after else { continue };
            match std::fs::metadata(&snap.path) {
                Ok(meta) if meta.permissions().readonly() => {
                    return Err(StepError::ReadOnly {
                        path: snap.path.clone(),
                    });
                }
                Ok(_) => {}
                Err(_) => {
                    if let Some(dir) = snap.path.parent()
                        && !dir.exists()
                    {
                        std::fs::create_dir_all(dir).map_err(|source| StepError::Write {
                            path: snap.path.clone(),
                            source,
                        })?;
                        snap.created_dir = Some(dir.to_owned());
                    }
                }
            }
            (self.write)(&snap.path, after.as_bytes()).map_err(|source| StepError::Write {
                path: snap.path.clone(),
                source,
            })?;
            self.check_interrupt()?;
        }
        for op in &self.plan.commands {
            let EditOp::CargoUpdate { manifest, .. } = op else {
                continue;
            };
            let mut options = self.cargo.clone();
            options.manifest_path = Some(manifest.clone());
            // The lockfile is what this command is meant to change.
            options.locked = false;
            options.frozen = false;
            let args = op.update_args();
            CargoCli::new(&args[..1], &options)
                .args(&args[1..])
                .current_dir(&self.plan.root)
                .output()
                .map_err(StepError::Command)?;
        }
        // A Ctrl-C reaches cargo too; check the flag first so the cause is reported right.
        let verified = self.verification.run(&self.plan.root.join("Cargo.toml"));
        self.check_interrupt()?;
        verified?;
        for snap in snapshots.iter_mut() {
            if snap.after.is_none() {
                snap.after = read_if_exists(&snap.path).map_err(|source| StepError::Write {
                    path: snap.path.clone(),
                    source,
                })?;
            }
        }
        let mut committed = entry.clone();
        committed.state = EntryState::Committed;
        committed.files = journal_files(snapshots);
        self.journal.update(entry_path, &committed)?;
        Ok(())
    }
}

fn journal_files(snapshots: &[Snapshot]) -> Vec<JournalFile> {
    snapshots
        .iter()
        .map(|s| JournalFile {
            path: s.path.clone(),
            before: s.before.clone(),
            after: s.after.clone(),
        })
        .collect()
}

/// Gives every file its snapshot bytes back; returns what could not be restored.
fn rollback(snapshots: &[Snapshot], root: &Path) -> Vec<(String, String)> {
    let mut failures = Vec::new();
    for snap in snapshots {
        let current = read_if_exists(&snap.path).ok().flatten();
        if current == snap.before {
            continue;
        }
        let result = match &snap.before {
            Some(bytes) => write_atomic(&snap.path, bytes.as_bytes()),
            None => std::fs::remove_file(&snap.path),
        };
        if let Err(e) = result {
            failures.push((relative_path(&snap.path, root), e.to_string()));
        }
        if let Some(dir) = &snap.created_dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
    failures
}

impl From<ApplyError> for Failure {
    fn from(err: ApplyError) -> Self {
        match err {
            ApplyError::InterruptedEarlier { .. } | ApplyError::ChangedSincePlan { .. } => {
                Failure::Refused {
                    message: format!("refused to {err}"),
                }
            }
            ApplyError::Journal(busy @ JournalError::Busy { .. }) => Failure::Refused {
                message: format!("refused to {busy}"),
            },
            ApplyError::Journal(source) => Failure::Setup {
                message: "failed to write the journal before the first edit; nothing was written"
                    .to_owned(),
                source: Some(Box::new(source)),
            },
            ApplyError::RolledBack(StepError::Interrupted) => Failure::Interrupted {
                restored: Some("every edited file".to_owned()),
            },
            ApplyError::RolledBack(cause) => Failure::EditFailed {
                message: "failed to apply the edits; every file was restored".to_owned(),
                source: Some(Box::new(cause)),
            },
            err @ ApplyError::RollbackFailed { .. } => Failure::RollbackFailed {
                message: format!("failed to {err}"),
                source: None,
            },
        }
    }
}
