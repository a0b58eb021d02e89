//! End-to-end measurements on the bundled fixtures. Every test uses one measured run (or two)
//! and the check or dev scenarios, so the whole set stays within a few minutes on two cores.

use std::path::Path;
use std::time::{Duration, SystemTime};

use cargo_tune_test_support::{TempWorkspace, assert_exit_code, field_strs, find_by};
use serde_json::Value;

use crate::{cli, fixture_json};

const TOUCHED: &str = "crates/app/src/main.rs";

/// Runs `line` in `ws` and expects a usage error whose message holds every one of `needles`.
#[track_caller]
fn assert_usage_error(ws: &TempWorkspace, line: &str, needles: &[&str]) {
    cli(ws)
        .line(line)
        .run()
        .assert_code(2)
        .assert_stderr_has(needles);
}

/// The showcase workspace, its edited file given an old mtime so that a restore to "now" could
/// not pass by accident, and that file's bytes and mtime as a run must leave them.
fn showcase_aged() -> (TempWorkspace, Touched) {
    let ws = TempWorkspace::fixture("showcase");
    let original = ws.read(TOUCHED);
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    std::fs::File::options()
        .write(true)
        .open(ws.path(TOUCHED))
        .unwrap()
        .set_times(std::fs::FileTimes::new().set_modified(mtime))
        .unwrap();
    (ws, Touched { original, mtime })
}

struct Touched {
    original: String,
    mtime: SystemTime,
}

impl Touched {
    fn assert_restored(&self, ws: &TempWorkspace) {
        assert_eq!(ws.read(TOUCHED), self.original, "bytes restored");
        let now = std::fs::metadata(ws.path(TOUCHED))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(now, self.mtime, "mtime restored");
    }
}

/// The JSON with every measured number, path, toolchain string and timing-dependent verdict
/// replaced, so that the snapshot pins the document's shape and the values that must not vary.
/// Byte counts are checked to be integers on the way.
pub(crate) fn shape(value: &Value, root: &str, key: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                // Present only for an inconclusive verdict, which depends on the timings.
                .filter(|(k, _)| *k != "more_runs")
                // The median, min and max of a byte count are byte counts too.
                .map(|(k, v)| {
                    let of = if key.ends_with("_bytes") { key } else { k };
                    (k.clone(), shape(v, root, of))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| shape(v, root, key)).collect()),
        Value::Number(_) if matches!(key, "format_version" | "runs" | "pairs" | "confidence") => {
            value.clone()
        }
        Value::Number(n) if key.ends_with("_bytes") => {
            assert!(n.is_u64(), "{key} = {n} is not a whole number of bytes");
            Value::String("<bytes>".into())
        }
        Value::Number(_) => Value::String("<number>".into()),
        Value::Bool(_) if key == "best" => Value::String("<bool>".into()),
        Value::String(_) if matches!(key, "rustc" | "cargo" | "host" | "version" | "verdict") => {
            Value::String(format!("<{key}>"))
        }
        Value::String(s) => Value::String(s.replace(root, "<workspace>")),
        other => other.clone(),
    }
}

#[test]
fn bench_reports_every_metric_restores_the_edit_and_appends_history() {
    let (ws, touched) = showcase_aged();
    let json = cli(&ws)
        .line("bench --scenario check,dev-incremental --runs 1 --format json")
        .run_json(0);
    touched.assert_restored(&ws);
    assert_eq!(json["command"], "bench");
    assert_eq!(json["variants"][0]["name"], "baseline");
    let scenarios = json["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    for s in scenarios {
        assert_eq!(s["rounds"], serde_json::json!([["baseline"]]));
        assert!(s.get("comparisons").is_none(), "bench compares nothing");
        let m = &s["variants"][0]["runs"][0];
        assert!(m["wall_s"].as_f64().unwrap() > 0.0);
        assert!(m["user_s"].as_f64().unwrap() + m["sys_s"].as_f64().unwrap() > 0.0);
        // Several rustc processes run at once, so the tree's peak exceeds the largest one.
        assert!(m["peak_tree_rss_bytes"].as_u64().unwrap() > 10 << 20, "{m}");
        assert!(
            m["max_process_rss_bytes"].as_u64().unwrap() > 10 << 20,
            "{m}"
        );
        assert!(m["artifact_bytes"].as_u64().unwrap() > 0);
        let summary = &s["variants"][0]["summary"];
        assert_eq!(summary["wall_s"]["median"], m["wall_s"]);
        assert_eq!(summary["artifact_bytes"]["median"], m["artifact_bytes"]);
    }
    let check = &scenarios[0]["variants"][0]["runs"][0];
    let incremental = &scenarios[1]["variants"][0]["runs"][0];
    assert!(
        check["units_rebuilt"].as_u64().unwrap() >= 10,
        "a clean check compiles every unit: {check}"
    );
    assert_eq!(
        incremental["units_rebuilt"], 1,
        "only the edited leaf crate is rebuilt: {incremental}"
    );
    assert_eq!(json["context"]["touched_file"], TOUCHED);
    assert_eq!(
        json["context"]["memory_method"]["kind"],
        "proc-tree-sampling"
    );

    let history = std::fs::read_to_string(ws.path("target/cargo-tune/history.jsonl")).unwrap();
    let lines: Vec<Value> = history
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["command"], "bench");
    assert_eq!(lines[0]["context"]["jobs"], json["context"]["jobs"]);
    assert_eq!(lines[0]["results"].as_array().unwrap().len(), 2);

    let root = ws.root().display().to_string();
    insta::assert_json_snapshot!("bench_json_shape", shape(&json, &root, ""));
}

