//! `cargo tune pgo`: profile-guided optimisation of one binary, end to end, and the runtime A/B.

use std::ffi::OsString;
use std::time::Duration;

use cargo_tune_core::pgo::command::{self, PgoRequest};
use cargo_tune_core::report::{render_pgo_human, render_pgo_markdown};

use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal};

/// `cargo tune pgo`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo tune pgo -p ripgrep -- -c fn crates/
  cargo tune pgo -p interp --bolt --training-runs 3 -- 200000

The workload is the arguments after `--`: each run executes the binary with them, in the current
directory, its output discarded. Needs llvm-profdata of rustc's LLVM (apt-get install
llvm-<major>) and, with --bolt, llvm-bolt and merge-fdata (apt-get install bolt-<major>).")]
pub(crate) struct PgoArgs {
    /// The package whose binary is optimised (default: the only member with a binary).
    #[arg(long = "package", short = 'p', value_name = "SPEC")]
    package: Option<String>,
    /// The binary target (default: the package's only binary).
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Also optimise the PGO binary with BOLT (llvm-bolt, instrumentation mode; Linux ELF).
    #[arg(long)]
    bolt: bool,
    /// Runs of the workload that train the profile.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    training_runs: u32,
    /// Measured runs of each binary, interleaved, after one warm-up each.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Stop any workload run that takes longer than this (and fail), e.g. 90s, 10m.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = cargo_tune_core::text::duration::parse)]
    timeout: Duration,
    /// Number of parallel jobs for every build (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    /// The workload: arguments the binary is run with.
    #[arg(last = true, value_name = "WORKLOAD ARGS")]
    workload: Vec<OsString>,
}

impl PgoArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let request = PgoRequest {
            invocation: self.manifest.invocation(ctx)?,
            package: self.package.clone(),
            bin: self.bin.clone(),
            bolt: self.bolt,
            training_runs: self.training_runs as usize,
            runs: self.runs as usize,
            timeout: self.timeout,
            jobs: self.jobs.map(|j| j as usize),
            workload: self.workload.clone(),
        };
        let report = command::run(&request, &mut Terminal::new(ctx))?;
        self.output.deliver(
            ctx,
            destination,
            &report,
            render_pgo_human,
            render_pgo_markdown,
        )
    }
}
