//! Reads `cargo build --unit-graph` (unstable, JSON version 1) and attaches every dependency edge
//! to the timed units.
//!
//! cargo numbers units the same way in the unit graph and in the timings report (both walk the
//! sorted unit graph), so unit `i` of one is unit `i` of the other. That is checked, not assumed:
//! every unit's package version must agree and every "unblocked" edge of the timings must be a
//! dependency in the graph; otherwise the graph is not used.

use serde::Deserialize;

use cargo_tune_schema::UnitDep;

use super::{BuildTimings, DepsSource};

/// One unit of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphUnit {
    /// Package id as cargo spells it.
    pub pkg_id: String,
    /// The first target kind (`lib`, `bin`, `proc-macro`, `custom-build`, …).
    pub target_kind: String,
    /// `build`, `check`, `test`, `run-custom-build`, …
    pub mode: String,
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
            deps: u.dependencies.into_iter().map(|d| d.index).collect(),
        })
        .collect())
}

/// The version in a package id (`…#name@1.2.3` or `…#1.2.3`).
fn pkg_version(pkg_id: &str) -> Option<&str> {
    let fragment = pkg_id.rsplit_once('#')?.1;
    Some(fragment.rsplit_once('@').map_or(fragment, |(_, v)| v))
}

impl GraphUnit {
    /// The unit kind in cargo-tune's terms.
    pub fn kind(&self) -> &'static str {
        match (self.target_kind.as_str(), self.mode.as_str()) {
            ("custom-build", "run-custom-build") => "run-build-script",
            ("custom-build", _) => "build-script",
            (_, "test" | "bench") => "test",
            ("proc-macro", _) => "proc-macro",
            ("bin", _) => "bin",
            ("lib" | "rlib" | "dylib" | "cdylib" | "staticlib", _) => "lib",
            _ => "other",
        }
    }

    /// Whether this unit can start from its dependencies' metadata (it links nothing).
    fn needs_only_metadata(&self) -> bool {
        self.kind() == "lib" && matches!(self.mode.as_str(), "build" | "check")
    }
}

/// Sets every unit's dependencies and kind from `graph`. `Err` says why the graph does not
/// describe this build; the timings are then left as they were.
pub fn attach(timings: &mut BuildTimings, graph: &[GraphUnit]) -> Result<(), String> {
    for unit in &timings.units {
        let Some(node) = graph.get(unit.index) else {
            return Err(format!("unit {} is not in the unit graph", unit.index));
        };
        if pkg_version(&node.pkg_id) != Some(unit.version.as_str()) {
            return Err(format!(
                "unit {} is {} {} in the timings but {} in the unit graph",
                unit.index, unit.name, unit.version, node.pkg_id
            ));
        }
    }
    for &(from, to, _) in &timings.unblocked {
        if !graph.get(to).is_some_and(|n| n.deps.contains(&from)) {
            return Err(format!(
                "the timings say unit {from} unblocked unit {to}, which does not depend on it in the unit graph"
            ));
        }
    }
    let timed: std::collections::HashSet<usize> = timings.units.iter().map(|u| u.index).collect();
    let rmeta_of: std::collections::HashMap<usize, bool> = timings
        .units
        .iter()
        .map(|u| (u.index, u.rmeta_s.is_some()))
        .collect();
    for unit in &mut timings.units {
        let node = &graph[unit.index];
        unit.kind = node.kind().to_owned();
        unit.deps = node
            .deps
            .iter()
            // Fresh units are not in the timings: they cost nothing in this build.
            .filter(|d| timed.contains(d))
            .map(|&d| UnitDep {
                unit: d,
                rmeta: node.needs_only_metadata()
                    && graph[d].kind() == "lib"
                    && rmeta_of.get(&d).copied().unwrap_or(false),
            })
            .collect();
    }
    timings.deps_source = DepsSource::UnitGraph;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &str, name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(dir)
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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
    fn a_graph_of_another_build_is_refused() {
        let mut t = super::super::html::parse(&read("cargo-timings", "timings-1.95.html")).unwrap();
        let mut graph = parse(&read("unit-graph", "timings.json")).unwrap();
        graph.swap(5, 6);
        let before = t.clone();
        assert!(attach(&mut t, &graph).is_err());
        assert_eq!(t, before);
        assert!(parse("{\"version\":2,\"units\":[]}").is_err());
    }
}