#[test]
fn try_a_profile_override_compares_interleaved_pairs() {
    let (ws, touched) = showcase_aged();
    let json = cli(&ws)
        .line("try profile.dev.debug=\"line-tables-only\" --scenario dev-incremental --runs 2 --format json")
        .run_json(0);
    touched.assert_restored(&ws);
    assert_eq!(json["command"], "try");
    assert_eq!(json["variants"][0]["name"], "baseline");
    assert_eq!(json["variants"][0]["config"], serde_json::json!([]));
    assert_eq!(json["variants"][1]["name"], "candidate-1");
    assert_eq!(
        json["variants"][1]["config"],
        serde_json::json!(["profile.dev.debug=\"line-tables-only\""])
    );
    let s = &json["scenarios"][0];
    assert_eq!(s["scenario"], "dev-incremental");
    let c = &s["comparisons"][0];
    assert_eq!(c["candidate"], "candidate-1");
    assert_eq!(c["pairs"], 2);
    let (base, cand) = (walls(s, 0), walls(s, 1));
    // The geometric mean of the per-pair ratios.
    let expected_ratio = (cand[0] / base[0] * cand[1] / base[1]).sqrt();
    assert!((c["ratio"].as_f64().unwrap() - expected_ratio).abs() < 1e-9);
    assert!((c["baseline_median"].as_f64().unwrap() - (base[0] + base[1]) / 2.0).abs() < 1e-9);
    assert_eq!(c["interval"]["confidence"], 0.95);
    assert_verdict_follows_interval(c);
    let root = ws.root().display().to_string();
    insta::assert_json_snapshot!("try_json_shape", shape(&json, &root, ""));

    // The override really reached cargo: the candidate's binary carries less debug info.
    let size = |variant: &str| {
        std::fs::metadata(ws.path(&format!(
            "target/cargo-tune/dev-incremental/{variant}/debug/app"
        )))
        .unwrap()
        .len()
    };
    assert!(
        size("candidate-1") < size("baseline"),
        "{} vs {}",
        size("candidate-1"),
        size("baseline")
    );

    let human = cli(&ws)
        .line("try debug=0 --scenario dev-incremental --runs 1 --no-history")
        .run()
        .assert_code(0);
    let text = human.stdout();
    // One pair has no spread: no interval, and a verdict that says what is missing.
    assert!(
        text.contains("dev-incremental")
            && text.contains("inconclusive: about 2 more runs needed")
            && text.contains("1 run per variant")
            && text.contains("ratio = geometric mean"),
        "{text}"
    );
    assert!(
        !text.contains("1 runs") && !text.contains("1 pairs"),
        "{text}"
    );
    let md = cli(&ws)
        .line("try debug=0 --scenario dev-incremental --runs 1 --no-history --format markdown")
        .run()
        .assert_code(0)
        .stdout();
    assert!(
        md.contains("| dev-incremental | candidate-1 |") && md.contains("ratio = geometric mean"),
        "{md}"
    );
    let history = std::fs::read_to_string(ws.path("target/cargo-tune/history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1, "--no-history appends nothing");
}

#[test]
fn try_a_finding_code_measures_the_audits_suggested_change() {
    let (ws, json) = fixture_json(
        "showcase",
        "try debuginfo-in-dev incremental-in-release --scenario dev-clean --runs 1 --format json --no-history",
        0,
    );
    assert_eq!(
        json["variants"][1]["changes"],
        serde_json::json!(["debuginfo-in-dev", "incremental-in-release"])
    );
    let settings = serde_json::json!([
        "profile.dev.debug=\"line-tables-only\"",
        "profile.dev.package.\"*\".debug=false",
        "profile.release.incremental=false"
    ]);
    assert_eq!(json["variants"][1]["config"], settings);
    assert_eq!(json["variants"][1]["expanded"], settings);
    assert_eq!(json["scenarios"][0]["scenario"], "dev-clean");
    // An id names one finding; an id that names none lists those of its code.
    assert_usage_error(
        &ws,
        "try debuginfo-in-dev:bench --runs 1",
        &[
            "no finding `debuginfo-in-dev:bench`",
            "debuginfo-in-dev:dev",
        ],
    );
    // A finding whose fix is not a build setting cannot be tried.
    assert_usage_error(
        &ws,
        "try workspace-dep-unused --runs 1",
        &["workspace-dep-unused"],
    );
}

#[test]
fn package_selection_builds_and_edits_only_the_named_member() {
    let (ws, json) = fixture_json(
        "showcase",
        "bench -p legacy-fmt --scenario dev-incremental --runs 1 --format json --no-history",
        0,
    );
    assert_eq!(
        json["context"]["packages"],
        serde_json::json!(["legacy-fmt"])
    );
    assert_eq!(
        json["context"]["touched_file"],
        "crates/legacy-fmt/src/lib.rs"
    );
    // Only legacy-fmt and its dependency were built: the app binary never was.
    let dir = ws.path("target/cargo-tune/dev-incremental/baseline/debug");
    assert!(dir.join("liblegacy_fmt.rlib").exists());
    assert!(!dir.join("app").exists());
    assert_usage_error(&ws, "bench -p nope --runs 1", &["legacy-fmt"]);
}

#[test]
fn a_failing_variant_is_reported_with_cargos_last_lines_and_exit_101() {
    let ws = TempWorkspace::fixture("showcase");
    let run = cli(&ws)
        .line("try profile.dev.panic=\"bogus\" --scenario check --runs 1 --format json")
        .run()
        .assert_code(101);
    let json = run.json();
    let s = &json["scenarios"][0];
    assert_eq!(s["comparisons"][0]["verdict"], "failed");
    assert_eq!(
        s["variants"][0]["runs"].as_array().unwrap().len(),
        1,
        "the baseline's result is kept"
    );
    let failure = &s["variants"][1]["failure"];
    assert_eq!(failure["during"], "warm-up");
    let lines = failure["last_lines"].to_string();
    assert!(
        lines.contains("panic") && lines.contains("bogus"),
        "{lines}"
    );
    run.assert_stderr_has(&["1 measured build failed"]);
}

#[test]
fn ctrl_c_restores_the_edited_file_and_records_nothing() {
    let (ws, touched) = showcase_aged();
    let output = cli(&ws)
        .line("bench --scenario dev-incremental --runs 50 --format json")
        // Once a measured build of the edited file is under way.
        .interrupt_when(Duration::from_secs(120), || {
            ws.read(TOUCHED).starts_with("// cargo-tune edit 2")
        });
    assert_exit_code(&output, 130);
    assert!(output.stdout.is_empty(), "no report for an interrupted run");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("crates/app/src/main.rs was restored")
    );
    touched.assert_restored(&ws);
    assert!(!ws.path("target/cargo-tune/history.jsonl").exists());
}

#[test]
fn missing_linkers_are_setup_errors_with_the_install_command() {
    let ws = TempWorkspace::fixture("showcase");
    // A PATH with cargo and rustc but none of the system linkers.
    let cargo_dir = cargo_dir_without_mold();
    let run = cli(&ws)
        .args(["try", "linker=mold", "--runs", "1"])
        .env("PATH", &cargo_dir)
        .run()
        .assert_code(96);
    run.assert_stderr_has(&["`mold` is not on PATH (install it: apt-get install mold)"]);
    // The toolchain's own bin directory has cargo and rustc, and never wild.
    let run = cli(&ws)
        .args(["try", "linker=wild", "--runs", "1"])
        .env("PATH", cargo_tune_test_support::toolchain_bin_dir())
        .run()
        .assert_code(96);
    run.assert_stderr_has(&[
        "`wild` is not on PATH (install it: cargo install --locked wild-linker",
    ]);
    assert!(
        !ws.path("target/cargo-tune/dev-clean").exists(),
        "nothing was built"
    );
}

#[test]
fn unknown_presets_keys_and_scenarios_are_usage_errors_listing_valid_ones() {
    let ws = TempWorkspace::fixture("showcase");
    assert_usage_error(&ws, "try linker=gold", &["mold, wild, lld, bfd"]);
    assert_usage_error(&ws, "try profile.dev.debugg=1", &["opt-level"]);
    assert_usage_error(
        &ws,
        "bench --scenario dev",
        &["check, dev-clean, dev-incremental, release-clean"],
    );
}

#[test]
fn try_linker_mold_links_with_mold() {
    let (ws, json) = fixture_json(
        "showcase",
        "try linker=mold --scenario dev-incremental --runs 1 --format json",
        0,
    );
    let flags = json["variants"][1]["rustflags"].to_string();
    assert!(flags.contains("link-arg=-fuse-ld=mold"), "{flags}");
    let signed_by = |variant: &str, marker: &[u8]| {
        let bytes = std::fs::read(ws.path(&format!(
            "target/cargo-tune/dev-incremental/{variant}/debug/app"
        )))
        .unwrap();
        bytes.windows(marker.len()).any(|w| w == marker)
    };
    assert!(
        signed_by("candidate-1", b"mold "),
        "the candidate was linked by mold"
    );
    assert!(!signed_by("baseline", b"mold "), "the baseline was not");
}

#[test]
fn bench_a_workspace_with_crates_io_dependencies() {
    let (ws, json) = fixture_json(
        "small-real",
        "bench --scenario dev-clean,dev-incremental --runs 1 --locked --format json",
        0,
    );
    assert_eq!(json["context"]["touched_file"], "crates/tally/src/main.rs");
    let clean = &json["scenarios"][0]["variants"][0]["runs"][0];
    // itoa, smallvec, digits and tally.
    assert!(clean["units_rebuilt"].as_u64().unwrap() >= 4, "{clean}");
    assert_eq!(
        json["scenarios"][1]["variants"][0]["runs"][0]["units_rebuilt"],
        1
    );
    assert_eq!(
        ws.read("crates/tally/src/main.rs"),
        std::fs::read_to_string(
            cargo_tune_test_support::fixtures_dir()
                .join("workspaces/small-real/crates/tally/src/main.rs")
        )
        .unwrap()
    );
}

/// The wall times of the runs of variant `i` in scenario `s`.
fn walls(s: &Value, i: usize) -> Vec<f64> {
    s["variants"][i]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["wall_s"].as_f64().unwrap())
        .collect()
}

