//! `duplicate-version` findings against cargo's own `cargo tree -d`, on the showcase and on a
//! workspace of real crates.io packages.
//!
//! The real-world workspace needs its crates.io sources in cargo's cache: `cargo metadata` and
//! `cargo tree` download them once (the lockfile is committed, so the resolve never changes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use cargo_tune_test_support::{CargoTuneCli, TempWorkspace, scrub_env};

/// Names `cargo tree -d --workspace` lists with two or more distinct versions. cargo also lists
/// one version twice when it is built with different features for build scripts and
/// proc-macros; those are not duplicate versions.
fn cargo_tree_duplicates(root: &Path) -> BTreeSet<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    #[expect(
        clippy::disallowed_methods,
        reason = "the test compares against cargo run directly"
    )]
    let mut cmd = Command::new(cargo);
    cmd.args(["tree", "-d", "--workspace", "--locked", "--color", "never"])
        .current_dir(root);
    scrub_env(&mut cmd);
    let output = cmd.output().expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).expect("utf-8").lines() {
        // Each duplicate starts an inverted tree at column 0: `name vX.Y.Z [(source)] [(*)]`.
        if line.starts_with(|c: char| c.is_ascii_alphanumeric())
            && let Some((name, rest)) = line.split_once(' ')
            && let Some(version) = rest
                .split_whitespace()
                .next()
                .and_then(|v| v.strip_prefix('v'))
        {
            versions
                .entry(name.to_owned())
                .or_default()
                .insert(version.to_owned());
        }
    }
    versions
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(name, _)| name)
        .collect()
}

fn audit_json(root: &Path) -> serde_json::Value {
    CargoTuneCli::new(env!("CARGO_BIN_EXE_cargo-tune"), root)
        .args(["audit", "--format", "json", "--locked"])
        .run()
        .assert_code(0)
        .json()
}

fn subjects(report: &serde_json::Value, code: &str) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["subject"].as_str().expect("subject").to_owned())
        .collect()
}

fn finding<'a>(report: &'a serde_json::Value, code: &str, subject: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == code && f["subject"] == subject)
        .unwrap_or_else(|| panic!("no {code} finding for {subject}"))
}

#[test]
fn showcase_duplicates_equal_cargo_tree() {
    let ws = TempWorkspace::fixture("showcase");
    let expected = cargo_tree_duplicates(ws.root());
    assert!(!expected.is_empty(), "the showcase has host duplicates");
    let report = audit_json(ws.root());
    assert_eq!(subjects(&report, "duplicate-version"), expected);
}

#[test]
fn every_small_fixture_agrees_with_cargo_tree() {
    // The fixtures without duplicates must agree too: no finding where cargo lists none.
    for name in ["config-traps", "small-real"] {
        let ws = TempWorkspace::fixture(name);
        let report = audit_json(ws.root());
        assert_eq!(
            subjects(&report, "duplicate-version"),
            cargo_tree_duplicates(ws.root()),
            "{name}"
        );
    }
}

#[test]
fn showcase_other_target_and_lockfile_only_duplicates() {
    let ws = TempWorkspace::fixture("showcase");
    let report = audit_json(ws.root());
    let host = cargo_tree_duplicates(ws.root());

    // tinyrand 0.2 is a Windows-only dependency of app.
    assert!(!host.contains("tinyrand"));
    assert_eq!(
        subjects(&report, "duplicate-version-other-target"),
        BTreeSet::from(["tinyrand".to_owned()])
    );
    let tinyrand = finding(&report, "duplicate-version-other-target", "tinyrand");
    assert_eq!(
        tinyrand["evidence"]["versions"][1]["path"],
        serde_json::json!(["app 0.1.0", "tinyrand 0.2.0"])
    );

    // smallfmt 0.3 is an optional dependency of engine that no feature turns on.
    assert_eq!(
        subjects(&report, "duplicate-version-lockfile-only"),
        BTreeSet::from(["smallfmt".to_owned()])
    );
    let smallfmt = finding(&report, "duplicate-version-lockfile-only", "smallfmt");
    let unused: Vec<&str> = smallfmt["evidence"]["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter(|v| v["in_resolve"] == false)
        .map(|v| v["version"].as_str().expect("version"))
        .collect();
    assert_eq!(unused, ["0.3.0"]);
}

#[test]
fn showcase_proc_macro_stack_and_blocking_members() {
    let ws = TempWorkspace::fixture("showcase");
    let report = audit_json(ws.root());
    let minisyn = finding(&report, "duplicate-version", "minisyn");
    assert_eq!(minisyn["evidence"]["proc_macro_stack"], true);
    assert_eq!(
        minisyn["evidence"]["versions"][0]["proc_macro_dependents"],
        serde_json::json!(["old-derive 0.1.0"])
    );
    assert_eq!(minisyn["location"]["path"], "crates/old-derive/Cargo.toml");
    assert_eq!(minisyn["suggestions"][0]["change"]["kind"], "manual");

    let smallfmt = finding(&report, "duplicate-version", "smallfmt");
    assert_eq!(smallfmt["evidence"]["proc_macro_stack"], false);
    // Every member is a root, so the shortest path to 0.1 starts at legacy-fmt, not app.
    assert_eq!(
        smallfmt["evidence"]["versions"][0]["path"],
        serde_json::json!(["legacy-fmt 0.1.0", "smallfmt 0.1.0"])
    );
    assert_eq!(
        smallfmt["evidence"]["versions"][0]["dependents"][0]["req"],
        "^0.1"
    );
}

#[test]
fn realworld_duplicates_equal_cargo_tree() {
    let ws = TempWorkspace::fixture("realworld");
    let expected = cargo_tree_duplicates(ws.root());
    assert!(
        expected.len() >= 40,
        "the real-world workspace has many duplicates: {expected:?}"
    );
    let report = audit_json(ws.root());
    assert!(report["packages"].as_u64().expect("packages") >= 800);
    assert_eq!(subjects(&report, "duplicate-version"), expected);
}
