//! `cargo tune report` as one self-contained HTML page: tables that read without a script, and
//! charts drawn as inline SVG. Nothing is fetched: a Content-Security-Policy forbids every
//! resource but the page's own styles, so a page that tried would say so in the browser's
//! console.

use std::fmt::Write as _;

use cargo_tune_schema::{
    FeaturesReport, Finding, InputState, MeasuredRun, OverviewReport, PlanMeasurement, PlanRecord,
    Severity, TimingsReport, Trend,
};

use super::chart::{Axis, Bar, bar_chart, gantt, point_text, trend_chart};
use super::html::{Html, html};
use super::plan::{header as plan_header, phase_name};
use super::timings::{critical_path_table, headline as timings_headline};
use super::{RenderOptions, short_commit};
use crate::plan::predict::prediction_text;
use crate::text::date::date_time;
use crate::text::{count, opt_ratio, opt_secs, secs};

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
pub fn render_overview_html(r: &OverviewReport, _options: &RenderOptions) -> String {
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
    features(&mut s, r.features.as_ref());
    history(&mut s, &r.trends);
    inputs(&mut s, r);
    s.line(Html::lit("</body></html>"));
    s.into_string()
}

/// A section's note that it has nothing to show, and which command would fill it.
fn none(s: &mut Html, text: &'static str) {
    s.line(html!("<p class=\"none\">{}</p>", Html::lit(text)));
}

