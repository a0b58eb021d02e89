//! `cargo update` steps checked before anything is written.
//!
//! The planned updates run in order against a scratch copy of `Cargo.lock` (cargo's
//! `resolver.lockfile-path`, unstable, so that one call runs with `RUSTC_BOOTSTRAP=1`), so each
//! sees the ones before it, as the real run will; where that cargo option is not available, each
//! runs alone as `cargo update --dry-run`. What cargo says it did becomes part of the plan. A
//! step cargo refuses, or one that would add a second version of a package the lockfile already
//! holds, is taken out with the reason, so that one bad update never sinks the rest of an
//! apply. The one refusal with a fix of its own is a parent that pins the package exactly
//! (`thiserror` requires `thiserror-impl = "=2.0.18"`): the two are then updated together, when
//! cargo says that moves the package.
//!
//! The updates of one duplicate-version finding stay only if, together, they remove a version of
//! its package (`cargo tree -d --target all` on the scratch lockfile): moving some holders of a
//! version that others keep changes Cargo.lock and builds nothing less.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_tune_schema::{FindingCode, SkippedChange};

use super::ops::EditOp;
use super::plan::EditPlan;
use crate::cargo::{CargoCli, CargoOptions};
use crate::errors::CommandError;
use crate::workspace::Lockfile;

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

/// Where updates are tried.
enum Trial {
    /// A copy of `Cargo.lock` that each update really changes, in plan order.
    Scratch {
        _dir: tempfile::TempDir,
        lock: PathBuf,
    },
    /// Each update alone, against the real lockfile, with `--dry-run`.
    DryRun,
}

impl Trial {
    fn new(root_lock: &Path) -> Trial {
        let scratch = tempfile::Builder::new()
            .prefix("cargo-tune-lock")
            .tempdir()
            .ok()
            .and_then(|dir| {
                let lock = dir.path().join("Cargo.lock");
                std::fs::copy(root_lock, &lock).ok()?;
                Some(Trial::Scratch { _dir: dir, lock })
            });
        scratch.unwrap_or(Trial::DryRun)
    }

    /// Versions of each package in the lockfile the next update starts from.
    fn versions(&self, root_lock: &Path) -> BTreeMap<String, Vec<String>> {
        let path = match self {
            Trial::Scratch { lock, .. } => lock.as_path(),
            Trial::DryRun => root_lock,
        };
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Ok(Some(lock)) = Lockfile::read(path) {
            for p in lock.packages {
                out.entry(p.name).or_default().push(p.version);
            }
        }
        out
    }

