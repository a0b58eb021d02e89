//! Which scenarios to measure candidates in: only those a candidate's changes can make a
//! difference to. A release-profile change measured on dev builds would compare two identical
//! builds and report the machine's noise as a result.

use cargo_tune_schema::NotMeasured;

use crate::change::Reach;
use crate::vocab::Scenario;

/// A candidate as scenario selection sees it.
#[derive(Clone, Debug)]
pub struct CandidateReach {
    /// Variant name (`candidate-1`).
    pub name: String,
    /// The changes as written (`lto=thin`, `debug=0+linker=mold`).
    pub written: String,
    /// The reach of each change it is made of.
    pub reach: Vec<Reach>,
    /// The profile `release-clean` builds and those it inherits from, when it is not `release`
    /// (`--profile NAME`).
    pub release_built: Option<Vec<String>>,
}

impl CandidateReach {
    /// Whether any of its changes can alter a build of `scenario`.
    pub fn affects(&self, scenario: Scenario) -> bool {
        self.reach
            .iter()
            .any(|r| self.why_not_one(r, scenario).is_none())
    }

    fn why_not_one(&self, reach: &Reach, scenario: Scenario) -> Option<String> {
        match (&self.release_built, scenario) {
            (Some(built), Scenario::ReleaseClean) => reach.why_not_built(scenario, built),
            _ => reach.why_not(scenario),
        }
    }

    /// Why none of its changes can alter a build of `scenario`.
    fn why_not(&self, scenario: Scenario) -> String {
        let mut reasons: Vec<String> = self
            .reach
            .iter()
            .filter_map(|r| self.why_not_one(r, scenario))
            .collect();
        reasons.dedup();
        format!("`{}` {}", self.written, reasons.join("; it also "))
    }
}

/// The scenarios to run and the candidates left out of some of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Scenarios to run, in [`Scenario::ALL`] order when chosen, in the order asked otherwise.
    pub scenarios: Vec<Scenario>,
    /// (scenario, candidate) pairs not to run.
    pub skip: Vec<(Scenario, String)>,
    /// The same, with the reason, for the report.
    pub not_measured: Vec<NotMeasured>,
}

/// A candidate no asked scenario can tell apart from the baseline: a usage error.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: measuring it there would only measure noise{}", if alternatives.is_empty() {
    "; no scenario builds what it changes".to_owned()
} else {
    format!("; measure it with --scenario {}", alternatives.join(","))
})]
pub struct Unreachable {
    /// Why, for the first scenario asked.
    pub reason: String,
    /// Scenarios it does affect.
    pub alternatives: Vec<&'static str>,
}

/// When no scenario is asked, each candidate is measured in the first group of scenarios it
/// affects: dev builds (clean and after an edit) where most build time goes, else the release
/// build, else the test build, else check, else a CI build from a cache (the only scenario a
/// restored target directory changes).
const PREFERENCE: &[&[Scenario]] = &[
    &[Scenario::DevClean, Scenario::DevIncremental],
    &[Scenario::ReleaseClean],
    &[Scenario::TestBuild],
    &[Scenario::Check],
    &[Scenario::CiWarm],
];

