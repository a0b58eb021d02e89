//! `cargo tune timings` as a terminal table, Markdown, a self-contained SVG Gantt chart and an
//! HTML page holding both.

use std::collections::HashSet;
use std::fmt::Write as _;

use cargo_tune_schema::{Cost, TimingsReport, UnitTiming};

use super::RenderOptions;
use super::chart::gantt;
use super::html::{Html, html};
use super::timings_macros::expansion_text;
use crate::text::{paint, secs};

/// Units listed under "top units".
const TOP_UNITS: usize = 10;

/// The critical path as a table, first unit to last: what each adds and how long it waited.
pub(crate) fn critical_path_table(r: &TimingsReport) -> Html {
    let mut s = Html::lit("<table><tr><th>unit</th><th>adds</th><th>waited</th></tr>\n");
    for step in &r.critical_path.steps {
        s.line(html!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            step.label,
            secs(step.contribution_s),
            secs(step.waited_s.max(0.0))
        ));
    }
    s.push(Html::lit("</table>"));
    s
}

pub(super) fn label(u: &UnitTiming) -> String {
    format!("{} {}{}", u.name, u.version, u.target)
}

fn cost_cells(c: &Cost) -> (String, String) {
    let mut path = secs(c.critical_path_s);
    if let Some([lo, hi]) = c.critical_path_range_s {
        let _ = write!(path, " [{}, {}]", secs(lo), secs(hi));
    }
    if c.within_noise {
        path.push_str(" (noise)");
    }
    (path, secs(c.cpu_s))
}

/// A row of the terminal's tables of costs: what it is, what fixing it saves, and its units.
fn cost_row(s: &mut String, label: &str, cost: &Cost, units: usize) {
    let (path, cpu) = cost_cells(cost);
    let _ = writeln!(s, "  {label:<44} {path:>30} {cpu:>10} {units:>6}");
}

pub(crate) fn headline(r: &TimingsReport) -> String {
    let mut s = format!(
        "{}: {} units in {} (`{}`); durations from {} ({}), dependencies from {}",
        r.scenario,
        r.units.len(),
        secs(r.wall_s),
        r.command,
        r.source.durations,
        r.source.schema,
        r.source.dependencies
    );
    if let Some(note) = &r.source.dependencies_note {
        let _ = write!(s, " ({note})");
    }
    if r.run_walls_s.len() > 1 {
        let walls: Vec<String> = r.run_walls_s.iter().map(|w| secs(*w)).collect();
        let _ = write!(
            s,
            "; {} runs ({}), run {} reported",
            r.run_walls_s.len(),
            walls.join(", "),
            r.reported_run + 1
        );
    }
    s
}

/// The terminal table.
pub fn render_timings_human(r: &TimingsReport, options: &RenderOptions) -> String {
    let st = &options.styles;
    let mut s = String::new();
    let _ = writeln!(s, "{}", headline(r));
    if let Some(f) = &r.failure {
        let _ = writeln!(
            s,
            "{} the build failed ({}); what follows is what was measured before it stopped",
            paint(st.error, "error:"),
            f.status
        );
        for line in &f.last_lines {
            let _ = writeln!(s, "  {}", paint(st.dim, line));
        }
    }
    let p = &r.parallelism;
    let cp = &r.critical_path;
    let _ = writeln!(
        s,
        "\n{} {} of {} wall ({} waiting); parallelism {:.2} on average, peak {}, {} jobs; fewer than {} units ran for {}",
        paint(st.bold, "critical path"),
        secs(cp.length_s),
        secs(r.wall_s),
        secs(cp.idle_s),
        p.average,
        p.peak,
        p.jobs,
        p.jobs,
        secs(p.underused_s)
    );
    if !r.findings.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            paint(st.bold, "findings by cost (what fixing them saves)")
        );
        let _ = writeln!(
            s,
            "  {:<44} {:>30} {:>10} {:>6}",
            "finding", "critical path", "CPU", "units"
        );
        for f in &r.findings {
            cost_row(&mut s, &f.id, &f.cost, f.units.len());
            if let Some(e) = &f.cost.expansion {
                let _ = writeln!(s, "    its proc-macros' {}", expansion_text(e));
            }
        }
    }
    let _ = writeln!(s, "\n{}", paint(st.bold, "critical path, first to last"));
    let _ = writeln!(s, "  {:<48} {:>10} {:>10}", "unit", "adds", "waited");
    for step in &cp.steps {
        let _ = writeln!(
            s,
            "  {:<48} {:>10} {:>10}",
            step.label,
            secs(step.contribution_s),
            secs(step.waited_s.max(0.0))
        );
    }
    let sh = &r.shares;
    let _ = writeln!(s);
    for (name, share) in [
        ("build scripts", &sh.build_scripts),
        ("proc-macros", &sh.proc_macros),
    ] {
        let _ = writeln!(
            s,
            "{}: {} units, {} CPU ({:.0}% of {}), {} on the critical path",
            paint(st.bold, name),
            share.units,
            secs(share.cpu_s),
            share.fraction * 100.0,
            secs(sh.total_cpu_s),
            secs(share.critical_path_s)
        );
    }
    if !r.proc_macro_stacks.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            paint(
                st.bold,
                "proc-macro stacks (the macro and what only it needs)"
            )
        );
        for g in &r.proc_macro_stacks {
            cost_row(&mut s, &g.label, &g.cost, g.units.len());
            if let Some(e) = &g.cost.expansion {
                let _ = writeln!(s, "    {}", expansion_text(e));
            }
        }
    }
    if let Some(m) = &r.macros {
        s.push_str(&super::timings_macros::human(m, st));
    }
    let _ = writeln!(s, "\n{}", paint(st.bold, "top units by time"));
    let critical: HashSet<usize> = cp.steps.iter().map(|s| s.unit).collect();
    let mut top: Vec<&UnitTiming> = r.units.iter().collect();
    top.sort_by(|a, b| b.duration_s.total_cmp(&a.duration_s));
    for (i, u) in top.iter().take(TOP_UNITS).enumerate() {
        let _ = writeln!(
            s,
            "  {:>2}. {:<48} {:>10} {:<16}{}",
            i + 1,
            label(u),
            secs(u.duration_s),
            u.kind,
            if critical.contains(&u.index) {
                paint(st.warning, " critical path")
            } else {
                String::new()
            }
        );
    }
    s
}

