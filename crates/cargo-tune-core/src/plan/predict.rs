//! Predictions: what a candidate would do to each scenario, from the baseline's own timings,
//! before anything of it is built.
//!
//! Every unit's time is split into rustc's sections: frontend, codegen and link (and the rest).
//! Stable cargo reports frontend and codegen for libraries; the one instrumented build
//! (`-Z section-timings`, without debuginfo when the profile has some) adds the link of every
//! unit that links and, by difference with the baseline, what debuginfo costs each unit to
//! generate and to link. A candidate becomes new durations per unit (less debuginfo, a faster
//! linker), and the build is replayed on the same jobs with them
//! ([`crate::timings::schedule::replay`]); the ratio of the replays is the prediction. What the
//! data cannot tell (how much of the debuginfo cost line tables keep, how much faster another
//! linker is) is an assumption with a range, and the range, widened by run-to-run noise, is the
//! prediction's interval.

use std::collections::{BTreeSet, HashMap};

use cargo_tune_schema::{PlanPrediction, UnitTiming};

use crate::change::Change;
use crate::timings::BuildTimings;
use crate::timings::schedule::{Timed, replay};
use crate::vocab::{Linker, Scenario};

/// What a candidate changes that the model knows how to replay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect {
    /// Less debuginfo: none (`keep` 0) or line tables (`keep` the share of its cost they keep),
    /// for every unit or for dependencies only.
    Debug {
        /// Share of the debuginfo cost that remains.
        keep: Assumed,
        /// Only units of packages that are not workspace members.
        deps_only: bool,
    },
    /// Debuginfo left in the object files: generated as before, barely linked.
    SplitUnpacked,
    /// Another linker: link time times its factor.
    Linker(Linker),
}

/// An assumed quantity: its likely value and the range it may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assumed {
    /// Likely value.
    pub mid: f64,
    /// Lowest plausible.
    pub low: f64,
    /// Highest plausible.
    pub high: f64,
}

impl Assumed {
    const fn exactly(x: f64) -> Assumed {
        Assumed {
            mid: x,
            low: x,
            high: x,
        }
    }

    fn at(self, which: Bound) -> f64 {
        match which {
            Bound::Mid => self.mid,
            Bound::Low => self.low,
            Bound::High => self.high,
        }
    }
}

/// Line tables keep the line program and little else: a share of full debuginfo's cost that
/// depends on the code, assumed here.
const LINE_TABLES_KEEP: Assumed = Assumed {
    mid: 0.25,
    low: 0.1,
    high: 0.45,
};

/// With `split-debuginfo = "unpacked"` the linker sees skeleton units only.
const UNPACKED_LINK_KEEP: Assumed = Assumed {
    mid: 0.2,
    low: 0.05,
    high: 0.4,
};

/// Relative run-to-run noise of a build from scratch and of a rebuild after an edit, added to
/// the model's range.
const NOISE_CLEAN: f64 = 0.03;
const NOISE_INCREMENTAL: f64 = 0.05;

/// The link time of `to` as a share of that of `from`, for the linker families cargo-tune
/// proposes, when linking on `jobs` threads. The lld family (rustc's bundled rust-lld
/// included) is one speed.
fn linker_factor(from: &str, to: Linker, jobs: usize) -> Assumed {
    let lld_family = |name: &str| name.contains("lld");
    let to = to.as_str();
    if from == to || (lld_family(from) && lld_family(to)) {
        return Assumed::exactly(1.0);
    }
    match (lld_family(from) || from == "mold" || from == "wild", to) {
        // Between the fast linkers, mold gains over lld by parallelising; on two threads it
        // has nothing to gain from, and measured here it was not faster (rebuilds of ripgrep
        // 1.07 and 0.98, of helix 1.12) where wild was (0.93 and 0.91 of ripgrep's).
        (true, "mold") if jobs <= 2 => Assumed {
            mid: 1.0,
            low: 0.7,
            high: 1.2,
        },
        (true, "mold" | "wild") => Assumed {
            mid: 0.75,
            low: 0.45,
            high: 1.0,
        },
        (true, _) => Assumed {
            mid: 1.2,
            low: 1.0,
            high: 1.5,
        },
        // From GNU ld or gold, any of them is several times faster.
        (false, _) => Assumed {
            mid: 0.3,
            low: 0.1,
            high: 0.6,
        },
    }
}

