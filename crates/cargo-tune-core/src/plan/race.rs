//! The race: every candidate against the workspace as it is, decided stage by stage. After
//! each stage a candidate is out once it failed, measured slower, or its interval shows it
//! cannot be 2 % faster in any scenario of the goal; of the rest, the better half by score goes
//! on with twice the runs (successive halving), until every candidate is decided: taken (the
//! best of its slot that measured faster), or out.

use cargo_tune_schema::{Interval, PlanCandidate, PlanMeasurement, PlanPrediction, Verdict};

use super::decision::{Pairs, judge, pool, score};
use crate::text::opt_ratio;

/// Stages the race may run after its first, unless told otherwise.
pub const DEFAULT_FOLLOW_UPS: usize = 3;

/// A candidate cannot make a difference worth a step unless it can be this much faster.
pub const WORTH: f64 = 0.98;

/// What the race makes faster.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// The build: every scenario's build time, weighed by the goal.
    Build,
    /// The program: the workload's run time, while the build takes at most
    /// `max_build_ratio` times the workspace's as it is.
    Runtime {
        /// The limit on the build-time ratio.
        max_build_ratio: f64,
    },
}

/// `--max-build-ratio` unless told otherwise: a release build half as long again for a faster
/// program is the trade most projects accept (fat LTO costs 20–30 %).
pub const DEFAULT_MAX_BUILD_RATIO: f64 = 1.5;

/// Where a candidate stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Standing {
    /// Still to be decided.
    Running,
    /// Out of the race, and why.
    Out(String),
}

/// The race under way.
pub struct Race<'a> {
    /// The candidates, in the order they entered (best predicted first).
    pub candidates: Vec<&'a PlanCandidate>,
    /// Each one's pairs per scenario, every stage pooled.
    pub pairs: Vec<Vec<Pairs>>,
    /// Each one's standing.
    pub standing: Vec<Standing>,
    /// Stages run so far.
    pub stages: usize,
    weight: &'a dyn Fn(&str) -> f64,
    objective: Objective,
}

impl<'a> Race<'a> {
    /// A race of `candidates` on a goal whose scenarios weigh `weight`.
    pub fn new(candidates: Vec<&'a PlanCandidate>, weight: &'a dyn Fn(&str) -> f64) -> Self {
        let n = candidates.len();
        Race {
            candidates,
            pairs: vec![Vec::new(); n],
            standing: vec![Standing::Running; n],
            stages: 0,
            weight,
            objective: Objective::Build,
        }
    }

    /// The same race, deciding on `objective`.
    pub fn deciding_on(mut self, objective: Objective) -> Self {
        self.objective = objective;
        self
    }

    /// Each candidate's measurements from its pooled pairs, at the confidence of the whole
    /// field (the number that entered), so that more runs for a few do not loosen it.
    pub fn measured(&self) -> Vec<Vec<PlanMeasurement>> {
        let of = self.candidates.len();
        self.candidates
            .iter()
            .zip(&self.pairs)
            .map(|(c, p)| judge(&c.id, p, of))
            .collect()
    }

    /// Adds a stage's pairs (by candidate id), then takes out who is out.
    pub fn add_stage(&mut self, stage: Vec<(String, Vec<Pairs>)>) {
        self.stages += 1;
        for (id, pairs) in stage {
            if let Some(i) = self.candidates.iter().position(|c| c.id == id) {
                pool(&mut self.pairs[i], pairs);
            }
        }
        let measured = self.measured();
        for (i, ms) in measured.iter().enumerate() {
            if self.standing[i] != Standing::Running {
                continue;
            }
            if let Some(reason) = self.out_reason(ms) {
                self.standing[i] = Standing::Out(reason);
            }
        }
    }

    /// Takes candidate `id` out of the race for `reason`, whatever it measured.
    pub fn take_out(&mut self, id: &str, reason: String) {
        if let Some(i) = self.candidates.iter().position(|c| c.id == id) {
            self.standing[i] = Standing::Out(reason);
        }
    }

