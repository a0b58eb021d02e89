//! `cargo tune plan` on tiny fixtures, and `cargo tune apply --plan` with the record it wrote.
//! No test asserts which change is faster: only the record's shape, its consistency with its
//! own measurements and predictions, the budget's refusals, and what Ctrl-C leaves.

use std::time::Duration;

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{TempWorkspace, assert_exit_code, cargo, field_strs, find_by};

use crate::{cli, fixture_json};

const TOUCHED: &str = "crates/app/src/main.rs";
const RECORD: &str = "cargo-tune-plan.toml";

fn record(ws: &TempWorkspace) -> toml_edit::DocumentMut {
    ws.read(RECORD).parse().unwrap()
}

fn strs(item: &toml_edit::Item) -> Vec<String> {
    item.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Makes `ids` the steps of the record and runs `apply --plan --execute` with it; its JSON report.
fn apply_as_steps(ws: &TempWorkspace, ids: &[&str]) -> serde_json::Value {
    let mut doc = record(ws);
    let mut chosen = toml_edit::Array::new();
    for id in ids {
        let mut step = toml_edit::InlineTable::new();
        step.insert("candidate", (*id).into());
        step.insert("measurements", toml_edit::Array::new().into());
        chosen.push(step);
    }
    doc.remove("steps");
    doc.insert("steps", toml_edit::value(chosen));
    ws.write(RECORD, &doc.to_string());
    cli(ws)
        .args([
            "apply",
            "--plan",
            RECORD,
            "--execute",
            "--allow-dirty",
            "--format",
            "json",
        ])
        .run_json(0)
}

/// The root manifest, parsed.
fn dev_profile(ws: &TempWorkspace) -> toml_edit::DocumentMut {
    ws.read("Cargo.toml").parse().unwrap()
}

#[test]
fn plan_writes_a_consistent_record_and_apply_plan_writes_exactly_its_steps() {
    let ws = TempWorkspace::fixture("showcase");
    let original = ws.read(TOUCHED);
    let run = cli(&ws)
        .line("plan --goal dev --scenario dev-incremental --runs 2 --budget 30m --format json")
        .run()
        .assert_code(0);
    assert_eq!(ws.read(TOUCHED), original);
    let json = run.json();
    let doc = record(&ws);

    // The record on disk and the JSON on stdout are one document.
    assert_eq!(doc["format_version"].as_integer(), Some(2));
    assert_eq!(json["format_version"], 2);
    assert_eq!(doc["goal"].as_str(), Some("dev"));
    assert_eq!(doc["partial"].as_bool(), Some(false));
    assert_eq!(strs(&doc["scenarios"]), ["dev-incremental"]);
    assert_eq!(doc["runs"].as_integer(), Some(2));
    let fp = &doc["fingerprint"];
    let rustc = cargo_tune_test_support::cargo(ws.root(), &["--version"]);
    assert!(
        rustc.contains(fp["rustc"].as_str().unwrap()),
        "{rustc} vs {fp}"
    );
    assert!(fp["host"].as_str().unwrap().contains('-'));
    assert_eq!(fp["root_manifest"].as_str().unwrap().len(), 16);
    assert_eq!(fp["lockfile"].as_str().unwrap().len(), 16);
    assert_decided(&json);
    let candidates = json["candidates"].as_array().unwrap();
    assert!(candidates.iter().any(|c| c["id"] == "dev-debug-0"));
    // The instrumented build ran once, with cargo's section timings, and predicted the
    // debuginfo candidates before any of them was built.
    let flags = strs_json(&json["evidence"]["instrumented"]["flags"]);
    assert!(flags.contains(&"-Zsection-timings".to_owned()), "{flags:?}");
    let debug0 = candidates
        .iter()
        .find(|c| c["id"] == "dev-debug-0")
        .unwrap();
    let predicted = debug0["predicted"].as_array().unwrap();
    assert_eq!(predicted.len(), 1, "{debug0}");
    let p = &predicted[0];
    assert!(p["low"].as_f64() <= p["ratio"].as_f64() && p["ratio"].as_f64() <= p["high"].as_f64());
    // Every built candidate raced in the first stage, against the workspace as it is.
    let stages = json["stages"].as_array().unwrap();
    let first = strs_json(&stages[0]["candidates"]);
    for c in candidates.iter().filter(|c| c["measured"].is_array()) {
        assert!(first.contains(&c["id"].as_str().unwrap().to_owned()), "{c}");
    }
    // No step measured slower, noise or failed; each was faster where it was measured.
    for step in json["steps"].as_array().unwrap() {
        let ms = step["measurements"].as_array().unwrap();
        assert!(ms.iter().any(|m| m["verdict"] == "faster"), "{step}");
        assert!(ms.iter().all(not_against), "{step}");
    }
    // A dry run of the record as it came writes nothing.
    let manifest_before = ws.read("Cargo.toml");
    cli(&ws)
        .args(["apply", "--plan", RECORD])
        .run()
        .assert_code(0);
    assert_eq!(ws.read("Cargo.toml"), manifest_before);

    // apply --plan applies exactly the steps of the record: make two of them the steps.
    let applied = apply_as_steps(&ws, &["dev-debug-0", "dev-deps-debug-0"]);
    let manifest = dev_profile(&ws);
    assert_eq!(manifest["profile"]["dev"]["debug"].as_integer(), Some(0));
    assert_eq!(
        manifest["profile"]["dev"]["package"]["*"]["debug"].as_integer(),
        Some(0)
    );
    assert_eq!(
        applied["selected"],
        serde_json::json!(["dev-debug-0", "dev-deps-debug-0"])
    );
    assert!(
        !ws.path(".cargo/config.toml").exists(),
        "no linker step, no config"
    );
    // cargo still reads the workspace.
    cargo(
        ws.root(),
        &[
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--no-deps",
        ],
    );

    // Applying it again finds every step in effect: the fixed point, not a stale record.
    let after = ws.read("Cargo.toml");
    let again = cli(&ws)
        .args(["apply", "--plan", RECORD, "--execute", "--allow-dirty"])
        .run()
        .assert_code(0);
    again.assert_stderr_has(&["every step of the plan", "in effect"]);
    assert_eq!(ws.read("Cargo.toml"), after);

    // The root manifest moved away from a step after the record was measured: applying it
    // would rest on measurements of another workspace, and is refused.
    let mut moved = dev_profile(&ws);
    moved["profile"]["dev"]["debug"] = toml_edit::value(2);
    ws.write("Cargo.toml", &moved.to_string());
    let refused = cli(&ws)
        .args(["apply", "--plan", RECORD, "--execute", "--allow-dirty"])
        .run()
        .assert_code(exit_codes::SETUP);
    refused.assert_stderr_has(&["root Cargo.toml"]);
    assert_eq!(
        dev_profile(&ws)["profile"]["dev"]["debug"].as_integer(),
        Some(2)
    );
}

#[test]
fn a_record_from_another_toolchain_or_not_a_record_is_refused() {
    let ws = TempWorkspace::fixture("showcase");
    let before = ws.read("Cargo.toml");
    ws.write(RECORD, "format_version = 2\ngoal = \"dev\"\n");
    let run = cli(&ws)
        .args(["apply", "--plan", RECORD])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["not a cargo-tune plan record"]);
    // A record of the greedy search that came before the race is another version.
    ws.write(RECORD, "format_version = 1\ngoal = \"dev\"\n");
    let run = cli(&ws)
        .args(["apply", "--plan", RECORD])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["format_version 1", "cargo tune plan"]);
    ws.write(RECORD, "format_version = 99\n");
    let run = cli(&ws)
        .args(["apply", "--plan", RECORD])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["format_version 99"]);

    // A well-formed record measured with another rustc.
    let lock = std::fs::read(ws.path("Cargo.lock")).unwrap();
    let manifest = std::fs::read(ws.path("Cargo.toml")).unwrap();
    let hash = cargo_tune_core::plan::record::content_hash;
    let record = cargo_tune_schema::PlanRecord {
        elapsed_s: 1,
        ..cargo_tune_schema::PlanRecord::new(
            "0.0.0",
            cargo_tune_schema::Goal::Dev,
            cargo_tune_schema::Fingerprint {
                rustc: "1.70.0".to_owned(),
                host: "x86_64-unknown-linux-gnu".to_owned(),
                commit: None,
                lockfile: Some(hash(&lock)),
                root_manifest: hash(&manifest),
            },
            vec!["dev-clean".to_owned()],
            2,
            60,
        )
    };
    ws.write(RECORD, &cargo_tune_core::plan::record::to_toml(&record));
    let run = cli(&ws)
        .args(["apply", "--plan", RECORD, "--execute"])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["rustc: 1.70.0 in the plan"]);
    assert_eq!(ws.read("Cargo.toml"), before);
    // --plan and a selection of findings do not mix.
    cli(&ws)
        .args(["apply", "--plan", RECORD, "debuginfo-in-dev"])
        .run()
        .assert_code(exit_codes::USAGE);
}

