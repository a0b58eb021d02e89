//! `cargo tune report` as one self-contained HTML page: tables that read without a script, and
//! charts drawn as inline SVG. Nothing is fetched: a Content-Security-Policy forbids every
//! resource but the page's own styles, so a page that tried would say so in the browser's
//! console.

use std::fmt::Write as _;
use std::io;

use cargo_tune_schema::{
    Finding, InputState, MeasuredRun, OverviewReport, PlanMeasurement, PlanRecord, Severity,
    TimingsReport, Trend,
};

use super::RenderOptions;
use super::html::{Html, html};
use super::plan::{header as plan_header, phase_name};
use super::timings::{critical_path_table, gantt, headline as timings_headline};
use crate::text::date::date_time;
use crate::text::{count, secs};

const CSS: &str = "\
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1280px;padding:0 1.5em 3em;color:#1d1d1f;line-height:1.4}\
header{border-bottom:2px solid #ddd;margin-bottom:1em}\
h1{margin:.6em 0 .2em}h2{margin-top:1.8em;border-bottom:1px solid #e4e4e4}h3{margin:1.2em 0 .3em;font-size:1.05em}\
nav a{margin-right:1em}\
table{border-collapse:collapse;margin:.6em 0 1em;font-size:.92em}\
th,td{border:1px solid #d6d6d6;padding:3px 8px;vertical-align:top;text-align:left}\
th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}\
.none{color:#666;font-style:italic}\
.meta{color:#555;font-size:.92em}\
code{background:#f3f3f3;padding:0 3px;border-radius:3px}\
.scroll{overflow-x:auto}\
.sev-error{color:#b00020;font-weight:bold}.sev-warning{color:#9a6700;font-weight:bold}.sev-info{color:#0a5a8a}\
.v-faster{color:#1a7f37;font-weight:bold}.v-slower{color:#b00020;font-weight:bold}\
svg.chart text{fill:#333;font-size:11px}\
.bar.wall{fill:#7fb3d5}.bar.wall.baseline{fill:#a0a0a0}.bar.wall.faster{fill:#5cb85c}.bar.wall.slower{fill:#d9534f}\
.bar.cost{fill:#d9822b}.beneath{fill:#f3d3a4}.bar.vs{fill:#7fb3d5}.bar.vs.faster{fill:#5cb85c}.bar.ratio{fill:#8e7cc3}.bar.ratio.faster{fill:#5cb85c}\
.range{stroke:#222;stroke-width:1.2;fill:none}\
.ref{stroke:#c00;stroke-dasharray:4 3}\
.axis{stroke:#e2e2e2}\
.trend-line{stroke:#2b6cb0;stroke-width:2;fill:none}\
.trend-range{stroke:#2b6cb0;stroke-opacity:.45;stroke-width:1.5;fill:none}\
.trend-point{fill:#2b6cb0;stroke:#fff;stroke-width:1}\
.toolchain-change{stroke:#9a6700;stroke-dasharray:3 3}\
";

/// One self-contained page of everything `report` gathered.
pub fn render_overview_html(
    r: &OverviewReport,
    _options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let mut s = html!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>cargo tune report — {}</title><style>{}</style></head><body>\n",
        r.workspace_root,
        Html::lit(CSS)
    );
    header(&mut s, r);
    findings(&mut s, r);
    plan(&mut s, r.plan.as_ref());
    measured(&mut s, &r.measured);
    timings(&mut s, r.timings.as_ref());
    history(&mut s, &r.trends);
    inputs(&mut s, r);
    s.line(Html::lit("</body></html>"));
    out.write_all(s.as_bytes())
}

/// A section's note that it has nothing to show, and which command would fill it.
fn none(s: &mut Html, text: &'static str) {
    s.line(html!("<p class=\"none\">{}</p>", Html::lit(text)));
}

fn header(s: &mut Html, r: &OverviewReport) {
    s.line(html!(
        "<header><h1>cargo tune report</h1><p class=\"meta\">Workspace <code>{}</code>; made {} by cargo-tune {}.</p>",
        r.workspace_root,
        date_time(r.generated_at),
        r.tool.version
    ));
    s.line(Html::lit(
        "<nav><a href=\"#findings\">Findings</a><a href=\"#plan\">Plan</a><a href=\"#measured\">Bench and try</a><a href=\"#timings\">Timings</a><a href=\"#history\">History</a><a href=\"#inputs\">Inputs</a></nav></header>",
    ));
}

