use std::path::{Path, PathBuf};

use cargo_tune_core::analysis::Policy;
use cargo_tune_core::cargo::metadata::MetadataSource;
use cargo_tune_core::report::overview::{self, DefaultPaths, OverviewInputs, ReadError, input_of};
use cargo_tune_core::report::{render_json, render_overview_html};
use cargo_tune_core::workspace::{BuildEnv, LoadOptions};
use cargo_tune_schema::{InputState, ReportInput};

use super::measure::now;
use crate::cli::common::{ManifestOptions, current_dir};
use crate::errors::ExpectedError;
use crate::output::{Destination, OutputContext};

/// `cargo tune report`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without a file named, the report reads what the other commands left in the workspace: \
target/cargo-tune/timings/last.json (`cargo tune timings`), cargo-tune-plan.toml (`cargo tune plan`) \
and target/cargo-tune/history.jsonl (`cargo tune bench` and `try`: the trends, and the last of each \
as bars). A section with nothing to show says which command fills it."
)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    /// `html`: one self-contained page (no script, nothing fetched); `json`: the document it
    /// draws.
    #[arg(long, value_enum, default_value_t, help_heading = "Output Options")]
    format: ReportFormat,
    /// Write the report to this file, atomically (default for html:
    /// target/cargo-tune/report.html; for json: stdout).
    #[arg(
        long,
        short = 'o',
        value_name = "PATH",
        help_heading = "Output Options"
    )]
    output: Option<PathBuf>,
    /// Open the page with the user's browser ($BROWSER, else xdg-open) once written.
    #[arg(long, help_heading = "Output Options")]
    open: bool,

    /// A saved `cargo tune timings --format json` document (default: the last timings run).
    #[arg(long, value_name = "FILE", help_heading = "Input Options")]
    timings: Option<PathBuf>,
    /// A `cargo tune plan` decision record (default: cargo-tune-plan.toml at the workspace
    /// root).
    #[arg(long, value_name = "FILE", help_heading = "Input Options")]
    plan: Option<PathBuf>,
    /// A history file (default: target/cargo-tune/history.jsonl).
    #[arg(long, value_name = "FILE", help_heading = "Input Options")]
    history: Option<PathBuf>,
    /// A `cargo tune bench` or `try` `--format json` document, drawn instead of the last bench
    /// and try of the history (repeatable).
    #[arg(long, value_name = "FILE", help_heading = "Input Options")]
    measure: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// A self-contained HTML page.
    #[default]
    Html,
    /// One JSON document (see docs/report.md).
    Json,
}

/// A file the user named: anything wrong with it is an error, found before any work.
fn named<T>(
    flag: &str,
    path: &Path,
    read: impl FnOnce(&Path) -> Result<T, ReadError>,
) -> Result<(ReportInput, T), ExpectedError> {
    match read(path) {
        Ok(v) => Ok((
            ReportInput {
                kind: flag.to_owned(),
                path: path.display().to_string(),
                state: InputState::Read,
                note: None,
            },
            v,
        )),
        Err(e) => Err(ExpectedError::Setup {
            message: format!("failed to read --{flag} {}: {e}", path.display()),
            source: None,
        }),
    }
}

/// The named file's document, or else the default file's, if it is there and readable (a
/// default file that is not is a warning, not an error).
fn or_default<T>(
    inputs: &mut Vec<ReportInput>,
    ctx: &OutputContext,
    kind: &str,
    named: Option<(ReportInput, T)>,
    default: &Path,
    read: impl FnOnce(&Path) -> Result<T, ReadError>,
) -> Option<T> {
    if let Some((input, value)) = named {
        inputs.push(input);
        return Some(value);
    }
    let (input, value) = input_of(kind, default, read(default));
    if let Some(note) = &input.note {
        ctx.print_warning(&format!("left out {}: {note}", default.display()));
    }
    inputs.push(input);
    value
}

