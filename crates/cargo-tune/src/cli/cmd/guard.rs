//! `cargo tune guard`: measure what the declared SLOs need, decide each one against the
//! interval of its median, report, and exit 1 on a violation.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use cargo_tune_core::cargo::metadata::TargetKind;
use cargo_tune_core::cargo::{CargoCli, ToolCommand};
use cargo_tune_core::measure::workload::measure_workload;
use cargo_tune_core::measure::{self, MeasureError};
use cargo_tune_core::report::{
    RenderOptions, render_guard_human, render_guard_junit, render_guard_markdown, render_json,
};
use cargo_tune_core::slo::{
    self, CheckMode, InconclusivePolicy, Measurements, Observed, SloSpec, Subject, ValidSloSpec,
    Workload, WorkloadRun,
};
use cargo_tune_core::vocab::Scenario;
use cargo_tune_schema::{
    BaselineInfo, FORMAT_VERSION, GuardBaseline, GuardReport, RunContext, SloMetric, ToolInfo,
};

use super::measure::{MeasureArgs, Session, now};
use crate::cli::common::{ManifestOptions, current_dir};
use crate::cli::interrupt;
use crate::errors::ExpectedError;
use crate::output::OutputContext;

/// Runs per subject when neither `--runs` nor the spec says.
const DEFAULT_RUNS: usize = 5;

/// The variant name guard measures under (its target directories are
/// `target/cargo-tune/<scenario>/guard`).
const VARIANT: &str = "guard";

/// `--format` of guard: the usual three and JUnit XML.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum GuardFormat {
    /// For people at a terminal.
    #[default]
    Human,
    /// One JSON document (see docs/machine-readable.md).
    Json,
    /// GitHub-flavoured Markdown, for PR comments and job summaries.
    Markdown,
    /// JUnit XML, for CI test reporters.
    Junit,
}

/// `--inconclusive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Inconclusive {
    /// Exit 0 with a notice.
    Pass,
    /// Exit 1.
    Fail,
}

/// `cargo tune guard`.
#[derive(Debug, clap::Args)]
pub(crate) struct GuardArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    /// Report format.
    #[arg(long, value_enum, default_value_t, help_heading = "Output Options")]
    format: GuardFormat,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(
        long,
        short = 'o',
        value_name = "PATH",
        help_heading = "Output Options"
    )]
    output: Option<PathBuf>,
    /// Also append the Markdown report to this file (default: $GITHUB_STEP_SUMMARY when set).
    #[arg(
        long,
        value_name = "PATH",
        env = "GITHUB_STEP_SUMMARY",
        help_heading = "Output Options"
    )]
    github_summary: Option<PathBuf>,

    /// Measured runs per scenario and workload, after one warm-up (default: `runs` of the spec,
    /// else 5; 3 or more are needed for a decision).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    runs: Option<u32>,
    /// Number of parallel jobs for every measured build (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    jobs: Option<u32>,
    /// The source file dev-incremental edits (default: the main file of a member no other
    /// member depends on). Its bytes and mtime are always restored.
    #[arg(long, value_name = "PATH", help_heading = "Measurement Options")]
    touch: Option<PathBuf>,
    /// Do not append the scenario results to target/cargo-tune/history.jsonl.
    #[arg(long, help_heading = "Measurement Options")]
    no_history: bool,

    /// Record this run as the accepted baseline (checked against absolute limits only).
    #[arg(long, help_heading = "Check Options")]
    update_baseline: bool,
    /// The baseline file (default: `baseline` of the spec, else tune-baseline.json next to the
    /// root manifest).
    #[arg(long, value_name = "PATH", help_heading = "Check Options")]
    baseline: Option<PathBuf>,
    /// What an inconclusive SLO does to the exit code (default: `inconclusive` of the spec,
    /// else pass).
    #[arg(long, value_enum, value_name = "WHAT", help_heading = "Check Options")]
    inconclusive: Option<Inconclusive>,
}

