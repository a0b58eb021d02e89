//! `duplicate-version` findings against cargo's own `cargo tree -d`, on the showcase and on a
//! workspace of real crates.io packages; `compiled-twice` against what a real build compiles
//! twice.
//!
//! The real-world workspace needs its crates.io sources in cargo's cache: `cargo metadata` and
//! `cargo tree` download them once (the lockfile is committed, so the resolve never changes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use cargo_tune_test_support::{CargoTuneCli, TempWorkspace, cargo, find_by, scrub_env};

use crate::BIN;

/// What `cargo tree -d --workspace` lists: names with two or more distinct versions, and names
/// of which one version is listed twice (built with other features for build scripts and
/// proc-macros than for the target).
struct TreeDuplicates {
    versions: BTreeSet<String>,
    feature_sets: BTreeSet<String>,
}

/// Names `cargo tree -d --workspace` lists with two or more distinct versions.
fn cargo_tree_duplicates(root: &Path) -> BTreeSet<String> {
    cargo_tree(root).versions
}

fn cargo_tree(root: &Path) -> TreeDuplicates {
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
    // Each listed package starts an inverted tree at column 0: `name vX.Y.Z [(source)] [(*)]`.
    let mut listed: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).expect("utf-8").lines() {
        if line.starts_with(|c: char| c.is_ascii_alphanumeric())
            && let Some((name, rest)) = line.split_once(' ')
        {
            let version = rest.trim_end_matches(" (*)").to_owned();
            *listed
                .entry(name.to_owned())
                .or_default()
                .entry(version)
                .or_default() += 1;
        }
    }
    TreeDuplicates {
        versions: listed
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(name, _)| name.clone())
            .collect(),
        feature_sets: listed
            .iter()
            .filter(|(_, v)| v.values().any(|&times| times > 1))
            .map(|(name, _)| name.clone())
            .collect(),
    }
}

/// Packages a real `cargo build` compiles more than once, by name: cargo reports every unit it
/// builds (or finds fresh) as a `compiler-artifact` message naming its package id.
fn compiled_twice(root: &Path) -> BTreeSet<String> {
    let out = cargo(
        root,
        &[
            "build",
            "--locked",
            "--offline",
            "--message-format=json",
            "--quiet",
        ],
    );
    let mut units: BTreeMap<String, usize> = BTreeMap::new();
    for line in out.lines() {
        let message: serde_json::Value = serde_json::from_str(line).expect("json message");
        let kinds = &message["target"]["kind"];
        if message["reason"] == "compiler-artifact" && kinds != &serde_json::json!(["custom-build"])
        {
            let id = message["package_id"].as_str().expect("package_id");
            *units.entry(id.to_owned()).or_default() += 1;
        }
    }
    units
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| {
            // `path+file:///…/tinyrand-0.1#tinyrand@0.1.0` or `registry+…#name@version`.
            let tail = id.rsplit('#').next().expect("an id");
            tail.split('@').next().expect("a name").to_owned()
        })
        .collect()
}

fn audit_json(root: &Path) -> serde_json::Value {
    CargoTuneCli::new(BIN, root)
        .args(["audit", "--format", "json", "--locked"])
        .run_json(0)
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

/// The names `cargo tree -d` lists: several versions (`duplicate-version`) or one version from
/// several sources (`duplicate-source`, whose subject is `name@version`).
fn host_duplicate_names(report: &serde_json::Value) -> BTreeSet<String> {
    let mut names = subjects(report, "duplicate-version");
    names.extend(
        subjects(report, "duplicate-source")
            .into_iter()
            .map(|s| s.split('@').next().expect("a name").to_owned()),
    );
    names
}

/// Names of the `compiled-twice` findings (subjects are `name@version`), restricted to those a
/// plain `cargo build --workspace` compiles twice when `plain_build` is set.
fn compiled_twice_names(report: &serde_json::Value, plain_build: bool) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "compiled-twice")
        .filter(|f| {
            !plain_build
                || f["evidence"]["commands"]
                    .as_array()
                    .expect("commands")
                    .iter()
                    .any(|c| c["command"] == "cargo build --workspace")
        })
        .map(|f| {
            let subject = f["subject"].as_str().expect("subject");
            subject.split('@').next().expect("a name").to_owned()
        })
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
    assert_eq!(host_duplicate_names(&report), expected);
}

#[test]
fn every_small_fixture_agrees_with_cargo_tree() {
    // The fixtures without duplicates must agree too: no finding where cargo lists none.
    for name in ["config-traps", "small-real"] {
        let ws = TempWorkspace::fixture(name);
        let report = audit_json(ws.root());
        let tree = cargo_tree(ws.root());
        assert_eq!(host_duplicate_names(&report), tree.versions, "{name}");
        assert!(
            tree.feature_sets
                .is_subset(&compiled_twice_names(&report, true)),
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
fn showcase_feature_sets_equal_what_a_build_compiles_twice() {
    let ws = TempWorkspace::fixture("showcase");
    let report = audit_json(ws.root());
    let twice = compiled_twice(ws.root());
    // tinyrand by features; tinyhash because the tinyrand below it differs.
    assert_eq!(
        twice,
        BTreeSet::from(["tinyhash".to_owned(), "tinyrand".to_owned()])
    );
    assert_eq!(compiled_twice_names(&report, true), twice);
    let tinyhash = finding(&report, "compiled-twice", "tinyhash@0.1.0");
    assert_eq!(tinyhash["evidence"]["reason"], "dependencies");
    assert_eq!(
        tinyhash["evidence"]["dependencies_compiled_twice"],
        serde_json::json!(["tinyrand@0.1.0"])
    );
    // cargo tree reaches tinyhash's target side through a node it already printed, so it
    // lists only tinyrand; what it lists is always a subset.
    let tree = cargo_tree(ws.root());
    assert_eq!(tree.feature_sets, BTreeSet::from(["tinyrand".to_owned()]));
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
    assert_eq!(host_duplicate_names(&report), expected);
    let tree = cargo_tree(ws.root());
    let feature_sets = compiled_twice_names(&report, true);
    assert!(
        tree.feature_sets.len() >= 10 && tree.feature_sets.is_subset(&feature_sets),
        "cargo tree lists {:?}, cargo-tune {feature_sets:?}",
        tree.feature_sets
            .difference(&feature_sets)
            .collect::<Vec<_>>()
    );
}

/// A workspace member and the registry's copy of the same version: cargo tree lists it, and it
/// is a question of sources, not of versions, with a `[patch.crates-io]` fix.
#[test]
fn one_version_from_two_sources_is_its_own_finding() {
    let ws = TempWorkspace::fixture("twice-two-sources");
    let report = audit_json(ws.root());
    assert_eq!(
        host_duplicate_names(&report),
        cargo_tree_duplicates(ws.root())
    );
    assert!(
        subjects(&report, "duplicate-version").is_empty(),
        "{report}"
    );
    let finding = find_by(&report["findings"], "code", "duplicate-source")
        .expect("a duplicate-source finding");
    assert_eq!(finding["subject"], "leaf@0.1.0");
    let help = finding["suggestions"][0]["summary"].as_str().unwrap();
    assert!(
        help.contains("[patch.crates-io] leaf = { path = \"leaf\" }"),
        "{help}"
    );
}
