//! `cargo tune bench` and `cargo tune try` as a terminal table and as Markdown.

use std::fmt::Write as _;

use cargo_tune_schema::{Comparison, MeasureReport, RunContext, VariantOutcome, Verdict};

use super::RenderOptions;
use crate::text::{Styles, bytes, count, opt_interval, opt_ratio, opt_secs, paint, secs};

fn verdict_style(styles: &Styles, verdict: Verdict) -> anstyle::Style {
    match verdict {
        Verdict::Faster => styles.good,
        Verdict::Slower | Verdict::Failed => styles.error,
        Verdict::Inconclusive => styles.warning,
        _ => styles.dim,
    }
}

fn context_line(ctx: &RunContext) -> String {
    let mut line = format!(
        "{}, {}, {} ({}, {}); {} per variant after one warm-up; peak memory: {}",
        ctx.rustc,
        ctx.cargo,
        ctx.host,
        count(ctx.cores, "core"),
        count(ctx.jobs, "job"),
        count(ctx.runs, "run"),
        ctx.memory_method.kind
    );
    if let Some(ms) = ctx.memory_method.interval_ms {
        let _ = write!(line, " every {ms} ms");
    }
    if let Some(file) = &ctx.touched_file {
        let _ = write!(line, "; dev-incremental edits {file}");
    }
    for config in &ctx.common_config {
        let _ = write!(line, "; --config {config}");
    }
    if !ctx.packages.is_empty() {
        let _ = write!(line, "; -p {}", ctx.packages.join(" -p "));
    }
    if let Some(rev) = &ctx.git_revision {
        let short: String = rev.chars().take(12).collect();
        let _ = write!(
            line,
            "; git {short}{}",
            if ctx.git_dirty == Some(true) {
                " (dirty)"
            } else {
                ""
            }
        );
    }
    line
}

fn metrics_rows(scenario: &str, outcome: &VariantOutcome, rows: &mut Vec<[String; 8]>) {
    let Some(s) = &outcome.summary else { return };
    rows.push([
        scenario.to_owned(),
        outcome.variant.clone(),
        format!(
            "{} [{} – {}]",
            secs(s.wall_s.median),
            secs(s.wall_s.min),
            secs(s.wall_s.max)
        ),
        secs(s.cpu_s.median),
        s.peak_tree_rss_bytes
            .map_or_else(|| "-".to_owned(), |m| bytes(m.median)),
        s.max_process_rss_bytes
            .map_or_else(|| "-".to_owned(), |m| bytes(m.median)),
        bytes(s.artifact_bytes.median),
        format!("{:.0}", s.units_rebuilt.median),
    ]);
}

pub(super) fn table<const N: usize>(
    out: &mut String,
    header: [&str; N],
    rows: &[[String; N]],
    right: &[usize],
) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                text.push_str("  ");
            }
            if right.contains(&i) {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                if i + 1 < cells.len() {
                    text.push_str(&" ".repeat(pad));
                }
            }
        }
        text
    };
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().map(|h| (*h).to_owned()).collect())
    );
    for row in rows {
        let _ = writeln!(out, "{}", line(row.to_vec()));
    }
}

fn failures(out: &mut String, styles: &Styles, scenario: &str, outcomes: &[VariantOutcome]) {
    for o in outcomes {
        if let Some(f) = &o.failure {
            let _ = writeln!(
                out,
                "\n{}: {} failed in {} during {} ({})\n  command: {}",
                paint(styles.error, "error"),
                o.variant,
                scenario,
                f.during,
                f.status,
                f.command
            );
            for l in &f.last_lines {
                let _ = writeln!(out, "  | {l}");
            }
        }
    }
}

const METRIC_HEADER: [&str; 8] = [
    "scenario",
    "variant",
    "wall median [min – max]",
    "cpu",
    "peak memory (tree)",
    "largest process",
    "artifacts",
    "units rebuilt",
];

