//! The charts of the pages, as inline SVG built from [`Html`]: horizontal bars with ranges and
//! a reference line, a trend over time, and the Gantt chart of a build. One axis serves them
//! all: round steps, and seconds written one way.

use std::collections::HashSet;
use std::fmt::Write as _;

use cargo_tune_schema::{TimingsReport, Trend, TrendPoint, UnitTiming};

use super::html::{Html, html};
use super::short_commit;
use super::timings::label as unit_label;
use crate::text::date::date_time;
use crate::text::secs;

/// One bar of a horizontal bar chart.
pub(super) struct Bar {
    pub(super) label: String,
    pub(super) value: f64,
    /// A larger value of the same row drawn beneath, lighter (the CPU seconds under a critical
    /// path saving).
    pub(super) beneath: Option<f64>,
    pub(super) range: Option<(f64, f64)>,
    /// `bar …`: what the bar is, for the page's styles.
    pub(super) class: &'static str,
    pub(super) tip: String,
}

// The axis.

/// What an axis counts, and so how its values read.
#[derive(Clone, Copy)]
pub(super) enum Axis {
    Seconds,
    Ratio,
}

impl Axis {
    /// A tick's label, or a bar's value: `0`, `0.25s`, `2.5s`, `12s`; `0.80`.
    fn tick(self, v: f64) -> String {
        match self {
            Axis::Seconds => format_seconds(v),
            Axis::Ratio => format!("{v:.2}"),
        }
    }
}

/// Seconds, with fewer places as they grow, so that a label stays short.
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
    round_step(max / 5.0)
}

/// The smallest round step (1, 2, 2.5 or 5 times a power of ten) of at least `raw`.
fn round_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// The ticks from zero to `max`, `step` apart.
fn ticks(max: f64, step: f64) -> impl Iterator<Item = f64> {
    std::iter::successors(Some(0.0), move |t| Some(t + step)).take_while(move |t| *t <= max + 1e-9)
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

// Bars.

const LABEL_W: f64 = 280.0;
const PLOT_W: f64 = 560.0;
const ROW: f64 = 24.0;

/// Horizontal bars from zero, each with its range as a whisker, and a dashed reference line
/// (1.0 for ratios). Every bar is a `<path class="bar …">`.
pub(super) fn bar_chart(name: &str, bars: &[Bar], reference: Option<f64>, axis: Axis) -> Html {
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
    let bottom = top + ROW * bars.len() as f64;
    for t in ticks(max, tick_step(max)) {
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

// Trends.

/// The baseline's median wall time run after run: one `<path class="trend-line">`, one
/// `<path class="trend-point">` per history point, its min–max as a whisker, and a dashed line
/// where the toolchain changed.
/// When a trend's point was measured, by which command, and its median, fastest and slowest wall
/// time: what its tooltip and its row of the table say.
pub(super) fn point_text(p: &TrendPoint) -> [String; 5] {
    [
        date_time(p.finished_at),
        p.command.clone(),
        secs(p.wall_s.median),
        secs(p.wall_s.min),
        secs(p.wall_s.max),
    ]
}

pub(super) fn trend_chart(t: &Trend) -> Html {
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
    for v in ticks(max, tick_step(max)) {
        s.line(html!(
            r#"<line class="axis" x1="{}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left,
            y(v),
            left + plot_w,
            y(v),
            left - 6.0,
            y(v) + 4.0,
            Axis::Seconds.tick(v)
        ));
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
        let [when, command, median, min, max] = point_text(p);
        let tip = format!(
            "{when} ({command}): median {median}, min {min}, max {max}; {}{}",
            p.rustc,
            p.commit
                .as_deref()
                .map_or_else(String::new, |c| format!("; commit {}", short_commit(c)))
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

// The Gantt chart.

/// The Gantt chart's own styles, as the SVG is also a file on its own.
const GANTT_STYLE: &str = "<style>.unit{fill:#95cce8}.unit.build-script,.unit.run-build-script{fill:#f0b165}.unit.proc-macro{fill:#c39be8}.rmeta{fill:#000;fill-opacity:.15}.critical{stroke:#d00;stroke-width:2}.unfinished{fill:#ddd;stroke:#e80000;stroke-dasharray:3 2}.critical-link{stroke:#d00;stroke-width:1.5;fill:none}.grid{stroke:#e6e6e6}text{fill:#222}</style>";

/// A Gantt chart of the build: one bar per unit (the metadata part shaded), the critical path
/// drawn over it. No script, no external resource, so that it is also a file on its own.
pub(super) fn gantt(r: &TimingsReport) -> Html {
    const ROW: f64 = 18.0;
    const LABEL_W: f64 = 300.0;
    const CHART_W: f64 = 900.0;
    const TOP: f64 = 40.0;
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
    // About twenty grid lines at most, as a build's times are read off them.
    for t in ticks(wall, round_step(wall / 20.0)) {
        let x = LABEL_W + t * scale;
        s.line(html!(
            r#"<line class="grid" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x,
            TOP - 8.0,
            x,
            height - 25.0,
            x,
            TOP - 12.0,
            Axis::Seconds.tick(t)
        ));
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
            unit_label(u)
        ));
        let tip = format!(
            "{}: starts {}, takes {}{}",
            unit_label(u),
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

#[cfg(test)]
mod tests {
    use super::*;

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
