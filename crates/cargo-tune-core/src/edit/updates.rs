//! `cargo update` steps checked before anything is written.
//!
//! Each planned update runs first as `cargo update --dry-run`, which resolves against the real
//! index and lockfile without writing. What cargo says it would do becomes part of the plan; a
//! step cargo refuses is taken out with cargo's reason, so that one infeasible update never
//! sinks the rest of an apply. The one refusal with a fix of its own is a parent that pins the
//! package exactly (`thiserror` requires `thiserror-impl = "=2.0.18"`): the two are then updated
//! together, when cargo says that moves the package.

use std::path::Path;

use cargo_tune_schema::SkippedChange;

use super::ops::EditOp;
use super::plan::EditPlan;
use crate::cargo::{CargoCli, CargoOptions};
use crate::errors::CommandError;

/// Why cargo refused an update, read from its error text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Refusal {
    /// `parent` requires the package at exactly `requirement`.
    ExactPin {
        requirement: String,
        parent: String,
        parent_version: String,
        /// The parent's source as cargo prints it, for path packages (a member, or a path
        /// dependency the user controls).
        parent_path: Option<String>,
    },
    /// The spec matches several packages: one version from two sources.
    Ambiguous,
    /// The spec matches nothing in the lockfile.
    NoMatch,
    /// Anything else: cargo's first error line.
    Other(String),
}

/// The lines of cargo's report that say what changes in `Cargo.lock`.
fn outcome_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(str::trim)
        .filter(|l| {
            let verb = l.split_whitespace().next().unwrap_or("");
            let change = matches!(
                verb,
                "Updating" | "Adding" | "Removing" | "Downgrading" | "Upgrading"
            );
            // `Updating crates.io index`, `Updating git repository …` are fetches, not changes.
            change && (l.contains(" v") || verb != "Updating") && !l.ends_with(" index")
        })
        .map(str::to_owned)
        .collect()
}

/// Text between the first `open` after `from` and the next `close`.
fn between<'a>(text: &'a str, from: &str, open: &str, close: &str) -> Option<&'a str> {
    let rest = &text[text.find(from)? + from.len()..];
    let rest = &rest[rest.find(open)? + open.len()..];
    Some(&rest[..rest.find(close)?])
}

fn refusal(stderr: &str) -> Refusal {
    if stderr.contains("is ambiguous") {
        return Refusal::Ambiguous;
    }
    if stderr.contains("did not match any packages") {
        return Refusal::NoMatch;
    }
    let requirement = between(
        stderr,
        "failed to select a version for the requirement",
        "`",
        "`",
    );
    let parent = between(stderr, "required by package", "`", "`");
    if let (Some(requirement), Some(parent)) = (requirement, parent)
        && requirement.contains("\"=")
    {
        let mut words = parent.splitn(3, ' ');
        let name = words.next().unwrap_or_default();
        let version = words.next().unwrap_or_default().trim_start_matches('v');
        let source = words
            .next()
            .map(|s| s.trim_start_matches('(').trim_end_matches(')'));
        return Refusal::ExactPin {
            requirement: requirement.to_owned(),
            parent: name.to_owned(),
            parent_version: version.to_owned(),
            parent_path: source.filter(|s| s.starts_with('/')).map(str::to_owned),
        };
    }
    Refusal::Other(
        stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or_else(|| stderr.lines().next().unwrap_or("cargo update failed"))
            .trim_start_matches("error: ")
            .to_owned(),
    )
}

/// Whether `outcome` moves `spec` (`name@version`) away from its version.
fn moves(outcome: &[String], spec: &str) -> bool {
    let (name, version) = spec.split_once('@').unwrap_or((spec, ""));
    let old = format!("{name} v{version}");
    outcome.iter().any(|l| {
        l.split_once(' ').is_some_and(|(verb, rest)| {
            verb != "Adding" && (rest == old || rest.starts_with(&format!("{old} ")))
        })
    })
}

fn dry_run(op: &EditOp, root: &Path, options: &CargoOptions) -> Result<Vec<String>, String> {
    let EditOp::CargoUpdate { manifest, .. } = op else {
        return Ok(Vec::new());
    };
    let mut options = options.clone();
    options.manifest_path = Some(manifest.clone());
    options.locked = false;
    options.frozen = false;
    options.color = None;
    let args = op.update_args();
    match CargoCli::new(&args[..1], &options)
        .args(&args[1..])
        .arg("--dry-run")
        .current_dir(root)
        .output()
    {
        Ok(out) => Ok(outcome_lines(&String::from_utf8_lossy(&out.stderr))),
        Err(CommandError::Failed { stderr, .. }) => Err(stderr),
        Err(e) => Err(e.to_string()),
    }
}

/// What to do with one planned update.
enum Checked {
    Keep(EditOp),
    Skip(String),
}