/// The effects of `changes` on builds with `profile`, or `None` when one of them is outside the
/// model (the candidate is then raced without a prediction).
pub fn effects(changes: &[Change], profile: &str) -> Option<Vec<Effect>> {
    let mut out = Vec::new();
    let debug = format!("profile.{profile}.debug");
    let deps_debug = format!("profile.{profile}.package.\"*\".debug");
    let split = format!("profile.{profile}.split-debuginfo");
    for change in changes {
        match change {
            Change::Config { key, value } => {
                let value = value.trim_matches('"');
                let keep = match value {
                    "0" | "false" | "none" => Some(Assumed::exactly(0.0)),
                    "line-tables-only" | "line-directives-only" => Some(LINE_TABLES_KEEP),
                    _ => None,
                };
                match (key, keep) {
                    (k, Some(keep)) if *k == debug => out.push(Effect::Debug {
                        keep,
                        deps_only: false,
                    }),
                    (k, Some(keep)) if *k == deps_debug => out.push(Effect::Debug {
                        keep,
                        deps_only: true,
                    }),
                    (k, _) if *k == split && value == "unpacked" => {
                        out.push(Effect::SplitUnpacked);
                    }
                    // Another profile's setting does not touch this one's builds.
                    (k, _) if !k.starts_with(&format!("profile.{profile}.")) => {}
                    _ => return None,
                }
            }
            Change::Linker(l) => out.push(Effect::Linker(*l)),
            _ => return None,
        }
    }
    Some(out)
}

/// Whether `effects` can change nothing once `beside` are in effect: with debuginfo gone from
/// every unit, neither line tables nor split debuginfo have anything left to act on. Only
/// sound when no `package` table of the profile gives a unit debuginfo of its own (a
/// profile-wide `debug = 0` leaves that unit's).
pub fn adds_nothing(effects: &[Effect], beside: &[Effect]) -> bool {
    let none_left = beside
        .iter()
        .any(|e| matches!(e, Effect::Debug { keep, deps_only: false } if keep.high == 0.0));
    none_left
        && !effects.is_empty()
        && effects
            .iter()
            .all(|e| matches!(e, Effect::Debug { .. } | Effect::SplitUnpacked))
}

/// One scenario's data: the baseline's build with cargo's timings and its wall time, and the
/// instrumented build of the same scenario.
#[derive(Clone, Debug)]
pub struct ScenarioEvidence {
    /// The scenario.
    pub scenario: Scenario,
    /// The workspace as it is, built with `--timings`.
    pub baseline: BuildTimings,
    /// Its wall time as measured, seconds (cargo's own overhead included).
    pub wall_s: f64,
    /// The instrumented build of the same scenario, with `-Z section-timings`.
    pub instrumented: Option<BuildTimings>,
}

/// What the predictions rest on.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// Per scenario.
    pub scenarios: Vec<ScenarioEvidence>,
    /// The jobs cargo builds with.
    pub jobs: usize,
    /// `(name, version)` of every workspace member.
    pub members: BTreeSet<(String, String)>,
    /// The instrumented build had no debuginfo where the baseline has some: the difference is
    /// what debuginfo costs.
    pub instrumented_without_debuginfo: bool,
    /// The linker in effect (`rust-lld`, `mold`, `ld.bfd`, …).
    pub linker: String,
}

/// One unit's time at the baseline, by section, and what of it is debuginfo.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Parts {
    frontend: f64,
    codegen: f64,
    link: f64,
    other: f64,
    debug_codegen: f64,
    debug_link: f64,
    member: bool,
    rmeta: Option<f64>,
}

impl Parts {
    fn total(&self) -> f64 {
        self.frontend + self.codegen + self.link + self.other
    }
}

/// The instrumented units matching the baseline's, by position.
fn matched<'a>(base: &BuildTimings, instr: &'a BuildTimings) -> Vec<Option<&'a UnitTiming>> {
    let instr_pos: HashMap<_, usize> = instr
        .unit_keys()
        .into_iter()
        .enumerate()
        .map(|(p, k)| (k, p))
        .collect();
    base.unit_keys()
        .into_iter()
        .map(|k| instr_pos.get(&k).map(|&p| &instr.units[p]))
        .collect()
}

