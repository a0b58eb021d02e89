//! `cargo tune report`: the documents the other commands saved (timings, the plan's decision
//! record, `bench`/`try` results and the history) and a fresh audit, gathered into one
//! [`OverviewReport`]. Reading is tolerant where a file is found by default and strict where
//! the user named it; assembling is pure.

use std::path::{Path, PathBuf};

use cargo_tune_schema::{
    AuditReport, FORMAT_VERSION, HistoryEntry, InputState, MeasureReport, MeasuredRun,
    MeasuredScenario, MeasuredVariant, OverviewReport, PlanRecord, ReportInput, TimingsReport,
    ToolInfo, Trend, TrendPoint,
};

use crate::analysis::Policy;
use crate::cargo::Invocation;
use crate::cargo::metadata::MetadataSource;
pub use crate::fsutil::ReadError;
use crate::measure::history::read_history;
use crate::vocab::{Events, Failure};
use crate::workspace::{BuildEnv, LoadOptions};

/// Where the report looks for what the other commands saved, unless told otherwise.
#[derive(Clone, Debug)]
pub struct DefaultPaths {
    /// `target/cargo-tune/timings/last.json`.
    pub timings: PathBuf,
    /// `cargo-tune-plan.toml` at the workspace root.
    pub plan: PathBuf,
    /// `target/cargo-tune/history.jsonl`.
    pub history: PathBuf,
    /// `target/cargo-tune/report.html`.
    pub output: PathBuf,
    /// `target/cargo-tune/features/last.json`.
    pub features: PathBuf,
}

impl DefaultPaths {
    /// The paths of a workspace rooted at `root` with its target directory at `target_dir`.
    pub fn of(root: &Path, target_dir: &Path) -> Self {
        let ours = target_dir.join("cargo-tune");
        DefaultPaths {
            timings: crate::timings::report::saved_path(target_dir),
            plan: crate::plan::record::default_path(root),
            history: crate::measure::history::path(target_dir),
            output: ours.join("report.html"),
            features: crate::features::saved_path(target_dir),
        }
    }
}

/// A decision record of `cargo tune plan`.
pub fn read_plan(path: &Path) -> Result<PlanRecord, ReadError> {
    crate::plan::record::from_toml(&crate::fsutil::read_text(path)?).map_err(ReadError::Invalid)
}

/// A `cargo tune bench` or `cargo tune try` `--format json` document.
pub fn read_measure(path: &Path) -> Result<MeasureReport, ReadError> {
    crate::fsutil::read_document(
        path,
        "`cargo tune bench` or `cargo tune try` `--format json`",
        |r: &MeasureReport| r.format_version,
    )
}

/// Per scenario (in the order first seen), the baseline's wall time in every history line that
/// measured it, oldest first. A `try`'s candidates are not the workspace as it was, so only
/// baselines make a trend.
pub fn trends(entries: &[(usize, HistoryEntry)]) -> Vec<Trend> {
    let mut ordered: Vec<&HistoryEntry> = entries.iter().map(|(_, e)| e).collect();
    // Appends are in finishing order already; a stable sort keeps it for equal times.
    ordered.sort_by_key(|e| e.finished_at);
    let mut out: Vec<Trend> = Vec::new();
    for e in ordered {
        for r in &e.results {
            let Some(summary) = r
                .summary
                .as_ref()
                .filter(|_| r.variant == "baseline" && !r.failed)
            else {
                continue;
            };
            let point = TrendPoint {
                finished_at: e.finished_at,
                command: e.command.clone(),
                wall_s: summary.wall_s,
                rustc: e.context.rustc.clone(),
                commit: e.context.git_revision.clone(),
                dirty: e.context.git_dirty,
            };
            match out.iter_mut().find(|t| t.scenario == r.scenario) {
                Some(t) => t.points.push(point),
                None => out.push(Trend {
                    scenario: r.scenario.clone(),
                    points: vec![point],
                }),
            }
        }
    }
    out
}

fn changes_of(specs: &[cargo_tune_schema::VariantSpec], variant: &str) -> Vec<String> {
    specs
        .iter()
        .find(|s| s.name == variant)
        .map(|s| s.changes.clone())
        .unwrap_or_default()
}

