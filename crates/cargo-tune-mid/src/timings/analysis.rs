//! What follows from measured unit durations and the unit DAG.
//!
//! The critical path is the longest chain through the DAG where each unit takes its measured
//! duration and a dependent can start as soon as what it needs of a dependency is ready: the
//! metadata (pipelining) for a library that links nothing, the end otherwise. Its length is the
//! wall time the build would take with unlimited jobs; the rest of the measured wall time is
//! time its units spent waiting.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, BinaryHeap, HashSet};

use cargo_tune_schema::{
    Cost, CostedGroup, CriticalPath, CriticalStep, Parallelism, Share, Shares, UnitTiming,
};

use super::{BuildTimings, label};

/// Slices of the parallelism timeline.
pub const TIMELINE_SLICES: usize = 40;

/// Everything computed from one build's timings.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The critical path.
    pub critical_path: CriticalPath,
    /// Parallelism reached.
    pub parallelism: Parallelism,
    /// Build scripts and proc-macros.
    pub shares: Shares,
    /// Proc-macros and the units only they need.
    pub proc_macro_stacks: Vec<CostedGroup>,
}

/// Earliest start of every unit (by position) with unlimited jobs, and the dependency that
/// decided it. Units in `removed` take no time.
struct Schedule {
    finish: Vec<f64>,
    pred: Vec<Option<(usize, f64)>>,
}

fn duration(unit: &UnitTiming, removed: &HashSet<usize>) -> f64 {
    if removed.contains(&unit.index) {
        0.0
    } else {
        unit.duration_s
    }
}

/// Seconds of `dep` a dependent waits for.
fn offset(dep: &UnitTiming, rmeta: bool, removed: &HashSet<usize>) -> f64 {
    if removed.contains(&dep.index) {
        return 0.0;
    }
    match (rmeta, dep.rmeta_s) {
        (true, Some(r)) => r,
        _ => dep.duration_s,
    }
}

fn schedule(t: &BuildTimings, removed: &HashSet<usize>) -> Schedule {
    let n = t.units.len();
    let pos = t.positions();
    // Kahn's order; a cycle (never produced by cargo) leaves units at start 0 rather than loop.
    let mut indegree = vec![0usize; n];
    let mut dependents: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    for (p, u) in t.units.iter().enumerate() {
        for d in &u.deps {
            if let Some(&q) = pos.get(&d.unit) {
                indegree[p] += 1;
                dependents[q].push((p, d.rmeta));
            }
        }
    }
    let mut start = vec![0.0f64; n];
    let mut pred: Vec<Option<(usize, f64)>> = vec![None; n];
    let mut ready: Vec<usize> = (0..n).filter(|&p| indegree[p] == 0).collect();
    let mut finish = vec![0.0f64; n];
    while let Some(q) = ready.pop() {
        finish[q] = start[q] + duration(&t.units[q], removed);
        for &(p, rmeta) in &dependents[q] {
            let off = offset(&t.units[q], rmeta, removed);
            let candidate = start[q] + off;
            if pred[p].is_none() || candidate > start[p] {
                start[p] = candidate;
                pred[p] = Some((q, off));
            }
            indegree[p] -= 1;
            if indegree[p] == 0 {
                ready.push(p);
            }
        }
    }
    Schedule { finish, pred }
}

/// Length of the critical path with the units of `removed` taking no time.
pub fn critical_length(t: &BuildTimings, removed: &HashSet<usize>) -> f64 {
    schedule(t, removed).finish.into_iter().fold(0.0, f64::max)
}

/// The critical path of the build.
pub fn critical_path(t: &BuildTimings) -> CriticalPath {
    let s = schedule(t, &HashSet::new());
    let Some(last) = (0..t.units.len()).max_by(|&a, &b| s.finish[a].total_cmp(&s.finish[b])) else {
        return CriticalPath {
            length_s: 0.0,
            idle_s: t.wall,
            steps: Vec::new(),
        };
    };
    let mut chain = vec![(last, t.units[last].duration_s)];
    let mut at = last;
    while let Some((q, off)) = s.pred[at] {
        chain.push((q, off));
        at = q;
    }
    chain.reverse();
    // `chain[i].1` is what unit i contributes: the offset its dependent waited for, and for
    // the last one its whole duration.
    let mut steps = Vec::with_capacity(chain.len());
    let mut unblocked_at = 0.0;
    for &(p, contribution) in &chain {
        let unit = &t.units[p];
        steps.push(CriticalStep {
            unit: unit.index,
            label: label(unit),
            contribution_s: round(contribution),
            waited_s: round(unit.start_s - unblocked_at),
        });
        unblocked_at = unit.start_s + contribution;
    }
    let length = s.finish[last];
    CriticalPath {
        length_s: round(length),
        idle_s: round(t.wall - length),
        steps,
    }
}