#[test]
fn bad_goal_scenario_and_budget_are_refused() {
    let ws = TempWorkspace::fixture("showcase");
    for args in [
        vec!["plan", "--goal", "fast"],
        vec!["plan", "--goal", "dev", "--scenario", "warm"],
        vec!["plan", "--goal", "dev", "--budget", "0s"],
        vec!["plan", "--goal", "dev", "--budget", "15 fortnights"],
    ] {
        cli(&ws).args(args).run().assert_code(exit_codes::USAGE);
    }
    // One second holds the baseline's measurement at most: without a history, it is built
    // once, and the refusal gives what it took; no record is left.
    let run = cli(&ws)
        .line("plan --goal dev --scenario dev-incremental --runs 2 --budget 1s")
        .run()
        .assert_code(exit_codes::USAGE);
    run.assert_stderr_has(&["nothing fits a budget of 1s", "pass --budget"]);
    assert!(!ws.path(RECORD).exists());
    assert!(!ws.path("target/cargo-tune/plan").exists());
    // Now the history knows what the baseline takes: a budget that cannot hold it is refused
    // before anything is built.
    let history = ws.read("target/cargo-tune/history.jsonl");
    let line: serde_json::Value = serde_json::from_str(history.lines().last().unwrap()).unwrap();
    assert_eq!(line["command"], "plan");
    let took = line["results"][0]["summary"]["wall_s"]["median"]
        .as_f64()
        .unwrap();
    assert!(took > 0.0, "{line}");
    if took > 1.0 {
        cli(&ws)
            .line("plan --goal dev --scenario dev-incremental --runs 2 --budget 1s")
            .run()
            .assert_code(exit_codes::USAGE)
            .assert_stderr_has(&["cannot hold one measurement"])
            .assert_stderr_lacks(&["Measuring"]);
    }
}