/// Markdown, for PR comments and job summaries.
pub fn render_timings_markdown(r: &TimingsReport, _options: &RenderOptions) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### cargo tune timings\n\n{}\n", headline(r));
    if let Some(f) = &r.failure {
        let _ = writeln!(s, "**The build failed** ({}).\n", f.status);
    }
    let _ = writeln!(
        s,
        "Critical path **{}** of {} wall; parallelism {:.2} on average with {} jobs.\n",
        secs(r.critical_path.length_s),
        secs(r.wall_s),
        r.parallelism.average,
        r.parallelism.jobs
    );
    if !r.findings.is_empty() {
        let _ = writeln!(
            s,
            "| finding | critical path | CPU | units |\n|---|---:|---:|---:|"
        );
        for f in &r.findings {
            let (path, cpu) = cost_cells(&f.cost);
            let _ = writeln!(
                s,
                "| `{}` | {path} | {cpu} | {} |",
                crate::text::markdown::cell(&f.id),
                f.units.len()
            );
        }
        let _ = writeln!(s);
    }
    if let Some(m) = &r.macros {
        s.push_str(&super::timings_macros::markdown(m));
    }
    let _ = writeln!(s, "| critical path | adds | waited |\n|---|---:|---:|");
    for step in &r.critical_path.steps {
        let _ = writeln!(
            s,
            "{}",
            crate::text::markdown::row(&[
                step.label.clone(),
                secs(step.contribution_s),
                secs(step.waited_s.max(0.0))
            ])
        );
    }
    s
}

/// A Gantt chart of the build: one bar per unit (the metadata part shaded), the critical path
/// drawn over it. No script, no external resource.
pub fn svg(r: &TimingsReport) -> String {
    gantt(r).into_string()
}

/// One self-contained page: the chart, the costs and the critical path.
pub fn render_timings_html(r: &TimingsReport, _options: &RenderOptions) -> String {
    let mut s = html!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>cargo tune timings — {}</title>\n",
        r.scenario
    );
    s.line(Html::lit("<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px}td.n{text-align:right}</style></head><body>"));
    s.line(html!("<h1>cargo tune timings</h1><p>{}</p>", headline(r)));
    if let Some(f) = &r.failure {
        s.line(html!(
            "<p><strong>The build failed</strong> ({}); the chart shows what was measured.</p>",
            f.status
        ));
    }
    s.push(gantt(r));
    if !r.findings.is_empty() {
        s.line(Html::lit("<h2>Findings by cost</h2><table><tr><th>finding</th><th>critical path</th><th>CPU</th><th>units</th></tr>"));
        for f in &r.findings {
            let (path, cpu) = cost_cells(&f.cost);
            s.line(html!(
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                f.id,
                path,
                cpu,
                f.units.len()
            ));
        }
        s.line(Html::lit("</table>"));
    }
    if let Some(m) = &r.macros {
        s.push(super::timings_macros::html_section(m));
    }
    s.push(Html::lit("<h2>Critical path</h2>"));
    s.push(critical_path_table(r));
    s.push(Html::lit("\n</body></html>\n"));
    s.into_string()
}
