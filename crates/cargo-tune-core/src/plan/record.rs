//! The decision record `cargo tune plan` writes and `apply --plan` reads: its TOML form, and the
//! fingerprint that ties it to the toolchain and workspace it was measured on.

use std::path::Path;

use cargo_tune_schema::{Fingerprint, PlanRecord};

/// Where `cargo tune plan` writes its decision record unless told otherwise, and where `report`
/// looks for it.
pub fn default_path(workspace_root: &Path) -> std::path::PathBuf {
    workspace_root.join("cargo-tune-plan.toml")
}

/// The fingerprint of the workspace at `root` and the toolchain as they are now.
pub fn fingerprint(root: &Path, rustc: &str, host: &str) -> Fingerprint {
    let (commit, _) = crate::measure::context::git_state(root);
    let read = |name: &str| std::fs::read(root.join(name)).ok();
    Fingerprint {
        rustc: rustc.to_owned(),
        host: host.to_owned(),
        commit: commit.filter(|c| !c.is_empty()),
        lockfile: read("Cargo.lock").map(|b| content_hash(&b)),
        root_manifest: read("Cargo.toml").map_or_else(String::new, |b| content_hash(&b)),
    }
}

pub use crate::fsutil::content_hash;

/// What differs between the fingerprint a record was measured on and the current one, in
/// words; empty when nothing does.
pub fn differences(recorded: &Fingerprint, now: &Fingerprint) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, a: Option<&str>, b: Option<&str>| {
        if a != b {
            out.push(format!(
                "{what}: {} in the plan, {} now",
                a.unwrap_or("none"),
                b.unwrap_or("none")
            ));
        }
    };
    check("rustc", Some(&recorded.rustc), Some(&now.rustc));
    check("host", Some(&recorded.host), Some(&now.host));
    check("commit", recorded.commit.as_deref(), now.commit.as_deref());
    check(
        "Cargo.lock",
        recorded.lockfile.as_deref(),
        now.lockfile.as_deref(),
    );
    check(
        "root Cargo.toml",
        Some(&recorded.root_manifest),
        Some(&now.root_manifest),
    );
    out
}

/// A record's TOML form.
pub fn to_toml(record: &PlanRecord) -> String {
    // Every field of a record has a TOML form; a failure here would be a bug in the schema.
    toml_edit::ser::to_string_pretty(record).unwrap_or_default()
}

/// Reads a record written by [`to_toml`]; the error says what is wrong.
pub fn from_toml(text: &str) -> Result<PlanRecord, String> {
    #[derive(serde::Deserialize)]
    struct Version {
        format_version: Option<u64>,
    }
    let version: Version = toml_edit::de::from_str(text).map_err(|e| format!("not TOML: {e}"))?;
    if version.format_version != Some(u64::from(cargo_tune_schema::PLAN_FORMAT_VERSION)) {
        return Err(format!(
            "format_version {} is not {} (the version this cargo-tune reads); run `cargo tune plan` again to make a record of this version",
            version
                .format_version
                .map_or_else(|| "missing".to_owned(), |v| v.to_string()),
            cargo_tune_schema::PLAN_FORMAT_VERSION
        ));
    }
    toml_edit::de::from_str(text).map_err(|e| format!("not a cargo-tune plan record: {e}"))
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{Goal, PlanEnd, ToolInfo, Verdict};

    use super::*;
    use crate::plan::catalogue::candidates;
    use crate::plan::test_support::{linker, m};

    #[test]
    fn the_record_round_trips_through_toml_and_fingerprints_compare() {
        let cands = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("lld", true)],
        );
        let fp = Fingerprint {
            rustc: "1.95.0".to_owned(),
            host: "x86_64-unknown-linux-gnu".to_owned(),
            commit: Some("abc".to_owned()),
            lockfile: Some(content_hash(b"lock")),
            root_manifest: content_hash(b"[workspace]"),
        };
        let record = PlanRecord {
            format_version: cargo_tune_schema::PLAN_FORMAT_VERSION,
            tool: ToolInfo::current("0.1.0"),
            goal: Goal::Dev,
            partial: true,
            end: PlanEnd::Interrupted,
            fingerprint: fp.clone(),
            scenarios: vec!["dev-incremental".to_owned()],
            runs: 5,
            budget_s: 900,
            elapsed_s: 12,
            evidence: cargo_tune_schema::PlanEvidence {
                baseline: vec![cargo_tune_schema::ScenarioSeconds {
                    scenario: "dev-incremental".to_owned(),
                    seconds: 2.5,
                }],
                instrumented: Some(cargo_tune_schema::InstrumentedBuild {
                    flags: vec!["-Zsection-timings".to_owned()],
                    seconds: Vec::new(),
                }),
                predictions_unavailable: None,
            },
            candidates: {
                let mut cands = cands;
                cands[0].predicted = vec![cargo_tune_schema::PlanPrediction {
                    scenario: "dev-incremental".to_owned(),
                    ratio: 0.8,
                    low: 0.7,
                    high: 0.9,
                    basis: "3 of 4 units".to_owned(),
                }];
                cands[0].measured =
                    vec![m("dev-debug-0", "dev-incremental", Verdict::Faster, 0.8125)];
                cands
            },
            stages: vec![cargo_tune_schema::PlanStage {
                candidates: vec!["dev-debug-0".to_owned()],
                runs: vec![cargo_tune_schema::StageRuns {
                    scenario: "dev-incremental".to_owned(),
                    runs: 2,
                }],
                elapsed_s: 40,
            }],
            steps: vec![cargo_tune_schema::PlanStep {
                candidate: "dev-debug-0".to_owned(),
                measurements: vec![m("dev-debug-0", "dev-incremental", Verdict::Faster, 0.8125)],
            }],
            confirmation: None,
            unmeasured: vec![cargo_tune_schema::PlanUnmeasured {
                candidate: "linker-lld".to_owned(),
                reason: "the budget ran out".to_owned(),
                more_budget_s: 30,
            }],
            rejected: Vec::new(),
            ci: None,
            release: None,
        };
        let text = to_toml(&record);
        assert_eq!(from_toml(&text).unwrap(), record);
        assert!(
            from_toml("format_version = 7")
                .unwrap_err()
                .contains("format_version 7")
        );

        assert!(differences(&fp, &fp).is_empty());
        let moved = Fingerprint {
            rustc: "1.96.0".to_owned(),
            commit: None,
            ..fp.clone()
        };
        let d = differences(&fp, &moved);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("rustc: 1.95.0 in the plan, 1.96.0 now"));
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
    }
}