/// The wall time of a build of `t`'s units with `jobs` slots: list scheduling, each unit taking
/// its duration, starting once every dependency has reached what it needs of it (pipelining as
/// in [`critical_path`]) and a slot is free; among the ready units, the one with the longest
/// chain of dependents after it goes first, as cargo favours the units that unblock the most.
/// With jobs at least the units, it is the critical path's length.
pub fn simulate(t: &BuildTimings, jobs: usize) -> f64 {
    let n = t.units.len();
    let jobs = jobs.max(1);
    let pos = t.positions();
    let none = HashSet::new();
    let mut deps: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (p, u) in t.units.iter().enumerate() {
        for d in &u.deps {
            if let Some(&q) = pos.get(&d.unit) {
                deps[p].push((q, offset(&t.units[q], d.rmeta, &none)));
                dependents[q].push(p);
            }
        }
    }
    // Priority: the longest chain from a unit's start to the end of the build (a cycle, never
    // produced by cargo, leaves its units at their own duration).
    let mut tail = vec![0.0f64; n];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut pending: Vec<usize> = dependents.iter().map(Vec::len).collect();
    let mut stack: Vec<usize> = (0..n).filter(|&p| pending[p] == 0).collect();
    while let Some(p) = stack.pop() {
        order.push(p);
        for &(q, _) in &deps[p] {
            pending[q] -= 1;
            if pending[q] == 0 {
                stack.push(q);
            }
        }
    }
    for &p in &order {
        let own = t.units[p].duration_s;
        let after = dependents[p]
            .iter()
            .map(|&c| {
                let off = deps[c].iter().find(|(q, _)| *q == p).map_or(own, |d| d.1);
                off + tail[c]
            })
            .fold(own, f64::max);
        tail[p] = after;
    }
    let mut start: Vec<f64> = vec![0.0; n];
    // Dependencies not yet started, per unit; units whose dependencies have all started wait in
    // `waiting` until the time they may start, then in `ready` for a slot.
    let mut unstarted: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut waiting: BinaryHeap<Reverse<Timed>> = (0..n)
        .filter(|&p| unstarted[p] == 0)
        .map(|p| Reverse(Timed(0.0, p)))
        .collect();
    let mut ready: BinaryHeap<Timed> = BinaryHeap::new();
    let mut running: BinaryHeap<Reverse<Timed>> = BinaryHeap::new();
    let mut now = 0.0f64;
    let mut end = 0.0f64;
    loop {
        while let Some(Reverse(Timed(at, p))) = waiting.peek().copied() {
            if at > now + 1e-12 {
                break;
            }
            waiting.pop();
            ready.push(Timed(tail[p], p));
        }
        while running.len() < jobs {
            let Some(Timed(_, p)) = ready.pop() else {
                break;
            };
            start[p] = now;
            let finish = now + t.units[p].duration_s;
            end = end.max(finish);
            running.push(Reverse(Timed(finish, p)));
            for &c in &dependents[p] {
                unstarted[c] -= 1;
                if unstarted[c] == 0 {
                    let at = deps[c]
                        .iter()
                        .map(|&(q, off)| start[q] + off)
                        .fold(now, f64::max);
                    waiting.push(Reverse(Timed(at, c)));
                }
            }
        }
        let next_finish = running.peek().map(|r| r.0.0);
        let next_waiting = waiting
            .peek()
            .map(|r| r.0.0)
            .filter(|_| running.len() < jobs);
        let next = match (next_finish, next_waiting) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            // Nothing runs or waits: done, or units left on a cycle that nothing will free.
            (None, None) => break,
        };
        now = now.max(next);
        while running.peek().is_some_and(|r| r.0.0 <= now + 1e-12) {
            running.pop();
        }
    }
    end
}

