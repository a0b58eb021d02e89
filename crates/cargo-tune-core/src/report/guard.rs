//! `cargo tune guard` as a terminal table, as Markdown (PR comments, `$GITHUB_STEP_SUMMARY`)
//! and as JUnit XML (CI test reporters).

use std::fmt::Write as _;

use cargo_tune_schema::{GuardReport, SloLevel, SloLimit, SloMetric, SloOutcome, SloResult};

use super::RenderOptions;
use crate::text::paint;
use crate::text::{bytes, secs};

fn value(metric: SloMetric, v: f64) -> String {
    match metric {
        SloMetric::Time => secs(v),
        SloMetric::PeakMemory | SloMetric::BinarySize => bytes(v as u64),
    }
}

/// `30s`, or `+10% (11.0s)` for a regression limit.
fn limit(r: &SloResult) -> String {
    match (r.limit, r.effective_limit) {
        (SloLimit::Regression { .. }, Some(eff)) => {
            format!("{} ({})", r.limit_text, value(r.metric, eff))
        }
        _ => r.limit_text.clone(),
    }
}

fn median(r: &SloResult) -> String {
    r.median
        .map_or_else(|| "-".to_owned(), |m| value(r.metric, m))
}

fn interval(r: &SloResult) -> String {
    match r.interval {
        Some(i) if i.low != i.high => crate::text::interval(&i)
            .values(&|v| value(r.metric, v))
            .confidence()
            .of(r.runs, "run")
            .to_string(),
        Some(_) => "exact".to_owned(),
        None => "-".to_owned(),
    }
}

/// `pass`, `fail`, `warn` (a failure at the warn level) or `inconclusive`.
fn verdict(r: &SloResult) -> &'static str {
    match (r.outcome, r.level) {
        (SloOutcome::Fail, SloLevel::Warn) => "warn",
        (o, _) => o.as_str(),
    }
}

fn headline(report: &GuardReport) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    for (n, word) in [
        (s.failed, "failed"),
        (s.warned, "warned"),
        (s.inconclusive, "inconclusive"),
        (s.passed, "passed"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    if parts.is_empty() {
        "no SLO checked".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The human table.
pub fn render_guard_human(report: &GuardReport, options: &RenderOptions) -> String {
    let st = &options.styles;
    let mut text = String::new();
    let rows: Vec<[String; 6]> = report
        .slos
        .iter()
        .map(|r| {
            [
                verdict(r).to_owned(),
                r.subject.clone(),
                r.metric.as_str().to_owned(),
                limit(r),
                median(r),
                interval(r),
            ]
        })
        .collect();
    let header = ["slo", "subject", "metric", "limit", "median", "interval"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        l.trim_end().to_owned()
    };
    let _ = writeln!(text, "{}", paint(st.bold, line(header)));
    for (row, r) in rows.iter().zip(&report.slos) {
        let style = match verdict(r) {
            "pass" => st.good,
            "fail" => st.error,
            "warn" => st.warning,
            _ => st.info,
        };
        let padded = format!("{:<w$}", row[0], w = widths[0]);
        let full = line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]);
        let rest = &full[padded.len()..];
        let _ = writeln!(text, "{}{}", paint(style, padded), rest);
    }
    not_passed_lines(&mut text, report, |r| {
        format!(
            "{}: {} {}: {}",
            verdict(r),
            r.subject,
            r.metric.as_str(),
            r.message
        )
    });
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "{} {} (SLOs from {}, baseline {}{})",
        paint(st.bold, "result:"),
        headline(report),
        report.spec_file,
        report.baseline_file,
        if report.baseline_updated {
            ", updated"
        } else if report.baseline.is_none() {
            ", none"
        } else {
            ""
        }
    );
    for note in &report.notes {
        let _ = writeln!(text, "{}: {note}", paint(st.info, "note"));
    }
    text
}

