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

use crate::cargo::Invocation;
use crate::measure::session::Session;
use crate::vocab::Failure;

/// The workload `name` declared in the workspace's SLO spec (`[…slo.workload.<name>]`), for
/// `try`, `bench` and `plan --workload NAME`; its SLOs need not be active.
pub fn named_workload(invocation: &Invocation, name: &str) -> Result<Workload, Failure> {
    let session = Session::load_members(invocation)?;
    let failed = |e: &SpecError| Failure::setup(format!("failed to read the SLO spec: {e}"));
    let Some(raw) =
        SloSpec::find(&session.model.root_manifest, &session.model.root).map_err(|e| failed(&e))?
    else {
        return Err(Failure::usage(format!(
            "--workload {name}: {} declares no [workspace.metadata.tune.slo] and there is no {}; declare the workload there (see docs/guard.md) or give --workload-bin NAME -- ARGS",
            session.model.root_manifest.rel_path,
            spec::TUNE_TOML
        )));
    };
    let (valid, _) = raw.validate().map_err(|e| failed(&e))?;
    let names: Vec<&str> = valid.workloads.iter().map(|w| w.name.as_str()).collect();
    valid
        .workloads
        .iter()
        .find(|w| w.name == name)
        .cloned()
        .ok_or_else(|| {
            Failure::usage(format!(
                "--workload {name}: {} declares no such workload; it declares: {}",
                valid.rel_path,
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ))
        })
}
