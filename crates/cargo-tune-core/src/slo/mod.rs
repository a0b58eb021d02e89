//! Build-time SLOs: a spec declared in the manifest or `tune.toml`, validated at a typed
//! boundary, a pure check of measurements against it, and the `guard` command that measures
//! what the SLOs need.

pub mod baseline;
pub mod check;
pub mod guard;
pub mod spec;

pub use check::{CheckMode, Measurements, Observed, SloVerdict, check};
pub use spec::{
    InconclusivePolicy, Slo, SloSpec, SpecError, SpecWarning, Subject, ValidSloSpec, Workload,
    WorkloadRun,
};
