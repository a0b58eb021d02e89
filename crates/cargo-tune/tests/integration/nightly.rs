//! rustc's parallel front-end (`threads=N`), which builds with rustup's nightly, and what audit
//! says of nightly and Cranelift. The nightly tests use the machine's real nightly toolchain;
//! they fail with the install command when it is missing, and never install one.
#![expect(
    clippy::disallowed_methods,
    reason = "tests ask rustup and the toolchains themselves for the expected answers"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_tune_test_support::{TempWorkspace, fake_tools, find_by, toolchain_bin_dir};
use serde_json::Value;

use crate::{cli, fixture_json, read_json};

fn rustup(args: &[&str]) -> String {
    let out = Command::new("rustup")
        .args(args)
        .env("RUSTUP_AUTO_INSTALL", "0")
        .output()
        .expect("this test needs rustup on PATH: https://rustup.rs (or run .ci/setup)");
    assert!(
        out.status.success(),
        "rustup {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Fails with the install command unless rustup has a nightly toolchain.
#[track_caller]
fn require_nightly() {
    let list = rustup(&["toolchain", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("nightly-") || l == "nightly"),
        "this test needs a nightly toolchain: rustup toolchain install nightly --profile minimal (or run .ci/setup)\nrustup toolchain list:\n{list}"
    );
}

/// `rustc -V` of a rustup toolchain, as rustup runs it.
fn rustc_version(toolchain: &str) -> String {
    rustup(&["run", toolchain, "rustc", "-V"]).trim().to_owned()
}

/// The `rustc -V` line a compiler writes into every `.rmeta` it produces.
fn rmeta_compiler(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rmeta") {
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            // A binary's check leaves an empty rmeta; a library's starts with its compiler.
            if let Some(start) = text.find("rustc ") {
                let end = start + text[start..].find(')').expect("closing parenthesis") + 1;
                found.push(text[start..end].to_owned());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The rustflags cargo recorded in the fingerprints of the units it built in `profile_dir`.
fn fingerprint_rustflags(profile_dir: &Path) -> Vec<Value> {
    let mut flags = Vec::new();
    for unit in std::fs::read_dir(profile_dir.join(".fingerprint")).unwrap() {
        for file in std::fs::read_dir(unit.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let json: Value = read_json(&path);
                flags.push(json["rustflags"].clone());
            }
        }
    }
    flags
}

#[test]
fn try_threads_builds_with_nightly_and_passes_z_threads_to_rustc() {
    require_nightly();
    let (ws, json) = fixture_json(
        "showcase",
        "try threads=2 --vs nightly --scenario check --runs 1 --format json",
        0,
    );
    let variants = json["variants"].as_array().unwrap();
    assert!(variants[0].get("toolchain").is_none(), "{}", variants[0]);
    let nightly = rustc_version("nightly");
    for candidate in &variants[1..] {
        let toolchain = &candidate["toolchain"];
        assert_eq!(toolchain["name"], "nightly", "{candidate}");
        assert_eq!(toolchain["channel"], "nightly", "{candidate}");
        assert_eq!(toolchain["rustc"], nightly.as_str(), "{candidate}");
    }
    assert_eq!(variants[1]["changes"], serde_json::json!(["threads=2"]));
    assert!(
        variants[1]["rustflags"]
            .as_array()
            .unwrap()
            .contains(&"-Zthreads=2".into()),
        "{}",
        variants[1]
    );
    assert_eq!(
        variants[2]["expanded"],
        serde_json::json!(["toolchain=nightly"])
    );
    assert!(variants[2].get("rustflags").is_none(), "{}", variants[2]);
    let check = &json["scenarios"][0];
    assert!(
        check["variants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["failure"].is_null()),
        "{check}"
    );

    // What cargo and rustc left behind says who compiled what, with which flags.
    let dir = |variant: &str| ws.path(&format!("target/cargo-tune/check/{variant}/debug"));
    let in_use = Command::new(toolchain_bin_dir().join("rustc"))
        .arg("-V")
        .output()
        .unwrap();
    let in_use = String::from_utf8_lossy(&in_use.stdout).trim().to_owned();
    assert_eq!(rmeta_compiler(&dir("baseline").join("deps")), [in_use]);
    for variant in ["candidate-1", "candidate-2"] {
        assert_eq!(
            rmeta_compiler(&dir(variant).join("deps")),
            std::slice::from_ref(&nightly),
            "{variant}"
        );
    }
    let threads = serde_json::json!(["-Zthreads=2"]);
    let with_threads = fingerprint_rustflags(&dir("candidate-1"));
    assert!(
        !with_threads.is_empty() && with_threads.iter().all(|f| *f == threads),
        "{with_threads:?}"
    );
    for variant in ["baseline", "candidate-2"] {
        let flags = fingerprint_rustflags(&dir(variant));
        assert!(
            flags.iter().all(|f| *f == serde_json::json!([])),
            "{variant}: {flags:?}"
        );
    }

    // The human report says which compiler built each candidate and what the gap between
    // them means.
    let human = cli(&ws)
        .line("try threads=2 --scenario check --runs 1 --no-history")
        .run()
        .assert_code(0)
        .stdout();
    assert!(
        human.contains(&format!("(built with {nightly})")),
        "{human}"
    );
    assert!(
        human.contains("part of the difference is the compiler itself; add `--vs nightly`"),
        "{human}"
    );
}

/// A rustup home with the toolchain in use as its only toolchain: rustup works, nightly is
/// missing.
fn rustup_home_without_nightly(dir: &Path) -> PathBuf {
    let home = dir.join("rustup-home");
    let toolchains = home.join("toolchains");
    std::fs::create_dir_all(&toolchains).unwrap();
    let sysroot = toolchain_bin_dir().parent().unwrap().to_owned();
    let name = "stable-x86_64-unknown-linux-gnu";
    std::os::unix::fs::symlink(&sysroot, toolchains.join(name)).unwrap();
    std::fs::write(
        home.join("settings.toml"),
        format!("version = \"12\"\ndefault_toolchain = \"{name}\"\nprofile = \"minimal\"\n"),
    )
    .unwrap();
    home
}

#[test]
fn threads_without_nightly_is_refused_with_the_install_command_and_installs_nothing() {
    let ws = TempWorkspace::fixture("showcase");
    let home = rustup_home_without_nightly(&ws.path("../"));
    let run = cli(&ws)
        .args(["try", "threads=2", "--runs", "1"])
        .env("RUSTUP_HOME", &home)
        .run()
        .assert_code(96);
    assert!(
        run.stderr().contains(
            "failed to measure `threads=2`: it needs a nightly toolchain, which is not installed (install it: rustup toolchain install nightly --profile minimal)"
        ),
        "{}",
        run.stderr()
    );
    let installed: Vec<_> = std::fs::read_dir(home.join("toolchains"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(installed.len(), 1, "nothing installed: {installed:?}");
    assert!(
        !ws.path("target/cargo-tune/dev-clean").exists(),
        "nothing was built"
    );

    // Unstable flags on the stable compiler would only measure a failing build.
    let run = cli(&ws)
        .args(["try", "RUSTFLAGS=-Zthreads=2", "--runs", "1"])
        .run()
        .assert_code(96);
    assert!(
        run.stderr()
            .contains("`-Z` options need a nightly rustc, and this one is"),
        "{}",
        run.stderr()
    );
}

#[test]
fn apply_refuses_a_nightly_only_change_and_says_how_to_use_it() {
    let ws = TempWorkspace::fixture("showcase");
    let run = cli(&ws).args(["apply", "threads=4"]).run().assert_code(2);
    assert!(
        run.stderr()
            .contains("apply writes nothing that only nightly accepts")
            && run
                .stderr()
                .contains("RUSTFLAGS=\"-Zthreads=4\" cargo +nightly build"),
        "{}",
        run.stderr()
    );
}

fn nightly_finding(report: &Value) -> &Value {
    find_by(&report["findings"], "code", "nightly-toolchain")
        .unwrap_or_else(|| panic!("no nightly-toolchain finding: {report}"))
}

fn audit(ws: &TempWorkspace, rustup_home: Option<&Path>) -> Value {
    // No tool on PATH but the toolchain's, so that only the nightly findings vary.
    let tools = fake_tools(&ws.path("../fake-bin"), &[]);
    let path = std::env::join_paths([tools, toolchain_bin_dir()]).unwrap();
    let mut cli = cli(ws).env("PATH", path);
    if let Some(home) = rustup_home {
        cli = cli.env("RUSTUP_HOME", home);
    }
    cli.args(["audit", "--format", "json"]).run_json(0)
}

#[test]
fn audit_says_what_nightly_and_cranelift_would_take_as_information() {
    require_nightly();
    let ws = TempWorkspace::fixture("showcase");
    let report = audit(&ws, None);
    let finding = nightly_finding(&report);
    assert_eq!(finding["severity"], "info", "{finding}");
    assert_eq!(finding["evidence"]["installed"], true, "{finding}");
    let cranelift = rustup(&["component", "list", "--toolchain", "nightly", "--installed"])
        .lines()
        .any(|c| c.starts_with("rustc-codegen-cranelift"));
    assert_eq!(finding["evidence"]["cranelift"], cranelift, "{finding}");
    assert_eq!(report["toolchain"]["nightly_cranelift"], cranelift);
    let suggestions = finding["suggestions"].to_string();
    assert!(
        suggestions.contains("cargo tune try threads="),
        "{suggestions}"
    );
    assert_eq!(
        suggestions
            .contains("rustup component add rustc-codegen-cranelift-preview --toolchain nightly"),
        !cranelift,
        "{suggestions}"
    );
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(
        codes.contains(&"cranelift-available"),
        cranelift,
        "{codes:?}"
    );

    let home = rustup_home_without_nightly(&ws.path("../"));
    let report = audit(&ws, Some(&home));
    let finding = nightly_finding(&report);
    assert_eq!(finding["severity"], "info", "{finding}");
    assert_eq!(finding["evidence"]["installed"], false, "{finding}");
    assert!(
        report["toolchain"]["nightly"].is_null(),
        "{}",
        report["toolchain"]
    );
    let suggestions = finding["suggestions"].to_string();
    assert!(
        suggestions.contains("rustup toolchain install nightly --profile minimal")
            && suggestions.contains("rustc-codegen-cranelift-preview"),
        "{suggestions}"
    );
}
