//! `cargo tune audit`: coded findings about the workspace, its profiles, dependencies and
//! toolchain.

use std::path::PathBuf;

use cargo_tune_core::analysis::{Goal, Policy};
use cargo_tune_core::audit::{self, AuditRequest};
use cargo_tune_core::report::{render_audit_human, render_audit_markdown};
use cargo_tune_schema::{FindingCode, Severity};

use crate::cli::common::{ManifestOptions, OutputOptions};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, Terminal};

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
        let mut levels = Vec::new();
        levels.extend(self.allow.iter().map(|c| (*c, None)));
        levels.extend(self.warn.iter().map(|c| (*c, Some(Severity::Warning))));
        levels.extend(self.forbid.iter().map(|c| (*c, Some(Severity::Error))));
        let goal = match self.goal {
            GoalArg::Balanced => Goal::Balanced,
            GoalArg::BuildSpeed => Goal::BuildSpeed,
            GoalArg::Runtime => Goal::Runtime,
        };
        let request = AuditRequest {
            invocation: self.manifest.invocation(ctx)?,
            metadata_path: self.metadata_path.clone(),
            costs: self.costs.clone(),
            policy: Policy { goal, levels },
        };
        let audit = audit::run(&request, &mut Terminal::new(ctx))?;
        let report = &audit.report;
        let mut options = self.output.render_options(ctx);
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
            ctx.print_status("Wrote", &path.display().to_string());
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
