//! Renderers: each makes the text of a report in one of the `--format`s.

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
mod timings;
mod timings_macros;

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
pub use timings::{render_timings_html, render_timings_human, render_timings_markdown, svg};

/// How to render: styles (plain when colour is off) and how much to show.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// Styles to use.
    pub styles: Styles,
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
            verbose: false,
        }
    }
}

/// A renderer of one report type in one text format; renderers only make text, so that what
/// reaches a file or a terminal is written in one place.
pub type Renderer<T> = fn(&T, &RenderOptions) -> String;

/// Serializes any report as pretty JSON followed by a newline.
pub fn render_json<T: serde::Serialize>(value: &T) -> String {
    // The schema's types have string keys and no fallible `Serialize`, so this cannot fail.
    let mut text = serde_json::to_string_pretty(value).expect("the schema serializes to JSON");
    text.push('\n');
    text
}

/// The first line of a terminal report: what ran, in bold, and what it ran on.
pub(crate) fn title(
    st: &Styles,
    what: impl std::fmt::Display,
    on: impl std::fmt::Display,
) -> String {
    format!(
        "{} {}",
        crate::text::paint(st.bold, what),
        crate::text::paint(st.literal, on)
    )
}

/// A commit as the pages show it: its first 12 characters.
pub(crate) fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}
