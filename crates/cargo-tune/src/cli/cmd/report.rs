//! `cargo tune report`: one self-contained HTML page of what the other commands saved, and a
//! fresh audit.

use std::path::{Path, PathBuf};

use cargo_tune_core::report::overview::{self, ReportRequest};
use cargo_tune_core::report::{render_json, render_overview_html};

use cargo_tune_core::cargo::Invocation;

use crate::cli::common::{ManifestOptions, current_dir};
use crate::errors::ExpectedError;
use crate::output::{Destination, OutputContext, Terminal};

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

impl ReportArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        if self.open && self.format != ReportFormat::Html {
            return Err(ExpectedError::Usage {
                message: "--open opens the HTML page; it does not go with --format json".to_owned(),
            });
        }
        // A destination named is checked before anything else; the default one needs the
        // target directory, which loading the workspace tells.
        let named = match &self.output {
            Some(path) => Some(Destination::open(Some(path))?),
            None => None,
        };
        let cwd = current_dir()?;
        let request = ReportRequest {
            invocation: Invocation {
                cargo: self.manifest.cargo_options(ctx),
                cwd: cwd.clone(),
            },
            timings: self.timings.clone(),
            plan: self.plan.clone(),
            history: self.history.clone(),
            measure: self.measure.clone(),
        };
        let (report, defaults) = overview::run(&request, &mut Terminal::new(ctx))?;
        let html = self.format == ReportFormat::Html;
        let written_to = self
            .output
            .clone()
            .or_else(|| html.then(|| defaults.output.clone()));
        let destination = match named {
            Some(d) => d,
            None => {
                if let Some(dir) = defaults.output.parent().filter(|_| html) {
                    // target/cargo-tune/ is ours to make; a failure shows when the file is opened.
                    let _ = std::fs::create_dir_all(dir);
                }
                Destination::open(html.then_some(defaults.output.as_path()))?
            }
        };
        let options = ctx.render_options(true);
        let text = match self.format {
            ReportFormat::Html => render_overview_html(&report, &options),
            ReportFormat::Json => render_json(&report),
        };
        crate::output::deliver(destination, text)?;
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
