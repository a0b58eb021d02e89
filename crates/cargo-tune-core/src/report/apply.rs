//! `cargo tune apply` as Markdown and `cargo tune undo` as text.

use std::fmt::Write;

use cargo_tune_schema::UndoReport;

use super::RenderOptions;
use crate::edit::EditPlan;

/// The plan of an apply as GitHub-flavoured Markdown: each step with its edits, what was
/// skipped and why, and the diff.
pub fn render_apply_markdown(plan: &EditPlan, _options: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### cargo tune apply\n");
    if plan.is_empty() {
        let _ = writeln!(out, "Nothing to change.");
    }
    for step in &plan.steps {
        match &step.finding {
            Some(id) => {
                let _ = writeln!(out, "- {} (`{id}`)", step.summary);
            }
            None => {
                let _ = writeln!(out, "- {}", step.summary);
            }
        }
        for op in &step.ops {
            let _ = writeln!(out, "  - {}", op.describe(&plan.root));
        }
        for note in &step.notes {
            let _ = writeln!(out, "  - note: {note}");
        }
    }
    for skipped in &plan.skipped {
        let id = skipped
            .finding
            .as_deref()
            .map(|id| format!(" (`{id}`)"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- skipped: {}{id}: {}",
            skipped.summary, skipped.reason
        );
    }
    for line in crate::edit::left_out_summary(&plan.left_out) {
        let _ = writeln!(out, "- left out: {line}");
    }
    let diff = plan.unified_diff();
    if !diff.is_empty() {
        let _ = writeln!(out, "\n```diff\n{diff}```");
    }
    out
}

/// What an undo restored, one line each.
pub fn render_undo_text(report: &UndoReport, _options: &RenderOptions) -> String {
    let mut out = String::new();
    if report.interrupted_apply {
        let _ = writeln!(out, "recovered an interrupted apply");
    }
    for path in &report.restored {
        let _ = writeln!(out, "restored {path}");
    }
    for path in &report.removed {
        let _ = writeln!(out, "removed {path}");
    }
    if report.restored.is_empty() && report.removed.is_empty() {
        let _ = writeln!(out, "every file already held its previous bytes");
    }
    let _ = match report.remaining {
        0 => writeln!(out, "no earlier apply left to undo"),
        1 => writeln!(out, "1 earlier apply left to undo"),
        n => writeln!(out, "{n} earlier applies left to undo"),
    };
    out
}
