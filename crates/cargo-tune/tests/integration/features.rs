//! `cargo tune features` on the `features` fixture (optional dependencies with and without
//! `dep:`, a weak `?/` feature, a feature of another member, target-specific dependencies, two
//! versions of one package, a proc-macro, a dev-dependency that adds a feature): every fact
//! against cargo run independently with the same flags, the matrix's claims by building, the
//! model of cargo hack's lists against cargo hack, and the bad inputs.

#![expect(
    clippy::disallowed_methods,
    reason = "the tests run cargo to check cargo-tune's claims"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{
    CargoTuneCli, TempWorkspace, assert_exit_code, cargo, cargo_with_env, find_by, require_tool,
    unit_graph_of,
};
use serde_json::Value;

use crate::{LoggingCargo, cli};

fn features(ws: &TempWorkspace, args: &[&str]) -> CargoTuneCli {
    cli(ws).args(["features", "--offline"]).args(args)
}

fn report(ws: &TempWorkspace, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    features(ws, &all).run_json(exit_codes::OK)
}

fn flags(set: &Value) -> Vec<String> {
    set["flags"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn strs(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// `name@version` of every package `cargo tree` shows, read from `name vX.Y.Z (…)` lines.
fn tree_packages(root: &Path, args: &[&str]) -> BTreeSet<String> {
    cargo(root, args)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?;
            let version = words.next()?.strip_prefix('v')?;
            Some(format!("{name}@{version}"))
        })
        .collect()
}

#[test]
fn every_set_agrees_with_cargo_run_with_the_same_flags() {
    let ws = TempWorkspace::fixture("features");
    let r = report(&ws, &[]);
    let sets = r["sets"].as_array().unwrap();
    let ids: Vec<&str> = sets.iter().map(|s| s["id"].as_str().unwrap()).collect();
    // Every kind: standard sets, each feature (implicit `logx` included), the declared group.
    for id in [
        "app:default",
        "app:no-default",
        "app:all-features",
        "app:fast",
        "app:logx",
        "app:tracing",
        "app:@dev",
        "kernel:testing",
        "derive:default",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let mut test_differs = 0;
    for set in sets {
        let id = set["id"].as_str().unwrap();
        let f = flags(set);
        let args: Vec<&str> = f.iter().map(String::as_str).collect();
        // Units: cargo's own unit graph of the same build, and of the tests.
        let build = unit_graph_of(ws.root(), &["build"], &args, &[]);
        let test = unit_graph_of(ws.root(), &["test", "--no-run"], &args, &[]);
        let units = &set["units"];
        assert_eq!(
            units["count"],
            build["units"].as_array().unwrap().len(),
            "{id}"
        );
        assert_eq!(
            set["test_units"]["count"],
            test["units"].as_array().unwrap().len(),
            "{id}"
        );
        // Packages: what `cargo tree` walks over normal and build edges for the host.
        let mut tree_args = vec![
            "tree",
            "--offline",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ];
        tree_args.extend(&args);
        assert_eq!(
            strs(&units["packages"]),
            tree_packages(ws.root(), &tree_args),
            "{id}"
        );
        // Duplicates: what `cargo tree -d` lists, at the top of each inverted tree.
        let mut dup_args = vec![
            "tree",
            "--offline",
            "-d",
            "-e",
            "normal,build",
            "--depth",
            "0",
            "--prefix",
            "none",
        ];
        dup_args.extend(&args);
        let mut dups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for p in tree_packages(ws.root(), &dup_args) {
            let (name, version) = p.split_once('@').unwrap();
            dups.entry(name.to_owned())
                .or_default()
                .insert(version.to_owned());
        }
        let ours: BTreeMap<String, BTreeSet<String>> = units["duplicates"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|d| (d["name"].as_str().unwrap().to_owned(), strs(&d["versions"])))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(ours, dups, "{id}");
        // The dev-dependency's feature: kernel is built with `testing` for the tests only.
        let kernel_testing = |g: &Value| {
            g["units"].as_array().unwrap().iter().any(|u| {
                u["pkg_id"].as_str().unwrap().contains("kernel")
                    && u["features"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f == "testing")
            })
        };
        if id.starts_with("app:") && id != "app:all-features" {
            assert!(!kernel_testing(&build) && kernel_testing(&test), "{id}");
            test_differs += 1;
        }
    }
    assert!(test_differs >= 8);
    let set = |id: &str| sets.iter().find(|s| s["id"] == id).unwrap();
    // Two versions of fmtlib come with `json`; the weak feature alone turns nothing on.
    assert_eq!(set("app:json")["units"]["duplicates"][0]["name"], "fmtlib");
    assert!(strs(&set("app:tracing")["units"]["added_packages"]).is_empty());
    assert_eq!(
        strs(&set("app:macros")["units"]["proc_macros"]),
        BTreeSet::from(["derive@0.1.0".to_owned()])
    );
    // A feature of another member: kernel is built with `simd`, one unit more than none.
    assert!(set("app:fast")["units"]["added_units"].as_u64().unwrap() >= 1);
    // The Windows-only dependency is never built here, the Unix one always is.
    assert!(strs(&set("app:no-default")["units"]["packages"]).contains("unixonly@0.1.0"));
    assert!(!strs(&set("app:all-features")["units"]["packages"]).contains("winonly@0.1.0"));
    assert_eq!(set("app:@dev")["same_build_as"], "app:net");
}

/// `cargo build --message-format=json` in `target`: whether every unit was fresh.
fn build_all_fresh(root: &Path, target: &Path, flags: &[String]) -> bool {
    let mut args = vec!["build", "--offline", "--message-format=json"];
    args.extend(flags.iter().map(String::as_str));
    cargo_with_env(root, &args, &[("CARGO_TARGET_DIR", target.as_os_str())])
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .all(|m| m["fresh"] == true)
}

#[test]
fn sets_of_one_build_and_the_sets_a_matrix_build_covers_build_nothing_more() {
    let ws = TempWorkspace::fixture("features");
    let r = report(&ws, &["--ci", "build"]);
    let sets = r["sets"].as_array().unwrap();
    let flags_of = |id: &str| {
        flags(
            sets.iter()
                .find(|s| s["id"] == id)
                .unwrap_or_else(|| panic!("{id}")),
        )
    };
    let mut checked = 0;
    // Equal builds: build one, then the other finds every unit fresh.
    for set in sets.iter().filter(|s| s["same_build_as"].is_string()) {
        let target = ws.path(&format!("target/same-{checked}"));
        build_all_fresh(
            ws.root(),
            &target,
            &flags_of(set["same_build_as"].as_str().unwrap()),
        );
        assert!(
            build_all_fresh(ws.root(), &target, &flags(set)),
            "{}",
            set["id"]
        );
        checked += 1;
    }
    assert!(checked >= 2, "{checked}");
    // Every set a matrix build covers: after that build, all fresh.
    let builds = r["matrix"]["builds"].as_array().unwrap();
    for (i, b) in builds.iter().enumerate() {
        let target = ws.path(&format!("target/matrix-{i}"));
        build_all_fresh(ws.root(), &target, &flags(b));
        for covered in b["covers"].as_array().unwrap() {
            let covered = covered.as_str().unwrap();
            let f = if covered.contains(":[") {
                // One of cargo hack's sets, named by its flags.
                let inner = covered.split_once(":[").unwrap().1.trim_end_matches(']');
                let mut f = vec![
                    "-p".to_owned(),
                    covered.split(':').next().unwrap().to_owned(),
                ];
                f.extend(inner.split_whitespace().map(str::to_owned));
                f
            } else {
                flags_of(covered)
            };
            assert!(
                build_all_fresh(ws.root(), &target, &f),
                "{covered} after {}",
                b["flags"]
            );
        }
    }
    // Every feature of every member is turned on by one build or another.
    assert_eq!(r["matrix"]["covers_every_feature"], true);
    assert!(builds.len() < r["matrix"]["each_feature"]["builds"].as_u64().unwrap() as usize);
}

#[test]
fn the_model_of_cargo_hack_lists_what_cargo_hack_lists() {
    require_tool("cargo-hack", "cargo install --locked cargo-hack");
    let ws = TempWorkspace::fixture("features");
    let r = report(&ws, &[]);
    assert!(
        r["matrix"]["powerset"]["source"]
            .as_str()
            .unwrap()
            .ends_with("--print-command-list"),
        "{}",
        r["matrix"]["powerset"]
    );
    // Without cargo hack on PATH, the model answers: the same number of builds and of
    // distinct builds.
    let path = std::env::var_os("PATH").unwrap();
    let without: Vec<_> = std::env::split_paths(&path)
        .filter(|d| !d.join("cargo-hack").is_file())
        .collect();
    let bin = ws.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(
        Path::new(
            &String::from_utf8(
                Command::new("rustup")
                    .args(["which", "cargo"])
                    .output()
                    .unwrap()
                    .stdout,
            )
            .unwrap()
            .trim(),
        ),
        bin.join("cargo"),
    )
    .unwrap();
    let mut dirs = vec![bin];
    dirs.extend(without);
    let modelled = features(&ws, &["--format", "json"])
        .env("PATH", std::env::join_paths(dirs).unwrap())
        .run_json(exit_codes::OK);
    for list in ["each_feature", "powerset"] {
        let (a, b) = (&r["matrix"][list], &modelled["matrix"][list]);
        assert!(b["source"].as_str().unwrap().contains("model"), "{b}");
        assert_eq!(a["builds"], b["builds"], "{list}");
        assert_eq!(a["distinct_builds"], b["distinct_builds"], "{list}");
    }
}

#[test]
fn workers_resolve_side_by_side_in_cargo_homes_of_their_own() {
    let ws = TempWorkspace::fixture("features");
    let cargo = LoggingCargo::with_homes(&ws, "");
    let report = features(&ws, &["--format", "json"])
        .env("CARGO", cargo.path())
        .run_json(exit_codes::OK);
    let homes = cargo.graph_homes();
    assert!(!homes.is_empty(), "graphs asked");
    assert_eq!(report["resolves"]["cargo_calls"], homes.len());
    let beside: BTreeSet<&str> = homes
        .iter()
        .map(String::as_str)
        .filter(|h| Path::new(h).starts_with(ws.path("target/cargo-tune")))
        .collect();
    assert!(!beside.is_empty(), "{homes:?}");
    assert!(
        beside.iter().all(|h| h.contains("cargo-home-")),
        "{beside:?}"
    );
    // The first worker stays in the user's home.
    assert!(
        homes
            .iter()
            .any(|h| !Path::new(h).starts_with(ws.path("target/cargo-tune"))),
        "{homes:?}"
    );
}

#[test]
fn a_graph_that_fails_beside_is_asked_again_in_the_users_home() {
    let ws = TempWorkspace::fixture("features");
    let cargo = LoggingCargo::with_homes(
        &ws,
        "case \"${CARGO_HOME:-}\" in */cargo-home-*) echo broken >&2; exit 101;; esac",
    );
    let broken = features(&ws, &["--format", "json"])
        .env("CARGO", cargo.path())
        .run_json(exit_codes::OK);
    let homes = cargo.graph_homes();
    let side = ws.path("target/cargo-tune");
    let beside = homes
        .iter()
        .filter(|h| Path::new(h).starts_with(&side))
        .count();
    assert!(beside > 0, "{homes:?}");
    // Each failure beside was asked again in the user's home.
    assert_eq!(
        homes.len() - beside,
        broken["resolves"]["cargo_calls"].as_u64().unwrap() as usize,
        "{homes:?}"
    );
    assert_eq!(
        broken["sets"],
        report(&TempWorkspace::fixture("features"), &[])["sets"]
    );
}

#[test]
fn the_graphs_are_kept_until_a_manifest_changes() {
    let ws = TempWorkspace::fixture("features");
    let first = report(&ws, &[]);
    assert!(first["resolves"]["cargo_calls"].as_u64().unwrap() > 0);
    let again = report(&ws, &[]);
    assert_eq!(again["resolves"]["cargo_calls"], 0);
    assert_eq!(again["sets"], first["sets"]);
    // A new feature: asked of cargo again, and there.
    let manifest = ws
        .read("kernel/Cargo.toml")
        .replace("trace = []", "trace = []\nextra = []");
    ws.write("kernel/Cargo.toml", &manifest);
    let changed = report(&ws, &[]);
    assert!(changed["resolves"]["cargo_calls"].as_u64().unwrap() > 0);
    assert!(
        changed["sets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "kernel:extra")
    );
}

#[test]
fn bad_names_are_refused_with_the_features_there_are() {
    let ws = TempWorkspace::fixture("features");
    let typo = features(&ws, &["--measure", "app:jsno"])
        .run()
        .assert_code(exit_codes::USAGE);
    typo.assert_stderr_has(&["no feature set `app:jsno`", "did you mean `app:json`?"]);
    let dev = features(&ws, &["--dev-features", "nett"])
        .run()
        .assert_code(exit_codes::USAGE);
    dev.assert_stderr_has(&[
        "`app` has no feature `nett`",
        "its features: default, fast, json",
        "did you mean `net`?",
    ]);
    // A group in the manifest: a setup error pointing at it.
    let root = ws.read("Cargo.toml");
    ws.write(
        "Cargo.toml",
        &root.replace("dev = [\"net\"]", "dev = [\"tokio/rt\"]"),
    );
    let stranger = features(&ws, &[]).run().assert_code(exit_codes::SETUP);
    stranger.assert_stderr_has(&[
        "Cargo.toml:10:1",
        "names package `tokio`, which is not a dependency of",
    ]);
    // A dependency's feature that does not exist: cargo's reason, exit 96.
    ws.write(
        "Cargo.toml",
        &root.replace("dev = [\"net\"]", "dev = [\"wire/nonexistent\"]"),
    );
    let rejected = features(&ws, &[]).run().assert_code(exit_codes::SETUP);
    rejected.assert_stderr_has(&["cargo rejects the feature set app:@dev", "nonexistent"]);
}

#[test]
fn the_cap_says_what_it_left_out_and_all_sets_lifts_it() {
    let ws = TempWorkspace::fixture("features");
    let capped = report(&ws, &["--max-sets", "12"]);
    let left: usize = capped["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["features"].as_array().unwrap().len())
        .sum();
    assert_eq!(capped["sets"].as_array().unwrap().len(), 12);
    let all = report(&ws, &["--all-sets"]);
    assert_eq!(all["sets"].as_array().unwrap().len(), 12 + left);
    assert!(all["left_out"].is_null());
}

#[test]
fn measured_sets_sit_beside_their_predictions_and_ctrl_c_leaves_nothing() {
    let ws = TempWorkspace::fixture("features");
    cli(&ws)
        .args(["timings", "--offline", "--format", "json"])
        .run()
        .assert_code(exit_codes::OK);
    let r = report(
        &ws,
        &["--measure", "app:no-default", "app:@dev", "app:default"],
    );
    let set = |id: &str| find_by(&r["sets"], "id", id).unwrap().clone();
    for id in ["app:no-default", "app:@dev", "app:default"] {
        let s = set(id);
        assert!(s["predicted_s"].as_f64().unwrap() > 0.0, "{s}");
        assert!(s["measured_s"].as_f64().unwrap() > 0.0, "{s}");
        assert!(
            s["measured"]["target_dir_bytes"].as_u64().unwrap() > 0,
            "{s}"
        );
        assert!(
            s["measured"]["check"]["wall_s"]["median"].as_f64().unwrap() > 0.0,
            "{s}"
        );
    }
    let dev = &r["dev_loop"][0];
    assert_eq!(dev["set"], "app:@dev");
    assert!(
        dev["alias"]
            .as_str()
            .unwrap()
            .contains("dev = \"build -p app --no-default-features --features net\"")
    );
    assert!(dev["switch"]["measured_s"].as_f64().unwrap() > 0.0, "{dev}");
    // The report page draws the saved document: a bar per measured set, the matrix.
    let page = cli(&ws)
        .args(["report", "--offline", "--format", "json"])
        .run_json(exit_codes::OK);
    assert_eq!(page["features"]["sets"], r["sets"]);
    cli(&ws)
        .args(["report", "--offline"])
        .run()
        .assert_code(exit_codes::OK);
    let html = std::fs::read_to_string(ws.path("target/cargo-tune/report.html")).unwrap();
    assert!(html.contains("<h2>Feature sets</h2>") && html.contains("CI matrix"));
    assert!(
        html.contains("app:@dev") && html.contains("-p app --no-default-features --features net")
    );
    // Ctrl-C while a set builds: exit 130 and no half-built target directory.
    let features_dir = ws.path("target/cargo-tune/features");
    let _ = std::fs::remove_dir_all(&features_dir);
    let out = features(&ws, &["--measure", "app:all-features"])
        .interrupt_when(Duration::from_secs(120), || {
            features_dir.join("check").is_dir()
        });
    assert_exit_code(&out, exit_codes::INTERRUPTED);
    for scenario in ["check", "dev-clean"] {
        let dir = features_dir.join(scenario).join("app_all-features");
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
}