/// Markdown for a PR comment or a job summary.
pub fn render_guard_markdown(report: &GuardReport, _options: &RenderOptions) -> String {
    let mut text = String::new();
    let mark = if report.summary.failed > 0 {
        "failed"
    } else {
        "passed"
    };
    let _ = writeln!(text, "### cargo tune guard: {mark}\n");
    let _ = writeln!(text, "{}\n", headline(report));
    let _ = writeln!(
        text,
        "| slo | subject | metric | limit | median | interval |\n|---|---|---|---|---:|---|"
    );
    for r in &report.slos {
        let v = verdict(r);
        let v = if v == "pass" {
            v.to_owned()
        } else {
            format!("**{v}**")
        };
        let _ = writeln!(
            text,
            "| {v} | `{}` | {} | {} | {} | {} |",
            r.subject,
            r.metric.as_str(),
            crate::text::markdown::cell(&limit(r)),
            median(r),
            interval(r)
        );
    }
    not_passed_lines(&mut text, report, |r| {
        format!(
            "- **{}** `{}` {}: {}",
            verdict(r),
            r.subject,
            r.metric.as_str(),
            crate::text::markdown::cell(&r.message)
        )
    });
    let c = &report.context;
    let _ = writeln!(
        text,
        "\n<sub>{}, {} ({} jobs on {} cores), {} run(s); SLOs from `{}`, baseline `{}`{}</sub>",
        c.rustc,
        c.host,
        c.jobs,
        c.cores,
        c.runs,
        report.spec_file,
        report.baseline_file,
        if report.baseline_updated {
            " (updated by this run)"
        } else {
            ""
        }
    );
    for note in &report.notes {
        let _ = writeln!(text, "\n> {}", crate::text::markdown::cell(note));
    }
    text
}

