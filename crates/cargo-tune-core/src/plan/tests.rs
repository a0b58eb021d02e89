use std::path::Path;

use cargo_tune_schema::{Finding, FindingCode, SuggestedChange, Suggestion};

use super::change_set;
use crate::change::PlanInputs;
use crate::edit::{EditOp, EditPlan, PlanError};
use crate::probe::LinkerSetup;
use crate::test_util::TextWorkspace;
use crate::workspace::ManifestDoc;

/// mold set up, wild not installed.
fn linkers() -> Vec<LinkerSetup> {
    vec![
        LinkerSetup {
            linker: "mold".into(),
            flags: Ok(vec!["-C".into(), "link-arg=-fuse-ld=mold".into()]),
        },
        LinkerSetup {
            linker: "wild".into(),
            flags: Err("`wild` is not on PATH".into()),
        },
    ]
}

fn plan(ws: &TextWorkspace, findings: &[Finding]) -> EditPlan {
    let members: Vec<&ManifestDoc> = ws.members.iter().collect();
    let linkers = linkers();
    let inputs = PlanInputs {
        root: &ws.root,
        root_manifest: &ws.root_manifest,
        members: &members,
        config: &ws.config,
        locked: &[],
        host: "x86_64-unknown-linux-gnu",
        host_cfg: &[],
        linkers: &linkers,
    };
    let chosen: Vec<&Finding> = findings.iter().collect();
    let no_file = |_: &Path| -> Result<Option<String>, PlanError> { Ok(None) };
    change_set(&chosen, &inputs, &no_file).unwrap()
}

fn finding(code: FindingCode, subject: &str, changes: Vec<SuggestedChange>) -> Finding {
    changes
        .into_iter()
        .fold(Finding::new(code, subject, "m"), |f, change| {
            f.with_suggestion(Suggestion::new(format!("{change:?}"), change))
        })
}

/// `workspace-dep-not-inherited:<subject>`, suggesting `name` be centralized.
fn not_inherited(subject: &str, name: &str, requirement: Option<&str>) -> Finding {
    finding(
        FindingCode::WorkspaceDepNotInherited,
        subject,
        vec![SuggestedChange::CentralizeDependency {
            name: name.into(),
            requirement: requirement.map(Into::into),
            source: None,
        }],
    )
}

fn profile(key: &str, value: serde_json::Value) -> SuggestedChange {
    SuggestedChange::ProfileSet {
        profile: "dev".into(),
        package: None,
        build_override: false,
        key: key.into(),
        value,
    }
}

fn reasons(plan: &EditPlan) -> Vec<(String, String)> {
    plan.skipped
        .iter()
        .map(|s| (s.finding.clone().unwrap_or_default(), s.reason.clone()))
        .collect()
}

fn after(plan: &EditPlan, rel: &str) -> String {
    plan.files
        .iter()
        .find(|f| f.rel_path == rel)
        .map(|f| f.after.clone())
        .unwrap_or_else(|| panic!("{rel} is not edited: {:?}", plan.files))
}

#[test]
fn an_entry_members_come_to_inherit_is_not_removed_as_unused() {
    // The entry is declared, and the member declares the package inline: the audit reports it
    // both as not inherited and as unused. Report order puts the removal first on purpose.
    let ws = TextWorkspace::new(
        "[workspace]\nmembers = [\"a\"]\n\n[workspace.dependencies]\nitoa = \"1\"\n",
        &[(
            "a/Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nitoa = \"1\"\n",
        )],
    );
    let findings = [
        finding(
            FindingCode::WorkspaceDepUnused,
            "itoa",
            vec![SuggestedChange::RemoveWorkspaceDependency {
                name: "itoa".into(),
            }],
        ),
        not_inherited("itoa", "itoa", Some("1")),
    ];
    let plan = plan(&ws, &findings);
    assert_eq!(plan.steps.len(), 1, "{}", plan.display());
    assert_eq!(
        plan.steps[0].finding.as_deref(),
        Some("workspace-dep-not-inherited:itoa")
    );
    let skipped = reasons(&plan);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].0, "workspace-dep-unused:itoa");
    assert!(
        skipped[0].1.contains("a/Cargo.toml inherits `itoa`"),
        "{skipped:?}"
    );
    assert!(after(&plan, "a/Cargo.toml").contains("itoa = { workspace = true }"));
    assert!(!plan.files.iter().any(|f| f.rel_path == "Cargo.toml"));
}

#[test]
fn one_value_per_profile_key_and_the_first_finding_wins() {
    let ws = TextWorkspace::new("[workspace]\n\n[profile.dev]\ndebug = true\n", &[]);
    let findings = [
        finding(
            FindingCode::DebuginfoInDev,
            "dev",
            vec![profile("debug", serde_json::json!("line-tables-only"))],
        ),
        finding(
            FindingCode::UnknownProfileKey,
            "dev",
            vec![
                profile("debug", serde_json::json!(0)),
                profile("incremental", serde_json::json!(true)),
            ],
        ),
        finding(
            FindingCode::IncrementalInRelease,
            "dev",
            vec![profile("debug", serde_json::json!("line-tables-only"))],
        ),
    ];
    let plan = plan(&ws, &findings);
    let text = after(&plan, "Cargo.toml");
    assert!(text.contains("debug = \"line-tables-only\""), "{text}");
    assert!(text.contains("incremental = true"), "{text}");
    let skipped = reasons(&plan);
    assert_eq!(
        skipped,
        [
            (
                "unknown-profile-key:dev".to_owned(),
                "debuginfo-in-dev:dev also sets profile.dev.debug (to \"line-tables-only\"); the step planned first wins".to_owned()
            ),
            (
                "incremental-in-release:dev".to_owned(),
                "the same change as debuginfo-in-dev:dev".to_owned()
            ),
        ]
    );
}

