//! Duplicate versions: packages resolved in more than one version, who pulls each version in,
//! and how to collapse them.
//!
//! Three codes partition the duplicates:
//! - `duplicate-version`: several versions reachable from the members over normal, build and dev
//!   edges active for the host. This is the set of names `cargo tree -d --workspace` lists with
//!   two or more versions.
//! - `duplicate-version-other-target`: several versions only once every target's edges count.
//! - `duplicate-version-lockfile-only`: several versions in `Cargo.lock` (which resolves every
//!   feature) but not in the resolve of the current features.
//!
//! `cargo tree -d` also lists names compiled once per feature set (resolver 2 builds a package
//! separately for build scripts and proc-macros when their features differ). Those are one
//! version, and telling them apart needs cargo's feature resolver, which `cargo metadata` does not
//! expose, so they are not reported.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use cargo_metadata::cargo_platform::Cfg;
use cargo_metadata::{DependencyKind, Metadata, Package, PackageId, Source, TargetKind};
use cargo_tune_schema::{Finding, FindingCode, Location, SuggestedChange, Suggestion};
use semver::{Version, VersionReq};
use serde_json::{Value, json};

use super::{AnalysisCtx, FindingSink};
use crate::workspace::{Lockfile, RegistryIndex, WorkspaceModel};

/// Runs this analysis.
pub fn run(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    let Some(graph) = Graph::new(&ctx.model.metadata) else {
        return;
    };
    let host = Scope::Host {
        triple: &ctx.env.rustc.host,
        cfg: &ctx.env.host_cfg,
    };
    let host_reach = graph.reach(host);
    let all_reach = graph.reach(Scope::AllTargets);
    let host_groups = host_reach.duplicate_groups(&graph);
    let all_groups = all_reach.duplicate_groups(&graph);
    let report = Reporter {
        model: ctx.model,
        graph: &graph,
        index: &ctx.model.registry_index,
    };

    for (name, versions) in &host_groups {
        sink.push(report.finding(FindingCode::DuplicateVersion, name, versions, &host_reach));
    }
    for (name, versions) in &all_groups {
        if !host_groups.contains_key(name) {
            sink.push(report.finding(
                FindingCode::DuplicateVersionOtherTarget,
                name,
                versions,
                &all_reach,
            ));
        }
    }
    if let Some(lockfile) = &ctx.model.lockfile {
        for finding in lockfile_only(lockfile, &graph) {
            sink.push(finding);
        }
    }
}

/// Which dependency edges are followed.
#[derive(Clone, Copy, Debug)]
enum Scope<'a> {
    /// Edges cargo compiles when building for the host (no `--target`).
    Host { triple: &'a str, cfg: &'a [Cfg] },
    /// Edges of every target.
    AllTargets,
}

/// One resolved dependency edge with the kinds it is declared as.
struct Edge<'m> {
    to: usize,
    kinds: Vec<(
        DependencyKind,
        Option<&'m cargo_metadata::cargo_platform::Platform>,
    )>,
}

/// The resolve as index-addressed adjacency lists.
struct Graph<'m> {
    packages: Vec<&'m Package>,
    edges: Vec<Vec<Edge<'m>>>,
    members: Vec<usize>,
    is_member: Vec<bool>,
    proc_macro: Vec<bool>,
}

