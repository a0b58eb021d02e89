//! The resolve as a graph, what each scope reaches, and the host build's feature resolution.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use cargo_platform::Cfg;

use crate::cargo::metadata::{DependencyKind, Metadata, Package, PackageId, Platform, Source};

/// Which dependency edges are followed.
#[derive(Clone, Copy, Debug)]
pub(super) enum Scope<'a> {
    /// Edges cargo compiles when building for the host (no `--target`).
    Host { triple: &'a str, cfg: &'a [Cfg] },
    /// Edges of every target.
    AllTargets,
}

/// One resolved dependency edge with the kinds it is declared as.
pub(super) struct Edge<'m> {
    pub(super) to: usize,
    pub(super) kinds: Vec<(DependencyKind, Option<&'m Platform>)>,
}

/// The resolve as index-addressed adjacency lists.
pub(super) struct Graph<'m> {
    pub(super) packages: Vec<&'m Package>,
    pub(super) edges: Vec<Vec<Edge<'m>>>,
    pub(super) members: Vec<usize>,
    pub(super) is_member: Vec<bool>,
    pub(super) proc_macro: Vec<bool>,
    pub(super) declared_features: Vec<OnceCell<BTreeMap<String, Vec<String>>>>,
}

impl<'m> Graph<'m> {
    pub(super) fn new(metadata: &'m Metadata) -> Option<Graph<'m>> {
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
        let proc_macro = packages.iter().map(|p| p.is_proc_macro()).collect();
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
    pub(super) fn active_kinds(
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

    pub(super) fn kind_name(&self, from: usize, kind: DependencyKind) -> Option<&'static str> {
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
    pub(super) fn all_targets_reach(&self) -> Reach {
        self.search(|from, edge| self.active_kinds(from, edge, Scope::AllTargets))
    }

    /// The same for a host build: over the edges cargo's feature resolver activates. Also
    /// returns the packages the host build compiles twice.
    pub(super) fn host_reach(&self, host: Scope<'_>) -> (Reach, Vec<FeatureSplit>) {
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
    pub(super) fn search(
        &self,
        kinds: impl Fn(usize, &Edge<'_>) -> BTreeSet<&'static str>,
    ) -> Reach {
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
    pub(super) fn declared_features(&self, i: usize) -> &BTreeMap<String, Vec<String>> {
        self.declared_features[i].get_or_init(|| self.packages[i].features.parse())
    }

    /// Every package of the resolve that depends on `of`, for any target: what `cargo update`
    /// has to satisfy, whichever platform builds it.
    pub(super) fn dependents(&self, of: usize) -> Vec<usize> {
        (0..self.packages.len())
            .filter(|&from| self.edges[from].iter().any(|e| e.to == of))
            .collect()
    }

    pub(super) fn label(&self, i: usize) -> String {
        format!("{} {}", self.packages[i].name, self.packages[i].version)
    }
}

/// What one scope reaches.
pub(super) struct Reach {
    pub(super) reached: Vec<bool>,
    pub(super) parent: Vec<Option<usize>>,
    /// Active edges into each package from reached packages, with their kinds.
    pub(super) incoming: Vec<Vec<(usize, BTreeSet<&'static str>)>>,
}

impl Reach {
    /// Names reached in two or more package ids, each with its packages, oldest version first.
    pub(super) fn duplicate_groups(&self, graph: &Graph<'_>) -> BTreeMap<String, Vec<usize>> {
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
    pub(super) fn path(&self, graph: &Graph<'_>, to: usize) -> Vec<String> {
        trace_back(&self.parent, to)
            .into_iter()
            .map(|i| graph.label(i))
            .collect()
    }

    /// The nearest proc-macros that compile `of` into themselves: reverse search over normal and
    /// build edges, stopping at each proc-macro found.
    pub(super) fn proc_macro_dependents(&self, graph: &Graph<'_>, of: usize) -> Vec<usize> {
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
pub(super) fn trace_back(parent: &[Option<usize>], to: usize) -> Vec<usize> {
    let mut path = vec![to];
    let mut at = to;
    while let Some(up) = parent[at] {
        path.push(up);
        at = up;
    }
    path.reverse();
    path
}

pub(super) fn platform_active(platform: Option<&Platform>, scope: Scope<'_>) -> bool {
    match (scope, platform) {
        (_, None) | (Scope::AllTargets, _) => true,
        (Scope::Host { triple, cfg }, Some(platform)) => platform.matches(triple, cfg),
    }
}

/// What the host's feature resolution activated.
pub(super) struct Activation {
    /// Each activated edge with its kinds.
    pub(super) edges: HashMap<(usize, usize), BTreeSet<&'static str>>,
    /// Packages built both for the target and for the host, with different features.
    pub(super) splits: Vec<FeatureSplit>,
}

/// One version compiled twice: for the target, and for build scripts and proc-macros (the
/// host), because the two sides ask for other features or sit above a dependency that is
/// itself compiled twice.
pub(super) struct FeatureSplit {
    pub(super) package: usize,
    /// Its dependencies compiled twice, which make its two units differ.
    pub(super) because: Vec<usize>,
    pub(super) target: BTreeSet<String>,
    pub(super) host: BTreeSet<String>,
    /// Shortest paths from a member to each side, as packages.
    pub(super) target_path: Vec<usize>,
    pub(super) host_path: Vec<usize>,
}

/// Feature resolution as cargo's resolver 2 does it for one platform: a package is activated
/// separately for the target and for the host (build scripts and proc-macros), optional
/// dependencies only through features, and features of dependencies for other platforms are
/// ignored. `cargo metadata`'s resolve unifies all of that, so it holds more edges than a host
/// build compiles.
pub(super) struct FeatureResolver<'g, 'm> {
    pub(super) graph: &'g Graph<'m>,
    pub(super) scope: Scope<'g>,
    /// For every package, each declared dependency with the resolved package it selects.
    pub(super) targets: Vec<Vec<Option<usize>>>,
    /// Per activation (`package * 2 + for_host`).
    pub(super) active: Vec<bool>,
    pub(super) features: Vec<BTreeSet<String>>,
    pub(super) optional_on: Vec<BTreeSet<String>>,
    /// Features asked of a dependency (by its name in the manifest), `(strong, weak)`.
    pub(super) dep_features: HashMap<(usize, String), (BTreeSet<String>, BTreeSet<String>)>,
    pub(super) dirty: Vec<bool>,
    pub(super) queue: Vec<usize>,
    /// The activations each activation depends on.
    pub(super) children: Vec<BTreeSet<usize>>,
}

impl<'g, 'm> FeatureResolver<'g, 'm> {
    pub(super) fn new(graph: &'g Graph<'m>, scope: Scope<'g>) -> Self {
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
    pub(super) fn run(mut self) -> Activation {
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
    pub(super) fn splits(&mut self) -> Vec<FeatureSplit> {
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
    pub(super) fn shortest_activation_paths(&self) -> Vec<Option<usize>> {
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
    pub(super) fn activate<S: AsRef<str>>(
        &mut self,
        key: usize,
        features: impl IntoIterator<Item = S>,
    ) {
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
    pub(super) fn enable(&mut self, key: usize, feature: &str) -> bool {
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

pub(super) fn source_repr(source: Option<&Source>) -> &str {
    source.map_or("", |s| s.repr.as_str())
}

pub(super) fn same_source(a: Option<&Source>, b: Option<&Source>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.repr == b.repr || (a.is_crates_io() && b.is_crates_io()),
        _ => false,
    }
}
