//! Messages, evidence and suggestions of the duplicate-version findings.

use std::collections::{BTreeMap, BTreeSet};

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
    /// What every target reaches: how a holder only another platform builds is reached.
    pub(super) all_reach: &'a Reach,
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
        // The proc-macro packages of the stack, the duplicate itself when it is one: their
        // macros' expansion is what `cargo tune timings --macros` adds to the finding's cost.
        let mut stack_packages: BTreeSet<String> = BTreeSet::new();
        let mut in_stack = false;

        for &v in versions {
            let package = graph.packages[v];
            let proc_macro_dependents = reach.proc_macro_dependents(graph, v);
            let proc_macro = graph.proc_macro[v];
            in_stack |= proc_macro || !proc_macro_dependents.is_empty();
            if proc_macro {
                stack_packages.insert(package.name.clone());
            }
            stack_macros.extend(
                proc_macro_dependents
                    .iter()
                    .map(|&i| graph.packages[i].name.clone()),
            );
            let mut kinds = BTreeSet::new();
            let mut dependents = Vec::new();
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
            // What `cargo update` must satisfy: every dependent of this version on any target,
            // not only the host's. Suggested updates are the ones that remove the version.
            let blocked: Vec<(usize, Requirement)> = graph
                .dependents(v)
                .into_iter()
                .filter_map(|from| {
                    let requirement = requirement_on(graph.packages[from], package);
                    let admits = requirement.admits(&newest.version)
                        && same_source(package.source.as_ref(), newest.source.as_ref());
                    (!admits).then_some((from, requirement))
                })
                .collect();
            if blocked.is_empty() {
                if package.source.as_ref().is_some_and(|s| {
                    s.repr.starts_with("registry+") || s.repr.starts_with("sparse+")
                }) && same_source(package.source.as_ref(), newest.source.as_ref())
                {
                    push_unique(
                        &mut suggestions,
                        Suggestion::new(
                            format!(
                                "every dependent of {name} {} admits {}",
                                package.version, newest.version
                            ),
                            SuggestedChange::CargoUpdate {
                                spec: format!("{name}@{}", package.version),
                                precise: newest.version.to_string(),
                            },
                        ),
                    );
                }
                continue;
            }
            // Updates of holders remove this version only when every holder moves; one that only
            // a person can move (or nothing moves) leaves it, and the updates alone would churn
            // Cargo.lock for nothing.
            let mut updates: Vec<(usize, Suggestion)> = Vec::new();
            let mut stuck: Vec<usize> = Vec::new();
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
                match self.unblock(
                    from,
                    name,
                    &newest.version,
                    &requirement,
                    use_index,
                    reach,
                    &mut location,
                ) {
                    Some(suggestion) => {
                        let suggestion = self.feasible(from, suggestion);
                        if matches!(suggestion.change, SuggestedChange::CargoUpdate { .. }) {
                            updates.push((from, suggestion));
                        } else {
                            push_unique(&mut suggestions, suggestion);
                            stuck.push(from);
                        }
                    }
                    None => {
                        if parent.source.is_none() && !graph.is_member[from] {
                            notes.push(format!(
                                "{} is a path dependency; edit its manifest",
                                graph.label(from)
                            ));
                        }
                        stuck.push(from);
                    }
                }
            }
            if stuck.is_empty() {
                for (_, update) in updates {
                    push_unique(&mut suggestions, update);
                }
            } else if !updates.is_empty() {
                let moved: Vec<String> = updates.iter().map(|(f, _)| graph.label(*f)).collect();
                let held: Vec<String> = stuck.iter().map(|&f| graph.label(f)).collect();
                notes.push(format!(
                    "`cargo update` could move {}, but {name} {} stays while {} hold{} it, so no update is suggested",
                    moved.join(", "),
                    package.version,
                    held.join(", "),
                    if held.len() == 1 { "s" } else { "" }
                ));
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
        stack_packages.extend(stack_macros.iter().cloned());
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
        if in_stack {
            evidence["proc_macros"] = json!(stack_packages);
        }
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

    /// `suggestion` as it is, unless it is an update `cargo update` cannot make: a dependent of
    /// the package it moves (on any target) does not admit the release. That dependent pins the
    /// package (`serde_core` requires `serde_derive = "=1.0.228"`) and moves with it or not at
    /// all, which the index cannot promise: the update becomes the manual step it stands for.
    fn feasible(&self, from: usize, suggestion: Suggestion) -> Suggestion {
        let SuggestedChange::CargoUpdate { precise, .. } = &suggestion.change else {
            return suggestion;
        };
        let graph = self.graph;
        let Ok(release) = Version::parse(precise) else {
            return suggestion;
        };
        let parent = graph.packages[from];
        let pins: Vec<(usize, Requirement)> = graph
            .dependents(from)
            .into_iter()
            .map(|d| (d, requirement_on(graph.packages[d], parent)))
            .filter(|(_, r)| !r.admits(&release))
            .collect();
        let Some((pin, requirement)) = pins.first() else {
            return self.adds_nothing(from, &release, suggestion);
        };
        let pinned_by = graph.label(*pin);
        Suggestion::new(
            format!(
                "{} (but {pinned_by} requires {} {}: it moves only together with {})",
                suggestion.summary,
                parent.name,
                requirement.display(),
                graph.packages[*pin].name
            ),
            SuggestedChange::Manual {
                text: format!(
                    "move {} {} to {release} together with {pinned_by}, which requires {} {}: \
                     `cargo update -p {}@{} -p {}@{}` once a release of {} takes {release}",
                    parent.name,
                    parent.version,
                    parent.name,
                    requirement.display(),
                    parent.name,
                    parent.version,
                    graph.packages[*pin].name,
                    graph.packages[*pin].version,
                    graph.packages[*pin].name
                ),
            },
        )
    }

    /// `suggestion` (an update of `from` to `release`) as it is, unless the release depends on
    /// something the resolve holds in no version of a compatible range: the update would add
    /// packages (yoke-derive 0.8.4 brings synstructure 0.14 next to 0.13), which `cargo tune
    /// apply` refuses, so it becomes a manual step that says what it would add. A dependency held
    /// in an older compatible version is moved along by cargo (actix-tls 3.6 takes actix-rt
    /// 2.15, the lockfile's 2.11 moves). Optional dependencies are left
    /// to the trial: whether they are on depends on features the index does not resolve.
    fn adds_nothing(&self, from: usize, release: &Version, suggestion: Suggestion) -> Suggestion {
        let graph = self.graph;
        let parent = graph.packages[from];
        let Some(entry) = self
            .index
            .releases_where(&parent.name, |v| v == release)
            .into_iter()
            .next()
        else {
            return suggestion;
        };
        let mut added: Vec<String> = entry
            .deps
            .iter()
            .filter(|d| d.kind != "dev" && !d.optional)
            // A held version in the requirement's semver-compatible range can move to one it
            // admits (cargo updates it with the parent); only another range adds a version.
            .filter(|d| {
                let wanted = crate::workspace::compat_bucket(&d.req.to_string());
                !graph.packages.iter().any(|p| {
                    p.name == d.package
                        && (d.req.matches(&p.version)
                            || wanted.is_some() && wanted == compat_bucket_of(&p.version))
                })
            })
            .map(|d| format!("{} {}", d.package, d.req))
            .collect();
        if added.is_empty() {
            return suggestion;
        }
        added.sort();
        added.dedup();
        Suggestion::new(
            format!(
                "{} (but it needs {}, which Cargo.lock does not hold: the update would add packages)",
                suggestion.summary,
                added.join(", ")
            ),
            SuggestedChange::Manual {
                text: format!(
                    "move {} {} to {release} if adding {} is acceptable: `cargo update -p {}@{} --precise {release}`",
                    parent.name,
                    parent.version,
                    added.join(", "),
                    parent.name,
                    parent.version
                ),
            },
        )
    }

    /// What would free the blocking parent `from` to accept `wanted`, ending at something the
    /// user controls: a member's requirement, a `cargo update`, or a direct dependency to upgrade
    /// or replace.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site, all borrowed context"
    )]
    pub(super) fn unblock(
        &self,
        from: usize,
        name: &str,
        wanted: &Version,
        requirement: &Requirement,
        use_index: bool,
        reach: &Reach,
        location: &mut Option<Location>,
    ) -> Option<Suggestion> {
        let graph = self.graph;
        let parent = graph.packages[from];
        // An old major that re-exports the new one (rand_core 0.3 depends on rand_core 0.4):
        // the parent is the duplicate itself, and what holds it is further up.
        if parent.name == name {
            return None;
        }
        if graph.is_member[from] {
            let member = self.members.iter().find(|m| m.id == parent.id)?;
            let decl = member
                .manifest
                .dependencies()
                .iter()
                .find(|d| d.package == name);
            if location.is_none() {
                *location = decl.as_ref().map(|d| d.location.clone());
            }
            // A path dependency is one copy on disk: a requirement does not choose the version.
            if let Some(path) = decl.as_ref().and_then(|d| d.path.as_deref()) {
                return Some(Suggestion::new(
                    format!(
                        "{} takes {name} from the path `{path}`; point it at the copy of {name} {wanted}, or make the two copies one",
                        parent.name
                    ),
                    SuggestedChange::Manual {
                        text: format!(
                            "in {}, change the path of {name} to the copy of version {wanted}",
                            member.manifest.rel_path
                        ),
                    },
                ));
            }
            return Some(Suggestion::new(
                format!(
                    "{} requires {name} {}; raise it in {} to admit {wanted}",
                    parent.name,
                    requirement.display(),
                    member.manifest.rel_path
                ),
                SuggestedChange::Manual {
                    text: format!(
                        "in {}, change the requirement on {name} to admit {wanted}",
                        member.manifest.rel_path
                    ),
                },
            ));
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
        if release.compatible {
            return Some(Suggestion::new(
                format!("{} {} {how}", parent.name, release.version),
                SuggestedChange::CargoUpdate {
                    spec: format!("{}@{}", parent.name, parent.version),
                    precise: release.version.to_string(),
                },
            ));
        }
        // A semver-incompatible release: only a manifest can ask for it. Name the direct
        // dependency of a member that brings the parent in, the package the user can change.
        let reach = if reach.reached[from] {
            reach
        } else {
            self.all_reach
        };
        let chain = trace_back(&reach.parent, from);
        let (member, direct) = match chain.as_slice() {
            [member, direct, ..] => (*member, *direct),
            _ => (from, from),
        };
        let member_name = &graph.packages[member].name;
        Some(if direct == from {
            Suggestion::new(
                format!(
                    "upgrade {} {} to {} in {member_name} (semver-incompatible): that release {how}",
                    parent.name, parent.version, release.version
                ),
                SuggestedChange::Manual {
                    text: format!(
                        "in {member_name}, require {} {} (from {}); that release {how}",
                        parent.name, release.version, parent.version
                    ),
                },
            )
        } else {
            let through: Vec<String> = chain[1..].iter().map(|&i| graph.label(i)).collect();
            let direct = graph.packages[direct];
            Suggestion::new(
                format!(
                    "upgrade or replace {member_name}'s dependency {} {}: it holds {} → {name} {}, and only {} {} {how} (semver-incompatible)",
                    direct.name,
                    direct.version,
                    through.join(" → "),
                    requirement.display(),
                    parent.name,
                    release.version
                ),
                SuggestedChange::Manual {
                    text: format!(
                        "in {member_name}, move {} to a release that uses {} {} or later, or replace it",
                        direct.name, parent.name, release.version
                    ),
                },
            )
        })
    }

    /// `duplicate-source` findings: versions of `name` that come from more than one source.
    pub(super) fn same_version_sources(
        &self,
        name: &str,
        ids: &[usize],
        reach: &Reach,
    ) -> Vec<Finding> {
        let graph = self.graph;
        let mut by_version: BTreeMap<&Version, Vec<usize>> = BTreeMap::new();
        for &i in ids {
            by_version
                .entry(&graph.packages[i].version)
                .or_default()
                .push(i);
        }
        let mut findings = Vec::new();
        for (version, copies) in by_version {
            if copies.len() < 2 {
                continue;
            }
            let describe = |i: usize| -> String {
                let p = graph.packages[i];
                match p.source.as_ref() {
                    Some(s) if s.is_crates_io() => "crates.io".to_owned(),
                    Some(s) => s.repr.split('#').next().unwrap_or(&s.repr).to_owned(),
                    None if graph.is_member[i] => "this workspace".to_owned(),
                    None => format!(
                        "the path {}",
                        p.manifest_path
                            .parent()
                            .unwrap_or(&p.manifest_path)
                            .display()
                    ),
                }
            };
            let sources: Vec<String> = copies.iter().map(|&i| describe(i)).collect();
            let member = copies.iter().copied().find(|&i| graph.is_member[i]);
            let registry = copies.iter().copied().find(|&i| {
                graph.packages[i]
                    .source
                    .as_ref()
                    .is_some_and(|s| s.is_crates_io())
            });
            let mut finding = Finding::new(
                FindingCode::DuplicateSource,
                format!("{name}@{version}"),
                format!(
                    "{name} {version} is compiled once per source for the host: {}",
                    sources.join(" and ")
                ),
            )
            .with_evidence(json!({
                "version": version.to_string(),
                "copies": copies.iter().map(|&i| json!({
                    "source": describe(i),
                    "member": graph.is_member[i],
                    "path": reach.path(graph, i),
                })).collect::<Vec<_>>(),
            }));
            finding = match (member, registry) {
                (Some(m), Some(r)) => {
                    let dir = self
                        .members
                        .iter()
                        .find(|x| x.id == graph.packages[m].id)
                        .map(|x| x.manifest.rel_path.trim_end_matches("Cargo.toml").trim_end_matches('/').to_owned())
                        .filter(|d| !d.is_empty())
                        .unwrap_or_else(|| ".".to_owned());
                    finding.with_suggestion(Suggestion::new(format!(
                            "build {name} once: `[patch.crates-io] {name} = {{ path = \"{dir}\" }}` in the root manifest makes {} use the workspace's copy (or keep both, if the published one must stay)",
                            reach.path(graph, r).iter().rev().nth(1).cloned().unwrap_or_else(|| "its dependents".to_owned())
                        ), SuggestedChange::Manual {
                            text: format!(
                                "add `[patch.crates-io]` with `{name} = {{ path = \"{dir}\" }}` to the root Cargo.toml"
                            ),
                        }))
                }
                _ => finding.with_suggestion(Suggestion::new(format!(
                        "make the dependents of {name} {version} agree on one source ({})",
                        sources.join(" or ")
                    ), SuggestedChange::Manual {
                        text: format!(
                            "take {name} {version} from one source everywhere, with a `[patch]` entry or by changing the dependents' declarations"
                        ),
                    })),
            };
            findings.push(finding);
        }
        findings
    }
}

/// The semver-compatible range a version belongs to, as [`crate::workspace::compat_bucket`]
/// gives it for a requirement.
fn compat_bucket_of(version: &Version) -> Option<(u64, u64, u64)> {
    crate::workspace::compat_bucket(&format!("^{version}"))
}

pub(super) fn push_unique(suggestions: &mut Vec<Suggestion>, suggestion: Suggestion) {
    if !suggestions.contains(&suggestion) {
        suggestions.push(suggestion);
    }
}
