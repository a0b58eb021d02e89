use cargo_tune_core::measure::bench::{self, BenchRequest};
use cargo_tune_core::measure::session::failures;
use cargo_tune_core::report::{render_bench_human, render_bench_markdown};

use super::measure::MeasureArgs;
use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal};

/// `cargo tune bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    #[command(flatten)]
    measure: MeasureArgs,
}

impl BenchArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let invocation = self.manifest.invocation(ctx)?;
        let measure = self.measure.options_for(&invocation, 5)?;
        let request = BenchRequest {
            invocation,
            measure,
        };
        let report = bench::run(&request, &mut Terminal::new(ctx))?;
        self.output.deliver(
            ctx,
            destination,
            &report,
            render_bench_human,
            render_bench_markdown,
        )?;
        failures(&report)
    }
}
