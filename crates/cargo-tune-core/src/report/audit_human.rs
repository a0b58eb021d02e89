use std::fmt::Write as _;
use std::io;

use cargo_tune_schema::{Area, AuditReport, Finding, SuggestedChange};

use super::{RenderOptions, emit};
use crate::text::paint;

/// Writes an audit report for a terminal: findings in the style of rustc diagnostics, then the
/// effective profiles, the toolchain and a one-line summary.
pub fn render_audit_human(
    report: &AuditReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let s = &options.styles;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} ({} members, {} packages)\n",
        paint(s.bold, "audit of"),
        paint(s.literal, &report.workspace_root),
        report.members,
        report.packages
    );
    // Measured costs come first: they say which finding is worth fixing.
    let mut costed: Vec<(&Finding, &cargo_tune_schema::Cost)> = report
        .findings
        .iter()
        .filter_map(|f| f.cost.as_ref().map(|c| (f, c)))
        .collect();
    if !costed.is_empty() {
        costed.sort_by(|a, b| {
            b.1.critical_path_s
                .total_cmp(&a.1.critical_path_s)
                .then(b.1.cpu_s.total_cmp(&a.1.cpu_s))
        });
        let _ = writeln!(
            text,
            "{}",
            paint(
                s.bold,
                "findings by measured cost (from cargo tune timings)"
            )
        );
        let _ = writeln!(text, "  {:>14} {:>10}  finding", "critical path", "CPU");
        for (finding, cost) in costed {
            let _ = writeln!(
                text,
                "  {:>14} {:>10}  {}{}",
                crate::text::secs(cost.critical_path_s),
                crate::text::secs(cost.cpu_s),
                finding.id,
                if cost.within_noise {
                    paint(s.dim, " (within noise)")
                } else {
                    String::new()
                }
            );
        }
        text.push('\n');
    }
    // Grouped by analysis; within a group the report's order (severity first) is kept.
    let mut areas: Vec<Area> = report.findings.iter().map(|f| f.code.area()).collect();
    areas.sort();
    areas.dedup();
    for area in areas {
        let in_area: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.code.area() == area)
            .collect();
        let _ = writeln!(
            text,
            "{} {}\n",
            paint(s.bold, area.title()),
            paint(s.dim, format_args!("({})", in_area.len()))
        );
        for group in group_by_code(&in_area) {
            if group.len() >= GROUP_AT && !options.verbose {
                write_group(&mut text, &group, options);
            } else {
                for finding in group {
                    write_finding(&mut text, finding, options);
                }
            }
        }
    }
    if !report.profiles.is_empty() {
        let _ = writeln!(text, "{}", paint(s.bold, "effective profiles"));
        let width = report
            .profiles
            .iter()
            .map(|p| p.name.len())
            .max()
            .unwrap_or(0)
            + 2;
        for profile in &report.profiles {
            let values: Vec<String> = profile
                .values
                .iter()
                .filter(|v| !v.key.contains('.'))
                .map(|v| format!("{}={}", v.key, toml_like(&v.value)))
                .collect();
            let inherits = if profile.inherits.is_empty() {
                String::new()
            } else {
                format!(" (inherits {})", profile.inherits.join(" → "))
            };
            let _ = writeln!(
                text,
                "  {:<width$}{}{}",
                profile.name,
                values.join(" "),
                paint(s.dim, inherits)
            );
        }
        text.push('\n');
    }
    if !report.toolchain.is_empty() {
        let _ = writeln!(text, "{}", paint(s.bold, "toolchain"));
        let width = report.toolchain.keys().map(String::len).max().unwrap_or(0) + 2;
        for (key, value) in &report.toolchain {
            let shown = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".to_owned(),
                serde_json::Value::Array(items) if items.is_empty() => "-".to_owned(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            let _ = writeln!(text, "  {key:<width$}{shown}");
        }
        text.push('\n');
    }
    if let Some(note) = report.lockfile_aside_note() {
        let _ = writeln!(text, "{}: {note}\n", paint(s.info, "note"));
    }
    if let Some(reason) = &report.unit_graph.unavailable {
        let _ = writeln!(
            text,
            "{}: cargo's unit graph is unavailable ({reason}); `compiled-twice` is estimated from the resolve\n",
            paint(s.warning, "fallback"),
        );
    }
    let sum = report.summary;
    let _ = writeln!(
        text,
        "{}: {} {}, {} {}, {} {}",
        paint(s.bold, "summary"),
        paint(if sum.errors > 0 { s.error } else { s.dim }, sum.errors),
        plural(sum.errors, "error"),
        paint(
            if sum.warnings > 0 { s.warning } else { s.dim },
            sum.warnings
        ),
        plural(sum.warnings, "warning"),
        sum.infos,
        plural(sum.infos, "note"),
    );
    let next = next_steps(report);
    if !next.is_empty() {
        let _ = writeln!(text, "\n{}", paint(s.bold, "next"));
        for line in next {
            let _ = writeln!(text, "  {line}");
        }
    }
    emit(options, out, &text)
}

