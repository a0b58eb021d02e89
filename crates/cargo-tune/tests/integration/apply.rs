//! `cargo tune apply` and `cargo tune undo` end to end, on the showcase workspace with findings
//! read from a captured report.

#![expect(
    clippy::disallowed_methods,
    reason = "tests run git and write fixtures directly"
)]

use std::path::{Path, PathBuf};

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{CargoTuneCli, RunResult, TempWorkspace, field_strs, fixtures_dir};

use crate::cli;

pub(crate) const FILES: &[&str] = &[
    "Cargo.toml",
    "crates/app/Cargo.toml",
    "crates/engine/Cargo.toml",
    ".cargo/config.toml",
    "Cargo.lock",
];

pub(crate) fn findings() -> PathBuf {
    fixtures_dir().join("findings/showcase.json")
}

/// `cargo tune undo --offline`, expecting `code`.
pub(crate) fn undo_offline(ws: &TempWorkspace, code: i32) -> RunResult {
    cli(ws).args(["undo", "--offline"]).run().assert_code(code)
}

pub(crate) fn apply(ws: &TempWorkspace, extra: &[&str]) -> CargoTuneCli {
    let findings = findings();
    // Notes are applied only when named: name the linker one so the plan spans four files; and
    // hygiene only when included.
    let mut args = vec![
        "apply",
        "--all",
        "--include",
        "hygiene",
        "linker-alternative-available",
        "--offline",
        "--findings",
        findings.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    cli(ws).args(args)
}

/// The ids of a fresh offline audit's findings that start with `prefix`.
pub(crate) fn finding_ids(ws: &TempWorkspace, prefix: &str) -> Vec<String> {
    cli(ws)
        .args(["audit", "--offline", "--format", "json"])
        .run_json(exit_codes::OK)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .filter(|id| id.starts_with(prefix))
        .collect()
}

pub(crate) fn snapshot(root: &Path) -> Vec<Option<Vec<u8>>> {
    FILES
        .iter()
        .map(|f| std::fs::read(root.join(f)).ok())
        .collect()
}

/// Runs `cli` and expects exit `code`, every one of `needles` in stderr, and not a byte of
/// [`FILES`] changed; returns those files as they were.
#[track_caller]
fn assert_refused(
    ws: &TempWorkspace,
    cli: CargoTuneCli,
    code: i32,
    needles: &[&str],
) -> Vec<Option<Vec<u8>>> {
    let before = snapshot(ws.root());
    cli.run().assert_code(code).assert_stderr_has(needles);
    assert_eq!(snapshot(ws.root()), before);
    before
}

#[test]
fn dry_run_prints_the_plan_and_diff_and_writes_nothing() {
    let ws = TempWorkspace::fixture("showcase");
    let before = snapshot(ws.root());
    let run = apply(&ws, &[]).run().assert_code(exit_codes::OK);
    insta::assert_snapshot!("apply_dry_run_showcase", run.stdout());
    assert_eq!(snapshot(ws.root()), before);
    assert!(
        !ws.path("target/cargo-tune").exists(),
        "a dry run keeps no journal"
    );

    let json = apply(&ws, &["--format", "json"]).run_json(exit_codes::OK);
    assert_eq!(json["format_version"], 2);
    assert_eq!(json["mode"], "dry-run");
    assert_eq!(json["pending"], true);
    assert_eq!(json["applied"], false);
    let files = field_strs(&json["files"], "path");
    assert_eq!(
        files,
        [
            "Cargo.toml",
            "crates/app/Cargo.toml",
            "crates/engine/Cargo.toml",
            ".cargo/config.toml"
        ]
    );
    // Warnings whose fix only a person can make are listed, not dropped.
    let skipped = field_strs(&json["skipped"], "finding");
    assert_eq!(
        skipped,
        [
            "profile-in-non-root-manifest:crates/engine/Cargo.toml",
            "duplicate-version:minisyn",
            "duplicate-version:smallfmt"
        ]
    );
}

#[test]
fn selection_by_code_and_id_limits_the_plan() {
    let ws = TempWorkspace::fixture("showcase");
    let findings = findings();
    let json = cli(&ws)
        .line("apply incremental-in-release workspace-dep-unused:tinyrand-next --offline --format json")
        .args(["--findings", findings.to_str().unwrap()])
        .run_json(exit_codes::OK);
    assert_eq!(
        json["selected"],
        serde_json::json!([
            "incremental-in-release:release",
            "workspace-dep-unused:tinyrand-next"
        ])
    );
    assert_eq!(json["files"].as_array().unwrap().len(), 1);

    cli(&ws)
        .args(["apply", "--offline"])
        .run()
        .assert_code(exit_codes::USAGE)
        .assert_stderr_has(&["--all"]);
}

#[test]
fn check_execute_check_undo_round_trip() {
    let ws = TempWorkspace::fixture("showcase");
    let before = snapshot(ws.root());
    apply(&ws, &["--check"])
        .run()
        .assert_code(exit_codes::CHECK_FAILED);

    let json = apply(&ws, &["--execute", "--format", "json"]).run_json(exit_codes::OK);
    assert_eq!(json["applied"], true);
    assert!(
        json["journal"]
            .as_str()
            .unwrap()
            .contains("target/cargo-tune/journal/")
    );
    let after = snapshot(ws.root());
    assert_ne!(after, before);
    assert_eq!(after[4], before[4], "Cargo.lock is untouched");
    assert!(
        ws.read("crates/engine/Cargo.toml")
            .contains("tinyrand = { workspace = true }\n")
    );

    // The applied workspace has nothing left to do.
    apply(&ws, &["--check"]).run().assert_code(exit_codes::OK);
    let again = apply(&ws, &["--execute"]).run().assert_code(exit_codes::OK);
    again.assert_stdout_has(&["nothing to change"]);
    assert_eq!(snapshot(ws.root()), after);

    let undo = cli(&ws)
        .args(["undo", "--offline", "--format", "json"])
        .run_json(exit_codes::OK);
    assert_eq!(undo["removed"], serde_json::json!([".cargo/config.toml"]));
    assert_eq!(undo["remaining"], 0);
    assert_eq!(snapshot(ws.root()), before);
    assert!(!ws.path(".cargo").exists());

    let refused = undo_offline(&ws, exit_codes::SETUP);
    refused.assert_stderr_has(&["nothing to undo"]);
    assert_eq!(snapshot(ws.root()), before);
}

#[test]
fn undo_with_nothing_to_undo_says_so_and_creates_nothing() {
    let ws = TempWorkspace::fixture("showcase");
    undo_offline(&ws, exit_codes::SETUP)
        .assert_stderr_has(&["nothing to undo"])
        .assert_stderr_lacks(&["target/cargo-tune"]);
    assert!(!ws.path("target").exists(), "undo created target/");
}

#[test]
fn unknown_finding_id_is_a_usage_error_with_a_suggestion() {
    let ws = TempWorkspace::fixture("showcase");
    let findings = findings();
    for extra in [&[][..], &["--check"][..], &["--execute"][..]] {
        cli(&ws)
            .args(["apply", "debuginfo-in-dev:nonexistent", "--offline"])
            .args(["--findings", findings.to_str().unwrap()])
            .args(extra.iter().copied())
            .run()
            .assert_code(exit_codes::USAGE)
            .assert_stderr_has(&[
                "`debuginfo-in-dev:nonexistent`",
                "did you mean `debuginfo-in-dev:dev`?",
            ]);
    }
    // A code with no finding is not a mistake: the workspace may be fixed already.
    ws.write("none.json", r#"{"findings": []}"#);
    cli(&ws)
        .args(["apply", "debuginfo-in-dev", "--offline", "--check"])
        .args(["--findings", "none.json"])
        .run()
        .assert_code(exit_codes::OK)
        .assert_stderr_has(&["no `debuginfo-in-dev` finding"]);
}

#[test]
fn undo_refuses_after_the_files_changed_and_writes_nothing() {
    let ws = TempWorkspace::fixture("showcase");
    apply(&ws, &["--execute"]).run().assert_code(exit_codes::OK);
    let edited = format!("{}# mine\n", ws.read("crates/app/Cargo.toml"));
    ws.write("crates/app/Cargo.toml", &edited);
    assert_refused(
        &ws,
        cli(&ws).args(["undo", "--offline"]),
        exit_codes::SETUP,
        &["crates/app/Cargo.toml changed after"],
    );
}

#[test]
fn cargo_metadata_rejecting_the_edit_rolls_back_with_exit_103() {
    let ws = TempWorkspace::fixture("showcase");
    let findings = serde_json::json!({ "findings": [{
        "id": "debuginfo-in-dev:dev", "code": "debuginfo-in-dev", "severity": "warning",
        "subject": "dev", "message": "m",
        "suggestions": [
            { "summary": "a fine edit", "change": { "kind": "profile-set", "profile": "dev", "key": "debug", "value": 0 } },
            { "summary": "an edit cargo rejects", "change": { "kind": "profile-set", "profile": "dev", "key": "opt-level", "value": "fast" } }
        ]
    }]});
    ws.write("bad-findings.json", &findings.to_string());
    assert_refused(
        &ws,
        cli(&ws).line("apply debuginfo-in-dev --offline --execute --findings bad-findings.json"),
        exit_codes::EDIT_FAILED,
        &["every file was restored", "opt-level"],
    );
    undo_offline(&ws, exit_codes::SETUP);
}

#[test]
fn malformed_manifest_is_reported_with_line_and_column_and_nothing_is_written() {
    let ws = TempWorkspace::fixture("showcase");
    let broken = ws
        .read("Cargo.toml")
        .replace("[profile.release]", "[profile.release");
    ws.write("Cargo.toml", &broken);
    assert_refused(
        &ws,
        apply(&ws, &["--execute"]),
        exit_codes::SETUP,
        &["Cargo.toml:18:"],
    );
}

fn git(root: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(
            "-c user.name=t -c user.email=t@example.invalid -c commit.gpgsign=false"
                .split_whitespace(),
        )
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn uncommitted_changes_are_refused_unless_allowed() {
    let ws = TempWorkspace::fixture("showcase");
    git(ws.root(), &["init", "-q"]);
    git(ws.root(), &["add", "."]);
    git(ws.root(), &["commit", "-qm", "fixture"]);
    let edited = format!(
        "{}\n# work in progress\n",
        ws.read("crates/engine/Cargo.toml")
    );
    ws.write("crates/engine/Cargo.toml", &edited);
    let before = assert_refused(
        &ws,
        apply(&ws, &["--execute"]),
        exit_codes::SETUP,
        &["uncommitted changes: crates/engine/Cargo.toml"],
    );
    apply(&ws, &["--execute", "--allow-dirty"])
        .run()
        .assert_code(exit_codes::OK);
    undo_offline(&ws, exit_codes::OK);
    assert_eq!(snapshot(ws.root()), before);
}

#[test]
fn markdown_report_carries_the_diff() {
    let ws = TempWorkspace::fixture("showcase");
    let run = apply(&ws, &["--format", "markdown"])
        .run()
        .assert_code(exit_codes::OK);
    let text = run.stdout();
    assert!(
        text.starts_with(
            "### cargo tune apply\n\n- declare tinyrand once in [workspace.dependencies]"
        ),
        "{text}"
    );
    assert!(text.contains("```diff\n--- a/Cargo.toml\n"), "{text}");
}

mod cargo_update {
    use cargo_tune_core::cargo::CargoOptions;
    use cargo_tune_core::edit::{
        ApplyError, EditOp, EditPlan, Journal, StepError, Transaction, Verification, undo,
    };
    use cargo_tune_test_support::TempWorkspace;

    fn plan(ws: &TempWorkspace, spec: &str) -> EditPlan {
        let root = ws.root();
        let ops = vec![
            EditOp::ProfileSet {
                manifest: root.join("Cargo.toml"),
                profile: "dev".into(),
                package: None,
                build_override: false,
                key: "debug".into(),
                value: serde_json::json!(0),
            },
            EditOp::CargoUpdate {
                manifest: root.join("Cargo.toml"),
                specs: vec![spec.into()],
                precise: Some("0.1.0".into()),
                outcome: Vec::new(),
            },
        ];
        EditPlan::from_ops(root, ops).unwrap()
    }

    fn execute(
        ws: &TempWorkspace,
        plan: &EditPlan,
    ) -> Result<cargo_tune_core::edit::Applied, ApplyError> {
        let offline = CargoOptions {
            offline: true,
            ..CargoOptions::default()
        };
        let verification = Verification::CargoMetadata {
            options: offline.clone(),
            locked: true,
            no_deps: false,
        };
        Transaction::new(
            plan,
            Journal::in_target_dir(&ws.path("target")),
            verification,
            offline,
        )
        .execute()
    }

    #[test]
    fn a_failing_cargo_update_restores_the_manifest_and_the_lockfile() {
        let ws = TempWorkspace::fixture("showcase");
        let (manifest, lock) = (ws.read("Cargo.toml"), ws.read("Cargo.lock"));
        let err = execute(&ws, &plan(&ws, "tinyrand@9.9.9")).unwrap_err();
        assert!(
            matches!(err, ApplyError::RolledBack(StepError::Command(_))),
            "{err:?}"
        );
        assert_eq!(
            (ws.read("Cargo.toml"), ws.read("Cargo.lock")),
            (manifest, lock)
        );
    }

    #[test]
    fn cargo_update_is_journaled_with_the_lockfile_and_undone() {
        let ws = TempWorkspace::fixture("showcase");
        let (manifest, lock) = (ws.read("Cargo.toml"), ws.read("Cargo.lock"));
        let plan = plan(&ws, "tinyrand@0.1.0");
        assert_eq!(
            plan.touched_files(),
            [ws.path("Cargo.toml"), ws.path("Cargo.lock")]
        );
        execute(&ws, &plan).unwrap();
        assert_ne!(ws.read("Cargo.toml"), manifest);
        let journal = Journal::in_target_dir(&ws.path("target"));
        let entries = journal.entries(ws.root()).unwrap();
        let locked = entries[0]
            .1
            .files
            .iter()
            .find(|f| f.path.ends_with("Cargo.lock"))
            .unwrap();
        assert_eq!(
            locked.after.as_deref(),
            Some(ws.read("Cargo.lock").as_str()),
            "the lockfile after the command is journaled"
        );
        undo(&journal, ws.root()).unwrap();
        assert_eq!(
            (ws.read("Cargo.toml"), ws.read("Cargo.lock")),
            (manifest, lock)
        );
    }
}

#[test]
fn live_audit_findings_are_applied_gone_on_reaudit_and_undone() {
    let ws = TempWorkspace::fixture("showcase");
    let before = snapshot(ws.root());
    let ids = |ws: &TempWorkspace| finding_ids(ws, "");
    assert!(ids(&ws).contains(&"debuginfo-in-dev:dev".to_owned()));
    // tinyrand comes from two paths: each copy is a finding of its own.
    let hygiene = [
        "unknown-profile-key:release.debug-assertion",
        "workspace-dep-not-inherited:tinyrand@vendor/tinyrand-0.1",
        "workspace-dep-not-inherited:tinyrand@vendor/tinyrand-0.2",
        "workspace-dep-features-differ:tinyrand@vendor/tinyrand-0.1",
        "workspace-dep-unused:tinyrand-next",
    ];
    // --all takes what makes builds faster, and settles there.
    let run = cli(&ws)
        .args(["apply", "--all", "--offline", "--execute"])
        .run()
        .assert_code(exit_codes::OK);
    run.assert_stdout_has(&[
        "suggestions for tidier manifests",
        "add `--include hygiene`",
    ]);
    let after = ids(&ws);
    for gone in ["debuginfo-in-dev:dev", "incremental-in-release:release"] {
        assert!(
            !after.contains(&gone.to_owned()),
            "{gone} still in {after:?}"
        );
    }
    for left in hygiene {
        assert!(after.contains(&left.to_owned()), "{left} not in {after:?}");
    }
    cli(&ws)
        .args(["apply", "--all", "--offline", "--check"])
        .run()
        .assert_code(exit_codes::OK);
    // With hygiene, the rest; and that settles too.
    cli(&ws)
        .line("apply --all --include hygiene --offline --execute --allow-dirty")
        .run()
        .assert_code(exit_codes::OK);
    let after = ids(&ws);
    for gone in hygiene {
        assert!(
            !after.contains(&gone.to_owned()),
            "{gone} still in {after:?}"
        );
    }
    // Notes are opportunities to measure; --all leaves them alone.
    assert!(
        after.contains(&"lto-against-goal:release".to_owned()),
        "{after:?}"
    );
    cli(&ws)
        .line("apply --all --include hygiene --offline --check")
        .run()
        .assert_code(exit_codes::OK);
    for _ in 0..2 {
        undo_offline(&ws, exit_codes::OK);
    }
    assert_eq!(snapshot(ws.root()), before);
}

/// A `[workspace.dependencies]` entry that a member also declares inline is reported both as
/// not inherited and as unused; applying both must leave the entry in place and inherited.
#[test]
fn inheriting_and_removing_one_entry_plan_as_one_consistent_change() {
    let ws = TempWorkspace::empty();
    ws.write(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n\n[workspace.dependencies]\nleaf = { path = \"crates/leaf\" }\n",
    );
    ws.write(
        "crates/leaf/Cargo.toml",
        "[package]\nname = \"leaf\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    ws.write("crates/leaf/src/lib.rs", "pub fn one() -> u8 { 1 }\n");
    ws.write(
        "crates/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nleaf = { path = \"../leaf\" }\n",
    );
    ws.write(
        "crates/app/src/main.rs",
        "fn main() { let _ = leaf::one(); }\n",
    );
    cargo_tune_test_support::cargo(ws.root(), &["generate-lockfile", "--offline"]);
    let ids = |ws: &TempWorkspace| finding_ids(ws, "");
    let before = ids(&ws);
    for id in [
        "workspace-dep-not-inherited:leaf",
        "workspace-dep-unused:leaf",
    ] {
        assert!(before.contains(&id.to_owned()), "{id} not in {before:?}");
    }
    let dry = cli(&ws)
        .line("apply --all --include hygiene --offline")
        .run()
        .assert_code(exit_codes::OK)
        .stdout();
    assert!(
        dry.contains("skipped: remove `leaf`")
            && dry.contains("crates/app/Cargo.toml inherits `leaf`"),
        "{dry}"
    );
    cli(&ws)
        .line("apply --all --include hygiene --offline --execute --allow-dirty")
        .run()
        .assert_code(exit_codes::OK);
    assert!(
        ws.read("Cargo.toml")
            .contains("leaf = { path = \"crates/leaf\" }")
    );
    assert!(
        ws.read("crates/app/Cargo.toml")
            .contains("leaf = { workspace = true }")
    );
    cargo_tune_test_support::cargo(ws.root(), &["check", "--offline", "--workspace"]);
    let after = ids(&ws);
    assert!(
        !after.iter().any(|id| id.starts_with("workspace-dep-")),
        "{after:?}"
    );
    // Applying again changes nothing.
    cli(&ws)
        .line("apply --all --include hygiene --offline --check")
        .run()
        .assert_code(exit_codes::OK);
}

/// `cargo update` steps are checked with cargo before anything is written: a parent's exact pin
/// turns into updating both (kept only if that removes the duplicate, see
/// `apply_fixed_point`), a member's own exact pin leaves that step out with the reason, and so
/// does an update that would add a duplicate.
mod update_feasibility {
    use cargo_tune_schema::exit_codes;
    use cargo_tune_test_support::TempWorkspace;

    use crate::cli;

    fn update_finding(subject: &str, spec: &str, precise: &str) -> serde_json::Value {
        serde_json::json!({
            "code": "duplicate-version",
            "severity": "warning",
            "id": format!("duplicate-version:{subject}"),
            "subject": subject,
            "message": format!("{subject} is compiled in 2 versions"),
            "suggestions": [{
                "summary": format!("move {spec} to {precise}"),
                "change": {"kind": "cargo-update", "spec": spec, "precise": precise}
            }]
        })
    }

    fn locked(ws: &TempWorkspace, name: &str) -> Vec<String> {
        let lock: toml_edit::DocumentMut = ws.read("Cargo.lock").parse().unwrap();
        lock["package"]
            .as_array_of_tables()
            .unwrap()
            .iter()
            .filter(|p| p["name"].as_str() == Some(name))
            .map(|p| p["version"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn exact_pins_are_resolved_with_cargo_or_left_out_with_the_reason() {
        let ws = TempWorkspace::fixture("pinned-update");
        let findings = serde_json::json!({"findings": [
            update_finding("tiny-width", "pin-child@1.0.0", "1.0.1"),
            update_finding("tinyjson", "tinyjson@0.3.0", "0.3.1"),
            update_finding("grower", "grower@1.0.0", "1.0.1"),
        ]});
        ws.write("findings.json", &findings.to_string());
        let lock = ws.read("Cargo.lock");
        let args = [
            "apply",
            "--all",
            "--offline",
            "--findings",
            "findings.json",
            "--format",
            "json",
        ];
        let dry = cli(&ws).args(args).run_json(exit_codes::OK);
        assert_eq!(ws.read("Cargo.lock"), lock, "a dry run writes nothing");
        assert_eq!(dry["commands"], serde_json::json!([]), "{dry}");
        let skipped = dry["skipped"].as_array().unwrap();
        assert_eq!(skipped.len(), 3, "{skipped:?}");
        // cargo takes pin-child with its pinning parent (a refusal would say so), but tiny-width
        // 0.1 stays: the app and tinyjson hold it too. Moving pin-child alone is churn.
        assert_eq!(skipped[0]["finding"], "duplicate-version:tiny-width");
        let reason = skipped[0]["reason"].as_str().unwrap();
        assert!(
            reason.contains("still list tiny-width in 2 versions (0.1.0, 0.2.0)"),
            "{reason}"
        );
        assert_eq!(skipped[1]["finding"], "duplicate-version:tinyjson");
        let reason = skipped[1]["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("pinner (") && reason.contains("`tinyjson = \"=0.3.0\"` exactly"),
            "{reason}"
        );
        // cargo takes this one, but it brings spark 0.1 next to the 0.2 the workspace uses.
        assert_eq!(skipped[2]["finding"], "duplicate-version:grower");
        let reason = skipped[2]["reason"].as_str().unwrap();
        assert!(reason.contains("spark 0.1.0 next to 0.2.0"), "{reason}");

        cli(&ws)
            .args(["apply", "--all", "--offline", "--findings", "findings.json"])
            .args(["--execute", "--allow-dirty"])
            .run()
            .assert_code(exit_codes::OK)
            .assert_stdout_has(&["nothing to change"]);
        assert_eq!(locked(&ws, "pin-child"), ["1.0.0"]);
        assert_eq!(locked(&ws, "pin-parent"), ["1.0.0"]);
        assert_eq!(locked(&ws, "tinyjson"), ["0.3.0"]);
        assert_eq!(locked(&ws, "grower"), ["1.0.0"]);
        assert_eq!(ws.read("Cargo.lock"), lock);
    }
}

/// Members that share one major version of a package centralize it; a member's deliberate
/// second major version stays inline, and a second apply finds nothing left to do.
#[test]
fn a_second_major_version_stays_inline_and_applying_twice_is_a_no_op() {
    let ws = TempWorkspace::fixture("pinned-update");
    let ids = |ws: &TempWorkspace| finding_ids(ws, "workspace-dep");
    // Two copies of tiny-width are declared: the finding names the one it is about.
    assert_eq!(ids(&ws), ["workspace-dep-not-inherited:tiny-width@0.2"]);
    cli(&ws)
        .line("apply workspace-dep-not-inherited --offline --execute")
        .args(["--allow-dirty"])
        .run()
        .assert_code(exit_codes::OK);
    assert!(ws.read("Cargo.toml").contains("tiny-width = \"0.2\""));
    assert!(
        ws.read("crates/app/Cargo.toml")
            .contains("tiny-width = \"0.1\"")
    );
    assert!(
        ws.read("crates/tool/Cargo.toml")
            .contains("tiny-width = { workspace = true }")
    );
    assert_eq!(ids(&ws), Vec::<String>::new());
    cli(&ws)
        .line("apply workspace-dep-not-inherited --offline --check")
        .run()
        .assert_code(exit_codes::OK);
}
