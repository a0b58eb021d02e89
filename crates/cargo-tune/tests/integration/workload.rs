//! Run time as a measured scenario: `try` and `plan --goal release` run a workload with each
//! variant's own build, interleaved like the builds, and compare run times and sizes beside the
//! build times; a workload that fails or hangs marks that variant, and a binary the workspace
//! does not build is refused with the names it does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{TempWorkspace, cargo, field_strs, find_by};
use serde_json::Value;

use crate::cli;

/// Steps of `spin`: a few hundredths of a second optimised, ten times that at opt-level 0.
const STEPS: &str = "20000000";

fn size(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len()
}

/// The binary `spin` a variant's release-clean build left.
fn built(ws: &TempWorkspace, variant: &str, profile_dir: &str) -> PathBuf {
    ws.path(&format!(
        "target/cargo-tune/release-clean/{variant}/{profile_dir}/spin"
    ))
}

fn outcome<'a>(json: &'a Value, variant: &str) -> &'a Value {
    find_by(&json["scenarios"][0]["variants"], "variant", variant)
        .unwrap_or_else(|| panic!("no outcome of {variant}: {json}"))
}

#[test]
fn try_compares_run_time_and_size_with_each_variants_own_build_of_a_custom_profile() {
    let ws = TempWorkspace::fixture("release-workload");
    let json = cli(&ws)
        .line("try opt-level=0 --profile release-fast --scenario release-clean --runs 1")
        .line("--workload-bin spin --workload-runs 3 --format json --no-history --")
        .args([STEPS])
        .run_json(exit_codes::OK);
    // The preset set the profile measured, which release-clean built with --profile.
    assert_eq!(
        json["variants"][1]["expanded"],
        serde_json::json!(["profile.release-fast.opt-level=0"])
    );
    assert_eq!(json["context"]["profile"], "release-fast");
    let workload = &json["context"]["workload"];
    assert_eq!(workload["command"], serde_json::json!(["spin", STEPS]));
    assert_eq!(workload["runs"], 3);
    for variant in ["baseline", "candidate-1"] {
        let o = outcome(&json, variant);
        assert_eq!(o["runtime"]["runs_s"].as_array().unwrap().len(), 3, "{o}");
        assert!(o["runtime"]["failure"].is_null(), "{o}");
        // The size is that of the binary the variant's own build left in target/<profile>.
        assert_eq!(
            o["binary_bytes"].as_u64().unwrap(),
            size(&built(&ws, variant, "release-fast")),
            "{variant}"
        );
        assert!(
            o["runtime"]["command"]
                .as_str()
                .unwrap()
                .contains(&format!("release-clean/{variant}/release-fast/spin")),
            "{o}"
        );
    }
    // cargo itself, building the same settings, makes a binary of the same size.
    let by_hand = ws.path("by-hand");
    cargo(
        ws.root(),
        &[
            "build",
            "--profile",
            "release-fast",
            "--config",
            "profile.release-fast.opt-level=0",
            "--target-dir",
            by_hand.to_str().unwrap(),
        ],
    );
    assert_eq!(
        outcome(&json, "candidate-1")["binary_bytes"]
            .as_u64()
            .unwrap(),
        size(&by_hand.join("release-fast/spin"))
    );
    let c = &json["scenarios"][0]["comparisons"][0];
    assert!(c["ratio"].as_f64().is_some(), "the build ratio beside: {c}");
    let ratio = c["runtime_ratio"].as_f64().unwrap();
    assert!(
        ratio > 2.0,
        "opt-level 0 runs the loop several times slower: {c}"
    );
    assert_eq!(c["runtime_verdict"], "slower", "{c}");
    assert_eq!(c["runtime_pairs"], 3);
    let sizes = outcome(&json, "candidate-1")["binary_bytes"]
        .as_f64()
        .unwrap()
        / outcome(&json, "baseline")["binary_bytes"].as_f64().unwrap();
    assert!(
        (c["size_ratio"].as_f64().unwrap() - sizes).abs() < 1e-9,
        "{c}"
    );
}

/// Processes whose executable lies under `root`.
fn processes_under(root: &Path) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let exe = std::fs::read_link(e.path().join("exe")).ok()?;
            exe.starts_with(root).then(|| exe.display().to_string())
        })
        .collect()
}