fn severity(sev: Severity) -> Html {
    html!(
        "<span class=\"sev-{}\">{}</span>",
        sev.as_str(),
        sev.as_str()
    )
}

fn findings(s: &mut Html, r: &OverviewReport) {
    let a = &r.audit;
    s.line(Html::lit(
        "<section id=\"findings\"><h2>Audit findings, by measured cost</h2>",
    ));
    let costed: Vec<&Finding> = a.findings.iter().filter(|f| f.cost.is_some()).collect();
    s.line(html!(
        "<p>{}, {}: {}, {}, {}; {} costed from the timings below.</p>",
        count(a.members, "member"),
        count(a.packages, "package"),
        count(a.summary.errors, "error"),
        count(a.summary.warnings, "warning"),
        count(a.summary.infos, "note"),
        costed.len()
    ));
    if r.timings.is_none() {
        none(
            s,
            "No costs: they come from a timed build; run <code>cargo tune timings</code>.",
        );
    }
    for note in a.lockfile_aside_note().into_iter().chain(
        a.unit_graph
            .unavailable
            .as_ref()
            .map(|why| format!("cargo's unit graph is unavailable ({why}); `compiled-twice` is estimated from the resolve")),
    ) {
        s.line(html!("<p class=\"note\">Note: {}.</p>", note));
    }
    if a.findings.is_empty() {
        none(s, "No findings: the audit found nothing to report.");
        s.line(Html::lit("</section>"));
        return;
    }
    // A finding whose units this build did not compile is costed at nothing; a row of zeros per
    // such finding would bury the ones that matter.
    let bars: Vec<Bar> = costed
        .iter()
        .filter_map(|f| {
            let c = f.cost.as_ref().filter(|c| !costs_nothing(c))?;
            Some(Bar {
                label: f.id.clone(),
                value: c.critical_path_s,
                beneath: Some(c.cpu_s),
                range: c.critical_path_range_s.map(|[lo, hi]| (lo, hi)),
                class: "bar cost",
                tip: format!(
                    "{}: {} off the critical path, {} of CPU{}",
                    f.id,
                    secs(c.critical_path_s),
                    secs(c.cpu_s),
                    if c.within_noise {
                        " (within the run-to-run noise)"
                    } else {
                        ""
                    }
                ),
            })
        })
        .collect();
    let free = costed.len() - bars.len();
    if !bars.is_empty() {
        s.line(Html::lit("<p>What fixing each costed finding would take off the critical path (dark, with its range over the timed runs when there were several) and the CPU time its units took (light):</p>"));
        s.push(bar_chart("finding costs", &bars, None, Axis::Seconds));
    }
    if free > 0 {
        s.line(html!(
            "<p class=\"meta\">{} more costed findings name units the timed build did not compile (other targets, other profiles): they cost nothing in it.</p>",
            free
        ));
    }
    s.line(Html::lit("<table><tr><th>#</th><th>severity</th><th>finding</th><th>what</th><th>critical path</th><th>CPU</th><th>suggestion</th></tr>"));
    for (i, f) in a.findings.iter().enumerate() {
        let (path, cpu) = match &f.cost {
            Some(c) if costs_nothing(c) => ("not in this build".to_owned(), String::new()),
            Some(c) => (
                format!(
                    "{}{}",
                    secs(c.critical_path_s),
                    if c.within_noise { " (noise)" } else { "" }
                ),
                secs(c.cpu_s),
            ),
            None => (String::new(), String::new()),
        };
        let suggestion = f.suggestions.first().map_or("", |g| g.summary.as_str());
        s.line(html!(
            "<tr><td class=\"n\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            i + 1,
            severity(f.severity),
            f.id,
            f.message,
            path,
            cpu,
            suggestion
        ));
    }
    s.line(Html::lit("</table></section>"));
}

fn costs_nothing(c: &cargo_tune_schema::Cost) -> bool {
    c.cpu_s <= 0.0 && c.critical_path_s <= 0.0
}

fn ratio_cell(m: &PlanMeasurement) -> Html {
    let mut t = m
        .ratio
        .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"));
    if let Some(i) = m.interval {
        let _ = write!(t, " {}", crate::text::interval(&i));
    }
    html!(
        "{} {} <span class=\"v-{}\">{}</span>",
        m.scenario,
        t,
        m.verdict.as_str(),
        m.verdict.as_str()
    )
}

