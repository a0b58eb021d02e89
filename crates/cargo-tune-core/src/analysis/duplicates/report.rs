//! Messages, evidence and suggestions of the duplicate-version findings.

use std::collections::BTreeSet;

use cargo_tune_schema::{Finding, FindingCode, Location, SuggestedChange, Suggestion};
use semver::Version;
use serde_json::{Value, json};

use crate::cargo::metadata::Source;
use crate::workspace::{Member, RegistryIndex};

use super::*;

pub(super) struct Reporter<'a> {
    pub(super) members: &'a [Member],
    pub(super) graph: &'a Graph<'a>,
    pub(super) index: &'a RegistryIndex,
}

impl Reporter<'_> {
    pub(super) fn finding(
        &self,
        code: FindingCode,
        name: &str,
        versions: &[usize],
        reach: &Reach,
    ) -> Finding {
        let graph = self.graph;
        let newest_i = *versions.last().expect("a duplicate has versions");
        let newest = graph.packages[newest_i];
        let mut evidence_versions = Vec::new();
        let mut suggestions: Vec<Suggestion> = Vec::new();
        let mut notes = Vec::new();
        let mut location = None;
        let mut stack_macros = BTreeSet::new();
        let mut in_stack = false;

        for &v in versions {
            let package = graph.packages[v];
            let proc_macro_dependents = reach.proc_macro_dependents(graph, v);
            let proc_macro = graph.proc_macro[v];
            in_stack |= proc_macro || !proc_macro_dependents.is_empty();
            stack_macros.extend(
                proc_macro_dependents
                    .iter()
                    .map(|&i| graph.packages[i].name.clone()),
            );
            let mut kinds = BTreeSet::new();
            let mut dependents = Vec::new();
            let mut blocked = Vec::new();
            for (from, edge_kinds) in &reach.incoming[v] {
                kinds.extend(edge_kinds.iter().copied());
                let parent = graph.packages[*from];
                let requirement = requirement_on(parent, package);
                let admits = v == newest_i
                    || (requirement.admits(&newest.version)
                        && same_source(package.source.as_ref(), newest.source.as_ref()));
                dependents.push(json!({
                    "package": graph.label(*from),
                    "req": requirement.display(),
                    "admits_newest": admits,
                }));
                if !admits {
                    blocked.push((*from, requirement));
                }
            }
            evidence_versions.push(json!({
                "version": package.version.to_string(),
                "source": package.source.as_ref().map(|s| s.repr.clone()),
                "path": reach.path(graph, v),
                "kinds": kinds,
                "proc_macro": proc_macro,
                "proc_macro_dependents": proc_macro_dependents.iter().map(|&i| graph.label(i)).collect::<Vec<_>>(),
                "dependents": dependents,
            }));
            if v == newest_i {
                continue;
            }
            if blocked.is_empty() {
                if package.source.as_ref().is_some_and(|s| {
                    s.repr.starts_with("registry+") || s.repr.starts_with("sparse+")
                }) && same_source(package.source.as_ref(), newest.source.as_ref())
                {
                    push_unique(
                        &mut suggestions,
                        Suggestion {
                            summary: format!(
                                "every dependent of {name} {} admits {}",
                                package.version, newest.version
                            ),
                            change: SuggestedChange::CargoUpdate {
                                spec: format!("{name}@{}", package.version),
                                precise: newest.version.to_string(),
                            },
                        },
                    );
                }
                continue;
            }
            for (from, requirement) in blocked {
                let parent = graph.packages[from];
                notes.push(format!(
                    "{} {} is held by {} ({name} {})",
                    name,
                    package.version,
                    graph.label(from),
                    requirement.display()
                ));
                // Index lookups cost file reads; only duplicates the host builds get them.
                let use_index = code == FindingCode::DuplicateVersion;
                if let Some(suggestion) = self.unblock(
                    from,
                    name,
                    &newest.version,
                    &requirement,
                    use_index,
                    &mut location,
                ) {
                    push_unique(&mut suggestions, suggestion);
                } else if parent.source.is_none() && !graph.is_member[from] {
                    notes.push(format!(
                        "{} is a path dependency; edit its manifest",
                        graph.label(from)
                    ));
                }
            }
        }

        let listed: Vec<String> = versions
            .iter()
            .map(|&v| graph.packages[v].version.to_string())
            .collect();
        let message = match code {
            FindingCode::DuplicateVersionOtherTarget => format!(
                "{name} resolves to {} versions ({}), but only other targets compile more than one",
                versions.len(),
                listed.join(", ")
            ),
            _ => format!(
                "{name} is compiled in {} versions for the host ({})",
                versions.len(),
                listed.join(", ")
            ),
        };
        if in_stack {
            let macros: Vec<String> = stack_macros.into_iter().collect();
            notes.insert(0, if macros.is_empty() {
                "proc-macro versions: both sit on the critical path of every crate that derives with them".to_owned()
            } else {
                format!("in a proc-macro stack (used by {}): on the critical path of every crate deriving with it", macros.join(", "))
            });
        }
        let mut evidence = json!({
            "versions": evidence_versions,
            "newest": newest.version.to_string(),
            "proc_macro_stack": in_stack,
        });
        if !notes.is_empty() {
            evidence["note"] = Value::String(notes.join("; "));
        }
        let mut finding = Finding::new(code, name, message)
            .with_evidence(evidence)
            .with_location(location);
        for suggestion in suggestions {
            finding = finding.with_suggestion(suggestion);
        }
        finding
    }

    /// What would free the blocking parent `from` to accept `wanted`.
    pub(super) fn unblock(
        &self,
        from: usize,
        name: &str,
        wanted: &Version,
        requirement: &Requirement,
        use_index: bool,
        location: &mut Option<Location>,
    ) -> Option<Suggestion> {
        let graph = self.graph;
        let parent = graph.packages[from];
        if graph.is_member[from] {
            let member = self.members.iter().find(|m| m.id == parent.id)?;
            let decl = member
                .manifest
                .dependencies()
                .into_iter()
                .find(|d| d.package == name);
            if location.is_none() {
                *location = decl.as_ref().map(|d| d.location.clone());
            }
            return Some(Suggestion {
                summary: format!(
                    "{} requires {name} {}; raise it in {} to admit {wanted}",
                    parent.name,
                    requirement.display(),
                    member.manifest.rel_path
                ),
                change: SuggestedChange::Manual {
                    text: format!(
                        "in {}, change the requirement on {name} to admit {wanted}",
                        member.manifest.rel_path
                    ),
                },
            });
        }
        if !use_index || !parent.source.as_ref().is_some_and(Source::is_crates_io) {
            return None;
        }
        let release = unblocking_release(self.index, &parent.name, &parent.version, name, wanted)?;
        let how = if release.drops_dependency {
            format!("no longer depends on {name}")
        } else {
            format!("accepts {name} {wanted}")
        };
        Some(if release.compatible {
            Suggestion {
                summary: format!("{} {} {how}", parent.name, release.version),
                change: SuggestedChange::CargoUpdate {
                    spec: format!("{}@{}", parent.name, parent.version),
                    precise: release.version.to_string(),
                },
            }
        } else {
            Suggestion {
                summary: format!(
                    "{} {} {how} (a semver-incompatible upgrade)",
                    parent.name, release.version
                ),
                change: SuggestedChange::Manual {
                    text: format!(
                        "upgrade {} from {} to {} where it is required; that release {how}",
                        parent.name, parent.version, release.version
                    ),
                },
            }
        })
    }
}

pub(super) fn push_unique(suggestions: &mut Vec<Suggestion>, suggestion: Suggestion) {
    if !suggestions.contains(&suggestion) {
        suggestions.push(suggestion);
    }
}