/// One line per variant and scenario that compiled through a compiler cache: what it served,
/// from the cache's own counters of each measured run.
fn compiler_cache_lines(report: &MeasureReport) -> Vec<String> {
    let mut lines = Vec::new();
    for s in &report.scenarios {
        for o in &s.variants {
            let Some(hits) = o.summary.as_ref().and_then(|m| m.compiler_cache_hits) else {
                continue;
            };
            let not_cacheable = crate::measure::stats::summarize(
                &o.runs
                    .iter()
                    .filter_map(|r| Some(r.compiler_cache?.not_cacheable as f64))
                    .collect::<Vec<_>>(),
            )
            .map_or(0.0, |n| n.median);
            let rate = o
                .summary
                .as_ref()
                .and_then(|m| m.compiler_cache_hit_rate)
                .map_or_else(
                    || "nothing looked up".to_owned(),
                    |r| {
                        format!(
                            "hit rate {:.0} % [{:.0} – {:.0} %]",
                            r.median * 100.0,
                            r.min * 100.0,
                            r.max * 100.0
                        )
                    },
                );
            let mut line = format!(
                "{} in {}: {:.0} compilations served from the cache per run (median), {rate}",
                o.variant, s.scenario, hits.median
            );
            if not_cacheable > 0.0 {
                let _ = write!(
                    line,
                    "; {not_cacheable:.0} not cacheable (`cargo tune cache verify` says why)"
                );
            }
            lines.push(line);
        }
    }
    lines
}

fn human_compiler_cache(text: &mut String, styles: &Styles, report: &MeasureReport) {
    let lines = compiler_cache_lines(report);
    if !lines.is_empty() {
        let _ = writeln!(text, "\n{}", paint(styles.bold, "Compiler cache"));
        for line in lines {
            let _ = writeln!(text, "  {line}");
        }
    }
}

fn md_compiler_cache(md: &mut String, report: &MeasureReport) {
    let lines = compiler_cache_lines(report);
    if !lines.is_empty() {
        md.push_str("\n**Compiler cache**\n\n");
        for line in lines {
            let _ = writeln!(md, "* {line}");
        }
    }
}

/// What the columns of a comparison mean, for the reader of a table.
fn explanation(report: &MeasureReport) -> String {
    let candidates = report.variants.len().saturating_sub(1);
    let confidence = report
        .scenarios
        .iter()
        .flat_map(|s| &s.comparisons)
        .find_map(|c| c.interval)
        .map_or(0.95, |i| i.confidence);
    format!(
        "ratio = geometric mean of candidate/baseline over rounds run in rotated order (below 1 is faster); \
         interval = {}% t-interval of that mean{}; \
         faster/slower only when the interval excludes 1 and most pairs agree; \
         noise = the interval lies within ±3%; inconclusive = these runs cannot tell",
        crate::text::interval::percent(confidence),
        if candidates > 1 {
            format!(" (95% shared by {candidates} candidates)")
        } else {
            String::new()
        }
    )
}

fn verdict_text(c: &Comparison) -> String {
    match (c.verdict, c.more_runs) {
        (Verdict::Faster, _) if c.best => "faster (best)".to_owned(),
        (Verdict::Inconclusive, Some(n)) => {
            format!(
                "inconclusive: about {n} more {} needed",
                if n == 1 { "run" } else { "runs" }
            )
        }
        (Verdict::Inconclusive, None) if c.interval.is_some() => {
            "inconclusive: over 200 more runs needed".to_owned()
        }
        (verdict, _) => verdict.as_str().to_owned(),
    }
}

/// `candidate-1  debuginfo-in-dev:dev = profile.dev.debug="line-tables-only" + …`, one line per
/// candidate.
fn candidate_lines(report: &MeasureReport) -> Vec<(String, String, String)> {
    report
        .variants
        .iter()
        .skip(1)
        .map(|v| {
            let mut expanded = v.expanded.join(" + ");
            if let Some(t) = &v.toolchain {
                let _ = write!(expanded, " (built with {})", t.rustc);
            }
            (v.name.clone(), v.changes.join(" + "), expanded)
        })
        .collect()
}

/// Each candidate's notes (a dylib's library path at run time), one line each.
fn variant_notes(report: &MeasureReport) -> Vec<String> {
    report
        .variants
        .iter()
        .skip(1)
        .flat_map(|v| {
            v.unstable
                .iter()
                .chain(&v.notes)
                .map(move |n| format!("{}: {n}", v.name))
        })
        .collect()
}

