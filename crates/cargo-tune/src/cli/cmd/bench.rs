use cargo_tune_core::measure::bench::{self, BenchRequest};
use cargo_tune_core::report::{render_bench_human, render_bench_markdown};

use super::measure::MeasuringCommand;
use crate::errors::ExpectedError;
use crate::output::OutputContext;

/// `cargo tune bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    command: MeasuringCommand,
}

impl BenchArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        self.command.exec(
            ctx,
            |invocation, measure, events| {
                bench::run(
                    &BenchRequest {
                        invocation,
                        measure,
                    },
                    events,
                )
            },
            render_bench_human,
            render_bench_markdown,
        )
    }
}