fn plan(s: &mut Html, record: Option<&PlanRecord>) {
    s.line(Html::lit("<section id=\"plan\"><h2>Plan</h2>"));
    let Some(p) = record else {
        none(
            s,
            "No plan yet: run <code>cargo tune plan --goal dev</code> (or <code>ci</code>, <code>release</code>).",
        );
        s.line(Html::lit("</section>"));
        return;
    };
    s.line(html!(
        "<p>{}</p><p class=\"meta\">Measured with rustc {} on {}{}.</p>",
        plan_header(p),
        p.fingerprint.rustc,
        p.fingerprint.host,
        p.fingerprint
            .commit
            .as_ref()
            .map_or_else(Html::new, |c| html!(" at commit <code>{}</code>", c))
    ));
    if p.steps.is_empty() {
        none(s, "No step was chosen: no candidate measured faster.");
    } else {
        let bars: Vec<Bar> = p
            .steps
            .iter()
            .flat_map(|step| {
                step.measurements.iter().filter_map(move |m| {
                    Some(Bar {
                        label: format!("{} · {}", step.candidate, m.scenario),
                        value: m.ratio?,
                        beneath: None,
                        range: m.interval.map(|i| (i.low, i.high)),
                        class: if m.verdict == cargo_tune_schema::Verdict::Faster {
                            "bar ratio faster"
                        } else {
                            "bar ratio"
                        },
                        tip: format!(
                            "{} in {}: ratio {:.3}{}, {}",
                            step.candidate,
                            m.scenario,
                            m.ratio?,
                            m.interval.map_or_else(String::new, |i| format!(
                                " {}",
                                crate::text::interval(&i)
                            )),
                            m.verdict.as_str()
                        ),
                    })
                })
            })
            .collect();
        if !bars.is_empty() {
            s.line(Html::lit("<p>Each step's time against the steps before it (below 1 is faster), with its interval:</p>"));
            s.push(bar_chart("plan steps", &bars, Some(1.0), Axis::Ratio));
        }
        s.line(Html::lit("<table><tr><th>#</th><th>step</th><th>phase</th><th>what</th><th>measured</th><th>cumulative</th><th>risk</th><th>cost</th></tr>"));
        for (i, step) in p.steps.iter().enumerate() {
            let c = p.candidates.iter().find(|c| c.id == step.candidate);
            let cumulative = step
                .cumulative
                .iter()
                .map(|r| html!("{} {:.3}", r.scenario, r.ratio));
            s.line(html!(
                "<tr><td class=\"n\">{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                step.candidate,
                phase_name(c.map_or(1, |c| c.phase)),
                c.map_or("", |c| c.summary.as_str()),
                Html::join(step.measurements.iter().map(ratio_cell), "<br>"),
                Html::join(cumulative, "<br>"),
                c.map_or("", |c| c.risk.as_str()),
                c.map_or("", |c| c.cost.as_str())
            ));
        }
        s.line(Html::lit("</table>"));
    }
    if !p.rejected.is_empty() {
        s.line(Html::lit(
            "<h3>Not taken</h3><table><tr><th>candidate</th><th>why</th><th>measured</th></tr>",
        ));
        for r in &p.rejected {
            s.line(html!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                r.candidate,
                r.reason,
                Html::join(r.measurements.iter().map(ratio_cell), "<br>")
            ));
        }
        s.line(Html::lit("</table>"));
    }
    s.line(Html::lit("</section>"));
}

fn variant_label(variant: &str, changes: &[String]) -> String {
    if changes.is_empty() {
        variant.to_owned()
    } else {
        format!("{variant}: {}", changes.join(" + "))
    }
}