#[test]
fn one_linker_a_missing_one_is_skipped_with_its_reason_and_manual_changes_are_skipped() {
    let ws = TextWorkspace::new("[workspace]\n", &[]);
    let linker = |l: &str| SuggestedChange::UseLinker { linker: l.into() };
    let findings = [
        finding(
            FindingCode::SlowLinker,
            "x86_64-unknown-linux-gnu",
            vec![
                linker("wild"),
                linker("mold"),
                linker("lld"),
                SuggestedChange::Manual { text: "t".into() },
            ],
        ),
        finding(
            FindingCode::LinkerAlternativeAvailable,
            "mold",
            vec![linker("mold")],
        ),
    ];
    let plan = plan(&ws, &findings);
    assert_eq!(plan.steps.len(), 1);
    assert!(matches!(
        &plan.steps[0].ops[..],
        [EditOp::TargetLinker { flags, linker: None, .. }] if flags[1] == "link-arg=-fuse-ld=mold"
    ));
    let skipped: Vec<String> = reasons(&plan).into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        skipped,
        [
            "`wild` is not on PATH",
            "an alternative to the linker chosen above",
            "the same change as slow-linker:x86_64-unknown-linux-gnu",
            "only a person can make this change",
        ]
    );
    let config = after(&plan, ".cargo/config.toml");
    assert!(config.contains("-fuse-ld=mold"), "{config}");
}

#[test]
fn planning_the_result_again_changes_nothing() {
    let ws = TextWorkspace::new(
        "[workspace]\nmembers = [\"a\", \"b\"]\n\n[profile.dev]\ndebug = true\n",
        &[
            (
                "a/Cargo.toml",
                "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nitoa = \"1.0\"\n",
            ),
            (
                "b/Cargo.toml",
                "[package]\nname = \"b\"\nversion = \"0.1.0\"\n\n[dependencies]\nitoa = \"1.0\"\n",
            ),
        ],
    );
    let findings = [
        not_inherited("itoa", "itoa", None),
        finding(
            FindingCode::DebuginfoInDev,
            "dev",
            vec![profile("debug", serde_json::json!("line-tables-only"))],
        ),
    ];
    let first = plan(&ws, &findings);
    assert_eq!(first.files.len(), 3);
    let rel_text = |rel: &str| after(&first, rel);
    let again = TextWorkspace {
        root_manifest: ManifestDoc::parse(
            &ws.root.join("Cargo.toml"),
            &ws.root,
            rel_text("Cargo.toml"),
        )
        .unwrap(),
        members: ["a/Cargo.toml", "b/Cargo.toml"]
            .iter()
            .map(|rel| ManifestDoc::parse(&ws.root.join(rel), &ws.root, rel_text(rel)).unwrap())
            .collect(),
        ..ws
    };
    let second = plan(&again, &findings);
    assert!(second.is_empty(), "{}", second.display());
}

/// One package in two semver-incompatible copies under renamed keys (actix-web's rustls): the
/// two suggestions hold two slots, so one plan centralizes both, and planning the result again
/// finds nothing to do.
#[test]
fn each_copy_of_a_renamed_package_is_centralized_in_one_plan() {
    let member = |name: &str| {
        format!(
            "[package]\nname = \"{name}\"\npublish = false\n\n[dependencies]\ntls-21 = {{ package = \"tls\", version = \"0.21\" }}\ntls-23 = {{ package = \"tls\", version = \"0.23\" }}\n"
        )
    };
    let (a, b) = (member("a"), member("b"));
    let ws1 = TextWorkspace::new(
        "[workspace]\nmembers = [\"a\", \"b\"]\n",
        &[("a/Cargo.toml", &a), ("b/Cargo.toml", &b)],
    );
    let centralize = |req: &str| not_inherited(&format!("tls@{req}"), "tls", Some(req));
    let findings = [centralize("0.21"), centralize("0.23")];
    let first = plan(&ws1, &findings);
    assert_eq!(first.steps.len(), 2, "{}", first.display());
    assert!(first.skipped.is_empty(), "{:?}", reasons(&first));
    let root = after(&first, "Cargo.toml");
    assert!(
        root.contains("tls-21 = { package = \"tls\", version = \"0.21\" }\ntls-23 = { package = \"tls\", version = \"0.23\" }\n"),
        "{root}"
    );
    let ws2 = TextWorkspace::new(
        &root,
        &[
            ("a/Cargo.toml", &after(&first, "a/Cargo.toml")),
            ("b/Cargo.toml", &after(&first, "b/Cargo.toml")),
        ],
    );
    assert!(plan(&ws2, &findings).is_empty());
}