impl ReportArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        if self.open && self.format != ReportFormat::Html {
            return Err(ExpectedError::Usage {
                message: "--open opens the HTML page; it does not go with --format json".to_owned(),
            });
        }
        // A destination named is checked before anything else; the default one needs the
        // target directory, which loading the workspace tells.
        let mut destination = match &self.output {
            Some(path) => Some(Destination::open(Some(path))?),
            None => None,
        };
        let cwd = current_dir()?;
        let named_timings = self
            .timings
            .as_ref()
            .map(|p| named("timings", &cwd.join(p), overview::read_timings))
            .transpose()?;
        let named_plan = self
            .plan
            .as_ref()
            .map(|p| named("plan", &cwd.join(p), overview::read_plan))
            .transpose()?;
        let named_history = self
            .history
            .as_ref()
            .map(|p| named("history", &cwd.join(p), overview::read_history))
            .transpose()?;
        let mut measured = Vec::new();
        let mut inputs = Vec::new();
        for p in &self.measure {
            let path = cwd.join(p);
            let (input, report) = named("measure", &path, overview::read_measure)?;
            measured.push(overview::measured_from_report(
                &report,
                &path.display().to_string(),
            ));
            inputs.push(input);
        }

        let load = LoadOptions {
            source: MetadataSource::Cargo(self.manifest.cargo_options(ctx)),
            manifest_path: self.manifest.manifest_path.clone(),
            cwd: cwd.clone(),
            env: BuildEnv::capture(),
            unit_graphs: true,
            // The report reads, as the audit does.
            lockfile_aside: true,
        };
        let cargo_tune_core::audit::Audit {
            model,
            report: mut audit,
            ..
        } = cargo_tune_core::audit::audit(load, &Policy::default(), env!("CARGO_PKG_VERSION"))?;
        let defaults = DefaultPaths::of(&model.root, &model.metadata.target_directory);
        let written_to = self
            .output
            .clone()
            .or_else(|| (self.format == ReportFormat::Html).then(|| defaults.output.clone()));
        if destination.is_none() {
            if self.format == ReportFormat::Html {
                // target/cargo-tune/ is ours to make; a failure shows when the file is opened.
                let _ = std::fs::create_dir_all(defaults.output.parent().unwrap_or(&model.root));
            }
            destination = Some(Destination::open(
                (self.format == ReportFormat::Html).then_some(defaults.output.as_path()),
            )?);
        }

        let timings = or_default(
            &mut inputs,
            ctx,
            "timings",
            named_timings,
            &defaults.timings,
            overview::read_timings,
        );
        let plan = or_default(
            &mut inputs,
            ctx,
            "plan",
            named_plan,
            &defaults.plan,
            overview::read_plan,
        );
        let history_path = self
            .history
            .as_ref()
            .map_or_else(|| defaults.history.clone(), |p| cwd.join(p));
        let history = or_default(
            &mut inputs,
            ctx,
            "history",
            named_history,
            &defaults.history,
            overview::read_history,
        );
        let (history, skipped) = history.unwrap_or_default();
        if skipped > 0
            && let Some(input) = inputs.iter_mut().find(|i| i.kind == "history")
        {
            input.note = Some(format!(
                "{} left out (another format version, or cut short)",
                cargo_tune_core::text::count(skipped, "line")
            ));
        }
        if self.measure.is_empty() {
            measured = overview::latest_measured(&history, &history_path);
        }

        if let Some(t) = &timings {
            match overview::costs_of(t) {
                Ok((units, spread)) => cargo_tune_core::timings::findings::attach_costs(
                    &mut audit.findings,
                    &units,
                    spread,
                ),
                Err(why) => ctx.print_warning(&format!("findings are not costed: {why}")),
            }
        }
        let report = overview::assemble(OverviewInputs {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            workspace_root: model.root.display().to_string(),
            generated_at: now(),
            inputs,
            audit,
            plan,
            measured,
            timings,
            history,
        });
        let options = ctx.render_options(true);
        let destination = destination.expect("opened above");
        crate::output::deliver(destination, |out| match self.format {
            ReportFormat::Html => render_overview_html(&report, &options, out),
            ReportFormat::Json => render_json(&report, out),
        })?;
        if let Some(path) = &written_to {
            ctx.print_status("Wrote", &path.display().to_string());
            if self.open {
                open_in_browser(&cwd.join(path))?;
            }
        }
        Ok(())
    }
}

/// Starts `$BROWSER` (a `:`-separated list, `%s` standing for the file, as xdg-utils reads it)
/// or else `xdg-open` on `path`, without waiting for the browser.
fn open_in_browser(path: &Path) -> Result<(), ExpectedError> {
    let url = path.display().to_string();
    let browser = std::env::var("BROWSER").unwrap_or_default();
    let mut tried = Vec::new();
    let candidates: Vec<String> = browser
        .split(':')
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned)
        .chain(std::iter::once("xdg-open".to_owned()))
        .collect();
    for candidate in candidates {
        let mut words: Vec<String> = candidate.split_whitespace().map(str::to_owned).collect();
        if words.iter().any(|w| w.contains("%s")) {
            for w in &mut words {
                *w = w.replace("%s", &url);
            }
        } else {
            words.push(url.clone());
        }
        let spawned = cargo_tune_core::cargo::ToolCommand::new(&words[0])
            .args(&words[1..])
            .to_command()
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            Ok(_) => return Ok(()),
            Err(e) => tried.push(format!("`{}`: {e}", words[0])),
        }
    }
    Err(ExpectedError::Setup {
        message: format!(
            "failed to open {url} in a browser ({}); the report is written, open it yourself or set $BROWSER",
            tried.join("; ")
        ),
        source: None,
    })
}
