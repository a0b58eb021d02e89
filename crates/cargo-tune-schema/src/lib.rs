//! The machine-readable contract of cargo-tune.
//!
//! Everything `--format json` prints is one of the types in this crate, and every such document
//! carries [`FORMAT_VERSION`]. Fields are only ever added within a format version; renaming or
//! removing one bumps it. Enums are `#[non_exhaustive]` so that consumers written in Rust keep
//! compiling when a new finding code or scenario appears.

#![warn(missing_docs)]

mod apply;
pub mod exit_codes;
mod finding;
mod measure;
mod pgo;
mod report;

pub use apply::{ApplyMode, ApplyReport, FileDiff, PlannedChange, SkippedChange, UndoReport};
pub use finding::{
    Area, Finding, FindingCode, Location, Severity, SuggestedChange, Suggestion, findings_table,
};
pub use measure::{
    BenchReport, HistoryEntry, HistoryResult, Interval, Measurement, MemoryMethod, MetricSummaries,
    RunContext, ScenarioBench, ScenarioComparison, Summary3, TryReport, VariantFailure,
    VariantOutcome, VariantSpec, Verdict,
};
pub use pgo::{PgoComparison, PgoContext, PgoReport, PgoStep, PgoVariant, ProfileSummary};
pub use report::{AuditReport, EffectiveProfile, ProfileValue, Summary, ToolInfo, ValueSource};

/// Version of every JSON document cargo-tune writes. Bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;