/// A time (or a priority) and a unit, ordered by the time, then the unit.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Timed(f64, usize);

impl Eq for Timed {}

impl PartialOrd for Timed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timed {
    fn cmp(&self, other: &Self) -> Ordering {
        // Among equals the lower unit first, both in a max-heap and reversed in a min-heap.
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// Units running over time, against the jobs allowed.
pub fn parallelism(t: &BuildTimings, jobs: usize) -> Parallelism {
    let mut events: Vec<(f64, i32)> = Vec::new();
    for u in t.units.iter().filter(|u| u.duration_s > 0.0) {
        events.push((u.start_s, 1));
        events.push((u.start_s + u.duration_s, -1));
    }
    // Ends before starts at the same instant: a unit handing over its slot is not overlap.
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut seconds_at: Vec<f64> = vec![0.0];
    let mut running = 0usize;
    let mut peak = 0usize;
    let mut last = 0.0;
    let wall = t.wall.max(events.last().map_or(0.0, |e| e.0));
    let slice = wall / TIMELINE_SLICES as f64;
    let mut timeline = vec![0.0; TIMELINE_SLICES];
    let mut add = |from: f64, to: f64, running: usize, seconds_at: &mut Vec<f64>| {
        if to <= from {
            return;
        }
        if seconds_at.len() <= running {
            seconds_at.resize(running + 1, 0.0);
        }
        seconds_at[running] += to - from;
        if slice > 0.0 {
            let first = ((from / slice) as usize).min(TIMELINE_SLICES - 1);
            let end = ((to / slice).ceil() as usize).min(TIMELINE_SLICES);
            for (k, cell) in timeline.iter_mut().enumerate().take(end).skip(first) {
                let lo = from.max(k as f64 * slice);
                let hi = to.min((k + 1) as f64 * slice);
                if hi > lo {
                    *cell += running as f64 * (hi - lo) / slice;
                }
            }
        }
    };
    for (time, delta) in events {
        add(last, time, running, &mut seconds_at);
        last = time;
        running = (running as i64 + i64::from(delta)).max(0) as usize;
        peak = peak.max(running);
    }
    add(last, wall, running, &mut seconds_at);
    let busy: f64 = t.units.iter().map(|u| u.duration_s).sum();
    let underused = seconds_at.iter().take(jobs).sum::<f64>();
    Parallelism {
        jobs,
        average: if wall > 0.0 { round(busy / wall) } else { 0.0 },
        peak,
        seconds_at: seconds_at.into_iter().map(round).collect(),
        underused_s: round(underused),
        timeline: timeline.into_iter().map(round).collect(),
    }
}

/// Build scripts' and proc-macros' share.
pub fn shares(t: &BuildTimings, path: &CriticalPath) -> Shares {
    let total: f64 = t.units.iter().map(|u| u.duration_s).sum();
    let share = |kinds: &[&str]| {
        let members: Vec<&UnitTiming> = t
            .units
            .iter()
            .filter(|u| kinds.contains(&u.kind.as_str()))
            .collect();
        let cpu: f64 = members.iter().map(|u| u.duration_s).sum();
        let on_path: f64 = path
            .steps
            .iter()
            .filter(|s| members.iter().any(|u| u.index == s.unit))
            .map(|s| s.contribution_s)
            .sum();
        Share {
            units: members.len(),
            cpu_s: round(cpu),
            fraction: if total > 0.0 { round(cpu / total) } else { 0.0 },
            critical_path_s: round(on_path),
        }
    };
    Shares {
        total_cpu_s: round(total),
        build_scripts: share(&["build-script", "run-build-script"]),
        proc_macros: share(&["proc-macro"]),
    }
}

/// What the units `units` cost in this build: their CPU seconds and how much shorter the
/// critical path is without them. `spread` is the run-to-run spread of wall time (None for a
/// single run); a saving below it is noise. A single run has no spread to compare with, and a
/// saving of nothing (units off the critical path) is not noise but nothing.
pub fn cost(t: &BuildTimings, units: &[usize], spread: Option<f64>) -> Cost {
    let removed: HashSet<usize> = units.iter().copied().collect();
    let cpu: f64 = t
        .units
        .iter()
        .filter(|u| removed.contains(&u.index))
        .map(|u| u.duration_s)
        .sum();
    let saving = critical_length(t, &HashSet::new()) - critical_length(t, &removed);
    let saving = round(saving.max(0.0));
    Cost {
        cpu_s: round(cpu),
        critical_path_s: saving,
        critical_path_range_s: None,
        within_noise: saving > 0.0 && spread.is_some_and(|s| saving < s),
        expansion: None,
    }
}

/// Units `root` needs, itself included.
fn closure(t: &BuildTimings, root: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(i) = stack.pop() {
        if !seen.insert(i) {
            continue;
        }
        if let Some(p) = t.position(i) {
            stack.extend(t.units[p].deps.iter().map(|d| d.unit));
        }
    }
    seen
}

/// Each proc-macro with the units only it needs (its host-only dependencies), and their cost.
pub fn proc_macro_stacks(t: &BuildTimings, spread: Option<f64>) -> Vec<CostedGroup> {
    let mut groups = Vec::new();
    for unit in t.units.iter().filter(|u| u.kind == "proc-macro") {
        let own = closure(t, unit.index);
        let mut shared = BTreeSet::new();
        for other in t.units.iter().filter(|u| !own.contains(&u.index)) {
            for d in &other.deps {
                // Depending on the proc-macro itself is what every user of it does.
                if own.contains(&d.unit) && d.unit != unit.index {
                    shared.extend(closure(t, d.unit));
                }
            }
        }
        let units: Vec<usize> = own.difference(&shared).copied().collect();
        groups.push(CostedGroup {
            label: format!("{} {}", unit.name, unit.version),
            cost: cost(t, &units, spread),
            units,
        });
    }
    groups.sort_by(|a, b| {
        b.cost
            .critical_path_s
            .total_cmp(&a.cost.critical_path_s)
            .then(b.cost.cpu_s.total_cmp(&a.cost.cpu_s))
    });
    groups
}

/// Runs every analysis.
pub fn analyse(t: &BuildTimings, jobs: usize, spread: Option<f64>) -> Analysis {
    let critical_path = critical_path(t);
    let shares = shares(t, &critical_path);
    Analysis {
        parallelism: parallelism(t, jobs),
        shares,
        proc_macro_stacks: proc_macro_stacks(t, spread),
        critical_path,
    }
}

/// Milliseconds are below cargo's resolution; keep reports readable.
pub fn round(x: f64) -> f64 {
    // `+ 0.0` turns the -0.0 of an empty sum into 0.0.
    (x * 1000.0).round() / 1000.0 + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util;

    fn unit(
        index: usize,
        start: f64,
        duration: f64,
        rmeta: Option<f64>,
        deps: &[(usize, bool)],
    ) -> UnitTiming {
        UnitTiming {
            start_s: start,
            ..test_util::unit_timing(index, duration, rmeta, deps)
        }
    }

    fn timings(units: Vec<UnitTiming>, wall: f64) -> BuildTimings {
        BuildTimings {
            wall,
            jobs: Some(2),
            ..test_util::build_timings(units)
        }
    }

    #[test]
    fn pipelining_lets_a_library_start_at_its_dependency_metadata() {
        // 0 → 1 (rmeta at 1.0 of 3.0) → 2 (a binary: waits for 1's end).
        let t = timings(
            vec![
                unit(0, 0.1, 3.0, Some(1.0), &[]),
                unit(1, 1.2, 2.0, Some(0.5), &[(0, true)]),
                unit(2, 3.4, 1.0, None, &[(1, false)]),
                unit(3, 0.1, 2.5, None, &[]),
            ],
            4.5,
        );
        let path = critical_path(&t);
        let units: Vec<usize> = path.steps.iter().map(|s| s.unit).collect();
        // Through 0's metadata (1.0) + 1 in full (2.0) + 2 (1.0) = 4.0, beating 0 alone (3.0).
        assert_eq!(units, [0, 1, 2]);
        assert!((path.length_s - 4.0).abs() < 1e-9);
        assert!((path.idle_s - 0.5).abs() < 1e-9);
        let contributions: Vec<f64> = path.steps.iter().map(|s| s.contribution_s).collect();
        assert_eq!(contributions, [1.0, 2.0, 1.0]);
        let waited: f64 = path.steps.iter().map(|s| s.waited_s).sum();
        // 0.1 before the first, 0.1 and 0.2 between; 0.1 after the end makes the 0.5 idle.
        assert!((waited - 0.4).abs() < 1e-9, "{waited}");
    }

    #[test]
    fn removing_units_off_the_path_saves_nothing_on_it() {
        let t = timings(
            vec![
                unit(0, 0.0, 3.0, None, &[]),
                unit(1, 0.0, 1.0, None, &[]),
                unit(2, 3.0, 1.0, None, &[(0, false), (1, false)]),
            ],
            4.0,
        );
        let off_path = cost(&t, &[1], None);
        assert_eq!((off_path.cpu_s, off_path.critical_path_s), (1.0, 0.0));
        assert!(!off_path.within_noise, "nothing saved is not noise");
        let on_path = cost(&t, &[0], None);
        // Without 0, unit 1 becomes the bound: 1.0 + 1.0 instead of 3.0 + 1.0.
        assert_eq!(on_path.critical_path_s, 2.0);
        assert!(!on_path.within_noise);
        assert!(cost(&t, &[0], Some(2.5)).within_noise);
    }

    #[test]
    fn a_simulated_build_waits_for_slots_and_for_what_it_needs() {
        // 0 (3 s, metadata at 1 s) and 3 (2.5 s) are free; 1 needs 0's metadata, 2 needs 1.
        let t = timings(
            vec![
                unit(0, 0.0, 3.0, Some(1.0), &[]),
                unit(1, 0.0, 2.0, Some(0.5), &[(0, true)]),
                unit(2, 0.0, 1.0, None, &[(1, false)]),
                unit(3, 0.0, 2.5, None, &[]),
            ],
            5.0,
        );
        // Unlimited jobs: the critical path, 1 + 2 + 1.
        assert!((simulate(&t, 8) - 4.0).abs() < 1e-9);
        assert!((simulate(&t, 8) - critical_length(&t, &HashSet::new())).abs() < 1e-9);
        // One job: every second of every unit, one after another.
        assert!((simulate(&t, 1) - 8.5).abs() < 1e-9);
        // Two jobs: 0 and 3 first (0 leads the longest chain); 1 starts at 1.0 only if a slot is
        // free, which it is not until 3 ends at 2.5; 2 after 1 at 4.5; 0 ends at 3.0.
        assert!((simulate(&t, 2) - 5.5).abs() < 1e-9, "{}", simulate(&t, 2));
        assert_eq!(simulate(&timings(Vec::new(), 0.0), 2), 0.0);
    }

    #[test]
    fn parallelism_counts_time_at_each_level() {
        let t = timings(
            vec![
                unit(0, 0.0, 2.0, None, &[]),
                unit(1, 1.0, 2.0, None, &[]),
                unit(2, 3.0, 1.0, None, &[]),
            ],
            5.0,
        );
        let p = parallelism(&t, 2);
        assert_eq!(p.peak, 2);
        assert_eq!(p.seconds_at, [1.0, 3.0, 1.0]);
        assert_eq!(p.underused_s, 4.0);
        assert!((p.average - 1.0).abs() < 1e-9);
        let total: f64 = p.timeline.iter().sum::<f64>() * (5.0 / TIMELINE_SLICES as f64);
        assert!((total - 5.0).abs() < 1e-6, "{total}");
    }

    #[test]
    fn a_proc_macro_stack_holds_only_what_nothing_else_needs() {
        let mut units = vec![
            unit(0, 0.0, 1.0, None, &[]),
            unit(1, 0.0, 1.0, None, &[]),
            unit(2, 1.0, 1.0, None, &[(0, false), (1, false)]),
            unit(3, 1.0, 1.0, None, &[(1, false)]),
            unit(4, 2.0, 1.0, None, &[(2, false), (3, false)]),
        ];
        units[2].kind = "proc-macro".to_owned();
        let stacks = proc_macro_stacks(&timings(units, 3.0), None);
        assert_eq!(stacks.len(), 1);
        assert_eq!(stacks[0].units, [0, 2]);
    }
}
