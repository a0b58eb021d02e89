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
        let median_all = median(
            &timings
                .units
                .iter()
                .map(|u| u.duration_s)
                .collect::<Vec<_>>(),
        );
        Some(Basis {
            info: CostBasis {
                path: path.to_owned(),
                command: report.command.clone(),
                wall_s: report.wall_s,
                jobs,
                simulated_s: round(simulated),
            },
            by_key,
            median: per_kind.into_iter().map(|(k, v)| (k, median(&v))).collect(),
            median_all,
            rmeta_fraction: if fractions.is_empty() {
                1.0
            } else {
                median(&fractions)
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
        self.predict_for(graph, built, Work::Build)
    }

    /// As [`Basis::predict`], for a command that does `work` with the units of the build
    /// graph `graph`.
    pub fn predict_for(&self, graph: &UnitGraph, built: &[bool], work: Work) -> Predicted {
        let checked = match work {
            Work::Build => vec![false; graph.units.len()],
            Work::Check => checked_units(graph),
        };
        let mut durations = Vec::with_capacity(graph.units.len());
        let mut rmetas = Vec::with_capacity(graph.units.len());
        let mut matches = Vec::with_capacity(graph.units.len());
        for unit in &graph.units {
            match self.lookup(unit) {
                Some((t, how)) => {
                    let k = match how {
                        Match::OtherFeatures => {
                            feature_scale(unit.features.len(), t.features.len())
                        }
                        _ => 1.0,
                    };
                    durations.push(t.duration_s * k);
                    rmetas.push(t.rmeta_s.map(|r| r * k));
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
        // `cargo check` stops a checked unit where its metadata is written.
        for (i, unit) in graph.units.iter().enumerate() {
            if checked[i] {
                durations[i] = rmetas[i]
                    .unwrap_or(durations[i] * self.rmeta_fraction)
                    .min(durations[i]);
                if unit.kind() == "lib" {
                    rmetas[i] = Some(durations[i]);
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
                    sections: None,
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

/// What a command does with the units of a build graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// `cargo build`: every unit compiled whole.
    Build,
    /// `cargo check` (and clippy): the units built for the target only to their metadata;
    /// proc-macros, build scripts and what they link are still built whole.
    Check,
}

impl Work {
    /// The work a CI matrix's cargo subcommand does.
    pub fn of(subcommand: &str) -> Work {
        match subcommand {
            "check" | "clippy" => Work::Check,
            _ => Work::Build,
        }
    }
}

/// The units of a build graph that `cargo check` only checks: all but proc-macros, build
/// scripts, and everything they depend on (the host needs those built to run them).
fn checked_units(graph: &UnitGraph) -> Vec<bool> {
    let mut host = vec![false; graph.units.len()];
    let mut stack: Vec<usize> = graph
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| matches!(u.kind(), "proc-macro" | "build-script"))
        .map(|(i, _)| i)
        .collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut host[i], true) {
            continue;
        }
        stack.extend(graph.units[i].dependencies.iter().map(|d| d.index));
    }
    graph
        .units
        .iter()
        .zip(&host)
        .map(|(u, &h)| !h && u.kind() != "run-build-script")
        .collect()
}

/// How much longer a unit takes with `set` features than the same unit took with `timed`:
/// features turn code on, so a unit built with a fifth of the features (a `regex-automata` with
/// one engine instead of all) is assumed to take a fifth of the time, and one with more
/// features longer in the same proportion; counting the crate itself as one more "feature", and
/// never below a quarter nor above four times.
fn feature_scale(set: usize, timed: usize) -> f64 {
    ((1 + set) as f64 / (1 + timed) as f64).clamp(0.25, 4.0)
}

/// The median of `values`, 0 for none.
fn median(values: &[f64]) -> f64 {
    crate::measure::stats::summarize(values).map_or(0.0, |s| s.median)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util;
    use crate::timings::report::{TimingsInputs, assemble};

    fn timed(
        index: usize,
        name: &str,
        kind: &str,
        features: &[&str],
        duration: f64,
        rmeta: Option<f64>,
        deps: &[(usize, bool)],
    ) -> UnitTiming {
        UnitTiming {
            name: name.to_owned(),
            kind: kind.to_owned(),
            features: features.iter().map(|f| (*f).to_owned()).collect(),
            ..test_util::unit_timing(index, duration, rmeta, deps)
        }
    }

    /// A timed build: library a (2 s, metadata at 1 s) ← library b (3 s) ← binary c (1 s),
    /// which took 7 s of wall time with 2 jobs.
    fn basis() -> Basis {
        let units = vec![
            timed(0, "a", "lib", &["std"], 2.0, Some(1.0), &[]),
            timed(1, "b", "lib", &[], 3.0, Some(1.5), &[(0, true)]),
            timed(2, "c", "bin", &[], 1.0, None, &[(1, false)]),
        ];
        let run = BuildTimings {
            wall: 7.0,
            jobs: Some(2),
            ..test_util::build_timings(units)
        };
        let report = assemble(TimingsInputs {
            version: "0",
            workspace_root: "/w".to_owned(),
            context: test_util::run_context(),
            scenario: "dev-clean".to_owned(),
            command: "cargo build".to_owned(),
            report_path: String::new(),
            deps_note: None,
            runs: vec![run],
            walls: vec![7.0],
            findings: &[],
            failure: None,
            macros: None,
            binaries: Vec::new(),
        });
        Basis::new(&report, "last.json").unwrap()
    }

    fn unit(pkg: &str, kind: &str, features: &[&str], deps: &[usize]) -> serde_json::Value {
        serde_json::json!({
            "pkg_id": format!("registry+x#{pkg}@1.0.0"), "target": {"kind": [kind], "name": pkg},
            "profile": {}, "mode": "build", "features": features,
            "dependencies": deps.iter().map(|i| serde_json::json!({"index": i})).collect::<Vec<_>>(),
        })
    }

    fn graph(units: &serde_json::Value) -> UnitGraph {
        let text = serde_json::json!({"version": 1, "units": units, "roots": [2]}).to_string();
        UnitGraph::parse(&text, "t").unwrap()
    }

    #[test]
    fn the_timed_build_predicts_its_own_wall_time() {
        let b = basis();
        // The replay: a 0–2, b from a's metadata 1–4, c 4–5; 7 s measured makes the scale 1.4.
        assert_eq!(b.info.simulated_s, 5.0);
        let same = graph(&serde_json::json!([
            unit("a", "lib", &["std"], &[]),
            unit("b", "lib", &[], &[0]),
            unit("c", "bin", &[], &[1]),
        ]));
        let p = b.predict(&same, &[]);
        assert_eq!(p.wall_s, 7.0);
        assert_eq!(p.matches, [Match::Same; 3]);
        assert_eq!(p.critical_path_s, 5.0);
        // With a already built, b starts at once: 3 + 1 = 4 s, scaled.
        assert!((b.predict(&same, &[true, false, false]).wall_s - 5.6).abs() < 1e-9);
    }

    #[test]
    fn units_with_other_features_or_never_timed_are_said_so() {
        let b = basis();
        let other = graph(&serde_json::json!([
            unit("a", "lib", &[], &[]),
            unit("d", "lib", &[], &[0]),
            unit("c", "bin", &[], &[1]),
        ]));
        let p = b.predict(&other, &[]);
        assert_eq!(
            p.matches,
            [Match::OtherFeatures, Match::Estimated, Match::Same]
        );
        // a without `std`: half its features (itself counted), half its 2 s. An unknown library
        // takes the median of the timed libraries: (2 + 3) / 2.
        assert_eq!(p.durations, [1.0, 2.5, 1.0]);
    }

    #[test]
    fn a_check_stops_at_metadata_except_for_what_the_host_runs() {
        let b = basis();
        let same = graph(&serde_json::json!([
            unit("a", "lib", &["std"], &[]),
            unit("b", "lib", &[], &[0]),
            unit("c", "bin", &[], &[1]),
        ]));
        // Libraries to their metadata; the binary, which has none timed, at the libraries'
        // metadata share of their time (a half).
        let p = b.predict_for(&same, &[], Work::Check);
        assert_eq!(p.durations, [1.0, 1.5, 0.5]);
        assert!(p.wall_s < b.predict(&same, &[]).wall_s);
        // A library a proc-macro links is built whole.
        let host = graph(&serde_json::json!([
            unit("a", "lib", &["std"], &[]),
            unit("m", "proc-macro", &[], &[0]),
            unit("c", "bin", &[], &[1]),
        ]));
        let p = b.predict_for(&host, &[], Work::Check);
        assert_eq!(p.durations[0], 2.0);
        assert_eq!(p.durations[2], 0.5);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