/// From this many findings of one code (and severity), the human report shows one heading and a
/// table of subjects; `--verbose` shows each in full.
const GROUP_AT: usize = 3;

/// Findings of the same code and severity together, in the order each first appears.
fn group_by_code<'f>(findings: &[&'f Finding]) -> Vec<Vec<&'f Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for finding in findings {
        match groups
            .iter_mut()
            .find(|g| g[0].code == finding.code && g[0].severity == finding.severity)
        {
            Some(group) => group.push(finding),
            None => groups.push(vec![finding]),
        }
    }
    groups
}

/// One heading for many findings of one code: the code's description, a table of subject,
/// place and message, the help every one of them shares, and how to select them.
fn write_group(text: &mut String, group: &[&Finding], options: &RenderOptions) {
    let s = &options.styles;
    let first = group[0];
    let label = match first.severity {
        cargo_tune_schema::Severity::Info => "note",
        other => other.as_str(),
    };
    let _ = writeln!(
        text,
        "{}{}",
        paint(
            s.severity(first.severity),
            format_args!("{label}[{}]", first.code)
        ),
        paint(
            s.bold,
            format_args!(": {} findings: {}", group.len(), first.code.description())
        )
    );
    let places: Vec<String> = group
        .iter()
        .map(|f| {
            f.location
                .as_ref()
                .map(|l| format!("{}:{}:{}", l.path, l.line, l.column))
                .unwrap_or_default()
        })
        .collect();
    let subject_width = group.iter().map(|f| f.subject.len()).max().unwrap_or(0);
    let place_width = places.iter().map(String::len).max().unwrap_or(0);
    for (finding, place) in group.iter().zip(&places) {
        let line = format!(
            "{:<subject_width$}  {:<place_width$}  {}",
            finding.subject, place, finding.message
        );
        let _ = writeln!(text, "   {} {}", paint(s.dim, "|"), line.trim_end());
    }
    let shared: Vec<&str> = first
        .suggestions
        .iter()
        .map(|x| x.summary.as_str())
        .filter(|summary| {
            group
                .iter()
                .all(|f| f.suggestions.iter().any(|x| x.summary == *summary))
        })
        .collect();
    for summary in shared {
        let _ = writeln!(text, "   {} {summary}", paint(s.good, "help:"));
    }
    let _ = writeln!(
        text,
        "   {} {}",
        paint(s.dim, "id:"),
        paint(
            s.dim,
            format_args!(
                "{}:<subject> (`{}` selects them all; --verbose shows each in full)",
                first.code, first.code
            )
        )
    );
    text.push('\n');
}

/// What to run next, with real codes and ids from the report: a change to measure, an edit to
/// preview, and every edit at once when warnings or errors exist.
pub(crate) fn next_steps(report: &AuditReport) -> Vec<String> {
    let measurable = report
        .findings
        .iter()
        .find(|f| crate::change::from_findings(f.code, &report.findings).is_ok());
    let editable = report.findings.iter().find(|f| {
        f.suggestions.iter().any(|x| {
            !matches!(
                x.change,
                SuggestedChange::Manual { .. }
                    | SuggestedChange::CargoUpdate { .. }
                    | SuggestedChange::Env { .. }
                    | SuggestedChange::CiCache { .. }
            )
        })
    });
    let mut lines = Vec::new();
    if let Some(f) = measurable {
        lines.push(format!(
            "`cargo tune try {}` measures a finding's suggested change without editing a file",
            f.code
        ));
    }
    if let Some(f) = editable {
        lines.push(format!(
            "`cargo tune apply {}` shows the edits for one finding (a dry run; add --execute to write them)",
            f.id
        ));
        if report.summary.errors + report.summary.warnings > 0 {
            lines.push(
                "`cargo tune apply --all` shows the edits for every warning and error".to_owned(),
            );
        }
    }
    lines
}