/// From the libraries both builds report sections for: the factor between the machine's speed
/// during the baseline and during the instrumented build (their frontends, which debuginfo
/// does not touch), and codegen with debuginfo ÷ without. `None` without such a library.
fn calibration(e: &Evidence, s: &ScenarioEvidence) -> Option<(f64, f64)> {
    let instr = s.instrumented.as_ref()?;
    let (mut fb, mut fi, mut cb, mut ci) = (0.0, 0.0, 0.0, 0.0);
    for (u, i) in s.baseline.units.iter().zip(matched(&s.baseline, instr)) {
        if let (Some(bs), Some(is)) = (u.sections, i.and_then(|i| i.sections))
            && u.duration_s > 0.0
        {
            fb += bs.frontend_s;
            fi += is.frontend_s;
            cb += bs.codegen_s;
            ci += is.codegen_s;
        }
    }
    if fi <= 0.0 || fb <= 0.0 {
        return None;
    }
    let k = (fb / fi).clamp(0.5, 2.0);
    let rho = if e.instrumented_without_debuginfo && ci > 0.0 {
        (cb / (k * ci)).max(1.0)
    } else {
        1.0
    };
    Some((k, rho))
}

/// The baseline's units split into sections, by position.
fn parts(e: &Evidence, s: &ScenarioEvidence) -> Option<Vec<Parts>> {
    let base = &s.baseline;
    let instr = s.instrumented.as_ref()?;
    let matched = matched(base, instr);
    // An incremental build may rebuild no library to calibrate with. Its two builds are then
    // taken at one speed: how fast the machine ran the other scenario's builds, dozens of
    // units in parallel, says nothing of one rebuild (on helix that speed, 1.2, hid most of
    // the binary's debuginfo link, and the rebuild without debuginfo was predicted at 0.78
    // where it measured 0.57). What debuginfo adds to codegen is the code's, not the
    // machine's: that share still comes from the other builds, and without any, a unit's
    // whole debuginfo cost is counted as linking it (the total is still measured).
    let (k, rho) = calibration(e, s)
        .or_else(|| {
            e.scenarios
                .iter()
                .filter(|o| o.scenario != s.scenario)
                .find_map(|o| calibration(e, o))
                .map(|(_, rho)| (1.0, rho))
        })
        .unwrap_or((1.0, 1.0));
    let mut out = Vec::with_capacity(base.units.len());
    for (u, i) in base.units.iter().zip(&matched) {
        let member = e.members.contains(&(u.name.clone(), u.version.clone()));
        let d = u.duration_s;
        let mut p = Parts {
            member,
            rmeta: u.rmeta_s,
            ..Parts::default()
        };
        let Some(is) = i.filter(|_| d > 0.0).and_then(|i| i.sections) else {
            // Fresh, or not in the instrumented build: no sections, nothing to change.
            p.other = d;
            out.push(p);
            continue;
        };
        let i_total = i.map_or(0.0, |i| i.duration_s);
        let (fi, ci, li) = (is.frontend_s, is.codegen_s, is.link_s.unwrap_or(0.0));
        let oi = (i_total - fi - ci - li).max(0.0);
        if !e.instrumented_without_debuginfo {
            // The same configuration: the instrumented sections, scaled to this build.
            let scale = if i_total > 0.0 { d / i_total } else { 0.0 };
            p.frontend = fi * scale;
            p.codegen = ci * scale;
            p.link = li * scale;
            p.other = oi * scale;
            out.push(p);
            continue;
        }
        p.frontend = u.sections.map_or(k * fi, |s| s.frontend_s);
        p.other = k * oi;
        p.codegen = match u.sections {
            Some(s) => s.codegen_s,
            None => k * ci * rho,
        };
        p.link = (d - p.frontend - p.codegen - p.other).max(k * li);
        p.debug_codegen = (p.codegen - k * ci).max(0.0);
        p.debug_link = (p.link - k * li).max(0.0);
        out.push(p);
    }
    Some(out)
}

#[derive(Clone, Copy)]
enum Bound {
    Mid,
    Low,
    High,
}