#[test]
fn a_workspace_that_does_not_build_is_not_planned_and_the_failing_command_is_shown() {
    let ws = TempWorkspace::fixture("showcase");
    ws.write(TOUCHED, "fn main() { let x: u32 = \"not a number\"; }\n");
    let run = cli(&ws)
        .line("plan --goal dev --scenario dev-incremental --runs 2 --budget 30m")
        .run()
        .assert_code(exit_codes::BUILD_FAILED);
    run.assert_stderr_has(&[
        "fails to build",
        "build --message-format",
        "mismatched types",
    ]);
    // Nothing beyond the one build of the workspace as it is, and nothing of it left.
    run.assert_stderr_lacks(&["instrumented", "race stage"]);
    assert!(!ws.path("target/cargo-tune/plan").exists());
}

#[test]
fn ctrl_c_mid_search_keeps_a_partial_record_and_restores_the_edited_file() {
    let ws = TempWorkspace::fixture("showcase");
    let original = ws.read(TOUCHED);
    let output = cli(&ws)
        .line("plan --goal dev --scenario dev-incremental --runs 40 --budget 10h")
        // Past the probe and into the race, where the candidates get target directories.
        .interrupt_when(Duration::from_secs(600), || {
            std::fs::read_dir(ws.path("target/cargo-tune/plan/dev-incremental")).is_ok_and(|d| {
                d.flatten().any(|e| {
                    let name = e.file_name();
                    name != "baseline" && name != "instrumented"
                })
            })
        });
    assert_exit_code(&output, exit_codes::INTERRUPTED);
    assert!(output.stdout.is_empty());
    assert_eq!(ws.read(TOUCHED), original);
    let doc = record(&ws);
    assert_eq!(doc["partial"].as_bool(), Some(true));
    assert_eq!(doc["end"].as_str(), Some("interrupted"));
    assert!(
        doc.get("steps")
            .is_none_or(|s| s.as_array().is_some_and(|a| a.is_empty()))
    );
    // Every target directory the plan made is gone.
    assert!(!ws.path("target/cargo-tune/plan").exists());
}

