//! Renderers: each writes a report to any writer, in one of the `--format`s.

mod audit_human;
mod audit_markdown;
mod cache;
mod guard;
mod measure_text;
mod overview_html;
mod pgo_text;
mod plan;
pub mod redact;
mod timings;

use std::io;

use anstyle::{AnsiColor, Style};
use cargo_tune_schema::Severity;

pub use audit_human::render_audit_human;
pub use audit_markdown::render_audit_markdown;
pub use cache::{render_cache_human, render_cache_markdown};
pub use guard::{render_guard_human, render_guard_junit, render_guard_markdown};
pub use measure_text::{
    bytes, count, render_bench_human, render_bench_markdown, render_try_human, render_try_markdown,
    secs,
};
pub use overview_html::render_overview_html;
pub use pgo_text::{render_pgo_human, render_pgo_markdown};
pub use plan::{render_plan_human, render_plan_markdown};
pub use redact::Redactor;
pub use timings::{
    render_timings_html, render_timings_human, render_timings_markdown, render_timings_svg, svg,
};

/// How to render: styles (plain when colour is off) and an optional redactor for snapshots.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// Styles to use.
    pub styles: Styles,
    /// Applied to every line before it is written.
    pub redactor: Option<Redactor>,
    /// Every finding in full, instead of one table per repeated finding code.
    pub verbose: bool,
}

impl RenderOptions {
    /// Plain or coloured, decided by the caller.
    pub fn new(color: bool) -> Self {
        RenderOptions {
            styles: if color {
                Styles::colored()
            } else {
                Styles::default()
            },
            redactor: None,
            verbose: false,
        }
    }
}

/// The styles renderers use; all plain by default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Styles {
    /// Errors.
    pub error: Style,
    /// Warnings.
    pub warning: Style,
    /// Informational notes.
    pub info: Style,
    /// Headings and emphasis.
    pub bold: Style,
    /// Paths, commands and other literals.
    pub literal: Style,
    /// Secondary text.
    pub dim: Style,
    /// Good news (faster).
    pub good: Style,
}

impl Styles {
    /// cargo's palette.
    pub fn colored() -> Self {
        Styles {
            error: AnsiColor::Red.on_default().bold(),
            warning: AnsiColor::Yellow.on_default().bold(),
            info: AnsiColor::Cyan.on_default().bold(),
            bold: Style::new().bold(),
            literal: AnsiColor::Cyan.on_default(),
            dim: Style::new().dimmed(),
            good: AnsiColor::Green.on_default().bold(),
        }
    }

    /// The style of a severity.
    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }
}

/// `text` wrapped in `style` (nothing added when the style is plain).
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// Serializes any report as pretty JSON followed by a newline.
pub fn render_json<T: serde::Serialize>(value: &T, out: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// Writes `text` through the redactor, if any.
pub(crate) fn emit(options: &RenderOptions, out: &mut dyn io::Write, text: &str) -> io::Result<()> {
    match &options.redactor {
        Some(r) => out.write_all(r.redact(text).as_bytes()),
        None => out.write_all(text.as_bytes()),
    }
}

/// Text made safe for one cell of a Markdown table: a `|` would end the cell, a line break the
/// row.
pub(crate) fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
