use std::fmt::Write as _;

use cargo_tune_schema::{AuditReport, Finding, SuggestedChange, ValueSource};

use super::rank::{by_severity, group_by_code, levers};
use super::{RenderOptions, title};
use crate::text::{Styles, paint};

/// Writes an audit report for a terminal: a summary with the levers that matter most, then
/// every error, the warnings by what they cost, the notes one line per code (all of them in full
/// with `--verbose`), the effective profiles, the toolchain, and what to run next.
pub fn render_audit_human(report: &AuditReport, options: &RenderOptions) -> String {
    let s = &options.styles;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} ({} members, {} packages)\n",
        title(s, "audit of", &report.workspace_root),
        report.members,
        report.packages
    );
    summary(&mut text, report, options);
    if let Some(note) = report.lockfile_aside_note() {
        let _ = writeln!(text, "{}: {note}\n", paint(s.info, "note"));
    }
    if let Some(reason) = &report.unit_graph.unavailable {
        let _ = writeln!(
            text,
            "{}: cargo's unit graph is unavailable, so `compiled-twice` is estimated from the resolve: {reason}\n",
            paint(s.warning, "fallback"),
        );
    }
    let (errors, warnings, notes) = by_severity(report);
    for finding in errors {
        write_finding(&mut text, finding, options);
    }
    for group in group_by_code(&warnings) {
        if group.len() >= GROUP_AT && !options.verbose {
            write_group(&mut text, &group, options);
        } else {
            for finding in group {
                write_finding(&mut text, finding, options);
            }
        }
    }
    if options.verbose {
        for finding in &notes {
            write_finding(&mut text, finding, options);
        }
    } else {
        write_folded_notes(&mut text, &notes, options);
    }
    profiles(&mut text, report, options);
    toolchain(&mut text, report, options);
    let next = next_steps(report);
    if !next.is_empty() {
        let _ = writeln!(text, "{}", paint(s.bold, "next"));
        for line in next {
            let _ = writeln!(text, "  {line}");
        }
    }
    text
}

/// Counts by severity, and the few findings worth acting on first: by what they cost in a saved
/// `cargo tune timings` run when there is one, else by how many builds they touch, said as such.
fn summary(text: &mut String, report: &AuditReport, options: &RenderOptions) {
    let s = &options.styles;
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
    let levers = levers(report);
    if let Some((_, first)) = levers.first() {
        let _ = writeln!(
            text,
            "  {} {}",
            paint(s.bold, "largest levers"),
            paint(s.dim, format_args!("({})", first.ranking()))
        );
        for (finding, lever) in &levers {
            let _ = writeln!(
                text,
                "    {:<40} {}",
                lever.describe(),
                paint(s.literal, &finding.id)
            );
        }
    }
    text.push('\n');
}

/// Notes, one line per code: what the code means and how many there are; `--verbose` shows each.
fn write_folded_notes(text: &mut String, notes: &[&Finding], options: &RenderOptions) {
    let s = &options.styles;
    for group in group_by_code(notes) {
        let first = group[0];
        let head = paint(s.info, format_args!("note[{}]", first.code));
        let _ = if group.len() == 1 {
            writeln!(text, "{head}: {}", first.message)
        } else {
            writeln!(
                text,
                "{head}: {} {}",
                first.message,
                paint(s.dim, format_args!("({} more with -v)", group.len() - 1))
            )
        };
    }
    if !notes.is_empty() {
        text.push('\n');
    }
}

/// Each profile with the values that are not cargo's defaults (every value with `--verbose`).
fn profiles(text: &mut String, report: &AuditReport, options: &RenderOptions) {
    let s = &options.styles;
    if report.profiles.is_empty() {
        return;
    }
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
            .filter(|v| options.verbose || v.source != ValueSource::Default)
            .map(|v| format!("{}={}", v.key, toml_like(&v.value)))
            .collect();
        let inherits = if profile.inherits.is_empty() {
            String::new()
        } else {
            format!(" (inherits {})", profile.inherits.join(" → "))
        };
        let shown = if values.is_empty() {
            "cargo's defaults".to_owned()
        } else {
            values.join(" ")
        };
        let _ = writeln!(
            text,
            "  {:<width$}{}{}",
            profile.name,
            shown,
            paint(s.dim, inherits)
        );
    }
    text.push('\n');
}