impl GuardArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let cwd = current_dir()?;
        // Refuse an unwritable destination before minutes of building.
        let destination = crate::output::Destination::open(self.output.as_deref())?;
        // The job summary is appended to, not replaced: probe that a file can be made there.
        if let Some(path) = &self.github_summary {
            check_writable(&cwd.join(path), "--github-summary")?;
        }
        let session = Session::load(&self.manifest, ctx, false)?;
        let root = session.model.root.clone();
        let Some(raw) =
            SloSpec::find(&session.model.root_manifest, &root).map_err(|e| spec_error(&e))?
        else {
            return Err(ExpectedError::Setup {
                message: format!(
                    "failed to find SLOs: {} has no [workspace.metadata.tune.slo] table and there is no {}; see docs/guard.md",
                    session.model.root_manifest.rel_path,
                    slo::spec::TUNE_TOML
                ),
                source: None,
            });
        };
        let (mut spec, warnings) = raw.validate().map_err(|e| spec_error(&e))?;
        for w in &warnings {
            ctx.print_warning(&w.to_string());
        }
        match self.inconclusive {
            Some(Inconclusive::Pass) => spec.inconclusive = InconclusivePolicy::Pass,
            Some(Inconclusive::Fail) => spec.inconclusive = InconclusivePolicy::Fail,
            None => {}
        }
        let baseline_rel = self
            .baseline
            .clone()
            .unwrap_or_else(|| spec.baseline.clone());
        let baseline_path = if self.baseline.is_some() {
            cwd.join(&baseline_rel)
        } else {
            root.join(&baseline_rel)
        };
        let previous = slo::baseline::read(&baseline_path).map_err(|e| ExpectedError::Setup {
            message: format!("failed to {e}"),
            source: None,
        })?;
        let runs = self
            .runs
            .map(|r| r as usize)
            .or(spec.runs)
            .unwrap_or(DEFAULT_RUNS);
        let workloads: Vec<Workload> = spec.needed_workloads().into_iter().cloned().collect();
        let bins = workload_bins(&session, &workloads, ctx)?;

        let scenarios = spec.scenarios();
        let measure_args = MeasureArgs {
            scenarios,
            runs: runs as u32,
            jobs: self.jobs,
            touch: self.touch.clone(),
            no_history: self.no_history,
            packages: Vec::new(),
            workspace: false,
        };
        let variant = session.variant(VARIANT, &[], &[])?;
        let (context, variants, scenario_runs) = session.measure(
            &measure_args,
            vec![variant],
            measure_args.scenarios.clone(),
            Vec::new(),
            false,
            ctx,
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
                Observed {
                    wall_s: outcome.runs.iter().map(|m| m.wall_s).collect(),
                    peak_memory_bytes: outcome
                        .runs
                        .iter()
                        .filter_map(|m| m.peak_tree_rss_bytes)
                        .map(|b| b as f64)
                        .collect(),
                    binary,
                    failure,
                },
            );
        }
        if !scenario_runs.is_empty() && !self.no_history {
            let report = measure::report(
                "guard",
                env!("CARGO_PKG_VERSION"),
                &root.display().to_string(),
                context.clone(),
                session.specs(&variants),
                Vec::new(),
                scenario_runs,
            );
            let mut entry = measure::history_of(&report, now());
            entry.command = "guard".to_owned();
            session.record(&measure_args, &entry, ctx);
        }

        interrupt::install();
        for workload in &workloads {
            let command = workload_command(workload, &root, &bins)?;
            let runs = workload.runs.unwrap_or(runs);
            let mut started = 0;
            let result = measure_workload(
                &command,
                runs,
                workload.timeout,
                interrupt::flag(),
                &mut |label| {
                    started += 1;
                    ctx.print_status(
                        "Measuring",
                        &format!(
                            "workload.{} {label} ({started}/{})",
                            workload.name,
                            runs + 1
                        ),
                    );
                },
            );
            let outcome = match result {
                Ok(o) => o,
                Err(MeasureError::Interrupted) => {
                    return Err(ExpectedError::Interrupted { restored: None });
                }
                Err(e) => {
                    return Err(ExpectedError::Setup {
                        message: format!("failed to {e}"),
                        source: None,
                    });
                }
            };
            measurements.insert(
                Subject::Workload(workload.name.clone()),
                Observed {
                    wall_s: outcome.runs.iter().map(|r| r.wall_s).collect(),
                    peak_memory_bytes: outcome
                        .runs
                        .iter()
                        .filter_map(|r| r.peak_tree_rss_bytes)
                        .map(|b| b as f64)
                        .collect(),
                    binary: None,
                    failure: outcome.failure,
                },
            );
        }
        if interrupt::flag().load(Ordering::SeqCst) {
            return Err(ExpectedError::Interrupted { restored: None });
        }

        let mode = if self.update_baseline {
            CheckMode::AbsoluteOnly
        } else {
            CheckMode::All
        };
        let verdict = slo::check(&measurements, &spec, previous.as_ref(), mode);
        let mut notes = Vec::new();
        if let Some(b) = previous.as_ref().filter(|_| !self.update_baseline) {
            notes.extend(baseline_differences(&b.info, &context));
        }
        let mut baseline_updated = false;
        if self.update_baseline {
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
                slo::baseline::write(&baseline_path, &baseline).map_err(|e| {
                    ExpectedError::Setup {
                        message: format!("failed to {e}"),
                        source: None,
                    }
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
            ctx.print_note(&format!(
                "{} SLO(s) inconclusive; see the report",
                report.summary.inconclusive
            ));
        }
        let options = ctx.render_options(self.output.is_some());
        crate::output::deliver(destination, |out| match self.format {
            GuardFormat::Human => render_guard_human(&report, &options, out),
            GuardFormat::Json => render_json(&report, out),
            GuardFormat::Markdown => render_guard_markdown(&report, &options, out),
            GuardFormat::Junit => render_guard_junit(&report, &options, out),
        })?;
        if let Some(path) = &self.github_summary {
            append_summary(&cwd.join(path), &report)?;
        }
        if build_failures > 0 {
            Err(ExpectedError::BuildFailed {
                failed: build_failures,
            })
        } else if verdict.violated {
            Err(ExpectedError::CheckFailed)
        } else {
            Ok(())
        }
    }
}

