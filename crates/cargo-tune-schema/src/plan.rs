//! The decision record of `cargo tune plan`: what was measured, on what, and what was chosen.

use serde::{Deserialize, Serialize};

use crate::{Interval, SuggestedChange, ToolInfo, Verdict};

/// Version of the decision record's shape. Bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What a plan optimises for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Goal {
    /// Edit-build cycles of a developer: dev-incremental and dev-clean.
    Dev,
    /// From-scratch dev builds, as CI runs them.
    Ci,
    /// Release builds.
    Release,
}

impl Goal {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Goal::Dev => "dev",
            Goal::Ci => "ci",
            Goal::Release => "release",
        }
    }
}

/// What the chosen steps were measured on; `apply --plan` refuses when any of it differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// `rustc -vV` version, e.g. `1.95.0`.
    pub rustc: String,
    /// Host triple.
    pub host: String,
    /// `git rev-parse HEAD` of the workspace, when it is a git repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// FNV-1a 64 of `Cargo.lock` (hex), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<String>,
    /// FNV-1a 64 of the root `Cargo.toml` (hex).
    pub root_manifest: String,
}

/// One change the search can choose: one or more suggested changes that `try` measures and
/// `apply` writes alike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanCandidate {
    /// Short stable name (`dev-debug-0`, `linker-mold`).
    pub id: String,
    /// One human sentence.
    pub summary: String,
    /// 1 for quick wins (a profile key), 2 for tools to install or set up (a linker).
    pub phase: u8,
    /// What is lost by taking it (e.g. backtraces without line numbers).
    pub cost: String,
    /// `low`, `medium` or `high`: how likely it breaks a workflow.
    pub risk: String,
    /// Candidates of one slot exclude each other (`profile.dev.debug`).
    pub slot: String,
    /// The changes themselves.
    pub changes: Vec<SuggestedChange>,
}

/// One candidate measured in one scenario of one round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanMeasurement {
    /// Candidate id.
    pub candidate: String,
    /// Scenario name.
    pub scenario: String,
    /// Verdict against the round's baseline (the steps chosen before it).
    pub verdict: Verdict,
    /// Geometric mean of the paired ratios candidate / baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// Interval of that ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
    /// Median wall time of the round's baseline, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_s: Option<f64>,
    /// Pairs of runs (baseline, candidate) the ratio is the mean of, over every stage of the
    /// round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<usize>,
}

/// Extra runs a round spent on its leading candidates when none was faster yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStage {
    /// The candidates measured again, against the round's baseline.
    pub candidates: Vec<String>,
    /// Runs of each, added to the pairs measured before.
    pub runs: usize,
}

/// One round of the greedy search: every remaining candidate on top of the steps chosen so
/// far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRound {
    /// Ids of the steps the round's baseline already had.
    pub on_top_of: Vec<String>,
    /// Every measurement of the round, with the pairs of its stages pooled.
    pub measurements: Vec<PlanMeasurement>,
    /// The follow-up stages, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<PlanStage>,
    /// The candidate the round chose, if any was faster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
}

/// A chosen step of the plan, in the order it was chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// Candidate id.
    pub candidate: String,
    /// Per scenario: its ratio on top of the earlier steps.
    pub measurements: Vec<PlanMeasurement>,
    /// Per scenario, the product of the ratios of this step and every earlier one.
    pub cumulative: Vec<ScenarioRatio>,
}

/// A ratio in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRatio {
    /// Scenario name.
    pub scenario: String,
    /// The ratio.
    pub ratio: f64,
}

/// A candidate the plan did not take, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRejection {
    /// Candidate id.
    pub candidate: String,
    /// Why, in words.
    pub reason: String,
    /// Its last measurements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<PlanMeasurement>,
}

/// Why the search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PlanEnd {
    /// No remaining candidate measured faster (or none remained).
    Converged,
    /// The next round would not fit in the budget.
    Budget,
    /// Ctrl-C: the record holds the rounds finished before it.
    Interrupted,
}

/// The document `cargo tune plan` writes (`cargo-tune-plan.toml`) and prints with
/// `--format json`; `cargo tune apply --plan` reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// [`PLAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// The goal.
    pub goal: Goal,
    /// True when the search was interrupted: the steps are those chosen before it.
    pub partial: bool,
    /// Why the search ended.
    pub end: PlanEnd,
    /// What it was measured on.
    pub fingerprint: Fingerprint,
    /// Scenarios measured.
    pub scenarios: Vec<String>,
    /// Measured runs per variant and scenario.
    pub runs: usize,
    /// The budget, seconds.
    pub budget_s: u64,
    /// Seconds the search took.
    pub elapsed_s: u64,
    /// Every candidate generated for the goal.
    pub candidates: Vec<PlanCandidate>,
    /// Every round, in order.
    pub rounds: Vec<PlanRound>,
    /// The chosen steps, in the order chosen.
    pub steps: Vec<PlanStep>,
    /// Candidates not taken.
    pub rejected: Vec<PlanRejection>,
    /// For the `ci` goal: the cache settings of the chosen steps and the CI configuration that
    /// applies them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<crate::CiCacheSettings>,
}