/// The note of [`none`], and the end of its section.
fn none_and_close(s: &mut Html, text: &'static str) {
    none(s, text);
    s.line(Html::lit("</section>"));
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
        return none_and_close(s, "No findings: the audit found nothing to report.");
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
    let mut t = opt_ratio(m.ratio);
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
        return none_and_close(
            s,
            "No plan yet: run <code>cargo tune plan --goal dev</code> (or <code>ci</code>, <code>release</code>).",
        );
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
            s.line(Html::lit("<p>Each step's time against the workspace as it was (below 1 is faster), with its interval:</p>"));
            s.push(bar_chart("plan steps", &bars, Some(1.0), Axis::Ratio));
        }
        s.line(Html::lit("<table><tr><th>#</th><th>step</th><th>phase</th><th>what</th><th>measured</th><th>predicted</th><th>risk</th><th>cost</th></tr>"));
        for (i, step) in p.steps.iter().enumerate() {
            let c = p.candidates.iter().find(|c| c.id == step.candidate);
            let cumulative = c
                .into_iter()
                .flat_map(|c| &c.predicted)
                .map(|r| html!("{}", prediction_text(r)));
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
                short_commit(c)
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
        return none_and_close(
            s,
            "No timings yet: run <code>cargo tune timings</code> (the Gantt chart and the costs of findings come from it).",
        );
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

fn features(s: &mut Html, f: Option<&FeaturesReport>) {
    s.line(Html::lit("<section id=\"features\"><h2>Feature sets</h2>"));
    let Some(r) = f else {
        return none_and_close(
            s,
            "No feature sets yet: run <code>cargo tune features</code> (what each feature set builds and costs, and the CI matrix).",
        );
    };
    let bars: Vec<Bar> = r
        .sets
        .iter()
        .filter_map(|set| {
            let (value, class, what) = match (set.measured_s, set.predicted_s) {
                (Some(m), _) => (m, "bar wall", "measured"),
                (None, Some(p)) => (p, "bar cost", "predicted"),
                _ => return None,
            };
            Some(Bar {
                label: set.spec.id.clone(),
                value,
                beneath: None,
                range: None,
                class,
                tip: format!(
                    "{}: {what} {} from clean; {} units",
                    set.flags,
                    secs(value),
                    set.units.as_ref().map_or(0, |u| u.count)
                ),
            })
        })
        .collect();
    match &r.basis {
        Some(b) => s.line(html!(
            "<p>Wall time of <code>cargo build</code> from clean per set: measured where <code>--measure</code> built it (blue), else predicted (orange) from the durations of <code>{}</code> ({} wall, {} jobs).</p>",
            super::features::basis_command(&b.command),
            secs(b.wall_s),
            b.jobs
        )),
        None => none(
            s,
            "No costs: run <code>cargo tune timings</code>, then <code>cargo tune features</code> again.",
        ),
    }
    if !bars.is_empty() {
        s.line(html!(
            "<div class=\"scroll\">{}</div>",
            bar_chart("feature sets", &bars, None, Axis::Seconds)
        ));
    }
    s.line(Html::lit("<table><tr><th>set</th><th>flags</th><th>units</th><th>added units</th><th>added packages</th><th>duplicates</th><th>test units</th><th>predicted</th><th>measured</th><th>same build as</th></tr>"));
    for set in &r.sets {
        let opt = |v: Option<f64>| v.map_or_else(String::new, secs);
        match &set.units {
            Some(u) => s.line(html!(
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                set.spec.id,
                set.flags,
                u.count,
                u.added_units,
                u.added_packages.len(),
                u.duplicates
                    .iter()
                    .map(|d| format!("{} {}", d.name, d.versions.join("/")))
                    .collect::<Vec<_>>()
                    .join(", "),
                set.test_units.as_ref().map_or(0, |t| t.count),
                opt(set.predicted_s),
                opt(set.measured_s),
                set.same_build_as.clone().unwrap_or_default()
            )),
            None => s.line(html!(
                "<tr><td>{}</td><td><code>{}</code></td><td colspan=\"8\">rejected by cargo: {}</td></tr>",
                set.spec.id,
                set.flags,
                set.rejected.clone().unwrap_or_default()
            )),
        }
    }
    s.line(Html::lit("</table>"));
    let m = &r.matrix;
    s.line(html!(
        "<h3>CI matrix <span class=\"meta\">({}, each checking what every set it names builds)</span></h3>",
        count(m.builds.len(), "build")
    ));
    s.line(Html::lit(
        "<table><tr><th>command</th><th>predicted</th><th>covers</th></tr>",
    ));
    for b in &m.builds {
        s.line(html!(
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
            b.command,
            b.predicted_s.map_or_else(String::new, secs),
            b.covers.join(" = ")
        ));
    }
    s.line(Html::lit("</table>"));
    s.line(Html::lit("<table><tr><th>list</th><th>builds</th><th>distinct</th><th>predicted, separate runners</th><th>predicted, one after another</th><th>source</th></tr>"));
    for (name, c) in [
        ("proposed", Some(&m.proposed)),
        ("each feature", Some(&m.each_feature)),
        ("powerset, depth 2", m.powerset.as_ref()),
    ] {
        let Some(c) = c else { continue };
        s.line(html!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            name,
            c.builds,
            c.distinct_builds.map_or_else(String::new, |d| d.to_string()),
            c.predicted_total_s.map_or_else(String::new, secs),
            c.predicted_sequential_s.map_or_else(String::new, secs),
            c.source
        ));
    }
    s.line(Html::lit("</table>"));
    for d in &r.dev_loop {
        s.line(html!(
            "<h3>Dev loop: {}</h3><p><code>cargo {}</code> builds {} fewer than the default features (predicted {} instead of {}); the first switch to the default features rebuilds {}.</p><pre>{}</pre>",
            d.package,
            d.alias_name,
            count(d.units_saved, "unit"),
            opt_secs(d.dev_predicted_s),
            opt_secs(d.default_predicted_s),
            count(d.switch.units_to_default, "unit"),
            d.alias
        ));
    }
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
            let [when, command, median, min, max] = point_text(p);
            s.line(html!(
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                when,
                command,
                median,
                min,
                max,
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
            short_commit(c),
            if dirty == Some(true) {
                " (uncommitted changes)"
            } else {
                ""
            }
        ),
        None => Html::new(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Markup in every text field a report can carry, from names, paths, changes and files.
    const HOSTILE: &str = "<img src=x onerror=alert(1)>\"'&</td><script>x</script>";

    fn hostile_features() -> cargo_tune_schema::FeaturesReport {
        use cargo_tune_schema::*;
        let h = || HOSTILE.to_owned();
        let units = Units {
            count: 2,
            packages: vec![h()],
            added_packages: vec![h()],
            added_units: 1,
            duplicates: vec![Duplicate {
                name: h(),
                versions: vec![h(), h()],
            }],
            compiled_twice: vec![h()],
            proc_macros: vec![h()],
        };
        let set = |measured: Option<f64>| FeatureSet {
            spec: SetSpec {
                id: h(),
                package: h(),
                kind: SetKind::Feature,
                features: vec![h()],
                no_default_features: true,
                all_features: false,
            },
            flags: h(),
            units: Some(units.clone()),
            test_units: Some(units.clone()),
            rejected: None,
            same_build_as: Some(h()),
            predicted_s: Some(1.0),
            prediction: None,
            measured_s: measured,
            measured: None,
        };
        let mut rejected = set(None);
        rejected.units = None;
        rejected.rejected = Some(h());
        let cost = MatrixCost {
            source: h(),
            builds: 1,
            distinct_builds: Some(1),
            not_costed: Some(h()),
            predicted_total_s: Some(1.0),
            predicted_sequential_s: Some(1.0),
            rejected: vec![h()],
        };
        FeaturesReport {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current("0"),
            workspace_root: h(),
            resolves: ResolveInfo {
                method: h(),
                cargo_calls: 1,
                from_memo: 0,
            },
            basis: Some(CostBasis {
                path: h(),
                command: h(),
                wall_s: 1.0,
                jobs: 2,
                simulated_s: 1.0,
            }),
            sets: vec![set(Some(2.0)), set(None), rejected],
            left_out: Vec::new(),
            matrix: CiMatrix {
                subcommand: h(),
                builds: vec![MatrixBuild {
                    package: h(),
                    flags: h(),
                    command: h(),
                    covers: vec![h()],
                    predicted_s: Some(1.0),
                }],
                covers_every_feature: true,
                each_feature: cost.clone(),
                proposed: cost.clone(),
                powerset: Some(cost),
                github_actions: h(),
            },
            dev_loop: vec![DevLoop {
                package: h(),
                set: h(),
                alias: h(),
                alias_name: h(),
                default_predicted_s: Some(2.0),
                dev_predicted_s: Some(1.0),
                units_saved: 1,
                switch: Switch {
                    units_to_default: 1,
                    units_to_dev: 1,
                    predicted_s: Some(1.0),
                    measured_s: None,
                },
                measured_default_s: None,
                measured_dev_s: None,
            }],
            context: None,
        }
    }

    fn hostile_report() -> OverviewReport {
        use cargo_tune_schema::*;
        let mut finding = Finding::new(FindingCode::DuplicateVersion, HOSTILE, HOSTILE);
        finding.cost = Some(Cost {
            cpu_s: 1.0,
            critical_path_s: 0.5,
            critical_path_range_s: Some([0.4, 0.6]),
            within_noise: false,
            expansion: None,
        });
        finding.suggestions.push(Suggestion::new(
            HOSTILE.to_owned(),
            SuggestedChange::Manual {
                text: HOSTILE.to_owned(),
            },
        ));
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
            cache_bytes: None,
            pairs: Some(2),
            workload: WorkloadComparison::default(),
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
                evidence: Default::default(),
                candidates: vec![PlanCandidate {
                    id: HOSTILE.to_owned(),
                    summary: HOSTILE.to_owned(),
                    phase: 1,
                    cost: HOSTILE.to_owned(),
                    risk: HOSTILE.to_owned(),
                    slot: String::new(),
                    changes: Vec::new(),
                    predicted: vec![cargo_tune_schema::PlanPrediction {
                        scenario: HOSTILE.to_owned(),
                        ratio: 0.8,
                        low: 0.7,
                        high: 0.9,
                        basis: HOSTILE.to_owned(),
                    }],
                    measured: Vec::new(),
                }],
                stages: Vec::new(),
                steps: vec![PlanStep {
                    candidate: HOSTILE.to_owned(),
                    measurements: vec![measurement.clone()],
                }],
                confirmation: None,
                unmeasured: Vec::new(),
                rejected: vec![PlanRejection {
                    candidate: HOSTILE.to_owned(),
                    reason: HOSTILE.to_owned(),
                    measurements: vec![measurement],
                }],
                ci: None,
                release: None,
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
            features: Some(hostile_features()),
        }
    }

    #[test]
    fn every_text_is_escaped() {
        let html = render_overview_html(&hostile_report(), &RenderOptions::default());
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
}
