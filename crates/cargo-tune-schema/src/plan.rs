//! The decision record of `cargo tune plan`: what was measured, on what, and what was chosen.

use serde::{Deserialize, Serialize};

use crate::{Interval, SuggestedChange, ToolInfo, Verdict, WorkloadComparison};

/// Version of the decision record's shape. Bumped on any incompatible change.
///
/// 2: one race of every candidate against the workspace as it is (`stages`, each candidate's
/// `predicted` and `measured` ratios, `evidence`, `confirmation`, `unmeasured`) instead of
/// greedy rounds; a step's measurements are against the workspace as it is.
pub const PLAN_FORMAT_VERSION: u32 = 2;

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

/// What the chosen steps were measured on; `apply --plan` refuses another toolchain, and a
/// workspace that differs unless every step is already in effect there.
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
    /// What the baseline's timings predicted for it, per scenario, before anything of it was
    /// built; empty when no model covers it or predictions were unavailable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predicted: Vec<PlanPrediction>,
    /// What the race measured, per scenario, with every stage's pairs pooled; empty when it was
    /// not built.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measured: Vec<PlanMeasurement>,
}

/// A predicted ratio (candidate ÷ the workspace as it is) in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanPrediction {
    /// Scenario name.
    pub scenario: String,
    /// The point prediction.
    pub ratio: f64,
    /// The range the model's assumptions and run-to-run noise allow.
    pub low: f64,
    /// See `low`.
    pub high: f64,
    /// What it rests on, in words (the units it touches and the assumption it makes).
    pub basis: String,
}

/// One candidate measured in one scenario of one round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanMeasurement {
    /// Candidate id.
    pub candidate: String,
    /// Scenario name.
    pub scenario: String,
    /// Verdict against the workspace as it is.
    pub verdict: Verdict,
    /// Geometric mean of the paired ratios candidate / baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// Interval of that ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
    /// Median wall time of the workspace as it is in the pairs, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_s: Option<f64>,
    /// In `ci-warm`, the size of the candidate's CI cache, compressed as `actions/cache`
    /// stores it, in bytes; its restore is part of every run's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_bytes: Option<u64>,
    /// Pairs of runs (baseline, candidate) the ratio is the mean of, over every stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<usize>,
    /// With a workload (goal `release`): the program as the candidate built it against the
    /// workspace's as it is, every stage's pairs pooled.
    #[serde(flatten)]
    pub workload: WorkloadComparison,
}

/// One stage of the race: the candidates still in it and the runs each had per scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStage {
    /// The candidates measured in the stage, against the workspace as it is.
    pub candidates: Vec<String>,
    /// Measured runs of each, per scenario, added to the pairs of the stages before.
    pub runs: Vec<StageRuns>,
    /// Seconds the stage took.
    pub elapsed_s: u64,
}

/// Runs in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageRuns {
    /// Scenario name.
    pub scenario: String,
    /// Runs.
    pub runs: usize,
}

/// A chosen step: one candidate of the composed plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// Candidate id.
    pub candidate: String,
    /// Per scenario, its ratio to the workspace as it is, from the race.
    pub measurements: Vec<PlanMeasurement>,
}

/// The chosen steps measured together against the workspace as it is, once, before the record
/// was written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanConfirmation {
    /// The candidates composed.
    pub candidates: Vec<String>,
    /// Per scenario, the composition against the workspace as it is.
    pub measurements: Vec<PlanMeasurement>,
    /// Per scenario, the composition against its best single step (`candidate` names that
    /// step).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub against_best: Vec<PlanMeasurement>,
    /// `composition` when the steps were kept together, `best-single` when the composition was
    /// not faster than its best step, which was kept alone.
    pub kept: String,
}

/// What the plan measured its predictions from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanEvidence {
    /// The workspace as it is, one build per scenario (with cargo's `--timings`), seconds.
    pub baseline: Vec<ScenarioSeconds>,
    /// The one instrumented build: what it was, and what it cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrumented: Option<InstrumentedBuild>,
    /// Why there are no predictions, when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictions_unavailable: Option<String>,
}

/// Seconds in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSeconds {
    /// Scenario name.
    pub scenario: String,
    /// Seconds.
    pub seconds: f64,
}

