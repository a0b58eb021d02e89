//! What a set costs without building it: each of its units takes the duration the same unit
//! took in one timed build (`cargo tune timings`), the build is replayed on the set's own unit
//! graph with the same jobs, and the result is scaled by how far the replay of the timed build
//! itself fell from its measured wall time.

use std::collections::{HashMap, HashSet};

use cargo_tune_schema::{CostBasis, TimingsReport, UnitDep, UnitTiming};

use crate::cargo::unit_graph::{UnitGraph, pipelined};
use crate::timings::analysis::{critical_length, round, simulate};
use crate::timings::{BuildTimings, DepsSource, HtmlSchema};

/// The timed build, indexed for lookups.
pub struct Basis {
    /// What the report says of it.
    pub info: CostBasis,
    /// Timed units by `(name, version, kind)`.
    by_key: HashMap<(String, String, String), Vec<UnitTiming>>,
    /// Median duration per kind, for units the timed build never built.
    median: HashMap<String, f64>,
    median_all: f64,
    /// Median share of a library's duration until its metadata was ready.
    rmeta_fraction: f64,
    scale: f64,
}

/// What a unit of a set was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// The same unit, same features.
    Same,
    /// The same package and target kind, other features.
    OtherFeatures,
    /// Not in the timed build: a median.
    Estimated,
}

/// One set's prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct Predicted {
    /// Per unit of the graph: its duration.
    pub durations: Vec<f64>,
    /// Per unit: how it was found.
    pub matches: Vec<Match>,
    /// The set's build replayed, scaled: its wall time from clean.
    pub wall_s: f64,
    /// Its critical path.
    pub critical_path_s: f64,
}

impl Basis {
    /// The basis of a saved timings document; `None` when it has no units.
    pub fn new(report: &TimingsReport, path: &str) -> Option<Basis> {
        let timings = BuildTimings::from_report(report).ok()?;
        if timings.units.is_empty() {
            return None;
        }
        let jobs = report.context.jobs.max(1);
        let simulated = simulate(&timings, jobs);
        let mut by_key: HashMap<(String, String, String), Vec<UnitTiming>> = HashMap::new();
        let mut per_kind: HashMap<String, Vec<f64>> = HashMap::new();
        let mut fractions = Vec::new();
        for u in &timings.units {
            by_key
                .entry((u.name.clone(), u.version.clone(), u.kind.clone()))
                .or_default()
                .push(u.clone());
            per_kind
                .entry(u.kind.clone())
                .or_default()
                .push(u.duration_s);
            if let Some(r) = u.rmeta_s.filter(|_| u.duration_s > 0.0) {
                fractions.push(r / u.duration_s);
            }
        }
        let median_all = median(timings.units.iter().map(|u| u.duration_s).collect());
        Some(Basis {
            info: CostBasis {
                path: path.to_owned(),
                command: report.command.clone(),
                wall_s: report.wall_s,
                jobs,
                simulated_s: round(simulated),
            },
            by_key,
            median: per_kind.into_iter().map(|(k, v)| (k, median(v))).collect(),
            median_all,
            rmeta_fraction: if fractions.is_empty() {
                1.0
            } else {
                median(fractions)
            },
            scale: if simulated > 0.0 {
                report.wall_s / simulated
            } else {
                1.0
            },
        })
    }

    /// The timed unit standing for `unit` of a set, and how close it is.
    fn lookup(&self, unit: &crate::cargo::unit_graph::Unit) -> Option<(&UnitTiming, Match)> {
        let (name, version) = unit.name_version();
        let kind = unit.kind();
        let candidates =
            self.by_key
                .get(&(name.to_owned(), version.to_owned(), kind.to_owned()))?;
        let mut features = unit.features.clone();
        features.sort();
        let distance = |t: &UnitTiming| {
            let mine: HashSet<&String> = features.iter().collect();
            let theirs: HashSet<&String> = t.features.iter().collect();
            mine.symmetric_difference(&theirs).count()
        };
        // A target of its own name (one of several binaries) before the others.
        let named = |t: &UnitTiming| t.target.contains(&format!("\"{}\"", unit.target.name));
        let best = candidates.iter().min_by_key(|t| (distance(t), !named(t)))?;
        let how = if distance(best) == 0 {
            Match::Same
        } else {
            Match::OtherFeatures
        };
        Some((best, how))
    }

    /// The duration of every unit of `graph`; units in `built` (by index) are fresh and take
    /// nothing.
    pub fn predict(&self, graph: &UnitGraph, built: &[bool]) -> Predicted {
        let mut durations = Vec::with_capacity(graph.units.len());
        let mut rmetas = Vec::with_capacity(graph.units.len());
        let mut matches = Vec::with_capacity(graph.units.len());
        for unit in &graph.units {
            match self.lookup(unit) {
                Some((t, how)) => {
                    durations.push(t.duration_s);
                    rmetas.push(t.rmeta_s);
                    matches.push(how);
                }
                None => {
                    let d = self
                        .median
                        .get(unit.kind())
                        .copied()
                        .unwrap_or(self.median_all);
                    durations.push(d);
                    rmetas.push((unit.kind() == "lib").then_some(d * self.rmeta_fraction));
                    matches.push(Match::Estimated);
                }
            }
        }
        let units: Vec<UnitTiming> = graph
            .units
            .iter()
            .enumerate()
            .map(|(i, unit)| {
                let fresh = built.get(i).copied().unwrap_or(false);
                let (name, version) = unit.name_version();
                UnitTiming {
                    index: i,
                    name: name.to_owned(),
                    version: version.to_owned(),
                    target: String::new(),
                    kind: unit.kind().to_owned(),
                    features: Vec::new(),
                    start_s: 0.0,
                    duration_s: if fresh { 0.0 } else { durations[i] },
                    rmeta_s: if fresh { Some(0.0) } else { rmetas[i] },
                    finished: true,
                    deps: unit
                        .dependencies
                        .iter()
                        .map(|d| {
                            let dep = &graph.units[d.index];
                            UnitDep {
                                unit: d.index,
                                rmeta: pipelined(unit.kind(), &unit.mode)
                                    && dep.kind() == "lib"
                                    && rmetas[d.index].is_some(),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let timings = BuildTimings {
            units,
            wall: 0.0,
            jobs: Some(self.info.jobs),
            schema: HtmlSchema::UnblockedSections,
            deps_source: DepsSource::UnitGraph,
            unblocked: Vec::new(),
            unknown_fields: Default::default(),
        };
        Predicted {
            wall_s: round(simulate(&timings, self.info.jobs) * self.scale),
            critical_path_s: round(critical_length(&timings, &HashSet::new())),
            durations: timings.units.iter().map(|u| u.duration_s).collect(),
            matches,
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }
}