impl<'m> Graph<'m> {
    fn new(metadata: &'m Metadata) -> Option<Graph<'m>> {
        let resolve = metadata.resolve.as_ref()?;
        let by_id: HashMap<&PackageId, &Package> =
            metadata.packages.iter().map(|p| (&p.id, p)).collect();
        let mut index: HashMap<&PackageId, usize> = HashMap::with_capacity(resolve.nodes.len());
        let mut packages = Vec::with_capacity(resolve.nodes.len());
        for node in &resolve.nodes {
            if let Some(package) = by_id.get(&node.id) {
                index.insert(&node.id, packages.len());
                packages.push(*package);
            }
        }
        let mut edges: Vec<Vec<Edge<'m>>> = (0..packages.len()).map(|_| Vec::new()).collect();
        for node in &resolve.nodes {
            let Some(&from) = index.get(&node.id) else {
                continue;
            };
            for dep in &node.deps {
                let Some(&to) = index.get(&dep.pkg) else {
                    continue;
                };
                let kinds = dep
                    .dep_kinds
                    .iter()
                    .map(|k| (k.kind, k.target.as_ref()))
                    .collect();
                edges[from].push(Edge { to, kinds });
            }
        }
        let members: Vec<usize> = metadata
            .workspace_members
            .iter()
            .filter_map(|id| index.get(id).copied())
            .collect();
        let mut is_member = vec![false; packages.len()];
        for &m in &members {
            is_member[m] = true;
        }
        let proc_macro = packages
            .iter()
            .map(|p| p.targets.iter().any(|t| t.is_kind(TargetKind::ProcMacro)))
            .collect();
        Some(Graph {
            packages,
            edges,
            members,
            is_member,
            proc_macro,
        })
    }

    /// The kinds of `edge` that are active in `scope` when leaving `from`.
    fn active_kinds(
        &self,
        from: usize,
        edge: &Edge<'_>,
        scope: Scope<'_>,
    ) -> BTreeSet<&'static str> {
        edge.kinds
            .iter()
            .filter(|(_, platform)| match (scope, platform) {
                (_, None) | (Scope::AllTargets, _) => true,
                (Scope::Host { triple, cfg }, Some(platform)) => platform.matches(triple, cfg),
            })
            .filter_map(|(kind, _)| match kind {
                DependencyKind::Normal => Some("normal"),
                DependencyKind::Build => Some("build"),
                // Only members' dev-dependencies are ever built.
                DependencyKind::Development if self.is_member[from] => Some("dev"),
                _ => None,
            })
            .collect()
    }

    /// Breadth-first search from the members: what is reachable, by which shortest path, and
    /// over which edges.
    fn reach(&self, scope: Scope<'_>) -> Reach {
        let n = self.packages.len();
        let mut reach = Reach {
            reached: vec![false; n],
            parent: vec![None; n],
            incoming: vec![Vec::new(); n],
        };
        let mut queue = VecDeque::new();
        for &m in &self.members {
            if !reach.reached[m] {
                reach.reached[m] = true;
                queue.push_back(m);
            }
        }
        while let Some(from) = queue.pop_front() {
            for edge in &self.edges[from] {
                let kinds = self.active_kinds(from, edge, scope);
                if kinds.is_empty() {
                    continue;
                }
                reach.incoming[edge.to].push((from, kinds));
                if !reach.reached[edge.to] {
                    reach.reached[edge.to] = true;
                    reach.parent[edge.to] = Some(from);
                    queue.push_back(edge.to);
                }
            }
        }
        reach
    }

    fn label(&self, i: usize) -> String {
        format!("{} {}", self.packages[i].name, self.packages[i].version)
    }
}

/// What one scope reaches.
struct Reach {
    reached: Vec<bool>,
    parent: Vec<Option<usize>>,
    /// Active edges into each package from reached packages, with their kinds.
    incoming: Vec<Vec<(usize, BTreeSet<&'static str>)>>,
}

impl Reach {
    /// Names reached in two or more package ids, each with its packages, oldest version first.
    fn duplicate_groups(&self, graph: &Graph<'_>) -> BTreeMap<String, Vec<usize>> {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, package) in graph.packages.iter().enumerate() {
            if self.reached[i] {
                groups.entry(package.name.to_string()).or_default().push(i);
            }
        }
        groups.retain(|_, ids| ids.len() > 1);
        for ids in groups.values_mut() {
            ids.sort_by(|&a, &b| {
                let (a, b) = (graph.packages[a], graph.packages[b]);
                a.version.cmp(&b.version).then_with(|| {
                    source_repr(a.source.as_ref()).cmp(source_repr(b.source.as_ref()))
                })
            });
        }
        groups
    }

