//! `cargo tune apply` as Markdown and `cargo tune undo` as text.

use std::io::{self, Write};

use cargo_tune_schema::UndoReport;

use super::RenderOptions;
use crate::edit::EditPlan;

/// The plan of an apply as GitHub-flavoured Markdown: each step with its edits, what was
/// skipped and why, and the diff.
pub fn render_apply_markdown(
    plan: &EditPlan,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "### cargo tune apply\n")?;
    if plan.is_empty() {
        writeln!(out, "Nothing to change.")?;
    }
    for step in &plan.steps {
        match &step.finding {
            Some(id) => writeln!(out, "- {} (`{id}`)", step.summary)?,
            None => writeln!(out, "- {}", step.summary)?,
        }
        for op in &step.ops {
            writeln!(out, "  - {}", op.describe(&plan.root))?;
        }
        for note in &step.notes {
            writeln!(out, "  - note: {note}")?;
        }
    }
    for skipped in &plan.skipped {
        let id = skipped
            .finding
            .as_deref()
            .map(|id| format!(" (`{id}`)"))
            .unwrap_or_default();
        writeln!(
            out,
            "- skipped: {}{id}: {}",
            skipped.summary, skipped.reason
        )?;
    }
    for line in crate::edit::left_out_summary(&plan.left_out) {
        writeln!(out, "- left out: {line}")?;
    }
    let diff = plan.unified_diff();
    if !diff.is_empty() {
        writeln!(out, "\n```diff\n{diff}```")?;
    }
    Ok(())
}

/// What an undo restored, one line each.
pub fn render_undo_text(
    report: &UndoReport,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.interrupted_apply {
        writeln!(out, "recovered an interrupted apply")?;
    }
    for path in &report.restored {
        writeln!(out, "restored {path}")?;
    }
    for path in &report.removed {
        writeln!(out, "removed {path}")?;
    }
    if report.restored.is_empty() && report.removed.is_empty() {
        writeln!(out, "every file already held its previous bytes")?;
    }
    match report.remaining {
        0 => writeln!(out, "no earlier apply left to undo"),
        1 => writeln!(out, "1 earlier apply left to undo"),
        n => writeln!(out, "{n} earlier applies left to undo"),
    }
}
