use cargo_tune_core::measure;
use cargo_tune_core::report::{render_bench_human, render_bench_markdown};
use cargo_tune_core::vocab::Scenario;

use super::measure::{MeasureArgs, Session, failures, now};
use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::OutputContext;

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

/// Measured when no `--scenario` is given.
const DEFAULT_SCENARIOS: &[Scenario] = &[
    Scenario::Check,
    Scenario::DevClean,
    Scenario::DevIncremental,
];

impl BenchArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let session = Session::load(&self.manifest, ctx, false)?;
        let baseline = session.variant("baseline", &[], &[])?;
        let scenarios = if self.measure.scenarios.is_empty() {
            DEFAULT_SCENARIOS.to_vec()
        } else {
            super::measure::dedup(&self.measure.scenarios)
        };
        let (context, variants, results) = session.measure(
            &self.measure,
            vec![baseline],
            scenarios,
            Vec::new(),
            false,
            ctx,
        )?;
        let root = session.model.root.display().to_string();
        let report = measure::report(
            "bench",
            env!("CARGO_PKG_VERSION"),
            &root,
            context,
            session.specs(&variants),
            Vec::new(),
            results,
        );
        session.record(&self.measure, &measure::history_of(&report, now()), ctx);
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
