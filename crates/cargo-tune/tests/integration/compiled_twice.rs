//! `compiled-twice` against cargo's own unit graph: on every fixture, the findings' subjects are
//! exactly the package versions with more than one library build unit in the unit graphs of
//! `cargo build --workspace`, `--all-targets` and `--release`, read here straight from cargo.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cargo_tune_test_support::{CargoTuneCli, TempWorkspace, cargo, unit_graph};

use crate::{BIN, LoggingCargo, cli, fixture_json};

const COMMANDS: [&[&str]; 3] = [
    &["--workspace"],
    &["--workspace", "--all-targets"],
    &["--workspace", "--release"],
];

/// `name@version` of each package version with more than one `lib`/`proc-macro` build unit in
/// cargo's unit graph of `cargo build <args>`.
fn unit_graph_twice(root: &Path, args: &[&str]) -> BTreeSet<String> {
    let graph = unit_graph(root, args, &[]);
    let mut units: BTreeMap<String, usize> = BTreeMap::new();
    for unit in graph["units"].as_array().expect("units") {
        let library = unit["target"]["kind"]
            .as_array()
            .expect("kind")
            .iter()
            .any(|k| {
                ["lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"]
                    .contains(&k.as_str().unwrap_or_default())
            });
        if unit["mode"] == "build" && library {
            *units
                .entry(name_version(unit["pkg_id"].as_str().expect("pkg_id")))
                .or_default() += 1;
        }
    }
    units
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect()
}

/// `path+file:///w/leaf#0.1.0` → `leaf@0.1.0`; `registry+…#leaf@0.1.0` → `leaf@0.1.0`.
fn name_version(id: &str) -> String {
    let (head, tail) = id.rsplit_once('#').expect("an id with a fragment");
    if tail.contains('@') {
        tail.to_owned()
    } else {
        format!("{}@{tail}", head.rsplit('/').next().expect("a path"))
    }
}

fn audit(root: &Path) -> serde_json::Value {
    CargoTuneCli::new(BIN, root)
        .args(["audit", "--format", "json", "--locked", "--offline"])
        .run_json(0)
}

/// Every package version the audit says is compiled twice: its own `compiled-twice` finding, or
/// one of the packages of a profile's `build-override-split`, which carries each one's evidence.
fn compiled_twice(report: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        if f["code"] == "compiled-twice" {
            out.insert(
                f["subject"].as_str().expect("subject").to_owned(),
                f.clone(),
            );
        } else if f["code"] == "build-override-split" {
            for p in f["evidence"]["compiled_twice"]
                .as_array()
                .expect("packages")
            {
                out.insert(
                    p["subject"].as_str().expect("subject").to_owned(),
                    p.clone(),
                );
            }
        }
    }
    out
}

/// Checks one fixture against cargo and returns its findings for closer checks.
fn agrees_with_cargo(name: &str) -> (TempWorkspace, BTreeMap<String, serde_json::Value>) {
    let ws = TempWorkspace::fixture(name);
    let per_command: Vec<BTreeSet<String>> = COMMANDS
        .iter()
        .map(|args| unit_graph_twice(ws.root(), args))
        .collect();
    let expected: BTreeSet<String> = per_command.iter().flatten().cloned().collect();
    let report = audit(ws.root());
    assert_eq!(report["unit_graph"]["source"], "unit-graph", "{name}");
    let findings = compiled_twice(&report);
    assert_eq!(
        findings.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "{name}: compiled-twice subjects against cargo's unit graphs"
    );
    // Each finding names exactly the commands whose unit graph builds it twice.
    for (subject, finding) in &findings {
        let named: BTreeSet<String> = finding["evidence"]["commands"]
            .as_array()
            .expect("commands")
            .iter()
            .map(|c| c["command"].as_str().expect("command").to_owned())
            .collect();
        let by_cargo: BTreeSet<String> = COMMANDS
            .iter()
            .zip(&per_command)
            .filter(|(_, twice)| twice.contains(subject))
            .map(|(args, _)| format!("cargo build {}", args.join(" ")))
            .collect();
        assert_eq!(named, by_cargo, "{name}: {subject}");
    }
    (ws, findings)
}