/// Text safe inside an XML attribute or element: escaped, and without the control characters
/// XML 1.0 cannot carry (cargo's colour codes in a failure's last lines).
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test case per SLO; a failure at the deny level is a `<failure>`, an
/// inconclusive one is `<skipped>`, a failure at the warn level passes with its message in
/// `<system-out>`.
pub fn render_guard_junit(report: &GuardReport, _options: &RenderOptions) -> String {
    let tests = report.slos.len();
    let failures = report
        .slos
        .iter()
        .filter(|r| r.outcome == SloOutcome::Fail && r.level == SloLevel::Deny)
        .count();
    let skipped = report
        .slos
        .iter()
        .filter(|r| r.outcome == SloOutcome::Inconclusive)
        .count();
    let mut text = String::new();
    let _ = writeln!(text, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        text,
        r#"<testsuites name="cargo tune guard" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}">"#
    );
    let _ = writeln!(
        text,
        r#"  <testsuite name="slo" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}">"#
    );
    for r in &report.slos {
        let name = format!("{} {} <= {}", r.subject, r.metric.as_str(), limit(r));
        let time = match (r.metric, r.median) {
            (SloMetric::Time, Some(m)) => format!(r#" time="{m:.3}""#),
            _ => String::new(),
        };
        let _ = writeln!(
            text,
            r#"    <testcase classname="slo.{}" name="{}"{time}>"#,
            xml(&r.subject),
            xml(&name)
        );
        match (r.outcome, r.level) {
            (SloOutcome::Fail, SloLevel::Deny) => {
                let _ = writeln!(
                    text,
                    r#"      <failure type="slo-violated" message="{}">{}</failure>"#,
                    xml(&r.message),
                    xml(&r.message)
                );
            }
            (SloOutcome::Inconclusive, _) => {
                let _ = writeln!(
                    text,
                    r#"      <skipped message="inconclusive: {}"/>"#,
                    xml(&r.message)
                );
            }
            _ => {}
        }
        let _ = writeln!(
            text,
            "      <system-out>{}: {}</system-out>",
            verdict(r),
            xml(&r.message)
        );
        let _ = writeln!(text, "    </testcase>");
    }
    let _ = writeln!(text, "  </testsuite>");
    let _ = writeln!(text, "</testsuites>");
    text
}

/// The SLOs that did not pass, in report order: the ones that get a line of explanation.
/// After a blank line, a line for each SLO that did not pass, as `line` words it; nothing when
/// every one passed.
fn not_passed_lines(text: &mut String, report: &GuardReport, line: impl Fn(&SloResult) -> String) {
    let details = not_passed(report);
    if !details.is_empty() {
        let _ = writeln!(text);
        for r in details {
            let _ = writeln!(text, "{}", line(r));
        }
    }
}

fn not_passed(report: &GuardReport) -> Vec<&SloResult> {
    report
        .slos
        .iter()
        .filter(|r| r.outcome != SloOutcome::Pass)
        .collect()
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{
        FORMAT_VERSION, GuardSummary, Interval, MemoryMethod, RunContext, ToolInfo,
    };

    use super::*;
    use crate::test_util;

    fn report() -> GuardReport {
        let slo = |subject: &str, outcome, level, message: &str| SloResult {
            subject: subject.to_owned(),
            metric: SloMetric::Time,
            limit: SloLimit::Absolute { value: 30.0 },
            limit_text: "30s".to_owned(),
            effective_limit: Some(30.0),
            baseline: None,
            median: Some(12.5),
            interval: Some(Interval {
                low: 12.0,
                high: 13.0,
                confidence: 0.75,
            }),
            runs: 3,
            level,
            outcome,
            message: message.to_owned(),
        };
        GuardReport {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current("0.1.0"),
            workspace_root: "/ws".to_owned(),
            spec_file: "Cargo.toml".to_owned(),
            context: RunContext {
                rustc: "rustc 1.95.0".to_owned(),
                cargo: "cargo 1.95.0".to_owned(),
                host: "x86_64-unknown-linux-gnu".to_owned(),
                runs: 3,
                memory_method: MemoryMethod {
                    kind: "proc-tree-sampling".to_owned(),
                    interval_ms: Some(50),
                },
                ..test_util::run_context()
            },
            baseline_file: "tune-baseline.json".to_owned(),
            baseline: None,
            baseline_updated: false,
            slos: vec![
                slo("check", SloOutcome::Pass, SloLevel::Deny, "within"),
                slo(
                    "workload.x<&>",
                    SloOutcome::Fail,
                    SloLevel::Deny,
                    "`sh -c \"x\"` failed: \u{1b}[31merror\u{1b}[0m <boom> & 'more'",
                ),
                slo(
                    "dev-clean",
                    SloOutcome::Inconclusive,
                    SloLevel::Deny,
                    "straddles",
                ),
                slo("release-clean", SloOutcome::Fail, SloLevel::Warn, "over"),
            ],
            summary: GuardSummary {
                passed: 1,
                failed: 1,
                warned: 1,
                inconclusive: 1,
            },
            notes: vec!["a note".to_owned()],
        }
    }

    fn render(f: crate::report::Renderer<GuardReport>) -> String {
        f(&report(), &RenderOptions::default())
    }

    #[test]
    fn human_and_markdown_snapshots() {
        insta::assert_snapshot!("guard_human", render(render_guard_human));
        insta::assert_snapshot!("guard_markdown", render(render_guard_markdown));
    }

    #[test]
    fn junit_escapes_and_counts() {
        let xml = render(render_guard_junit);
        assert!(!xml.contains('\u{1b}'), "{xml}");
        assert!(
            xml.contains(r#"tests="4" failures="1" errors="0" skipped="1""#),
            "{xml}"
        );
        assert!(xml.contains("&lt;boom&gt; &amp; &apos;more&apos;"), "{xml}");
        assert!(
            xml.contains(r#"classname="slo.workload.x&lt;&amp;&gt;""#),
            "{xml}"
        );
        insta::assert_snapshot!("guard_junit", xml);
    }
}
