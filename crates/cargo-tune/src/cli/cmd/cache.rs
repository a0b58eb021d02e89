use std::path::PathBuf;

use cargo_tune_core::cache::{self, Backend, CacheError, VerifyPlan};
use cargo_tune_core::measure::MeasureError;
use cargo_tune_core::report::{render_cache_human, render_cache_markdown};
use cargo_tune_schema::{CacheCheck, CacheReport, FORMAT_VERSION, ToolInfo};

use super::measure::Session;
use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::cli::interrupt;
use crate::errors::ExpectedError;
use crate::output::Destination;
use crate::output::OutputContext;

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

impl BackendArg {
    fn parse(&self) -> Result<Backend, ExpectedError> {
        let default = default_local_dir();
        let backend =
            Backend::parse(&self.backend, &default).map_err(|e| ExpectedError::Usage {
                message: format!("--backend: {e}"),
            })?;
        // The sccache server runs elsewhere than here: a relative directory is made absolute.
        Ok(match backend {
            Backend::Local(dir) if dir.is_relative() => {
                Backend::Local(crate::cli::common::current_dir()?.join(dir))
            }
            other => other,
        })
    }
}

/// sccache's own default: `$SCCACHE_DIR`, else the user's cache directory.
fn default_local_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCCACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("sccache")
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

fn report(command: &str, backend: &Backend, checks: Vec<CacheCheck>) -> CacheReport {
    CacheReport {
        format_version: FORMAT_VERSION,
        command: command.to_owned(),
        tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
        backend: backend.to_string(),
        checks,
        builds: Vec::new(),
    }
}

fn setup(e: &CacheError) -> ExpectedError {
    ExpectedError::Setup {
        message: format!("failed to {e}"),
        source: None,
    }
}

impl StatusArgs {
    fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let backend = self.backend.parse()?;
        let destination = self.output.open()?;
        let mut checks = Vec::new();
        let path = std::env::var_os("PATH");
        let result = cache::check(&backend, path.as_deref(), &mut checks);
        let report = report("cache status", &backend, checks);
        deliver(&self.output, ctx, destination, &report)?;
        result.map(|_| ()).map_err(|e| setup(&e))
    }
}

impl VerifyArgs {
    fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let backend = self.backend.parse()?;
        let destination = self.output.open()?;
        let session = Session::load(&self.manifest, ctx, false)?;
        let mut checks = Vec::new();
        let tool = cache::check(&backend, session.path_var.as_deref(), &mut checks)
            .map_err(|e| setup(&e))?;
        let root = session.model.root.clone();
        let manifest = self
            .manifest
            .manifest_path
            .as_ref()
            .and_then(|p| p.canonicalize().ok())
            .and_then(|p| p.strip_prefix(&root).ok().map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("Cargo.toml"));
        let plan = VerifyPlan {
            cargo: session.cargo.clone(),
            packages: self.packages.clone(),
            workspace_root: root,
            target_directory: session.model.metadata.target_directory.clone(),
            manifest,
            scratch: session.bench_dir.join("cache-verify"),
            backend: backend.clone(),
        };
        interrupt::install();
        let builds = cache::verify(&plan, tool.as_ref(), interrupt::flag(), &mut |step| {
            ctx.print_status("Running", step);
        })
        .map_err(|e| match e {
            CacheError::Measure(MeasureError::Interrupted) => {
                ExpectedError::Interrupted { restored: None }
            }
            e @ CacheError::Build { .. } => ExpectedError::BuildStepFailed {
                message: format!("failed to {e}"),
            },
            e => setup(&e),
        })?;
        let mut report = report("cache verify", &backend, checks);
        report.builds = builds;
        deliver(&self.output, ctx, destination, &report)
    }
}