#[test]
fn a_workload_that_fails_or_hangs_marks_its_variants_and_keeps_the_builds() {
    let ws = TempWorkspace::fixture("release-workload");
    let run = cli(&ws)
        .line("try opt-level=2 --scenario release-clean --runs 1 --workload-bin spin")
        .line("--workload-runs 2 --format json --no-history -- fail")
        .run()
        .assert_code(exit_codes::BUILD_FAILED);
    run.assert_stderr_has(&["the workload failed with 2 variant's builds"]);
    let json = run.json();
    for variant in ["baseline", "candidate-1"] {
        let o = outcome(&json, variant);
        let f = &o["runtime"]["failure"];
        assert_eq!(f["during"], "workload warm-up", "{o}");
        assert_eq!(f["status"], "exit status: 3", "{o}");
        assert!(
            f["last_lines"]
                .to_string()
                .contains("spin: refusing the input `fail`"),
            "{o}"
        );
        // The build was measured all the same.
        assert_eq!(o["runs"].as_array().unwrap().len(), 1, "{o}");
    }
    let c = &json["scenarios"][0]["comparisons"][0];
    assert_eq!(c["runtime_verdict"], "failed", "{c}");
    assert!(
        c["runtime_ratio"].is_null() && c["ratio"].as_f64().is_some(),
        "{c}"
    );

    let started = Instant::now();
    let run = cli(&ws)
        .line("try opt-level=2 --scenario release-clean --runs 1 --workload-bin spin")
        .line("--timeout 1s --no-history -- hang")
        .run()
        .assert_code(exit_codes::BUILD_FAILED);
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "{:?}",
        started.elapsed()
    );
    run.assert_stdout_has(&[
        "the workload failed with baseline's build in release-clean during its workload warm-up (killed after the timeout of 1s)",
        "the workload failed with candidate-1's build",
    ]);
    assert!(
        processes_under(ws.root()).is_empty(),
        "{:?}",
        processes_under(ws.root())
    );
}

#[test]
fn a_binary_the_workspace_does_not_build_is_refused_with_the_names_it_does() {
    let ws = TempWorkspace::fixture("release-workload");
    cli(&ws)
        .line("try opt-level=2 --scenario release-clean --workload-bin rg -- -c fn")
        .run()
        .assert_code(exit_codes::USAGE)
        .assert_stderr_has(&[
            "--workload-bin rg: no workspace member has a binary target `rg`; the workspace builds: spin",
        ]);
    cli(&ws)
        .line("plan --goal release --budget 5m")
        .run()
        .assert_code(exit_codes::USAGE)
        .assert_stderr_has(&["--workload-bin NAME -- ARGS"]);
    cli(&ws)
        .line("try opt-level=2 --scenario check --workload-bin spin")
        .run()
        .assert_code(exit_codes::USAGE)
        .assert_stderr_has(&["--scenario release-clean"]);
    assert!(!ws.path("target/cargo-tune/release-clean").exists());
}

#[test]
fn plan_release_races_run_time_within_the_build_limit_and_records_the_front() {
    let ws = TempWorkspace::fixture("release-workload");
    let record = cli(&ws)
        .line("plan --goal release --runs 1 --budget 20m --workload-bin spin --workload-runs 3")
        .line("--format json --no-history --")
        .args([STEPS])
        .run_json(exit_codes::OK);
    let rejected = |id: &str| {
        find_by(&record["rejected"], "candidate", id)
            .map(|r| r["reason"].as_str().unwrap().to_owned())
    };
    // cargo's release defaults are in effect in the fixture.
    for id in [
        "release-lto-false",
        "release-codegen-units-16",
        "release-opt-level-3",
    ] {
        assert!(
            rejected(id).is_some_and(|r| r.starts_with("already in effect")),
            "{id}: {:?}",
            rejected(id)
        );
    }
    let release = &record["release"];
    assert_eq!(release["max_build_ratio"], 1.5);
    assert_eq!(
        release["workload"]["command"],
        serde_json::json!(["spin", STEPS])
    );
    let front = release["front"].as_array().unwrap();
    assert!(!front.is_empty());
    // Every measured candidate has its run time and size beside its build ratio.
    for c in record["candidates"].as_array().unwrap() {
        for m in c["measured"].as_array().into_iter().flatten() {
            assert!(m["runtime_verdict"].is_string(), "{m}");
            assert!(m["size_ratio"].as_f64().is_some(), "{m}");
        }
    }
    // The choice is the plan's steps, and a point of the front within the limit.
    let steps = field_strs(&record["steps"], "candidate");
    assert_eq!(release["chosen"], serde_json::json!(steps));
    if !steps.is_empty() {
        let point = front
            .iter()
            .find(|p| p["candidates"] == serde_json::json!(steps))
            .unwrap_or_else(|| panic!("the choice is on the front: {release}"));
        assert_eq!(point["within_build_limit"], true);
    }
    let native = front
        .iter()
        .find(|p| p["candidates"] == serde_json::json!(["release-target-cpu-native"]));
    if let Some(native) = native {
        assert_eq!(native["non_portable"], true);
    }
    // The record on disk says the same and is read back by apply.
    let toml = ws.read("cargo-tune-plan.toml");
    assert!(toml.contains("[release]"), "{toml}");
    cli(&ws)
        .line("apply --plan cargo-tune-plan.toml")
        .run()
        .assert_code(exit_codes::OK);
}
