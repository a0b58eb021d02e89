use std::fmt::Write as _;

use cargo_tune_schema::{AuditReport, Finding};

use super::RenderOptions;
use super::audit_human::{next_steps, toml_like};
use super::rank::{by_severity, group_by_code, levers};
use crate::text::markdown::cell;

/// GitHub refuses a comment longer than this many characters.
const COMMENT_LIMIT: usize = 65_536;

/// Warnings shown in the open; the rest are in a collapsed table.
const OPEN_WARNINGS: usize = 10;

/// Writes an audit report as GitHub-flavoured Markdown, for PR comments and
/// `$GITHUB_STEP_SUMMARY`: the same order as the terminal report (summary, errors, warnings by
/// cost, notes one row per code), long tables collapsed, and the whole within one comment.
pub fn render_audit_markdown(report: &AuditReport, _options: &RenderOptions) -> String {
    let mut md = String::new();
    let sum = report.summary;
    let _ = writeln!(md, "## cargo-tune audit\n");
    let _ = writeln!(
        md,
        "{} members, {} packages: **{} errors, {} warnings, {} notes**\n",
        report.members, report.packages, sum.errors, sum.warnings, sum.infos
    );
    let levers = levers(report);
    if let Some((_, first)) = levers.first() {
        let _ = writeln!(md, "Largest levers ({}):\n", first.ranking());
        for (finding, lever) in &levers {
            let _ = writeln!(md, "- `{}`: {}", finding.id, lever.describe());
        }
        md.push('\n');
    }
    if let Some(note) = report.lockfile_aside_note() {
        let _ = writeln!(md, "> **Note:** {note}.\n");
    }
    if let Some(reason) = &report.unit_graph.unavailable {
        let _ = writeln!(
            md,
            "> **Fallback:** cargo's unit graph is unavailable; `compiled-twice` is estimated from the resolve.\n>\n> ```text\n> {}\n> ```\n",
            reason.replace('\n', "\n> ")
        );
    }
    let (errors, warnings, notes) = by_severity(report);
    let next = next_steps(report);
    let mut tail = String::new();
    if !next.is_empty() {
        let _ = writeln!(tail, "**Next:**\n");
        for line in next {
            let _ = writeln!(tail, "- {line}");
        }
        tail.push('\n');
    }

    // Errors are never folded away, and the open warnings are what a reader acts on first; the
    // collapsed tables share what is left of the comment, each cut short with a pointer to JSON.
    if !errors.is_empty() {
        let _ = writeln!(md, "### Errors\n");
        md.push_str(&findings_table(&errors, usize::MAX));
    }
    let (open, folded) = warnings.split_at(warnings.len().min(OPEN_WARNINGS));
    if !open.is_empty() {
        let _ = writeln!(md, "### Warnings\n");
        md.push_str(&findings_table(open, usize::MAX));
    }
    if !notes.is_empty() {
        let _ = writeln!(md, "### Notes\n");
        let _ = writeln!(md, "| code | count | first |");
        let _ = writeln!(md, "|---|---|---|");
        for group in group_by_code(&notes) {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} |",
                group[0].code,
                group.len(),
                cell(&group[0].message)
            );
        }
        md.push('\n');
    }
    let profiles = profiles_table(report);
    let mut budget = COMMENT_LIMIT
        .saturating_sub(md.len() + tail.len() + profiles.len())
        .saturating_sub(SLACK);
    if !folded.is_empty() {
        md.push_str(&details(
            &format!("{} more warnings", folded.len()),
            &findings_table(folded, budget / 2),
        ));
        budget = COMMENT_LIMIT
            .saturating_sub(md.len() + tail.len() + profiles.len())
            .saturating_sub(SLACK);
    }
    if !notes.is_empty() {
        md.push_str(&details(
            &format!("All {} notes", notes.len()),
            &findings_table(&notes, budget),
        ));
    }
    if profiles.len() + md.len() + tail.len() < COMMENT_LIMIT {
        md.push_str(&profiles);
    }
    md.push_str(&tail);
    md
}

/// Room kept for the wrappers around the collapsed tables.
const SLACK: usize = 512;

/// A collapsed section.
fn details(summary: &str, body: &str) -> String {
    format!("<details><summary>{summary}</summary>\n\n{body}</details>\n\n")
}

/// One row per finding, rows added while they fit in `budget` characters; the rest are counted
/// in a last row that points to the JSON report, which has them all.
fn findings_table(findings: &[&Finding], budget: usize) -> String {
    let mut table = String::from("| id | finding | help | where |\n|---|---|---|---|\n");
    let mut left = findings.len();
    for f in findings {
        let place = f
            .location
            .as_ref()
            .map(|l| format!("`{}:{}`", l.path, l.line))
            .unwrap_or_default();
        let help: Vec<String> = f
            .suggestions
            .iter()
            .map(|x| match x.direction {
                Some(d) => format!("{} ({})", cell(&x.summary), d.as_str()),
                None => cell(&x.summary),
            })
            .collect();
        let row = format!(
            "| `{}` | {} | {} | {} |\n",
            cell(&f.id),
            cell(&f.message),
            help.join("<br>"),
            place
        );
        if table.len() + row.len() + LAST_ROW > budget {
            break;
        }
        table.push_str(&row);
        left -= 1;
    }
    if left > 0 {
        let _ = writeln!(
            table,
            "| | {left} more: `cargo tune audit --format json` lists every finding | | |"
        );
    }
    table.push('\n');
    table
}

/// Room for the row that counts what did not fit.
const LAST_ROW: usize = 100;

/// Every profile's effective values, collapsed.
fn profiles_table(report: &AuditReport) -> String {
    if report.profiles.is_empty() {
        return String::new();
    }
    let mut table = String::from("| profile | key | value | set in |\n|---|---|---|---|\n");
    for p in &report.profiles {
        for v in &p.values {
            let _ = writeln!(
                table,
                "| {} | `{}` | `{}` | {} |",
                p.name,
                v.key,
                cell(&toml_like(&v.value)),
                cell(&v.defined_in)
            );
        }
    }
    table.push('\n');
    details("Effective profiles", &table)
}