/// The toolchain: a few lines, or every probed fact with `--verbose`.
fn toolchain(text: &mut String, report: &AuditReport, options: &RenderOptions) {
    let s = &options.styles;
    let t = &report.toolchain;
    if t.is_empty() {
        return;
    }
    let _ = writeln!(text, "{}", paint(s.bold, "toolchain"));
    let shown = |key: &str| -> String {
        match t.get(key) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            Some(serde_json::Value::Null | serde_json::Value::Array(_)) | None => "-".to_owned(),
            Some(other) => other.to_string(),
        }
    };
    if options.verbose {
        let width = t.keys().map(String::len).max().unwrap_or(0) + 2;
        for key in t.keys() {
            let _ = writeln!(text, "  {key:<width$}{}", shown(key));
        }
    } else {
        let _ = writeln!(
            text,
            "  rustc {} {} ({}, LLVM {}); {} cores, {} GiB",
            shown("rustc"),
            shown("channel"),
            shown("host"),
            shown("llvm"),
            shown("cores"),
            shown("memory_gib")
        );
        let _ = writeln!(
            text,
            "  linker {} ({}); installed: {}",
            shown("linker"),
            shown("linker_reason"),
            shown("linkers_available")
        );
        let _ = writeln!(
            text,
            "  rustc wrapper {}; sccache {}; cargo-nextest {}; nightly {}",
            shown("rustc_wrapper"),
            shown("sccache"),
            shown("cargo_nextest"),
            shown("nightly")
        );
    }
    text.push('\n');
}

/// From this many findings of one code (and severity), the human report shows one heading and a
/// table of subjects; `--verbose` shows each in full.
const GROUP_AT: usize = 3;

/// The rows a group shows without `--verbose`: the costliest first, as the warnings are sorted.
const GROUP_ROWS: usize = 5;

/// What a finding's heading opens with, as rustc opens a diagnostic: `warning[code]`, `note[code]`
/// for an info.
fn severity_and_code(s: &Styles, finding: &Finding) -> String {
    let label = match finding.severity {
        cargo_tune_schema::Severity::Info => "note",
        other => other.as_str(),
    };
    paint(
        s.severity(finding.severity),
        format_args!("{label}[{}]", finding.code),
    )
}

/// One heading for many findings of one code: the code's description, a table of subject,
/// place and message, the help every one of them shares, and how to select them.
fn write_group(text: &mut String, group: &[&Finding], options: &RenderOptions) {
    let s = &options.styles;
    let first = group[0];
    let _ = writeln!(
        text,
        "{}{}",
        severity_and_code(s, first),
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
    let rows = if options.verbose {
        group.len()
    } else {
        GROUP_ROWS.min(group.len())
    };
    for (finding, place) in group.iter().zip(&places).take(rows) {
        let line = format!(
            "{:<subject_width$}  {:<place_width$}  {}",
            finding.subject, place, finding.message
        );
        let _ = writeln!(text, "   {} {}", paint(s.dim, "|"), line.trim_end());
    }
    if rows < group.len() {
        let _ = writeln!(
            text,
            "   {} {}",
            paint(s.dim, "|"),
            paint(s.dim, format_args!("{} more (-v)", group.len() - rows))
        );
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
        let suggestion = first.suggestions.iter().find(|x| x.summary == summary);
        let tail = suggestion.map_or_else(String::new, |x| direction(x, options));
        let _ = writeln!(text, "   {} {summary}{tail}", paint(s.good, "help:"));
    }
    try_and_id(
        text,
        s,
        group.iter().copied().any(measurable),
        (first.code.as_str(), "them"),
        format_args!(
            "{}:<subject> (`{}` selects them all; --verbose shows each in full)",
            first.code, first.code
        ),
    );
}

/// Whether `try` can measure one of the finding's suggestions.
fn measurable(finding: &Finding) -> bool {
    finding
        .suggestions
        .iter()
        .any(|x| crate::change::is_measurable(&x.change))
}

/// The closing lines of a finding or a group: how to measure it when `try` can (the selection
/// `try` takes, and the pronoun for it), then its id.
fn try_and_id(
    text: &mut String,
    s: &Styles,
    can_try: bool,
    (selection, pronoun): (&str, &str),
    id: impl std::fmt::Display,
) {
    if can_try {
        let _ = writeln!(
            text,
            "   {} {} measures {pronoun} without editing a file",
            paint(s.good, "try:"),
            paint(s.literal, format_args!("cargo tune try {selection}"))
        );
    }
    let _ = writeln!(text, "   {} {}\n", paint(s.dim, "id:"), paint(s.dim, id));
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
    let _ = writeln!(
        text,
        "{}{}",
        severity_and_code(s, finding),
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
            "   {} {}{how}{}",
            paint(s.good, "help:"),
            suggestion.summary,
            direction(suggestion, options)
        );
    }
    try_and_id(
        text,
        s,
        measurable(finding),
        (&finding.id, "it"),
        &finding.id,
    );
}

