use std::path::PathBuf;

use cargo_tune_core::analysis::{Goal, Policy};
use cargo_tune_core::cargo::metadata::MetadataSource;
use cargo_tune_core::report::{render_audit_human, render_audit_markdown};
use cargo_tune_core::workspace::{BuildEnv, LoadOptions};
use cargo_tune_schema::{FindingCode, Severity};

use crate::cli::common::{ManifestOptions, OutputOptions, current_dir};
use crate::errors::ExpectedError;
use crate::output::OutputContext;

/// `cargo tune audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    /// Read `cargo metadata --format-version 1` output from this file instead of running cargo.
    #[arg(long, value_name = "PATH")]
    metadata_path: Option<PathBuf>,

    /// Cost every finding that names packages with a saved `cargo tune timings --format json`
    /// document (without FILE: the last `cargo tune timings` run of this workspace), and lead
    /// the report with the costs.
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    costs: Option<Option<PathBuf>>,

    /// Exit with 1 when findings at this level or above exist.
    #[arg(long, value_enum, value_name = "LEVEL")]
    deny: Option<DenyLevel>,

    /// What builds should favour; judges LTO and codegen-units.
    #[arg(long, value_enum, default_value_t = GoalArg::Balanced)]
    goal: GoalArg,

    /// Show every finding in full; without it, a code found three times or more is one
    /// heading with a table of subjects.
    #[arg(long, short = 'v')]
    verbose: bool,

    /// Drop findings with this code (repeatable).
    #[arg(long = "allow", short = 'A', value_name = "CODE", value_parser = parse_code)]
    allow: Vec<FindingCode>,
    /// Report findings with this code as warnings (repeatable).
    #[arg(long = "warn", short = 'W', value_name = "CODE", value_parser = parse_code)]
    warn: Vec<FindingCode>,
    /// Report findings with this code as errors (repeatable).
    #[arg(long = "forbid", short = 'D', value_name = "CODE", value_parser = parse_code)]
    forbid: Vec<FindingCode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum DenyLevel {
    /// Fail on warnings and errors.
    Warnings,
    /// Fail on errors only.
    Errors,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum GoalArg {
    Balanced,
    BuildSpeed,
    Runtime,
}

fn parse_code(name: &str) -> Result<FindingCode, String> {
    FindingCode::parse(name).ok_or_else(|| {
        let codes: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
        format!(
            "unknown finding code; expected one of: {}",
            codes.join(", ")
        )
    })
}

impl AuditArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let cwd = current_dir()?;
        let source = match &self.metadata_path {
            Some(path) => {
                let m = &self.manifest;
                if m.locked || m.offline || m.frozen || !m.config.is_empty() {
                    ctx.print_warning("--locked, --offline, --frozen and --config have no effect with --metadata-path");
                }
                MetadataSource::Json(cwd.join(path))
            }
            None => MetadataSource::Cargo(self.manifest.cargo_options(ctx)),
        };
        let load = LoadOptions {
            source,
            manifest_path: self.manifest.manifest_path.clone(),
            cwd,
            env: BuildEnv::capture(),
            unit_graphs: true,
            // Reading is all an audit does: a workspace without a lockfile is resolved aside.
            lockfile_aside: true,
        };
        let mut levels = Vec::new();
        levels.extend(self.allow.iter().map(|c| (*c, None)));
        levels.extend(self.warn.iter().map(|c| (*c, Some(Severity::Warning))));
        levels.extend(self.forbid.iter().map(|c| (*c, Some(Severity::Error))));
        let goal = match self.goal {
            GoalArg::Balanced => Goal::Balanced,
            GoalArg::BuildSpeed => Goal::BuildSpeed,
            GoalArg::Runtime => Goal::Runtime,
        };
        let policy = Policy { goal, levels };
        // A named file is read before the audit, so that a bad one fails fast; the last run's
        // file is found in the target directory, which the audit tells.
        let named = match &self.costs {
            Some(Some(p)) => Some(read_costs(p)?),
            _ => None,
        };
        let mut audit = cargo_tune_core::audit::audit(load, &policy, env!("CARGO_PKG_VERSION"))?;
        let costs = match (named, &self.costs) {
            (Some(c), _) => Some(c),
            (None, Some(_)) => Some(read_costs(&cargo_tune_core::timings::report::saved_path(
                &audit.model.metadata.target_directory,
            ))?),
            (None, None) => None,
        };
        if let Some((timings, spread)) = &costs {
            cargo_tune_core::timings::findings::attach_costs(
                &mut audit.report.findings,
                timings,
                *spread,
            );
        }
        let report = &audit.report;
        let mut options = ctx.render_options(destination.is_file());
        options.verbose = self.verbose;
        self.output.deliver_with(
            &options,
            destination,
            report,
            render_audit_human,
            render_audit_markdown,
        )?;
        if let Some(path) = &self.output.output
            && ctx.stderr_is_terminal
        {
            eprintln!("{:>12} {}", "Wrote", path.display());
        }
        let denied = match self.deny {
            Some(DenyLevel::Warnings) => report.summary.errors + report.summary.warnings,
            Some(DenyLevel::Errors) => report.summary.errors,
            None => 0,
        };
        // The process exits next: freeing a large workspace model piece by piece only costs
        // wall time (milliseconds on a thousand packages), so leave it to the OS.
        std::mem::forget(audit);
        if denied > 0 {
            Err(ExpectedError::CheckFailed)
        } else {
            Ok(())
        }
    }
}

/// The timings of a saved `cargo tune timings --format json`, and its run-to-run spread.
fn read_costs(
    path: &std::path::Path,
) -> Result<(cargo_tune_core::timings::BuildTimings, Option<f64>), ExpectedError> {
    let fail = |what: String| ExpectedError::Setup {
        message: format!("failed to read --costs {}: {what}", path.display()),
        source: None,
    };
    let report =
        cargo_tune_core::report::overview::read_timings(path).map_err(|e| fail(e.to_string()))?;
    cargo_tune_core::report::overview::costs_of(&report).map_err(fail)
}
