//! `cargo tune cache`: set up and verify a build cache for CI.

use cargo_tune_core::cache::command::{self, VerifyRequest};
use cargo_tune_core::report::{render_cache_human, render_cache_markdown};
use cargo_tune_schema::CacheReport;

use crate::cli::common::{ManifestOptions, OutputOptions, current_dir};
use crate::errors::ExpectedError;
use crate::output::{Destination, OutputContext, Terminal};

/// `cargo tune cache`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Backends:
  local[=DIR]   sccache with its disk cache in DIR (default: $SCCACHE_DIR, else ~/.cache/sccache)
  redis://[USER:PASSWORD@]HOST[:PORT][/DB]
                sccache with its cache in Redis (rediss:// for TLS); the password is never shown
  target-dir    no compiler cache: the target directory saved and restored by CI

sccache always runs as a private server on a free loopback port, with its own configuration,
and is stopped before the command ends. Measure a cache in CI conditions with
`cargo tune try --scenario ci-warm` (docs/cache.md).")]
pub(crate) struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CacheCommand {
    /// Check a backend without building: sccache installed at a usable version, and the
    /// backend reachable (a Redis server answers PING with the URL's credentials).
    Status(StatusArgs),
    /// Build the workspace twice as CI does (fresh checkout at one path; empty, then warm
    /// cache) and report hits, misses and why each miss happened.
    Verify(VerifyArgs),
}

/// The backend flag.
#[derive(Debug, Clone, clap::Args)]
struct BackendArg {
    /// local[=DIR], redis://…, or target-dir.
    #[arg(long, value_name = "BACKEND", default_value = "local")]
    backend: String,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    #[command(flatten)]
    backend: BackendArg,
    #[command(flatten)]
    output: OutputOptions,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    #[command(flatten)]
    backend: BackendArg,
    /// Build only this workspace member (repeatable); the default is the whole workspace.
    #[arg(long = "package", short = 'p', value_name = "SPEC")]
    packages: Vec<String>,
    #[command(flatten)]
    manifest: ManifestOptions,
    #[command(flatten)]
    output: OutputOptions,
}

impl CacheArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        match self.command {
            CacheCommand::Status(args) => args.exec(ctx),
            CacheCommand::Verify(args) => args.exec(ctx),
        }
    }
}

/// Prints or writes a cache report in the format asked for.
fn deliver(
    output: &OutputOptions,
    ctx: &OutputContext,
    destination: Destination,
    report: &CacheReport,
) -> Result<(), ExpectedError> {
    output.deliver(
        ctx,
        destination,
        report,
        render_cache_human,
        render_cache_markdown,
    )
}

impl StatusArgs {
    fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let backend = command::backend(&self.backend.backend, &current_dir()?)?;
        let destination = self.output.open()?;
        let (report, result) = command::status(&backend);
        deliver(&self.output, ctx, destination, &report)?;
        result
    }
}

impl VerifyArgs {
    fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let invocation = self.manifest.invocation(ctx)?;
        let request = VerifyRequest {
            backend: command::backend(&self.backend.backend, &invocation.cwd)?,
            invocation,
            packages: self.packages.clone(),
        };
        let destination = self.output.open()?;
        let report = command::verify(&request, &mut Terminal::new(ctx))?;
        deliver(&self.output, ctx, destination, &report)
    }
}