fn measured(s: &mut Html, runs: &[MeasuredRun]) {
    s.line(Html::lit("<section id=\"measured\"><h2>Bench and try</h2>"));
    if runs.is_empty() {
        none(
            s,
            "No bench or try results yet: run <code>cargo tune bench</code> or <code>cargo tune try CHANGE</code>.",
        );
    }
    for run in runs {
        s.line(html!(
            "<h3><code>cargo tune {}</code>{}</h3><p class=\"meta\">{}{}, {} runs per variant; from {}.</p>",
            run.command,
            run.finished_at
                .map_or_else(String::new, |t| format!(", {}", date_time(t))),
            run.rustc,
            run.commit.as_ref().map_or_else(Html::new, |c| html!(
                ", commit <code>{}</code>",
                short(c)
            )),
            run.runs,
            run.source
        ));
        for sc in &run.scenarios {
            let bars: Vec<Bar> = sc
                .variants
                .iter()
                .filter_map(|v| {
                    let w = v.wall_s?;
                    let class = match v.verdict {
                        _ if v.variant == "baseline" => "bar wall baseline",
                        Some(cargo_tune_schema::Verdict::Faster) => "bar wall faster",
                        Some(cargo_tune_schema::Verdict::Slower) => "bar wall slower",
                        _ => "bar wall",
                    };
                    Some(Bar {
                        label: variant_label(&v.variant, &v.changes),
                        value: w.median,
                        beneath: None,
                        range: Some((w.min, w.max)),
                        class,
                        tip: format!(
                            "{}: median {}, min {}, max {}",
                            variant_label(&v.variant, &v.changes),
                            secs(w.median),
                            secs(w.min),
                            secs(w.max)
                        ),
                    })
                })
                .collect();
            s.line(html!(
                "<h3>{} <span class=\"meta\">(wall time: median, whiskers from the fastest to the slowest run)</span></h3>",
                sc.scenario
            ));
            if bars.is_empty() {
                none(s, "Every variant failed before a run was measured.");
            } else {
                s.push(bar_chart(&sc.scenario, &bars, None, Axis::Seconds));
            }
            let ratios: Vec<Bar> = sc
                .variants
                .iter()
                .filter_map(|v| {
                    let ratio = v.ratio?;
                    let verdict = v.verdict.map_or("", |d| d.as_str());
                    Some(Bar {
                        label: variant_label(&v.variant, &v.changes),
                        value: ratio,
                        beneath: None,
                        range: v.interval.map(|i| (i.low, i.high)),
                        class: if v.verdict == Some(cargo_tune_schema::Verdict::Faster) {
                            "bar vs faster"
                        } else {
                            "bar vs"
                        },
                        tip: format!(
                            "{}: {ratio:.3} of the baseline's time{}, {verdict}",
                            variant_label(&v.variant, &v.changes),
                            v.interval.map_or_else(String::new, |i| format!(
                                " {}",
                                crate::text::interval(&i).confidence()
                            ))
                        ),
                    })
                })
                .collect();
            if !ratios.is_empty() {
                s.line(Html::lit("<p>Each candidate against the baseline, run for run (below 1 is faster), with the interval of the ratio when the document has it:</p>"));
                s.push(bar_chart(&sc.scenario, &ratios, Some(1.0), Axis::Ratio));
            }
            s.line(Html::lit("<table><tr><th>variant</th><th>median</th><th>min</th><th>max</th><th>ratio</th><th>interval</th><th>verdict</th></tr>"));
            for v in &sc.variants {
                let (med, min, max) = v.wall_s.map_or_else(
                    || ("failed".to_owned(), String::new(), String::new()),
                    |w| (secs(w.median), secs(w.min), secs(w.max)),
                );
                s.line(html!(
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    variant_label(&v.variant, &v.changes),
                    med,
                    min,
                    max,
                    v.ratio.map_or_else(String::new, |r| format!("{r:.3}")),
                    v.interval
                        .map_or_else(String::new, |i| crate::text::interval(&i)
                            .confidence()
                            .to_string()),
                    v.verdict.map_or_else(Html::new, |d| html!(
                        "<span class=\"v-{}\">{}</span>",
                        d.as_str(),
                        d.as_str()
                    ))
                ));
            }
            s.line(Html::lit("</table>"));
        }
    }
    s.line(Html::lit("</section>"));
}

fn timings(s: &mut Html, t: Option<&TimingsReport>) {
    s.line(Html::lit("<section id=\"timings\"><h2>Timings</h2>"));
    let Some(r) = t else {
        none(
            s,
            "No timings yet: run <code>cargo tune timings</code> (the Gantt chart and the costs of findings come from it).",
        );
        s.line(Html::lit("</section>"));
        return;
    };
    s.line(html!("<p>{}</p>", timings_headline(r)));
    if let Some(f) = &r.failure {
        s.line(html!(
            "<p><strong>The build failed</strong> ({}); the chart shows what was measured before it stopped, and no finding is costed from it.</p>",
            f.status
        ));
    }
    let p = &r.parallelism;
    s.line(html!(
        "<p>Critical path <strong>{}</strong> of {} wall ({} waiting); parallelism {:.2} on average, peak {}, with {} jobs; fewer than {} units ran for {}.</p>",
        secs(r.critical_path.length_s),
        secs(r.wall_s),
        secs(r.critical_path.idle_s),
        p.average,
        p.peak,
        p.jobs,
        p.jobs,
        secs(p.underused_s)
    ));
    s.line(html!("<div class=\"scroll\">{}</div>", gantt(r)));
    s.push(Html::lit("<h3>Critical path, first to last</h3>"));
    s.push(critical_path_table(r));
    s.line(Html::lit("</section>"));
}