    /// The shortest path from a member to `to`, as `name version` labels.
    fn path(&self, graph: &Graph<'_>, to: usize) -> Vec<String> {
        let mut path = vec![graph.label(to)];
        let mut at = to;
        while let Some(parent) = self.parent[at] {
            path.push(graph.label(parent));
            at = parent;
        }
        path.reverse();
        path
    }

    /// The nearest proc-macros that compile `of` into themselves: reverse search over normal and
    /// build edges, stopping at each proc-macro found.
    fn proc_macro_dependents(&self, graph: &Graph<'_>, of: usize) -> Vec<usize> {
        let mut seen = vec![false; graph.packages.len()];
        let mut found = Vec::new();
        let mut stack = vec![of];
        seen[of] = true;
        while let Some(at) = stack.pop() {
            for (from, kinds) in &self.incoming[at] {
                if seen[*from] || !kinds.iter().any(|k| *k != "dev") {
                    continue;
                }
                seen[*from] = true;
                if graph.proc_macro[*from] {
                    found.push(*from);
                } else {
                    stack.push(*from);
                }
            }
        }
        found.sort_by_key(|&i| {
            (
                graph.packages[i].name.to_string(),
                graph.packages[i].version.clone(),
            )
        });
        found
    }
}

fn source_repr(source: Option<&Source>) -> &str {
    source.map_or("", |s| s.repr.as_str())
}

fn same_source(a: Option<&Source>, b: Option<&Source>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.repr == b.repr || (a.is_crates_io() && b.is_crates_io()),
        _ => false,
    }
}

/// How one dependent asks for one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The requirements it declares for that package that select this version (several when it
    /// is, say, both a normal and a build dependency).
    pub reqs: Vec<VersionReq>,
}

impl Requirement {
    /// Whether every requirement also admits `version` (and there is at least one).
    pub fn admits(&self, version: &Version) -> bool {
        !self.reqs.is_empty() && self.reqs.iter().all(|r| r.matches(version))
    }

    fn display(&self) -> String {
        if self.reqs.is_empty() {
            return "?".to_owned();
        }
        self.reqs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The requirements `parent` declares on `child` (by package name and source) that `child`'s
/// version satisfies.
pub fn requirement_on(parent: &Package, child: &Package) -> Requirement {
    let mut reqs: Vec<VersionReq> = parent
        .dependencies
        .iter()
        .filter(|d| {
            d.name == child.name.as_str() && same_source(d.source.as_ref(), child.source.as_ref())
        })
        .filter(|d| {
            d.path
                .as_deref()
                .is_none_or(|path| child.manifest_path.parent() == Some(path))
        })
        .filter(|d| d.req.matches(&child.version))
        .map(|d| d.req.clone())
        .collect();
    reqs.dedup();
    Requirement { reqs }
}

/// A newer release of a blocking parent whose requirement admits the wanted version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentRelease {
    /// The release.
    pub version: Version,
    /// Whether `cargo update` can reach it without any manifest edit (semver-compatible).
    pub compatible: bool,
    /// Whether it no longer depends on the package at all.
    pub drops_dependency: bool,
}

/// The oldest release of `parent` newer than `current` (and not yanked or pre-release) whose
/// non-dev requirements on `child` admit `wanted`, preferring a semver-compatible one.
pub fn unblocking_release(
    index: &RegistryIndex,
    parent: &str,
    current: &Version,
    child: &str,
    wanted: &Version,
) -> Option<ParentRelease> {
    let compatible_req = VersionReq::parse(&format!("^{current}")).ok()?;
    let mut candidates: Vec<ParentRelease> = index
        .releases(parent)
        .into_iter()
        .filter(|r| r.version > *current && !r.yanked && r.version.pre.is_empty())
        .filter_map(|r| {
            let on_child: Vec<_> = r
                .deps
                .iter()
                .filter(|d| d.package == child && d.kind != "dev")
                .collect();
            on_child
                .iter()
                .all(|d| d.req.matches(wanted))
                .then(|| ParentRelease {
                    compatible: compatible_req.matches(&r.version),
                    drops_dependency: on_child.is_empty(),
                    version: r.version,
                })
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.compatible
            .cmp(&a.compatible)
            .then_with(|| a.version.cmp(&b.version))
    });
    candidates.into_iter().next()
}

struct Reporter<'a> {
    model: &'a WorkspaceModel,
    graph: &'a Graph<'a>,
    index: &'a RegistryIndex,
}

