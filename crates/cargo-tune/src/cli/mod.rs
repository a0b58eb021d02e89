//! Argument parsing (clap derive, in cargo's dialect) and dispatch.

mod cmd;
mod common;

use std::ffi::OsString;

use clap::{Parser, Subcommand};

use crate::output::{ColorChoice, OutputContext};

/// cargo runs `cargo-tune tune <args>`; this is that shape.
#[derive(Debug, Parser)]
#[command(bin_name = "cargo", styles = clap_styles())]
pub(crate) enum Cargo {
    /// Make a Rust workspace build faster, and prove it.
    #[command(version, name = "tune", display_name = "cargo-tune")]
    Tune(TuneApp),
}

/// `cargo tune`.
#[derive(Debug, clap::Args)]
#[command(
    about = "Make a Rust workspace build faster, and prove it",
    after_help = "Start with `cargo tune audit`: what slows this workspace's builds, worst first, and what to run next.\n\nExit codes: 0 ok, 1 check failed, 2 usage, 96 setup, 101 build failed, 102 cargo metadata failed, 103 edit rolled back, 104 rollback failed, 130 interrupted."
)]
pub(crate) struct TuneApp {
    /// Coloring: auto, always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "CARGO_TERM_COLOR",
        value_name = "WHEN"
    )]
    color: ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Report coded findings: effective profiles, duplicate versions, dependencies to
    /// centralize, and the toolchain.
    Audit(cmd::audit::AuditArgs),
    /// Measure build scenarios of the workspace as it is: wall time, CPU, whole-build peak
    /// memory, artifacts, units rebuilt.
    Bench(cmd::bench::BenchArgs),
    /// Measure one or more candidate changes against the workspace as it is, in rotated
    /// rounds, without editing a file, and say of each whether it is faster, slower, within
    /// noise, or not yet known.
    Try(cmd::try_::TryArgs),
    /// Time every unit of one build from cargo's own timings: the critical path with
    /// pipelining, parallelism against -j, build scripts and proc-macros, and what each
    /// finding costs.
    Timings(cmd::timings::TimingsArgs),
    /// What each feature set builds (cargo's unit graphs) and costs (predicted from one timed
    /// build, or measured), the smallest CI matrix that checks every feature, and a faster dev
    /// loop.
    Features(cmd::features::FeaturesArgs),
    /// Search for the fastest set of build-configuration changes for a goal by measuring them
    /// (greedy forward selection under a budget), and write the decision record.
    Plan(cmd::plan::PlanArgs),
    /// Apply the suggestions of findings to the manifests and cargo configuration, as one
    /// verified, undoable transaction (a dry run unless --execute).
    Apply(cmd::apply::ApplyArgs),
    /// Build a binary with profile-guided optimisation (and BOLT with --bolt) trained on a
    /// workload, and measure the optimised binary against the plain release build.
    Pgo(cmd::pgo::PgoArgs),
    /// Restore the files of the last `cargo tune apply` (repeat for earlier ones).
    Undo(cmd::undo::UndoArgs),
    /// One self-contained HTML page of the workspace's build: audit findings ranked by what
    /// they cost, the plan and its measured steps, bench and try results, the timings Gantt
    /// chart with its critical path, and the history as trend lines per scenario.
    Report(cmd::report::ReportArgs),
    /// Set up and verify a build cache for CI: sccache with a local directory or Redis, or a
    /// cached target directory; hit rates and why each miss happened.
    Cache(cmd::cache::CacheArgs),
    /// Check the build-time SLOs of [workspace.metadata.tune.slo]: measure what they need,
    /// decide each against the interval of its median, exit 1 on a violation.
    Guard(cmd::guard::GuardArgs),
}

fn clap_styles() -> clap::builder::Styles {
    use anstyle::AnsiColor;
    clap::builder::Styles::styled()
        .header(AnsiColor::Green.on_default().bold())
        .usage(AnsiColor::Green.on_default().bold())
        .literal(AnsiColor::Cyan.on_default().bold())
        .placeholder(AnsiColor::Cyan.on_default())
}

/// Parses `args` and runs the command; returns the exit code.
pub(crate) fn run(mut args: Vec<OsString>) -> i32 {
    // Run directly as `cargo-tune audit`, the binary behaves as `cargo tune audit`.
    if args.get(1).is_none_or(|a| a != "tune") {
        args.insert(1, "tune".into());
    }
    let Cargo::Tune(app) = match Cargo::try_parse_from(&args) {
        Ok(app) => app,
        Err(err) => {
            let _ = err.print();
            return err.exit_code();
        }
    };
    let ctx = OutputContext::new(app.color);
    let result = match app.command {
        Command::Audit(args) => args.exec(&ctx),
        Command::Bench(args) => args.exec(&ctx),
        Command::Try(args) => args.exec(&ctx),
        Command::Timings(args) => args.exec(&ctx),
        Command::Features(args) => args.exec(&ctx),
        Command::Plan(args) => args.exec(&ctx),
        Command::Apply(args) => args.exec(&ctx),
        Command::Pgo(args) => args.exec(&ctx),
        Command::Undo(args) => args.exec(&ctx),
        Command::Guard(args) => args.exec(&ctx),
        Command::Report(args) => args.exec(&ctx),
        Command::Cache(args) => args.exec(&ctx),
    };
    match result {
        Ok(()) => cargo_tune_schema::exit_codes::OK,
        Err(err) => {
            if let Some(text) = err.render() {
                ctx.print_error(&text);
            }
            err.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cargo::command().debug_assert();
    }

    #[test]
    fn apply_rejects_unknown_selections_and_conflicting_modes() {
        for args in [
            &["cargo-tune", "tune", "apply", "no-such-code"][..],
            &[
                "cargo-tune",
                "tune",
                "apply",
                "--all",
                "--execute",
                "--check",
            ][..],
        ] {
            assert!(Cargo::try_parse_from(args).is_err(), "{args:?}");
        }
        // Notes are named next to --all.
        Cargo::try_parse_from(["cargo-tune", "tune", "apply", "--all", "lto-against-goal"])
            .unwrap();
    }

    #[test]
    fn accepts_cargo_spelling_and_direct_invocation() {
        for args in [
            &[
                "cargo-tune",
                "tune",
                "audit",
                "--manifest-path",
                "x/Cargo.toml",
                "--format",
                "json",
            ][..],
            &[
                "cargo-tune",
                "audit",
                "--locked",
                "--offline",
                "--deny",
                "warnings",
            ][..],
        ] {
            let mut argv: Vec<OsString> = args.iter().map(Into::into).collect();
            if argv[1] != "tune" {
                argv.insert(1, "tune".into());
            }
            Cargo::try_parse_from(argv).unwrap();
        }
    }
}