fn check(op: &EditOp, root: &Path, options: &CargoOptions) -> Checked {
    let EditOp::CargoUpdate {
        manifest, specs, ..
    } = op
    else {
        return Checked::Keep(op.clone());
    };
    let spec = specs.first().cloned().unwrap_or_default();
    let with_outcome = |op: &EditOp, outcome: Vec<String>| {
        let mut op = op.clone();
        if let EditOp::CargoUpdate { outcome: o, .. } = &mut op {
            *o = outcome;
        }
        op
    };
    let stderr = match dry_run(op, root, options) {
        Ok(outcome) => return Checked::Keep(with_outcome(op, outcome)),
        Err(stderr) => stderr,
    };
    match refusal(&stderr) {
        Refusal::ExactPin {
            requirement,
            parent,
            parent_path: Some(path),
            ..
        } => Checked::Skip(format!(
            "{parent} ({path}) requires `{requirement}` exactly; loosen that requirement first"
        )),
        Refusal::ExactPin {
            requirement,
            parent,
            parent_version,
            parent_path: None,
        } => {
            let together = EditOp::CargoUpdate {
                manifest: manifest.clone(),
                specs: vec![spec.clone(), format!("{parent}@{parent_version}")],
                precise: None,
                outcome: Vec::new(),
            };
            match dry_run(&together, root, options) {
                Ok(outcome) if moves(&outcome, &spec) => {
                    Checked::Keep(with_outcome(&together, outcome))
                }
                _ => Checked::Skip(format!(
                    "{parent} {parent_version} requires `{requirement}` exactly and no release of \
                     {parent} that every requirement admits takes another version; nothing to do \
                     until {parent} releases one"
                )),
            }
        }
        Refusal::Ambiguous => Checked::Skip(format!(
            "`{spec}` names two packages, one version from two sources (a path or git copy and \
             the registry's); `cargo update` cannot move one of them by name"
        )),
        Refusal::NoMatch => Checked::Skip(format!("`{spec}` is no longer in Cargo.lock")),
        Refusal::Other(line) => Checked::Skip(format!("`cargo update --dry-run` refuses: {line}")),
    }
}

/// Runs every `cargo update` of `plan` as a dry run: a feasible one keeps cargo's account of what
/// it changes, a parent's exact pin turns into updating both, and an infeasible one leaves the
/// plan (with its step) as a skipped change that gives cargo's reason.
pub fn check_updates(plan: &mut EditPlan, options: &CargoOptions) {
    let commands = std::mem::take(&mut plan.commands);
    for op in commands {
        match check(&op, &plan.root, options) {
            Checked::Keep(checked) => {
                for step in &mut plan.steps {
                    for planned in &mut step.ops {
                        if *planned == op {
                            *planned = checked.clone();
                        }
                    }
                }
                if !plan.commands.contains(&checked) {
                    plan.commands.push(checked);
                }
            }
            Checked::Skip(reason) => {
                for step in &mut plan.steps {
                    if step.ops.contains(&op) {
                        step.ops.retain(|o| *o != op);
                        plan.skipped.push(SkippedChange {
                            finding: step.finding.clone(),
                            summary: step.summary.clone(),
                            reason: reason.clone(),
                        });
                    }
                }
                plan.steps.retain(|s| !s.ops.is_empty());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_keeps_lockfile_changes_and_drops_fetches_and_notes() {
        let stderr = "    Updating crates.io index\n    Updating git repository `https://x`\n     Locking 5 packages to latest Rust 1.88.0 compatible versions\n    Updating futures-macro v0.3.33 -> v0.3.34\n      Adding psm v0.1.32\n    Removing winnow v0.7.15\nnote: pass `--verbose` to see 84 unchanged dependencies behind latest\nwarning: not updating lockfile due to dry run\n";
        assert_eq!(
            outcome_lines(stderr),
            [
                "Updating futures-macro v0.3.33 -> v0.3.34",
                "Adding psm v0.1.32",
                "Removing winnow v0.7.15"
            ]
        );
        let outcome = outcome_lines(stderr);
        assert!(moves(&outcome, "futures-macro@0.3.33"));
        assert!(moves(&outcome, "winnow@0.7.15"));
        assert!(!moves(&outcome, "futures-macro@0.3.34"));
        assert!(!moves(&outcome, "psm@0.1.32"));
    }

    #[test]
    fn refusals_are_read_from_cargo_text() {
        // As cargo 1.95 words them.
        let registry = "    Updating crates.io index\nerror: failed to select a version for the requirement `futures-macro = \"=0.3.33\"`\ncandidate versions found which didn't match: 0.3.34\nlocation searched: crates.io index\nrequired by package `futures-util v0.3.33`\n    ... which satisfies dependency `futures-util = \"^0.3.33\"` (locked to 0.3.33) of package `mdbook v0.5.4 (/w/mdBook)`\n";
        assert_eq!(
            refusal(registry),
            Refusal::ExactPin {
                requirement: "futures-macro = \"=0.3.33\"".into(),
                parent: "futures-util".into(),
                parent_version: "0.3.33".into(),
                parent_path: None,
            }
        );
        let member = "error: failed to select a version for the requirement `indicatif = \"=0.17.4\"`\ncandidate versions found which didn't match: 0.17.9\nlocation searched: crates.io index\nrequired by package `hyperfine v1.20.0 (/w/hyperfine)`\n";
        assert!(matches!(
            refusal(member),
            Refusal::ExactPin { parent_path: Some(p), .. } if p == "/w/hyperfine"
        ));
        assert_eq!(
            refusal("error: specificationm `clap_builder@4.6.6` is ambiguous\nhelp: re-run"),
            Refusal::Ambiguous
        );
        assert_eq!(
            refusal(
                "error: package ID specification `thiserror-impl@1.0.69` did not match any packages\n"
            ),
            Refusal::NoMatch
        );
        assert_eq!(
            refusal("    Updating crates.io index\nerror: no matching package named `x` found\n"),
            Refusal::Other("no matching package named `x` found".into())
        );
    }
}