    fn out_reason(&self, ms: &[PlanMeasurement]) -> Option<String> {
        if let Some(m) = ms.iter().find(|m| m.verdict == Verdict::Failed) {
            return Some(format!("failed to build in {}", m.scenario));
        }
        if let Objective::Runtime { max_build_ratio } = self.objective {
            return runtime_out_reason(ms, max_build_ratio);
        }
        if let Some(m) = ms.iter().find(|m| m.verdict == Verdict::Slower) {
            return Some(format!(
                "slower in {} ({})",
                m.scenario,
                m.ratio.map_or_else(String::new, |r| format!("{r:.3}"))
            ));
        }
        let weighted: Vec<&PlanMeasurement> = ms
            .iter()
            .filter(|m| (self.weight)(&m.scenario) > 0.0)
            .collect();
        if weighted.is_empty() {
            return None;
        }
        if weighted.iter().all(|m| m.verdict == Verdict::Noise) {
            return Some("noise: no effect worth acting on in any scenario".to_owned());
        }
        // Out when no weighted scenario leaves room for a gain worth a step: its interval's
        // lower bound is above 0.98, or, with too few pairs for an interval, its point estimate
        // is not below 1.
        let no_room = |m: &&PlanMeasurement| match (m.interval, m.ratio) {
            (Some(i), _) => i.low > WORTH,
            (None, Some(r)) => r >= 1.0,
            (None, None) => false,
        };
        if weighted.iter().all(no_room) && weighted.iter().any(|m| m.interval.is_some()) {
            return Some(format!(
                "cannot be 2 % faster: its interval's lower bound is {}",
                lower_bounds(&weighted, |m| m.interval)
            ));
        }
        None
    }

    /// Candidate `i`'s score on the goal's weighted scenarios: the mean log ratio of its
    /// estimates. Where there is a prediction, a scenario measured once (no interval: one
    /// build from scratch, which a loaded machine can make twice as long) counts with it, and
    /// a measured ratio is weighed with it by their precisions ([`with_prediction`]): two
    /// pairs on a busy machine say little, and halving on them alone can drop the candidate
    /// the model expects best before the measurements can tell.
    fn rank(&self, i: usize, ms: &[PlanMeasurement]) -> Option<f64> {
        if let Objective::Runtime { .. } = self.objective {
            return runtime_score(ms, self.weight);
        }
        let predicted = &self.candidates[i].predicted;
        let steadier: Vec<PlanMeasurement> = ms
            .iter()
            .map(|m| {
                let mut m = m.clone();
                if let Some(p) = predicted.iter().find(|p| p.scenario == m.scenario) {
                    m.ratio = Some(with_prediction(&m, p));
                }
                m
            })
            .collect();
        score(&steadier, self.weight)
    }

    /// Whether candidate `i` measured faster where it counts: `faster` in a weighted scenario,
    /// slower in none, and faster on the weighted scenarios by its estimates ([`Race::rank`]).
    fn qualifies(&self, i: usize, ms: &[PlanMeasurement]) -> bool {
        if let Objective::Runtime { max_build_ratio } = self.objective {
            return self.standing[i] == Standing::Running
                && runtime_qualifies(ms, max_build_ratio, self.weight);
        }
        self.standing[i] == Standing::Running
            && ms
                .iter()
                .any(|m| m.verdict == Verdict::Faster && (self.weight)(&m.scenario) > 0.0)
            && self.rank(i, ms).is_some_and(|s| s < 0.0)
    }

    /// The best qualifying candidate of each slot, best first, and its score.
    pub fn winners(&self) -> Vec<(usize, f64)> {
        let measured = self.measured();
        let mut best: Vec<(usize, f64)> = Vec::new();
        for (i, ms) in measured.iter().enumerate() {
            if !self.qualifies(i, ms) {
                continue;
            }
            let s = self.rank(i, ms).unwrap_or(0.0);
            let slot = &self.candidates[i].slot;
            match best
                .iter_mut()
                .find(|(j, _)| self.candidates[*j].slot == *slot)
            {
                Some(b) if s < b.1 => *b = (i, s),
                Some(_) => {}
                None => best.push((i, s)),
            }
        }
        best.sort_by(|a, b| a.1.total_cmp(&b.1));
        best
    }

