//! Per-unit build timings, normalised into one model whatever cargo output they come from, and
//! what follows from them: the critical path, the parallelism reached, and what a set of units
//! (a duplicate version, a proc-macro stack) costs.
//!
//! Sources are adapters: [`html`] reads the `UNIT_DATA` of `cargo build --timings` in each of its
//! dialects, [`unit_graph`] adds every dependency edge from `cargo build --unit-graph`. Parsers
//! take text line by line and never do I/O.

pub mod analysis;
pub mod findings;
pub mod html;
pub mod levers;
pub mod macros;
pub mod report;
pub mod schedule;
pub mod self_profile;
pub mod unit_graph;

use std::collections::{BTreeSet, HashMap};

use cargo_tune_schema::{TimingsReport, UnitDep, UnitTiming};

pub use analysis::{Analysis, analyse};

/// Which `UNIT_DATA` dialect a report was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtmlSchema {
    /// cargo ≤ 1.92: `unlocked_units`, `unlocked_rmeta_units`, `rmeta_time`.
    Unlocked,
    /// cargo 1.93: `unblocked_*`, still `rmeta_time`.
    UnblockedRmetaTime,
    /// cargo ≥ 1.94: `unblocked_*`, metadata time from the `frontend` section.
    UnblockedSections,
}

impl HtmlSchema {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            HtmlSchema::Unlocked => "unlocked",
            HtmlSchema::UnblockedRmetaTime => "unblocked-rmeta-time",
            HtmlSchema::UnblockedSections => "unblocked-sections",
        }
    }
}

/// Where the dependency edges came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepsSource {
    /// Every edge, from `cargo build --unit-graph`.
    UnitGraph,
    /// Only the edge that unblocked each unit, from the timings report itself.
    TimingsUnblocked,
}

impl DepsSource {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DepsSource::UnitGraph => "unit-graph",
            DepsSource::TimingsUnblocked => "timings-unblocked",
        }
    }
}

/// One build's units and wall time.
#[derive(Clone, Debug, PartialEq)]
pub struct BuildTimings {
    /// Sorted by unit index.
    pub units: Vec<UnitTiming>,
    /// Wall time of the build as cargo measured it, seconds.
    pub wall: f64,
    /// The jobs cargo ran with, when the source says.
    pub jobs: Option<usize>,
    /// The dialect read.
    pub schema: HtmlSchema,
    /// Where `deps` came from.
    pub deps_source: DepsSource,
    /// `(from, to, rmeta)`: `from` finishing (or its metadata, with `rmeta`) unblocked `to`.
    pub unblocked: Vec<(usize, usize, bool)>,
    /// Fields of `UNIT_DATA` that were not understood, kept to be reported rather than failing.
    pub unknown_fields: BTreeSet<String>,
}

/// Why timings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TimingsError {
    /// No `UNIT_DATA` in the report.
    #[error(
        "read the timings report: it has no `const UNIT_DATA = [...]`; cargo's report format is not one cargo-tune knows"
    )]
    NoUnitData,
    /// `UNIT_DATA` is not JSON.
    #[error("read the timings report: `UNIT_DATA` is not a JSON array: {0}")]
    Json(#[source] serde_json::Error),
    /// A field is missing or has another type.
    #[error(
        "read the timings report: unknown `UNIT_DATA` schema: unit #{position} has no {expected} field `{field}`"
    )]
    Field {
        /// Position of the unit in the array.
        position: usize,
        /// The field.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// A saved report cannot be used.
    #[error("read the saved timings: {0}")]
    Saved(String),
}

impl BuildTimings {
    /// Position of unit `index` in `units`.
    pub fn position(&self, index: usize) -> Option<usize> {
        self.units.binary_search_by_key(&index, |u| u.index).ok()
    }

    /// A map from unit index to position.
    pub fn positions(&self) -> HashMap<usize, usize> {
        self.units
            .iter()
            .enumerate()
            .map(|(p, u)| (u.index, p))
            .collect()
    }