/// `faster` and `slower` only with an interval on that side of 1; `noise` only within ±3 %.
fn assert_verdict_follows_interval(c: &Value) {
    let (low, high) = (
        c["interval"]["low"].as_f64().unwrap_or(f64::NAN),
        c["interval"]["high"].as_f64().unwrap_or(f64::NAN),
    );
    match c["verdict"].as_str().unwrap() {
        "faster" => assert!(high < 1.0, "{c}"),
        "slower" => assert!(low > 1.0, "{c}"),
        "noise" => assert!(low >= 1.0 / 1.03 && high <= 1.03, "{c}"),
        "inconclusive" => {}
        other => panic!("unexpected verdict {other}: {c}"),
    }
}

#[test]
fn try_several_candidates_interleaves_them_in_rotated_rounds() {
    let (ws, json) = fixture_json(
        "showcase",
        "try debug=0 --vs deps-debug=false+codegen-units=4 --vs debuginfo-in-dev:dev --scenario dev-incremental --runs 2 --format json --no-history",
        0,
    );
    let names = field_strs(&json["variants"], "name");
    assert_eq!(
        names,
        ["baseline", "candidate-1", "candidate-2", "candidate-3"]
    );
    assert_eq!(
        json["variants"][2]["changes"],
        serde_json::json!(["deps-debug=false", "codegen-units=4"])
    );
    assert_eq!(
        json["variants"][2]["config"],
        serde_json::json!([
            "profile.dev.package.\"*\".debug=false",
            "profile.dev.codegen-units=4"
        ])
    );
    // The id expands to what the audit suggests for that finding.
    let audit = cli(&ws).args(["audit", "--format", "json"]).run().json();
    let finding = find_by(&audit["findings"], "id", "debuginfo-in-dev:dev").unwrap();
    assert_eq!(
        json["variants"][3]["expanded"].as_array().unwrap().len(),
        finding["suggestions"].as_array().unwrap().len()
    );
    let scenarios = json["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 1);
    let s = &scenarios[0];
    // Every round runs every variant once, and the order rotates.
    assert_eq!(
        s["rounds"],
        serde_json::json!([
            ["baseline", "candidate-1", "candidate-2", "candidate-3"],
            ["candidate-1", "candidate-2", "candidate-3", "baseline"]
        ])
    );
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["runs"].as_array().unwrap().len(), 2, "{v}");
    }
    let comparisons = s["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 3);
    for (i, c) in comparisons.iter().enumerate() {
        assert_eq!(c["candidate"], names[i + 1]);
        assert_eq!(c["pairs"], 2);
        let (b, k) = (walls(s, 0), walls(s, i + 1));
        let expected = (k[0] / b[0] * k[1] / b[1]).sqrt();
        assert!(
            (c["ratio"].as_f64().unwrap() - expected).abs() < 1e-9,
            "{c}"
        );
        // 95 % shared by three candidates.
        let confidence = c["interval"]["confidence"].as_f64().unwrap();
        assert!((confidence - (1.0 - 0.05 / 3.0)).abs() < 1e-12, "{c}");
        assert_verdict_follows_interval(c);
        if c["best"] == true {
            assert_eq!(c["verdict"], "faster");
        }
    }
    assert!(comparisons.iter().filter(|c| c["best"] == true).count() <= 1);
}