/// What a candidate built by another toolchain than the baseline's measures: the change and the
/// compiler together, unless a candidate of that toolchain alone was measured next to it.
fn toolchain_notes(report: &MeasureReport) -> Vec<String> {
    let baseline = report.variants.first().and_then(|v| v.toolchain.as_ref());
    let alone = |name: &str| {
        report.variants.iter().skip(1).find(|v| {
            v.toolchain.as_ref().is_some_and(|t| t.name == name)
                && v.expanded.iter().all(|e| e.starts_with("toolchain="))
        })
    };
    let mut notes = Vec::new();
    for v in report.variants.iter().skip(1) {
        let Some(t) = &v.toolchain else { continue };
        if baseline == Some(t) || v.expanded.iter().all(|e| e.starts_with("toolchain=")) {
            continue;
        }
        notes.push(match alone(&t.name) {
            Some(reference) => format!(
                "{} builds with {}, the baseline with {}: {} is {} alone, so the gap between their ratios is the change's own effect",
                v.name, t.rustc, report.context.rustc, reference.name, t.name
            ),
            None => format!(
                "{} builds with {}, the baseline with {}: part of the difference is the compiler itself; add `--vs {}` to measure {} alone",
                v.name, t.rustc, report.context.rustc, t.name, t.name
            ),
        });
    }
    notes
}

fn comparison_rows(report: &MeasureReport, styles: Option<&Styles>) -> Vec<[String; 8]> {
    let mut rows = Vec::new();
    for s in &report.scenarios {
        for c in &s.comparisons {
            let verdict = verdict_text(c);
            rows.push([
                s.scenario.clone(),
                c.candidate.clone(),
                opt_secs(c.baseline_median),
                opt_secs(c.candidate_median),
                opt_ratio(c.ratio),
                opt_interval(c.interval),
                format!("{}/{}", c.faster_pairs, c.pairs),
                match styles {
                    Some(st) => paint(verdict_style(st, c.verdict), verdict),
                    None if c.best => format!("**{verdict}**"),
                    None => verdict,
                },
            ]);
        }
    }
    rows
}

const COMPARISON_HEADER: [&str; 8] = [
    "scenario",
    "candidate",
    "baseline",
    "median",
    "ratio",
    "interval",
    "faster pairs",
    "verdict",
];

/// The workload line: what ran with each build, and how often.
fn workload_line(report: &MeasureReport) -> Option<String> {
    let w = report.context.workload.as_ref()?;
    Some(format!(
        "run time: `{}` in {} with each variant's build, {} after one warm-up, interleaved in rotated order (timeout {})",
        w.command.join(" "),
        w.cwd,
        count(w.runs, "run"),
        secs(w.timeout_s)
    ))
}

const RUNTIME_HEADER: [&str; 9] = [
    "scenario",
    "candidate",
    "build ratio",
    "run baseline",
    "run median",
    "runtime ratio",
    "interval",
    "runtime verdict",
    "size ratio",
];

fn runtime_rows(report: &MeasureReport, styles: Option<&Styles>) -> Vec<[String; 9]> {
    let mut rows = Vec::new();
    for s in &report.scenarios {
        let median = |name: &str| {
            s.variants
                .iter()
                .find(|v| v.variant == name)
                .and_then(|v| v.runtime.as_ref()?.summary)
                .map(|m| m.median)
        };
        let base = s.variants.first().map(|v| v.variant.as_str()).unwrap_or("");
        for c in s
            .comparisons
            .iter()
            .filter(|c| c.workload.runtime_verdict.is_some())
        {
            let w = &c.workload;
            let verdict = w.runtime_verdict.unwrap_or(Verdict::Inconclusive);
            let text = verdict.as_str().to_owned();
            rows.push([
                s.scenario.clone(),
                c.candidate.clone(),
                opt_ratio(c.ratio),
                opt_secs(median(base)),
                opt_secs(median(&c.candidate)),
                opt_ratio(w.runtime_ratio),
                opt_interval(w.runtime_interval),
                match styles {
                    Some(st) => paint(verdict_style(st, verdict), text),
                    None => text,
                },
                opt_ratio(w.size_ratio),
            ]);
        }
    }
    rows
}