/// What a suggestion is expected to improve, as a dim tail to its help line.
fn direction(suggestion: &cargo_tune_schema::Suggestion, options: &RenderOptions) -> String {
    suggestion.direction.map_or_else(String::new, |d| {
        format!(
            " {}",
            paint(options.styles.dim, format_args!("({})", d.as_str()))
        )
    })
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

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{
        AuditReport, FORMAT_VERSION, Finding, FindingCode, Location, Severity, SuggestedChange,
        Suggestion, Summary, ToolInfo, UnitGraphStatus,
    };

    use crate::report::{RenderOptions, render_audit_human, render_audit_markdown};

    /// A report the size of a game engine's: hundreds of warnings and notes over a few codes,
    /// long messages, and one error sorted last by the caller.
    fn large_report() -> AuditReport {
        let long = "x".repeat(180);
        let mut findings = Vec::new();
        for (code, n) in [
            (FindingCode::WorkspaceDepNotInherited, 180),
            (FindingCode::DuplicateVersion, 40),
            (FindingCode::CompiledTwice, 120),
            (FindingCode::DuplicateVersionLockfileOnly, 90),
            (FindingCode::WorkspaceDepFeaturesDiffer, 70),
        ] {
            for i in 0..n {
                findings.push(
                    Finding::new(code, format!("pkg{i}"), format!("pkg{i} {long}"))
                        .with_location(Some(Location {
                            path: format!("crates/member-{i}/Cargo.toml"),
                            line: i + 1,
                            column: 1,
                        }))
                        .with_suggestion(Suggestion::new(
                            format!("do something about pkg{i} {long}"),
                            SuggestedChange::Manual {
                                text: String::new(),
                            },
                        )),
                );
            }
        }
        findings.push(
            Finding::new(
                FindingCode::RustVersionUnsupported,
                "1.96.0",
                "needs a newer rustc",
            )
            .with_severity(Severity::Error),
        );
        AuditReport {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current("0.0.0"),
            workspace_root: "/ws".to_owned(),
            members: 90,
            packages: 865,
            summary: Summary::of(&findings),
            findings,
            profiles: Vec::new(),
            toolchain: serde_json::Map::new(),
            unit_graph: UnitGraphStatus::default(),
            lockfile_aside: None,
        }
    }

    fn render(report: &AuditReport, verbose: bool, markdown: bool) -> String {
        let mut options = RenderOptions::new(false);
        options.verbose = verbose;
        if markdown {
            render_audit_markdown(report, &options)
        } else {
            render_audit_human(report, &options)
        }
    }

    #[test]
    fn a_large_report_leads_with_its_error_and_fits_a_screenful_and_a_comment() {
        let report = large_report();
        let human = render(&report, false, false);
        assert!(human.lines().count() <= 150, "{human}");
        let first = human
            .lines()
            .find(|l| {
                l.starts_with("error[") || l.starts_with("warning[") || l.starts_with("note[")
            })
            .unwrap();
        assert!(
            first.starts_with("error[rust-version-unsupported]"),
            "{first}"
        );
        // Every code is still named, folded or not.
        for f in &report.findings {
            assert!(
                human.contains(&format!("[{}]", f.code)),
                "{} missing",
                f.code
            );
        }
        assert!(human.contains("175 more (-v)"), "{human}");

        let verbose = render(&report, true, false);
        for f in &report.findings {
            assert!(
                verbose.contains(&format!("id: {}", f.id)),
                "{} missing",
                f.id
            );
        }

        let markdown = render(&report, false, true);
        assert!(markdown.chars().count() <= 65_536, "{}", markdown.len());
        let errors = markdown.find("### Errors").unwrap();
        assert!(errors < markdown.find("### Warnings").unwrap());
        assert!(markdown.contains("`rust-version-unsupported:1.96.0`"));
        assert!(markdown.contains("more: `cargo tune audit --format json` lists every finding"));
        assert_eq!(
            markdown.matches("<details>").count(),
            markdown.matches("</details>").count()
        );
    }
}