#[test]
fn try_refuses_what_it_cannot_measure_before_building_anything() {
    let ws = TempWorkspace::fixture("showcase");
    // The showcase's dev profile already has full debug info.
    assert_usage_error(
        &ws,
        "try debug=true --runs 1",
        &[
            "`debug=true` changes nothing",
            "profile dev already has debug = true (Cargo.toml:",
        ],
    );
    // A release-only change on a dev scenario would measure two identical builds.
    assert_usage_error(
        &ws,
        "try lto=thin --scenario dev-incremental --runs 1",
        &[
            "`lto=thin` changes only the release and bench profiles, and dev-incremental builds dev",
            "--scenario release-clean",
        ],
    );
    assert_usage_error(
        &ws,
        "try debug=0 --vs profile.dev.debug=0 --runs 1",
        &["is the same change as `debug=0`"],
    );
    assert!(
        !ws.path("target/cargo-tune/dev-incremental").exists()
            && !ws.path("target/cargo-tune/dev-clean").exists(),
        "nothing was built"
    );
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// The directory cargo lives in, checked to hold no mold.
fn cargo_dir_without_mold() -> std::path::PathBuf {
    let dir = which("cargo")
        .and_then(|c| c.parent().map(Path::to_owned))
        .expect("cargo on PATH");
    assert!(
        !dir.join("mold").exists(),
        "{} holds mold; the test needs a PATH without it",
        dir.display()
    );
    dir
}

/// A `dev-incremental` warm-up after `dev-clean` of the same cargo command adopts that clean
/// build instead of compiling everything again: every rustc compilation is logged with the
/// target directory it wrote to.
#[cfg(unix)]
#[test]
fn an_incremental_warm_up_adopts_the_clean_build_of_the_same_command() {
    use std::os::unix::fs::PermissionsExt;

    let ws = TempWorkspace::fixture("showcase");
    let log = ws.path("../rustc-calls.log");
    let logging_rustc = ws.path("../logging-rustc");
    ws.write(
        "../logging-rustc",
        // cargo's own probe of a new target directory (`--crate-name ___`) compiles nothing.
        "#!/bin/sh\ncase \"$*\" in *\"--crate-name ___\"*) ;; *--crate-name*) echo \"$CARGO_TARGET_DIR\" >> \"$RUSTC_CALLS\";; esac\nexec \"$REAL_RUSTC\" \"$@\"\n",
    );
    std::fs::set_permissions(&logging_rustc, std::fs::Permissions::from_mode(0o755)).unwrap();
    let json = cli(&ws)
        .line("bench --scenario dev-clean,dev-incremental --runs 1 --no-history --format json")
        .env("RUSTC", &logging_rustc)
        .env(
            "REAL_RUSTC",
            cargo_tune_test_support::toolchain_bin_dir().join("rustc"),
        )
        .env("RUSTC_CALLS", &log)
        .run_json(0);
    let compilations = |scenario: &str| {
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .filter(|dir| dir.ends_with(&format!("/{scenario}/baseline")))
            .count() as u64
    };
    let rebuilt = |i: usize| {
        json["scenarios"][i]["variants"][0]["runs"][0]["units_rebuilt"]
            .as_u64()
            .unwrap()
    };
    // The clean warm-up and run each compiled every unit cargo reported as rebuilt.
    assert_eq!(compilations("dev-clean"), 2 * rebuilt(0), "{json}");
    assert!(rebuilt(0) >= 10, "{json}");
    // The warm-up and the measured run each rebuilt only what the edit touches.
    assert_eq!(compilations("dev-incremental"), 2 * rebuilt(1), "{json}");
}