/// Per variant: the workload's run time and the binary's size.
fn runtime_metric_rows(report: &MeasureReport) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    for s in &report.scenarios {
        for o in &s.variants {
            let Some(r) = &o.runtime else { continue };
            rows.push([
                s.scenario.clone(),
                o.variant.clone(),
                r.summary.map_or_else(
                    || "-".to_owned(),
                    |m| format!("{} [{} – {}]", secs(m.median), secs(m.min), secs(m.max)),
                ),
                o.binary_bytes.map_or_else(|| "-".to_owned(), bytes),
            ]);
        }
    }
    rows
}

const RUNTIME_METRIC_HEADER: [&str; 4] = [
    "scenario",
    "variant",
    "run time median [min – max]",
    "binary",
];

/// Each workload that failed with a variant's build: its status and stderr's last lines.
fn runtime_failures(report: &MeasureReport) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for s in &report.scenarios {
        for o in &s.variants {
            let Some(f) = o.runtime.as_ref().and_then(|r| r.failure.as_ref()) else {
                continue;
            };
            out.push((
                format!(
                    "the workload failed with {}'s build in {} during its {} ({}); its build results are kept\n  command: {}",
                    o.variant, s.scenario, f.during, f.status, f.command
                ),
                f.last_lines.clone(),
            ));
        }
    }
    out
}

fn human_runtime(text: &mut String, st: &Styles, report: &MeasureReport, compare: bool) {
    let Some(line) = workload_line(report) else {
        return;
    };
    let _ = writeln!(text, "\n{}", paint(st.bold, "Run time"));
    let _ = writeln!(text, "{}", paint(st.dim, line));
    let rows = runtime_rows(report, Some(st));
    if compare && !rows.is_empty() {
        table(text, RUNTIME_HEADER, &rows, &[2, 3, 4, 5, 8]);
        text.push('\n');
    }
    table(
        text,
        RUNTIME_METRIC_HEADER,
        &runtime_metric_rows(report),
        &[2, 3],
    );
    for (head, lines) in runtime_failures(report) {
        let _ = writeln!(text, "\n{}: {head}", paint(st.error, "error"));
        for l in lines {
            let _ = writeln!(text, "  | {l}");
        }
    }
}

fn md_runtime(md: &mut String, report: &MeasureReport, compare: bool) {
    let Some(line) = workload_line(report) else {
        return;
    };
    let _ = writeln!(md, "\n**Run time**\n\n{line}\n");
    let rows = runtime_rows(report, None);
    if compare && !rows.is_empty() {
        let _ = writeln!(
            md,
            "| {} |\n|---|---|---:|---:|---:|---:|---|---|---:|",
            RUNTIME_HEADER.join(" | ")
        );
        for row in rows {
            let _ = writeln!(md, "{}", crate::text::markdown::row(&row));
        }
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "| {} |\n|---|---|---:|---:|",
        RUNTIME_METRIC_HEADER.join(" | ")
    );
    for row in runtime_metric_rows(report) {
        let _ = writeln!(md, "{}", crate::text::markdown::row(&row));
    }
    for (head, lines) in runtime_failures(report) {
        let _ = writeln!(md, "\n**Error:** {}\n", head.replace("\n  ", " "));
        let _ = writeln!(md, "```text\n{}\n```", lines.join("\n"));
    }
}

/// Every variant's rows under [`METRIC_HEADER`], scenario by scenario.
fn all_metrics_rows(report: &MeasureReport) -> Vec<[String; 8]> {
    let mut rows = Vec::new();
    for s in &report.scenarios {
        for o in &s.variants {
            metrics_rows(&s.scenario, o, &mut rows);
        }
    }
    rows
}

/// The cache, run-time and failure sections that follow the metrics table.
fn human_after_metrics(text: &mut String, st: &Styles, report: &MeasureReport, compare: bool) {
    human_compiler_cache(text, st, report);
    human_runtime(text, st, report, compare);
    for s in &report.scenarios {
        failures(text, st, &s.scenario, &s.variants);
    }
}

