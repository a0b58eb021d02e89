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
the workspace moved away from; for ci the cache layers: a target-directory cache, with \
checksum freshness, and sccache), less those already in effect. For release they are lto \
(false, \"thin\", \"fat\", \"off\"), codegen-units 1/4/16, opt-level 2/3 and -C target-cpu=native \
(non-portable), raced on the run time of the workload (--workload-bin NAME -- ARGS, required) \
while the release build stays within --max-build-ratio; the record holds the Pareto front of \
build time, run time and size. The workspace as it is is built once with cargo's --timings, and once more \
with -Z section-timings (under RUSTC_BOOTSTRAP=1, that build only); from them every candidate \
gets a predicted ratio per scenario, and those predicted to change nothing measurable, or to lose \
to another of their kind, are not built. The rest race against the workspace as it is, best \
predicted first, as many as the budget holds: one build from scratch and --runs incremental \
runs each; after every stage a candidate that failed, measured slower or cannot be 2 % faster is \
out, and the rest go on with twice the runs, only the better half of each slot's alternatives \
(--follow-ups stages). The best of each \
slot that measured faster is a step; several steps are measured together once and kept together \
only if that is faster than the best alone. The record (predictions, measurements, the chosen \
steps, the toolchain and workspace it was measured on) is written to cargo-tune-plan.toml; \
`cargo tune apply --plan FILE` applies its steps. For ci the record also holds the cache \
settings and GitHub Actions steps that set them up."
)]
pub(crate) struct PlanArgs {
    /// What to make faster: dev (dev-incremental and dev-clean), ci (ci-warm: a fresh
    /// checkout with the CI cache), release (the workload's run time, within a release-clean
    /// build time limit).
    #[arg(long, value_enum)]
    goal: GoalArg,

    /// Time the search may take, e.g. 15m, 900s, 1h.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = cargo_tune_core::text::duration::parse)]
    budget: Duration,

    /// Stages the race may run after its first (each twice the runs of the one before, for
    /// the candidates still in it, halved among the alternatives of a slot); 0 decides on the
    /// first stage alone.
    #[arg(long, value_name = "N", default_value_t = cargo_tune_core::plan::race::DEFAULT_FOLLOW_UPS)]
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

    /// With --goal ci: the largest cache, compressed as actions/cache stores it, a plan may
    /// need (GitHub's quota per repository is 10 GB); a candidate whose cache is larger is
    /// rejected.
    #[arg(long, value_name = "SIZE", default_value = "10GB", value_parser = cargo_tune_core::text::size::parse_size)]
    cache_limit: u64,

    /// With --goal release: a candidate's release build may take at most this many times the
    /// workspace's as it is; of those, the one whose program runs fastest is chosen.
    #[arg(long, value_name = "R", default_value_t = cargo_tune_core::plan::race::DEFAULT_MAX_BUILD_RATIO)]
    max_build_ratio: f64,

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
        let invocation = self.manifest.invocation(ctx)?;
        let measure = self.measure.options_for(&invocation, 2)?;
        let request = PlanRequest {
            invocation,
            goal: self.goal.goal(),
            budget: self.budget,
            follow_ups: self.follow_ups,
            output: self.output.clone(),
            cache_backend: self.cache_backend.clone(),
            cache_limit: self.cache_limit,
            measure,
            max_build_ratio: self.max_build_ratio,
        };
        let record = command::run(&request, &mut Terminal::new(ctx))?;
        let options = ctx.render_options(false);
        let text = match self.format {
            Format::Json => render_json(&record),
            Format::Human => render_plan_human(&record, &options),
            Format::Markdown => render_plan_markdown(&record, &options),
        };
        crate::output::deliver(Destination::Stdout, text)
    }
}
