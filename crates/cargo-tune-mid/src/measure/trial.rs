//! `cargo tune try`: candidates measured against the workspace as it is, each where it can make
//! a difference, before any file is touched.

use cargo_tune_schema::{FindingCode, MeasureReport};

use super::session::{MeasureOptions, Session, now};
use super::{history_of, select};
use crate::cargo::Invocation;
use crate::change::{Change, ChangeArg};
use crate::vocab::{Events, Failure};

/// What to try.
#[derive(Debug, Clone)]
pub struct TryRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// Each candidate: its CHANGEs, applied together.
    pub candidates: Vec<Vec<ChangeArg>>,
    /// Scenarios, runs and the rest.
    pub measure: MeasureOptions,
}

/// Measures every candidate against the baseline and appends the history; the report may hold
/// failed builds, which [`super::session::failures`] turns into the exit code.
pub fn run(request: &TryRequest, events: &mut dyn Events) -> Result<MeasureReport, Failure> {
    // With `--profile NAME`, presets set NAME's keys.
    let candidates: Vec<Vec<ChangeArg>> = match &request.measure.profile {
        Some(profile) => request
            .candidates
            .iter()
            .map(|args| args.iter().map(|a| a.for_profile(profile)).collect())
            .collect(),
        None => request.candidates.clone(),
    };
    let candidates = &candidates;
    // Only `compiled-twice` findings come from cargo's unit graphs.
    let unit_graphs = candidates.iter().flatten().any(|a| {
        a.text.split(':').next().and_then(FindingCode::parse) == Some(FindingCode::CompiledTwice)
    });
    let session = Session::load(&request.invocation, unit_graphs)?;
    let release_built = match &request.measure.profile {
        Some(profile) => Some(session.profile_chain(profile).ok_or_else(|| {
            Failure::usage(format!(
                "--profile {profile}: the workspace has no such profile"
            ))
        })?),
        None => None,
    };
    let current = session.current();
    let mut findings = None;
    let mut expanded: Vec<Vec<Change>> = Vec::new();
    let mut reaches = Vec::new();
    for (i, args) in candidates.iter().enumerate() {
        let per_arg = session.expand(args, &mut findings)?;
        session.refuse_no_ops(args, &per_arg, &current)?;
        let changes: Vec<Change> = per_arg.into_iter().flatten().collect();
        let written = written(args);
        if let Some(j) = expanded.iter().position(|e| same_changes(e, &changes)) {
            return Err(Failure::usage(format!(
                "`{written}` is the same change as `{}`; give each candidate once",
                self::written(&candidates[j])
            )));
        }
        reaches.push(select::CandidateReach {
            name: name(i),
            written,
            reach: changes.iter().map(Change::reach).collect(),
            release_built: release_built.clone(),
        });
        expanded.push(changes);
    }
    // The hint moves code generation from the dependency into the crates that use it, which
    // every build profile weighs differently: by default it is measured in all three.
    let hinted = expanded
        .iter()
        .flatten()
        .any(|c| matches!(c, Change::HintMostlyUnused(_)));
    let asked = if request.measure.scenarios.is_empty() && hinted {
        vec![
            crate::vocab::Scenario::DevClean,
            crate::vocab::Scenario::DevIncremental,
            crate::vocab::Scenario::ReleaseClean,
        ]
    } else {
        request.measure.scenarios.clone()
    };
    let selection =
        select::select_scenarios(&reaches, &asked).map_err(|e| Failure::usage(e.to_string()))?;
    for n in &selection.not_measured {
        events.warning(&format!(
            "not measuring {} in {}: {}",
            n.variant, n.scenario, n.reason
        ));
    }
    let mut variants = vec![session.variant("baseline", &[], &[])?];
    for (i, (args, changes)) in candidates.iter().zip(&expanded).enumerate() {
        variants.push(session.variant(&name(i), args, changes)?);
    }
    let (context, variants, results) = session.measure(
        &request.measure,
        variants,
        selection.scenarios,
        selection.skip,
        true,
        events,
    )?;
    let report = session.report("try", context, &variants, selection.not_measured, results);
    session.record(&request.measure, &history_of(&report, now()), events);
    Ok(report)
}

fn name(index: usize) -> String {
    format!("candidate-{}", index + 1)
}

fn written(args: &[ChangeArg]) -> String {
    args.iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// The same set of changes, in any order.
fn same_changes(a: &[Change], b: &[Change]) -> bool {
    a.len() == b.len() && a.iter().all(|c| b.contains(c))
}
