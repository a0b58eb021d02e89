//! `cargo tune timings --macros` on the `macros` fixture: the invocation counts against rustc's
//! own `-Z macro-stats` output, each macro traced to the proc-macro package that defines it,
//! and the expansion times within the expansion pass `-Z time-passes` printed for the very
//! build they were taken from.

#![expect(
    clippy::disallowed_methods,
    reason = "the tests ask cargo and rustc for the truth directly"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use cargo_tune_test_support::{TempWorkspace, find_by, scrub_env};
use serde_json::Value;

use crate::cli;

/// `-Z macro-stats` of one target, as rustc prints it: uses per macro name, read with nothing
/// from cargo-tune.
fn rustc_macro_stats(root: &Path, target: &[&str]) -> BTreeMap<String, u64> {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    scrub_env(&mut cmd);
    let out = cmd
        .arg("rustc")
        .args(target)
        .args(["--offline", "--", "-Zmacro-stats"])
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", root.join("independent-target"))
        .current_dir(root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mut uses = BTreeMap::new();
    let mut in_rows = false;
    for line in stderr
        .lines()
        .filter_map(|l| l.strip_prefix("macro-stats "))
    {
        if line.starts_with("----") {
            in_rows = true;
            continue;
        }
        if line.starts_with("====") {
            in_rows = false;
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if in_rows && words.len() == 6 {
            uses.insert(
                words[0].to_owned(),
                words[1].replace('_', "").parse().unwrap(),
            );
        }
    }
    assert!(!uses.is_empty(), "{stderr}");
    uses
}

/// `macro_expand_crate` of `-Z time-passes` per crate, from the output cargo stored for each
/// unit of the instrumented build (what it replays for fresh units): rustc's own words.
fn expansion_passes(target: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let fingerprints = target.join("debug").join(".fingerprint");
    for unit in std::fs::read_dir(&fingerprints).unwrap().flatten() {
        for file in std::fs::read_dir(unit.path()).unwrap().flatten() {
            if !file.file_name().to_string_lossy().starts_with("output-") {
                continue;
            }
            let text = std::fs::read_to_string(file.path()).unwrap();
            let krate = text
                .lines()
                .find_map(|l| l.split("MACRO EXPANSION STATS: ").nth(1))
                .map(|s| s.trim().trim_end_matches(['"', '}']).to_owned());
            let pass = text.lines().find_map(|l| {
                let json = l.split_once("time: ")?.1;
                let v: Value = serde_json::from_str(json.trim()).ok()?;
                (v["pass"] == "macro_expand_crate").then(|| v["time"].as_f64().unwrap())
            });
            if let (Some(krate), Some(pass)) = (krate, pass) {
                *out.entry(krate).or_insert(0.0) += pass;
            }
        }
    }
    out
}

#[test]
fn macro_counts_match_rustc_and_times_fit_in_the_expansion_pass() {
    let ws = TempWorkspace::fixture("macros");
    let run = cli(&ws)
        .line("timings --macros --format json")
        .run()
        .assert_code(0);
    run.assert_stderr_has(&["Instrumenting"]);
    let report = run.json();
    let m = &report["macros"];
    assert_eq!(m["ranked_by"], "expansion-time", "{m:#}");
    assert!(
        m["times"].as_str().unwrap().contains("self-profile"),
        "{m:#}"
    );
    let crates: BTreeMap<String, &Value> = m["crates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["crate_name"].as_str().unwrap().to_owned(), c))
        .collect();
    for (krate, target) in [
        ("shapes", &["-p", "shapes", "--lib"][..]),
        ("app", &["-p", "app", "--bin", "app"]),
    ] {
        let rustc = rustc_macro_stats(ws.root(), target);
        let ours: BTreeMap<String, u64> = crates[krate]["macros"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["name"].as_str().unwrap().to_owned(),
                    u["uses"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(ours, rustc, "{krate}");
    }
    // Three `Area` derives written out and three from `unit_struct!`.
    let area = &crates["shapes"]["macros"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "#[derive(Area)]")
        .unwrap();
    assert_eq!(area["proc_macro"], "shapes-derive");
    assert_eq!(area["uses"], 6);
    let println = find_by(&m["top"], "name", "println!").unwrap();
    assert!(println.get("proc_macro").is_none(), "{println}");
    for name in ["#[derive(Named)]", "#[traced]"] {
        let t = find_by(&m["top"], "name", name).unwrap();
        assert_eq!(t["callers"], serde_json::json!(["app", "shapes"]), "{t}");
        assert_eq!(t["proc_macro"], "shapes-derive");
    }
    let passes = expansion_passes(
        &ws.root()
            .join("target/cargo-tune/timings/timings-macros/target"),
    );
    for (krate, c) in &crates {
        let timed: f64 = c["macros"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|u| u["expansion_s"].as_f64())
            .sum();
        let pass = passes[krate];
        assert!(
            timed <= pass,
            "{krate}: {timed} s of macros in a {pass} s pass"
        );
        assert!(
            (c["expansion_pass_s"].as_f64().unwrap() - pass).abs() < 1e-5,
            "{krate}"
        );
    }
    assert!(
        crates["shapes"]["proc_macro_expansion_s"].as_f64().unwrap() > 0.0,
        "{:#}",
        crates["shapes"]
    );
    // The proc-macro stack gains what its macros cost where they are called.
    let stack = find_by(&report["proc_macro_stacks"], "label", "shapes-derive 0.1.0").unwrap();
    let expansion = &stack["cost"]["expansion"];
    let uses: u64 = crates
        .values()
        .flat_map(|c| c["macros"].as_array().unwrap())
        .filter(|u| u["proc_macro"] == "shapes-derive")
        .map(|u| u["uses"].as_u64().unwrap())
        .sum();
    assert_eq!(expansion["uses"].as_u64(), Some(uses), "{expansion}");
    assert_eq!(expansion["callers"], serde_json::json!(["app", "shapes"]));
}
