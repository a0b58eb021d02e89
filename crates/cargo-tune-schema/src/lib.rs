//! The machine-readable contract of cargo-tune.
//!
//! Everything `--format json` prints is one of the types in this crate, and every such document
//! carries [`FORMAT_VERSION`]. Fields are only ever added within a format version; renaming or
//! removing one bumps it. Enums are `#[non_exhaustive]` so that consumers written in Rust keep
//! compiling when a new finding code or scenario appears.

#![warn(missing_docs)]

mod apply;
mod cache;
pub mod exit_codes;
mod features;
mod finding;
mod guard;
mod measure;
mod overview;
mod pgo;
mod plan;
mod report;
mod timings;

pub use apply::{
    ApplyMode, ApplyReport, FileDiff, LeftOutChange, PlannedChange, SkippedChange, UndoReport,
};
pub use cache::{
    CacheBuild, CacheCheck, CacheReport, CacheStats, CiCacheSettings, NotCachedReason,
};
pub use features::{
    CiMatrix, CostBasis, DevLoop, Duplicate, FeatureSet, FeaturesReport, LeftOut, MatrixBuild,
    MatrixCost, Prediction, ResolveInfo, SetKind, SetMeasurement, SetSpec, Switch, Units,
};
pub use finding::{
    Area, Direction, Finding, FindingCode, Location, Severity, SuggestedChange, Suggestion,
    findings_table,
};
pub use guard::{
    BaselineEntry, BaselineInfo, GuardBaseline, GuardReport, GuardSummary, SloLevel, SloLimit,
    SloMetric, SloOutcome, SloResult,
};
pub use measure::{
    ByteSummary, Comparison, CompilerCacheCounts, HistoryEntry, HistoryResult, Interval,
    MeasureReport, Measurement, MemoryMethod, MetricSummaries, NotMeasured, RunContext,
    RuntimeOutcome, ScenarioResult, Summary3, VariantFailure, VariantOutcome, VariantSpec,
    VariantToolchain, Verdict, WorkloadComparison, WorkloadInfo,
};
pub use overview::{
    InputState, MeasuredRun, MeasuredScenario, MeasuredVariant, OverviewReport, ReportInput, Trend,
    TrendPoint,
};
pub use pgo::{PgoComparison, PgoContext, PgoReport, PgoStep, PgoVariant, ProfileSummary};
pub use plan::{
    Fingerprint, FrontPoint, Goal, InstrumentedBuild, PLAN_FORMAT_VERSION, PlanCandidate,
    PlanConfirmation, PlanEnd, PlanEvidence, PlanMeasurement, PlanPrediction, PlanRecord,
    PlanRejection, PlanStage, PlanStep, PlanUnmeasured, ReleaseDecision, ScenarioSeconds,
    StageRuns,
};
pub use report::{
    AuditReport, EffectiveProfile, ProfileValue, Summary, ToolInfo, UnitGraphStatus, ValueSource,
};
pub use timings::{
    BinaryCode, Cost, CostedGroup, CrateBytes, CrateMacros, CriticalPath, CriticalStep,
    ExpansionCost, FindingCost, MacroExpansion, MacroTotal, MacroUse, Parallelism,
    ProcMacroExpansion, Share, Shares, TimingSourceInfo, TimingsReport, UnitDep, UnitSections,
    UnitTiming,
};

/// Version of every JSON document cargo-tune writes. Bumped on any incompatible change.
///
/// 2: `bench` and `try` share one document shape (`MeasureReport`: `variants[]`, per-scenario
/// `variants[]` and `comparisons[]`), byte summaries are integers, and `try` compares several
/// candidates with a t-interval and an `inconclusive` verdict.
pub const FORMAT_VERSION: u32 = 2;