    /// The candidates worth another stage, best first: every one still running that is not
    /// the settled winner of its slot (a winner with a same-slot rival of better estimates is
    /// not settled: both go on). Of the alternatives of each slot, the better half by score (at
    /// least one) goes on; the rest are taken out here, as successive halving does.
    pub fn next_field(&mut self) -> Vec<usize> {
        let measured = self.measured();
        let winners = self.winners();
        let mut field: Vec<(f64, usize)> = Vec::new();
        for (i, ms) in measured.iter().enumerate() {
            if self.standing[i] != Standing::Running {
                continue;
            }
            let s = self.rank(i, ms).unwrap_or(0.0);
            let slot = &self.candidates[i].slot;
            let winner = winners
                .iter()
                .find(|(w, _)| self.candidates[*w].slot == *slot);
            match winner {
                // The winner itself: settled unless a rival of its slot has better estimates.
                Some((w, ws)) if *w == i => {
                    let contested = measured.iter().enumerate().any(|(j, mj)| {
                        j != i
                            && self.standing[j] == Standing::Running
                            && self.candidates[j].slot == *slot
                            && self.rank(j, mj).is_some_and(|sj| sj < *ws)
                    });
                    if contested {
                        field.push((s, i));
                    }
                }
                // A rival of a winner only goes on when its estimates are better.
                Some((_, ws)) => {
                    if s < *ws {
                        field.push((s, i));
                    } else {
                        let by = self.candidates[winner.map_or(0, |w| w.0)].id.clone();
                        self.standing[i] = Standing::Out(format!(
                            "an alternative for {slot} to {by}, which measured faster with better estimates"
                        ));
                    }
                }
                None => field.push((s, i)),
            }
        }
        // Halving among the alternatives of a slot, which only one can fill; a candidate of
        // a slot of its own can still be a step beside the others.
        field.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut kept: Vec<usize> = Vec::new();
        let mut slots: Vec<&str> = Vec::new();
        for &(_, i) in &field {
            let slot = self.candidates[i].slot.as_str();
            if !slots.contains(&slot) {
                slots.push(slot);
            }
        }
        for slot in slots {
            let of_slot: Vec<usize> = field
                .iter()
                .map(|&(_, i)| i)
                .filter(|&i| self.candidates[i].slot == slot)
                .collect();
            let keep = of_slot.len().div_ceil(2);
            for &i in &of_slot[keep..] {
                self.standing[i] = Standing::Out(format!(
                    "not among the leaders of {slot} after stage {}: its estimates trailed the others'",
                    self.stages
                ));
            }
            kept.extend(&of_slot[..keep]);
        }
        // Best first, as entered.
        field
            .into_iter()
            .map(|(_, i)| i)
            .filter(|i| kept.contains(i))
            .collect()
    }

    /// Every candidate still running that did not win its slot is out, with the reason: the
    /// race ends here.
    pub fn conclude(&mut self, why: &str) {
        let winners: Vec<usize> = self.winners().into_iter().map(|(i, _)| i).collect();
        for i in 0..self.candidates.len() {
            if self.standing[i] == Standing::Running && !winners.contains(&i) {
                let slot = &self.candidates[i].slot;
                let reason = match winners.iter().find(|&&w| self.candidates[w].slot == *slot) {
                    Some(&w) => format!(
                        "an alternative for {slot} to {}, which measured faster",
                        self.candidates[w].id
                    ),
                    None => why.to_owned(),
                };
                self.standing[i] = Standing::Out(reason);
            }
        }
    }
}

/// Why a candidate is out of a race on run time: its workload failed or ran slower, it cannot
/// make the program 2 % faster, or its build certainly takes longer than the limit.
/// How far a prediction lands from what is measured at the least, in log ratio: the model's
/// range holds its assumptions, not its own error, which was about 5 % on the corpus.
const PREDICTION_ERROR: f64 = 0.05;