/// The build with unstable instrumentation, made once for the predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstrumentedBuild {
    /// What it adds to the workspace's build (flags, environment, configuration).
    pub flags: Vec<String>,
    /// Per scenario, its wall time, seconds.
    pub seconds: Vec<ScenarioSeconds>,
}

/// A candidate the budget left unmeasured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanUnmeasured {
    /// Candidate id.
    pub candidate: String,
    /// Why, in words.
    pub reason: String,
    /// About how many more seconds of budget would have measured it.
    pub more_budget_s: u64,
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
    /// Every candidate was decided: chosen, out of the race, or pruned by its prediction.
    Converged,
    /// The budget ran out with candidates undecided or unmeasured.
    Budget,
    /// Ctrl-C: the record holds what was measured before it.
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
    /// Measured runs per candidate and scenario in the race's first stage.
    pub runs: usize,
    /// The budget, seconds.
    pub budget_s: u64,
    /// Seconds the search took.
    pub elapsed_s: u64,
    /// The baseline and instrumented builds the predictions came from.
    pub evidence: PlanEvidence,
    /// Every candidate generated for the goal, with its prediction and measurements.
    pub candidates: Vec<PlanCandidate>,
    /// The stages of the race, in order.
    pub stages: Vec<PlanStage>,
    /// The chosen steps.
    pub steps: Vec<PlanStep>,
    /// The chosen steps measured together, when there are several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<PlanConfirmation>,
    /// Candidates not taken, and why (pruned by prediction, already in effect, out of the race).
    pub rejected: Vec<PlanRejection>,
    /// Candidates the budget left unmeasured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmeasured: Vec<PlanUnmeasured>,
    /// For the `ci` goal: the cache settings of the chosen steps and the CI configuration that
    /// applies them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<crate::CiCacheSettings>,
    /// For the `release` goal: the workload, the build-time limit, the Pareto front of what
    /// was measured and the choice on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseDecision>,
}

impl PlanRecord {
    /// A record as a search starts it: this version of cargo-tune, nothing measured, stopped
    /// or decided yet.
    pub fn new(
        version: &str,
        goal: Goal,
        fingerprint: Fingerprint,
        scenarios: Vec<String>,
        runs: usize,
        budget_s: u64,
    ) -> Self {
        PlanRecord {
            format_version: PLAN_FORMAT_VERSION,
            tool: ToolInfo::current(version),
            goal,
            partial: false,
            end: PlanEnd::Converged,
            fingerprint,
            scenarios,
            runs,
            budget_s,
            elapsed_s: 0,
            evidence: PlanEvidence::default(),
            candidates: Vec::new(),
            stages: Vec::new(),
            steps: Vec::new(),
            confirmation: None,
            rejected: Vec::new(),
            unmeasured: Vec::new(),
            ci: None,
            release: None,
        }
    }
}

/// How the `release` goal weighed build time, run time and size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseDecision {
    /// The workload whose run time is the objective.
    pub workload: crate::WorkloadInfo,
    /// A candidate's release build may take at most this many times the workspace's as it
    /// is (`--max-build-ratio`).
    pub max_build_ratio: f64,
    /// Every measured candidate and composition no other one beats on build time, run time
    /// and size at once, the workspace as it is included; by run time.
    pub front: Vec<FrontPoint>,
    /// The candidates of the chosen point (empty: the workspace as it is).
    pub chosen: Vec<String>,
    /// Why that point, in words.
    pub reason: String,
    /// What was left out of the search, and why (PGO when its pipeline cannot run here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<String>,
}

/// One point of the Pareto front: ratios to the workspace as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontPoint {
    /// The candidates measured together (empty: the workspace as it is).
    pub candidates: Vec<String>,
    /// Release build time ratio (point estimate).
    pub build_ratio: f64,
    /// Workload run time ratio (point estimate).
    pub runtime_ratio: f64,
    /// Its interval, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_interval: Option<Interval>,
    /// Binary size ratio.
    pub size_ratio: f64,
    /// Whether the build ratio is within `max_build_ratio`.
    pub within_build_limit: bool,
    /// Builds only for CPUs like this one (`-C target-cpu=native`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub non_portable: bool,
}