/// A full `bench` or `try` document as bars: every variant of every scenario, with the
/// interval of each candidate's ratio.
pub fn measured_from_report(report: &MeasureReport, source: &str) -> MeasuredRun {
    MeasuredRun {
        command: report.command.clone(),
        source: source.to_owned(),
        finished_at: None,
        rustc: report.context.rustc.clone(),
        commit: report.context.git_revision.clone(),
        runs: report.context.runs,
        scenarios: report
            .scenarios
            .iter()
            .map(|s| MeasuredScenario {
                scenario: s.scenario.clone(),
                variants: s
                    .variants
                    .iter()
                    .map(|v| {
                        let c = s.comparisons.iter().find(|c| c.candidate == v.variant);
                        MeasuredVariant {
                            variant: v.variant.clone(),
                            changes: changes_of(&report.variants, &v.variant),
                            wall_s: v.summary.as_ref().map(|m| m.wall_s),
                            failed: v.failure.is_some(),
                            ratio: c.and_then(|c| c.ratio),
                            interval: c.and_then(|c| c.interval),
                            verdict: c.map(|c| c.verdict),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// A history line as bars (no interval: the history keeps only summaries and ratios).
pub fn measured_from_history(entry: &HistoryEntry, source: &str) -> MeasuredRun {
    let mut scenarios: Vec<MeasuredScenario> = Vec::new();
    for r in &entry.results {
        let variant = MeasuredVariant {
            variant: r.variant.clone(),
            changes: changes_of(&entry.variants, &r.variant),
            wall_s: r.summary.as_ref().map(|m| m.wall_s),
            failed: r.failed,
            ratio: r.ratio,
            interval: None,
            verdict: r.verdict,
        };
        match scenarios.iter_mut().find(|s| s.scenario == r.scenario) {
            Some(s) => s.variants.push(variant),
            None => scenarios.push(MeasuredScenario {
                scenario: r.scenario.clone(),
                variants: vec![variant],
            }),
        }
    }
    MeasuredRun {
        command: entry.command.clone(),
        source: source.to_owned(),
        finished_at: Some(entry.finished_at),
        rustc: entry.context.rustc.clone(),
        commit: entry.context.git_revision.clone(),
        runs: entry.context.runs,
        scenarios,
    }
}

/// The last `bench` and the last `try` of a history, oldest first.
pub fn latest_measured(entries: &[(usize, HistoryEntry)], history: &Path) -> Vec<MeasuredRun> {
    let mut out: Vec<(u64, MeasuredRun)> = Vec::new();
    for command in ["bench", "try"] {
        if let Some((line, e)) = entries
            .iter()
            .filter(|(_, e)| e.command == command)
            .max_by_key(|(line, e)| (e.finished_at, *line))
        {
            let source = format!("{}, line {line}", history.display());
            out.push((e.finished_at, measured_from_history(e, &source)));
        }
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, m)| m).collect()
}

/// Everything the report was given.
#[derive(Debug)]
pub struct OverviewInputs {
    /// cargo-tune's version.
    pub version: String,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// Seconds since the Unix epoch.
    pub generated_at: u64,
    /// What became of every file looked for.
    pub inputs: Vec<ReportInput>,
    /// The audit, costed already when there were timings.
    pub audit: AuditReport,
    /// The plan's record.
    pub plan: Option<PlanRecord>,
    /// `bench`/`try` results.
    pub measured: Vec<MeasuredRun>,
    /// The last timings.
    pub timings: Option<TimingsReport>,
    /// The history's lines.
    pub history: Vec<(usize, HistoryEntry)>,
    /// The last `cargo tune features`.
    pub features: Option<cargo_tune_schema::FeaturesReport>,
}

/// The document.
pub fn assemble(inputs: OverviewInputs) -> OverviewReport {
    OverviewReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(&inputs.version),
        workspace_root: inputs.workspace_root,
        generated_at: inputs.generated_at,
        inputs: inputs.inputs,
        audit: inputs.audit,
        plan: inputs.plan,
        measured: inputs.measured,
        timings: inputs.timings,
        trends: trends(&inputs.history),
        features: inputs.features,
    }
}

/// The [`ReportInput`] of a read attempt, and the document when there is one.
pub fn input_of<T>(
    kind: &str,
    path: &Path,
    result: Result<T, ReadError>,
) -> (ReportInput, Option<T>) {
    let (state, note, value) = match result {
        Ok(v) => (InputState::Read, None, Some(v)),
        Err(ReadError::Absent) => (InputState::Absent, None, None),
        Err(ReadError::Invalid(why)) => (InputState::Unreadable, Some(why), None),
    };
    (
        ReportInput {
            kind: kind.to_owned(),
            path: path.display().to_string(),
            state,
            note,
        },
        value,
    )
}

/// A file the user named: anything wrong with it is an error, found before any work.
fn named<T>(
    flag: &str,
    path: &Path,
    read: impl FnOnce(&Path) -> Result<T, ReadError>,
) -> Result<(ReportInput, T), Failure> {
    match read(path) {
        Ok(v) => Ok((
            ReportInput {
                kind: flag.to_owned(),
                path: path.display().to_string(),
                state: InputState::Read,
                note: None,
            },
            v,
        )),
        Err(e) => Err(Failure::Setup {
            message: format!("failed to read --{flag} {}: {e}", path.display()),
            source: None,
        }),
    }
}

/// The named file's document, or else the default file's, if it is there and readable (a
/// default file that is not is a warning, not an error).
fn or_default<T>(
    inputs: &mut Vec<ReportInput>,
    events: &mut dyn Events,
    kind: &str,
    named: Option<(ReportInput, T)>,
    default: &Path,
    read: impl FnOnce(&Path) -> Result<T, ReadError>,
) -> Option<T> {
    if let Some((input, value)) = named {
        inputs.push(input);
        return Some(value);
    }
    let (input, value) = input_of(kind, default, read(default));
    if let Some(note) = &input.note {
        events.warning(&format!("left out {}: {note}", default.display()));
    }
    inputs.push(input);
    value
}

/// What to gather: the files named on the command line (relative to `cwd`), else the ones the
/// other commands left in the workspace.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// A saved `cargo tune timings --format json`.
    pub timings: Option<PathBuf>,
    /// A `cargo tune plan` decision record.
    pub plan: Option<PathBuf>,
    /// A history file.
    pub history: Option<PathBuf>,
    /// `cargo tune bench` or `try` documents, drawn instead of the history's last ones.
    pub measure: Vec<PathBuf>,
}

/// Reads the named files (any problem with one is an error, found before any other work),
/// audits the workspace, reads what the other commands left where they were not named, and
/// assembles the document. The default paths come back too: where the page goes unless told.
pub fn run(
    request: &ReportRequest,
    events: &mut dyn Events,
) -> Result<(OverviewReport, DefaultPaths), Failure> {
    let cwd = &request.invocation.cwd;
    let named_timings = request
        .timings
        .as_ref()
        .map(|p| named("timings", &cwd.join(p), crate::timings::report::read_saved))
        .transpose()?;
    let named_plan = request
        .plan
        .as_ref()
        .map(|p| named("plan", &cwd.join(p), read_plan))
        .transpose()?;
    let named_history = request
        .history
        .as_ref()
        .map(|p| named("history", &cwd.join(p), read_history))
        .transpose()?;
    let mut measured = Vec::new();
    let mut inputs = Vec::new();
    for p in &request.measure {
        let path = cwd.join(p);
        let (input, report) = named("measure", &path, read_measure)?;
        measured.push(measured_from_report(&report, &path.display().to_string()));
        inputs.push(input);
    }

    let load = LoadOptions {
        source: MetadataSource::Cargo(request.invocation.cargo.clone()),
        manifest_path: request.invocation.cargo.manifest_path.clone(),
        cwd: cwd.clone(),
        env: BuildEnv::capture(),
        unit_graphs: true,
        // The report reads, as the audit does.
        read_only: true,
    };
    let crate::audit::Audit {
        model,
        report: mut audit,
        ..
    } = crate::audit::audit(load, &Policy::default(), env!("CARGO_PKG_VERSION"))?;
    let defaults = DefaultPaths::of(&model.root, &model.metadata.target_directory);

    let timings = or_default(
        &mut inputs,
        events,
        "timings",
        named_timings,
        &defaults.timings,
        crate::timings::report::read_saved,
    );
    let plan = or_default(
        &mut inputs,
        events,
        "plan",
        named_plan,
        &defaults.plan,
        read_plan,
    );
    let history_path = request
        .history
        .as_ref()
        .map_or_else(|| defaults.history.clone(), |p| cwd.join(p));
    let history = or_default(
        &mut inputs,
        events,
        "history",
        named_history,
        &defaults.history,
        read_history,
    );
    let (history, skipped) = history.unwrap_or_default();
    if skipped > 0
        && let Some(input) = inputs.iter_mut().find(|i| i.kind == "history")
    {
        input.note = Some(format!(
            "{} left out (another format version, or cut short)",
            crate::text::count(skipped, "line")
        ));
    }
    if request.measure.is_empty() {
        measured = latest_measured(&history, &history_path);
    }
    let features = or_default(
        &mut inputs,
        events,
        "features",
        None,
        &defaults.features,
        crate::features::read_saved,
    );
    if let Some(t) = &timings {
        match crate::timings::report::costs_of(t) {
            Ok((units, spread)) => {
                crate::audit::add_costs(&mut audit.findings, &model.metadata, t, &units, spread);
            }
            Err(why) => events.warning(&format!("findings are not costed: {why}")),
        }
    }
    let report = assemble(OverviewInputs {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        workspace_root: model.root.display().to_string(),
        generated_at: crate::measure::session::now(),
        inputs,
        audit,
        plan,
        measured,
        timings,
        history,
        features,
    });
    Ok((report, defaults))
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{ByteSummary, HistoryResult, MetricSummaries, RunContext, Summary3};

    use super::*;
    use crate::measure::history::parse_history;
    use crate::test_util;

    fn s3(m: f64) -> Summary3 {
        Summary3 {
            median: m,
            min: m * 0.9,
            max: m * 1.1,
        }
    }

    fn result(scenario: &str, variant: &str, wall: Option<f64>) -> HistoryResult {
        HistoryResult {
            scenario: scenario.to_owned(),
            variant: variant.to_owned(),
            summary: wall.map(|w| MetricSummaries {
                wall_s: s3(w),
                cpu_s: s3(w),
                peak_tree_rss_bytes: None,
                max_process_rss_bytes: None,
                artifact_bytes: ByteSummary {
                    median: 0,
                    min: 0,
                    max: 0,
                },
                units_rebuilt: s3(1.0),
                harness_cpu_s: s3(0.0),
                compiler_cache_hit_rate: None,
                compiler_cache_hits: None,
            }),
            failed: wall.is_none(),
            ratio: None,
            verdict: None,
        }
    }

    pub(crate) fn entry(
        command: &str,
        at: u64,
        rustc: &str,
        results: Vec<HistoryResult>,
    ) -> HistoryEntry {
        HistoryEntry {
            format_version: FORMAT_VERSION,
            command: command.to_owned(),
            finished_at: at,
            tool: ToolInfo::current("0.0.0"),
            context: RunContext {
                rustc: rustc.to_owned(),
                cargo: "cargo".to_owned(),
                host: "h".to_owned(),
                git_revision: Some(format!("rev{at}")),
                git_dirty: Some(false),
                runs: 3,
                ..test_util::run_context()
            },
            variants: Vec::new(),
            results,
        }
    }

    #[test]
    fn trends_follow_baselines_in_time_order_and_skip_candidates_and_failures() {
        let lines = [
            entry(
                "bench",
                30,
                "rustc 1.95.0",
                vec![result("check", "baseline", Some(3.0))],
            ),
            entry(
                "try",
                10,
                "rustc 1.94.0",
                vec![
                    result("check", "baseline", Some(1.0)),
                    result("check", "candidate-1", Some(0.5)),
                    result("dev-clean", "baseline", None),
                ],
            ),
            entry(
                "bench",
                20,
                "rustc 1.95.0",
                vec![result("dev-clean", "baseline", Some(2.0))],
            ),
        ];
        let mut text: String = lines
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect();
        text.push_str("{\"format_version\": 1}\n{\"cut sho\n");
        let (entries, skipped) = parse_history(&text);
        assert_eq!((entries.len(), skipped), (3, 2));
        let t = trends(&entries);
        let shape: Vec<(&str, Vec<f64>)> = t
            .iter()
            .map(|t| {
                (
                    t.scenario.as_str(),
                    t.points.iter().map(|p| p.wall_s.median).collect(),
                )
            })
            .collect();
        assert_eq!(shape, [("check", vec![1.0, 3.0]), ("dev-clean", vec![2.0])]);
        assert_eq!(t[0].points[0].rustc, "rustc 1.94.0");
        assert_eq!(t[0].points[1].commit.as_deref(), Some("rev30"));
        let latest = latest_measured(&entries, Path::new("h.jsonl"));
        let commands: Vec<(&str, &str)> = latest
            .iter()
            .map(|m| (m.command.as_str(), m.source.as_str()))
            .collect();
        // The try finished first, so it comes first; each names its line.
        assert_eq!(
            commands,
            [("try", "h.jsonl, line 2"), ("bench", "h.jsonl, line 1")]
        );
        assert_eq!(latest[0].scenarios[0].variants.len(), 2);
    }
}
