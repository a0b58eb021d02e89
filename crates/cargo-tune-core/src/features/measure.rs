//! `--measure`: the named sets built with `bench`'s machinery, `check` and `build` from clean,
//! each set in target directories of its own, in rotated rounds; and the dev loop's switch,
//! the default build run over the loop's.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use cargo_tune_schema::{RunContext, SetMeasurement, SetSpec};

use crate::cargo::Invocation;
use crate::measure::runner::{self, run_once, target_dir};
use crate::measure::session::{MeasureOptions, Session};
use crate::vocab::{Events, Failure, Scenario};

/// What `--measure` found: per set (by id), and the context of the runs.
pub struct Measured {
    /// Per set id.
    pub sets: Vec<(String, SetMeasurement)>,
    /// Toolchain, jobs, memory method.
    pub context: RunContext,
    /// The switch from a dev loop's build to the default one, seconds, per dev set id.
    pub switches: Vec<(String, f64)>,
}

/// A set's variant name: its id, with what a directory name cannot hold replaced.
fn variant_name(set: &SetSpec) -> String {
    set.id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Builds `sets` (`check` and `build` from clean, `runs` times each), then for each
/// `(dev, default)` pair the default build once over the dev build's target directory.
pub fn measure(
    invocation: &Invocation,
    sets: &[&SetSpec],
    switches: &[(&SetSpec, &SetSpec)],
    runs: u32,
    jobs: Option<u32>,
    events: &mut dyn Events,
) -> Result<Measured, Failure> {
    let session = Session::load_members(invocation)?;
    let mut variants = Vec::new();
    for set in sets {
        let mut v = session.variant("baseline", &[], &[])?;
        v.name = variant_name(set);
        v.changes = vec![set.flags()];
        v.cargo_args = set.args();
        variants.push(v);
    }
    let scenarios = vec![Scenario::Check, Scenario::DevClean];
    let options = MeasureOptions {
        scenarios: scenarios.clone(),
        runs,
        jobs,
        touch: None,
        no_history: true,
        packages: Vec::new(),
        cache_bandwidth: None,
        profile: None,
        workload: None,
        workload_runs: None,
    };
    let (context, mut plan) = session.plan(&options, variants, scenarios, Vec::new())?;
    // Apart from bench's directories, so that neither clobbers the other's builds.
    plan.bench_dir = session.bench_dir.join("features");
    // Every run starts from an empty target directory: a warm-up would only build it once more.
    plan.warm_up = false;
    let bench_dir = plan.bench_dir.clone();
    let switch_plan = plan.clone();
    let interrupted = |restored| {
        remove_dirs(&bench_dir, sets);
        Failure::Interrupted { restored }
    };
    let (context, _, results) = match session.run_plan(context, plan, false, events) {
        Err(Failure::Interrupted { restored }) => return Err(interrupted(restored)),
        other => other?,
    };
    let mut out = Vec::new();
    for set in sets {
        let name = variant_name(set);
        let mut m = SetMeasurement {
            check: None,
            build: None,
            target_dir_bytes: None,
            peak_memory_bytes: None,
            failure: None,
        };
        for result in &results {
            let Some(outcome) = result.variants.iter().find(|v| v.variant == name) else {
                continue;
            };
            if outcome.failure.is_some() && m.failure.is_none() {
                m.failure = outcome.failure.clone();
            }
            if result.scenario == Scenario::Check.as_str() {
                m.check = outcome.summary.clone();
            } else {
                m.build = outcome.summary.clone();
                m.peak_memory_bytes = outcome.summary.as_ref().and_then(|s| s.peak_tree_rss_bytes);
                let dir = target_dir(&bench_dir, Scenario::DevClean, &name);
                m.target_dir_bytes = dir.is_dir().then(|| dir_size(&dir));
            }
        }
        out.push((set.id.clone(), m));
    }
    let cancel = events.cancel();
    let mut switched = Vec::new();
    for (dev, default) in switches {
        let Some(variant) = switch_plan
            .variants
            .iter()
            .find(|v| v.name == variant_name(default))
        else {
            continue;
        };
        let dev_dir = target_dir(&bench_dir, Scenario::DevClean, &variant_name(dev));
        if !dev_dir.is_dir() {
            continue;
        }
        events.status(
            "Measuring",
            &format!("the switch from {} to {}", dev.id, default.id),
        );
        let cli = runner::command(&switch_plan, Scenario::DevClean, variant)
            .env("CARGO_TARGET_DIR", &dev_dir);
        let run = run_once(&cli, &cancel).map_err(|e| Failure::setup(format!("failed to {e}")))?;
        if run.interrupted || cancel.load(Ordering::SeqCst) {
            return Err(interrupted(None));
        }
        if run.ok {
            switched.push((dev.id.clone(), run.measurement.wall_s));
        }
    }
    Ok(Measured {
        sets: out,
        context,
        switches: switched,
    })
}

/// After Ctrl-C: the sets' half-built target directories are of no use to anyone.
fn remove_dirs(bench_dir: &Path, sets: &[&SetSpec]) {
    for set in sets {
        for scenario in [Scenario::Check, Scenario::DevClean] {
            let _ = std::fs::remove_dir_all(target_dir(bench_dir, scenario, &variant_name(set)));
        }
    }
}

/// Bytes of the files below `dir` (links not followed).
fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => total += entry.metadata().map_or(0, |m| m.len()),
                _ => {}
            }
        }
    }
    total
}
