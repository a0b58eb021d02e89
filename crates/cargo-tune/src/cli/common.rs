//! Flags shared by every command, named exactly as cargo names them.

use std::path::PathBuf;

use cargo_tune_core::cargo::{CargoOptions, Invocation};
use cargo_tune_core::report::{RenderOptions, Renderer, render_json};

use crate::output::{Destination, OutputContext};

/// How cargo finds and resolves the workspace.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Manifest Options")]
pub(crate) struct ManifestOptions {
    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// Assert that `Cargo.lock` will remain unchanged.
    #[arg(long)]
    pub(crate) locked: bool,
    /// Run without accessing the network.
    #[arg(long)]
    pub(crate) offline: bool,
    /// Equivalent to specifying both --locked and --offline.
    #[arg(long)]
    pub(crate) frozen: bool,
    /// Override a configuration value (`KEY=VALUE` or a file), passed to every cargo run.
    #[arg(long = "config", value_name = "KEY=VALUE|PATH")]
    pub(crate) config: Vec<String>,
}

impl ManifestOptions {
    /// The workspace and cargo flags a command's request starts with.
    pub(crate) fn invocation(
        &self,
        ctx: &OutputContext,
    ) -> Result<Invocation, crate::errors::ExpectedError> {
        Ok(Invocation {
            cargo: self.cargo_options(ctx),
            cwd: current_dir()?,
        })
    }

    pub(crate) fn cargo_options(&self, ctx: &OutputContext) -> CargoOptions {
        CargoOptions {
            manifest_path: self.manifest_path.clone(),
            color: Some(ctx.color.to_cargo()),
            locked: self.locked,
            offline: self.offline,
            frozen: self.frozen,
            config: self.config.clone(),
            env: Vec::new(),
            lockfile_aside: None,
        }
    }
}

/// `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people at a terminal.
    #[default]
    Human,
    /// One JSON document (see docs/machine-readable.md).
    Json,
    /// GitHub-flavoured Markdown, for PR comments and job summaries.
    Markdown,
}

/// Where and how the report is written; `F` is the command's `--format` when it has more than
/// the usual three.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Output Options")]
pub(crate) struct OutputOptions<F: FormatArg = Format> {
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: F,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub(crate) output: Option<PathBuf>,
}

/// What a `--format` value enum is.
pub(crate) trait FormatArg:
    clap::ValueEnum + Clone + Default + Send + Sync + 'static
{
}

impl<F: clap::ValueEnum + Clone + Default + Send + Sync + 'static> FormatArg for F {}

impl<F: FormatArg> OutputOptions<F> {
    /// Opens the destination; call it before any work, so that an unwritable `--output` fails
    /// first.
    pub(crate) fn open(&self) -> Result<Destination, crate::errors::ExpectedError> {
        Destination::open(self.output.as_deref())
    }

    /// Render options for the report: coloured only when going to a colouring stdout.
    pub(crate) fn render_options(&self, ctx: &OutputContext) -> RenderOptions {
        ctx.render_options(self.output.is_some())
    }
}

impl OutputOptions {
    /// Renders `report` in the chosen format (JSON through serde) and sends it to
    /// `destination`.
    pub(crate) fn deliver<T: serde::Serialize>(
        &self,
        ctx: &OutputContext,
        destination: Destination,
        report: &T,
        human: Renderer<T>,
        markdown: Renderer<T>,
    ) -> Result<(), crate::errors::ExpectedError> {
        let options = self.render_options(ctx);
        self.deliver_with(&options, destination, report, human, markdown)
    }

    /// [`OutputOptions::deliver`] with render options of the caller's.
    pub(crate) fn deliver_with<T: serde::Serialize>(
        &self,
        options: &RenderOptions,
        destination: Destination,
        report: &T,
        human: Renderer<T>,
        markdown: Renderer<T>,
    ) -> Result<(), crate::errors::ExpectedError> {
        let text = match self.format {
            Format::Human => human(report, options),
            Format::Json => render_json(report),
            Format::Markdown => markdown(report, options),
        };
        crate::output::deliver(destination, text)
    }
}

/// The current directory, or a setup error.
pub(crate) fn current_dir() -> Result<PathBuf, crate::errors::ExpectedError> {
    std::env::current_dir().map_err(|e| crate::errors::ExpectedError::Setup {
        message: format!("failed to read the current directory: {e}"),
        source: None,
    })
}