fn history(s: &mut Html, trends: &[Trend]) {
    s.line(Html::lit("<section id=\"history\"><h2>History</h2>"));
    if trends.is_empty() {
        none(
            s,
            "No history yet: run <code>cargo tune bench</code> (every <code>bench</code> and <code>try</code> adds a point).",
        );
    }
    for t in trends {
        s.line(html!(
            "<h3>{} <span class=\"meta\">(median wall time of the workspace as it was; whiskers from the fastest to the slowest run; dashed lines where the toolchain changed)</span></h3>",
            t.scenario
        ));
        s.line(html!("<div class=\"scroll\">{}</div>", trend_chart(t)));
        s.line(Html::lit("<table><tr><th>when</th><th>command</th><th>median</th><th>min</th><th>max</th><th>toolchain</th><th>commit</th></tr>"));
        for p in &t.points {
            s.line(html!(
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                date_time(p.finished_at),
                p.command,
                secs(p.wall_s.median),
                secs(p.wall_s.min),
                secs(p.wall_s.max),
                p.rustc,
                commit_text(p.commit.as_deref(), p.dirty)
            ));
        }
        s.line(Html::lit("</table>"));
    }
    s.line(Html::lit("</section>"));
}

fn commit_text(commit: Option<&str>, dirty: Option<bool>) -> Html {
    match commit {
        Some(c) => html!(
            "<code>{}</code>{}",
            short(c),
            if dirty == Some(true) {
                " (uncommitted changes)"
            } else {
                ""
            }
        ),
        None => Html::new(),
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Inputs, at the end: what was read from where, and what was not there.
fn inputs(s: &mut Html, r: &OverviewReport) {
    s.line(Html::lit("<section id=\"inputs\"><h2>Inputs</h2><table><tr><th>what</th><th>file</th><th>state</th></tr>"));
    for i in &r.inputs {
        let state = match i.state {
            InputState::Read => "read".to_owned(),
            InputState::Absent => "not there".to_owned(),
            _ => format!("not used: {}", i.note.as_deref().unwrap_or("unreadable")),
        };
        s.line(html!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            i.kind,
            i.path,
            state
        ));
    }
    s.line(Html::lit("</table></section>"));
}

// Charts.

/// One bar of a horizontal bar chart.
struct Bar {
    label: String,
    value: f64,
    /// A larger value of the same row drawn beneath, lighter (the CPU seconds under a critical
    /// path saving).
    beneath: Option<f64>,
    range: Option<(f64, f64)>,
    class: &'static str,
    tip: String,
}

#[derive(Clone, Copy)]
enum Axis {
    Seconds,
    Ratio,
}

impl Axis {
    fn tick(self, v: f64) -> String {
        match self {
            Axis::Seconds => format_seconds(v),
            Axis::Ratio => format!("{v:.2}"),
        }
    }
}

fn format_seconds(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if v < 1.0 {
        format!("{v:.2}s")
    } else if v < 10.0 {
        format!("{v:.1}s")
    } else {
        format!("{v:.0}s")
    }
}

/// A round step that puts about five ticks on `0..max`.
fn tick_step(max: f64) -> f64 {
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn finite(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}

/// `text` cut to `n` characters, with an ellipsis when cut.
fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

const LABEL_W: f64 = 280.0;
const PLOT_W: f64 = 560.0;
const ROW: f64 = 24.0;

/// Horizontal bars from zero, each with its range as a whisker, and a dashed reference line
/// (1.0 for ratios). Every bar is a `<path class="bar …">`.
fn bar_chart(name: &str, bars: &[Bar], reference: Option<f64>, axis: Axis) -> Html {
    let top = 8.0;
    let height = top + ROW * bars.len() as f64 + 26.0;
    let width = LABEL_W + PLOT_W + 80.0;
    // A range far wider than the values (a two-run interval) would flatten every bar: the axis
    // stops at four times the largest value, and a longer whisker is cut at its edge (the
    // tooltip and the table keep the numbers).
    let values = bars
        .iter()
        .map(|b| finite(b.value.max(b.beneath.unwrap_or(0.0))))
        .chain(reference)
        .fold(0.0, f64::max);
    let max = bars
        .iter()
        .filter_map(|b| b.range.map(|(_, hi)| finite(hi).min(values * 4.0)))
        .fold(values, f64::max);
    let max = if max > 0.0 { max * 1.08 } else { 1.0 };
    let x = |v: f64| LABEL_W + finite(v).min(max) / max * PLOT_W;
    let mut s = Html::new();
    s.line(html!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">"#,
        width,
        height,
        width,
        height,
        name
    ));
    let step = tick_step(max);
    let mut t = 0.0;
    let bottom = top + ROW * bars.len() as f64;
    while t <= max + 1e-9 {
        s.line(html!(
            r#"<line class="axis" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x(t),
            top,
            x(t),
            bottom,
            x(t),
            bottom + 16.0,
            axis.tick(t)
        ));
        t += step;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + ROW * i as f64;
        let (x0, x1) = (x(0.0), x(b.value));
        s.line(html!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + ROW / 2.0 + 4.0,
            clip(&b.label, 44)
        ));
        let mut end = x1;
        if let Some(under) = b.beneath {
            let xu = x(under);
            end = end.max(xu);
            s.line(html!(
                r#"<path class="beneath" d="M{:.1},{:.1} H{:.1} V{:.1} H{:.1} Z"><title>{}</title></path>"#,
                x0,
                y + 4.0,
                xu,
                y + ROW - 4.0,
                x0,
                b.tip
            ));
        }
        s.line(html!(
            r#"<path class="{}" d="M{:.1},{:.1} H{:.1} V{:.1} H{:.1} Z"><title>{}</title></path>"#,
            b.class,
            x0,
            y + 4.0,
            x1,
            y + ROW - 4.0,
            x0,
            b.tip
        ));
        if let Some((lo, hi)) = b.range {
            let (xl, xh, yc) = (x(lo), x(hi), y + ROW / 2.0);
            end = end.max(xh);
            s.line(html!(
                r#"<path class="range" d="M{:.1},{:.1} H{:.1} M{:.1},{:.1} V{:.1} M{:.1},{:.1} V{:.1}"/>"#,
                xl,
                yc,
                xh,
                xl,
                yc - 5.0,
                yc + 5.0,
                xh,
                yc - 5.0,
                yc + 5.0
            ));
        }
        let value = match b.beneath {
            Some(under) => format!("{} of {}", axis.tick(b.value), axis.tick(under)),
            None => axis.tick(b.value),
        };
        s.line(html!(
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            end + 6.0,
            y + ROW / 2.0 + 4.0,
            value
        ));
    }
    if let Some(r) = reference {
        s.line(html!(
            r#"<line class="ref" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/>"#,
            x(r),
            top - 4.0,
            x(r),
            bottom
        ));
    }
    s.line(Html::lit("</svg>"));
    s
}