/// Chooses scenarios for `candidates`: those `asked`, or by the order of preference when none
/// is.
pub fn select_scenarios(
    candidates: &[CandidateReach],
    asked: &[Scenario],
) -> Result<Selection, Unreachable> {
    let alternatives = |c: &CandidateReach| -> Vec<&'static str> {
        Scenario::ALL
            .iter()
            .filter(|s| c.affects(**s))
            .map(|s| s.as_str())
            .collect()
    };
    let mut wanted: Vec<Scenario> = Vec::new();
    if asked.is_empty() {
        for c in candidates {
            let group = PREFERENCE
                .iter()
                .map(|g| {
                    g.iter()
                        .copied()
                        .filter(|s| c.affects(*s))
                        .collect::<Vec<_>>()
                })
                .find(|g| !g.is_empty())
                .ok_or_else(|| Unreachable {
                    reason: c.why_not(Scenario::DevClean),
                    alternatives: alternatives(c),
                })?;
            wanted.extend(group);
        }
        wanted = Scenario::ALL
            .iter()
            .copied()
            .filter(|s| wanted.contains(s))
            .collect();
    } else {
        for s in asked {
            if !wanted.contains(s) {
                wanted.push(*s);
            }
        }
        if let Some(c) = candidates
            .iter()
            .find(|c| !wanted.iter().any(|s| c.affects(*s)))
        {
            return Err(Unreachable {
                reason: c.why_not(wanted[0]),
                alternatives: alternatives(c),
            });
        }
    }
    let mut selection = Selection::default();
    for s in wanted {
        let mut any = false;
        for c in candidates {
            if c.affects(s) {
                any = true;
            } else {
                selection.skip.push((s, c.name.clone()));
                selection.not_measured.push(NotMeasured {
                    scenario: s.as_str().to_owned(),
                    variant: c.name.clone(),
                    reason: c.why_not(s),
                });
            }
        }
        // A scenario no candidate can change would measure the baseline against nothing.
        if any || candidates.is_empty() {
            selection.scenarios.push(s);
        } else {
            selection.skip.retain(|(scenario, _)| *scenario != s);
        }
    }
    Ok(selection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::{ChangeSpec, parse_combined};

    fn candidate(name: &str, text: &str) -> CandidateReach {
        let reach = parse_combined(text)
            .unwrap()
            .into_iter()
            .flat_map(|arg| match arg.spec {
                ChangeSpec::Changes(c) => c,
                other => panic!("{other:?}"),
            })
            .map(|c| c.reach())
            .collect();
        CandidateReach {
            name: name.to_owned(),
            written: text.to_owned(),
            reach,
            release_built: None,
        }
    }

    fn names(scenarios: &[Scenario]) -> Vec<&'static str> {
        scenarios.iter().map(|s| s.as_str()).collect()
    }

    #[test]
    fn a_custom_profile_is_reached_through_what_it_inherits() {
        let mut c = candidate("candidate-1", "lto=fat");
        c.release_built = Some(vec!["release-lto".to_owned(), "release".to_owned()]);
        assert!(c.affects(Scenario::ReleaseClean));
        c.release_built = Some(vec!["fast".to_owned(), "dev".to_owned()]);
        assert!(!c.affects(Scenario::ReleaseClean));
        assert!(
            c.why_not(Scenario::ReleaseClean)
                .contains("release-clean builds fast")
        );
    }

    #[test]
    fn a_release_change_is_measured_on_the_release_build() {
        let s = select_scenarios(&[candidate("candidate-1", "lto=thin")], &[]).unwrap();
        assert_eq!(names(&s.scenarios), ["release-clean"]);
        let s = select_scenarios(&[candidate("candidate-1", "debug=0")], &[]).unwrap();
        assert_eq!(names(&s.scenarios), ["dev-clean", "dev-incremental"]);
    }

    #[test]
    fn a_release_change_on_dev_scenarios_is_refused_with_the_reason() {
        let err = select_scenarios(
            &[candidate("candidate-1", "lto=thin")],
            &[Scenario::DevIncremental],
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`lto=thin` changes only the release and bench profiles")
                && text.contains("dev-incremental builds dev")
                && text.contains("--scenario release-clean"),
            "{text}"
        );
    }

    #[test]
    fn mixed_candidates_skip_the_scenarios_they_cannot_change() {
        let candidates = [
            candidate("candidate-1", "debug=0"),
            candidate("candidate-2", "linker=mold"),
            candidate("candidate-3", "lto=thin"),
        ];
        let s = select_scenarios(&candidates, &[]).unwrap();
        assert_eq!(
            names(&s.scenarios),
            ["dev-clean", "dev-incremental", "release-clean"]
        );
        assert_eq!(
            s.skip,
            [
                (Scenario::DevClean, "candidate-3".to_owned()),
                (Scenario::DevIncremental, "candidate-3".to_owned()),
                (Scenario::ReleaseClean, "candidate-1".to_owned()),
            ]
        );
        // Neither debug info nor the linker changes what check does: check is dropped, with
        // the reasons recorded.
        let s = select_scenarios(
            &candidates[..2],
            &[Scenario::Check, Scenario::DevIncremental],
        )
        .unwrap();
        assert_eq!(names(&s.scenarios), ["dev-incremental"], "{s:?}");
        assert!(
            s.not_measured.iter().any(|n| n
                .reason
                .contains("changes only linking, and check links nothing")),
            "{s:?}"
        );
    }

    #[test]
    fn a_combined_candidate_reaches_what_any_of_its_changes_reaches() {
        let s = select_scenarios(
            &[candidate("candidate-1", "lto=thin+linker=mold")],
            &[Scenario::DevIncremental],
        )
        .unwrap();
        assert_eq!(names(&s.scenarios), ["dev-incremental"]);
        let s = select_scenarios(
            &[candidate("candidate-1", "RUSTC_WRAPPER=sccache")],
            &[Scenario::Check],
        )
        .unwrap();
        assert_eq!(names(&s.scenarios), ["check"]);
    }
}
