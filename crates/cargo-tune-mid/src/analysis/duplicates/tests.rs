use std::str::FromStr;

use serde_json::json;

use cargo_tune_schema::SuggestedChange;

use super::*;
use cargo_tune_test_support::{index_cache as synth_cache, index_line as line};

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// A dependency edge: `(package, version, req, kind, target, optional)`.
type Dep<'a> = (&'a str, &'a str, &'a str, &'a str, Option<&'a str>, bool);

/// A package of a synthetic `cargo metadata`.
struct Pkg<'a> {
    name: &'a str,
    version: &'a str,
    deps: Vec<Dep<'a>>,
    proc_macro: bool,
    features: Value,
}

fn pkg<'a>(name: &'a str, version: &'a str, deps: Vec<Dep<'a>>) -> Pkg<'a> {
    Pkg {
        name,
        version,
        deps,
        proc_macro: false,
        features: json!({}),
    }
}

/// `app 0.1.0`, the workspace's only member.
fn app(deps: Vec<Dep<'_>>) -> Pkg<'_> {
    pkg("app", "0.1.0", deps)
}

/// A package with no dependencies.
fn leaf<'a>(name: &'a str, version: &'a str) -> Pkg<'a> {
    pkg(name, version, vec![])
}

fn normal<'a>(name: &'a str, version: &'a str, req: &'a str) -> Dep<'a> {
    (name, version, req, "normal", None, false)
}

/// `dep` only on `target` (a `cfg(…)` or a triple).
fn on_target<'a>(dep: Dep<'a>, target: &'a str) -> Dep<'a> {
    (dep.0, dep.1, dep.2, dep.3, Some(target), dep.5)
}

fn package_mut<'m>(m: &'m mut Metadata, name: &str) -> &'m mut crate::cargo::metadata::Package {
    m.packages.iter_mut().find(|p| p.name == name).unwrap()
}

/// A release of `p` in the index: `(version, requirements, yanked)`.
type Release<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

