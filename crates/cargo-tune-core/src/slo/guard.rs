//! `cargo tune guard`: measure what the declared SLOs need (scenarios and workloads), decide
//! each SLO against the interval of its median and the committed baseline, and update that
//! baseline when asked.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use cargo_tune_schema::{
    BaselineInfo, FORMAT_VERSION, GuardBaseline, GuardReport, RunContext, SloMetric, ToolInfo,
};

use super::{
    CheckMode, InconclusivePolicy, Measurements, Observed, SloSpec, Subject, ValidSloSpec,
    Workload, WorkloadRun,
};
use crate::cargo::{CargoCli, Invocation, ToolCommand};
use crate::measure::session::{MeasureOptions, Session, now};
use crate::measure::workload::{self, measure_workload, profile_dir};
use crate::measure::{self, MeasureError};
use crate::vocab::{Events, Failure, Scenario};

/// Runs per subject when neither the request nor the spec says.
const DEFAULT_RUNS: usize = 5;

/// The variant name guard measures under (its target directories are
/// `target/cargo-tune/<scenario>/guard`).
const VARIANT: &str = "guard";

/// What to check.
#[derive(Debug, Clone)]
pub struct GuardRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// Measured runs per subject (else the spec's `runs`, else 5).
    pub runs: Option<u32>,
    /// `CARGO_BUILD_JOBS` for every measured build.
    pub jobs: Option<u32>,
    /// The file dev-incremental edits.
    pub touch: Option<PathBuf>,
    /// Do not append the scenario results to the history.
    pub no_history: bool,
    /// Record this run as the accepted baseline.
    pub update_baseline: bool,
    /// The baseline file, relative to `cwd` (else the spec's, relative to the workspace root).
    pub baseline: Option<PathBuf>,
    /// What an inconclusive SLO does (else the spec's).
    pub inconclusive: Option<InconclusivePolicy>,
}

/// What the check found: the report, and what it means for the exit code.
#[derive(Debug)]
pub struct GuardOutcome {
    /// The report.
    pub report: GuardReport,
    /// Measured builds that failed.
    pub build_failures: usize,
    /// An SLO at `deny` failed (or was inconclusive with `inconclusive = "fail"`).
    pub violated: bool,
}

impl GuardOutcome {
    /// Exit 101 for failed builds, 1 for a violated SLO.
    pub fn result(&self) -> Result<(), Failure> {
        if self.build_failures > 0 {
            Err(Failure::BuildFailed {
                failed: self.build_failures,
            })
        } else if self.violated {
            Err(Failure::CheckFailed)
        } else {
            Ok(())
        }
    }
}

