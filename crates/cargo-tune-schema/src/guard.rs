//! The document of `cargo tune guard` and its committed baseline file.

use serde::{Deserialize, Serialize};

use crate::{Interval, RunContext, ToolInfo};

/// What an SLO limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SloMetric {
    /// Median wall time, seconds.
    Time,
    /// Median whole-tree peak memory, bytes.
    PeakMemory,
    /// Size of the largest workspace binary the scenario built, bytes.
    BinarySize,
}

impl SloMetric {
    /// The key that declares it (`time`, `peak-memory`, `binary-size`).
    pub fn as_str(self) -> &'static str {
        match self {
            SloMetric::Time => "time",
            SloMetric::PeakMemory => "peak-memory",
            SloMetric::BinarySize => "binary-size",
        }
    }
}

/// How an SLO's limit is stated.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum SloLimit {
    /// A fixed value in the metric's unit (seconds or bytes).
    Absolute {
        /// The limit.
        value: f64,
    },
    /// At most `1 + fraction` times the baseline's median.
    Regression {
        /// `0.1` for `+10%`.
        fraction: f64,
    },
}

/// What happens when an SLO is violated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SloLevel {
    /// Not checked.
    Allow,
    /// Reported; the exit code stays 0.
    Warn,
    /// Reported; the exit code is 1.
    #[default]
    Deny,
}

impl SloLevel {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SloLevel::Allow => "allow",
            SloLevel::Warn => "warn",
            SloLevel::Deny => "deny",
        }
    }
}

/// The decision on one SLO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SloOutcome {
    /// The whole interval of the median is within the limit.
    Pass,
    /// The whole interval is over the limit, or the measured command failed.
    Fail,
    /// The interval straddles the limit, there are too few runs, or there is no baseline.
    Inconclusive,
}

impl SloOutcome {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SloOutcome::Pass => "pass",
            SloOutcome::Fail => "fail",
            SloOutcome::Inconclusive => "inconclusive",
        }
    }
}

/// One SLO and its verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloResult {
    /// `check`, `dev-incremental`, … or `workload.<name>`.
    pub subject: String,
    /// The metric limited.
    pub metric: SloMetric,
    /// The limit as declared.
    pub limit: SloLimit,
    /// The limit as written (`"2s"`, `"+10%"`).
    pub limit_text: String,
    /// The limit in the metric's unit (for a regression limit: baseline × (1 + fraction)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_limit: Option<f64>,
    /// The baseline's median, for a regression limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// The measured median.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    /// Interval of the median (order statistics of the runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
    /// Runs the verdict rests on.
    pub runs: usize,
    /// The level.
    pub level: SloLevel,
    /// The verdict.
    pub outcome: SloOutcome,
    /// One sentence explaining the verdict.
    pub message: String,
}

/// Counts of the outcomes, for quick reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardSummary {
    /// SLOs passed.
    pub passed: usize,
    /// SLOs failed at the `deny` level.
    pub failed: usize,
    /// SLOs failed at the `warn` level.
    pub warned: usize,
    /// SLOs without a decision.
    pub inconclusive: usize,
}

/// The document `cargo tune guard --format json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuardReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// Where the SLOs were declared (`Cargo.toml` or `tune.toml`, relative to the root).
    pub spec_file: String,
    /// Toolchain, host and method.
    pub context: RunContext,
    /// The baseline file, relative to the root.
    pub baseline_file: String,
    /// Facts about the baseline used, if one was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineInfo>,
    /// Whether this run was recorded as the new baseline.
    pub baseline_updated: bool,
    /// One result per SLO, in declaration order.
    pub slos: Vec<SloResult>,
    /// Counts.
    pub summary: GuardSummary,
    /// Notes for the reader (differing toolchains, inconclusive results and what to do).
    pub notes: Vec<String>,
}

/// Where a baseline came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineInfo {
    /// Seconds since the Unix epoch when it was recorded.
    pub recorded_at: u64,
    /// `rustc -V` then.
    pub rustc: String,
    /// Host triple then.
    pub host: String,
    /// Cores then.
    pub cores: usize,
    /// Jobs then.
    pub jobs: usize,
    /// The git revision then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_revision: Option<String>,
}

/// The committed file `--update-baseline` writes (`tune-baseline.json` by default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuardBaseline {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Facts about the run.
    pub info: BaselineInfo,
    /// One entry per scenario or workload measured.
    pub entries: Vec<BaselineEntry>,
}

/// The accepted measurements of one subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// `check`, … or `workload.<name>`.
    pub subject: String,
    /// Wall time of every measured run, seconds.
    pub wall_s: Vec<f64>,
    /// Whole-tree peak memory of every measured run, bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peak_memory_bytes: Vec<f64>,
    /// The largest workspace binary, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_size: Option<u64>,
}
