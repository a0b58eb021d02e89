//! `cargo tune plan`: the fastest set of configuration changes for a goal, found by measuring
//! them, and the decision record `cargo tune apply --plan` applies.

use std::path::PathBuf;
use std::time::Duration;

use cargo_tune_core::plan::command::{self, PlanRequest};
use cargo_tune_core::report::{render_json, render_plan_human, render_plan_markdown};
use cargo_tune_schema::Goal;

use super::measure::MeasureArgs;
use crate::cli::common::{Format, ManifestOptions};
use crate::errors::ExpectedError;
use crate::output::{Destination, OutputContext, Terminal};

/// `cargo tune plan`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Candidates come from the goal and this machine (debuginfo levels for all crates and \
for dependencies, split-debuginfo, the linkers that test-link here, cargo's build-time defaults \
the workspace moved away from; for release also LTO, codegen units and incremental; for ci the \
cache layers: a target-directory cache, with checksum freshness, and sccache), less those \
already in effect. Each round measures every remaining candidate on top of the steps chosen so \
far, in one interleaved run, and takes the one that measured faster in a scenario, slower in none, \
and faster on the goal's weighted scenarios (dev: dev-incremental 3, dev-clean 1). When none is \
faster yet, the better half of the rest is measured again with twice the runs (--follow-ups \
stages); the search stops when none is faster or the next round would not fit the budget. The record (every measurement, the chosen steps, the toolchain and workspace it was \
measured on) is written to cargo-tune-plan.toml; `cargo tune apply --plan FILE` applies its \
steps. For ci the record also holds the cache settings and GitHub Actions steps that set them up."
)]
pub(crate) struct PlanArgs {
    /// What to make faster: dev (dev-incremental and dev-clean), ci (ci-warm: a fresh
    /// checkout with the CI cache), release (release-clean).
    #[arg(long, value_enum)]
    goal: GoalArg,

    /// Time the search may take, e.g. 15m, 900s, 1h.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = cargo_tune_core::text::duration::parse)]
    budget: Duration,

    /// When no candidate of a round is faster yet: how many stages of extra runs (each
    /// twice the runs of the one before, for the better half of the candidates faster by
    /// their point estimates) may follow before the round concludes. 0 turns them off.
    #[arg(long, value_name = "N", default_value_t = cargo_tune_core::plan::decision::DEFAULT_FOLLOW_UPS)]
    follow_ups: usize,

    /// Where to write the decision record (default: cargo-tune-plan.toml in the workspace
    /// root).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,

    /// Format of the report on stdout.
    #[arg(long, value_enum, default_value_t)]
    format: Format,

    /// With --goal ci: where sccache's cache lives in CI, for the CI snippet (local: its
    /// directory in the CI cache; redis://[USER:PASSWORD@]HOST[:PORT][/DB]: a shared Redis,
    /// whose URL goes in a secret). Measuring always uses a private local cache.
    #[arg(long, value_name = "BACKEND", default_value = "local")]
    cache_backend: String,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    measure: MeasureArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GoalArg {
    Dev,
    Ci,
    Release,
}

impl GoalArg {
    fn goal(self) -> Goal {
        match self {
            GoalArg::Dev => Goal::Dev,
            GoalArg::Ci => Goal::Ci,
            GoalArg::Release => Goal::Release,
        }
    }
}

impl PlanArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let request = PlanRequest {
            invocation: self.manifest.invocation(ctx)?,
            goal: self.goal.goal(),
            budget: self.budget,
            follow_ups: self.follow_ups,
            output: self.output.clone(),
            cache_backend: self.cache_backend.clone(),
            measure: self.measure.options(),
        };
        let record = command::run(&request, &mut Terminal::new(ctx))?;
        let options = ctx.render_options(false);
        crate::output::deliver(Destination::Stdout, |out| match self.format {
            Format::Json => render_json(&record, out),
            Format::Human => render_plan_human(&record, &options, out),
            Format::Markdown => render_plan_markdown(&record, &options, out),
        })
    }
}
