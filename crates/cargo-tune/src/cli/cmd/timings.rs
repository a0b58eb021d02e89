//! `cargo tune timings`: one build timed with cargo's `--timings`, its critical path and what
//! each finding costs.

use std::path::PathBuf;

use cargo_tune_core::measure::timings::{self as run, TimingsRequest};
use cargo_tune_core::report::{
    render_json, render_timings_html, render_timings_human, render_timings_markdown, svg,
};
use cargo_tune_core::vocab::Scenario;

use super::measure::parse_scenario;
use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal};

/// `cargo tune timings`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("format", |a| a.help(
    "Report format; `html` is one self-contained page with the Gantt chart"
)))]
pub(crate) struct TimingsArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions<TimingsFormat>,
    /// Also write the Gantt chart of the build, critical path highlighted, as a self-contained
    /// SVG.
    #[arg(long, value_name = "PATH", help_heading = "Output Options")]
    svg: Option<PathBuf>,

    /// Scenario to build: check, dev-clean, dev-incremental, release-clean, test-build,
    /// test-run.
    #[arg(long, value_name = "NAME", default_value = "dev-clean", value_parser = parse_scenario, help_heading = "Measurement Options")]
    scenario: Scenario,
    /// Builds to time; with more than one, the median is reported and costs smaller than the
    /// run-to-run spread are marked as noise.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    runs: u32,
    /// Number of parallel jobs (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    jobs: Option<u32>,
    /// The source file dev-incremental edits (restored afterwards).
    #[arg(long, value_name = "PATH", help_heading = "Measurement Options")]
    touch: Option<PathBuf>,
    /// Build only this workspace member (repeatable); the default is the whole workspace.
    #[arg(
        long = "package",
        short = 'p',
        value_name = "SPEC",
        help_heading = "Measurement Options"
    )]
    packages: Vec<String>,
    /// Build every workspace member (the default).
    #[arg(
        long,
        conflicts_with = "packages",
        help_heading = "Measurement Options"
    )]
    workspace: bool,
    /// After the timed build, one instrumented build of the workspace's crates for what macro
    /// expansion costs (rustc's -Z macro-stats and -Z self-profile, through RUSTC_BOOTSTRAP=1):
    /// each macro's invocations, generated code and expansion time, and the crates calling it.
    #[arg(long, help_heading = "Measurement Options")]
    macros: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum TimingsFormat {
    /// For people at a terminal.
    #[default]
    Human,
    /// One JSON document (see docs/timings.md); `cargo tune audit --costs` reads it.
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// A self-contained HTML page with the Gantt chart.
    Html,
}

impl TimingsArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        // An unwritable destination fails before minutes of building.
        let destination = self.output.open()?;
        let request = TimingsRequest {
            invocation: self.manifest.invocation(ctx)?,
            scenario: self.scenario,
            runs: self.runs,
            jobs: self.jobs,
            touch: self.touch.clone(),
            packages: self.packages.clone(),
            macros: self.macros,
        };
        let outcome = run::run(&request, &mut Terminal::new(ctx))?;
        let report = &outcome.report;
        if let Some(path) = &self.svg {
            cargo_tune_core::fsutil::write_atomic(path, svg(report).as_bytes()).map_err(
                |source| ExpectedError::Output {
                    path: path.display().to_string(),
                    source,
                },
            )?;
        }
        let options = self.output.render_options(ctx);
        let text = match self.output.format {
            TimingsFormat::Human => render_timings_human(report, &options),
            TimingsFormat::Json => render_json(report),
            TimingsFormat::Markdown => render_timings_markdown(report, &options),
            TimingsFormat::Html => render_timings_html(report, &options),
        };
        crate::output::deliver(destination, text)?;
        if outcome.failed {
            Err(ExpectedError::BuildFailed { failed: 1 })
        } else {
            Ok(())
        }
    }
}
