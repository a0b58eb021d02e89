//! The planner: selected findings and the workspace as loaded become one consistent change set.
//!
//! Suggestions are taken in a fixed order of kinds (centralize dependencies, profile and config
//! keys, the linker, `cargo update`, removals), each mapped to edits against the workspace *as
//! the earlier steps left it*, in memory. So a later step sees an earlier one: a
//! `[workspace.dependencies]` entry that a step made members inherit is no longer removed as
//! unused. Where two suggestions want the same slot (a profile key, a config key, the linker,
//! one package's update), the first in that order wins and the other is shown as skipped, naming
//! the finding that won. Pure: it reads the model and, for files the model does not hold, the
//! reader it is given.

use std::path::Path;

use cargo_tune_schema::{Finding, SkippedChange, Suggestion};

use crate::change::{Change, PlanInputs};
use crate::edit::EditOp;
use crate::edit::plan::{EditPlan, PlanError, PlannedStep, WorkingFiles};
use crate::workspace::ManifestDoc;

pub mod catalogue;
pub mod command;
pub mod decision;
pub mod driver;
pub mod predict;
pub mod race;
pub mod record;
pub mod release;
#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests;

/// The order in which kinds of change are planned: inheriting comes before removing what is
/// unused, and tool and lockfile changes after the manifest edits they may depend on.
fn rank(change: Option<&Change>) -> u8 {
    match change {
        Some(Change::Centralize { .. }) => 0,
        Some(Change::Config { .. } | Change::Unset { .. }) => 1,
        Some(Change::Linker(_)) => 2,
        Some(Change::CargoUpdate { .. }) => 3,
        Some(Change::RemoveWorkspaceDependency { .. }) => 4,
        _ => 5,
    }
}

/// A slot already taken, and by which finding.
struct Held {
    slot: String,
    value: String,
    finding: String,
}

impl Held {
    fn reason(&self, wanted: &Change, same_finding: bool) -> String {
        if same_finding {
            format!("an alternative to {} chosen above", self.slot)
        } else if self.value == wanted.value_text() {
            format!("the same change as {}", self.finding)
        } else {
            format!(
                "{} also sets {} (to {}); the step planned first wins",
                self.finding, self.slot, self.value
            )
        }
    }
}

/// The plan for the suggestions of `findings`. `read` supplies files the model does not hold
/// (a cargo configuration file to create or extend); `None` means the file does not exist.
pub fn change_set(
    findings: &[&Finding],
    inputs: &PlanInputs<'_>,
    read: &dyn Fn(&Path) -> Result<Option<String>, PlanError>,
) -> Result<EditPlan, PlanError> {
    let suggestions: Vec<(&str, &Suggestion)> = findings
        .iter()
        .flat_map(|f| f.suggestions.iter().map(|s| (f.id.as_str(), s)))
        .collect();
    change_set_of(&suggestions, inputs, read)
}

/// The plan for suggestions each named by what proposed it (a finding id, or a step of a
/// `cargo tune plan` record), in the same order and with the same rules as [`change_set`].
pub fn change_set_of(
    suggestions: &[(&str, &Suggestion)],
    inputs: &PlanInputs<'_>,
    read: &dyn Fn(&Path) -> Result<Option<String>, PlanError>,
) -> Result<EditPlan, PlanError> {
    // Suggestions in the order of their kinds, each with the change it stands for (or why
    // there is none); the sort is stable, so one kind keeps the order given.
    let mut candidates: Vec<(&str, &Suggestion, Result<Change, String>)> = suggestions
        .iter()
        .map(|(id, s)| (*id, *s, Change::from_suggestion(&s.change)))
        .collect();
    candidates.sort_by_key(|(_, _, change)| rank(change.as_ref().ok()));

    // The model's own documents are the bytes a transaction later checks against the disk.
    let known = |path: &Path| -> Option<&ManifestDoc> {
        std::iter::once(inputs.root_manifest)
            .chain(inputs.members.iter().copied())
            .chain(inputs.config.layers.iter().map(|l| &l.file))
            .find(|d| d.path == path)
    };
    let load = |path: &Path| match known(path) {
        Some(doc) => Ok(Some(doc.doc.raw().to_owned())),
        None => read(path),
    };

    let mut files = WorkingFiles::default();
    let mut edited: Vec<ManifestDoc> = Vec::new();
    let mut held: Vec<Held> = Vec::new();
    let mut steps = Vec::new();
    let mut commands: Vec<EditOp> = Vec::new();
    let mut skipped = Vec::new();
    for (finding_id, suggestion, change) in candidates {
        let skip = |reason: String| SkippedChange {
            finding: Some(finding_id.to_owned()),
            summary: suggestion.summary.clone(),
            reason,
        };
        let change = match change {
            Ok(change) => change,
            Err(reason) => {
                skipped.push(skip(reason));
                continue;
            }
        };
        let slot = change.slot();
        if let Some(h) = held.iter().find(|h| h.slot == slot) {
            skipped.push(skip(h.reason(&change, h.finding == finding_id)));
            continue;
        }
        let ops = {
            let root_manifest = edited
                .iter()
                .find(|d| d.path == inputs.root_manifest.path)
                .unwrap_or(inputs.root_manifest);
            let members: Vec<&ManifestDoc> = inputs
                .members
                .iter()
                .map(|m| edited.iter().find(|d| d.path == m.path).unwrap_or(m))
                .collect();
            let view = PlanInputs {
                root_manifest,
                members: &members,
                ..*inputs
            };
            match change.edits_noted(&view) {
                Ok(edits) => edits,
                Err(not) => {
                    skipped.push(skip(not.reason));
                    continue;
                }
            }
        };
        held.push(Held {
            value: change.value_text(),
            slot,
            finding: finding_id.to_owned(),
        });
        let crate::change::Edits { ops, notes } = ops;
        let mut changed = false;
        for op in &ops {
            if let EditOp::CargoUpdate { .. } = op {
                if !commands.contains(op) {
                    commands.push(op.clone());
                    changed = true;
                }
                continue;
            }
            if files.apply(op, &load)? {
                changed = true;
                refresh(&mut edited, &files, &op.file(), inputs)?;
            }
        }
        if changed {
            steps.push(PlannedStep {
                finding: Some(finding_id.to_owned()),
                summary: suggestion.summary.clone(),
                ops,
                notes,
            });
        } else {
            // Nothing to edit, but a part left out is still news: say why it stays.
            for note in notes {
                skipped.push(skip(note));
            }
        }
    }
    Ok(EditPlan::assemble(
        inputs.root,
        steps,
        files,
        commands,
        skipped,
    ))
}

/// Re-reads a manifest the plan edited, so that later steps are mapped against its new content.
fn refresh(
    edited: &mut Vec<ManifestDoc>,
    files: &WorkingFiles,
    path: &Path,
    inputs: &PlanInputs<'_>,
) -> Result<(), PlanError> {
    let is_manifest =
        inputs.root_manifest.path == path || inputs.members.iter().any(|m| m.path == path);
    let Some(text) = files.text(path).filter(|_| is_manifest) else {
        return Ok(());
    };
    let doc = ManifestDoc::parse(path, inputs.root, text)?;
    edited.retain(|d| d.path != path);
    edited.push(doc);
    Ok(())
}
