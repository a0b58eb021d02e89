use cargo_tune_core::change::ChangeArg;
use cargo_tune_core::measure::trial::{self, TryRequest};
use cargo_tune_core::report::{render_try_human, render_try_markdown};

use super::measure::{MeasuringCommand, parse_candidate};
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
                front-end's effect from the compiler's),
                hint-mostly-unused=PKG (unstable: rustc's -Zhint-mostly-unused for one
                dependency, verified from cargo -v on every build),
                dylib=PKG (a dependency linked as a Rust dylib in dev builds, measured in a
                scratch copy of the workspace)
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
    command: MeasuringCommand,
}

impl TryArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let candidates = std::iter::once(self.changes.concat())
            .chain(self.vs.iter().cloned())
            .collect();
        self.command.exec(
            ctx,
            |invocation, measure, events| {
                trial::run(
                    &TryRequest {
                        invocation,
                        candidates,
                        measure,
                    },
                    events,
                )
            },
            render_try_human,
            render_try_markdown,
        )
    }
}