/// The baseline's median wall time run after run: one `<path class="trend-line">`, one
/// `<path class="trend-point">` per history point, its min–max as a whisker, and a dashed line
/// where the toolchain changed.
fn trend_chart(t: &Trend) -> Html {
    let (left, right, top, bottom_pad) = (64.0, 24.0, 24.0, 44.0);
    let plot_w = 820.0f64.max(36.0 * t.points.len() as f64);
    let plot_h = 200.0;
    let width = left + plot_w + right;
    let height = top + plot_h + bottom_pad;
    let max = t
        .points
        .iter()
        .map(|p| finite(p.wall_s.max.max(p.wall_s.median)))
        .fold(0.0, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let n = t.points.len().max(1) as f64;
    let x = |i: usize| left + (i as f64 + 0.5) * plot_w / n;
    let y = |v: f64| top + plot_h - finite(v) / max * plot_h;
    let mut s = Html::new();
    s.line(html!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{} history">"#,
        width,
        height,
        width,
        height,
        t.scenario
    ));
    let step = tick_step(max);
    let mut v = 0.0;
    while v <= max + 1e-9 {
        s.line(html!(
            r#"<line class="axis" x1="{}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left,
            y(v),
            left + plot_w,
            y(v),
            left - 6.0,
            y(v) + 4.0,
            format_seconds(v)
        ));
        v += step;
    }
    // Under the first and last points, and under every point when there are few: the day and
    // the time (the year is in the table), as several runs a day are common.
    let every = (t.points.len() / 8).max(1);
    for (i, p) in t.points.iter().enumerate() {
        if i % every == 0 || i + 1 == t.points.len() {
            s.line(html!(
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                top + plot_h + 16.0,
                &date_time(p.finished_at)[5..16]
            ));
        }
    }
    let mut line = String::new();
    for (i, p) in t.points.iter().enumerate() {
        let _ = write!(
            line,
            "{}{:.1},{:.1} ",
            if i == 0 { "M" } else { "L" },
            x(i),
            y(p.wall_s.median)
        );
    }
    let mut previous: Option<&str> = None;
    for (i, p) in t.points.iter().enumerate() {
        if previous.is_some_and(|prev| prev != p.rustc) {
            let xc = (x(i - 1) + x(i)) / 2.0;
            s.line(html!(
                r#"<line class="toolchain-change" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                xc,
                top,
                xc,
                top + plot_h,
                xc + 3.0,
                top - 6.0,
                clip(&toolchain_version(&p.rustc), 24)
            ));
        }
        previous = Some(&p.rustc);
    }
    if let Some(first) = t.points.first() {
        s.line(html!(
            r#"<text x="{}" y="{:.1}">{}</text>"#,
            left,
            top - 6.0,
            clip(&toolchain_version(&first.rustc), 24)
        ));
    }
    s.line(html!(
        r#"<path class="trend-line" d="{}"/>"#,
        line.trim_end()
    ));
    for (i, p) in t.points.iter().enumerate() {
        let xc = x(i);
        let (lo, hi) = (y(p.wall_s.min), y(p.wall_s.max));
        s.line(html!(
            r#"<path class="trend-range" d="M{:.1},{:.1} V{:.1} M{:.1},{:.1} H{:.1} M{:.1},{:.1} H{:.1}"/>"#,
            xc,
            lo,
            hi,
            xc - 4.0,
            lo,
            xc + 4.0,
            xc - 4.0,
            hi,
            xc + 4.0
        ));
        let tip = format!(
            "{} ({}): median {}, min {}, max {}; {}{}",
            date_time(p.finished_at),
            p.command,
            secs(p.wall_s.median),
            secs(p.wall_s.min),
            secs(p.wall_s.max),
            p.rustc,
            p.commit
                .as_deref()
                .map_or_else(String::new, |c| format!("; commit {}", short(c)))
        );
        s.line(html!(
            r#"<path class="trend-point" d="M{:.1},{:.1} a4,4 0 1,0 8,0 a4,4 0 1,0 -8,0 Z"><title>{}</title></path>"#,
            xc - 4.0,
            y(p.wall_s.median),
            tip
        ));
    }
    s.line(Html::lit("</svg>"));
    s
}