/// The terminal table of a `try`.
pub fn render_try_human(report: &MeasureReport, options: &RenderOptions) -> String {
    let st = &options.styles;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} against the workspace as it is",
        paint(st.bold, "cargo tune try:"),
        count(report.variants.len().saturating_sub(1), "candidate")
    );
    for (name, written, expanded) in candidate_lines(report) {
        let _ = write!(text, "  {name}  {}", paint(st.literal, &written));
        if expanded != written {
            let _ = write!(text, " = {expanded}");
        }
        text.push('\n');
    }
    for note in variant_notes(report) {
        let _ = writeln!(text, "  {}", paint(st.dim, note));
    }
    let _ = writeln!(text, "{}\n", paint(st.dim, context_line(&report.context)));
    table(
        &mut text,
        COMPARISON_HEADER,
        &comparison_rows(report, Some(st)),
        &[2, 3, 4, 6],
    );
    for n in &report.not_measured {
        let _ = writeln!(
            text,
            "{}",
            paint(
                st.dim,
                format!(
                    "not measured: {} in {}: {}",
                    n.variant, n.scenario, n.reason
                )
            )
        );
    }
    let metric_rows = all_metrics_rows(report);
    if !metric_rows.is_empty() {
        let _ = writeln!(text, "\n{}", paint(st.bold, "Per variant (medians)"));
        table(&mut text, METRIC_HEADER, &metric_rows, &[2, 3, 4, 5, 6, 7]);
    }
    human_after_metrics(&mut text, st, report, true);
    for note in toolchain_notes(report) {
        let _ = writeln!(text, "\n{} {note}", paint(st.bold, "note:"));
    }
    let _ = writeln!(text, "\n{}", paint(st.dim, explanation(report)));
    text
}

/// The terminal table of a `bench`.
pub fn render_bench_human(report: &MeasureReport, options: &RenderOptions) -> String {
    let st = &options.styles;
    let mut text = String::new();
    let _ = writeln!(text, "{}", paint(st.bold, "cargo tune bench"));
    let _ = writeln!(text, "{}\n", paint(st.dim, context_line(&report.context)));
    table(
        &mut text,
        METRIC_HEADER,
        &all_metrics_rows(report),
        &[2, 3, 4, 5, 6, 7],
    );
    human_after_metrics(&mut text, st, report, false);
    text
}

fn md_failures(md: &mut String, scenario: &str, outcomes: &[VariantOutcome]) {
    for o in outcomes {
        if let Some(f) = &o.failure {
            let _ = writeln!(
                md,
                "\n**{} failed in {scenario}** during {} ({}): `{}`\n",
                o.variant, f.during, f.status, f.command
            );
            let _ = writeln!(md, "```text\n{}\n```", f.last_lines.join("\n"));
        }
    }
}

fn md_metrics(md: &mut String, scenario: &str, o: &VariantOutcome) {
    let mut rows = Vec::new();
    metrics_rows(scenario, o, &mut rows);
    for r in rows {
        let _ = writeln!(md, "{}", crate::text::markdown::row(&r));
    }
}

const MD_METRIC_HEADER: &str = "| scenario | variant | wall median [min – max] | cpu | peak memory (tree) | largest process | artifacts | units rebuilt |\n|---|---|---:|---:|---:|---:|---:|---:|";

/// The rows under [`MD_METRIC_HEADER`], then the cache, run-time and failure sections.
fn md_measurements(md: &mut String, report: &MeasureReport, compare: bool) {
    for s in &report.scenarios {
        for o in &s.variants {
            md_metrics(md, &s.scenario, o);
        }
    }
    md_compiler_cache(md, report);
    md_runtime(md, report, compare);
    for s in &report.scenarios {
        md_failures(md, &s.scenario, &s.variants);
    }
}