fn write_finding(text: &mut String, finding: &Finding, options: &RenderOptions) {
    let s = &options.styles;
    let style = s.severity(finding.severity);
    let label = match finding.severity {
        cargo_tune_schema::Severity::Info => "note",
        other => other.as_str(),
    };
    let _ = writeln!(
        text,
        "{}{}",
        paint(style, format_args!("{label}[{}]", finding.code)),
        paint(s.bold, format_args!(": {}", finding.message))
    );
    if let Some(loc) = &finding.location {
        let _ = writeln!(
            text,
            "  {} {}:{}:{}",
            paint(s.dim, "-->"),
            loc.path,
            loc.line,
            loc.column
        );
    }
    if let Some(cost) = &finding.cost {
        let _ = writeln!(
            text,
            "   {} cost: {} on the critical path, {} CPU{}",
            paint(s.dim, "="),
            crate::text::secs(cost.critical_path_s),
            crate::text::secs(cost.cpu_s),
            if cost.within_noise {
                " (within noise)"
            } else {
                ""
            }
        );
    }
    for line in evidence_lines(finding) {
        let _ = writeln!(text, "   {} {line}", paint(s.dim, "="));
    }
    for suggestion in &finding.suggestions {
        let how = match &suggestion.change {
            SuggestedChange::CargoUpdate { spec, precise } => {
                format!(
                    ": {}",
                    paint(
                        s.literal,
                        format_args!("cargo update -p {spec} --precise {precise}")
                    )
                )
            }
            _ => String::new(),
        };
        let _ = writeln!(
            text,
            "   {} {}{how}",
            paint(s.good, "help:"),
            suggestion.summary
        );
    }
    let _ = writeln!(
        text,
        "   {} {}",
        paint(s.dim, "id:"),
        paint(s.dim, &finding.id)
    );
    text.push('\n');
}

/// The few evidence fields worth a line in a terminal; the rest is in JSON.
fn evidence_lines(finding: &Finding) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(map) = finding.evidence.as_object() else {
        return lines;
    };
    if let Some(versions) = map.get("versions").and_then(|v| v.as_array()) {
        let chain = |v: &serde_json::Value, key: &str| {
            v.get(key)
                .and_then(|p| p.as_array())
                .map(|p| {
                    p.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(" → ")
                })
                .unwrap_or_default()
        };
        for v in versions {
            let version = v.get("version").and_then(|x| x.as_str()).unwrap_or("?");
            // One version built for both sides: who pulls in each.
            if v.get("host_path").is_some() {
                for (side, key) in [("target", "target_path"), ("host", "host_path")] {
                    let path = chain(v, key);
                    lines.push(format!(
                        "{} {version} for the {side}: {path}",
                        finding.subject
                    ));
                }
                continue;
            }
            let path = chain(v, "path");
            let macro_tag = if v.get("proc_macro").and_then(|x| x.as_bool()) == Some(true) {
                " (proc-macro)"
            } else {
                ""
            };
            // Versions found only in Cargo.lock have no path from a member.
            let path = match v.get("in_resolve").and_then(|x| x.as_bool()) {
                _ if !path.is_empty() => path,
                Some(true) => "in the resolve".to_owned(),
                Some(false) => "only in Cargo.lock".to_owned(),
                None => path,
            };
            lines.push(format!("{} {version}{macro_tag}: {path}", finding.subject));
        }
    }
    if let Some(note) = map.get("note").and_then(|v| v.as_str()) {
        lines.push(note.to_owned());
    }
    lines
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// A JSON value as it would be written in TOML (strings quoted, the rest as is).
pub(crate) fn toml_like(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => format!("{s:?}"),
        serde_json::Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(toml_like).collect::<Vec<_>>().join(", ")
            )
        }
        other => other.to_string(),
    }
}