/// `1.95.0` out of `rustc 1.95.0 (59807616e 2026-04-14)`.
fn toolchain_version(rustc: &str) -> String {
    rustc
        .split_whitespace()
        .nth(1)
        .map_or_else(|| rustc.to_owned(), |v| format!("rustc {v}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markup in every text field a report can carry, from names, paths, changes and files.
    const HOSTILE: &str = "<img src=x onerror=alert(1)>\"'&</td><script>x</script>";

    fn hostile_report() -> OverviewReport {
        use cargo_tune_schema::*;
        let mut finding = Finding::new(FindingCode::DuplicateVersion, HOSTILE, HOSTILE);
        finding.cost = Some(Cost {
            cpu_s: 1.0,
            critical_path_s: 0.5,
            critical_path_range_s: Some([0.4, 0.6]),
            within_noise: false,
        });
        finding.suggestions.push(Suggestion {
            summary: HOSTILE.to_owned(),
            change: SuggestedChange::Manual {
                text: HOSTILE.to_owned(),
            },
        });
        let wall = Summary3 {
            median: 2.0,
            min: 1.5,
            max: 2.5,
        };
        let measurement = PlanMeasurement {
            candidate: HOSTILE.to_owned(),
            scenario: HOSTILE.to_owned(),
            verdict: Verdict::Faster,
            ratio: Some(0.8),
            interval: Some(Interval {
                low: 0.7,
                high: 0.9,
                confidence: 0.95,
            }),
            baseline_s: Some(2.0),
            pairs: Some(2),
        };
        OverviewReport {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current(HOSTILE),
            workspace_root: HOSTILE.to_owned(),
            generated_at: 0,
            inputs: vec![ReportInput {
                kind: HOSTILE.to_owned(),
                path: HOSTILE.to_owned(),
                state: InputState::Unreadable,
                note: Some(HOSTILE.to_owned()),
            }],
            audit: AuditReport {
                format_version: FORMAT_VERSION,
                tool: ToolInfo::current("0"),
                workspace_root: HOSTILE.to_owned(),
                members: 1,
                packages: 1,
                summary: Summary::of(std::slice::from_ref(&finding)),
                findings: vec![finding],
                profiles: Vec::new(),
                toolchain: Default::default(),
                unit_graph: Default::default(),
                lockfile_aside: Some(HOSTILE.to_owned()),
            },
            plan: Some(PlanRecord {
                format_version: PLAN_FORMAT_VERSION,
                tool: ToolInfo::current("0"),
                goal: Goal::Dev,
                partial: false,
                end: PlanEnd::Converged,
                fingerprint: Fingerprint {
                    rustc: HOSTILE.to_owned(),
                    host: HOSTILE.to_owned(),
                    commit: Some(HOSTILE.to_owned()),
                    lockfile: None,
                    root_manifest: String::new(),
                },
                scenarios: vec![HOSTILE.to_owned()],
                runs: 1,
                budget_s: 1,
                elapsed_s: 1,
                candidates: vec![PlanCandidate {
                    id: HOSTILE.to_owned(),
                    summary: HOSTILE.to_owned(),
                    phase: 1,
                    cost: HOSTILE.to_owned(),
                    risk: HOSTILE.to_owned(),
                    slot: String::new(),
                    changes: Vec::new(),
                }],
                rounds: Vec::new(),
                steps: vec![PlanStep {
                    candidate: HOSTILE.to_owned(),
                    measurements: vec![measurement.clone()],
                    cumulative: vec![ScenarioRatio {
                        scenario: HOSTILE.to_owned(),
                        ratio: 0.8,
                    }],
                }],
                rejected: vec![PlanRejection {
                    candidate: HOSTILE.to_owned(),
                    reason: HOSTILE.to_owned(),
                    measurements: vec![measurement],
                }],
                ci: None,
            }),
            measured: vec![MeasuredRun {
                command: HOSTILE.to_owned(),
                source: HOSTILE.to_owned(),
                finished_at: Some(0),
                rustc: HOSTILE.to_owned(),
                commit: Some(HOSTILE.to_owned()),
                runs: 1,
                scenarios: vec![MeasuredScenario {
                    scenario: HOSTILE.to_owned(),
                    variants: vec![MeasuredVariant {
                        variant: HOSTILE.to_owned(),
                        changes: vec![HOSTILE.to_owned()],
                        wall_s: Some(wall),
                        failed: false,
                        ratio: Some(0.9),
                        interval: None,
                        verdict: Some(Verdict::Noise),
                    }],
                }],
            }],
            timings: None,
            trends: vec![Trend {
                scenario: HOSTILE.to_owned(),
                points: (0..2)
                    .map(|i| TrendPoint {
                        finished_at: i,
                        command: HOSTILE.to_owned(),
                        wall_s: wall,
                        rustc: format!("{HOSTILE}{i}"),
                        commit: Some(HOSTILE.to_owned()),
                        dirty: Some(true),
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn every_text_is_escaped() {
        let mut out = Vec::new();
        render_overview_html(&hostile_report(), &RenderOptions::default(), &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(
            !html.contains("<img") && !html.contains("<script"),
            "{html}"
        );
        assert!(!html.contains("</td><script"));
        // Every field made it onto the page, as text.
        assert!(html.matches("&lt;img src=x onerror=alert(1)&gt;").count() > 20);
        // Attribute values cannot be closed early either.
        for tag in html.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap();
            assert_eq!(tag.matches('"').count() % 2, 0, "{tag}");
        }
    }

    #[test]
    fn a_huge_interval_does_not_flatten_the_bars() {
        let bar = |value, range| Bar {
            label: "a".to_owned(),
            value,
            beneath: None,
            range,
            class: "bar ratio",
            tip: String::new(),
        };
        // A two-run interval as `plan` measured one on mini-redis.
        let chart = bar_chart(
            "x",
            &[bar(0.678, Some((0.0, 133_284_263.578))), bar(0.8, None)],
            Some(1.0),
            Axis::Ratio,
        );
        let widths: Vec<f64> = chart
            .split("<path class=\"bar ratio\" d=\"M")
            .skip(1)
            .map(|rest| {
                let d: Vec<&str> = rest.split('"').next().unwrap().split(' ').collect();
                let x0: f64 = d[0].split(',').next().unwrap().parse().unwrap();
                let x1: f64 = d[1].trim_start_matches('H').parse().unwrap();
                x1 - x0
            })
            .collect();
        assert_eq!(widths.len(), 2);
        assert!(widths.iter().all(|w| *w > PLOT_W * 0.1), "{widths:?}");
        // The whisker ends at the plot's edge, not beyond it.
        assert!(!chart.contains("NaN") && !chart.contains("inf"));
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(tick_step(10.0), 2.0);
        assert_eq!(tick_step(0.7), 0.2);
        assert_eq!(tick_step(1.08), 0.25);
    }
}
