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

use cargo_tune_schema::{Finding, SkippedChange, SuggestedChange, Suggestion};

use crate::edit::ops::{EditOp, PlanInputs, ops_for_change};
use crate::edit::plan::{EditPlan, PlanError, PlannedStep, WorkingFiles};
use crate::workspace::ManifestDoc;

pub mod search;

/// Where `cargo tune plan` writes its decision record unless told otherwise, and where `report`
/// looks for it.
pub fn default_record_path(workspace_root: &std::path::Path) -> std::path::PathBuf {
    workspace_root.join("cargo-tune-plan.toml")
}

#[cfg(test)]
mod tests;

/// The order in which kinds of change are planned: inheriting comes before removing what is
/// unused, and tool and lockfile changes after the manifest edits they may depend on.
fn rank(change: &SuggestedChange) -> u8 {
    match change {
        SuggestedChange::CentralizeDependency { .. } => 0,
        SuggestedChange::ProfileSet { .. } | SuggestedChange::ConfigSet { .. } => 1,
        SuggestedChange::UseLinker { .. } => 2,
        SuggestedChange::CargoUpdate { .. } => 3,
        SuggestedChange::RemoveWorkspaceDependency { .. } => 4,
        _ => 5,
    }
}

/// What a change sets, and to what: two changes for one slot cannot both be applied.
#[derive(Clone, Debug, PartialEq)]
struct Claim {
    slot: String,
    value: serde_json::Value,
}

fn claim_of(change: &SuggestedChange) -> Option<Claim> {
    let claim = |slot: String, value: serde_json::Value| Some(Claim { slot, value });
    match change {
        SuggestedChange::ProfileSet {
            profile,
            package,
            build_override,
            key,
            value,
        } => {
            let table = crate::workspace::profiles::table_path(
                profile,
                package.as_deref(),
                *build_override,
            );
            claim(format!("{}.{key}", table.join(".")), value.clone())
        }
        SuggestedChange::ConfigSet { key, value } => claim(key.clone(), value.clone()),
        SuggestedChange::UseLinker { linker } => {
            claim("the linker".to_owned(), serde_json::json!(linker))
        }
        SuggestedChange::CargoUpdate { spec, precise } => {
            claim(format!("the version of {spec}"), serde_json::json!(precise))
        }
        SuggestedChange::CentralizeDependency { name, requirement } => claim(
            format!("[workspace.dependencies] entry of {name}"),
            serde_json::json!(requirement),
        ),
        _ => None,
    }
}

/// A claim already taken, and by which finding.
struct Held {
    claim: Claim,
    finding: String,
}

impl Held {
    fn reason(&self, wanted: &Claim, same_finding: bool) -> String {
        if same_finding {
            format!("an alternative to {} chosen above", self.claim.slot)
        } else if self.claim.value == wanted.value {
            format!("the same change as {}", self.finding)
        } else {
            format!(
                "{} also sets {} (to {}); the step planned first wins",
                self.finding, self.claim.slot, self.claim.value
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
    let mut candidates: Vec<(u8, usize, &str, &Suggestion)> = suggestions
        .iter()
        .enumerate()
        .map(|(order, (id, s))| (rank(&s.change), order, *id, *s))
        .collect();
    candidates.sort_by_key(|(rank, order, ..)| (*rank, *order));

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
    for (_, _, finding_id, suggestion) in candidates {
        let skip = |reason: String| SkippedChange {
            finding: Some(finding_id.to_owned()),
            summary: suggestion.summary.clone(),
            reason,
        };
        let claim = claim_of(&suggestion.change);
        if let Some(claim) = &claim
            && let Some(h) = held.iter().find(|h| h.claim.slot == claim.slot)
        {
            skipped.push(skip(h.reason(claim, h.finding == finding_id)));
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
            match ops_for_change(&suggestion.change, &view) {
                Ok(ops) => ops,
                Err(not) => {
                    skipped.push(skip(not.reason));
                    continue;
                }
            }
        };
        if let Some(claim) = claim {
            held.push(Held {
                claim,
                finding: finding_id.to_owned(),
            });
        }
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
            });
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