/// The duration of one unit under `effects`, with each assumption at `bound`.
fn under(
    p: &Parts,
    effects: &[Effect],
    deps_share: f64,
    (linker, jobs): (&str, usize),
    bound: Bound,
) -> f64 {
    let mut codegen = p.codegen;
    let mut link = p.link;
    let (mut cut_codegen, mut cut_link) = (0.0f64, 0.0f64);
    for effect in effects {
        match *effect {
            Effect::Debug { keep, deps_only } => {
                let drop = 1.0 - keep.at(bound);
                if !deps_only || !p.member {
                    cut_codegen = cut_codegen.max(p.debug_codegen * drop);
                }
                // A member still links its dependencies' debuginfo unless they lose it.
                let share = if deps_only && p.member {
                    deps_share
                } else {
                    1.0
                };
                cut_link = cut_link.max(p.debug_link * drop * share);
            }
            Effect::SplitUnpacked => {
                cut_link = cut_link.max(p.debug_link * (1.0 - UNPACKED_LINK_KEEP.at(bound)));
            }
            Effect::Linker(_) => {}
        }
    }
    codegen -= cut_codegen;
    link -= cut_link;
    for effect in effects {
        if let Effect::Linker(to) = *effect {
            link *= linker_factor(linker, to, jobs).at(bound);
        }
    }
    p.frontend + codegen + link + p.other
}

/// The prediction for `effects` in one scenario, or `None` without the instrumented build.
pub fn predict(e: &Evidence, s: &ScenarioEvidence, effects: &[Effect]) -> Option<PlanPrediction> {
    let parts = parts(e, s)?;
    let base = &s.baseline;
    let as_is = |p: usize| Timed {
        duration_s: parts[p].total(),
        rmeta_s: parts[p].rmeta,
    };
    let reference = replay(base, &as_is, e.jobs);
    let overhead = (s.wall_s - reference).max(0.0);
    let debug_total: f64 = parts.iter().map(|p| p.debug_codegen).sum();
    let deps_share = if debug_total > 0.0 {
        parts
            .iter()
            .filter(|p| !p.member)
            .map(|p| p.debug_codegen)
            .sum::<f64>()
            / debug_total
    } else {
        0.0
    };
    let at = |bound: Bound| {
        let timed = |p: usize| Timed {
            duration_s: under(&parts[p], effects, deps_share, (&e.linker, e.jobs), bound),
            rmeta_s: parts[p].rmeta,
        };
        (overhead + replay(base, &timed, e.jobs)) / (overhead + reference)
    };
    let noise = if s.scenario.is_clean() {
        NOISE_CLEAN
    } else {
        NOISE_INCREMENTAL
    };
    let (mid, a, b) = (at(Bound::Mid), at(Bound::Low), at(Bound::High));
    let touched = parts
        .iter()
        .filter(|p| {
            under(p, effects, deps_share, (&e.linker, e.jobs), Bound::Mid) < p.total() - 1e-9
        })
        .count();
    let built = parts.iter().filter(|p| p.total() > 0.0).count();
    Some(PlanPrediction {
        scenario: s.scenario.as_str().to_owned(),
        ratio: round3(mid),
        low: round3(a.min(b) * (1.0 - noise)),
        high: round3(a.max(b) * (1.0 + noise)),
        basis: format!(
            "{touched} of the {built} units built take less time; {:.1}s of debuginfo codegen, {:.1}s of link in the baseline",
            debug_total,
            parts.iter().map(|p| p.link).sum::<f64>()
        ),
    })
}

