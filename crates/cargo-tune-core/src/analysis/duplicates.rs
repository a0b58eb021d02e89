//! Duplicate versions: packages resolved in more than one version, who pulls each version in,
//! and how to collapse them.
//!
//! Three codes partition the duplicate versions:
//! - `duplicate-version`: several versions reachable from the members over normal, build and dev
//!   edges active for the host. This is the set of names `cargo tree -d --workspace` lists with
//!   two or more versions.
//! - `duplicate-version-other-target`: several versions only once every target's edges count.
//! - `duplicate-version-lockfile-only`: several versions in `Cargo.lock` (which resolves every
//!   feature) but not in the resolve of the current features.
//!
//! A fourth, `duplicate-feature-set`, is one version compiled twice: resolver 2 resolves the
//! features of build scripts, proc-macros and their dependencies (the host) apart from the
//! target's, and cargo shares a build between the two only when the features and every
//! dependency agree. `cargo metadata` unifies all features, so cargo-tune resolves them itself.
//! `cargo tree -d` lists a subset of these: its graph merges the two sides of a package whose
//! features agree, so it never reaches a dependency that differs below it.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::cargo::metadata::{
    DependencyKind, Metadata, Package, PackageId, Platform, Source, TargetKind,
};
use cargo_platform::Cfg;
use cargo_tune_schema::{Finding, FindingCode, Location, SuggestedChange, Suggestion};
use semver::{Version, VersionReq};
use serde_json::{Value, json};

use super::{AnalysisCtx, FindingSink};
use crate::cargo::unit_graph::UnitGraphs;
use crate::workspace::{Lockfile, Member, RegistryIndex};

/// Runs this analysis.
pub fn run(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    let model = ctx.model;
    let inputs = Inputs {
        metadata: &model.metadata,
        members: &model.members,
        lockfile: model.lockfile.as_ref(),
        index: &model.registry_index,
        host_triple: &ctx.env.rustc.host,
        host_cfg: &ctx.env.host_cfg,
        unit_graph_unavailable: match &model.unit_graphs {
            UnitGraphs::Read(_) => None,
            UnitGraphs::Unavailable { reason } => Some(reason),
        },
    };
    for finding in analyse(&inputs) {
        sink.push(finding);
    }
}

/// What the analysis reads, borrowed from the model and the environment.
struct Inputs<'a> {
    metadata: &'a Metadata,
    members: &'a [Member],
    lockfile: Option<&'a Lockfile>,
    index: &'a RegistryIndex,
    host_triple: &'a str,
    host_cfg: &'a [Cfg],
    /// Why cargo's unit graph could not be read; then this model reports `compiled-twice`.
    unit_graph_unavailable: Option<&'a str>,
}

