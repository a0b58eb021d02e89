//! Reads `cargo build --unit-graph` (unstable, JSON version 1) and attaches every dependency edge
//! to the timed units.
//!
//! cargo numbers units the same way in the unit graph and in the timings report (both walk the
//! sorted unit graph), so unit `i` of one is usually unit `i` of the other. Usually: two units of
//! one package that differ only in profile (the host and the target copy) can swap places from
//! one cargo run to the next. So the numbering is checked, not assumed — every unit's package
//! must agree and every "unblocked" edge of the timings must be a dependency in the graph — and
//! when the check fails, units are matched by package, kind and features, the copies that look
//! alike being told apart by those same edges. When nothing fits, the graph is not used.

use std::collections::HashMap;

use serde::Deserialize;

use cargo_tune_schema::UnitDep;

use super::{BuildTimings, DepsSource};
use crate::cargo::unit_graph::{package_name_version, pipelined, unit_kind};

/// One unit of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphUnit {
    /// Package id as cargo spells it.
    pub pkg_id: String,
    /// The first target kind (`lib`, `bin`, `proc-macro`, `custom-build`, …).
    pub target_kind: String,
    /// `build`, `check`, `test`, `run-custom-build`, …
    pub mode: String,
    /// Features enabled, sorted.
    pub features: Vec<String>,
    /// Indices of the units it depends on.
    pub deps: Vec<usize>,
}

#[derive(Deserialize)]
struct RawGraph {
    version: u32,
    units: Vec<RawUnit>,
}

#[derive(Deserialize)]
struct RawUnit {
    pkg_id: String,
    target: RawTarget,
    mode: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    dependencies: Vec<RawDep>,
}

#[derive(Deserialize)]
struct RawTarget {
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct RawDep {
    index: usize,
}

/// Parses the graph; `Err` says why it cannot be read.
pub fn parse(json: &str) -> Result<Vec<GraphUnit>, String> {
    let raw: RawGraph = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if raw.version != 1 {
        return Err(format!("unit graph version {} is not 1", raw.version));
    }
    Ok(raw
        .units
        .into_iter()
        .map(|u| GraphUnit {
            pkg_id: u.pkg_id,
            target_kind: u.target.kind.first().cloned().unwrap_or_default(),
            mode: u.mode,
            features: {
                let mut f = u.features;
                f.sort();
                f
            },
            deps: u.dependencies.into_iter().map(|d| d.index).collect(),
        })
        .collect())
}

impl GraphUnit {
    /// The unit kind in cargo-tune's terms.
    pub fn kind(&self) -> &'static str {
        unit_kind(&self.target_kind, &self.mode)
    }

    /// Whether this unit can start from its dependencies' metadata (it links nothing).
    fn needs_only_metadata(&self) -> bool {
        pipelined(self.kind(), &self.mode)
    }
}

/// Sets every unit's dependencies and kind from `graph`. `Err` says why the graph does not
/// describe this build; the timings are then left as they were.
pub fn attach(timings: &mut BuildTimings, graph: &[GraphUnit]) -> Result<(), String> {
    let by_number: HashMap<usize, usize> =
        timings.units.iter().map(|u| (u.index, u.index)).collect();
    let mapping = match check(timings, graph, &by_number) {
        Ok(()) => by_number,
        Err(first) => match_units(timings, graph).ok_or(first)?,
    };
    let timed_of: HashMap<usize, usize> = mapping.iter().map(|(&t, &g)| (g, t)).collect();
    let rmeta_of: HashMap<usize, bool> = timings
        .units
        .iter()
        .map(|u| (u.index, u.rmeta_s.is_some()))
        .collect();
    for unit in &mut timings.units {
        let node = &graph[mapping[&unit.index]];
        unit.kind = node.kind().to_owned();
        unit.deps = node
            .deps
            .iter()
            // Fresh units are not in the timings: they cost nothing in this build.
            .filter_map(|d| timed_of.get(d).map(|&t| (*d, t)))
            .map(|(g, t)| UnitDep {
                unit: t,
                rmeta: node.needs_only_metadata()
                    && graph[g].kind() == "lib"
                    && rmeta_of.get(&t).copied().unwrap_or(false),
            })
            .collect();
    }
    timings.deps_source = DepsSource::UnitGraph;
    Ok(())
}