    /// Without a unit graph: each unit depends on what unblocked it.
    pub fn deps_from_unblocked(&mut self) {
        self.deps_source = DepsSource::TimingsUnblocked;
        for u in &mut self.units {
            u.deps.clear();
        }
        for &(from, to, rmeta) in &self.unblocked {
            if let Some(p) = self.position(to) {
                self.units[p].deps.push(UnitDep { unit: from, rmeta });
            }
        }
    }

    /// The model of a saved `cargo tune timings --format json` document.
    pub fn from_report(report: &TimingsReport) -> Result<BuildTimings, TimingsError> {
        let mut units = report.units.clone();
        units.sort_by_key(|u| u.index);
        let known: BTreeSet<usize> = units.iter().map(|u| u.index).collect();
        if let Some(bad) = units
            .iter()
            .flat_map(|u| u.deps.iter().map(move |d| (u, d)))
            .find(|(_, d)| !known.contains(&d.unit))
        {
            return Err(TimingsError::Saved(format!(
                "unit {} depends on unit {}, which is not in the file",
                bad.0.index, bad.1.unit
            )));
        }
        Ok(BuildTimings {
            units,
            wall: report.wall_s,
            jobs: Some(report.context.jobs),
            schema: match report.source.schema.as_str() {
                "unlocked" => HtmlSchema::Unlocked,
                "unblocked-rmeta-time" => HtmlSchema::UnblockedRmetaTime,
                _ => HtmlSchema::UnblockedSections,
            },
            deps_source: if report.source.dependencies == "unit-graph" {
                DepsSource::UnitGraph
            } else {
                DepsSource::TimingsUnblocked
            },
            unblocked: Vec::new(),
            unknown_fields: BTreeSet::new(),
        })
    }
}

/// `name version` and cargo's target description.
pub fn label(unit: &UnitTiming) -> String {
    format!("{} {}{}", unit.name, unit.version, unit.target)
}

/// See [`BuildTimings::unit_keys`].
pub type UnitKey = (String, String, String, Vec<String>, usize);

impl BuildTimings {
    /// A build that succeeded finished every unit it lists, however short.
    pub fn mark_all_finished(&mut self) {
        for u in &mut self.units {
            u.finished = true;
        }
    }

    /// The key that finds each unit of this build in another build of the same workspace: the
    /// same package, target and features, and which occurrence of them it is (a package built
    /// for the host and for the target is two units).
    pub fn unit_keys(&self) -> Vec<UnitKey> {
        let mut seen: HashMap<(String, String, String, Vec<String>), usize> = HashMap::new();
        self.units
            .iter()
            .map(|u| {
                let k = (
                    u.name.clone(),
                    u.version.clone(),
                    u.target.clone(),
                    u.features.clone(),
                );
                let n = seen.entry(k.clone()).or_default();
                *n += 1;
                (k.0, k.1, k.2, k.3, *n)
            })
            .collect()
    }

