//! `cargo tune bench`: the workspace as it is, measured in the scenarios asked for.

use cargo_tune_schema::MeasureReport;

use super::history_of;
use super::session::{MeasureOptions, Session, dedup, now};
use crate::cargo::Invocation;
use crate::vocab::{Events, Failure, Scenario};

/// Measured when no scenario is named.
pub const DEFAULT_SCENARIOS: &[Scenario] = &[
    Scenario::Check,
    Scenario::DevClean,
    Scenario::DevIncremental,
];

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// Scenarios, runs and the rest.
    pub measure: MeasureOptions,
}

/// Measures the workspace and appends the history; the report may hold failed builds.
pub fn run(request: &BenchRequest, events: &mut dyn Events) -> Result<MeasureReport, Failure> {
    let session = Session::load(&request.invocation, false)?;
    let baseline = session.variant("baseline", &[], &[])?;
    let scenarios = if request.measure.scenarios.is_empty() {
        DEFAULT_SCENARIOS.to_vec()
    } else {
        dedup(&request.measure.scenarios)
    };
    let (context, variants, results) = session.measure(
        &request.measure,
        vec![baseline],
        scenarios,
        Vec::new(),
        false,
        events,
    )?;
    let report = session.report("bench", context, &variants, Vec::new(), results);
    session.record(&request.measure, &history_of(&report, now()), events);
    Ok(report)
}
