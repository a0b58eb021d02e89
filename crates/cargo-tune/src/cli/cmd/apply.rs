//! `cargo tune apply`: turn findings' suggestions (or a plan's steps) into edits, shown as a
//! plan and a diff, written with `--execute`.

use std::path::PathBuf;

use cargo_tune_core::apply::Selector;
use cargo_tune_core::apply::command::{self, ApplyRequest};
use cargo_tune_core::report::{render_apply_markdown, render_json};
use cargo_tune_schema::{ApplyMode, Direction};

use crate::cli::common::{Format, ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal, deliver};

/// What `--include` adds to `--all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Include {
    /// Tidier manifests: centralized dependencies, unused entries and unknown keys removed.
    #[value(alias = "tidier-manifests")]
    Hygiene,
    /// Release settings that optimise harder.
    FasterProgram,
}

/// `cargo tune apply`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --execute nothing is written: the plan and its diff are printed. \
    `cargo tune undo` reverts the last apply."
)]
pub(crate) struct ApplyArgs {
    /// Findings to apply: finding codes (`debuginfo-in-dev`) or ids (`debuginfo-in-dev:dev`) as
    /// `cargo tune audit` prints them; or `dylib=PKG` with --feature.
    #[arg(value_name = "SELECTION", value_parser = Selector::parse, conflicts_with = "plan")]
    selection: Vec<Selector>,

    /// Apply the suggestions of every warning and error that make builds faster (a smaller
    /// lockfile included); notes are applied only when named, alone or next to --all.
    #[arg(long, conflicts_with = "plan")]
    all: bool,

    /// With --all, also apply these: `hygiene` (centralizing dependencies, removing unused
    /// entries and unknown keys: tidier manifests, no faster build) and `faster-program`
    /// (settings that optimise harder at a cost in build time). Named findings are always
    /// applied whole.
    #[arg(long, value_name = "WHAT", value_delimiter = ',')]
    include: Vec<Include>,

    /// Apply exactly the chosen steps of a `cargo tune plan` decision record; refused when the
    /// toolchain, Cargo.lock, the root Cargo.toml or the git commit differ from when it was
    /// measured.
    #[arg(long, value_name = "FILE", conflicts_with = "findings")]
    plan: Option<PathBuf>,

    /// Write the changes (the default is a dry run).
    #[arg(long, short = 'x', conflicts_with = "check")]
    execute: bool,

    /// Exit with 1 when anything would change (for CI).
    #[arg(long)]
    check: bool,

    /// Edit files that have uncommitted changes.
    #[arg(long)]
    allow_dirty: bool,

    /// Take the findings from a captured `cargo tune audit --format json` report instead of
    /// auditing now.
    #[arg(long, value_name = "PATH")]
    findings: Option<PathBuf>,

    /// The feature `dylib=PKG` is written behind (required for it): the members that use PKG
    /// link it as a Rust dylib only when the feature is on.
    #[arg(long, value_name = "NAME")]
    feature: Option<String>,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,
}

impl ApplyArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let request = ApplyRequest {
            invocation: self.manifest.invocation(ctx)?,
            selection: self.selection.clone(),
            all: self.all,
            plan: self.plan.clone(),
            mode: match (self.execute, self.check) {
                (true, _) => ApplyMode::Execute,
                (false, true) => ApplyMode::Check,
                (false, false) => ApplyMode::DryRun,
            },
            allow_dirty: self.allow_dirty,
            findings: self.findings.clone(),
            feature: self.feature.clone(),
            include: self
                .include
                .iter()
                .map(|i| match i {
                    Include::Hygiene => Direction::TidierManifests,
                    Include::FasterProgram => Direction::FasterProgram,
                })
                .collect(),
        };
        let applied = command::run(&request, &mut Terminal::new(ctx))?;
        let options = self.output.render_options(ctx);
        let text = match self.output.format {
            Format::Json => render_json(&applied.report),
            Format::Human => applied.plan.display().styles(options.styles).to_string(),
            Format::Markdown => render_apply_markdown(&applied.plan, &options),
        };
        deliver(destination, text)?;
        // On stderr, so that stdout stays the plan alone.
        if let Some(note) = applied.closing_note() {
            ctx.print_note(&note);
        }
        applied.result()
    }
}
