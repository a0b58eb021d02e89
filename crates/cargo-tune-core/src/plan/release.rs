//! The `release` goal's decision: run time against build time and size. Every measured
//! candidate (and the composition of the chosen steps) is a point of ratios to the workspace as
//! it is; the Pareto front keeps the points no other beats on all three at once, and the choice
//! is the fastest-running point whose build stays within `--max-build-ratio`.

use cargo_tune_schema::{
    FrontPoint, PlanMeasurement, PlanRecord, ReleaseDecision, Verdict, WorkloadInfo,
};

use crate::change::Change;

/// Whether the chosen steps are kept together: the composition made the program faster than
/// the best step alone, nowhere slower, and its build stays within the limit with nothing
/// failed.
pub fn composition_kept(
    against_base: &[PlanMeasurement],
    against_best: &[PlanMeasurement],
    max_build_ratio: f64,
) -> bool {
    against_best
        .iter()
        .any(|m| m.workload.runtime_verdict == Some(Verdict::Faster))
        && against_best
            .iter()
            .all(|m| m.workload.runtime_verdict != Some(Verdict::Slower))
        && against_base.iter().all(|m| {
            m.verdict != Verdict::Failed
                && m.workload.runtime_verdict != Some(Verdict::Failed)
                && m.ratio.is_some_and(|r| r <= max_build_ratio)
        })
}

/// The point of one set of measurements: the first scenario in which the workload ran.
fn point(
    candidates: Vec<String>,
    ms: &[PlanMeasurement],
    max_build_ratio: f64,
) -> Option<FrontPoint> {
    let m = ms.iter().find(|m| m.workload.runtime_ratio.is_some())?;
    let build_ratio = m.ratio?;
    Some(FrontPoint {
        candidates,
        build_ratio,
        runtime_ratio: m.workload.runtime_ratio?,
        runtime_interval: m.workload.runtime_interval,
        size_ratio: m.workload.size_ratio.unwrap_or(1.0),
        within_build_limit: build_ratio <= max_build_ratio,
        non_portable: false,
    })
}

/// Whether `a` is at least as good as `b` on build time, run time and size, and better on one.
fn dominates(a: &FrontPoint, b: &FrontPoint) -> bool {
    let (x, y) = (
        [a.build_ratio, a.runtime_ratio, a.size_ratio],
        [b.build_ratio, b.runtime_ratio, b.size_ratio],
    );
    x.iter().zip(&y).all(|(p, q)| p <= q) && x.iter().zip(&y).any(|(p, q)| p < q)
}

/// The points no other point dominates, fastest-running first.
pub fn pareto_front(points: &[FrontPoint]) -> Vec<FrontPoint> {
    let mut front: Vec<FrontPoint> = points
        .iter()
        .filter(|p| !points.iter().any(|q| dominates(q, p)))
        .cloned()
        .collect();
    front.sort_by(|a, b| a.runtime_ratio.total_cmp(&b.runtime_ratio));
    front
}

/// Whether a candidate's changes build for this machine's CPU alone.
fn non_portable(record: &PlanRecord, ids: &[String]) -> bool {
    record
        .candidates
        .iter()
        .filter(|c| ids.contains(&c.id))
        .flat_map(|c| &c.changes)
        .filter_map(|s| Change::from_suggestion(s).ok())
        .any(|c| matches!(c, Change::Rustflags(flags) if flags.iter().any(|f| f.contains("target-cpu=native"))))
}