fn spec_error(e: &slo::SpecError) -> ExpectedError {
    ExpectedError::Setup {
        message: format!("failed to read the SLOs: {e}"),
        source: None,
    }
}

/// The directory of `path` exists and accepts a new file.
fn check_writable(path: &Path, flag: &str) -> Result<(), ExpectedError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let fail = |why: String| ExpectedError::Setup {
        message: format!("failed to use {flag} {}: {why}", path.display()),
        source: None,
    };
    if path.is_dir() {
        return Err(fail("it is a directory".to_owned()));
    }
    if !dir.is_dir() {
        return Err(fail(format!("{} is not a directory", dir.display())));
    }
    let probe = dir.join(format!(".cargo-tune.probe.{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(fail(format!(
            "cannot create a file in {}: {e}",
            dir.display()
        ))),
    }
}

fn append_summary(path: &Path, report: &GuardReport) -> Result<(), ExpectedError> {
    let mut buf = Vec::new();
    let err = |source| ExpectedError::Output {
        path: path.display().to_string(),
        source,
    };
    render_guard_markdown(report, &RenderOptions::new(false), &mut buf).map_err(err)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(err)?;
    file.write_all(&buf).map_err(err)
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
    let dir = measure::runner::target_dir(&session.bench_dir, scenario, VARIANT).join(
        if scenario == Scenario::ReleaseClean {
            "release"
        } else {
            "debug"
        },
    );
    session
        .model
        .metadata
        .workspace_packages()
        .iter()
        .flat_map(|p| p.targets.iter())
        .filter(|t| t.kind.contains(&TargetKind::Bin))
        .filter_map(|t| {
            let file = dir.join(format!("{}{}", t.name, std::env::consts::EXE_SUFFIX));
            std::fs::metadata(&file)
                .ok()
                .map(|m| (t.name.clone(), m.len()))
        })
        .max_by_key(|(_, size)| *size)
}

/// Builds every `bin = …` workload's binary with its profile, once, and returns the paths.
fn workload_bins(
    session: &Session,
    workloads: &[Workload],
    ctx: &OutputContext,
) -> Result<Vec<(String, String, PathBuf)>, ExpectedError> {
    let mut out = Vec::new();
    let target_dir = session.bench_dir.join("workload");
    for w in workloads {
        let WorkloadRun::Bin { name, profile, .. } = &w.run else {
            continue;
        };
        if out.iter().any(|(n, p, _)| n == name && p == profile) {
            continue;
        }
        let known = session
            .model
            .metadata
            .workspace_packages()
            .iter()
            .flat_map(|p| p.targets.iter())
            .any(|t| t.kind.contains(&TargetKind::Bin) && &t.name == name);
        if !known {
            return Err(ExpectedError::Setup {
                message: format!(
                    "failed to build workload.{}: no workspace member has a binary target `{name}`",
                    w.name
                ),
                source: None,
            });
        }
        let mut options = session.cargo.clone();
        options.color = Some(cargo_tune_core::cargo::Color::Never);
        let cli = CargoCli::new(&["build"], &options)
            .args(["--profile", profile, "--bin", name])
            .env("CARGO_TARGET_DIR", &target_dir);
        ctx.print_status(
            "Building",
            &format!("workload.{} ({})", w.name, cli.display()),
        );
        if let Err(e) = cli.output() {
            return Err(ExpectedError::Setup {
                message: format!("failed to build workload.{}: {e}", w.name),
                source: None,
            });
        }
        let dir = match profile.as_str() {
            "dev" | "test" => "debug",
            "bench" => "release",
            other => other,
        };
        let path = target_dir
            .join(dir)
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        out.push((name.clone(), profile.clone(), path));
    }
    Ok(out)
}

fn workload_command(
    workload: &Workload,
    root: &Path,
    bins: &[(String, String, PathBuf)],
) -> Result<ToolCommand, ExpectedError> {
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
                .ok_or_else(|| ExpectedError::Setup {
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
    fn an_unwritable_output_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(&dir.path().join("report.xml"), "--output").is_ok());
        let err = check_writable(&dir.path().join("missing/report.xml"), "--output").unwrap_err();
        assert!(err.render().unwrap().contains("is not a directory"));
        let err = check_writable(dir.path(), "--output").unwrap_err();
        assert!(err.render().unwrap().contains("it is a directory"));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no probe left"
        );
    }

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
