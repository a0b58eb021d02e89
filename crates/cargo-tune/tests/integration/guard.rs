//! `cargo tune guard` end to end on the showcase fixture: limits far from any real time, so
//! that the verdicts do not depend on the machine's speed, and three runs (the fewest that
//! decide anything).

use std::time::Duration;

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{TempWorkspace, assert_exit_code};
use serde_json::Value;

use crate::cli;

const TOUCHED: &str = "crates/app/src/main.rs";

/// The showcase with `slo` appended to its root manifest.
fn workspace_with(slo: &str) -> TempWorkspace {
    let ws = TempWorkspace::fixture("showcase");
    let manifest = ws.read("Cargo.toml");
    ws.write(
        "Cargo.toml",
        &format!("{manifest}\n[workspace.metadata.tune.slo]\nruns = 3\n{slo}"),
    );
    ws
}

/// Runs `cargo tune <args>` in `ws` and expects a setup error that says every one of `needles`.
#[track_caller]
fn assert_setup_error(ws: &TempWorkspace, args: &[&str], needles: &[&str]) {
    cli(ws)
        .args(args)
        .run()
        .assert_code(exit_codes::SETUP)
        .assert_stderr_has(needles);
}

fn slos(json: &Value) -> &Vec<Value> {
    json["slos"].as_array().unwrap()
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[test]
fn generous_limits_pass_and_an_accepted_run_becomes_the_baseline() {
    let ws = workspace_with(
        r#"check = "10m"
dev-clean = { binary-size = "1GiB", peak-memory = "64GiB" }

[workspace.metadata.tune.slo.workload.app]
bin = "app"
profile = "dev"
time = "10m"
timeout = "5m"

[workspace.metadata.tune.slo.workload.shell]
command = "sleep 0.05"
time = "10m"
"#,
    );
    let json = cli(&ws)
        .args(["guard", "--format", "json", "-o", "report.json"])
        .run()
        .assert_code(exit_codes::OK);
    assert!(json.stdout().is_empty(), "the report went to the file");
    let report: Value = serde_json::from_str(&ws.read("report.json")).unwrap();
    let results = slos(&report);
    let subjects: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["subject"].as_str().unwrap(),
                r["metric"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        subjects,
        [
            ("check", "time"),
            ("dev-clean", "binary-size"),
            ("dev-clean", "peak-memory"),
            ("workload.app", "time"),
            ("workload.shell", "time"),
        ]
    );
    for r in results {
        assert_eq!(r["outcome"], "pass", "{r}");
    }
    assert_eq!(report["summary"]["passed"], 5);
    let root = ws.root().display().to_string();
    let mut shape = crate::bench::shape(&report, &root, "");
    // Messages quote the measured numbers; their content is asserted above and in unit tests.
    for slo in shape["slos"].as_array_mut().unwrap() {
        slo["message"] = "<message>".into();
    }
    insta::assert_json_snapshot!("guard_json_shape", shape);
    // Only what the SLOs need was built: no dev-incremental, no release.
    let dirs: Vec<String> = std::fs::read_dir(ws.path("target/cargo-tune"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut dirs = dirs;
    dirs.sort();
    assert_eq!(dirs, ["check", "dev-clean", "workload"]);
    // The size checked is the real size of the binary the scenario linked.
    let app = std::fs::metadata(ws.path("target/cargo-tune/dev-clean/guard/debug/app"))
        .unwrap()
        .len();
    assert_eq!(results[1]["median"].as_f64().unwrap(), app as f64);
    assert!(ws.path("target/cargo-tune/workload/debug/app").is_file());
    // The workload's time is the command's: at least the 50 ms it sleeps.
    assert!(results[4]["median"].as_f64().unwrap() >= 0.05);
    assert!(!ws.path("tune-baseline.json").exists());

    // Accept a run, then check a regression limit against it.
    cli(&ws)
        .args(["guard", "--update-baseline", "--no-history"])
        .run()
        .assert_code(exit_codes::OK);
    let baseline: Value = serde_json::from_str(&ws.read("tune-baseline.json")).unwrap();
    let entries = baseline["entries"].as_array().unwrap();
    let check = entries.iter().find(|e| e["subject"] == "check").unwrap();
    let walls: Vec<f64> = check["wall_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(walls.len(), 3);
    let manifest = ws.read("Cargo.toml");
    ws.write(
        "Cargo.toml",
        &manifest.replace(
            "check = \"10m\"",
            "check = { time = \"10m\", regression = \"+900%\" }",
        ),
    );
    let json = cli(&ws)
        .args(["guard", "--format", "json", "--no-history"])
        .run_json(exit_codes::OK);
    let regression = slos(&json)
        .iter()
        .find(|r| r["limit"]["kind"] == "regression")
        .unwrap();
    assert_eq!(regression["baseline"].as_f64().unwrap(), median(&walls));
    assert!((regression["effective_limit"].as_f64().unwrap() - median(&walls) * 10.0).abs() < 1e-9);
    assert_eq!(json["baseline"]["cores"], json["context"]["cores"]);
}

#[test]
fn an_impossible_limit_fails_with_exit_1_valid_junit_and_a_job_summary() {
    let ws = workspace_with(
        r#"check = "1ms"

[workspace.metadata.tune.slo.workload.broken]
command = ["sh", "-c", "echo 'bad <input> & more' >&2; exit 3"]
time = "10m"

[workspace.metadata.tune.slo.workload.fine]
command = ["true"]
time = "10m"
level = "warn"
"#,
    );
    ws.write("summary.md", "earlier step\n");
    let summary = ws.path("summary.md");
    let run = cli(&ws)
        .args(["guard", "--format", "junit", "--no-history"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .assert_code(exit_codes::CHECK_FAILED);
    let xml = run.stdout();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    assert_eq!(suites.attribute("tests"), Some("3"));
    assert_eq!(suites.attribute("failures"), Some("2"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("classname").unwrap())
        .collect();
    assert_eq!(failed, ["slo.check", "slo.workload.broken"]);
    let broken = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    let message = broken.attribute("message").unwrap();
    assert!(
        message.contains("exit status: 3") && message.contains("bad <input> & more"),
        "{message}"
    );
    let check = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(
        check
            .attribute("message")
            .unwrap()
            .contains("wholly over the limit 0.001s"),
        "{xml}"
    );

    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.starts_with("earlier step\n### cargo tune guard: failed"),
        "{summary}"
    );
    assert!(
        summary.contains("| **fail** | `check` | time | 1ms |"),
        "{summary}"
    );

    // --update-baseline does not accept a run that violates an absolute limit.
    let run = cli(&ws)
        .args(["guard", "--update-baseline", "--no-history", "--runs", "3"])
        .run()
        .assert_code(exit_codes::CHECK_FAILED);
    assert!(!ws.path("tune-baseline.json").exists());
    run.assert_stdout_has(&["the baseline was not updated"]);
}

#[test]
fn bad_slos_are_setup_errors_pointing_at_the_key_before_any_build() {
    let ws = workspace_with("dev-incremental = \"2 sec\"\n");
    let line = ws
        .read("Cargo.toml")
        .lines()
        .position(|l| l.starts_with("dev-incremental"))
        .unwrap()
        + 1;
    assert_setup_error(
        &ws,
        &["guard"],
        &[
            &format!("--> Cargo.toml:{line}:19"),
            "unknown unit `sec`",
            "valid units: ms, s, m, h",
        ],
    );
    assert!(!ws.path("target/cargo-tune").exists(), "nothing was built");

    let ws = workspace_with("dev-incremntal = \"2s\"\n");
    assert_setup_error(&ws, &["guard"], &["did you mean `dev-incremental`?"]);

    // An unknown key inside a scenario is a warning, and the known limits still run.
    let ws = workspace_with("check = { time = \"10m\", tmie = \"1s\" }\n");
    let run = cli(&ws)
        .args(["guard", "--runs", "1", "--no-history"])
        .run()
        .assert_code(exit_codes::OK);
    run.assert_stderr_has(&["did you mean `time`?"]);
    assert!(
        run.stdout().contains("cannot tell a limit from noise"),
        "one run decides nothing: {}",
        run.stdout()
    );

    let ws = TempWorkspace::fixture("showcase");
    assert_setup_error(&ws, &["guard"], &["[workspace.metadata.tune.slo]"]);

    let ws = workspace_with("check = \"10m\"\n");
    assert_setup_error(
        &ws,
        &["guard", "-o", "missing-dir/report.xml"],
        &["failed to write missing-dir/report.xml"],
    );
    assert!(!ws.path("target/cargo-tune").exists(), "nothing was built");
}

#[test]
fn ctrl_c_restores_the_edited_file_and_writes_no_baseline() {
    let ws = workspace_with("dev-incremental = \"10m\"\n");
    let original = ws.read(TOUCHED);
    let output = cli(&ws)
        .args(["guard", "--runs", "50", "--update-baseline"])
        .interrupt_when(Duration::from_secs(120), || {
            ws.read(TOUCHED).starts_with("// cargo-tune edit 2")
        });
    assert_exit_code(&output, exit_codes::INTERRUPTED);
    assert!(output.stdout.is_empty());
    assert_eq!(ws.read(TOUCHED), original);
    assert!(!ws.path("tune-baseline.json").exists());
    assert!(!ws.path("target/cargo-tune/history.jsonl").exists());
}