fn analyse(inputs: &Inputs<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(graph) = Graph::new(inputs.metadata) else {
        return findings;
    };
    let host = Scope::Host {
        triple: inputs.host_triple,
        cfg: inputs.host_cfg,
    };
    let (host_reach, splits) = graph.host_reach(host);
    let all_reach = graph.all_targets_reach();
    let host_groups = host_reach.duplicate_groups(&graph);
    let all_groups = all_reach.duplicate_groups(&graph);
    let report = Reporter {
        members: inputs.members,
        graph: &graph,
        index: inputs.index,
    };
    for (name, versions) in &host_groups {
        findings.push(report.finding(FindingCode::DuplicateVersion, name, versions, &host_reach));
    }
    for (name, versions) in &all_groups {
        if !host_groups.contains_key(name) {
            findings.push(report.finding(
                FindingCode::DuplicateVersionOtherTarget,
                name,
                versions,
                &all_reach,
            ));
        }
    }
    if let Some(reason) = inputs.unit_graph_unavailable {
        findings.extend(feature_splits(&graph, &splits, reason));
    }
    if let Some(lockfile) = inputs.lockfile {
        findings.extend(lockfile_only(lockfile, &graph));
    }
    findings
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
    kinds: Vec<(DependencyKind, Option<&'m Platform>)>,
}

/// The resolve as index-addressed adjacency lists.
struct Graph<'m> {
    packages: Vec<&'m Package>,
    edges: Vec<Vec<Edge<'m>>>,
    members: Vec<usize>,
    is_member: Vec<bool>,
    proc_macro: Vec<bool>,
    declared_features: Vec<OnceCell<BTreeMap<String, Vec<String>>>>,
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
            declared_features: packages.iter().map(|_| OnceCell::new()).collect(),
            packages,
            edges,
            members,
            is_member,
            proc_macro,
        })
    }

    /// The kinds of `edge` that are active in `scope` when leaving `from`, before features.
    fn active_kinds(
        &self,
        from: usize,
        edge: &Edge<'_>,
        scope: Scope<'_>,
    ) -> BTreeSet<&'static str> {
        edge.kinds
            .iter()
            .filter(|(_, platform)| platform_active(*platform, scope))
            .filter_map(|(kind, _)| self.kind_name(from, *kind))
            .collect()
    }

    fn kind_name(&self, from: usize, kind: DependencyKind) -> Option<&'static str> {
        match kind {
            DependencyKind::Normal => Some("normal"),
            DependencyKind::Build => Some("build"),
            // Only members' dev-dependencies are ever built.
            DependencyKind::Development if self.is_member[from] => Some("dev"),
            _ => None,
        }
    }

    /// What is reachable from the members over every edge of the resolve, by which shortest
    /// path and over which edges.
    fn all_targets_reach(&self) -> Reach {
        self.search(|from, edge| self.active_kinds(from, edge, Scope::AllTargets))
    }

    /// The same for a host build: over the edges cargo's feature resolver activates. Also
    /// returns the packages the host build compiles twice.
    fn host_reach(&self, host: Scope<'_>) -> (Reach, Vec<FeatureSplit>) {
        let activation = FeatureResolver::new(self, host).run();
        let reach = self.search(|from, edge| {
            activation
                .edges
                .get(&(from, edge.to))
                .cloned()
                .unwrap_or_default()
        });
        (reach, activation.splits)
    }

    /// Breadth-first search from the members over the edges `kinds` gives a kind to.
    fn search(&self, kinds: impl Fn(usize, &Edge<'_>) -> BTreeSet<&'static str>) -> Reach {
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
                let kinds = kinds(from, edge);
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

    /// The `[features]` of package `i`.
    fn declared_features(&self, i: usize) -> &BTreeMap<String, Vec<String>> {
        self.declared_features[i].get_or_init(|| self.packages[i].features.parse())
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
                groups.entry(package.name.clone()).or_default().push(i);
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
        trace_back(&self.parent, to)
            .into_iter()
            .map(|i| graph.label(i))
            .collect()
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
                graph.packages[i].name.clone(),
                graph.packages[i].version.clone(),
            )
        });
        found
    }
}

/// The chain of nodes from a search's start to `to`, following each node's parent.
fn trace_back(parent: &[Option<usize>], to: usize) -> Vec<usize> {
    let mut path = vec![to];
    let mut at = to;
    while let Some(up) = parent[at] {
        path.push(up);
        at = up;
    }
    path.reverse();
    path
}

fn platform_active(platform: Option<&Platform>, scope: Scope<'_>) -> bool {
    match (scope, platform) {
        (_, None) | (Scope::AllTargets, _) => true,
        (Scope::Host { triple, cfg }, Some(platform)) => platform.matches(triple, cfg),
    }
}

/// What the host's feature resolution activated.
struct Activation {
    /// Each activated edge with its kinds.
    edges: HashMap<(usize, usize), BTreeSet<&'static str>>,
    /// Packages built both for the target and for the host, with different features.
    splits: Vec<FeatureSplit>,
}

/// One version compiled twice: for the target, and for build scripts and proc-macros (the
/// host), because the two sides ask for other features or sit above a dependency that is
/// itself compiled twice.
struct FeatureSplit {
    package: usize,
    /// Its dependencies compiled twice, which make its two units differ.
    because: Vec<usize>,
    target: BTreeSet<String>,
    host: BTreeSet<String>,
    /// Shortest paths from a member to each side, as packages.
    target_path: Vec<usize>,
    host_path: Vec<usize>,
}

/// Feature resolution as cargo's resolver 2 does it for one platform: a package is activated
/// separately for the target and for the host (build scripts and proc-macros), optional
/// dependencies only through features, and features of dependencies for other platforms are
/// ignored. `cargo metadata`'s resolve unifies all of that, so it holds more edges than a host
/// build compiles.
struct FeatureResolver<'g, 'm> {
    graph: &'g Graph<'m>,
    scope: Scope<'g>,
    /// For every package, each declared dependency with the resolved package it selects.
    targets: Vec<Vec<Option<usize>>>,
    /// Per activation (`package * 2 + for_host`).
    active: Vec<bool>,
    features: Vec<BTreeSet<String>>,
    optional_on: Vec<BTreeSet<String>>,
    /// Features asked of a dependency (by its name in the manifest), `(strong, weak)`.
    dep_features: HashMap<(usize, String), (BTreeSet<String>, BTreeSet<String>)>,
    dirty: Vec<bool>,
    queue: Vec<usize>,
    /// The activations each activation depends on.
    children: Vec<BTreeSet<usize>>,
}

