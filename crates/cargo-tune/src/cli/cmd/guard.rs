//! `cargo tune guard`: check the build-time SLOs and exit 1 on a violation.

use std::path::PathBuf;

use cargo_tune_core::report::{
    render_guard_human, render_guard_junit, render_guard_markdown, render_json,
};
use cargo_tune_core::slo::InconclusivePolicy;
use cargo_tune_core::slo::guard::{self, GuardRequest};

use cargo_tune_core::cargo::Invocation;

use crate::cli::common::{ManifestOptions, OutputOptions, current_dir};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal, append_to, check_writable};

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

    #[command(flatten)]
    output: OutputOptions<GuardFormat>,
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
        let destination = self.output.open()?;
        // The job summary is appended to, not replaced: probe that a file can be made there.
        if let Some(path) = &self.github_summary {
            check_writable(&cwd.join(path), "--github-summary")?;
        }
        let request = GuardRequest {
            invocation: Invocation {
                cargo: self.manifest.cargo_options(ctx),
                cwd: cwd.clone(),
            },
            runs: self.runs,
            jobs: self.jobs,
            touch: self.touch.clone(),
            no_history: self.no_history,
            update_baseline: self.update_baseline,
            baseline: self.baseline.clone(),
            inconclusive: self.inconclusive.map(|i| match i {
                Inconclusive::Pass => InconclusivePolicy::Pass,
                Inconclusive::Fail => InconclusivePolicy::Fail,
            }),
        };
        let outcome = guard::run(&request, &mut Terminal::new(ctx))?;
        let report = &outcome.report;
        let options = self.output.render_options(ctx);
        let text = match self.output.format {
            GuardFormat::Human => render_guard_human(report, &options),
            GuardFormat::Json => render_json(report),
            GuardFormat::Markdown => render_guard_markdown(report, &options),
            GuardFormat::Junit => render_guard_junit(report, &options),
        };
        crate::output::deliver(destination, text)?;
        if let Some(path) = &self.github_summary {
            let summary = render_guard_markdown(report, &ctx.render_options(true));
            append_to(&cwd.join(path), &summary)?;
        }
        outcome.result()
    }
}
