//! A build replayed on a fixed number of jobs: what the wall time would be if the units took
//! other durations. The planner predicts a change's effect with it, from the durations the
//! change would give each unit; the same replay of the measured durations is the reference, so
//! what the replay does not model (cargo's own overhead, the jobserver's slack) cancels out of
//! the ratio.

use super::BuildTimings;

/// One unit as replayed: how long it takes, and when its metadata is ready (pipelining).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timed {
    /// Seconds.
    pub duration_s: f64,
    /// Seconds after its start at which dependents that need only its metadata can start.
    pub rmeta_s: Option<f64>,
}

/// The wall time of `t`'s units on `jobs` slots, each unit (by position) taking what `timed`
/// gives it; units of no duration (fresh in an incremental build) take no slot.
///
/// List scheduling: whenever a slot is free, the ready unit with the longest chain of work
/// after it starts first, which is how cargo orders its queue (by the dependents waiting on a
/// unit), up to ties.
pub fn replay(t: &BuildTimings, timed: &dyn Fn(usize) -> Timed, jobs: usize) -> f64 {
    let n = t.units.len();
    let units: Vec<Timed> = (0..n).map(timed).collect();
    let pos = t.positions();
    let deps: Vec<Vec<(usize, bool)>> = t
        .units
        .iter()
        .map(|u| {
            u.deps
                .iter()
                .filter_map(|d| pos.get(&d.unit).map(|&q| (q, d.rmeta)))
                .collect()
        })
        .collect();
    let tail = tails(&units, &deps);
    let jobs = jobs.max(1);
    let mut start: Vec<Option<f64>> = vec![None; n];
    let mut done = 0;
    let mut now = 0.0f64;
    let mut wall = 0.0f64;
    // When a dependency lets `p` start: its metadata or its end, once it has started.
    let ready_at = |q: usize, rmeta: bool, start: &[Option<f64>]| -> Option<f64> {
        let s = start[q]?;
        let u = &units[q];
        Some(match (rmeta, u.rmeta_s) {
            (true, Some(r)) => s + r.min(u.duration_s),
            _ => s + u.duration_s,
        })
    };
    while done < n {
        let running = (0..n)
            .filter(|&p| start[p].is_some_and(|s| s + units[p].duration_s > now))
            .filter(|&p| units[p].duration_s > 0.0)
            .count();
        let mut ready: Vec<usize> = (0..n)
            .filter(|&p| start[p].is_none())
            .filter(|&p| {
                deps[p]
                    .iter()
                    .all(|&(q, rmeta)| ready_at(q, rmeta, &start).is_some_and(|at| at <= now))
            })
            .collect();
        ready.sort_by(|&a, &b| tail[b].total_cmp(&tail[a]).then(a.cmp(&b)));
        let mut free = jobs.saturating_sub(running);
        let mut started = false;
        for p in ready {
            // A unit with nothing to do (fresh) passes through without a slot.
            if units[p].duration_s > 0.0 {
                if free == 0 {
                    continue;
                }
                free -= 1;
            }
            start[p] = Some(now);
            wall = wall.max(now + units[p].duration_s);
            done += 1;
            started = true;
        }
        if started {
            continue;
        }
        // Nothing could start now: move on to the next moment something ends or unblocks.
        let next = (0..n)
            .filter_map(|p| start[p].map(|s| (p, s)))
            .flat_map(|(p, s)| {
                let u = &units[p];
                let meta = u.rmeta_s.map(|r| s + r.min(u.duration_s));
                [Some(s + u.duration_s), meta]
            })
            .flatten()
            .filter(|&at| at > now)
            .fold(f64::INFINITY, f64::min);
        if !next.is_finite() {
            // A cycle, which cargo never produces: what is left cannot start.
            break;
        }
        now = next;
    }
    wall
}

