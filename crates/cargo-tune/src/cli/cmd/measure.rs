//! The flags every measuring command shares, and the session they load.

use std::path::PathBuf;

use cargo_tune_core::cargo::Invocation;
use cargo_tune_core::change::{ChangeArg, parse_combined};
use cargo_tune_core::measure::session::MeasureOptions;
use cargo_tune_core::measure::session::failures;
use cargo_tune_core::measure::workload::Workload;
use cargo_tune_core::vocab::Events;
use cargo_tune_core::vocab::Failure;
use cargo_tune_core::vocab::Scenario;
use cargo_tune_schema::MeasureReport;

use cargo_tune_core::report::Renderer;

use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal};

/// Flags of every measuring command.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Measurement Options")]
pub(crate) struct MeasureArgs {
    /// Scenario to measure (repeatable or comma-separated): check, dev-clean, dev-incremental,
    /// release-clean, test-build, test-run, nextest-run, ci-warm.
    #[arg(long = "scenario", value_name = "NAME", value_parser = parse_scenario, value_delimiter = ',')]
    pub(crate) scenarios: Vec<Scenario>,
    /// Measured runs per variant and scenario, after one warm-up (three or more let a large,
    /// consistent effect be told from noise); 5 unless given, and 2 in the first stage of
    /// plan's race
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) runs: Option<u32>,
    /// Number of parallel jobs for every measured build (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) jobs: Option<u32>,
    /// The source file dev-incremental edits (default: the main file of a member no other
    /// member depends on). Its bytes and mtime are always restored.
    #[arg(long, value_name = "PATH")]
    pub(crate) touch: Option<PathBuf>,
    /// Do not append the results to target/cargo-tune/history.jsonl.
    #[arg(long)]
    pub(crate) no_history: bool,
    /// Build only this workspace member (repeatable); the default is the whole workspace.
    #[arg(long = "package", short = 'p', value_name = "SPEC")]
    pub(crate) packages: Vec<String>,
    /// Build every workspace member (the default).
    #[arg(long, conflicts_with = "packages")]
    pub(crate) workspace: bool,
    /// ci-warm: how fast a CI runner restores its cache; each run is charged the variant's
    /// cache, compressed as actions/cache stores it, at this rate.
    #[arg(long, value_name = "RATE", default_value = "100MB/s", value_parser = cargo_tune_core::text::size::parse_rate)]
    pub(crate) cache_bandwidth: f64,
    /// release-clean builds this profile instead of release (e.g. release-lto); presets
    /// (lto=fat, opt-level=2, codegen-units=1, …) then set its keys.
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// After the builds of each scenario that builds binaries, run each variant's own build of
    /// this binary target with the arguments after `--`, and compare run times and sizes.
    #[arg(long, value_name = "NAME", conflicts_with = "workload")]
    pub(crate) workload_bin: Option<String>,
    /// As --workload-bin, with a workload of the SLO spec ([…slo.workload.NAME]); a `command`
    /// finds the variant's binaries first on PATH and in CARGO_TUNE_BIN_DIR.
    #[arg(long, value_name = "NAME")]
    pub(crate) workload: Option<String>,
    /// Measured runs of the workload per variant, after one warm-up each (default 10).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) workload_runs: Option<u32>,
    /// A workload run that takes longer is killed and the variant's run time marked failed.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = cargo_tune_core::text::duration::parse)]
    pub(crate) timeout: std::time::Duration,
    /// The workload's arguments (with --workload-bin).
    #[arg(last = true, value_name = "ARGS")]
    pub(crate) workload_args: Vec<String>,
}

impl MeasureArgs {
    /// The options, with `runs` unless `--runs` says otherwise.
    pub(crate) fn options_with_runs(&self, runs: u32) -> MeasureOptions {
        MeasureOptions {
            scenarios: self.scenarios.clone(),
            runs: self.runs.unwrap_or(runs),
            jobs: self.jobs,
            touch: self.touch.clone(),
            no_history: self.no_history,
            packages: self.packages.clone(),
            cache_bandwidth: Some(self.cache_bandwidth),
            profile: self.profile.clone(),
            workload: None,
            workload_runs: self.workload_runs.map(|n| n as usize),
        }
    }

    /// The options, with the workload resolved (a workload of the SLO spec is read from the
    /// workspace's manifest).
    pub(crate) fn options_for(
        &self,
        invocation: &Invocation,
        runs: u32,
    ) -> Result<MeasureOptions, Failure> {
        let mut options = self.options_with_runs(runs);
        options.workload = match (&self.workload_bin, &self.workload) {
            (Some(bin), _) => Some(Workload::bin(bin, self.workload_args.clone(), self.timeout)),
            (None, Some(name)) if self.workload_args.is_empty() => {
                let mut w = cargo_tune_core::slo::named_workload(invocation, name)?;
                w.timeout = self.timeout;
                Some(w)
            }
            (None, Some(name)) => {
                return Err(Failure::usage(format!(
                    "--workload {name} runs the command the SLO spec declares; arguments after `--` go with --workload-bin"
                )));
            }
            (None, None) if !self.workload_args.is_empty() => {
                return Err(Failure::usage(
                    "arguments after `--` are a workload's: name its binary with --workload-bin NAME",
                ));
            }
            (None, None) => None,
        };
        Ok(options)
    }
}

pub(crate) fn parse_scenario(name: &str) -> Result<Scenario, String> {
    Scenario::parse(name).ok_or_else(|| {
        format!(
            "unknown scenario; expected one of: {}",
            Scenario::names().join(", ")
        )
    })
}

/// Parses a candidate argument, one CHANGE or several joined by `+` (clap value parser).
pub(crate) fn parse_candidate(text: &str) -> Result<Vec<ChangeArg>, String> {
    parse_combined(text).map_err(|e| e.to_string())
}

/// A command that measures variants of the workspace and reports them (`bench`, `try`).
#[derive(Debug, clap::Args)]
pub(crate) struct MeasuringCommand {
    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    #[command(flatten)]
    measure: MeasureArgs,
}

impl MeasuringCommand {
    /// Opens the destination first, measures with `run` (5 runs unless `--runs` says), delivers
    /// the report, and then fails if any variant failed.
    pub(crate) fn exec(
        &self,
        ctx: &OutputContext,
        run: impl FnOnce(Invocation, MeasureOptions, &mut dyn Events) -> Result<MeasureReport, Failure>,
        human: Renderer<MeasureReport>,
        markdown: Renderer<MeasureReport>,
    ) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let invocation = self.manifest.invocation(ctx)?;
        let measure = self.measure.options_for(&invocation, 5)?;
        let report = run(invocation, measure, &mut Terminal::new(ctx))?;
        self.output
            .deliver(ctx, destination, &report, human, markdown)?;
        failures(&report)?;
        Ok(())
    }
}