/// Whether `mapping` (timed unit → graph unit) agrees with the packages and the edges.
fn check(
    timings: &BuildTimings,
    graph: &[GraphUnit],
    mapping: &HashMap<usize, usize>,
) -> Result<(), String> {
    for unit in &timings.units {
        let node = mapping
            .get(&unit.index)
            .and_then(|&g| graph.get(g))
            .ok_or_else(|| format!("unit {} is not in the unit graph", unit.index))?;
        if package_name_version(&node.pkg_id).map(|(_, v)| v) != Some(unit.version.as_str()) {
            return Err(format!(
                "unit {} is {} {} in the timings but {} in the unit graph",
                unit.index, unit.name, unit.version, node.pkg_id
            ));
        }
    }
    for &(from, to, _) in &timings.unblocked {
        let (Some(&f), Some(&t)) = (mapping.get(&from), mapping.get(&to)) else {
            return Err(format!("unit {from} or {to} is not in the timings"));
        };
        if !graph[t].deps.contains(&f) {
            return Err(format!(
                "the timings say unit {from} unblocked unit {to}, which does not depend on it in the unit graph"
            ));
        }
    }
    Ok(())
}

/// What a timed unit and a graph unit must share to be the same unit.
fn timed_key(u: &cargo_tune_schema::UnitTiming, with_features: bool) -> String {
    let class = match u.kind.as_str() {
        "proc-macro" => "lib",
        k => k,
    };
    let mut features = u.features.clone();
    features.sort();
    format!(
        "{} {} {class} {}",
        u.name,
        u.version,
        if with_features {
            features.join(",")
        } else {
            String::new()
        }
    )
}

fn graph_key(g: &GraphUnit, with_features: bool) -> Option<String> {
    let (name, version) = package_name_version(&g.pkg_id)?;
    let class = match g.kind() {
        "proc-macro" => "lib",
        k => k,
    };
    Some(format!(
        "{name} {version} {class} {}",
        if with_features {
            g.features.join(",")
        } else {
            String::new()
        }
    ))
}

/// Most combinations of look-alike units tried before giving up.
const MAX_TRIES: usize = 100_000;

/// Matches units by package, kind and (when the timings list them) features; among look-alikes,
/// the assignment that agrees with every edge of the timings.
fn match_units(timings: &BuildTimings, graph: &[GraphUnit]) -> Option<HashMap<usize, usize>> {
    let with_features = timings.schema == super::HtmlSchema::UnblockedSections;
    let mut graph_by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, g) in graph.iter().enumerate() {
        graph_by_key
            .entry(graph_key(g, with_features)?)
            .or_default()
            .push(i);
    }
    let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    let mut timed_by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for u in &timings.units {
        timed_by_key
            .entry(timed_key(u, with_features))
            .or_default()
            .push(u.index);
    }
    for (key, timed) in timed_by_key {
        let candidates = graph_by_key.get(&key)?;
        // Fresh units are in the graph but not in the timings, so a group can have more graph
        // units than timed ones.
        if candidates.len() < timed.len() {
            return None;
        }
        groups.push((timed, candidates.clone()));
    }
    groups.sort_by_key(|(t, c)| (c.len(), t.len()));
    let mut mapping = HashMap::new();
    let mut tries = 0;
    search(timings, graph, &groups, 0, &mut mapping, &mut tries).then_some(mapping)
}

fn search(
    timings: &BuildTimings,
    graph: &[GraphUnit],
    groups: &[(Vec<usize>, Vec<usize>)],
    at: usize,
    mapping: &mut HashMap<usize, usize>,
    tries: &mut usize,
) -> bool {
    *tries += 1;
    if *tries > MAX_TRIES {
        return false;
    }
    let consistent = timings.unblocked.iter().all(|&(from, to, _)| {
        match (mapping.get(&from), mapping.get(&to)) {
            (Some(&f), Some(&t)) => graph[t].deps.contains(&f),
            _ => true,
        }
    });
    if !consistent {
        return false;
    }
    let Some((timed, candidates)) = groups.get(at) else {
        return true;
    };
    let mut used = vec![false; candidates.len()];
    assign(
        timings, graph, groups, at, timed, candidates, 0, &mut used, mapping, tries,
    )
}