fn first_change(finding: &serde_json::Value) -> &serde_json::Value {
    &finding["suggestions"][0]["change"]
}

#[test]
fn panic_abort_builds_dependencies_again_for_tests() {
    let (_ws, findings) = agrees_with_cargo("twice-panic-abort");
    let leaf = &findings["leaf@0.1.0"];
    assert_eq!(leaf["evidence"]["reason"], "profile");
    assert_eq!(
        leaf["evidence"]["profile_fields"],
        serde_json::json!(["panic"])
    );
    let change = first_change(leaf);
    assert_eq!(change["kind"], "profile-set");
    assert_eq!(change["key"], "panic");
    assert_eq!(change["value"], "unwind");
}

#[test]
fn host_copy_with_other_features_and_release_build_override() {
    let (_ws, findings) = agrees_with_cargo("twice-host-features");
    let shared = &findings["shared@0.1.0"];
    // Features are the cause; the host copy's missing debuginfo only follows from them.
    assert_eq!(shared["evidence"]["reason"], "features");
    let sides: BTreeSet<&str> = shared["evidence"]["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["side"].as_str().expect("side"))
        .collect();
    assert_eq!(sides, BTreeSet::from(["host", "target"]));
}

#[test]
fn proc_macro_dev_dependencies_are_built_for_the_target() {
    let (_ws, findings) = agrees_with_cargo("twice-proc-macro-dev-dep");
    assert!(!findings.contains_key("sib@0.1.0") && !findings.contains_key("leaf@0.1.0"));
}

#[test]
fn a_dev_dependency_feature_splits_a_member_when_tests_are_built() {
    let (_ws, findings) = agrees_with_cargo("twice-dev-dep-feature");
    let engine = &findings["engine@0.1.0"];
    assert_eq!(engine["evidence"]["reason"], "features");
    assert_eq!(
        engine["evidence"]["commands"][0]["command"],
        "cargo build --workspace --all-targets"
    );
}

#[test]
fn the_same_version_from_a_path_and_a_registry_is_patched() {
    let (ws, findings) = agrees_with_cargo("twice-two-sources");
    let leaf = &findings["leaf@0.1.0"];
    assert_eq!(leaf["evidence"]["reason"], "sources");
    let change = first_change(leaf);
    assert_eq!(change["kind"], "manual");
    assert!(
        change["text"]
            .as_str()
            .expect("text")
            .contains("[patch.crates-io] leaf = { path = \"leaf\" }"),
        "{change}"
    );
    // cargo itself, patched as suggested, builds leaf once.
    let patched = ws.root().join(".cargo/config.toml");
    let mut config = std::fs::read_to_string(&patched).expect("config");
    config.push_str("\n[patch.crates-io]\nleaf = { path = \"leaf\" }\n");
    ws.write(".cargo/config.toml", &config);
    cargo(ws.root(), &["update", "--offline"]);
    for args in COMMANDS {
        assert!(unit_graph_twice(ws.root(), args).is_empty(), "{args:?}");
    }
}

#[test]
fn existing_fixtures_agree_with_cargo() {
    for name in ["showcase", "small-real"] {
        agrees_with_cargo(name);
    }
}

#[test]
fn a_workspace_cargo_cannot_build_falls_back_labelled() {
    // config-traps has a custom profile without `inherits`: `cargo metadata` loads it, but no
    // build (and so no unit graph) can be planned.
    let ws = TempWorkspace::fixture("config-traps");
    let report = audit(ws.root());
    assert_eq!(report["unit_graph"]["source"], "resolve-model");
    assert!(
        report["unit_graph"]["unavailable"]
            .as_str()
            .expect("a reason")
            .contains("inherits"),
        "{}",
        report["unit_graph"]
    );
}

#[test]
fn applying_the_profile_fix_leaves_cargo_nothing_to_build_twice() {
    let ws = TempWorkspace::fixture("twice-panic-abort");
    cli(&ws)
        .args(["apply", "compiled-twice", "--execute", "--offline"])
        .run()
        .assert_code(0);
    assert!(
        !ws.read("Cargo.toml")
            .lines()
            .any(|l| l.trim_start().starts_with("panic = \"abort\"")),
        "{}",
        ws.read("Cargo.toml")
    );
    for args in COMMANDS {
        assert!(unit_graph_twice(ws.root(), args).is_empty(), "{args:?}");
    }
    assert!(compiled_twice(&audit(ws.root())).is_empty());
}

#[test]
fn without_a_unit_graph_the_resolve_model_answers_labelled() {
    let ws = TempWorkspace::fixture("showcase");
    // A cargo that knows no `--unit-graph`, as cargo before 1.50 did.
    let real = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    ws.write(
        "old-cargo/cargo",
        &format!(
            "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = --unit-graph ] && {{ echo asked >> '{}'; echo \"error: unexpected argument '--unit-graph' found\" >&2; exit 1; }}; done\nexec '{}' \"$@\"\n",
            ws.path("old-cargo/asked").display(),
            Path::new(&real).display()
        ),
    );
    let fake = ws.path("old-cargo/cargo");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let report = cli(&ws)
        .env("CARGO", &fake)
        .args(["audit", "--format", "json", "--locked", "--offline"])
        .run_json(0);
    assert_eq!(report["unit_graph"]["source"], "resolve-model");
    assert!(
        report["unit_graph"]["unavailable"]
            .as_str()
            .expect("a reason")
            .contains("--unit-graph"),
        "{}",
        report["unit_graph"]
    );
    let findings = compiled_twice(&report);
    assert!(!findings.is_empty());
    for finding in findings.values() {
        assert_eq!(finding["evidence"]["source"], "resolve-model");
        assert!(
            finding["message"]
                .as_str()
                .expect("message")
                .contains("estimated")
        );
    }
    let human = cli(&ws)
        .env("CARGO", &fake)
        .args(["audit", "--locked", "--offline"])
        .run()
        .assert_code(0)
        .stdout();
    assert!(
        human.contains("cargo's unit graph is unavailable"),
        "{human}"
    );
    // The failure is remembered like a graph: asked once (three commands at once), not on the
    // second audit; a manifest changed where cargo sees it asks every command again, since a
    // failure says nothing of which command would fail now.
    let asked = || {
        std::fs::read_to_string(ws.path("old-cargo/asked"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    assert_eq!(asked(), 3);
    let manifest = ws.read("Cargo.toml");
    ws.write(
        "Cargo.toml",
        &format!("{manifest}\n[profile.test]\ndebug = 1\n"),
    );
    cli(&ws)
        .env("CARGO", &fake)
        .line("audit --format json --locked --offline")
        .run()
        .assert_code(0);
    assert_eq!(asked(), 6);
}

#[test]
fn try_measures_the_profile_fix_as_a_config_override() {
    let (_, report) = fixture_json(
        "twice-panic-abort",
        "try compiled-twice --runs 1 --scenario dev-clean --offline --format json",
        0,
    );
    assert_eq!(
        report["variants"][1]["config"],
        serde_json::json!(["profile.dev.panic=\"unwind\""])
    );
    assert_eq!(
        report["scenarios"][0]["comparisons"][0]["pairs"], 1,
        "{}",
        report["scenarios"]
    );
}

#[test]
fn the_kept_unit_graphs_follow_manifest_changes() {
    let (ws, findings) = agrees_with_cargo("twice-panic-abort");
    assert!(findings.contains_key("leaf@0.1.0"));
    assert!(
        ws.path("target/cargo-tune/unit-graphs.json").is_file(),
        "the audit keeps what cargo printed"
    );
    // Same inputs: the kept graphs answer (the memo is not rewritten), and agree with cargo.
    let memo = ws.path("target/cargo-tune/unit-graphs.json");
    let written = std::fs::metadata(&memo)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(
        compiled_twice(&audit(ws.root())).keys().collect::<Vec<_>>(),
        ["leaf@0.1.0"]
    );
    assert_eq!(
        std::fs::metadata(&memo)
            .and_then(|m| m.modified())
            .expect("mtime"),
        written
    );
    let manifest = ws.read("Cargo.toml").replace("panic = \"abort\"", "");
    ws.write("Cargo.toml", &manifest);
    for args in COMMANDS {
        assert!(unit_graph_twice(ws.root(), args).is_empty(), "{args:?}");
    }
    assert!(compiled_twice(&audit(ws.root())).is_empty());
    // A build script that uses leaf too: release builds it again for the host.
    let app = ws.read("app/Cargo.toml");
    ws.write(
        "app/Cargo.toml",
        &format!("{app}\n[build-dependencies]\nleaf = {{ path = \"../leaf\" }}\n"),
    );
    ws.write("app/build.rs", "fn main() {\n    leaf::f()\n}\n");
    let expected: BTreeSet<String> = COMMANDS
        .iter()
        .flat_map(|args| unit_graph_twice(ws.root(), args))
        .collect();
    assert_eq!(expected, BTreeSet::from(["leaf@0.1.0".to_owned()]));
    assert_eq!(
        compiled_twice(&audit(ws.root()))
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>(),
        expected
    );
}

/// What an audit asked of cargo: whether it ran `cargo metadata`, and the `cargo build` arguments
/// of each unit graph it asked for, sorted.
#[derive(Debug, PartialEq)]
struct Asked {
    metadata: bool,
    graphs: Vec<String>,
}

impl Asked {
    fn of(graphs: &[&[&str]], metadata: bool) -> Asked {
        let mut graphs: Vec<String> = graphs.iter().map(|args| args.join(" ")).collect();
        graphs.sort();
        Asked { metadata, graphs }
    }

    fn nothing() -> Asked {
        Asked::of(&[], false)
    }
}

/// A workspace that logs each cargo call, audited through a cargo that logs what it is asked
/// before doing it.
struct LoggedAudits {
    ws: TempWorkspace,
    cargo: LoggingCargo,
}

impl LoggedAudits {
    fn new(ws: TempWorkspace) -> LoggedAudits {
        LoggedAudits::with(ws, "")
    }

    /// Logs each call with the cargo home it runs in, and runs `before` in the wrapper before
    /// cargo.
    fn with(ws: TempWorkspace, before: &str) -> LoggedAudits {
        let cargo = LoggingCargo::with_homes(&ws, before);
        LoggedAudits { ws, cargo }
    }

    /// The cargo home of each unit graph the last audit asked for, in the order asked.
    fn graph_homes(&self) -> Vec<String> {
        self.cargo.graph_homes()
    }

    /// How many unit graphs the last audit asked in one of the side homes cargo-tune keeps in
    /// the workspace's target directory.
    fn asked_beside(&self) -> usize {
        let side = self.ws.path("target/cargo-tune");
        self.graph_homes()
            .iter()
            .filter(|h| Path::new(h).starts_with(&side))
            .count()
    }

    /// Checks that `found` names what cargo's own unit graphs hold twice.
    fn assert_cargo_agrees(&self, found: &BTreeMap<String, serde_json::Value>) {
        assert_eq!(
            found.keys().cloned().collect::<BTreeSet<_>>(),
            self.cargo_says()
        );
    }

    /// The audit's report and what it asked of cargo.
    fn audit(&self, args: &[&str]) -> (serde_json::Value, Asked) {
        self.cargo.clear();
        let report = cli(&self.ws)
            .env("CARGO", self.cargo.path())
            .args(["audit", "--format", "json", "--offline"])
            .args(args)
            .run_json(0);
        let calls = self.cargo.lines();
        let mut graphs: Vec<String> = calls
            .iter()
            .filter_map(|l| {
                let args = l.split_once(" build ")?.1.split_once(" --unit-graph")?.0;
                Some(args.to_owned())
            })
            .collect();
        graphs.sort();
        let metadata = calls.iter().any(|l| l.contains(" metadata "));
        (report, Asked { metadata, graphs })
    }

    /// The audit's compiled-twice findings and what it asked of cargo.
    fn compiled_twice(&self) -> (BTreeMap<String, serde_json::Value>, Asked) {
        let (report, asked) = self.audit(&["--locked"]);
        (compiled_twice(&report), asked)
    }

    /// The packages compiled twice in cargo's own unit graphs of the audit's commands.
    fn cargo_says(&self) -> BTreeSet<String> {
        COMMANDS
            .iter()
            .flat_map(|args| unit_graph_twice(self.ws.root(), args))
            .collect()
    }
}

#[test]
fn an_edit_asks_cargo_only_for_what_it_can_change() {
    let (ws, _) = agrees_with_cargo("twice-panic-abort");
    let audits = LoggedAudits::new(ws);
    let ws = &audits.ws;
    let keys = |found: &BTreeMap<String, serde_json::Value>| {
        found.keys().cloned().collect::<BTreeSet<_>>()
    };
    let (first, _) = audits.compiled_twice();
    assert_eq!(first.keys().collect::<Vec<_>>(), ["leaf@0.1.0"]);
    // Nothing changed: cargo is asked nothing, and the report is the same.
    let (report, _) = audits.audit(&["--locked"]);
    let (again, asked) = audits.audit(&["--locked"]);
    assert_eq!(asked, Asked::nothing());
    assert_eq!(again, report);
    // A comment and a blank line: the file changed, cargo reads the same.
    let manifest = ws.read("Cargo.toml");
    ws.write("Cargo.toml", &format!("# the workspace\n{manifest}\n"));
    let (kept, asked) = audits.compiled_twice();
    assert_eq!(asked, Asked::nothing(), "after a comment");
    assert_eq!(kept, first);
    // A description and tools' `metadata` tables: cargo's metadata changes, no unit does.
    let app = ws.read("app/Cargo.toml");
    ws.write(
        "app/Cargo.toml",
        &app.replace(
            "edition = \"2021\"\n",
            "edition = \"2021\"\ndescription = \"an app\"\n\n[package.metadata.tool]\nkey = 1\n",
        ),
    );
    ws.write(
        "Cargo.toml",
        &format!(
            "{}\n[workspace.metadata.tool]\nkey = 2\n",
            ws.read("Cargo.toml")
        ),
    );
    let (kept, asked) = audits.compiled_twice();
    assert_eq!(asked, Asked::of(&[], true), "after descriptive edits");
    assert_eq!(kept, first);
    assert_eq!(keys(&kept), audits.cargo_says());
    // A feature of a member: cargo may build something else, so every graph is asked again.
    ws.write(
        "app/Cargo.toml",
        &format!("{}\n[features]\nextra = []\n", ws.read("app/Cargo.toml")),
    );
    let (again, asked) = audits.compiled_twice();
    assert_eq!(asked, Asked::of(&COMMANDS, true), "after a feature");
    assert_eq!(again, first);
    // A release setting: cargo's metadata stays, only the release graph can change.
    ws.write(
        "Cargo.toml",
        &format!(
            "{}\n[profile.release]\npanic = \"abort\"\n",
            ws.read("Cargo.toml")
        ),
    );
    let (release, asked) = audits.compiled_twice();
    assert_eq!(
        asked,
        Asked::of(&[COMMANDS[2]], false),
        "after a release setting"
    );
    assert_eq!(keys(&release), audits.cargo_says());
    // A custom profile: none of the audited builds uses it.
    ws.write(
        "Cargo.toml",
        &format!(
            "{}\n[profile.custom]\ninherits = \"dev\"\n",
            ws.read("Cargo.toml")
        ),
    );
    let (custom, asked) = audits.compiled_twice();
    assert_eq!(asked, Asked::nothing(), "after a custom profile");
    assert_eq!(custom, release);
    // A dev setting changes the dev graphs without changing cargo's metadata.
    ws.write(
        "Cargo.toml",
        &ws.read("Cargo.toml")
            .replace("[profile.dev]\npanic = \"abort\"", "[profile.dev]"),
    );
    let (dev, asked) = audits.compiled_twice();
    assert_eq!(
        asked,
        Asked::of(&COMMANDS[..2], false),
        "after a dev setting"
    );
    assert_eq!(keys(&dev), audits.cargo_says());
}

#[test]
fn graphs_asked_together_resolve_side_by_side() {
    let (ws, _) = agrees_with_cargo("twice-panic-abort");
    let audits = LoggedAudits::new(ws);
    let ws = &audits.ws;
    // No memo: the first graph runs with cargo's metadata in the user's home, the other two
    // each in a side home of their own once the sources are known to be on disk.
    let (first, _) = audits.compiled_twice();
    let homes = audits.graph_homes();
    assert_eq!(homes.len(), 3, "{homes:?}");
    assert_eq!(audits.asked_beside(), 2);
    assert_ne!(homes[1], homes[2]);
    audits.assert_cargo_agrees(&first);
    // A dev setting: both dev graphs are asked again, one of them beside the other.
    ws.write(
        "Cargo.toml",
        &ws.read("Cargo.toml")
            .replace("[profile.dev]\npanic = \"abort\"", "[profile.dev]"),
    );
    let (dev, asked) = audits.compiled_twice();
    assert_eq!(asked, Asked::of(&COMMANDS[..2], false));
    assert_eq!(audits.asked_beside(), 1);
    audits.assert_cargo_agrees(&dev);
}

#[test]
fn a_graph_that_fails_beside_is_asked_again_in_the_users_home() {
    let ws = TempWorkspace::fixture("twice-panic-abort");
    let audits = LoggedAudits::with(
        ws,
        "case \"${CARGO_HOME:-}\" in */cargo-home-*) echo broken >&2; exit 101;; esac",
    );
    let (found, _) = audits.compiled_twice();
    let homes = audits.graph_homes();
    // Two failed beside, and were asked again: five calls for three graphs.
    assert_eq!(homes.len(), 5, "{homes:?}");
    assert_eq!(audits.asked_beside(), 2);
    audits.assert_cargo_agrees(&found);
}

#[test]
fn a_member_matched_by_a_new_directory_is_read_from_cargo() {
    let ws = TempWorkspace::fixture("twice-panic-abort");
    ws.write(
        "Cargo.toml",
        &ws.read("Cargo.toml")
            .replace("members = [\"app\"]", "members = [\"app\", \"extra/*\"]"),
    );
    ws.write("extra/.keep", "");
    let members = |ws: &TempWorkspace| {
        let metadata: serde_json::Value = serde_json::from_str(&cargo(
            ws.root(),
            &["metadata", "--format-version=1", "--offline", "--no-deps"],
        ))
        .expect("cargo's metadata");
        metadata["workspace_members"]
            .as_array()
            .expect("members")
            .len()
    };
    let audits = LoggedAudits::new(ws);
    let (before, _) = audits.audit(&[]);
    assert_eq!(before["members"], members(&audits.ws));
    let (_, asked) = audits.audit(&[]);
    assert_eq!(asked, Asked::nothing());
    // No manifest cargo-tune read before changes: only the directory the glob reads does.
    let ws = &audits.ws;
    ws.write(
        "extra/more/Cargo.toml",
        "[package]\nname = \"more\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    ws.write("extra/more/src/lib.rs", "");
    let (after, asked) = audits.audit(&[]);
    assert!(asked.metadata, "{asked:?}");
    assert_eq!(after["members"], members(ws));
    assert_eq!(after["members"], before["members"].as_u64().unwrap() + 1);
}