/// A `try` as GitHub-flavoured Markdown.
pub fn render_try_markdown(report: &MeasureReport, _options: &RenderOptions) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## cargo tune try: {} against the workspace as it is\n",
        count(report.variants.len().saturating_sub(1), "candidate")
    );
    for (name, written, expanded) in candidate_lines(report) {
        if expanded == written {
            let _ = writeln!(md, "* {name}: `{written}`");
        } else {
            let _ = writeln!(md, "* {name}: `{written}` = `{expanded}`");
        }
    }
    for note in variant_notes(report) {
        let _ = writeln!(md, "* {}", crate::text::markdown::cell(&note));
    }
    let _ = writeln!(md, "\n{}\n", context_line(&report.context));
    let _ = writeln!(
        md,
        "| {} |\n|---|---|---:|---:|---:|---|---:|---|",
        COMPARISON_HEADER.join(" | ")
    );
    for row in comparison_rows(report, None) {
        let _ = writeln!(md, "{}", crate::text::markdown::row(&row));
    }
    if !report.not_measured.is_empty() {
        md.push('\n');
        for n in &report.not_measured {
            let _ = writeln!(
                md,
                "* not measured: {} in {}: {}",
                n.variant, n.scenario, n.reason
            );
        }
    }
    for note in toolchain_notes(report) {
        let _ = writeln!(md, "\n**Note:** {note}");
    }
    let _ = writeln!(md, "\n{}", explanation(report));
    let _ = writeln!(md, "\n{MD_METRIC_HEADER}");
    md_measurements(&mut md, report, true);
    md
}

