//! Renderers: each writes a report to any writer, in one of the `--format`s.

mod apply;
mod audit_human;
mod audit_markdown;
mod cache;
mod chart;
mod features;
mod guard;
mod html;
mod measure_text;
pub mod overview;
mod overview_html;
mod pgo_text;
mod plan;
mod rank;
pub mod redact;
mod timings;
mod timings_macros;

use std::io;

use crate::text::Styles;

pub use apply::{render_apply_markdown, render_undo_text};
pub use audit_human::render_audit_human;
pub use audit_markdown::render_audit_markdown;
pub use cache::{render_cache_human, render_cache_markdown};
pub use features::{render_features_human, render_features_markdown};
pub use guard::{render_guard_human, render_guard_junit, render_guard_markdown};
pub use measure_text::{
    render_bench_human, render_bench_markdown, render_try_human, render_try_markdown,
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

/// Serializes any report as pretty JSON followed by a newline.
pub fn render_json<T: serde::Serialize>(value: &T, out: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// A commit as the pages show it: its first 12 characters.
pub(crate) fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Writes `text` through the redactor, if any.
pub(crate) fn emit(options: &RenderOptions, out: &mut dyn io::Write, text: &str) -> io::Result<()> {
    match &options.redactor {
        Some(r) => out.write_all(r.redact(text).as_bytes()),
        None => out.write_all(text.as_bytes()),
    }
}