impl<'g, 'm> FeatureResolver<'g, 'm> {
    fn new(graph: &'g Graph<'m>, scope: Scope<'g>) -> Self {
        let targets = (0..graph.packages.len())
            .map(|from| {
                graph.packages[from]
                    .dependencies
                    .iter()
                    .map(|d| {
                        graph.edges[from].iter().map(|e| e.to).find(|&to| {
                            let child = graph.packages[to];
                            d.name == child.name.as_str()
                                && same_source(d.source.as_ref(), child.source.as_ref())
                                && d.path
                                    .as_deref()
                                    .is_none_or(|p| child.manifest_path.parent() == Some(p))
                                && d.req.matches(&child.version)
                        })
                    })
                    .collect()
            })
            .collect();
        let n = graph.packages.len() * 2;
        FeatureResolver {
            graph,
            scope,
            targets,
            active: vec![false; n],
            features: vec![BTreeSet::new(); n],
            optional_on: vec![BTreeSet::new(); n],
            dep_features: HashMap::new(),
            dirty: vec![false; n],
            queue: Vec::new(),
            children: vec![BTreeSet::new(); n],
        }
    }

    /// Runs to a fixed point.
    fn run(mut self) -> Activation {
        for &m in &self.graph.members {
            let key = m * 2 + usize::from(self.graph.proc_macro[m]);
            self.activate(key, ["default"]);
        }
        let mut edges: HashMap<(usize, usize), BTreeSet<&'static str>> = HashMap::new();
        while let Some(key) = self.queue.pop() {
            self.dirty[key] = false;
            let (from, for_host) = (key / 2, key % 2 == 1);
            let package = self.graph.packages[from];
            for (j, dep) in package.dependencies.iter().enumerate() {
                let Some(to) = self.targets[from][j] else {
                    continue;
                };
                let Some(kind) = self.graph.kind_name(from, dep.kind) else {
                    continue;
                };
                let name = dep.rename.as_deref().unwrap_or(&dep.name);
                if !platform_active(dep.target.as_ref(), self.scope)
                    || (dep.optional && !self.optional_on[key].contains(name))
                {
                    continue;
                }
                let child_host = for_host || kind == "build" || self.graph.proc_macro[to];
                let mut wanted: Vec<String> = dep.features.clone();
                if dep.uses_default_features {
                    wanted.push("default".to_owned());
                }
                if let Some((strong, weak)) = self.dep_features.get(&(key, name.to_owned())) {
                    wanted.extend(strong.iter().cloned());
                    wanted.extend(weak.iter().cloned());
                }
                let child = to * 2 + usize::from(child_host);
                self.activate(child, wanted);
                self.children[key].insert(child);
                edges.entry((from, to)).or_default().insert(kind);
            }
        }
        let splits = self.splits();
        Activation { edges, splits }
    }

    /// Packages compiled twice: once for the target and once for the host (no `--target`
    /// means both are the host, and cargo shares a unit between them when it can). A unit is
    /// shared only if the features and every dependency's unit are the same on both sides, so
    /// a package whose features agree is still built twice above a dependency that is.
    fn splits(&mut self) -> Vec<FeatureSplit> {
        let n = self.graph.packages.len();
        let both = |p: usize| self.active[p * 2] && self.active[p * 2 + 1];
        let mut twice: Vec<bool> = (0..n)
            .map(|p| both(p) && self.features[p * 2] != self.features[p * 2 + 1])
            .collect();
        // Normal dependencies of the target side are the ones whose unit differs by side;
        // build-dependencies and proc-macros are the host's unit from either side.
        let target_deps = |p: usize| {
            self.children[p * 2]
                .iter()
                .filter(|&&child| child % 2 == 0)
                .map(|&child| child / 2)
        };
        loop {
            let newly: Vec<usize> = (0..n)
                .filter(|&p| !twice[p] && both(p) && target_deps(p).any(|q| twice[q]))
                .collect();
            if newly.is_empty() {
                break;
            }
            for p in newly {
                twice[p] = true;
            }
        }
        let via = self.shortest_activation_paths();
        let path_to = |key: usize| -> Vec<usize> {
            trace_back(&via, key).into_iter().map(|k| k / 2).collect()
        };
        (0..n)
            .filter(|&p| twice[p])
            .map(|p| FeatureSplit {
                package: p,
                because: target_deps(p).filter(|&q| twice[q]).collect(),
                target: self.features[p * 2].clone(),
                host: self.features[p * 2 + 1].clone(),
                target_path: path_to(p * 2),
                host_path: path_to(p * 2 + 1),
            })
            .collect()
    }

