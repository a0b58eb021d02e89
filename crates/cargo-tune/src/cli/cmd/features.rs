//! `cargo tune features`: what each feature set builds and costs, the CI matrix, a faster dev
//! loop.

use std::path::PathBuf;

use cargo_tune_core::features::{self, FeaturesRequest};
use cargo_tune_core::report::{render_features_human, render_features_markdown};

use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal};

/// `cargo tune features`.
#[derive(Debug, clap::Args)]
pub(crate) struct FeaturesArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    /// Look at this member only (repeatable); the default is every member.
    #[arg(
        long = "package",
        short = 'p',
        value_name = "SPEC",
        help_heading = "Feature Options"
    )]
    packages: Vec<String>,
    /// Look at every one-feature set, however many.
    #[arg(long, conflicts_with = "max_sets", help_heading = "Feature Options")]
    all_sets: bool,
    /// Look at this many sets at most: every member's default, no-default, all-features and
    /// groups first, then one-feature sets in turn; the report says which were left out.
    #[arg(long, value_name = "N", default_value_t = features::DEFAULT_CAP, help_heading = "Feature Options")]
    max_sets: usize,
    /// The features of the dev loop (comma-separated), in place of the `dev` group of
    /// [workspace.metadata.tune.features].
    #[arg(
        long,
        value_name = "FEATURES",
        value_delimiter = ',',
        help_heading = "Feature Options"
    )]
    dev_features: Option<Vec<String>>,
    /// The cargo command the CI matrix runs.
    #[arg(long, value_name = "SUBCOMMAND", default_value = "check", value_parser = ["check", "build", "clippy", "test"], help_heading = "Feature Options")]
    ci: String,
    /// The `cargo tune timings --format json` document to predict costs from; the one
    /// `cargo tune timings` saved by default.
    #[arg(long, value_name = "FILE", help_heading = "Feature Options")]
    timings: Option<PathBuf>,

    /// Build these sets (`package:set`, or `set` when one member has it), `check` and `build`
    /// from clean in target directories of their own, and report the measured times beside the
    /// predictions.
    #[arg(long, value_name = "SET", num_args = 1.., help_heading = "Measurement Options")]
    measure: Vec<String>,
    /// Measured runs per set and command, each from an empty target directory.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    runs: u32,
    /// Number of parallel jobs for the measured builds (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Measurement Options")]
    jobs: Option<u32>,
}

impl FeaturesArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let request = FeaturesRequest {
            invocation: self.manifest.invocation(ctx)?,
            packages: self.packages.clone(),
            max_sets: (!self.all_sets).then_some(self.max_sets),
            dev_features: self.dev_features.clone(),
            measure: self.measure.clone(),
            runs: self.runs,
            jobs: self.jobs,
            timings: self.timings.clone(),
            ci_subcommand: self.ci.clone(),
        };
        let outcome = features::run(&request, &mut Terminal::new(ctx))?;
        self.output.deliver(
            ctx,
            destination,
            &outcome.report,
            render_features_human,
            render_features_markdown,
        )?;
        if outcome.failed {
            Err(ExpectedError::BuildFailed { failed: 1 })
        } else {
            Ok(())
        }
    }
}
