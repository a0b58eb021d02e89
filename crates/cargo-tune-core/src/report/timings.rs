//! `cargo tune timings` as a terminal table, Markdown, a self-contained SVG Gantt chart and an
//! HTML page holding both.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io;

use cargo_tune_schema::{Cost, TimingsReport, UnitTiming};

use super::html::{Html, html};
use super::{RenderOptions, emit};
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

fn label(u: &UnitTiming) -> String {
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
pub fn render_timings_human(
    r: &TimingsReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
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
            let (path, cpu) = cost_cells(&f.cost);
            let _ = writeln!(
                s,
                "  {:<44} {:>30} {:>10} {:>6}",
                f.id,
                path,
                cpu,
                f.units.len()
            );
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
            let (path, cpu) = cost_cells(&g.cost);
            let _ = writeln!(
                s,
                "  {:<44} {:>30} {:>10} {:>6}",
                g.label,
                path,
                cpu,
                g.units.len()
            );
        }
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
    emit(options, out, &s)
}

/// Markdown, for PR comments and job summaries.
pub fn render_timings_markdown(
    r: &TimingsReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
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
    emit(options, out, &s)
}

const ROW: f64 = 18.0;
const LABEL_W: f64 = 300.0;
const CHART_W: f64 = 900.0;
const TOP: f64 = 40.0;

/// The Gantt chart's own styles, as the SVG is also a file on its own.
const GANTT_STYLE: &str = "<style>.unit{fill:#95cce8}.unit.build-script,.unit.run-build-script{fill:#f0b165}.unit.proc-macro{fill:#c39be8}.rmeta{fill:#000;fill-opacity:.15}.critical{stroke:#d00;stroke-width:2}.unfinished{fill:#ddd;stroke:#e80000;stroke-dasharray:3 2}.critical-link{stroke:#d00;stroke-width:1.5;fill:none}.grid{stroke:#e6e6e6}text{fill:#222}</style>";

/// A Gantt chart of the build: one bar per unit (the metadata part shaded), the critical path
/// drawn over it. No script, no external resource.
pub fn svg(r: &TimingsReport) -> String {
    gantt(r).into_string()
}

/// [`svg`], to go in a page.
pub(crate) fn gantt(r: &TimingsReport) -> Html {
    let mut units: Vec<&UnitTiming> = r.units.iter().collect();
    units.sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then(a.index.cmp(&b.index)));
    let wall = r.wall_s.max(0.01);
    let scale = CHART_W / wall;
    let height = TOP + ROW * units.len() as f64 + 30.0;
    let width = LABEL_W + CHART_W + 20.0;
    let critical: HashSet<usize> = r.critical_path.steps.iter().map(|s| s.unit).collect();
    let row_of = |index: usize| units.iter().position(|u| u.index == index);
    let mut s = Html::new();
    s.line(html!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="sans-serif" font-size="11" role="img" aria-label="build timeline">"#,
        width,
        height,
        width,
        height
    ));
    s.line(html!(
        "<title>{} — critical path {} of {}</title>",
        r.scenario,
        secs(r.critical_path.length_s),
        secs(r.wall_s)
    ));
    s.line(Html::lit(GANTT_STYLE));
    s.line(html!(
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#fff"/>"##,
        width,
        height
    ));
    // Second ticks, at most about 20.
    let step = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0,
    ]
    .into_iter()
    .find(|st| wall / st <= 20.0)
    .unwrap_or(600.0);
    let mut t = 0.0;
    while t <= wall + 1e-9 {
        let x = LABEL_W + t * scale;
        s.line(html!(
            r#"<line class="grid" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x,
            TOP - 8.0,
            x,
            height - 25.0,
            x,
            TOP - 12.0,
            format_tick(t)
        ));
        t += step;
    }
    s.line(html!(
        r#"<text x="4" y="16" font-size="13" font-weight="bold">{}: {} units, wall {}, critical path {} (red)</text>"#,
        r.scenario,
        r.units.len(),
        secs(r.wall_s),
        secs(r.critical_path.length_s)
    ));
    for (row, u) in units.iter().enumerate() {
        let y = TOP + ROW * row as f64;
        let x = LABEL_W + u.start_s * scale;
        let w = (u.duration_s * scale).max(1.0);
        let mut class = format!("unit {}", u.kind);
        if critical.contains(&u.index) {
            class.push_str(" critical");
        }
        if !u.finished {
            class.push_str(" unfinished");
        }
        s.line(html!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 6.0,
            y + 12.0,
            label(u)
        ));
        let tip = format!(
            "{}: starts {}, takes {}{}",
            label(u),
            secs(u.start_s),
            secs(u.duration_s),
            u.rmeta_s
                .map(|m| format!(", metadata at {}", secs(m)))
                .unwrap_or_default()
        );
        s.line(html!(
            r#"<rect class="{}" data-unit="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}</title></rect>"#,
            class,
            u.index,
            x,
            y + 2.0,
            w,
            ROW - 4.0,
            tip
        ));
        if let Some(m) = u.rmeta_s {
            s.line(html!(
                r#"<rect class="rmeta" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
                x,
                y + 2.0,
                (m * scale).max(0.5),
                ROW - 4.0
            ));
        }
    }
    // Links from the point each critical unit unblocked the next to that unit's start.
    let steps = &r.critical_path.steps;
    for pair in steps.windows(2) {
        let (Some(a), Some(b)) = (row_of(pair[0].unit), row_of(pair[1].unit)) else {
            continue;
        };
        let (ua, ub) = (units[a], units[b]);
        let x1 = LABEL_W + (ua.start_s + pair[0].contribution_s) * scale;
        let y1 = TOP + ROW * a as f64 + ROW / 2.0;
        let x2 = LABEL_W + ub.start_s * scale;
        let y2 = TOP + ROW * b as f64 + ROW / 2.0;
        s.line(html!(
            r#"<path class="critical-link" d="M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1}"/>"#,
            x1,
            y1,
            x1,
            y2,
            x2,
            y2
        ));
    }
    s.line(Html::lit("</svg>"));
    s
}

fn format_tick(t: f64) -> String {
    if t.fract().abs() < 1e-9 {
        format!("{t:.0}s")
    } else {
        format!("{t:.1}s")
    }
}

/// The SVG alone.
pub fn render_timings_svg(
    r: &TimingsReport,
    _options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    out.write_all(gantt(r).as_bytes())
}

/// One self-contained page: the chart, the costs and the critical path.
pub fn render_timings_html(
    r: &TimingsReport,
    _options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
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
    s.push(Html::lit("<h2>Critical path</h2>"));
    s.push(critical_path_table(r));
    s.push(Html::lit("\n</body></html>\n"));
    out.write_all(s.as_bytes())
}
