//! `cargo tune bench` and `cargo tune try` as a terminal table and as Markdown.

use std::fmt::Write as _;
use std::io;

use cargo_tune_schema::{
    BenchReport, RunContext, ScenarioComparison, TryReport, VariantOutcome, Verdict,
};

use super::{RenderOptions, Styles, emit, paint};

/// `1.234s` (three significant decimals below ten seconds).
pub fn secs(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.3}s")
    } else {
        format!("{value:.1}s")
    }
}

/// `12.3 MiB`.
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = value;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

fn opt_secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), secs)
}

fn verdict_style(styles: &Styles, verdict: Verdict) -> anstyle::Style {
    match verdict {
        Verdict::Faster => styles.good,
        Verdict::Slower | Verdict::Failed => styles.error,
        _ => styles.dim,
    }
}

fn context_line(ctx: &RunContext) -> String {
    let mut line = format!(
        "{}, {}, {} ({} cores, {} jobs); {} runs per variant after one warm-up; peak memory: {}",
        ctx.rustc, ctx.cargo, ctx.host, ctx.cores, ctx.jobs, ctx.runs, ctx.memory_method.kind
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

/// The terminal table of a `try`.
pub fn render_try_human(
    report: &TryReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let st = &options.styles;
    let mut text = String::new();
    let candidate = candidate_changes(report);
    let _ = writeln!(
        text,
        "{} {}",
        paint(st.bold, "cargo tune try"),
        paint(st.literal, &candidate)
    );
    let _ = writeln!(text, "{}\n", paint(st.dim, context_line(&report.context)));
    let rows: Vec<[String; 6]> = report
        .scenarios
        .iter()
        .map(|s| {
            [
                s.scenario.clone(),
                opt_secs(s.baseline),
                opt_secs(s.candidate),
                s.ratio
                    .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}")),
                interval_text(s),
                paint(verdict_style(st, s.verdict), s.verdict.as_str()),
            ]
        })
        .collect();
    table(
        &mut text,
        [
            "scenario",
            "baseline",
            "candidate",
            "ratio",
            "interval",
            "verdict",
        ],
        &rows,
        &[1, 2, 3],
    );
    let mut metric_rows = Vec::new();
    for s in &report.scenarios {
        for o in &s.variants {
            metrics_rows(&s.scenario, o, &mut metric_rows);
        }
    }
    if !metric_rows.is_empty() {
        let _ = writeln!(text, "\n{}", paint(st.bold, "Per variant (medians)"));
        table(&mut text, METRIC_HEADER, &metric_rows, &[2, 3, 4, 5, 6, 7]);
    }
    for s in &report.scenarios {
        failures(&mut text, st, &s.scenario, &s.variants);
    }
    let _ = writeln!(
        text,
        "\n{}",
        paint(
            st.dim,
            "ratio = median of candidate/baseline over interleaved pairs; the verdict is `noise` unless the interval excludes 1"
        )
    );
    emit(options, out, &text)
}

fn interval_text(s: &ScenarioComparison) -> String {
    match s.interval {
        Some(i) => format!(
            "[{:.3}, {:.3}] {:.0}% ({} pairs)",
            i.low,
            i.high,
            i.confidence * 100.0,
            s.pairs
        ),
        None => "-".to_owned(),
    }
}

/// The terminal table of a `bench`.
pub fn render_bench_human(
    report: &BenchReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let st = &options.styles;
    let mut text = String::new();
    let _ = writeln!(text, "{}", paint(st.bold, "cargo tune bench"));
    let _ = writeln!(text, "{}\n", paint(st.dim, context_line(&report.context)));
    let mut rows = Vec::new();
    for s in &report.scenarios {
        metrics_rows(&s.scenario, &s.result, &mut rows);
    }
    table(&mut text, METRIC_HEADER, &rows, &[2, 3, 4, 5, 6, 7]);
    for s in &report.scenarios {
        failures(&mut text, st, &s.scenario, std::slice::from_ref(&s.result));
    }
    emit(options, out, &text)
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
        let _ = writeln!(md, "| {} |", r.join(" | "));
    }
}

const MD_METRIC_HEADER: &str = "| scenario | variant | wall median [min – max] | cpu | peak memory (tree) | largest process | artifacts | units rebuilt |\n|---|---|---:|---:|---:|---:|---:|---:|";

/// The changes of the candidate, as the user wrote them.
fn candidate_changes(report: &TryReport) -> String {
    report
        .variants
        .get(1)
        .map(|v| v.changes.join(" "))
        .unwrap_or_default()
}

