use cargo_tune_core::measure::{self, Scenario};
use cargo_tune_core::report::{render_try_human, render_try_markdown};

use super::measure::{ChangeArg, MeasureArgs, Session, now, parse_change};
use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::OutputContext;

/// `cargo tune try`.
#[derive(Debug, clap::Args)]
#[command(after_help = "CHANGE is one of:
  a preset      linker=mold|wild|lld|bfd, debug=line-tables-only|0|…, deps-debug=false,
                deps-opt-level=N, codegen-units=N, split-debuginfo=unpacked, lto=thin,
                jobs=N, incremental=on|off, sccache
  a config key  'profile.dev.debug=\"line-tables-only\"', 'profile.dev.package.\"*\".debug=false',
                build.jobs=4, build.rustflags=[...] (merged with the rustflags in effect)
  an env var    RUSTC_WRAPPER=sccache, CARGO_INCREMENTAL=0, CARGO_PROFILE_DEV_DEBUG=0, RUSTFLAGS=...
  a finding     a code from `cargo tune audit` whose suggestion is one of the above")]
pub(crate) struct TryArgs {
    /// The changes that make up the candidate (all applied together).
    #[arg(value_name = "CHANGE", required = true, value_parser = parse_change)]
    changes: Vec<ChangeArg>,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    #[command(flatten)]
    measure: MeasureArgs,
}

/// Measured when no `--scenario` is given.
const DEFAULT_SCENARIOS: &[Scenario] = &[Scenario::DevClean, Scenario::DevIncremental];

impl TryArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let session = Session::load(&self.manifest, ctx)?;
        let baseline = session.variant("baseline", &[])?;
        let candidate = session.variant("candidate", &self.changes)?;
        let (context, variants, runs) = session.measure(
            &self.measure,
            vec![baseline, candidate],
            DEFAULT_SCENARIOS,
            ctx,
        )?;
        let specs = variants
            .iter()
            .map(|v| measure::variant_spec(v, &session.bench_dir.join("<scenario>").join(&v.name)))
            .collect();
        let root = session.model.root.display().to_string();
        let report = measure::try_report(env!("CARGO_PKG_VERSION"), &root, context, specs, &runs);
        session.record(&self.measure, &measure::history_of_try(&report, now()), ctx);
        self.output.deliver(
            ctx,
            destination,
            &report,
            render_try_human,
            render_try_markdown,
        )?;
        let failed = report
            .scenarios
            .iter()
            .flat_map(|s| &s.variants)
            .filter(|v| v.failure.is_some())
            .count();
        if failed > 0 {
            Err(ExpectedError::BuildFailed { failed })
        } else {
            Ok(())
        }
    }
}
