//! `cargo tune pgo` for real on the bundled interpreter: llvm-profdata and llvm-bolt run, the
//! profile is produced, merged and used, BOLT rewrites the binary; and every kind of bad input
//! ends in a clear error with nothing left running and no profile kept.

#![expect(
    clippy::disallowed_methods,
    reason = "tests run the built binaries and send the signal a terminal would"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{
    TempWorkspace, assert_exit_code, fake_tools, field_strs, require_tool as require,
    toolchain_bin_dir,
};

use crate::cli;

/// About a tenth of a second per run in a release build.
const WORKLOAD: &str = "30000";

#[track_caller]
fn require_profdata() {
    require("llvm-profdata-22", "apt-get install llvm-22");
}

#[track_caller]
fn require_profdata_and_bolt() {
    require_profdata();
    require("llvm-bolt-22", "apt-get install bolt-22");
}

fn work_dir(ws: &TempWorkspace) -> PathBuf {
    ws.path("target/cargo-tune/pgo/interp")
}

#[track_caller]
fn assert_no_partial_profile(ws: &TempWorkspace) {
    assert!(
        !work_dir(ws).join("profiles").exists(),
        "a partial profile was kept"
    );
}

/// Processes whose executable lies under `root`: the workload binaries of a run.
fn processes_under(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(exe) = std::fs::read_link(entry.path().join("exe"))
            && exe.starts_with(root)
        {
            found.push(format!(
                "{} {}",
                entry.file_name().to_string_lossy(),
                exe.display()
            ));
        }
    }
    found
}