/// Per unit, its own duration plus the longest chain of dependents after it.
fn tails(units: &[Timed], deps: &[Vec<(usize, bool)>]) -> Vec<f64> {
    let n = units.len();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut outdegree = vec![0usize; n];
    for (p, ds) in deps.iter().enumerate() {
        for &(q, _) in ds {
            dependents[q].push(p);
            outdegree[q] += 1;
        }
    }
    let mut tail: Vec<f64> = units.iter().map(|u| u.duration_s).collect();
    // Reverse topological order: units nothing depends on first.
    let mut left: Vec<usize> = (0..n).map(|p| dependents[p].len()).collect();
    let mut stack: Vec<usize> = (0..n).filter(|&p| outdegree[p] == 0).collect();
    while let Some(p) = stack.pop() {
        let after = dependents[p]
            .iter()
            .map(|&d| tail[d])
            .fold(0.0f64, f64::max);
        tail[p] = units[p].duration_s + after;
        for &(q, _) in &deps[p] {
            left[q] -= 1;
            if left[q] == 0 {
                stack.push(q);
            }
        }
    }
    tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util;

    /// A unit: its duration, its metadata point, and its dependencies (unit, pipelined).
    type Unit<'a> = (f64, Option<f64>, &'a [(usize, bool)]);

    fn build(units: &[Unit<'_>]) -> BuildTimings {
        test_util::build_timings(
            units
                .iter()
                .enumerate()
                .map(|(i, (d, r, deps))| test_util::unit_timing(i, *d, *r, deps))
                .collect(),
        )
    }

    fn as_measured(t: &BuildTimings) -> impl Fn(usize) -> Timed + '_ {
        |p| Timed {
            duration_s: t.units[p].duration_s,
            rmeta_s: t.units[p].rmeta_s,
        }
    }

    #[test]
    fn independent_units_share_the_slots() {
        let t = build(&[(4.0, None, &[]), (4.0, None, &[]), (2.0, None, &[])]);
        assert_eq!(replay(&t, &as_measured(&t), 1), 10.0);
        // The two longest first on two slots, the short one after either.
        assert_eq!(replay(&t, &as_measured(&t), 2), 6.0);
        assert_eq!(replay(&t, &as_measured(&t), 8), 4.0);
    }

    #[test]
    fn a_dependent_starts_at_its_dependency_metadata_when_pipelined() {
        // u1 needs u0's metadata (ready at 1 s of 3); u2 needs u0 whole.
        let t = build(&[
            (3.0, Some(1.0), &[]),
            (2.0, None, &[(0, true)]),
            (2.0, None, &[(0, false)]),
        ]);
        assert_eq!(replay(&t, &as_measured(&t), 4), 5.0);
        // Without metadata, u1 waits for the end too.
        let t2 = build(&[
            (3.0, None, &[]),
            (2.0, None, &[(0, true)]),
            (2.0, None, &[(0, false)]),
        ]);
        assert_eq!(replay(&t2, &as_measured(&t2), 4), 5.0);
        // With one slot, everything is serial.
        assert_eq!(replay(&t, &as_measured(&t), 1), 7.0);
    }

    #[test]
    fn other_durations_replay_into_another_wall_time() {
        let t = build(&[(3.0, Some(1.0), &[]), (2.0, None, &[(0, true)])]);
        assert_eq!(replay(&t, &as_measured(&t), 2), 3.0);
        // Halving the dependent's time does not shorten the build: the first unit bounds it.
        let faster = |p: usize| Timed {
            duration_s: if p == 1 { 1.0 } else { 3.0 },
            rmeta_s: if p == 0 { Some(1.0) } else { None },
        };
        assert_eq!(replay(&t, &faster, 2), 3.0);
        // Fresh units take no time and no slot.
        let fresh = |p: usize| Timed {
            duration_s: if p == 0 { 0.0 } else { 2.0 },
            rmeta_s: None,
        };
        assert_eq!(replay(&t, &fresh, 1), 2.0);
    }
}