    /// For every activation, the one it was first reached from in a breadth-first search from
    /// the members.
    fn shortest_activation_paths(&self) -> Vec<Option<usize>> {
        let mut via = vec![None; self.active.len()];
        let mut seen = vec![false; self.active.len()];
        let mut queue: VecDeque<usize> = self
            .graph
            .members
            .iter()
            .map(|&m| m * 2 + usize::from(self.graph.proc_macro[m]))
            .collect();
        for &key in &queue {
            seen[key] = true;
        }
        while let Some(key) = queue.pop_front() {
            for &child in &self.children[key] {
                if !seen[child] {
                    seen[child] = true;
                    via[child] = Some(key);
                    queue.push_back(child);
                }
            }
        }
        via
    }

    /// Activates `key` with `features`, queueing it if anything changed.
    fn activate<S: AsRef<str>>(&mut self, key: usize, features: impl IntoIterator<Item = S>) {
        let mut changed = !self.active[key];
        self.active[key] = true;
        for feature in features {
            changed |= self.enable(key, feature.as_ref());
        }
        if changed && !self.dirty[key] {
            self.dirty[key] = true;
            self.queue.push(key);
        }
    }

    /// Enables one feature and what it implies; whether anything changed.
    fn enable(&mut self, key: usize, feature: &str) -> bool {
        let package = self.graph.packages[key / 2];
        let Some(values) = self.graph.declared_features(key / 2).get(feature) else {
            return false;
        };
        if !self.features[key].insert(feature.to_owned()) {
            return false;
        }
        for value in values {
            if let Some(dep) = value.strip_prefix("dep:") {
                self.optional_on[key].insert(dep.to_owned());
            } else if let Some((dep, dep_feature)) = value.split_once('/') {
                let (dep, weak) = match dep.strip_suffix('?') {
                    Some(dep) => (dep, true),
                    None => (dep, false),
                };
                let entry = self.dep_features.entry((key, dep.to_owned())).or_default();
                if weak {
                    entry.1.insert(dep_feature.to_owned());
                } else {
                    entry.0.insert(dep_feature.to_owned());
                    let optional = package
                        .dependencies
                        .iter()
                        .any(|d| d.optional && d.rename.as_deref().unwrap_or(&d.name) == dep);
                    if optional {
                        self.optional_on[key].insert(dep.to_owned());
                        // An optional dependency without `dep:` syntax has an implicit feature.
                        self.enable(key, dep);
                    }
                }
            } else {
                self.enable(key, value);
            }
        }
        true
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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    let key = format!("unblock {parent}@{current} {child}@{wanted}");
    index.memoized(parent, &key, || {
        find_unblocking_release(index, parent, current, child, wanted)
    })
}

fn find_unblocking_release(
    index: &RegistryIndex,
    parent: &str,
    current: &Version,
    child: &str,
    wanted: &Version,
) -> Option<ParentRelease> {
    let compatible_req = VersionReq::parse(&format!("^{current}")).ok()?;
    let mut candidates: Vec<ParentRelease> = index
        .releases_where(parent, |v| v > current && v.pre.is_empty())
        .into_iter()
        .filter(|r| !r.yanked)
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
    members: &'a [Member],
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
    fn unblock(
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

fn push_unique(suggestions: &mut Vec<Suggestion>, suggestion: Suggestion) {
    if !suggestions.contains(&suggestion) {
        suggestions.push(suggestion);
    }
}

/// `compiled-twice` as this model of cargo's resolver estimates it, for when cargo's unit graph
/// cannot be read: only host/target feature splits of a host build, labelled as estimated.
fn feature_splits(graph: &Graph<'_>, splits: &[FeatureSplit], unavailable: &str) -> Vec<Finding> {
    let mut by_name: BTreeMap<String, Vec<&FeatureSplit>> = BTreeMap::new();
    for split in splits {
        let p = graph.packages[split.package];
        by_name
            .entry(super::compiled_twice::subject(
                &p.name,
                &p.version.to_string(),
            ))
            .or_default()
            .push(split);
    }
    by_name
        .into_iter()
        .map(|(name, splits)| {
            let versions: Vec<Value> = splits
                .iter()
                .map(|s| {
                    json!({
                        "version": graph.packages[s.package].version.to_string(),
                        "target_features": s.target,
                        "host_features": s.host,
                        "only_target": s.target.difference(&s.host).collect::<Vec<_>>(),
                        "only_host": s.host.difference(&s.target).collect::<Vec<_>>(),
                        "because": s.because.iter().map(|&q| graph.label(q)).collect::<Vec<_>>(),
                        "target_path": s.target_path.iter().map(|&q| graph.label(q)).collect::<Vec<_>>(),
                        "host_path": s.host_path.iter().map(|&q| graph.label(q)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let first = splits[0];
            let why = if first.target != first.host {
                let listed = |set: &BTreeSet<String>| {
                    if set.is_empty() {
                        "none".to_owned()
                    } else {
                        set.iter().cloned().collect::<Vec<_>>().join(", ")
                    }
                };
                format!(
                    "features differ (target: {}; host: {})",
                    listed(&first.target),
                    listed(&first.host)
                )
            } else {
                let below: Vec<String> = first.because.iter().map(|&q| graph.label(q)).collect();
                let verb = if below.len() == 1 { "is" } else { "are" };
                format!(
                    "its dependency {} {verb} compiled twice as well",
                    below.join(" and ")
                )
            };
            let message = format!(
                "{} is compiled twice, for the target and for build scripts and proc-macros: {why} (estimated from the resolve: cargo's unit graph is unavailable: {unavailable})",
                graph.label(first.package)
            );
            Finding::new(FindingCode::CompiledTwice, name, message).with_evidence(json!({
                "source": "resolve-model",
                "unit_graph_unavailable": unavailable,
                "versions": versions,
                "note": "cargo shares one build between the target and build scripts and proc-macros only when features and dependencies agree; release builds compile build dependencies apart anyway",
            }))
        })
        .collect()
}

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
        .map(|p| (p.name.clone(), p.version.to_string()))
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

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use serde_json::json;

    use super::*;
    use crate::workspace::registry_index::tests::{line, synth_cache};

    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

    /// A dependency edge: `(package, version, req, kind, target, optional)`.
    type Dep<'a> = (&'a str, &'a str, &'a str, &'a str, Option<&'a str>, bool);

    /// A package of a synthetic `cargo metadata`.
    struct Pkg<'a> {
        name: &'a str,
        version: &'a str,
        deps: Vec<Dep<'a>>,
        proc_macro: bool,
        features: Value,
    }

    fn pkg<'a>(name: &'a str, version: &'a str, deps: Vec<Dep<'a>>) -> Pkg<'a> {
        Pkg {
            name,
            version,
            deps,
            proc_macro: false,
            features: json!({}),
        }
    }

    fn normal<'a>(name: &'a str, version: &'a str, req: &'a str) -> Dep<'a> {
        (name, version, req, "normal", None, false)
    }

    fn id(name: &str, version: &str) -> String {
        if name == "app" {
            format!("path+file:///ws#{name}@{version}")
        } else {
            format!("{CRATES_IO}#{name}@{version}")
        }
    }

    /// `cargo metadata` for `packages`, `app 0.1.0` being the only member.
    fn metadata(packages: &[Pkg<'_>]) -> Metadata {
        let mut pkgs = Vec::new();
        let mut nodes = Vec::new();
        for p in packages {
            let member = p.name == "app";
            let dependencies: Vec<Value> = p
                .deps
                .iter()
                .map(|(name, _, req, kind, target, optional)| {
                    json!({"name": name, "source": CRATES_IO, "req": req,
                        "kind": if *kind == "normal" { Value::Null } else { json!(kind) },
                        "optional": optional, "uses_default_features": true, "features": [],
                        "target": target, "rename": null, "registry": null})
                })
                .collect();
            let kind = if p.proc_macro { "proc-macro" } else { "lib" };
            pkgs.push(json!({
                "name": p.name, "version": p.version, "id": id(p.name, p.version),
                "source": if member { Value::Null } else { json!(CRATES_IO) },
                "dependencies": dependencies, "features": p.features,
                "manifest_path": format!("/ws/{}-{}/Cargo.toml", p.name, p.version),
                "targets": [{"name": p.name, "kind": [kind], "crate_types": [kind],
                    "required_features": [], "src_path": "/ws/src/lib.rs"}],
            }));
            let deps: Vec<Value> = p
                .deps
                .iter()
                .map(|(name, version, _, kind, target, _)| {
                    json!({"name": name.replace('-', "_"), "pkg": id(name, version),
                        "dep_kinds": [{"kind": if *kind == "normal" { Value::Null } else { json!(kind) },
                            "target": target}]})
                })
                .collect();
            nodes.push(json!({"id": id(p.name, p.version), "deps": deps, "dependencies": [], "features": []}));
        }
        let json = json!({
            "packages": pkgs, "workspace_members": [id("app", "0.1.0")],
            "resolve": {"nodes": nodes, "root": null},
            "workspace_root": "/ws", "target_directory": "/ws/target", "version": 1,
        });
        serde_json::from_str(&json.to_string()).expect("valid metadata")
    }

    fn linux_cfg() -> Vec<Cfg> {
        ["unix", "target_os=\"linux\"", "target_arch=\"x86_64\""]
            .iter()
            .map(|c| Cfg::from_str(c).unwrap())
            .collect()
    }

    fn run_on(metadata: &Metadata, index: &RegistryIndex) -> Vec<Finding> {
        let cfg = linux_cfg();
        analyse(&Inputs {
            metadata,
            members: &[],
            lockfile: None,
            index,
            host_triple: "x86_64-unknown-linux-gnu",
            host_cfg: &cfg,
            unit_graph_unavailable: Some("not asked"),
        })
    }

    fn codes(findings: &[Finding]) -> Vec<(FindingCode, &str)> {
        findings
            .iter()
            .map(|f| (f.code, f.subject.as_str()))
            .collect()
    }

    #[test]
    fn edges_for_other_platforms_do_not_make_host_duplicates() {
        let m = metadata(&[
            pkg(
                "app",
                "0.1.0",
                vec![
                    normal("rand", "0.1.0", "^0.1"),
                    (
                        "rand",
                        "0.2.0",
                        "^0.2",
                        "normal",
                        Some("cfg(windows)"),
                        false,
                    ),
                    (
                        "getrandom",
                        "0.1.0",
                        "^0.1",
                        "normal",
                        Some("cfg(unix)"),
                        false,
                    ),
                    (
                        "getrandom",
                        "0.2.0",
                        "^0.2",
                        "build",
                        Some("x86_64-unknown-linux-gnu"),
                        false,
                    ),
                ],
            ),
            pkg("rand", "0.1.0", vec![]),
            pkg("rand", "0.2.0", vec![]),
            pkg("getrandom", "0.1.0", vec![]),
            pkg("getrandom", "0.2.0", vec![]),
        ]);
        let findings = run_on(&m, &RegistryIndex::default());
        assert_eq!(
            codes(&findings),
            [
                (FindingCode::DuplicateVersion, "getrandom"),
                (FindingCode::DuplicateVersionOtherTarget, "rand"),
            ]
        );
        assert_eq!(
            findings[0].evidence["versions"][1]["kinds"],
            json!(["build"])
        );
    }

    #[test]
    fn a_version_built_for_target_and_host_with_other_features_is_compiled_twice() {
        // app → mid → leaf (no default features) for the target; app's proc-macro `gen` →
        // mid and → leaf (default features) for the host.
        let mut leaf = pkg("leaf", "1.0.0", vec![]);
        leaf.features = json!({"default": ["std"], "std": []});
        let mut gen_macro = pkg(
            "gen",
            "1.0.0",
            vec![normal("mid", "1.0.0", "^1"), normal("leaf", "1.0.0", "^1")],
        );
        gen_macro.proc_macro = true;
        let mut m = metadata(&[
            pkg(
                "app",
                "0.1.0",
                vec![normal("mid", "1.0.0", "^1"), normal("gen", "1.0.0", "^1")],
            ),
            pkg("mid", "1.0.0", vec![normal("leaf", "1.0.0", "^1")]),
            gen_macro,
            leaf,
        ]);
        let mid = m.packages.iter_mut().find(|p| p.name == "mid").unwrap();
        mid.dependencies[0].uses_default_features = false;
        let findings = run_on(&m, &RegistryIndex::default());
        assert_eq!(
            codes(&findings),
            [
                (FindingCode::CompiledTwice, "leaf@1.0.0"),
                (FindingCode::CompiledTwice, "mid@1.0.0"),
            ]
        );
        let leaf = &findings[0].evidence["versions"][0];
        assert_eq!(leaf["only_host"], json!(["default", "std"]));
        assert_eq!(leaf["only_target"], json!([]));
        assert_eq!(
            leaf["host_path"],
            json!(["app 0.1.0", "gen 1.0.0", "leaf 1.0.0"])
        );
        assert_eq!(
            leaf["target_path"],
            json!(["app 0.1.0", "mid 1.0.0", "leaf 1.0.0"])
        );
        // mid's features agree; it differs only by the leaf below it.
        let mid = &findings[1].evidence["versions"][0];
        assert_eq!(mid["target_features"], mid["host_features"]);
        assert_eq!(mid["because"], json!(["leaf 1.0.0"]));

        // With the same features on both sides cargo builds each package once.
        let gen_macro = m.packages.iter_mut().find(|p| p.name == "gen").unwrap();
        gen_macro.dependencies[1].uses_default_features = false;
        assert!(run_on(&m, &RegistryIndex::default()).is_empty());
    }

    #[test]
    fn features_enabled_only_for_other_platforms_do_not_count() {
        // `q` turns its optional `log 0.1` on only when `winsys` (a Windows dependency) asks.
        let mut q = pkg(
            "q",
            "1.0.0",
            vec![("log", "0.1.0", "^0.1", "normal", None, true)],
        );
        q.features = json!({"extra": ["dep:log"]});
        let mut app = pkg(
            "app",
            "0.1.0",
            vec![
                normal("q", "1.0.0", "^1"),
                normal("log", "0.2.0", "^0.2"),
                (
                    "winsys",
                    "1.0.0",
                    "^1",
                    "normal",
                    Some("cfg(windows)"),
                    false,
                ),
            ],
        );
        app.features = json!({});
        let m = metadata(&[
            app,
            q,
            pkg(
                "winsys",
                "1.0.0",
                vec![("q", "1.0.0", "^1", "normal", None, false)],
            ),
            pkg("log", "0.1.0", vec![]),
            pkg("log", "0.2.0", vec![]),
        ]);
        // The resolve holds q → log 0.1 (cargo unifies features over every platform); give
        // winsys's edge the feature so that the resolver sees who asks for it.
        let mut m = m;
        let winsys = m
            .packages
            .iter_mut()
            .find(|p| p.name.as_str() == "winsys")
            .unwrap();
        winsys.dependencies[0].features = vec!["extra".to_owned()];
        let findings = run_on(&m, &RegistryIndex::default());
        assert_eq!(
            codes(&findings),
            [(FindingCode::DuplicateVersionOtherTarget, "log")]
        );

        // The same feature asked for on every platform makes it a host duplicate.
        let app = m
            .packages
            .iter_mut()
            .find(|p| p.name.as_str() == "app")
            .unwrap();
        app.dependencies[0].features = vec!["extra".to_owned()];
        assert_eq!(
            codes(&run_on(&m, &RegistryIndex::default())),
            [(FindingCode::DuplicateVersion, "log")]
        );
    }

    #[test]
    fn paths_are_shortest_from_a_member() {
        let m = metadata(&[
            pkg(
                "app",
                "0.1.0",
                vec![
                    normal("x", "1.0.0", "^1"),
                    normal("z", "1.0.0", "^1"),
                    normal("c", "2.0.0", "^2"),
                ],
            ),
            pkg("x", "1.0.0", vec![normal("y", "1.0.0", "^1")]),
            pkg("y", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
            pkg("z", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
            pkg("c", "1.0.0", vec![]),
            pkg("c", "2.0.0", vec![]),
        ]);
        let findings = run_on(&m, &RegistryIndex::default());
        let versions = &findings[0].evidence["versions"];
        assert_eq!(
            versions[0]["path"],
            json!(["app 0.1.0", "z 1.0.0", "c 1.0.0"])
        );
        assert_eq!(versions[1]["path"], json!(["app 0.1.0", "c 2.0.0"]));
    }

    /// app → c 2.0.0, and app → p 1.0.0 → c 1.0.0 with `p_req` on c.
    fn c_held_by_p(p_req: &str) -> Metadata {
        metadata(&[
            pkg(
                "app",
                "0.1.0",
                vec![normal("p", "1.0.0", "^1"), normal("c", "2.0.0", "^2")],
            ),
            pkg("p", "1.0.0", vec![normal("c", "1.0.0", p_req)]),
            pkg("c", "1.0.0", vec![]),
            pkg("c", "2.0.0", vec![]),
        ])
    }

    #[test]
    fn cargo_update_when_every_requirement_admits_the_newest() {
        let m = c_held_by_p(">=1, <3");
        let findings = run_on(&m, &RegistryIndex::default());
        assert_eq!(findings[0].suggestions.len(), 1);
        assert_eq!(
            findings[0].suggestions[0].change,
            SuggestedChange::CargoUpdate {
                spec: "c@1.0.0".to_owned(),
                precise: "2.0.0".to_owned()
            }
        );
        assert_eq!(
            findings[0].evidence["versions"][0]["dependents"][0]["admits_newest"],
            json!(true)
        );
    }

    #[test]
    fn blocked_parents_are_named_and_unblocked_from_the_index() {
        let m = c_held_by_p("^1");
        let none = run_on(&m, &RegistryIndex::default());
        assert!(none[0].suggestions.is_empty());
        assert!(
            none[0].evidence["note"]
                .as_str()
                .unwrap()
                .contains("c 1.0.0 is held by p 1.0.0 (c ^1)")
        );

        // 1.1.0 is yanked, 1.2.0 still wants c 1, 1.3.0 moves to c 2.
        let mut index = RegistryIndex::default();
        index.insert_cache(
            "p",
            synth_cache(&[
                ("1.0.0", line("p", "1.0.0", &[("c", "^1")], false)),
                ("1.1.0", line("p", "1.1.0", &[("c", "^2")], true)),
                ("1.2.0", line("p", "1.2.0", &[("c", "^1")], false)),
                ("1.3.0", line("p", "1.3.0", &[("c", "^2")], false)),
                ("2.0.0", line("p", "2.0.0", &[], false)),
            ]),
        );
        let found = run_on(&m, &index);
        assert_eq!(
            found[0].suggestions[0].change,
            SuggestedChange::CargoUpdate {
                spec: "p@1.0.0".to_owned(),
                precise: "1.3.0".to_owned()
            }
        );

        // Only a semver-incompatible release helps: a manual upgrade.
        let mut index = RegistryIndex::default();
        index.insert_cache(
            "p",
            synth_cache(&[("2.0.0", line("p", "2.0.0", &[], false))]),
        );
        let release = unblocking_release(
            &index,
            "p",
            &Version::new(1, 0, 0),
            "c",
            &Version::new(2, 0, 0),
        )
        .unwrap();
        assert!(!release.compatible && release.drops_dependency);
        let manual = run_on(&m, &index);
        assert!(matches!(&manual[0].suggestions[0].change,
            SuggestedChange::Manual { text } if text.contains("upgrade p from 1.0.0 to 2.0.0")));
    }

    #[test]
    fn requirements_are_matched_by_name_and_version() {
        let m = metadata(&[
            pkg(
                "app",
                "0.1.0",
                vec![
                    normal("c", "1.2.0", "^1.1"),
                    ("c", "1.2.0", "=1.2.0", "build", None, false),
                ],
            ),
            pkg("c", "1.2.0", vec![]),
        ]);
        let graph = Graph::new(&m).unwrap();
        let requirement = requirement_on(graph.packages[0], graph.packages[1]);
        assert_eq!(requirement.reqs.len(), 2);
        assert!(requirement.admits(&Version::new(1, 2, 0)));
        assert!(!requirement.admits(&Version::new(1, 3, 0)));
        assert!(!Requirement { reqs: Vec::new() }.admits(&Version::new(1, 2, 0)));
    }

    #[test]
    fn proc_macro_stacks_are_found_from_their_dependents() {
        let mut derive = pkg("my-derive", "1.0.0", vec![normal("helper", "1.0.0", "^1")]);
        derive.proc_macro = true;
        let m = metadata(&[
            pkg(
                "app",
                "0.1.0",
                vec![
                    normal("my-derive", "1.0.0", "^1"),
                    normal("syn", "2.0.0", "^2"),
                ],
            ),
            derive,
            pkg("helper", "1.0.0", vec![normal("syn", "1.0.0", "^1")]),
            pkg("syn", "1.0.0", vec![]),
            pkg("syn", "2.0.0", vec![]),
        ]);
        let findings = run_on(&m, &RegistryIndex::default());
        let evidence = &findings[0].evidence;
        assert_eq!(evidence["proc_macro_stack"], json!(true));
        assert_eq!(
            evidence["versions"][0]["proc_macro_dependents"],
            json!(["my-derive 1.0.0"])
        );
        assert_eq!(evidence["versions"][1]["proc_macro_dependents"], json!([]));
        assert!(
            evidence["note"]
                .as_str()
                .unwrap()
                .starts_with("in a proc-macro stack (used by my-derive)")
        );
    }

    #[test]
    fn lockfile_versions_outside_the_resolve_are_reported() {
        // An optional dependency that is off is in neither `packages` nor the resolve.
        let m = metadata(&[
            pkg("app", "0.1.0", vec![normal("c", "1.0.0", "^1")]),
            pkg("c", "1.0.0", vec![]),
        ]);
        let lockfile = Lockfile::parse(
            std::path::Path::new("Cargo.lock"),
            "version = 4\n[[package]]\nname = \"c\"\nversion = \"1.0.0\"\n[[package]]\nname = \"c\"\nversion = \"2.0.0\"\n[[package]]\nname = \"d\"\nversion = \"1.0.0\"\n",
        )
        .unwrap();
        let graph = Graph::new(&m).unwrap();
        let findings = lockfile_only(&lockfile, &graph);
        assert_eq!(
            codes(&findings),
            [(FindingCode::DuplicateVersionLockfileOnly, "c")]
        );
        assert_eq!(
            findings[0].evidence["versions"][1]["in_resolve"],
            json!(false)
        );
    }
}
