use cargo_tune_core::measure::{self, Scenario};
use cargo_tune_core::report::{render_bench_human, render_bench_markdown};

use super::measure::{MeasureArgs, Session, now};
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
        let session = Session::load(&self.manifest, ctx)?;
        let baseline = session.variant("baseline", &[])?;
        let (context, variants, runs) =
            session.measure(&self.measure, vec![baseline], DEFAULT_SCENARIOS, ctx)?;
        let spec = measure::variant_spec(
            &variants[0],
            &session.bench_dir.join("<scenario>").join(&variants[0].name),
        );
        let root = session.model.root.display().to_string();
        let report = measure::bench_report(env!("CARGO_PKG_VERSION"), &root, context, spec, &runs);
        session.record(
            &self.measure,
            &measure::history_of_bench(&report, now()),
            ctx,
        );
        self.output.deliver(
            ctx,
            destination,
            &report,
            render_bench_human,
            render_bench_markdown,
        )?;
        let failed = report
            .scenarios
            .iter()
            .filter(|s| s.result.failure.is_some())
            .count();
        if failed > 0 {
            Err(ExpectedError::BuildFailed { failed })
        } else {
            Ok(())
        }
    }
}