/// An index that knows `p` alone, at `releases`.
fn index_of_p(releases: &[Release<'_>]) -> RegistryIndex {
    let entries: Vec<(&str, String)> = releases
        .iter()
        .map(|(version, deps, yanked)| (*version, line("p", version, deps, *yanked)))
        .collect();
    let mut index = RegistryIndex::default();
    index.insert_cache("p", synth_cache(&entries));
    index
}

fn cargo_update(spec: &str, precise: &str) -> SuggestedChange {
    SuggestedChange::CargoUpdate {
        spec: spec.to_owned(),
        precise: precise.to_owned(),
    }
}

fn id(name: &str, version: &str) -> String {
    if name == "app" {
        format!("path+file:///ws#{name}@{version}")
    } else {
        format!("{CRATES_IO}#{name}@{version}")
    }
}

/// `cargo metadata` for `packages`, `app 0.1.0` being the only member.
fn metadata(packages: &[Pkg<'_>]) -> Metadata {
    let mut pkgs = Vec::new();
    let mut nodes = Vec::new();
    for p in packages {
        let member = p.name == "app";
        let dependencies: Vec<Value> = p
            .deps
            .iter()
            .map(|(name, _, req, kind, target, optional)| {
                json!({"name": name, "source": CRATES_IO, "req": req,
                    "kind": if *kind == "normal" { Value::Null } else { json!(kind) },
                    "optional": optional, "uses_default_features": true, "features": [],
                    "target": target, "rename": null, "registry": null})
            })
            .collect();
        let kind = if p.proc_macro { "proc-macro" } else { "lib" };
        pkgs.push(json!({
            "name": p.name, "version": p.version, "id": id(p.name, p.version),
            "source": if member { Value::Null } else { json!(CRATES_IO) },
            "dependencies": dependencies, "features": p.features,
            "manifest_path": format!("/ws/{}-{}/Cargo.toml", p.name, p.version),
            "targets": [{"name": p.name, "kind": [kind], "crate_types": [kind],
                "required_features": [], "src_path": "/ws/src/lib.rs"}],
        }));
        let deps: Vec<Value> = p
            .deps
            .iter()
            .map(|(name, version, _, kind, target, _)| {
                json!({"name": name.replace('-', "_"), "pkg": id(name, version),
                    "dep_kinds": [{"kind": if *kind == "normal" { Value::Null } else { json!(kind) },
                        "target": target}]})
            })
            .collect();
        nodes.push(
            json!({"id": id(p.name, p.version), "deps": deps, "dependencies": [], "features": []}),
        );
    }
    let json = json!({
        "packages": pkgs, "workspace_members": [id("app", "0.1.0")],
        "resolve": {"nodes": nodes, "root": null},
        "workspace_root": "/ws", "target_directory": "/ws/target", "version": 1,
    });
    serde_json::from_str(&json.to_string()).expect("valid metadata")
}

fn linux_cfg() -> Vec<Cfg> {
    ["unix", "target_os=\"linux\"", "target_arch=\"x86_64\""]
        .iter()
        .map(|c| Cfg::from_str(c).unwrap())
        .collect()
}

fn run_on(metadata: &Metadata, index: &RegistryIndex) -> Vec<Finding> {
    let cfg = linux_cfg();
    analyse(&Inputs {
        metadata,
        members: &[],
        lockfile: None,
        index,
        host_triple: "x86_64-unknown-linux-gnu",
        host_cfg: &cfg,
        unit_graph_unavailable: Some("not asked"),
    })
}

fn codes(findings: &[Finding]) -> Vec<(FindingCode, &str)> {
    findings
        .iter()
        .map(|f| (f.code, f.subject.as_str()))
        .collect()
}

#[test]
fn edges_for_other_platforms_do_not_make_host_duplicates() {
    let build_dep = ("getrandom", "0.2.0", "^0.2", "build", None, false);
    let m = metadata(&[
        app(vec![
            normal("rand", "0.1.0", "^0.1"),
            on_target(normal("rand", "0.2.0", "^0.2"), "cfg(windows)"),
            on_target(normal("getrandom", "0.1.0", "^0.1"), "cfg(unix)"),
            on_target(build_dep, "x86_64-unknown-linux-gnu"),
        ]),
        leaf("rand", "0.1.0"),
        leaf("rand", "0.2.0"),
        leaf("getrandom", "0.1.0"),
        leaf("getrandom", "0.2.0"),
    ]);
    let findings = run_on(&m, &RegistryIndex::default());
    assert_eq!(
        codes(&findings),
        [
            (FindingCode::DuplicateVersion, "getrandom"),
            (FindingCode::DuplicateVersionOtherTarget, "rand"),
        ]
    );
    assert_eq!(
        findings[0].evidence["versions"][1]["kinds"],
        json!(["build"])
    );
}

#[test]
fn a_version_built_for_target_and_host_with_other_features_is_compiled_twice() {
    // app → mid → leaf (no default features) for the target; app's proc-macro `gen` →
    // mid and → leaf (default features) for the host.
    let mut leaf = pkg("leaf", "1.0.0", vec![]);
    leaf.features = json!({"default": ["std"], "std": []});
    let mut gen_macro = pkg(
        "gen",
        "1.0.0",
        vec![normal("mid", "1.0.0", "^1"), normal("leaf", "1.0.0", "^1")],
    );
    gen_macro.proc_macro = true;
    let mut m = metadata(&[
        app(vec![
            normal("mid", "1.0.0", "^1"),
            normal("gen", "1.0.0", "^1"),
        ]),
        pkg("mid", "1.0.0", vec![normal("leaf", "1.0.0", "^1")]),
        gen_macro,
        leaf,
    ]);
    package_mut(&mut m, "mid").dependencies[0].uses_default_features = false;
    let findings = run_on(&m, &RegistryIndex::default());
    assert_eq!(
        codes(&findings),
        [
            (FindingCode::CompiledTwice, "leaf@1.0.0"),
            (FindingCode::CompiledTwice, "mid@1.0.0"),
        ]
    );
    let leaf = &findings[0].evidence["versions"][0];
    assert_eq!(leaf["only_host"], json!(["default", "std"]));
    assert_eq!(leaf["only_target"], json!([]));
    assert_eq!(
        leaf["host_path"],
        json!(["app 0.1.0", "gen 1.0.0", "leaf 1.0.0"])
    );
    assert_eq!(
        leaf["target_path"],
        json!(["app 0.1.0", "mid 1.0.0", "leaf 1.0.0"])
    );
    // mid's features agree; it differs only by the leaf below it.
    let mid = &findings[1].evidence["versions"][0];
    assert_eq!(mid["target_features"], mid["host_features"]);
    assert_eq!(mid["because"], json!(["leaf 1.0.0"]));

    // With the same features on both sides cargo builds each package once.
    package_mut(&mut m, "gen").dependencies[1].uses_default_features = false;
    assert!(run_on(&m, &RegistryIndex::default()).is_empty());
}

#[test]
fn features_enabled_only_for_other_platforms_do_not_count() {
    // `q` turns its optional `log 0.1` on only when `winsys` (a Windows dependency) asks.
    let mut q = pkg(
        "q",
        "1.0.0",
        vec![("log", "0.1.0", "^0.1", "normal", None, true)],
    );
    q.features = json!({"extra": ["dep:log"]});
    let mut app = app(vec![
        normal("q", "1.0.0", "^1"),
        normal("log", "0.2.0", "^0.2"),
        on_target(normal("winsys", "1.0.0", "^1"), "cfg(windows)"),
    ]);
    app.features = json!({});
    let m = metadata(&[
        app,
        q,
        pkg("winsys", "1.0.0", vec![normal("q", "1.0.0", "^1")]),
        leaf("log", "0.1.0"),
        leaf("log", "0.2.0"),
    ]);
    // The resolve holds q → log 0.1 (cargo unifies features over every platform); give
    // winsys's edge the feature so that the resolver sees who asks for it.
    let mut m = m;
    package_mut(&mut m, "winsys").dependencies[0].features = vec!["extra".to_owned()];
    let findings = run_on(&m, &RegistryIndex::default());
    assert_eq!(
        codes(&findings),
        [(FindingCode::DuplicateVersionOtherTarget, "log")]
    );

    // The same feature asked for on every platform makes it a host duplicate.
    package_mut(&mut m, "app").dependencies[0].features = vec!["extra".to_owned()];
    assert_eq!(
        codes(&run_on(&m, &RegistryIndex::default())),
        [(FindingCode::DuplicateVersion, "log")]
    );
}

#[test]
fn paths_are_shortest_from_a_member() {
    let m = c_below(
        &["x", "z"],
        vec![
            pkg("x", "1.0.0", vec![normal("y", "1.0.0", "^1")]),
            pkg("y", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
            pkg("z", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
        ],
    );
    let findings = run_on(&m, &RegistryIndex::default());
    let versions = &findings[0].evidence["versions"];
    assert_eq!(
        versions[0]["path"],
        json!(["app 0.1.0", "z 1.0.0", "c 1.0.0"])
    );
    assert_eq!(versions[1]["path"], json!(["app 0.1.0", "c 2.0.0"]));
}

/// app → each of `direct` (1.0.0, `^1`) and → c 2.0.0; `between` lead from those down to
/// c 1.0.0.
fn c_below<'a>(direct: &[&'a str], between: Vec<Pkg<'a>>) -> Metadata {
    let mut deps: Vec<Dep<'a>> = direct
        .iter()
        .map(|name| normal(name, "1.0.0", "^1"))
        .collect();
    deps.push(normal("c", "2.0.0", "^2"));
    let mut packages = vec![app(deps)];
    packages.extend(between);
    packages.extend([leaf("c", "1.0.0"), leaf("c", "2.0.0")]);
    metadata(&packages)
}

/// app → c 2.0.0, and app → p 1.0.0 → c 1.0.0 with `p_req` on c.
fn c_held_by_p(p_req: &str) -> Metadata {
    c_below(
        &["p"],
        vec![pkg("p", "1.0.0", vec![normal("c", "1.0.0", p_req)])],
    )
}

#[test]
fn cargo_update_when_every_requirement_admits_the_newest() {
    let m = c_held_by_p(">=1, <3");
    let findings = run_on(&m, &RegistryIndex::default());
    assert_eq!(findings[0].suggestions.len(), 1);
    assert_eq!(
        findings[0].suggestions[0].change,
        cargo_update("c@1.0.0", "2.0.0")
    );
    assert_eq!(
        findings[0].evidence["versions"][0]["dependents"][0]["admits_newest"],
        json!(true)
    );
}

#[test]
fn blocked_parents_are_named_and_unblocked_from_the_index() {
    let m = c_held_by_p("^1");
    let none = run_on(&m, &RegistryIndex::default());
    assert!(none[0].suggestions.is_empty());
    assert!(
        none[0].evidence["note"]
            .as_str()
            .unwrap()
            .contains("c 1.0.0 is held by p 1.0.0 (c ^1)")
    );

    // 1.1.0 is yanked, 1.2.0 still wants c 1, 1.3.0 moves to c 2.
    let index = index_of_p(&[
        ("1.0.0", &[("c", "^1")], false),
        ("1.1.0", &[("c", "^2")], true),
        ("1.2.0", &[("c", "^1")], false),
        ("1.3.0", &[("c", "^2")], false),
        ("2.0.0", &[], false),
    ]);
    let found = run_on(&m, &index);
    assert_eq!(
        found[0].suggestions[0].change,
        cargo_update("p@1.0.0", "1.3.0")
    );

    // Only a semver-incompatible release helps: a manual upgrade.
    let index = index_of_p(&[("2.0.0", &[], false)]);
    let release = unblocking_release(
        &index,
        "p",
        &Version::new(1, 0, 0),
        "c",
        &Version::new(2, 0, 0),
    )
    .unwrap();
    assert!(!release.compatible && release.drops_dependency);
    let manual = run_on(&m, &index);
    assert!(matches!(&manual[0].suggestions[0].change,
        SuggestedChange::Manual { text } if text.contains("require p 2.0.0 (from 1.0.0)")));
}

#[test]
fn requirements_are_matched_by_name_and_version() {
    let m = metadata(&[
        app(vec![
            normal("c", "1.2.0", "^1.1"),
            ("c", "1.2.0", "=1.2.0", "build", None, false),
        ]),
        leaf("c", "1.2.0"),
    ]);
    let graph = Graph::new(&m).unwrap();
    let requirement = requirement_on(graph.packages[0], graph.packages[1]);
    assert_eq!(requirement.reqs.len(), 2);
    assert!(requirement.admits(&Version::new(1, 2, 0)));
    assert!(!requirement.admits(&Version::new(1, 3, 0)));
    assert!(!Requirement { reqs: Vec::new() }.admits(&Version::new(1, 2, 0)));
}

#[test]
fn proc_macro_stacks_are_found_from_their_dependents() {
    let mut derive = pkg("my-derive", "1.0.0", vec![normal("helper", "1.0.0", "^1")]);
    derive.proc_macro = true;
    let m = metadata(&[
        app(vec![
            normal("my-derive", "1.0.0", "^1"),
            normal("syn", "2.0.0", "^2"),
        ]),
        derive,
        pkg("helper", "1.0.0", vec![normal("syn", "1.0.0", "^1")]),
        leaf("syn", "1.0.0"),
        leaf("syn", "2.0.0"),
    ]);
    let findings = run_on(&m, &RegistryIndex::default());
    let evidence = &findings[0].evidence;
    assert_eq!(evidence["proc_macro_stack"], json!(true));
    assert_eq!(
        evidence["versions"][0]["proc_macro_dependents"],
        json!(["my-derive 1.0.0"])
    );
    assert_eq!(evidence["versions"][1]["proc_macro_dependents"], json!([]));
    assert!(
        evidence["note"]
            .as_str()
            .unwrap()
            .starts_with("in a proc-macro stack (used by my-derive)")
    );
}

#[test]
fn lockfile_versions_outside_the_resolve_are_reported() {
    // An optional dependency that is off is in neither `packages` nor the resolve.
    let m = metadata(&[app(vec![normal("c", "1.0.0", "^1")]), leaf("c", "1.0.0")]);
    let lockfile = Lockfile::parse(
        std::path::Path::new("Cargo.lock"),
        "version = 4\n[[package]]\nname = \"c\"\nversion = \"1.0.0\"\n[[package]]\nname = \"c\"\nversion = \"2.0.0\"\n[[package]]\nname = \"d\"\nversion = \"1.0.0\"\n",
    )
    .unwrap();
    let graph = Graph::new(&m).unwrap();
    let findings = lockfile_only(&lockfile, &graph);
    assert_eq!(
        codes(&findings),
        [(FindingCode::DuplicateVersionLockfileOnly, "c")]
    );
    assert_eq!(
        findings[0].evidence["versions"][1]["in_resolve"],
        json!(false)
    );
}

#[test]
fn advice_ends_at_the_members_direct_dependency_and_skips_a_self_reexport() {
    // app → d 1 → p 1 → c 1, while app also uses c 2; only p 2 (semver-incompatible) drops c 1.
    let m = metadata(&[
        app(vec![normal("d", "1.0.0", "^1"), normal("c", "2.0.0", "^2")]),
        pkg("d", "1.0.0", vec![normal("p", "1.0.0", "^1")]),
        pkg("p", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
        pkg("c", "1.0.0", vec![normal("c", "2.0.0", "^2")]),
        leaf("c", "2.0.0"),
    ]);
    let index = index_of_p(&[("2.0.0", &[], false)]);
    let found = run_on(&m, &index);
    let summaries: Vec<&str> = found[0]
        .suggestions
        .iter()
        .map(|s| s.summary.as_str())
        .collect();
    // The user's move is their dependency d, named with the chain that holds c 1.
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert!(
        summaries[0].starts_with(
            "upgrade or replace app's dependency d 1.0.0: it holds d 1.0.0 → p 1.0.0 → c ^1"
        ),
        "{summaries:?}"
    );
    // c 1 depending on c 2 (the semver trick) is no advice about c itself.
    assert!(
        !summaries.iter().any(|s| s.contains("c 2.0.0 no longer")),
        "{summaries:?}"
    );
}

/// The index of `p`: 1.3.0 moves to c 2.
fn p_moves_to_c2() -> RegistryIndex {
    index_of_p(&[
        ("1.0.0", &[("c", "^1")], false),
        ("1.3.0", &[("c", "^2")], false),
    ])
}

#[test]
fn an_update_a_dependent_pins_against_is_a_manual_step() {
    // q requires p exactly, so `cargo update -p p@1.0.0 --precise 1.3.0` cannot succeed.
    let m = c_below(
        &["q"],
        vec![
            pkg("q", "1.0.0", vec![normal("p", "1.0.0", "=1.0.0")]),
            pkg("p", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
        ],
    );
    let found = run_on(&m, &p_moves_to_c2());
    let dup = found
        .iter()
        .find(|f| f.code == FindingCode::DuplicateVersion)
        .unwrap();
    assert_eq!(dup.suggestions.len(), 1, "{:?}", dup.suggestions);
    assert!(
        matches!(&dup.suggestions[0].change, SuggestedChange::Manual { text }
            if text.contains("together with q 1.0.0") && text.contains("-p p@1.0.0 -p q@1.0.0")),
        "{:?}",
        dup.suggestions[0]
    );
}

#[test]
fn updates_that_leave_the_version_held_are_not_suggested() {
    // p could move to c 2, but r holds c 1 with no compatible release that does not.
    let m = c_below(
        &["p", "r"],
        vec![
            pkg("p", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
            pkg("r", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
        ],
    );
    let found = run_on(&m, &p_moves_to_c2());
    let dup = &found[0];
    assert!(
        !dup.suggestions
            .iter()
            .any(|s| matches!(s.change, SuggestedChange::CargoUpdate { .. })),
        "{:?}",
        dup.suggestions
    );
    let note = dup.evidence["note"].as_str().unwrap();
    assert!(
        note.contains("could move p 1.0.0, but c 1.0.0 stays while r 1.0.0 holds it"),
        "{note}"
    );
    // With r gone, the update of p removes c 1 and is suggested.
    let m = c_held_by_p("^1");
    let found = run_on(&m, &p_moves_to_c2());
    assert_eq!(
        found[0].suggestions[0].change,
        cargo_update("p@1.0.0", "1.3.0")
    );
}

#[test]
fn an_update_that_would_add_packages_is_a_manual_step() {
    // p 1.3.0 takes c 2 but also needs d, which nothing in the resolve holds.
    let m = c_held_by_p("^1");
    let index = index_of_p(&[
        ("1.0.0", &[("c", "^1")], false),
        ("1.3.0", &[("c", "^2"), ("d", "^1")], false),
    ]);
    let found = run_on(&m, &index);
    assert!(
        matches!(&found[0].suggestions[0].change, SuggestedChange::Manual { text }
            if text.contains("if adding d ^1 is acceptable")),
        "{:?}",
        found[0].suggestions
    );
    // e ^1.2 is not what is held (1.0.0), but cargo moves e along: still an update.
    let m = metadata(&[
        app(vec![
            normal("p", "1.0.0", "^1"),
            normal("c", "2.0.0", "^2"),
            normal("e", "1.0.0", "^1"),
        ]),
        pkg("p", "1.0.0", vec![normal("c", "1.0.0", "^1")]),
        leaf("c", "1.0.0"),
        leaf("c", "2.0.0"),
        leaf("e", "1.0.0"),
    ]);
    let index = index_of_p(&[("1.3.0", &[("c", "^2"), ("e", "^1.2")], false)]);
    let found = run_on(&m, &index);
    assert!(
        matches!(
            &found[0].suggestions[0].change,
            SuggestedChange::CargoUpdate { .. }
        ),
        "{:?}",
        found[0].suggestions
    );
}