fn run_output(binary: &str) -> String {
    let out = std::process::Command::new(binary)
        .arg(WORKLOAD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{binary}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pgo_and_bolt_train_merge_use_the_profile_and_rewrite_the_binary() {
    require_profdata_and_bolt();
    let ws = TempWorkspace::fixture("pgo-interp");
    let json = cli(&ws)
        .line("pgo --bolt --training-runs 2 --runs 2 --format json --")
        .args([WORKLOAD])
        .run_json(exit_codes::OK);
    assert_eq!(json["package"], "interp");
    assert_eq!(json["workload"], serde_json::json!([WORKLOAD]));
    // Produced: one .profraw per training run; merged: a non-empty .profdata.
    let profile = &json["profile"];
    assert_eq!(profile["raw_files"], 2, "{profile}");
    assert!(profile["merged_bytes"].as_u64().unwrap() > 0, "{profile}");
    assert!(Path::new(profile["merged"].as_str().unwrap()).is_file());
    // Used: rustc read it with -pgo-warn-missing-function and found every function in it.
    assert_eq!(profile["missing_profile_warnings"], 0, "{profile}");
    let steps = json["steps"].as_array().unwrap();
    let optimised = steps
        .iter()
        .find(|s| s["name"] == "optimised build")
        .unwrap();
    assert!(
        optimised["command"]
            .as_str()
            .unwrap()
            .contains("-Cprofile-use="),
        "{optimised}"
    );
    assert_eq!(json["bolt_applied"], true);

    let variants = json["variants"].as_array().unwrap();
    assert_eq!(
        field_strs(&json["variants"], "name"),
        ["baseline", "pgo", "pgo+bolt"]
    );
    let binaries = field_strs(&json["variants"], "binary");
    // The profile changed the code, and the optimised binaries compute the same result.
    assert_ne!(
        std::fs::read(binaries[0]).unwrap(),
        std::fs::read(binaries[1]).unwrap(),
        "the PGO build is byte-identical to the baseline"
    );
    let expected = run_output(binaries[0]);
    for binary in &binaries[1..] {
        assert_eq!(run_output(binary), expected, "{binary}");
    }
    for v in variants {
        assert_eq!(v["runs_s"].as_array().unwrap().len(), 2, "{v}");
    }
    let comparisons = json["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 2);
    for c in comparisons {
        assert_eq!(c["pairs"], 2, "{c}");
        // Building with a profile costs at least the instrumented and the optimised builds.
        assert!(c["build_ratio"].as_f64().unwrap() > 1.0, "{c}");
    }
    // The human report names the verdicts and what rustc said about the profile.
    let human = cli(&ws)
        .args(["pgo", "--runs", "1", "--", WORKLOAD])
        .run()
        .assert_code(exit_codes::OK)
        .stdout();
    assert!(
        human.contains("rustc reported no missing profile data"),
        "{human}"
    );
    assert!(
        human.contains("baseline") && human.contains("pgo"),
        "{human}"
    );
}

#[test]
fn a_failing_workload_is_an_error_and_leaves_no_profile() {
    require_profdata();
    let ws = TempWorkspace::fixture("pgo-interp");
    let run = cli(&ws)
        .args(["pgo", "--", "fail"])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&[
        "error: failed to run the workload (training run 1)",
        "exit status: 3",
        "interp: asked to fail",
        "must make the binary exit successfully",
    ]);
    assert_no_partial_profile(&ws);
    assert!(!work_dir(&ws).join("merged.profdata").exists());
    assert!(run.stdout().is_empty());
}

#[test]
fn a_workload_past_the_timeout_is_stopped_with_everything_it_started() {
    require_profdata();
    let ws = TempWorkspace::fixture("pgo-interp");
    let started = Instant::now();
    cli(&ws)
        .args(["pgo", "--timeout", "1s", "--", "hang"])
        .run()
        .assert_code(exit_codes::SETUP)
        .assert_stderr_has(&["ran past the 1s timeout and was stopped", "raise --timeout"]);
    assert_no_partial_profile(&ws);
    assert!(started.elapsed() < Duration::from_secs(600));
    let left = processes_under(ws.root());
    assert!(left.is_empty(), "still running: {left:?}");
}

#[test]
fn ctrl_c_during_training_stops_the_workload_and_exits_130() {
    require_profdata();
    let ws = TempWorkspace::fixture("pgo-interp");
    let instrumented = work_dir(&ws).join("instrumented/release/interp");
    let out = cli(&ws)
        .args(["pgo", "--", "hang"])
        // Once the instrumented binary runs the hanging workload.
        .interrupt_when(Duration::from_secs(600), || {
            !processes_under(&instrumented).is_empty()
        });
    assert_exit_code(&out, exit_codes::INTERRUPTED);
    let left = processes_under(ws.root());
    assert!(left.is_empty(), "still running: {left:?}");
    assert_no_partial_profile(&ws);
}

#[test]
fn an_llvm_mismatch_names_what_is_installed_and_how_to_fix_it() {
    let ws = TempWorkspace::fixture("pgo-interp");
    let fake = fake_tools(&ws.path("fake-bin"), &["llvm-profdata-14"]);
    let path = std::env::join_paths([toolchain_bin_dir(), fake]).unwrap();
    let run = cli(&ws)
        .env("PATH", path)
        .args(["pgo", "--", WORKLOAD])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&[
        "find an llvm-profdata for LLVM ",
        "installed: llvm-profdata-14 (LLVM 14)",
        "apt-get install llvm-",
    ]);
    assert!(
        !ws.path("target/cargo-tune/pgo").exists(),
        "nothing is built"
    );
}

#[test]
fn bolt_refuses_a_stripped_binary_and_names_the_setting() {
    require_profdata_and_bolt();
    let ws = TempWorkspace::fixture("pgo-interp");
    let run = cli(&ws)
        .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
        .args(["pgo", "--bolt", "--", WORKLOAD])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&[
        "with BOLT: the release profile strips symbols (strip = \"symbols\", set in CARGO_PROFILE_RELEASE_STRIP)",
        "strip = false",
    ]);
    assert!(!work_dir(&ws).exists(), "refused before any build");

    // However the strip is set, it is refused with the fix, before BOLT runs.
    let run = cli(&ws)
        .args([
            "pgo",
            "--bolt",
            "--config",
            "profile.release.strip=\"symbols\"",
            "--",
            WORKLOAD,
        ])
        .run()
        .assert_code(exit_codes::SETUP);
    let err = run.stderr();
    assert!(
        err.contains("strips symbols") || err.contains("is stripped"),
        "{err}"
    );
    assert!(err.contains("strip = false"), "{err}");
    assert!(!work_dir(&ws).join("bolt").exists(), "BOLT never ran");
}

#[test]
fn pgo_without_a_binary_or_with_an_unknown_package_is_a_usage_error() {
    let ws = TempWorkspace::fixture("pgo-interp");
    for (args, expected) in [
        (&["-p", "nope"][..], "expected one of: interp"),
        (&["-p", "interp", "--bin", "other"], "interp has: interp"),
    ] {
        cli(&ws)
            .args(["pgo"])
            .args(args)
            .args(["--", WORKLOAD])
            .run()
            .assert_code(exit_codes::USAGE)
            .assert_stderr_has(&[expected]);
    }
}