/// A `try` as GitHub-flavoured Markdown.
pub fn render_try_markdown(
    report: &TryReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let mut md = String::new();
    let candidate = candidate_changes(report);
    let _ = writeln!(
        md,
        "## cargo tune try `{candidate}`\n\n{}\n",
        context_line(&report.context)
    );
    let _ = writeln!(
        md,
        "| scenario | baseline | candidate | ratio | interval | verdict |\n|---|---:|---:|---:|---|---|"
    );
    for s in &report.scenarios {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | **{}** |",
            s.scenario,
            opt_secs(s.baseline),
            opt_secs(s.candidate),
            s.ratio
                .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}")),
            interval_text(s),
            s.verdict.as_str()
        );
    }
    let _ = writeln!(md, "\n{MD_METRIC_HEADER}");
    for s in &report.scenarios {
        for o in &s.variants {
            md_metrics(&mut md, &s.scenario, o);
        }
    }
    for s in &report.scenarios {
        md_failures(&mut md, &s.scenario, &s.variants);
    }
    emit(options, out, &md)
}

/// A `bench` as GitHub-flavoured Markdown.
pub fn render_bench_markdown(
    report: &BenchReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## cargo tune bench\n\n{}\n\n{MD_METRIC_HEADER}",
        context_line(&report.context)
    );
    for s in &report.scenarios {
        md_metrics(&mut md, &s.scenario, &s.result);
    }
    for s in &report.scenarios {
        md_failures(&mut md, &s.scenario, std::slice::from_ref(&s.result));
    }
    emit(options, out, &md)
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{
        Interval, Measurement, MemoryMethod, ScenarioComparison, ToolInfo, VariantFailure,
        VariantSpec,
    };

    use super::*;
    use crate::measure::summaries;

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
        }
    }

    fn outcome(variant: &str, walls: &[f64], failure: Option<VariantFailure>) -> VariantOutcome {
        let runs: Vec<Measurement> = walls.iter().map(|w| run(*w)).collect();
        VariantOutcome {
            variant: variant.to_owned(),
            summary: summaries(&runs),
            runs,
            failure,
        }
    }

    fn report() -> TryReport {
        let spec = |name: &str, changes: &[&str]| VariantSpec {
            name: name.to_owned(),
            changes: changes.iter().map(|c| (*c).to_owned()).collect(),
            config: Vec::new(),
            env: Vec::new(),
            rustflags: None,
            target_dir: format!("/ws/target/cargo-tune/<scenario>/{name}"),
        };
        TryReport {
            format_version: 1,
            tool: ToolInfo::current("0.1.0"),
            workspace_root: "/ws".to_owned(),
            context: RunContext {
                rustc: "rustc 1.95.0".to_owned(),
                cargo: "cargo 1.95.0".to_owned(),
                host: "x86_64-unknown-linux-gnu".to_owned(),
                cores: 2,
                jobs: 2,
                git_revision: Some("0123456789abcdef".to_owned()),
                git_dirty: Some(false),
                runs: 5,
                memory_method: MemoryMethod {
                    kind: "proc-tree-sampling".to_owned(),
                    interval_ms: Some(50),
                },
                touched_file: Some("crates/app/src/main.rs".to_owned()),
                controlled_env: Vec::new(),
                common_config: vec!["profile.dev.debug=true".to_owned()],
                packages: vec![],
            },
            variants: vec![
                spec("baseline", &[]),
                spec("candidate", &["debug=line-tables-only"]),
            ],
            scenarios: vec![
                ScenarioComparison {
                    scenario: "dev-incremental".to_owned(),
                    baseline: Some(1.0),
                    candidate: Some(0.9),
                    ratio: Some(0.9),
                    interval: Some(Interval {
                        low: 0.85,
                        high: 0.95,
                        confidence: 0.9375,
                    }),
                    verdict: Verdict::Faster,
                    pairs: 5,
                    variants: vec![
                        outcome("baseline", &[1.0, 1.1, 0.95, 1.0, 1.05], None),
                        outcome("candidate", &[0.9, 0.95, 0.85, 0.9, 0.92], None),
                    ],
                },
                ScenarioComparison {
                    scenario: "check".to_owned(),
                    baseline: Some(2.0),
                    candidate: None,
                    ratio: None,
                    interval: None,
                    verdict: Verdict::Failed,
                    pairs: 0,
                    variants: vec![
                        outcome("baseline", &[2.0], None),
                        outcome(
                            "candidate",
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
                },
            ],
        }
    }

    #[test]
    fn try_renders_as_a_table_and_as_markdown() {
        let options = RenderOptions::default();
        let mut human = Vec::new();
        render_try_human(&report(), &options, &mut human).unwrap();
        insta::assert_snapshot!("try_human", String::from_utf8(human).unwrap());
        let mut md = Vec::new();
        render_try_markdown(&report(), &options, &mut md).unwrap();
        insta::assert_snapshot!("try_markdown", String::from_utf8(md).unwrap());
    }

    #[test]
    fn units_read_well() {
        assert_eq!(secs(1.23456), "1.235s");
        assert_eq!(secs(75.0), "75.0s");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3.5 * 1024.0 * 1024.0), "3.5 MiB");
    }
}
