//! From audit findings to plan steps: which findings a selection names, and which of their
//! suggestions become edits.

use cargo_tune_schema::{Finding, FindingCode, SkippedChange, SuggestedChange};

use super::ops::{PlanInputs, ops_for_change};
use super::plan::PlannedStep;

/// One word of an `apply` selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// Every finding of a code.
    Code(FindingCode),
    /// One finding, by its id (`<code>:<subject>`).
    Id(String),
}

impl Selector {
    /// Parses a code name or a finding id.
    pub fn parse(word: &str) -> Result<Selector, String> {
        if let Some(code) = FindingCode::parse(word) {
            return Ok(Selector::Code(code));
        }
        match word.split_once(':') {
            Some((code, _)) if FindingCode::parse(code).is_some() => {
                Ok(Selector::Id(word.to_owned()))
            }
            _ => Err(format!(
                "`{word}` is neither a finding code nor a finding id (`<code>:<subject>`)"
            )),
        }
    }

    fn matches(&self, finding: &Finding) -> bool {
        match self {
            Selector::Code(code) => finding.code == *code,
            Selector::Id(id) => finding.id == *id,
        }
    }
}

/// The findings `selectors` name, in report order, and the selectors that named nothing. With
/// `all`, every warning and error: notes (severity `info`) are opportunities to measure with
/// `cargo tune try` first, such as another linker, so they are applied only when named.
pub fn select<'f>(
    findings: &'f [Finding],
    selectors: &[Selector],
    all: bool,
) -> (Vec<&'f Finding>, Vec<Selector>) {
    let chosen = findings
        .iter()
        .filter(|f| {
            (all && f.severity >= cargo_tune_schema::Severity::Warning)
                || selectors.iter().any(|s| s.matches(f))
        })
        .collect();
    let unmatched = selectors
        .iter()
        .filter(|s| !findings.iter().any(|f| s.matches(f)))
        .cloned()
        .collect();
    (chosen, unmatched)
}

/// The finding id closest to `word`, if one is close enough to be what was meant (a typo or a
/// wrong subject after the right code).
pub fn closest_id<'f>(word: &str, findings: &'f [Finding]) -> Option<&'f str> {
    findings
        .iter()
        .map(|f| (strsim::jaro_winkler(word, &f.id), f.id.as_str()))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

/// Steps for the suggestions of `findings`. A finding's linker suggestions are alternatives,
/// so only the first is taken; every other suggestion is applied. Suggestions that are not
/// edits come back as skipped, with the reason.
pub fn steps_for(
    findings: &[&Finding],
    inputs: &PlanInputs<'_>,
) -> (Vec<PlannedStep>, Vec<SkippedChange>) {
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    for finding in findings {
        let mut linker_taken = false;
        for suggestion in &finding.suggestions {
            let skip = |reason: String| SkippedChange {
                finding: Some(finding.id.clone()),
                summary: suggestion.summary.clone(),
                reason,
            };
            if let SuggestedChange::UseLinker { .. } = suggestion.change {
                if linker_taken {
                    skipped.push(skip("an alternative to the linker chosen above".to_owned()));
                    continue;
                }
                linker_taken = true;
            }
            match ops_for_change(&suggestion.change, inputs) {
                Ok(ops) => steps.push(PlannedStep {
                    finding: Some(finding.id.clone()),
                    summary: suggestion.summary.clone(),
                    ops,
                }),
                Err(not) => skipped.push(skip(not.reason)),
            }
        }
    }
    (steps, skipped)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use cargo_tune_schema::Suggestion;

    use super::*;
    use crate::workspace::{CargoConfig, ManifestDoc};

    #[test]
    fn selectors_parse_codes_and_ids_and_reject_the_rest() {
        assert_eq!(
            Selector::parse("slow-linker"),
            Ok(Selector::Code(FindingCode::SlowLinker))
        );
        assert_eq!(
            Selector::parse("debuginfo-in-dev:dev"),
            Ok(Selector::Id("debuginfo-in-dev:dev".into()))
        );
        assert!(Selector::parse("no-such-code").is_err());
        assert!(Selector::parse("no-such-code:x").is_err());
    }

    #[test]
    fn linker_alternatives_take_the_first_and_manual_changes_are_skipped() {
        let linker = |l: &str| Suggestion {
            summary: format!("use {l}"),
            change: SuggestedChange::UseLinker { linker: l.into() },
        };
        let finding = Finding::new(FindingCode::SlowLinker, "x86_64-unknown-linux-gnu", "slow")
            .with_suggestion(linker("mold"))
            .with_suggestion(linker("lld"))
            .with_suggestion(Suggestion {
                summary: "ask".into(),
                change: SuggestedChange::Manual { text: "t".into() },
            });
        let other = Finding::new(FindingCode::DebuginfoInDev, "dev", "debug");
        let findings = [finding, other];
        let (chosen, unmatched) = select(
            &findings,
            &[
                Selector::Code(FindingCode::SlowLinker),
                Selector::Id("lto-against-goal:release".into()),
            ],
            false,
        );
        assert_eq!(chosen.len(), 1);
        assert_eq!(unmatched, [Selector::Id("lto-against-goal:release".into())]);

        let root = ManifestDoc::parse(
            Path::new("/ws/Cargo.toml"),
            Path::new("/ws"),
            "[workspace]\n".into(),
        )
        .unwrap();
        let members = [&root];
        let config = CargoConfig::default();
        let inputs = PlanInputs {
            root: Path::new("/ws"),
            root_manifest: &root,
            members: &members,
            config: &config,
            locked: &[],
            host: "x86_64-unknown-linux-gnu",
            host_cfg: &[],
        };
        let (steps, skipped) = steps_for(&chosen, &inputs);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].summary, "use mold");
        let reasons: Vec<&str> = skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "an alternative to the linker chosen above",
                "only a person can make this change"
            ]
        );
    }
}