/// Measures what the SLOs need and checks them.
pub fn run(request: &GuardRequest, events: &mut dyn Events) -> Result<GuardOutcome, Failure> {
    let session = Session::load(&request.invocation, false)?;
    let cwd = &request.invocation.cwd;
    let root = session.model.root.clone();
    let Some(raw) =
        SloSpec::find(&session.model.root_manifest, &root).map_err(|e| spec_error(&e))?
    else {
        return Err(Failure::Setup {
            message: format!(
                "failed to find SLOs: {} has no [workspace.metadata.tune.slo] table and there is no {}; see docs/guard.md",
                session.model.root_manifest.rel_path,
                super::spec::TUNE_TOML
            ),
            source: None,
        });
    };
    let (mut spec, warnings) = raw.validate().map_err(|e| spec_error(&e))?;
    for w in &warnings {
        events.warning(&w.to_string());
    }
    if let Some(policy) = request.inconclusive {
        spec.inconclusive = policy;
    }
    let baseline_rel = request
        .baseline
        .clone()
        .unwrap_or_else(|| spec.baseline.clone());
    let baseline_path = if request.baseline.is_some() {
        cwd.join(&baseline_rel)
    } else {
        root.join(&baseline_rel)
    };
    let previous = super::baseline::read(&baseline_path).map_err(|e| Failure::Setup {
        message: format!("failed to {e}"),
        source: None,
    })?;
    let runs = request
        .runs
        .map(|r| r as usize)
        .or(spec.runs)
        .unwrap_or(DEFAULT_RUNS);
    let workloads: Vec<Workload> = spec.needed_workloads().into_iter().cloned().collect();
    let bins = workload_bins(&session, &workloads, events)?;

    let scenarios = spec.scenarios();
    let measure_args = MeasureOptions {
        scenarios,
        runs: runs as u32,
        jobs: request.jobs,
        touch: request.touch.clone(),
        no_history: request.no_history,
        packages: Vec::new(),
        cache_bandwidth: None,
        ..MeasureOptions::default()
    };
    let variant = session.variant(VARIANT, &[], &[])?;
    let (context, variants, scenario_runs) = session.measure(
        &measure_args,
        vec![variant],
        measure_args.scenarios.clone(),
        Vec::new(),
        false,
        events,
    )?;
    let mut measurements = Measurements::new();
    let mut build_failures = 0;
    for r in &scenario_runs {
        let Some(scenario) = Scenario::parse(&r.scenario) else {
            continue;
        };
        let outcome = &r.variants[0];
        let failure = outcome.failure.as_ref().map(|f| {
            build_failures += 1;
            let mut text = format!(
                "`{}` failed during the {}: {}",
                f.command, f.during, f.status
            );
            if let Some(last) = f.last_lines.iter().rev().find(|l| l.contains("error")) {
                text.push_str(&format!(": {last}"));
            }
            text
        });
        let binary = if needs_binary(&spec, scenario) {
            largest_binary(&session, scenario)
        } else {
            None
        };
        measurements.insert(
            Subject::Scenario(scenario),
            Observed::from_runs(
                outcome
                    .runs
                    .iter()
                    .map(|m| (m.wall_s, m.peak_tree_rss_bytes)),
                binary,
                failure,
            ),
        );
    }
    if !scenario_runs.is_empty() && !request.no_history {
        let report = session.report(
            "guard",
            context.clone(),
            &variants,
            Vec::new(),
            scenario_runs,
        );
        let mut entry = measure::history_of(&report, now());
        entry.command = "guard".to_owned();
        session.record(&measure_args, &entry, events);
    }

    let cancel = events.cancel();
    for workload in &workloads {
        let command = workload_command(workload, &root, &bins)?;
        let runs = workload.runs.unwrap_or(runs);
        let mut started = 0;
        let result = measure_workload(&command, runs, workload.timeout, &cancel, &mut |label| {
            started += 1;
            events.status(
                "Measuring",
                &format!(
                    "workload.{} {label} ({started}/{})",
                    workload.name,
                    runs + 1
                ),
            );
        });
        let outcome = match result {
            Ok(o) => o,
            Err(MeasureError::Interrupted) => {
                return Err(Failure::Interrupted { restored: None });
            }
            Err(e) => {
                return Err(Failure::Setup {
                    message: format!("failed to {e}"),
                    source: None,
                });
            }
        };
        measurements.insert(
            Subject::Workload(workload.name.clone()),
            Observed::from_runs(
                outcome
                    .runs
                    .iter()
                    .map(|r| (r.wall_s, r.peak_tree_rss_bytes)),
                None,
                outcome.failure,
            ),
        );
    }
    if cancel.load(Ordering::SeqCst) {
        return Err(Failure::Interrupted { restored: None });
    }

    let mode = if request.update_baseline {
        CheckMode::AbsoluteOnly
    } else {
        CheckMode::All
    };
    let verdict = super::check(&measurements, &spec, previous.as_ref(), mode);
    let mut notes = Vec::new();
    if let Some(b) = previous.as_ref().filter(|_| !request.update_baseline) {
        notes.extend(baseline_differences(&b.info, &context));
    }
    let mut baseline_updated = false;
    if request.update_baseline {
        if verdict.violated || build_failures > 0 {
            notes.push(format!(
                "the baseline was not updated: this run {}",
                if build_failures > 0 {
                    "has failed builds"
                } else {
                    "violates an absolute limit"
                }
            ));
        } else {
            let baseline = GuardBaseline {
                format_version: FORMAT_VERSION,
                tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
                info: baseline_info(&context),
                entries: measurements
                    .iter()
                    .map(|(subject, observed)| observed.to_baseline(subject))
                    .collect(),
            };
            super::baseline::write(&baseline_path, &baseline).map_err(|e| Failure::Setup {
                message: format!("failed to {e}"),
                source: None,
            })?;
            baseline_updated = true;
            notes.push(format!(
                "recorded {} as the baseline; commit it so that regression limits compare with it",
                display_rel(&baseline_path, &root)
            ));
        }
    }
    if verdict.summary.inconclusive > 0 {
        notes.push(format!(
            "{} SLO(s) inconclusive: the interval of the median straddles the limit or there were too few runs; {}",
            verdict.summary.inconclusive,
            if spec.inconclusive == InconclusivePolicy::Fail {
                "they fail this run (inconclusive = \"fail\")"
            } else {
                "they do not fail this run (set inconclusive = \"fail\" or pass --inconclusive fail to change that)"
            }
        ));
    }
    let report = GuardReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
        workspace_root: root.display().to_string(),
        spec_file: spec.rel_path,
        context,
        baseline_file: display_rel(&baseline_path, &root),
        baseline: previous.map(|b| b.info),
        baseline_updated,
        slos: verdict.results,
        summary: verdict.summary,
        notes,
    };
    if report.summary.inconclusive > 0 {
        events.note(&format!(
            "{} SLO(s) inconclusive; see the report",
            report.summary.inconclusive
        ));
    }
    Ok(GuardOutcome {
        report,
        build_failures,
        violated: verdict.violated,
    })
}

fn spec_error(e: &super::SpecError) -> Failure {
    Failure::Setup {
        message: format!("failed to read the SLOs: {e}"),
        source: None,
    }
}