/// The ratio measured in `m`, weighed with prediction `p` by their precisions on the log
/// scale: each range counts as two standard errors either side, the prediction's never
/// closer than [`PREDICTION_ERROR`]. The measured interval is taken whole, at its own
/// confidence and degrees of freedom, not as the spread of its pairs: two pairs that
/// happen to agree tell little, and their t interval says so. The prediction alone where
/// nothing was measured or no interval shows the spread.
fn with_prediction(m: &PlanMeasurement, p: &PlanPrediction) -> f64 {
    let (Some(ratio), Some(interval)) = (m.ratio, m.interval) else {
        return p.ratio;
    };
    let se = |low: f64, high: f64| (high.ln() - low.ln()) / (2.0 * 1.96);
    let measured_se = se(interval.low, interval.high);
    if !measured_se.is_finite() || measured_se <= 0.0 || p.ratio <= 0.0 {
        return ratio;
    }
    let predicted_se = se(p.low, p.high).max(PREDICTION_ERROR);
    let (wm, wp) = (measured_se.powi(-2), predicted_se.powi(-2));
    ((wm * ratio.ln() + wp * p.ratio.ln()) / (wm + wp)).exp()
}

/// Each measurement's scenario with the lower bound of the interval `interval` picks, where it
/// has one: `dev-clean ≥ 0.990, check ≥ 1.010`.
fn lower_bounds(
    ms: &[&PlanMeasurement],
    interval: impl Fn(&PlanMeasurement) -> Option<Interval>,
) -> String {
    let shown: Vec<String> = ms
        .iter()
        .filter_map(|m| Some(format!("{} ≥ {:.3}", m.scenario, interval(m)?.low)))
        .collect();
    shown.join(", ")
}

fn runtime_out_reason(ms: &[PlanMeasurement], max_build_ratio: f64) -> Option<String> {
    if let Some(m) = ms
        .iter()
        .find(|m| m.workload.runtime_verdict == Some(Verdict::Failed))
    {
        return Some(format!(
            "the workload failed with its build in {}",
            m.scenario
        ));
    }
    if let Some(m) = ms
        .iter()
        .find(|m| m.interval.is_some_and(|i| i.low > max_build_ratio))
    {
        return Some(format!(
            "its build takes more than --max-build-ratio {max_build_ratio} times as long in {} (ratio {}, interval from {:.3})",
            m.scenario,
            opt_ratio(m.ratio),
            m.interval.map_or(0.0, |i| i.low)
        ));
    }
    if let Some(m) = ms
        .iter()
        .find(|m| m.workload.runtime_verdict == Some(Verdict::Slower))
    {
        return Some(format!(
            "the program runs slower in {} ({})",
            m.scenario,
            m.workload
                .runtime_ratio
                .map_or_else(String::new, |r| format!("{r:.3}"))
        ));
    }
    let timed: Vec<&PlanMeasurement> = ms
        .iter()
        .filter(|m| m.workload.runtime_verdict.is_some())
        .collect();
    if timed.is_empty() {
        return None;
    }
    if timed
        .iter()
        .all(|m| m.workload.runtime_verdict == Some(Verdict::Noise))
    {
        return Some("noise: no effect on the run time worth acting on".to_owned());
    }
    if timed
        .iter()
        .all(|m| m.workload.runtime_interval.is_some_and(|i| i.low > WORTH))
    {
        return Some(format!(
            "cannot make the program 2 % faster: its run time interval's lower bound is {}",
            lower_bounds(&timed, |m| m.workload.runtime_interval)
        ));
    }
    None
}

/// The weighted mean log ratio of the workload's run time: below 0 when the program is
/// faster by the point estimates.
fn runtime_score(ms: &[PlanMeasurement], weight: &dyn Fn(&str) -> f64) -> Option<f64> {
    let (sum, total) = ms
        .iter()
        .filter_map(|m| Some((weight(&m.scenario), m.workload.runtime_ratio?)))
        .fold((0.0, 0.0), |(s, t), (w, r)| (s + w * r.ln(), t + w));
    (total > 0.0).then(|| sum / total)
}