/// The decision the record holds: the front of what was measured, and the chosen point.
pub fn decide(
    record: &PlanRecord,
    workload: WorkloadInfo,
    max_build_ratio: f64,
    left_out: Vec<String>,
) -> ReleaseDecision {
    let mut points = vec![FrontPoint {
        candidates: Vec::new(),
        build_ratio: 1.0,
        runtime_ratio: 1.0,
        runtime_interval: None,
        size_ratio: 1.0,
        within_build_limit: true,
        non_portable: false,
    }];
    for c in &record.candidates {
        points.extend(point(vec![c.id.clone()], &c.measured, max_build_ratio));
    }
    if let Some(conf) = &record.confirmation {
        points.extend(point(
            conf.candidates.clone(),
            &conf.measurements,
            max_build_ratio,
        ));
    }
    for p in &mut points {
        p.non_portable = non_portable(record, &p.candidates);
    }
    let chosen: Vec<String> = record.steps.iter().map(|s| s.candidate.clone()).collect();
    let chosen_point = points.iter().find(|p| {
        p.candidates.len() == chosen.len() && chosen.iter().all(|c| p.candidates.contains(c))
    });
    let reason = match chosen_point {
        Some(p) if !chosen.is_empty() => format!(
            "the fastest run time shown faster ({:.3}{}) whose release build stays within --max-build-ratio {max_build_ratio} ({:.3}), binary size {:.3}{}",
            p.runtime_ratio,
            p.runtime_interval
                .map_or_else(String::new, |i| format!(" {}", crate::text::interval(&i))),
            p.build_ratio,
            p.size_ratio,
            if p.non_portable {
                "; it builds for this machine's CPU alone"
            } else {
                ""
            }
        ),
        _ => format!(
            "no candidate made the program measurably faster with a release build within --max-build-ratio {max_build_ratio}: the workspace as it is"
        ),
    };
    ReleaseDecision {
        workload,
        max_build_ratio,
        front: pareto_front(&points),
        chosen,
        reason,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::Goal;

    use super::*;
    use crate::plan::catalogue::{candidates, weight};
    use crate::plan::decision::{Pairs, judge};
    use crate::plan::race::{Objective, Race};

    fn at(ids: &[&str], build: f64, runtime: f64, size: f64) -> FrontPoint {
        FrontPoint {
            candidates: ids.iter().map(|s| (*s).to_owned()).collect(),
            build_ratio: build,
            runtime_ratio: runtime,
            runtime_interval: None,
            size_ratio: size,
            within_build_limit: build <= 1.5,
            non_portable: false,
        }
    }

    #[test]
    fn the_front_keeps_what_nothing_beats_on_all_three() {
        let front = pareto_front(&[
            at(&[], 1.0, 1.0, 1.0),
            at(&["fat"], 1.8, 0.90, 0.85),
            at(&["thin"], 1.2, 0.95, 0.95),
            // Slower build and program than thin, and larger: dominated.
            at(&["cgu-16"], 1.3, 0.97, 0.99),
            // Faster build, slower program: on the front.
            at(&["opt-1"], 0.6, 1.6, 0.8),
        ]);
        let ids: Vec<String> = front.iter().map(|p| p.candidates.join("+")).collect();
        assert_eq!(ids, ["fat", "thin", "", "opt-1"]);
    }

    fn pairs(build: &[f64], runtime: &[f64], size: f64) -> Vec<Pairs> {
        vec![Pairs {
            scenario: "release-clean".to_owned(),
            ratios: build.to_vec(),
            baseline_s: vec![60.0; build.len()],
            failed: false,
            cache_bytes: None,
            runtime_ratios: runtime.to_vec(),
            runtime_failed: false,
            size_ratio: Some(size),
        }]
    }

    /// Fat LTO runs fastest but builds 1.8 times as long; thin LTO is faster within 1.5; one
    /// codegen unit is level; opt-level 2 runs slower.
    #[test]
    fn the_fastest_program_within_the_build_limit_wins() {
        let all = candidates(Goal::Release, "x86_64-unknown-linux-gnu", &[]);
        let pick = |id: &str| all.iter().find(|c| c.id == id).unwrap();
        let field = vec![
            pick("release-lto-fat"),
            pick("release-lto-thin"),
            pick("release-codegen-units-1"),
            pick("release-opt-level-2"),
        ];
        let w = |s: &str| weight(Goal::Release, s);
        let mut race = Race::new(field, &w).deciding_on(Objective::Runtime {
            max_build_ratio: 1.5,
        });
        let rt = |x: f64| -> Vec<f64> {
            (0..10)
                .map(|i| x * (1.0 + 0.01 * ((i % 3) as f64 - 1.0)))
                .collect()
        };
        race.add_stage(vec![
            (
                "release-lto-fat".to_owned(),
                pairs(&[1.82, 1.79, 1.81], &rt(0.85), 0.8),
            ),
            (
                "release-lto-thin".to_owned(),
                pairs(&[1.15, 1.2, 1.18], &rt(0.93), 0.95),
            ),
            (
                "release-codegen-units-1".to_owned(),
                pairs(&[1.4, 1.5, 1.45], &rt(1.0), 0.97),
            ),
            (
                "release-opt-level-2".to_owned(),
                pairs(&[0.9, 0.92, 0.91], &rt(1.1), 0.9),
            ),
        ]);
        let winners: Vec<&str> = race
            .winners()
            .iter()
            .map(|(i, _)| race.candidates[*i].id.as_str())
            .collect();
        assert_eq!(winners, ["release-lto-thin"], "{:?}", race.standing);
        let standing = |id: &str| {
            let i = race.candidates.iter().position(|c| c.id == id).unwrap();
            race.standing[i].clone()
        };
        assert!(
            matches!(standing("release-lto-fat"), crate::plan::race::Standing::Out(r) if r.contains("--max-build-ratio")),
            "{:?}",
            standing("release-lto-fat")
        );
        assert!(
            matches!(standing("release-opt-level-2"), crate::plan::race::Standing::Out(r) if r.contains("slower"))
        );
        // With a looser limit, fat LTO is the choice.
        let field = vec![pick("release-lto-fat"), pick("release-lto-thin")];
        let mut race = Race::new(field, &w).deciding_on(Objective::Runtime {
            max_build_ratio: 2.0,
        });
        race.add_stage(vec![
            (
                "release-lto-fat".to_owned(),
                pairs(&[1.82, 1.79, 1.81], &rt(0.85), 0.8),
            ),
            (
                "release-lto-thin".to_owned(),
                pairs(&[1.15, 1.2, 1.18], &rt(0.93), 0.95),
            ),
        ]);
        let winners: Vec<&str> = race
            .winners()
            .iter()
            .map(|(i, _)| race.candidates[*i].id.as_str())
            .collect();
        assert_eq!(winners, ["release-lto-fat"]);
    }

    #[test]
    fn the_record_holds_the_front_and_names_the_choice() {
        let all = candidates(Goal::Release, "x86_64-unknown-linux-gnu", &[]);
        let mut fat = all
            .iter()
            .find(|c| c.id == "release-lto-fat")
            .unwrap()
            .clone();
        let mut native = all
            .iter()
            .find(|c| c.id == "release-target-cpu-native")
            .unwrap()
            .clone();
        fat.measured = judge(&fat.id, &pairs(&[1.3, 1.32, 1.28], &[0.9; 5], 0.9), 2);
        native.measured = judge(&native.id, &pairs(&[1.05, 1.06, 1.04], &[0.97; 5], 1.0), 2);
        let record: PlanRecord = PlanRecord {
            steps: vec![cargo_tune_schema::PlanStep {
                candidate: fat.id.clone(),
                measurements: fat.measured.clone(),
            }],
            candidates: vec![fat, native],
            ..crate::plan::test_support::empty_record(Goal::Release)
        };
        let info = WorkloadInfo {
            name: "bin:rg".to_owned(),
            command: vec!["rg".to_owned()],
            bin: Some("rg".to_owned()),
            cwd: "/w".to_owned(),
            runs: 5,
            timeout_s: 600.0,
        };
        let d = decide(&record, info, 1.5, Vec::new());
        assert_eq!(d.chosen, ["release-lto-fat"]);
        assert!(d.reason.contains("0.900"), "{}", d.reason);
        let ids: Vec<String> = d.front.iter().map(|p| p.candidates.join("+")).collect();
        assert_eq!(ids, ["release-lto-fat", "release-target-cpu-native", ""]);
        assert!(d.front[1].non_portable && !d.front[0].non_portable);
        // The decision record keeps it through TOML.
        let record = PlanRecord {
            release: Some(d),
            ..record
        };
        let text = crate::plan::record::to_toml(&record);
        assert!(text.contains("[release]"), "{text}");
        assert_eq!(crate::plan::record::from_toml(&text).unwrap(), record);
    }
}