fn display_rel(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn needs_binary(spec: &ValidSloSpec, scenario: Scenario) -> bool {
    spec.active()
        .any(|s| s.subject == Subject::Scenario(scenario) && s.metric == SloMetric::BinarySize)
}

/// The largest workspace binary in the scenario's target directory, with its name.
fn largest_binary(session: &Session, scenario: Scenario) -> Option<(String, u64)> {
    let dir = crate::measure::runner::target_dir(&session.bench_dir, scenario, VARIANT)
        .join(profile_dir(scenario.profile()));
    workload::largest_binary(&dir, &workload::workspace_bins(&session.model.metadata))
}

/// Builds every `bin = …` workload's binary with its profile, once, and returns the paths.
fn workload_bins(
    session: &Session,
    workloads: &[Workload],
    events: &mut dyn Events,
) -> Result<Vec<(String, String, PathBuf)>, Failure> {
    let mut out = Vec::new();
    let target_dir = session.bench_dir.join("workload");
    for w in workloads {
        let WorkloadRun::Bin { name, profile, .. } = &w.run else {
            continue;
        };
        if out.iter().any(|(n, p, _)| n == name && p == profile) {
            continue;
        }
        if let Err(why) = workload::check_bin(&session.model.metadata, name) {
            return Err(Failure::Setup {
                message: format!("failed to build workload.{}: {why}", w.name),
                source: None,
            });
        }
        let mut options = session.cargo.clone();
        options.color = Some(crate::cargo::Color::Never);
        let cli = CargoCli::new(&["build"], &options)
            .args(["--profile", profile, "--bin", name])
            .env("CARGO_TARGET_DIR", &target_dir);
        events.status(
            "Building",
            &format!("workload.{} ({})", w.name, cli.display()),
        );
        if let Err(e) = cli.output() {
            return Err(Failure::Setup {
                message: format!("failed to build workload.{}: {e}", w.name),
                source: None,
            });
        }
        let path = workload::binary(&target_dir.join(profile_dir(profile)), name);
        out.push((name.clone(), profile.clone(), path));
    }
    Ok(out)
}

fn workload_command(
    workload: &Workload,
    root: &Path,
    bins: &[(String, String, PathBuf)],
) -> Result<ToolCommand, Failure> {
    let cmd = match &workload.run {
        WorkloadRun::Argv(argv) => ToolCommand::new(&argv[0]).args(&argv[1..]),
        WorkloadRun::Shell(script) => ToolCommand::new("sh").args(["-c", script]),
        WorkloadRun::Bin {
            name,
            args,
            profile,
        } => {
            let path = bins
                .iter()
                .find(|(n, p, _)| n == name && p == profile)
                .map(|(_, _, path)| path.clone())
                .ok_or_else(|| Failure::Setup {
                    message: format!(
                        "failed to find the binary `{name}` of workload.{}",
                        workload.name
                    ),
                    source: None,
                })?;
            ToolCommand::new(path).args(args)
        }
    };
    Ok(cmd.current_dir(root))
}

fn baseline_info(context: &RunContext) -> BaselineInfo {
    BaselineInfo {
        recorded_at: now(),
        rustc: context.rustc.clone(),
        host: context.host.clone(),
        cores: context.cores,
        jobs: context.jobs,
        git_revision: context.git_revision.clone(),
    }
}

/// Notes on what differs between the baseline's machine and this one.
fn baseline_differences(info: &BaselineInfo, context: &RunContext) -> Vec<String> {
    let mut diffs = Vec::new();
    if info.rustc != context.rustc {
        diffs.push(format!("toolchain {} (now {})", info.rustc, context.rustc));
    }
    if info.host != context.host {
        diffs.push(format!("host {} (now {})", info.host, context.host));
    }
    if info.cores != context.cores || info.jobs != context.jobs {
        diffs.push(format!(
            "{} jobs on {} cores (now {} on {})",
            info.jobs, info.cores, context.jobs, context.cores
        ));
    }
    if diffs.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "the baseline was recorded with {}; regression limits compare across that difference",
            diffs.join(", ")
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_differences_are_named() {
        let info = BaselineInfo {
            recorded_at: 0,
            rustc: "rustc 1.94.0".to_owned(),
            host: "h".to_owned(),
            cores: 2,
            jobs: 2,
            git_revision: None,
        };
        let mut context: RunContext = serde_json::from_value(serde_json::json!({
            "rustc": "rustc 1.94.0", "cargo": "cargo", "host": "h", "cores": 2, "jobs": 2,
            "runs": 3, "memory_method": {"kind": "none"}, "controlled_env": []
        }))
        .unwrap();
        assert!(baseline_differences(&info, &context).is_empty());
        context.cores = 8;
        context.jobs = 8;
        let notes = baseline_differences(&info, &context);
        assert!(
            notes[0].contains("2 jobs on 2 cores (now 8 on 8)"),
            "{notes:?}"
        );
    }
}
