//! Assembles `cargo tune timings`'s document from one or more measured builds.

use cargo_tune_schema::{
    FORMAT_VERSION, Finding, MacroExpansion, RunContext, TimingSourceInfo, TimingsReport, ToolInfo,
    VariantFailure,
};

use std::path::Path;

use super::analysis::analyse;
use super::findings::cost_findings;
use super::{BuildTimings, DepsSource};
use crate::fsutil::ReadError;

/// What `cargo tune timings` measured.
#[derive(Debug)]
pub struct TimingsInputs<'a> {
    /// cargo-tune's version.
    pub version: &'a str,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// Toolchain, host, jobs.
    pub context: RunContext,
    /// Scenario name.
    pub scenario: String,
    /// The cargo command measured.
    pub command: String,
    /// The timings report read (of the reported run).
    pub report_path: String,
    /// Why the unit graph was not used, if it was not.
    pub deps_note: Option<String>,
    /// Every run's timings, in order; with a failure, the failed run is the last.
    pub runs: Vec<BuildTimings>,
    /// Every run's wall time as cargo-tune measured it, seconds.
    pub walls: Vec<f64>,
    /// The audit's findings, to cost.
    pub findings: &'a [Finding],
    /// Set when the last run failed.
    pub failure: Option<VariantFailure>,
    /// Macro expansion, from an instrumented build.
    pub macros: Option<MacroExpansion>,
    /// The code of each member binary, by crate.
    pub binaries: Vec<cargo_tune_schema::BinaryCode>,
}

/// Where `cargo tune timings` keeps its last report for `cargo tune audit --costs`.
pub fn saved_path(target_directory: &std::path::Path) -> std::path::PathBuf {
    target_directory
        .join("cargo-tune")
        .join("timings")
        .join("last.json")
}

/// The run whose wall time is the median (the lower middle for an even count) of `walls`.
pub fn median_run(walls: &[f64]) -> usize {
    let mut order: Vec<usize> = (0..walls.len()).collect();
    order.sort_by(|&a, &b| walls[a].total_cmp(&walls[b]));
    order
        .get(walls.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0)
}

/// Run-to-run spread of wall time, when there is more than one run.
pub fn spread(walls: &[f64]) -> Option<f64> {
    (walls.len() > 1).then(|| {
        walls.iter().copied().fold(f64::MIN, f64::max)
            - walls.iter().copied().fold(f64::MAX, f64::min)
    })
}

/// The document. `inputs.runs` must not be empty.
pub fn assemble(inputs: TimingsInputs<'_>) -> TimingsReport {
    // A failed build is reported as it is: its units are what was measured.
    let (reported, good) = if inputs.failure.is_some() {
        (inputs.runs.len() - 1, &inputs.walls[..0])
    } else {
        (median_run(&inputs.walls), &inputs.walls[..])
    };
    let spread = spread(good);
    let t = &inputs.runs[reported];
    let jobs = inputs.context.jobs;
    let analysis = analyse(t, t.jobs.unwrap_or(jobs), spread);
    let mut findings = if inputs.failure.is_some() {
        Vec::new()
    } else {
        cost_findings(inputs.findings, &inputs.runs, reported, spread)
    };
    let mut stacks = analysis.proc_macro_stacks;
    if let Some(m) = &inputs.macros {
        super::findings::add_expansion(&mut stacks, &mut findings, inputs.findings, m);
    }
    TimingsReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(inputs.version),
        workspace_root: inputs.workspace_root,
        context: inputs.context,
        scenario: inputs.scenario,
        command: inputs.command,
        source: TimingSourceInfo {
            durations: "cargo-timings-html".to_owned(),
            schema: t.schema.as_str().to_owned(),
            dependencies: t.deps_source.as_str().to_owned(),
            dependencies_note: inputs
                .deps_note
                .filter(|_| t.deps_source == DepsSource::TimingsUnblocked),
            report_path: inputs.report_path,
        },
        run_walls_s: inputs.walls,
        reported_run: reported,
        wall_s: super::analysis::round(t.wall),
        units: t.units.clone(),
        critical_path: analysis.critical_path,
        parallelism: analysis.parallelism,
        shares: analysis.shares,
        proc_macro_stacks: stacks,
        findings,
        failure: inputs.failure,
        macros: inputs.macros,
        binaries: inputs.binaries,
    }
}

/// A saved `cargo tune timings --format json` document of this format version.
pub fn read_saved(path: &Path) -> Result<TimingsReport, ReadError> {
    crate::fsutil::read_document(
        path,
        "`cargo tune timings --format json`",
        |r: &TimingsReport| r.format_version,
    )
}

/// What findings are costed with: the timed units and the run-to-run spread of wall time. A
/// build that failed is refused, as its units are partial.
pub fn costs_of(report: &TimingsReport) -> Result<(super::BuildTimings, Option<f64>), String> {
    if report.failure.is_some() {
        return Err(
            "it describes a build that failed, whose units are partial; run `cargo tune timings` again"
                .to_owned(),
        );
    }
    let timings = super::BuildTimings::from_report(report).map_err(|e| e.to_string())?;
    Ok((timings, spread(&report.run_walls_s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_run_is_reported_and_the_spread_needs_two_runs() {
        assert_eq!(median_run(&[3.0, 1.0, 2.0]), 2);
        assert_eq!(median_run(&[4.0, 1.0, 3.0, 2.0]), 3);
        assert_eq!(median_run(&[5.0]), 0);
        assert_eq!(spread(&[5.0]), None);
        assert_eq!(spread(&[2.0, 2.5, 1.5]), Some(1.0));
    }
}
