//! `cargo tune cache` as terminal text and as Markdown.

use std::fmt::Write as _;

use cargo_tune_schema::{CacheBuild, CacheReport};

use super::measure_text::table;
use super::{RenderOptions, title};
use crate::text::paint;
use crate::text::secs;

fn stats_cells(b: &CacheBuild) -> [String; 4] {
    match &b.stats {
        Some(s) => [
            s.counts.hits.to_string(),
            s.counts.misses.to_string(),
            s.counts.not_cacheable.to_string(),
            s.hit_rate
                .map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0)),
        ],
        None => [
            "-".to_owned(),
            "-".to_owned(),
            "-".to_owned(),
            "-".to_owned(),
        ],
    }
}

const HEADER: [&str; 7] = [
    "build",
    "wall",
    "units compiled",
    "hits",
    "misses",
    "not cacheable",
    "hit rate",
];

fn rows(report: &CacheReport) -> Vec<[String; 7]> {
    report
        .builds
        .iter()
        .map(|b| {
            let [hits, misses, not, rate] = stats_cells(b);
            [
                b.label.clone(),
                secs(b.wall_s),
                format!("{}/{}", b.units_compiled, b.units_total),
                hits,
                misses,
                not,
                rate,
            ]
        })
        .collect()
}

/// The terminal report of `cache status` or `cache verify`.
pub fn render_cache_human(report: &CacheReport, options: &RenderOptions) -> String {
    let st = &options.styles;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}",
        title(
            st,
            format!("cargo tune {}", report.command),
            format!("--backend {}", report.backend)
        )
    );
    for c in &report.checks {
        let mark = if c.ok {
            paint(st.good, "ok")
        } else {
            paint(st.error, "FAILED")
        };
        let _ = writeln!(text, "  {:<8} {mark}  {}", c.name, c.detail);
    }
    if !report.builds.is_empty() {
        text.push('\n');
        table(&mut text, HEADER, &rows(report), &[1, 2, 3, 4, 5, 6]);
        for b in &report.builds {
            for cause in &b.miss_causes {
                let _ = writeln!(text, "  {}: {cause}", b.label);
            }
        }
        if let Some(location) = report
            .builds
            .iter()
            .find_map(|b| b.stats.as_ref().map(|s| s.location.clone()))
        {
            let _ = writeln!(
                text,
                "{}",
                paint(st.dim, format!("sccache cache: {location}"))
            );
        }
    }
    text
}

/// The Markdown report of `cache status` or `cache verify`.
pub fn render_cache_markdown(report: &CacheReport, _options: &RenderOptions) -> String {
    let mut text = format!(
        "### cargo tune {} `--backend {}`\n\n| check | ok | detail |\n|---|---|---|\n",
        report.command, report.backend
    );
    for c in &report.checks {
        let _ = writeln!(
            text,
            "| {} | {} | {} |",
            c.name,
            if c.ok { "yes" } else { "**no**" },
            crate::text::markdown::cell(&c.detail)
        );
    }
    if !report.builds.is_empty() {
        let _ = writeln!(text, "\n| {} |", HEADER.join(" | "));
        let _ = writeln!(text, "|{}", "---|".repeat(HEADER.len()));
        for row in rows(report) {
            let _ = writeln!(text, "| {} |", row.join(" | "));
        }
        text.push('\n');
        for b in &report.builds {
            for cause in &b.miss_causes {
                let _ = writeln!(text, "- {}: {cause}", b.label);
            }
        }
    }
    text
}
