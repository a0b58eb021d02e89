use cargo_tune_core::change::Change;
use cargo_tune_core::measure::{self, select};
use cargo_tune_core::report::{render_try_human, render_try_markdown};

use super::measure::{ChangeArg, MeasureArgs, Session, failures, now, parse_candidate};
use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::OutputContext;

/// `cargo tune try`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "A candidate is one CHANGE or several joined by `+` (`debug=0+linker=mold`), \
all applied together. The positional CHANGEs form the first candidate; each --vs adds another, \
measured in the same run, in rounds whose order rotates.

CHANGE is one of:
  a preset      linker=mold|wild|lld|bfd, debug=line-tables-only|0|…, deps-debug=false,
                deps-opt-level=N, codegen-units=N, split-debuginfo=unpacked, lto=thin,
                jobs=N, incremental=on|off, sccache, target-cache (ci-warm restores the
                target directory its warm-up left), checksum-freshness (cargo's
                -Z checksum-freshness, through RUSTC_BOOTSTRAP=1),
                threads=N (rustc's parallel front-end: builds with rustup's nightly and
                -Zthreads=N), nightly (nightly alone: `threads=N --vs nightly` tells the
                front-end's effect from the compiler's)
  a config key  'profile.dev.debug=\"line-tables-only\"', 'profile.dev.package.\"*\".debug=false',
                build.jobs=4, build.rustflags=[...] (merged with the rustflags in effect)
  an env var    RUSTC_WRAPPER=sccache, CARGO_INCREMENTAL=0, CARGO_PROFILE_DEV_DEBUG=0, RUSTFLAGS=...
  a finding     a code (debuginfo-in-dev) or an id (debuginfo-in-dev:dev) from `cargo tune audit`
                whose suggestion is one of the above

Without --scenario, each candidate is measured where it can make a difference: the dev builds,
else the release build, else the test build, else check, else ci-warm. ci-warm builds as CI
does: a fresh checkout at one path, then the variant's cache (target-cache, sccache) as its
warm-up left it; the baseline has no cache. A candidate is refused when it changes
nothing, or when no --scenario named can be affected by it."
)]
pub(crate) struct TryArgs {
    /// The first candidate: CHANGEs applied together.
    #[arg(value_name = "CHANGE", required = true, value_parser = parse_candidate)]
    changes: Vec<Vec<ChangeArg>>,

    /// Another candidate, measured against the same baseline in the same run (repeatable).
    #[arg(long = "vs", value_name = "CHANGE[+CHANGE…]", value_parser = parse_candidate)]
    vs: Vec<Vec<ChangeArg>>,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    #[command(flatten)]
    measure: MeasureArgs,
}

impl TryArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let candidates: Vec<Vec<ChangeArg>> = std::iter::once(self.changes.concat())
            .chain(self.vs.iter().cloned())
            .collect();
        // Only `compiled-twice` findings come from cargo's unit graphs.
        let unit_graphs = candidates.iter().flatten().any(|a| {
            a.text
                .split(':')
                .next()
                .and_then(cargo_tune_schema::FindingCode::parse)
                == Some(cargo_tune_schema::FindingCode::CompiledTwice)
        });
        let session = Session::load(&self.manifest, ctx, unit_graphs)?;
        let current = session.current();
        let mut findings = None;
        let mut expanded: Vec<Vec<Change>> = Vec::new();
        let mut reaches = Vec::new();
        for (i, args) in candidates.iter().enumerate() {
            let per_arg = session.expand(args, &mut findings)?;
            session.refuse_no_ops(args, &per_arg, &current)?;
            let changes: Vec<Change> = per_arg.into_iter().flatten().collect();
            let written = written(args);
            if let Some(j) = expanded.iter().position(|e| same_changes(e, &changes)) {
                return Err(ExpectedError::Usage {
                    message: format!(
                        "`{written}` is the same change as `{}`; give each candidate once",
                        self::written(&candidates[j])
                    ),
                });
            }
            reaches.push(select::CandidateReach {
                name: name(i),
                written,
                reach: changes.iter().map(Change::reach).collect(),
            });
            expanded.push(changes);
        }
        let selection =
            select::select_scenarios(&reaches, &self.measure.scenarios).map_err(|e| {
                ExpectedError::Usage {
                    message: e.to_string(),
                }
            })?;
        for n in &selection.not_measured {
            ctx.print_warning(&format!(
                "not measuring {} in {}: {}",
                n.variant, n.scenario, n.reason
            ));
        }
        let mut variants = vec![session.variant("baseline", &[], &[])?];
        for (i, (args, changes)) in candidates.iter().zip(&expanded).enumerate() {
            variants.push(session.variant(&name(i), args, changes)?);
        }
        let (context, variants, results) = session.measure(
            &self.measure,
            variants,
            selection.scenarios,
            selection.skip,
            true,
            ctx,
        )?;
        let root = session.model.root.display().to_string();
        let report = measure::report(
            "try",
            env!("CARGO_PKG_VERSION"),
            &root,
            context,
            session.specs(&variants),
            selection.not_measured,
            results,
        );
        session.record(&self.measure, &measure::history_of(&report, now()), ctx);
        self.output.deliver(
            ctx,
            destination,
            &report,
            render_try_human,
            render_try_markdown,
        )?;
        failures(&report)
    }
}

fn name(index: usize) -> String {
    format!("candidate-{}", index + 1)
}

fn written(args: &[ChangeArg]) -> String {
    args.iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// The same set of changes, in any order.
fn same_changes(a: &[Change], b: &[Change]) -> bool {
    a.len() == b.len() && a.iter().all(|c| b.contains(c))
}