/// A `bench` as GitHub-flavoured Markdown.
pub fn render_bench_markdown(report: &MeasureReport, _options: &RenderOptions) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## cargo tune bench\n\n{}\n\n{MD_METRIC_HEADER}",
        context_line(&report.context)
    );
    md_measurements(&mut md, report, false);
    md
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{
        CompilerCacheCounts, Interval, Measurement, MemoryMethod, NotMeasured, RuntimeOutcome,
        ScenarioResult, ToolInfo, VariantFailure, VariantSpec, WorkloadComparison,
    };

    use super::*;
    use crate::measure::stats::summarize;
    use crate::measure::summaries;
    use crate::test_util;

    fn run(wall_s: f64) -> Measurement {
        Measurement {
            wall_s,
            user_s: wall_s * 0.8,
            sys_s: wall_s * 0.1,
            peak_tree_rss_bytes: Some(300 << 20),
            max_process_rss_bytes: Some(120 << 20),
            artifact_bytes: 15 << 20,
            units_rebuilt: 1,
            units_total: 10,
            harness_cpu_s: 0.004,
            compiler_cache: None,
            cache_restore_s: None,
        }
    }

    fn outcome(variant: &str, walls: &[f64], failure: Option<VariantFailure>) -> VariantOutcome {
        let runs: Vec<Measurement> = walls.iter().map(|w| run(*w)).collect();
        VariantOutcome {
            variant: variant.to_owned(),
            summary: summaries(&runs),
            runs,
            failure,
            cache_bytes: None,
            runtime: None,
            binary_bytes: None,
        }
    }

    fn report() -> MeasureReport {
        let spec = |name: &str, changes: &[&str], expanded: &[&str]| VariantSpec {
            name: name.to_owned(),
            changes: changes.iter().map(|c| (*c).to_owned()).collect(),
            expanded: expanded.iter().map(|c| (*c).to_owned()).collect(),
            config: Vec::new(),
            env: Vec::new(),
            rustflags: None,
            target_dir: format!("/ws/target/cargo-tune/<scenario>/{name}"),
            toolchain: None,
            unstable: Vec::new(),
            notes: Vec::new(),
        };
        let comparison = |candidate: &str, ratio: Option<f64>, verdict: Verdict| Comparison {
            candidate: candidate.to_owned(),
            baseline_median: Some(1.0),
            candidate_median: ratio,
            ratio,
            interval: ratio.map(|r| Interval {
                low: r - 0.05,
                high: r + 0.05,
                confidence: 0.975,
            }),
            verdict,
            pairs: 5,
            faster_pairs: if verdict == Verdict::Faster { 5 } else { 3 },
            more_runs: (verdict == Verdict::Inconclusive).then_some(1),
            best: false,
            workload: WorkloadComparison::default(),
        };
        let mut best = comparison("candidate-1", Some(0.9), Verdict::Faster);
        best.best = true;
        MeasureReport {
            format_version: 2,
            command: "try".to_owned(),
            tool: ToolInfo::current("0.1.0"),
            workspace_root: "/ws".to_owned(),
            context: RunContext {
                rustc: "rustc 1.95.0".to_owned(),
                cargo: "cargo 1.95.0".to_owned(),
                host: "x86_64-unknown-linux-gnu".to_owned(),
                jobs: 1,
                git_revision: Some("0123456789abcdef".to_owned()),
                git_dirty: Some(false),
                runs: 5,
                memory_method: MemoryMethod {
                    kind: "proc-tree-sampling".to_owned(),
                    interval_ms: Some(50),
                },
                touched_file: Some("crates/app/src/main.rs".to_owned()),
                common_config: vec!["profile.dev.debug=true".to_owned()],
                ..test_util::run_context()
            },
            variants: vec![
                spec("baseline", &[], &[]),
                spec(
                    "candidate-1",
                    &["debug=line-tables-only"],
                    &["profile.dev.debug=\"line-tables-only\""],
                ),
                spec("candidate-2", &["linker=mold"], &["linker=mold"]),
            ],
            not_measured: vec![NotMeasured {
                scenario: "check".to_owned(),
                variant: "candidate-2".to_owned(),
                reason: "`linker=mold` changes only linking, and check links nothing".to_owned(),
            }],
            scenarios: vec![
                ScenarioResult {
                    scenario: "dev-incremental".to_owned(),
                    rounds: Vec::new(),
                    variants: vec![
                        outcome("baseline", &[1.0, 1.1, 0.95, 1.0, 1.05], None),
                        outcome("candidate-1", &[0.9, 0.95, 0.85, 0.9, 0.92], None),
                        outcome("candidate-2", &[1.0, 0.95, 0.85, 1.1, 0.92], None),
                    ],
                    comparisons: vec![
                        best,
                        comparison("candidate-2", Some(0.98), Verdict::Inconclusive),
                    ],
                },
                ScenarioResult {
                    scenario: "check".to_owned(),
                    rounds: Vec::new(),
                    variants: vec![
                        outcome("baseline", &[2.0], None),
                        outcome(
                            "candidate-1",
                            &[],
                            Some(VariantFailure {
                                during: "warm-up".to_owned(),
                                command: "cargo check --workspace".to_owned(),
                                status: "exit status: 101".to_owned(),
                                last_lines: vec![
                                    "error: config profile `dev` is not valid".to_owned(),
                                ],
                            }),
                        ),
                    ],
                    comparisons: vec![Comparison {
                        baseline_median: Some(2.0),
                        pairs: 0,
                        faster_pairs: 0,
                        ..comparison("candidate-1", None, Verdict::Failed)
                    }],
                },
            ],
        }
    }

    #[test]
    fn try_renders_as_a_table_and_as_markdown() {
        let options = RenderOptions::default();
        let human = render_try_human(&report(), &options);
        insta::assert_snapshot!("try_human", human);
        let md = render_try_markdown(&report(), &options);
        insta::assert_snapshot!("try_markdown", md);
    }

    /// The workload's runs with each variant's build of `dev-incremental`: candidate-1 runs
    /// faster, candidate-2's program failed at its second run.
    fn with_workload() -> MeasureReport {
        let mut report = report();
        report.context.workload = Some(cargo_tune_schema::WorkloadInfo {
            name: "bin:app".to_owned(),
            command: vec!["app".to_owned(), "--bench".to_owned()],
            bin: Some("app".to_owned()),
            cwd: "/ws".to_owned(),
            runs: 3,
            timeout_s: 60.0,
        });
        let s = &mut report.scenarios[0];
        let runtime = |runs_s: &[f64], failure: Option<VariantFailure>| RuntimeOutcome {
            command: "/ws/target/cargo-tune/dev-incremental/x/debug/app --bench".to_owned(),
            runs_s: runs_s.to_vec(),
            summary: summarize(runs_s),
            failure,
        };
        s.variants[0].runtime = Some(runtime(&[0.5, 0.52, 0.51], None));
        s.variants[0].binary_bytes = Some(2 << 20);
        s.variants[1].runtime = Some(runtime(&[0.4, 0.41, 0.42], None));
        s.variants[1].binary_bytes = Some(3 << 20);
        s.variants[2].runtime = Some(runtime(
            &[0.5],
            Some(VariantFailure {
                during: "workload run 2".to_owned(),
                command: "/ws/…/app --bench".to_owned(),
                status: "killed after the timeout of 1m".to_owned(),
                last_lines: vec!["app: still warming up".to_owned()],
            }),
        ));
        s.comparisons[0].workload.runtime_ratio = Some(0.8);
        s.comparisons[0].workload.runtime_interval = Some(Interval {
            low: 0.78,
            high: 0.82,
            confidence: 0.975,
        });
        s.comparisons[0].workload.runtime_verdict = Some(Verdict::Faster);
        s.comparisons[0].workload.runtime_pairs = Some(3);
        s.comparisons[0].workload.size_ratio = Some(1.5);
        s.comparisons[1].workload.runtime_verdict = Some(Verdict::Failed);
        report
    }

    #[test]
    fn run_times_sizes_and_a_failed_workload_are_shown_beside_the_builds() {
        let options = RenderOptions::default();
        let human = render_try_human(&with_workload(), &options);
        let row = |name: &str, needle: &str| {
            human
                .lines()
                .filter(|l| l.starts_with("dev-incremental") && l.contains(name))
                .find(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("no {name} row with {needle}:\n{human}"))
                .to_owned()
        };
        let c1 = row("candidate-1", "[0.780, 0.820]");
        for cell in ["0.900", "0.510s", "0.410s", "0.800", "faster", "1.500"] {
            assert!(c1.contains(cell), "{cell} in {c1}");
        }
        assert!(row("candidate-2", "failed").contains(" - "), "{human}");
        assert!(row("baseline", "2.0 MiB").contains("0.510s [0.500s – 0.520s]"));
        assert!(row("candidate-1", "3.0 MiB").contains("0.410s [0.400s – 0.420s]"));
        assert!(
            human.contains(
                "the workload failed with candidate-2's build in dev-incremental during its workload run 2 (killed after the timeout of 1m)"
            ),
            "{human}"
        );
        assert!(human.contains("  | app: still warming up"), "{human}");

        let md = render_try_markdown(&with_workload(), &options);
        assert!(md.contains("**Run time**"), "{md}");
        assert!(
            md.lines()
                .any(|l| l.starts_with("| dev-incremental | candidate-1 |")
                    && l.contains("| 0.800 |")),
            "{md}"
        );
        assert!(md.contains("```text\napp: still warming up\n```"), "{md}");
        // Without a workload, nothing of it.
        let human = render_try_human(&report(), &options);
        assert!(!human.contains("Run time"));
    }

    #[test]
    fn a_variant_through_a_compiler_cache_says_what_it_served() {
        let mut report = report();
        let counts = [(3, 1, 2), (2, 2, 2), (4, 0, 2)];
        let through_cache = &mut report.scenarios[0].variants[2];
        for (run, (hits, misses, not_cacheable)) in through_cache.runs.iter_mut().zip(counts) {
            run.compiler_cache = Some(CompilerCacheCounts {
                hits,
                misses,
                not_cacheable,
                errors: 0,
            });
        }
        through_cache.summary = summaries(&through_cache.runs);
        let options = RenderOptions::default();
        let human = render_try_human(&report, &options);
        // Hit rates 3/4, 2/4 and 4/4 over the runs that had counters.
        let line = "candidate-2 in dev-incremental: 3 compilations served from the cache per run \
                    (median), hit rate 75 % [50 – 100 %]; 2 not cacheable";
        assert!(human.contains(line), "{human}");
        assert_eq!(human.matches("served from the cache").count(), 1, "{human}");
        let md = render_bench_markdown(&report, &options);
        assert!(
            md.contains(&format!("* {line}")),
            "the Markdown lists it too"
        );
    }

    #[test]
    fn units_read_well() {
        assert_eq!(secs(1.23456), "1.235s");
        assert_eq!(secs(75.0), "75.0s");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(7 << 19), "3.5 MiB");
        assert_eq!(count(1, "run"), "1 run");
        assert_eq!(count(2, "pair"), "2 pairs");
    }
}