/// A prediction as the plan's notes and reports show it: `dev-clean 0.900 [0.850, 0.950]`.
pub fn prediction_text(p: &PlanPrediction) -> String {
    format!(
        "{} {:.3} [{:.3}, {:.3}]",
        p.scenario, p.ratio, p.low, p.high
    )
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::UnitSections;

    use super::*;
    use crate::test_util;

    /// `(name, duration, sections)`: a dependency library, a member library on it, and the
    /// member's binary on both.
    fn build(units: &[(&str, f64, Option<UnitSections>)]) -> BuildTimings {
        let deps: [&[usize]; 3] = [&[], &[0], &[0, 1]];
        test_util::build_timings(
            units
                .iter()
                .enumerate()
                .map(|(i, (name, d, sections))| {
                    let pipelined: Vec<(usize, bool)> =
                        deps[i].iter().map(|&unit| (unit, i < 2)).collect();
                    let rmeta_s = sections.filter(|_| i < 2).map(|s| s.frontend_s);
                    UnitTiming {
                        name: (*name).to_owned(),
                        target: if i == 2 {
                            " app \"bin\"".to_owned()
                        } else {
                            String::new()
                        },
                        kind: if i == 2 { "bin" } else { "lib" }.to_owned(),
                        sections: *sections,
                        ..test_util::unit_timing(i, *d, rmeta_s, &pipelined)
                    }
                })
                .collect(),
        )
    }

    fn sections(frontend_s: f64, codegen_s: f64, link_s: Option<f64>) -> Option<UnitSections> {
        Some(UnitSections {
            frontend_s,
            codegen_s,
            link_s,
        })
    }

    fn evidence() -> (Evidence, ScenarioEvidence) {
        // With debuginfo: codegen 4 s and 2 s for the libraries, the binary 3 s in all. Without
        // (instrumented): codegen 2 s and 1 s, and the binary's link 0.5 s of its 1.6 s.
        let baseline = build(&[
            ("dep", 6.0, sections(2.0, 4.0, None)),
            ("app", 3.0, sections(1.0, 2.0, None)),
            ("app", 3.0, None),
        ]);
        let instrumented = build(&[
            ("dep", 4.0, sections(2.0, 2.0, None)),
            ("app", 2.0, sections(1.0, 1.0, None)),
            ("app", 1.6, sections(0.6, 0.5, Some(0.5))),
        ]);
        let s = ScenarioEvidence {
            scenario: Scenario::DevClean,
            baseline,
            wall_s: 9.5,
            instrumented: Some(instrumented),
        };
        let e = Evidence {
            scenarios: vec![s.clone()],
            jobs: 2,
            members: [("app".to_owned(), "1.0.0".to_owned())].into(),
            instrumented_without_debuginfo: true,
            linker: "rust-lld".to_owned(),
        };
        (e, s)
    }

    fn debug(keep: Assumed, deps_only: bool) -> Effect {
        Effect::Debug { keep, deps_only }
    }

    #[test]
    fn no_debuginfo_replays_the_build_with_the_instrumented_durations() {
        let (e, s) = evidence();
        // As measured: dep 0–6 s (metadata at 2), app 2–5, the binary after both, 6–9; cargo
        // spends the other 0.5 s of the 9.5 s outside units. Without debuginfo: dep 0–4, app
        // 2–4, the binary 4–5.6.
        let off = predict(&e, &s, &[debug(Assumed::exactly(0.0), false)]).unwrap();
        let expected: f64 = (0.5 + 5.6) / (0.5 + 9.0);
        assert!(
            (off.ratio - (expected * 1000.0).round() / 1000.0).abs() < 1e-9,
            "{off:?}"
        );
        assert!(off.low < off.ratio && off.ratio < off.high);
        // Dependencies only: less than for every crate, more than nothing.
        let deps = predict(&e, &s, &[debug(Assumed::exactly(0.0), true)]).unwrap();
        assert!(off.ratio < deps.ratio && deps.ratio < 1.0, "{deps:?}");
        // Line tables keep part of the cost: between the two.
        let lines = predict(&e, &s, &[debug(LINE_TABLES_KEEP, false)]).unwrap();
        assert!(off.ratio < lines.ratio && lines.ratio < 1.0, "{lines:?}");
    }

    #[test]
    fn a_linker_of_the_same_family_changes_nothing_and_another_shortens_the_link() {
        let (e, s) = evidence();
        let lld = predict(&e, &s, &[Effect::Linker(Linker::Lld)]).unwrap();
        assert_eq!(lld.ratio, 1.0);
        let wild = predict(&e, &s, &[Effect::Linker(Linker::Wild)]).unwrap();
        assert!(wild.ratio < 1.0 && wild.high > 1.0, "{wild:?}");
        // mold parallelises: on two threads no faster than lld, on eight as fast as wild.
        let mold = predict(&e, &s, &[Effect::Linker(Linker::Mold)]).unwrap();
        assert!(
            mold.low < 1.0 && mold.ratio == 1.0 && mold.high > 1.0,
            "{mold:?}"
        );
        let eight = Evidence {
            jobs: 8,
            ..e.clone()
        };
        let mold = predict(&eight, &s, &[Effect::Linker(Linker::Mold)]).unwrap();
        let wild = predict(&eight, &s, &[Effect::Linker(Linker::Wild)]).unwrap();
        assert!(mold.ratio < 1.0 && mold.ratio == wild.ratio, "{mold:?}");
        // Without the instrumented build there is nothing to predict from.
        let bare = ScenarioEvidence {
            instrumented: None,
            ..s
        };
        assert!(predict(&e, &bare, &[Effect::Linker(Linker::Mold)]).is_none());
    }

    #[test]
    fn a_rebuild_without_a_library_to_calibrate_with_is_taken_at_one_speed() {
        // The clean builds: the baseline ran its frontends 1.5 times slower than the
        // instrumented build, and its codegen by as much, so debuginfo added nothing there.
        let clean = ScenarioEvidence {
            scenario: Scenario::DevClean,
            baseline: build(&[
                ("dep", 6.0, sections(3.0, 3.0, None)),
                ("app", 3.0, sections(1.5, 1.5, None)),
                ("app", 3.0, None),
            ]),
            wall_s: 9.5,
            instrumented: Some(build(&[
                ("dep", 4.0, sections(2.0, 2.0, None)),
                ("app", 2.0, sections(1.0, 1.0, None)),
                ("app", 1.6, sections(0.6, 0.5, Some(0.5))),
            ])),
        };
        // The rebuild after an edit: the binary alone, 3 s with debuginfo, 1.6 s without.
        let rebuild = ScenarioEvidence {
            scenario: Scenario::DevIncremental,
            baseline: build(&[("dep", 0.0, None), ("app", 0.0, None), ("app", 3.0, None)]),
            wall_s: 3.2,
            instrumented: Some(build(&[
                ("dep", 0.0, None),
                ("app", 0.0, None),
                ("app", 1.6, sections(0.6, 0.5, Some(0.5))),
            ])),
        };
        let (mut e, _) = evidence();
        e.scenarios = vec![clean, rebuild.clone()];
        let off = predict(&e, &rebuild, &[debug(Assumed::exactly(0.0), false)]).unwrap();
        // At one speed, everything the binary lost without debuginfo is debuginfo: 1.6 s of
        // 3 s, with cargo's 0.2 s around it. At the clean builds' speed it would be 2.4 s.
        let expected: f64 = (0.2 + 1.6) / (0.2 + 3.0);
        assert!(
            (off.ratio - (expected * 1000.0).round() / 1000.0).abs() < 1e-9,
            "{off:?}"
        );
    }

    #[test]
    fn debuginfo_gone_everywhere_leaves_line_tables_and_splitting_nothing_to_do() {
        let none = debug(Assumed::exactly(0.0), false);
        let deps_none = debug(Assumed::exactly(0.0), true);
        let lines = debug(LINE_TABLES_KEEP, false);
        assert!(adds_nothing(&[Effect::SplitUnpacked], &[none]));
        assert!(adds_nothing(&[lines, Effect::SplitUnpacked], &[none]));
        assert!(adds_nothing(&[deps_none], &[none]));
        // The members keep theirs, or only line tables are left: something to act on.
        assert!(!adds_nothing(&[Effect::SplitUnpacked], &[deps_none]));
        assert!(!adds_nothing(&[Effect::SplitUnpacked], &[lines]));
        // A linker links faster whatever the debuginfo.
        assert!(!adds_nothing(&[Effect::Linker(Linker::Mold)], &[none]));
        assert!(!adds_nothing(&[], &[none]));
        // And the predictions agree: the composition is predicted the same without it.
        let (e, s) = evidence();
        let with = predict(&e, &s, &[none, Effect::SplitUnpacked]).unwrap();
        let without = predict(&e, &s, &[none]).unwrap();
        assert_eq!(with.ratio, without.ratio);
    }

    #[test]
    fn effects_are_read_from_the_changes_and_unknown_ones_have_none() {
        let set = |key: &str, value: &str| Change::Config {
            key: key.to_owned(),
            value: value.to_owned(),
        };
        assert_eq!(
            effects(&[set("profile.dev.debug", "0")], "dev"),
            Some(vec![debug(Assumed::exactly(0.0), false)])
        );
        assert_eq!(
            effects(
                &[set(
                    "profile.dev.package.\"*\".debug",
                    "\"line-tables-only\""
                )],
                "dev"
            ),
            Some(vec![debug(LINE_TABLES_KEEP, true)])
        );
        // Another profile's key touches nothing here; an unmodelled key has no prediction.
        assert_eq!(
            effects(&[set("profile.release.lto", "\"off\"")], "dev"),
            Some(vec![])
        );
        assert_eq!(effects(&[set("profile.dev.opt-level", "1")], "dev"), None);
    }
}
