//! `cargo tune undo`: restore the exact previous bytes of the last apply.

use cargo_tune_core::apply::undo::{self, UndoRequest};
use cargo_tune_core::report::{render_json, render_undo_text};

use crate::cli::common::{Format, ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, deliver};

/// `cargo tune undo`.
#[derive(Debug, clap::Args)]
pub(crate) struct UndoArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,
}

impl UndoArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let report = undo::run(&UndoRequest {
            invocation: self.manifest.invocation(ctx)?,
        })?;
        let options = self.output.render_options(ctx);
        let text = match self.output.format {
            Format::Json => render_json(&report),
            Format::Human | Format::Markdown => render_undo_text(&report, &options),
        };
        deliver(destination, text)
    }
}