#[expect(
    clippy::too_many_arguments,
    reason = "one recursive search, state passed down"
)]
fn assign(
    timings: &BuildTimings,
    graph: &[GraphUnit],
    groups: &[(Vec<usize>, Vec<usize>)],
    at: usize,
    timed: &[usize],
    candidates: &[usize],
    k: usize,
    used: &mut Vec<bool>,
    mapping: &mut HashMap<usize, usize>,
    tries: &mut usize,
) -> bool {
    let Some(&t) = timed.get(k) else {
        return search(timings, graph, groups, at + 1, mapping, tries);
    };
    for (c, &g) in candidates.iter().enumerate() {
        if used[c] {
            continue;
        }
        used[c] = true;
        mapping.insert(t, g);
        if assign(
            timings,
            graph,
            groups,
            at,
            timed,
            candidates,
            k + 1,
            used,
            mapping,
            tries,
        ) {
            return true;
        }
        mapping.remove(&t);
        used[c] = false;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &str, name: &str) -> String {
        cargo_tune_test_support::read_fixture(&format!("{dir}/{name}"))
    }

    #[test]
    fn the_graph_of_the_same_build_attaches_every_edge() {
        let mut t = super::super::html::parse(&read("cargo-timings", "timings-1.95.html")).unwrap();
        let graph = parse(&read("unit-graph", "timings.json")).unwrap();
        attach(&mut t, &graph).unwrap();
        assert_eq!(t.deps_source, DepsSource::UnitGraph);
        let unit = |name: &str, kind: &str| {
            t.units
                .iter()
                .find(|u| u.name == name && u.kind == kind)
                .unwrap()
        };
        assert_eq!(unit("derive-it", "proc-macro").deps.len(), 1);
        // The library waits for its build script's run in full and for fmt's metadata only.
        let lib = unit("core-lib", "lib");
        let run = unit("core-lib", "run-build-script");
        assert!(lib.deps.iter().any(|d| d.unit == run.index && !d.rmeta));
        assert!(lib.deps.iter().any(|d| d.rmeta));
        // A binary links: it waits for the end of everything.
        assert!(unit("app", "bin").deps.iter().all(|d| !d.rmeta));
        assert_eq!(unit("app", "bin").deps.len(), 3);
    }

    #[test]
    fn look_alike_units_numbered_differently_are_matched_by_their_edges() {
        // cargo may number look-alike copies of a unit either way from one run to the next;
        // here every unit of the graph gets another number.
        let mut t = super::super::html::parse(&read("cargo-timings", "timings-1.95.html")).unwrap();
        let mut graph = parse(&read("unit-graph", "timings.json")).unwrap();
        // Renumber the graph: reverse it, fixing up the dependency indices.
        let n = graph.len();
        graph.reverse();
        for g in &mut graph {
            for d in &mut g.deps {
                *d = n - 1 - *d;
            }
        }
        attach(&mut t, &graph).unwrap();
        let lib = t
            .units
            .iter()
            .find(|u| u.name == "core-lib" && u.kind == "lib")
            .unwrap();
        let run = t
            .units
            .iter()
            .find(|u| u.kind == "run-build-script")
            .unwrap();
        assert!(lib.deps.iter().any(|d| d.unit == run.index && !d.rmeta));
        assert_eq!(
            t.units.iter().find(|u| u.name == "app").unwrap().deps.len(),
            3
        );
    }

    #[test]
    fn a_graph_of_another_build_is_refused() {
        let mut t = super::super::html::parse(&read("cargo-timings", "timings-1.95.html")).unwrap();
        let mut graph = parse(&read("unit-graph", "timings.json")).unwrap();
        graph[5].pkg_id = graph[5].pkg_id.replace("1.0.0", "1.0.1");
        let before = t.clone();
        assert!(attach(&mut t, &graph).is_err());
        assert_eq!(t, before);
        assert!(parse("{\"version\":2,\"units\":[]}").is_err());
    }
}