/// Whether a candidate made the program faster within the build limit: its run time measured
/// `faster` somewhere and slower nowhere, faster by its score, and every build ratio's point
/// estimate within the limit.
fn runtime_qualifies(
    ms: &[PlanMeasurement],
    max_build_ratio: f64,
    weight: &dyn Fn(&str) -> f64,
) -> bool {
    ms.iter()
        .any(|m| m.workload.runtime_verdict == Some(Verdict::Faster) && weight(&m.scenario) > 0.0)
        && ms
            .iter()
            .all(|m| m.workload.runtime_verdict != Some(Verdict::Slower))
        && ms
            .iter()
            .all(|m| m.ratio.is_some_and(|r| r <= max_build_ratio))
        && runtime_score(ms, weight).is_some_and(|s| s < 0.0)
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::Goal;

    use super::*;
    use crate::plan::catalogue::{candidates, weight};
    use crate::plan::test_support::linker;
    use crate::plan::test_support::pairs_of;

    /// A deterministic spread of ±3 % around `truth`, differing run by run.
    fn noisy(truth: f64, seed: usize, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| truth * (1.0 + 0.06 * (((seed * 7 + i * 13) % 11) as f64 / 10.0 - 0.5)))
            .collect()
    }

    fn dev(scenario: &str) -> f64 {
        weight(Goal::Dev, scenario)
    }

    /// Measures the field in incremental builds (clean ones only in the first stage) at each
    /// candidate's true ratio, and returns how many runs each stage measured.
    fn run(race: &mut Race<'_>, truth: &[(&str, f64, f64)], runs: usize) -> Vec<Vec<String>> {
        let mut asked = Vec::new();
        let mut field: Vec<usize> = (0..race.candidates.len()).collect();
        let mut stage_runs = runs;
        while !field.is_empty() && race.stages < 5 {
            let stage: Vec<(String, Vec<Pairs>)> = field
                .iter()
                .map(|&i| {
                    let id = race.candidates[i].id.clone();
                    let (_, inc, clean) = truth.iter().find(|t| t.0 == id).copied().unwrap();
                    let mut p = vec![pairs_of(
                        "dev-incremental",
                        &noisy(inc, i + race.stages, stage_runs),
                    )];
                    if race.stages == 0 {
                        p.push(pairs_of("dev-clean", &[clean]));
                    }
                    (id, p)
                })
                .collect();
            asked.push(stage.iter().map(|(id, _)| id.clone()).collect());
            race.add_stage(stage);
            field = race.next_field();
            stage_runs *= 2;
        }
        race.conclude("not shown faster before the race ended");
        asked
    }

    #[test]
    fn the_race_keeps_the_faster_drops_the_rest_and_halves_the_field() {
        let all = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("mold", true), linker("wild", true)],
        );
        let truth = [
            ("dev-debug-0", 0.70, 0.80),
            ("dev-debug-line-tables-only", 0.85, 0.90),
            ("dev-deps-debug-0", 0.97, 0.90),
            ("linker-mold", 0.95, 0.99),
            ("linker-wild", 1.15, 1.0),
            ("dev-split-debuginfo-unpacked", 1.0, 1.0),
        ];
        let field: Vec<&PlanCandidate> = truth
            .iter()
            .map(|(id, ..)| all.iter().find(|c| c.id == *id).unwrap())
            .collect();
        let weight = dev;
        let mut race = Race::new(field, &weight);
        let asked = run(&mut race, &truth, 2);
        let winners: Vec<&str> = race
            .winners()
            .iter()
            .map(|(i, _)| race.candidates[*i].id.as_str())
            .collect();
        assert_eq!(winners.first(), Some(&"dev-debug-0"), "{:?}", race.standing);
        // The slower linker and the no-op never win; each stage measures fewer than the last.
        assert!(!winners.contains(&"linker-wild"));
        assert!(!winners.contains(&"dev-split-debuginfo-unpacked"));
        for pair in asked.windows(2) {
            assert!(pair[1].len() <= pair[0].len(), "{asked:?}");
            assert!(pair[1].iter().all(|id| pair[0].contains(id)), "{asked:?}");
        }
        // The alternatives of a slot were halved after the first stage.
        assert!(
            asked.len() < 2 || asked[1].len() < asked[0].len(),
            "{asked:?}"
        );
        // Everything is decided: the winners, and every other one out with a reason.
        for (i, s) in race.standing.iter().enumerate() {
            let won = race.winners().iter().any(|(w, _)| *w == i);
            assert!(
                won || matches!(s, Standing::Out(r) if !r.is_empty()),
                "{s:?}"
            );
        }
        // The other value of the winner's slot is out as its alternative.
        let lto = race
            .candidates
            .iter()
            .position(|c| c.id == "dev-debug-line-tables-only")
            .unwrap();
        assert!(
            matches!(&race.standing[lto], Standing::Out(r) if r.contains("alternative") || r.contains("leaders")),
            "{:?}",
            race.standing[lto]
        );
    }

    #[test]
    fn halving_on_two_noisy_pairs_weighs_them_with_the_predictions() {
        let all = candidates(Goal::Dev, "x86_64-unknown-linux-gnu", &[]);
        let predicted = |id: &str, ratio: f64, low: f64, high: f64| {
            let mut c = all.iter().find(|c| c.id == id).unwrap().clone();
            c.predicted = vec![PlanPrediction {
                scenario: "dev-incremental".to_owned(),
                ratio,
                low,
                high,
                basis: String::new(),
            }];
            c
        };
        // As on ripgrep with another build beside the plan: two pairs far apart put line
        // tables ahead of no debuginfo at all, which the model expects better.
        let none = predicted("dev-debug-0", 0.816, 0.775, 0.857);
        let lines = predicted("dev-debug-line-tables-only", 0.862, 0.793, 0.944);
        let stage = || {
            vec![
                (
                    none.id.clone(),
                    vec![pairs_of("dev-incremental", &[0.80, 1.17])],
                ),
                (
                    lines.id.clone(),
                    vec![pairs_of("dev-incremental", &[0.86, 0.87])],
                ),
            ]
        };
        let weight = dev;
        let mut race = Race::new(vec![&none, &lines], &weight);
        race.add_stage(stage());
        let field = race.next_field();
        assert_eq!(field, [0], "{:?}", race.standing);
        assert!(matches!(&race.standing[1], Standing::Out(r) if r.contains("leaders")));
        // Without the predictions, the same two pairs alone would have dropped it.
        let bare = |c: &PlanCandidate| PlanCandidate {
            predicted: Vec::new(),
            ..c.clone()
        };
        let (none, lines) = (bare(&none), bare(&lines));
        let mut race = Race::new(vec![&none, &lines], &weight);
        race.add_stage(stage());
        assert_eq!(race.next_field(), [1], "{:?}", race.standing);
    }

    #[test]
    fn a_candidate_that_cannot_be_two_percent_faster_is_out_after_one_stage() {
        let all = candidates(Goal::Dev, "x86_64-unknown-linux-gnu", &[]);
        let c = all.iter().find(|c| c.id == "dev-deps-debug-0").unwrap();
        let weight = dev;
        let mut race = Race::new(vec![c], &weight);
        race.add_stage(vec![(
            c.id.clone(),
            vec![
                pairs_of("dev-incremental", &[1.0, 1.001, 0.999, 1.0, 1.002, 0.998]),
                pairs_of("dev-clean", &[1.05]),
            ],
        )]);
        assert!(
            matches!(&race.standing[0], Standing::Out(r) if r.starts_with("noise") || r.starts_with("cannot be 2 %")),
            "{:?}",
            race.standing[0]
        );
        // One slower pair where an interval exists is enough to be out for good.
        let mut race = Race::new(vec![c], &weight);
        race.add_stage(vec![(
            c.id.clone(),
            vec![pairs_of(
                "dev-incremental",
                &[1.2, 1.21, 1.19, 1.2, 1.22, 1.18],
            )],
        )]);
        assert!(matches!(&race.standing[0], Standing::Out(r) if r.starts_with("slower")));
    }
}
