//! The document of `cargo tune report`: what the other commands saved, gathered for one page.

use serde::{Deserialize, Serialize};

use crate::{
    AuditReport, FeaturesReport, Interval, PlanRecord, Summary3, TimingsReport, ToolInfo, Verdict,
};

/// The document `cargo tune report --format json` prints; the HTML page draws it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverviewReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// Seconds since the Unix epoch when the report was made.
    pub generated_at: u64,
    /// Every file the report looked for, and what became of it.
    pub inputs: Vec<ReportInput>,
    /// A fresh audit, its findings costed with the timings when there are some.
    pub audit: AuditReport,
    /// The decision record of `cargo tune plan`, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanRecord>,
    /// `bench` and `try` results: the named `--measure` files, or else the last of each in the
    /// history.
    pub measured: Vec<MeasuredRun>,
    /// The last `cargo tune timings` run, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timings: Option<TimingsReport>,
    /// Per scenario, the baseline's wall time over the history.
    pub trends: Vec<Trend>,
    /// The last `cargo tune features` run, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<FeaturesReport>,
}

/// One file the report reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// `timings`, `plan`, `history` or `measure`.
    pub kind: String,
    /// The path looked at.
    pub path: String,
    /// What became of it.
    pub state: InputState,
    /// Why it could not be used, or what was left out of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether an input was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum InputState {
    /// Read and used.
    Read,
    /// Not there (nothing has written it yet).
    Absent,
    /// There, but not a document this cargo-tune reads.
    Unreadable,
}

/// One `bench` or `try` (or `guard`) run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredRun {
    /// `bench`, `try` or `guard`.
    pub command: String,
    /// Where it was read: a file, or `history.jsonl` and a line number.
    pub source: String,
    /// Seconds since the Unix epoch when it finished, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<u64>,
    /// `rustc -V`.
    pub rustc: String,
    /// `git rev-parse HEAD` of the workspace, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Measured runs per variant and scenario.
    pub runs: usize,
    /// One entry per scenario.
    pub scenarios: Vec<MeasuredScenario>,
}

/// The variants of one scenario of a [`MeasuredRun`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredScenario {
    /// Scenario name.
    pub scenario: String,
    /// Baseline first.
    pub variants: Vec<MeasuredVariant>,
}

/// One variant's wall time and, for a candidate, its comparison with the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredVariant {
    /// `baseline` or `candidate-N`.
    pub variant: String,
    /// The changes it measured, as the user wrote them.
    pub changes: Vec<String>,
    /// Median, minimum and maximum wall time; absent when it failed before any run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_s: Option<Summary3>,
    /// Whether it failed.
    pub failed: bool,
    /// Candidate / baseline ratio of wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// Interval of that ratio (only in a full `try` document, not in the history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
    /// The verdict of a candidate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// The baseline's wall time in one scenario, run after run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Scenario name.
    pub scenario: String,
    /// Oldest first.
    pub points: Vec<TrendPoint>,
}

/// One history line's baseline in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Seconds since the Unix epoch when the command finished.
    pub finished_at: u64,
    /// `bench`, `try` or `guard`.
    pub command: String,
    /// Median, minimum and maximum wall time.
    pub wall_s: Summary3,
    /// `rustc -V`.
    pub rustc: String,
    /// `git rev-parse HEAD`, when the workspace is a git checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Whether the checkout had uncommitted changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirty: Option<bool>,
}