    /// Several builds of one scenario as one: the last build's units, each with the median of
    /// its durations (and of its sections) over the builds that list it. A rebuild takes a
    /// second or two, and one sample of it can be a fifth off on a busy machine: what is
    /// predicted from it inherits that, where a median of three does not. `None` without a
    /// build.
    pub fn median_of(mut builds: Vec<BuildTimings>) -> Option<BuildTimings> {
        fn median(mut xs: Vec<f64>) -> Option<f64> {
            xs.sort_by(f64::total_cmp);
            let n = xs.len();
            match n {
                0 => None,
                _ if n % 2 == 1 => Some(xs[n / 2]),
                _ => Some((xs[n / 2 - 1] + xs[n / 2]) / 2.0),
            }
        }
        let mut out = builds.pop()?;
        let others: Vec<HashMap<UnitKey, &UnitTiming>> = builds
            .iter()
            .map(|b| b.unit_keys().into_iter().zip(&b.units).collect())
            .collect();
        let wall = median(builds.iter().map(|b| b.wall).chain([out.wall]).collect());
        for (key, u) in out.unit_keys().into_iter().zip(&mut out.units) {
            let matched: Vec<&UnitTiming> =
                others.iter().filter_map(|o| o.get(&key).copied()).collect();
            let pick = |f: &dyn Fn(&UnitTiming) -> Option<f64>, own: Option<f64>| {
                median(matched.iter().filter_map(|x| f(x)).chain(own).collect())
            };
            let duration = pick(&|x| Some(x.duration_s), Some(u.duration_s));
            let rmeta = pick(&|x| x.rmeta_s, u.rmeta_s);
            let sections = u.sections.map(|s| cargo_tune_schema::UnitSections {
                frontend_s: pick(&|x| x.sections.map(|s| s.frontend_s), Some(s.frontend_s))
                    .unwrap_or(s.frontend_s),
                codegen_s: pick(&|x| x.sections.map(|s| s.codegen_s), Some(s.codegen_s))
                    .unwrap_or(s.codegen_s),
                link_s: pick(&|x| x.sections.and_then(|s| s.link_s), s.link_s),
            });
            u.duration_s = duration.unwrap_or(u.duration_s);
            u.rmeta_s = rmeta;
            u.sections = sections;
        }
        out.wall = wall.unwrap_or(out.wall);
        Some(out)
    }

    /// Without a unit graph, library units of proc-macro packages are proc-macros.
    pub fn mark_proc_macros<'a>(&mut self, packages: impl IntoIterator<Item = (&'a str, String)>) {
        let set: std::collections::HashSet<(&str, String)> = packages.into_iter().collect();
        for u in &mut self.units {
            if u.kind == "lib" && set.contains(&(u.name.as_str(), u.version.clone())) {
                u.kind = "proc-macro".to_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::UnitSections;

    use super::*;
    use crate::test_util::{build_timings, unit_timing};

    #[test]
    fn builds_of_one_scenario_are_one_build_of_median_units() {
        let build = |lib: f64, bin: f64, link: f64, wall: f64| {
            let mut b = build_timings(vec![
                unit_timing(0, lib, Some(lib / 2.0), &[]),
                UnitTiming {
                    kind: "bin".to_owned(),
                    sections: Some(UnitSections {
                        frontend_s: 0.2,
                        codegen_s: 0.1,
                        link_s: Some(link),
                    }),
                    ..unit_timing(1, bin, None, &[(0, false)])
                },
            ]);
            b.wall = wall;
            b
        };
        // The middle build is the one a busy moment slowed down.
        let median = BuildTimings::median_of(vec![
            build(1.0, 2.0, 0.9, 3.0),
            build(1.6, 3.1, 1.8, 4.8),
            build(1.1, 2.2, 1.0, 3.2),
        ])
        .unwrap();
        assert_eq!(median.units.len(), 2);
        assert_eq!(median.units[0].duration_s, 1.1);
        assert_eq!(median.units[0].rmeta_s, Some(0.55));
        assert_eq!(median.units[1].duration_s, 2.2);
        assert_eq!(median.units[1].sections.unwrap().link_s, Some(1.0));
        assert_eq!(median.wall, 3.2);
        // Its deps and order are the last build's.
        assert_eq!(median.units[1].deps.len(), 1);
        // A unit only some builds rebuilt is the median of those that did.
        let mut fresh = build(0.0, 2.4, 1.2, 2.6);
        fresh.units.remove(0);
        let median = BuildTimings::median_of(vec![build(1.0, 2.0, 0.9, 3.0), fresh]).unwrap();
        assert_eq!(median.units.len(), 1);
        assert!((median.units[0].duration_s - 2.2).abs() < 1e-9);
        assert!(BuildTimings::median_of(Vec::new()).is_none());
    }
}