impl Reporter<'_> {
    fn finding(&self, code: FindingCode, name: &str, versions: &[usize], reach: &Reach) -> Finding {
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
                    .map(|&i| graph.packages[i].name.to_string()),
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
                if let Some(suggestion) =
                    self.unblock(from, name, &newest.version, &requirement, &mut location)
                {
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
    fn unblock(
        &self,
        from: usize,
        name: &str,
        wanted: &Version,
        requirement: &Requirement,
        location: &mut Option<Location>,
    ) -> Option<Suggestion> {
        let graph = self.graph;
        let parent = graph.packages[from];
        if graph.is_member[from] {
            let member = self.model.members.iter().find(|m| m.id == parent.id)?;
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
        if !parent.source.as_ref().is_some_and(Source::is_crates_io) {
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

fn push_unique(suggestions: &mut Vec<Suggestion>, suggestion: Suggestion) {
    if !suggestions.contains(&suggestion) {
        suggestions.push(suggestion);
    }
}

/// Names `Cargo.lock` holds in several versions, some of which the resolve does not use.
fn lockfile_only(lockfile: &Lockfile, graph: &Graph<'_>) -> Vec<Finding> {
    let mut locked: BTreeMap<&str, Vec<(&str, Option<&str>)>> = BTreeMap::new();
    for p in &lockfile.packages {
        locked
            .entry(p.name.as_str())
            .or_default()
            .push((p.version.as_str(), p.source.as_deref()));
    }
    let resolved: BTreeSet<(String, String)> = graph
        .packages
        .iter()
        .map(|p| (p.name.to_string(), p.version.to_string()))
        .collect();
    let mut findings = Vec::new();
    for (name, mut versions) in locked {
        if versions.len() < 2 {
            continue;
        }
        versions.sort_by(|a, b| match (Version::parse(a.0), Version::parse(b.0)) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => a.0.cmp(b.0),
        });
        let unused: Vec<&str> = versions
            .iter()
            .filter(|(v, _)| !resolved.contains(&(name.to_owned(), (*v).to_owned())))
            .map(|(v, _)| *v)
            .collect();
        if unused.is_empty() {
            continue;
        }
        let evidence_versions: Vec<Value> = versions
            .iter()
            .map(|(version, source)| {
                json!({
                    "version": version,
                    "source": source,
                    "in_resolve": resolved.contains(&(name.to_owned(), (*version).to_owned())),
                })
            })
            .collect();
        let listed: Vec<&str> = versions.iter().map(|(v, _)| *v).collect();
        findings.push(
            Finding::new(
                FindingCode::DuplicateVersionLockfileOnly,
                name,
                format!(
                    "Cargo.lock holds {} versions of {name} ({}); the current resolve does not use {}",
                    versions.len(),
                    listed.join(", "),
                    unused.join(", ")
                ),
            )
            .with_evidence(json!({
                "versions": evidence_versions,
                "note": format!(
                    "Cargo.lock resolves every feature: {name} {} is locked for optional dependencies or features that are off, and enabling them adds a version",
                    unused.join(", ")
                ),
            })),
        );
    }
    findings
}
