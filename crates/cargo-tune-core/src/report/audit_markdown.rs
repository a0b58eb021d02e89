use std::fmt::Write as _;
use std::io;

use cargo_tune_schema::AuditReport;

use super::audit_human::{next_steps, toml_like};
use super::{RenderOptions, emit};
use crate::text::markdown::cell;

/// Writes an audit report as GitHub-flavoured Markdown, for PR comments and
/// `$GITHUB_STEP_SUMMARY`.
pub fn render_audit_markdown(
    report: &AuditReport,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let mut md = String::new();
    let sum = report.summary;
    let _ = writeln!(md, "## cargo-tune audit\n");
    let _ = writeln!(
        md,
        "{} members, {} packages: **{} errors, {} warnings, {} notes**\n",
        report.members, report.packages, sum.errors, sum.warnings, sum.infos
    );
    if let Some(note) = report.lockfile_aside_note() {
        let _ = writeln!(md, "> **Note:** {note}.\n");
    }
    if let Some(reason) = &report.unit_graph.unavailable {
        let _ = writeln!(
            md,
            "> **Fallback:** cargo's unit graph is unavailable ({reason}); `compiled-twice` is estimated from the resolve.\n"
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(md, "| severity | id | finding | help | where |");
        let _ = writeln!(md, "|---|---|---|---|---|");
        for f in &report.findings {
            let place = f
                .location
                .as_ref()
                .map(|l| format!("`{}:{}`", l.path, l.line))
                .unwrap_or_default();
            let help: Vec<String> = f.suggestions.iter().map(|x| cell(&x.summary)).collect();
            let _ = writeln!(
                md,
                "| {} | `{}` | {} | {} | {} |",
                f.severity.as_str(),
                cell(&f.id),
                cell(&f.message),
                help.join("<br>"),
                place
            );
        }
        md.push('\n');
        let next = next_steps(report);
        if !next.is_empty() {
            let _ = writeln!(md, "**Next:**\n");
            for line in next {
                let _ = writeln!(md, "- {line}");
            }
            md.push('\n');
        }
    }
    if !report.profiles.is_empty() {
        let _ = writeln!(md, "<details><summary>Effective profiles</summary>\n");
        let _ = writeln!(md, "| profile | key | value | set in |");
        let _ = writeln!(md, "|---|---|---|---|");
        for p in &report.profiles {
            for v in &p.values {
                let _ = writeln!(
                    md,
                    "| {} | `{}` | `{}` | {} |",
                    p.name,
                    v.key,
                    cell(&toml_like(&v.value)),
                    cell(&v.defined_in)
                );
            }
        }
        let _ = writeln!(md, "\n</details>\n");
    }
    emit(options, out, &md)
}
