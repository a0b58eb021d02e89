//! Documents of `cargo tune apply` and `cargo tune undo`.

use serde::{Deserialize, Serialize};

use crate::ToolInfo;

/// What `cargo tune apply` was asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ApplyMode {
    /// Show the plan, write nothing (the default).
    DryRun,
    /// Show the plan and fail when it is not empty.
    Check,
    /// Write the plan.
    Execute,
}

/// One selected suggestion and the edits that carry it out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedChange {
    /// Id of the finding it comes from (`<code>:<subject>`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// The suggestion's summary.
    pub summary: String,
    /// One line per edit: which file, which key.
    pub edits: Vec<String>,
    /// What the edits leave out or change beyond the summary (a member that keeps its own
    /// requirement when a dependency is centralized), one sentence each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A suggestion of a finding that `--all` took, left out because of what it improves: `--all`
/// applies what makes builds faster, and the rest only when asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOutChange {
    /// Id of the finding it comes from.
    pub finding: String,
    /// The suggestion's summary.
    pub summary: String,
    /// What it would improve.
    pub direction: crate::Direction,
    /// The option that includes it (`--include hygiene`).
    pub include: String,
}

/// A selected suggestion that is not turned into edits, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedChange {
    /// Id of the finding it comes from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// The suggestion's summary.
    pub summary: String,
    /// Why it is skipped.
    pub reason: String,
}

/// The change to one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDiff {
    /// Path relative to the workspace root, `/`-separated.
    pub path: String,
    /// Whether the file is created.
    pub created: bool,
    /// Unified diff (`--- a/… +++ b/…`).
    pub diff: String,
}

/// The document `cargo tune apply --format json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// What was asked.
    pub mode: ApplyMode,
    /// The finding ids the selection matched.
    pub selected: Vec<String>,
    /// Whether any edit or command is pending (before this run wrote anything).
    pub pending: bool,
    /// Whether this run wrote the edits.
    pub applied: bool,
    /// The changes with edits, in order.
    pub changes: Vec<PlannedChange>,
    /// The file changes.
    pub files: Vec<FileDiff>,
    /// Commands that are run after the files are written (`cargo update …`).
    pub commands: Vec<String>,
    /// Suggestions that are not applied, with the reason.
    pub skipped: Vec<SkippedChange>,
    /// Suggestions `--all` left out because of what they improve, with the option that
    /// includes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOutChange>,
    /// The journal entry `cargo tune undo` reverts, when the edits were written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
}

/// The document `cargo tune undo --format json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// The journal entry that was reverted.
    pub journal: String,
    /// Whether that apply had not finished (it was interrupted) when it was reverted.
    pub interrupted_apply: bool,
    /// Files given back their previous bytes, relative to the workspace root.
    pub restored: Vec<String>,
    /// Files the apply had created and undo deleted.
    pub removed: Vec<String>,
    /// Journal entries of earlier applies still available to undo.
    pub remaining: usize,
}