/// Every candidate is decided exactly once: a step, rejected with a reason, or left unmeasured
/// with the budget that would measure it.
fn assert_decided(json: &serde_json::Value) {
    let ids = |key: &str, field: &str| -> Vec<String> {
        json[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x[field].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (steps, rejected, unmeasured) = (
        ids("steps", "candidate"),
        ids("rejected", "candidate"),
        ids("unmeasured", "candidate"),
    );
    for c in ids("candidates", "id") {
        let n = [&steps, &rejected, &unmeasured]
            .iter()
            .filter(|l| l.contains(&c))
            .count();
        assert_eq!(
            n, 1,
            "{c}: steps {steps:?}, rejected {rejected:?}, unmeasured {unmeasured:?}"
        );
    }
    for r in json["rejected"].as_array().unwrap() {
        assert!(!r["reason"].as_str().unwrap().is_empty(), "{r}");
    }
}

/// The verdicts a measurement may carry in a chosen step.
fn not_against(m: &serde_json::Value) -> bool {
    m["verdict"] != "slower" && m["verdict"] != "failed"
}

#[test]
fn dev_plan_races_the_predicted_candidates_and_doubles_the_runs_of_its_leaders() {
    let (_, json) = fixture_json(
        "timings",
        "plan --goal dev --runs 1 --follow-ups 1 --budget 30m --format json",
        0,
    );
    assert_eq!(
        json["scenarios"],
        serde_json::json!(["dev-clean", "dev-incremental"])
    );
    // cargo's own dev defaults are not measured again: they are already in effect.
    let rejected = json["rejected"].as_array().unwrap();
    for id in [
        "dev-build-override-opt-level-0",
        "dev-deps-opt-level-0",
        "dev-codegen-units-256",
        "dev-incremental-on",
    ] {
        let r = rejected
            .iter()
            .find(|r| r["candidate"] == id)
            .unwrap_or_else(|| panic!("{id} not rejected: {rejected:?}"));
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .starts_with("already in effect: profile dev already has"),
            "{r}"
        );
    }
    assert_decided(&json);
    // The first stage built every candidate from scratch once (its dev-clean sample) and ran
    // it once after an edit; the next stage doubled the incremental runs of at most half of
    // them, all from the first.
    let stages = json["stages"].as_array().unwrap();
    assert!(!stages.is_empty() && stages.len() <= 2, "{stages:?}");
    let runs_of = |stage: &serde_json::Value, scenario: &str| -> u64 {
        find_by(&stage["runs"], "scenario", scenario).map_or(0, |r| r["runs"].as_u64().unwrap())
    };
    assert_eq!(runs_of(&stages[0], "dev-clean"), 1);
    assert_eq!(runs_of(&stages[0], "dev-incremental"), 1);
    let first = strs_json(&stages[0]["candidates"]);
    if let Some(second) = stages.get(1) {
        assert_eq!(runs_of(second, "dev-clean"), 0);
        assert_eq!(runs_of(second, "dev-incremental"), 2);
        let leaders = strs_json(&second["candidates"]);
        assert!(!leaders.is_empty(), "{second}");
        assert!(leaders.iter().all(|l| first.contains(l)));
        // Of the alternatives of one slot, at most half (rounded up) went on.
        let slot = |id: &String| {
            find_by(&json["candidates"], "id", id.as_str()).unwrap()["slot"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        for l in &leaders {
            let of = |ids: &[String]| ids.iter().filter(|i| slot(i) == slot(l)).count();
            assert!(of(&leaders) <= of(&first).div_ceil(2), "{second}");
        }
    }
    // Pairs add up to the runs of the stages each candidate was in.
    for c in json["candidates"].as_array().unwrap() {
        let Some(measured) = c["measured"].as_array() else {
            continue;
        };
        for m in measured.iter().filter(|m| m["verdict"] != "failed") {
            let scenario = m["scenario"].as_str().unwrap();
            let runs: u64 = stages
                .iter()
                .filter(|s| {
                    strs_json(&s["candidates"]).contains(&c["id"].as_str().unwrap().to_owned())
                })
                .map(|s| runs_of(s, scenario))
                .sum();
            assert_eq!(m["pairs"].as_u64(), Some(runs), "{} {m}", c["id"]);
        }
    }
    // A candidate pruned by its prediction was never built, and says what was predicted.
    for r in json["rejected"].as_array().unwrap() {
        if r["reason"].as_str().unwrap().starts_with("predicted") {
            let c = json["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == r["candidate"])
                .unwrap();
            assert!(c["measured"].is_null(), "{c}");
            assert!(!c["predicted"].as_array().unwrap().is_empty(), "{c}");
        }
    }
    // A step was faster somewhere and slower nowhere.
    for step in json["steps"].as_array().unwrap() {
        let ms = step["measurements"].as_array().unwrap();
        assert!(ms.iter().any(|m| m["verdict"] == "faster"), "{step}");
        assert!(ms.iter().all(not_against), "{step}");
    }
}

/// `plan --goal ci` on a workspace with a dependency: every candidate measured in `ci-warm`
/// alone, a `[ci]` section that sets up exactly the cache layers among the steps, and
/// `apply --plan` leaving those layers to the CI configuration. Which layer wins is not asserted.
#[test]
fn plan_goal_ci_records_its_cache_layers_and_apply_leaves_them_to_ci() {
    let ws = TempWorkspace::fixture("cache-ci");
    let manifest_before = ws.read("Cargo.toml");
    let json = cli(&ws)
        .line("plan --goal ci --offline --runs 3 --budget 20m --format json")
        .run_json(0);
    assert_eq!(json["scenarios"], serde_json::json!(["ci-warm"]));
    let ids = field_strs(&json["candidates"], "id");
    for layer in [
        "ci-target-cache",
        "ci-target-cache-deps",
        "ci-target-cache-checksum-freshness",
    ] {
        assert!(ids.contains(&layer), "{ids:?}");
    }
    assert_decided(&json);
    // Every candidate with a cache was charged its restore: its measurements say its size.
    for c in json["candidates"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        for m in c["measured"].as_array().into_iter().flatten() {
            let cached = id.starts_with("ci-target-cache") || id == "ci-sccache";
            assert_eq!(
                m["cache_bytes"].as_u64().is_some_and(|b| b > 0),
                cached,
                "{c}"
            );
        }
    }
    let sccache_installed = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join("sccache").is_file());
    assert_eq!(ids.contains(&"ci-sccache"), sccache_installed, "{ids:?}");
    let decided = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["rejected"].as_array().unwrap());
    for d in decided {
        // Candidates already in effect were never measured.
        for m in d["measurements"].as_array().into_iter().flatten() {
            assert_eq!(m["scenario"], "ci-warm", "{d}");
        }
    }
    let steps = field_strs(&json["steps"], "candidate");
    let ci = &json["ci"];
    let env = strs_json(&ci["env"]);
    let actions = ci["github_actions"].as_str().unwrap_or_default();
    let target_cache = steps
        .iter()
        .any(|s| s.starts_with("ci-target-cache") && *s != "ci-target-cache-deps");
    assert_eq!(
        ci.is_null(),
        !steps.iter().any(|s| s.starts_with("ci-")),
        "{json}"
    );
    assert!(
        !(steps.contains(&"ci-target-cache")
            && steps.contains(&"ci-target-cache-checksum-freshness")),
        "alternatives of one slot: {steps:?}"
    );
    assert_eq!(
        actions.contains("Restore the target directory"),
        target_cache,
        "{actions}"
    );
    assert_eq!(
        actions.contains("Swatinem/rust-cache"),
        steps.contains(&"ci-target-cache-deps"),
        "{actions}"
    );
    assert_eq!(
        env.contains(&"CARGO_UNSTABLE_CHECKSUM_FRESHNESS=true".to_owned()),
        steps.contains(&"ci-target-cache-checksum-freshness"),
        "{env:?}"
    );
    assert_eq!(
        env.contains(&"RUSTC_WRAPPER=sccache".to_owned()),
        steps.contains(&"ci-sccache"),
        "{env:?}"
    );
    // The record holds the same section.
    let doc = record(&ws);
    assert_eq!(strs(&doc["ci"]["env"]), env);

    // Whatever was chosen: `apply --plan` leaves a cache layer to CI, with the reason.
    let applied = apply_as_steps(&ws, &["ci-target-cache-checksum-freshness"]);
    assert_eq!(ws.read("Cargo.toml"), manifest_before);
    let skipped = applied["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["reason"].as_str().unwrap().contains("CI configuration")),
        "{applied}"
    );
}

fn strs_json(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