    /// The packages in several versions, as `cargo tree -d --target all` lists them for the
    /// scratch lockfile (every target: an update must not trade a duplicate on one platform for
    /// one on another); `None` without one.
    fn duplicates(
        &self,
        manifest: &Path,
        root: &Path,
        options: &CargoOptions,
    ) -> Option<BTreeMap<String, Vec<String>>> {
        let Trial::Scratch { lock, .. } = self else {
            return None;
        };
        let mut options = options.clone();
        options.manifest_path = Some(manifest.to_owned());
        options.color = None;
        let out = scratch_cargo("tree", lock, &options)
            .args(["-d", "--workspace", "--depth", "0", "--prefix", "none"])
            .args(["-e", "normal,build,dev", "--target", "all"])
            .current_dir(root)
            .output()
            .ok()?;
        let mut dups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut words = line.split_whitespace();
            if let (Some(name), Some(version)) = (words.next(), words.next()) {
                let versions = dups.entry(name.to_owned()).or_default();
                let version = version.trim_start_matches('v').to_owned();
                if !versions.contains(&version) {
                    versions.push(version);
                }
            }
        }
        Some(dups)
    }

    fn run(
        &mut self,
        op: &EditOp,
        root: &Path,
        options: &CargoOptions,
    ) -> Result<Vec<String>, String> {
        let EditOp::CargoUpdate { manifest, .. } = op else {
            return Ok(Vec::new());
        };
        let mut options = options.clone();
        options.manifest_path = Some(manifest.clone());
        options.locked = false;
        options.frozen = false;
        options.color = None;
        let args = op.update_args();
        let cli = match self {
            Trial::Scratch { lock, .. } => scratch_cargo("update", lock, &options).args(&args[1..]),
            Trial::DryRun => CargoCli::new(&args[..1], &options)
                .args(&args[1..])
                .arg("--dry-run"),
        };
        match cli.current_dir(root).output() {
            Ok(out) => Ok(outcome_lines(&String::from_utf8_lossy(&out.stderr))),
            Err(CommandError::Failed { stderr, .. })
                if matches!(self, Trial::Scratch { .. })
                    && (stderr.contains("-Z") || stderr.contains("lockfile-path"))
                    && !stderr.contains("failed to select") =>
            {
                // This cargo has no scratch lockfile: fall back to dry runs.
                *self = Trial::DryRun;
                self.run(op, root, &options)
            }
            Err(CommandError::Failed { stderr, .. }) => Err(stderr),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The packages an outcome adds to `Cargo.lock`: another version of one it holds, or a package
/// it did not hold at all. An update meant to remove a duplicate must not grow the build.
fn added_copies(outcome: &[String], before: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for line in outcome {
        let mut words = line.split_whitespace();
        let (Some("Adding"), Some(name), Some(version)) =
            (words.next(), words.next(), words.next())
        else {
            continue;
        };
        let version = version.trim_start_matches('v');
        let removed = outcome.iter().any(|l| {
            let mut w = l.split_whitespace();
            matches!(
                w.next(),
                Some("Removing" | "Updating" | "Downgrading" | "Upgrading")
            ) && w.next() == Some(name)
        });
        match before.get(name) {
            Some(existing) if !removed && !existing.iter().any(|v| v == version) => {
                out.push(format!("{name} {version} next to {}", existing.join(", ")));
            }
            None => out.push(format!("{name} {version}, new")),
            Some(_) => {}
        }
    }
    out
}

/// Whether a rejection is ours (the update works but does harm) rather than cargo's refusal.
fn is_harm(reason: &str) -> bool {
    reason.starts_with("it would") || reason.starts_with("cargo takes it")
}

/// What to do with one planned update.
enum Checked {
    Keep(EditOp),
    Skip(String),
}

/// Duplicates as the last kept step left them.
type Duplicates = Option<BTreeMap<String, Vec<String>>>;

fn check(
    op: &EditOp,
    root: &Path,
    options: &CargoOptions,
    trial: &mut Trial,
    duplicates: &mut Duplicates,
) -> Checked {
    let EditOp::CargoUpdate {
        manifest, specs, ..
    } = op
    else {
        return Checked::Keep(op.clone());
    };
    let spec = specs.first().cloned().unwrap_or_default();
    let root_lock = manifest.with_file_name("Cargo.lock");
    let before = trial.versions(&root_lock);
    let before_bytes = match &*trial {
        Trial::Scratch { lock, .. } => std::fs::read(lock).ok(),
        Trial::DryRun => None,
    };
    let attempt =
        |op: &EditOp, trial: &mut Trial, duplicates: &mut Duplicates| -> Result<EditOp, String> {
            let outcome = trial.run(op, root, options)?;
            let added = added_copies(&outcome, &before);
            let mut harm = Vec::new();
            if !added.is_empty() {
                harm.push(format!("it would add to Cargo.lock: {}", added.join("; ")));
            }
            let after = trial.duplicates(manifest, root, options);
            if let (Some(before), Some(after)) = (duplicates.as_ref(), after.as_ref()) {
                for (name, versions) in after {
                    let had = before.get(name).map_or(1, Vec::len);
                    if versions.len() > had {
                        harm.push(format!(
                            "it would make cargo tree -d list {name} in {} versions ({})",
                            versions.len(),
                            versions.join(", ")
                        ));
                    }
                }
            }
            if !harm.is_empty() {
                // Undo it in the scratch lockfile: later steps start from the state without it.
                if let (Trial::Scratch { lock, .. }, Some(bytes)) = (&*trial, &before_bytes) {
                    let _ = crate::fsutil::write_atomic(lock, bytes);
                }
                return Err(harm.join("; "));
            }
            if after.is_some() {
                *duplicates = after;
            }
            let mut op = op.clone();
            if let EditOp::CargoUpdate { outcome: o, .. } = &mut op {
                *o = outcome;
            }
            Ok(op)
        };
    let stderr = match attempt(op, trial, duplicates) {
        Ok(checked) => return Checked::Keep(checked),
        Err(reason) if is_harm(&reason) => return Checked::Skip(reason),
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
            let stuck = || {
                format!(
                    "{parent} {parent_version} requires `{requirement}` exactly and no release of \
                     {parent} that every requirement admits takes another version; nothing to do \
                     until {parent} releases one"
                )
            };
            match attempt(&together, trial, duplicates) {
                Ok(checked) if matches!(&checked, EditOp::CargoUpdate { outcome, .. } if moves(outcome, &spec)) => {
                    Checked::Keep(checked)
                }
                Ok(_) => {
                    if let (Trial::Scratch { lock, .. }, Some(bytes)) = (&*trial, &before_bytes) {
                        let _ = crate::fsutil::write_atomic(lock, bytes);
                    }
                    Checked::Skip(stuck())
                }
                Err(reason) if is_harm(&reason) => Checked::Skip(reason),
                Err(_) => Checked::Skip(stuck()),
            }
        }
        Refusal::Ambiguous => Checked::Skip(format!(
            "`{spec}` names two packages, one version from two sources (a path or git copy and \
             the registry's); `cargo update` cannot move one of them by name"
        )),
        Refusal::NoMatch if before.contains_key(spec.split('@').next().unwrap_or_default()) => {
            Checked::Skip(format!(
                "an earlier update of this plan already moved `{spec}`"
            ))
        }
        Refusal::NoMatch => Checked::Skip(format!("`{spec}` is no longer in Cargo.lock")),
        Refusal::Other(line) => Checked::Skip(format!("`cargo update` refuses: {line}")),
    }
}

/// The package a `cargo update` of a duplicate-version finding is for (the finding's subject);
/// `None` for other findings and plan steps, whose updates need not remove a duplicate.
fn duplicate_of(finding: Option<&str>) -> Option<String> {
    let (code, subject) = finding?.split_once(':')?;
    matches!(
        FindingCode::parse(code)?,
        FindingCode::DuplicateVersion | FindingCode::DuplicateVersionOtherTarget
    )
    .then(|| subject.to_owned())
}

/// Whether the updates of one duplicate, with cargo's account of each, removed a version of
/// `name`: by `cargo tree -d` on the scratch lockfile, or, without one, by cargo's account.
fn removes(
    name: &str,
    before: &Duplicates,
    after: &Duplicates,
    outcomes: &[&[String]],
) -> Result<(), String> {
    let listed = |d: &BTreeMap<String, Vec<String>>| d.get(name).map_or(1, Vec::len);
    match (before, after) {
        (Some(before), Some(after)) => {
            if listed(after) < listed(before) {
                Ok(())
            } else {
                Err(format!(
                    "cargo tree -d would still list {name} in {} versions ({})",
                    listed(after),
                    after.get(name).map(|v| v.join(", ")).unwrap_or_default()
                ))
            }
        }
        _ => {
            let moved = outcomes.iter().flat_map(|o| o.iter()).any(|line| {
                let mut words = line.split_whitespace();
                matches!(
                    words.next(),
                    Some("Removing" | "Updating" | "Downgrading" | "Upgrading")
                ) && words.next() == Some(name)
            });
            if moved {
                Ok(())
            } else {
                Err(format!(
                    "cargo would leave every version of {name} in Cargo.lock"
                ))
            }
        }
    }
}

/// Tries every `cargo update` of `plan` in order: a feasible one keeps cargo's account of what it
/// changes, a parent's exact pin turns into updating both, and an infeasible or harmful one
/// leaves the plan (with its step) as a skipped change that gives the reason. The updates of one
/// duplicate-version finding are kept only together, and only when they remove a version of
/// its package: updates that move its holders but leave the duplicate change Cargo.lock for
/// nothing, so they are all left out, with what would remain.
pub fn check_updates(plan: &mut EditPlan, options: &CargoOptions) {
    let Some(EditOp::CargoUpdate { manifest, .. }) = plan.commands.first().cloned() else {
        return;
    };
    let commands = std::mem::take(&mut plan.commands);
    let mut trial = Trial::new(&manifest.with_file_name("Cargo.lock"));
    let mut duplicates = trial.duplicates(&manifest, &plan.root, options);
    // The updates in plan order, grouped by the duplicate they are for.
    let mut groups: Vec<(Option<String>, Vec<EditOp>)> = Vec::new();
    for op in commands {
        let finding = plan
            .steps
            .iter()
            .find(|s| s.ops.contains(&op))
            .and_then(|s| s.finding.as_deref());
        let target = duplicate_of(finding);
        match groups
            .iter_mut()
            .find(|(t, _)| target.is_some() && *t == target)
        {
            Some((_, ops)) => ops.push(op),
            None => groups.push((target, vec![op])),
        }
    }
    for (target, ops) in groups {
        let lock_before = match &trial {
            Trial::Scratch { lock, .. } => std::fs::read(lock).ok(),
            Trial::DryRun => None,
        };
        let duplicates_before = duplicates.clone();
        let mut kept: Vec<(EditOp, EditOp)> = Vec::new();
        for op in ops {
            match check(&op, &plan.root, options, &mut trial, &mut duplicates) {
                Checked::Keep(checked) => kept.push((op, checked)),
                Checked::Skip(reason) => skip(plan, &op, &reason),
            }
        }
        if let (Some(name), false) = (&target, kept.is_empty()) {
            let outcomes: Vec<&[String]> = kept
                .iter()
                .filter_map(|(_, c)| match c {
                    EditOp::CargoUpdate { outcome, .. } => Some(outcome.as_slice()),
                    _ => None,
                })
                .collect();
            if let Err(left) = removes(name, &duplicates_before, &duplicates, &outcomes) {
                // Back to the lockfile before these updates: later ones start from it.
                if let (Trial::Scratch { lock, .. }, Some(bytes)) = (&trial, &lock_before) {
                    let _ = crate::fsutil::write_atomic(lock, bytes);
                }
                duplicates = duplicates_before;
                let reason = format!(
                    "{left} after {}: it would change Cargo.lock without removing the duplicate",
                    match kept.len() {
                        1 => "this update".to_owned(),
                        n => format!("the {n} updates for it"),
                    }
                );
                for (op, _) in &kept {
                    skip(plan, op, &reason);
                }
                continue;
            }
        }
        for (op, checked) in kept {
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
    }
}

/// Takes `op` out of the plan's steps, each step that held it shown as skipped with `reason`.
fn skip(plan: &mut EditPlan, op: &EditOp, reason: &str) {
    for step in &mut plan.steps {
        if step.ops.contains(op) {
            step.ops.retain(|o| o != op);
            plan.skipped.push(SkippedChange {
                finding: step.finding.clone(),
                summary: step.summary.clone(),
                reason: reason.to_owned(),
            });
        }
    }
    plan.steps.retain(|s| !s.ops.is_empty());
}

/// `cargo -Zlockfile-path <subcommand>` resolving into `lock` rather than beside the manifest
/// (unstable, hence `RUSTC_BOOTSTRAP=1`).
fn scratch_cargo(subcommand: &str, lock: &Path, options: &CargoOptions) -> CargoCli {
    let value = toml_edit::Value::from(lock.display().to_string());
    CargoCli::new(&["-Zlockfile-path", subcommand], options)
        .config(format!(
            "resolver.lockfile-path={}",
            value.to_string().trim()
        ))
        .env("RUSTC_BOOTSTRAP", "1")
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
    fn an_update_that_adds_packages_is_caught() {
        let before: BTreeMap<String, Vec<String>> = [
            ("strum".to_owned(), vec!["0.27.2".to_owned()]),
            ("lru".to_owned(), vec!["0.16.3".to_owned()]),
        ]
        .into();
        let outcome: Vec<String> = [
            "Adding palette v0.7.7",
            "Adding strum v0.28.0",
            "Updating lru v0.16.3 -> v0.18.5",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            added_copies(&outcome, &before),
            ["palette 0.7.7, new", "strum 0.28.0 next to 0.27.2"]
        );
        // The old copy goes in the same step: a move, not a second copy.
        let moved: Vec<String> = ["Adding strum v0.28.0", "Removing strum v0.27.2"]
            .map(str::to_owned)
            .to_vec();
        assert!(added_copies(&moved, &before).is_empty());
    }

    #[test]
    fn an_update_counts_only_when_it_removes_the_duplicate_it_is_for() {
        assert_eq!(
            duplicate_of(Some("duplicate-version:syn")),
            Some("syn".to_owned())
        );
        assert_eq!(duplicate_of(Some("compiled-twice:syn@2.0.1")), None);
        assert_eq!(duplicate_of(None), None);
        let listed = |entries: &[(&str, &[&str])]| -> Duplicates {
            Some(
                entries
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), v.iter().map(|v| (*v).to_owned()).collect()))
                    .collect(),
            )
        };
        let before = listed(&[("syn", &["1.0.109", "2.0.1"])]);
        assert!(removes("syn", &before, &listed(&[]), &[]).is_ok());
        let left = removes("syn", &before, &before, &[]).unwrap_err();
        assert_eq!(
            left,
            "cargo tree -d would still list syn in 2 versions (1.0.109, 2.0.1)"
        );
        // Without a scratch lockfile, cargo's account says whether a version went.
        let moved = ["Updating syn v1.0.109 -> v2.0.1".to_owned()];
        let other = ["Updating quote v1.0.1 -> v1.0.2".to_owned()];
        assert!(removes("syn", &None, &None, &[&moved]).is_ok());
        assert!(removes("syn", &None, &None, &[&other]).is_err());
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
