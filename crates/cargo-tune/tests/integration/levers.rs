//! `hint-mostly-unused=PKG` and `dylib=PKG` end to end on the `levers` fixture (a member binary
//! and a generated API crate of 400 functions outside the members): the unstable hint verified
//! from cargo's own `-v` lines and refused when cargo ignores it, the dylib facade measured, its
//! binary started directly with and without the documented library path, and written by apply
//! only behind the named feature.

#![expect(
    clippy::disallowed_methods,
    reason = "the tests run the binaries cargo-tune built, as a user would"
)]

use std::path::Path;
use std::process::Command;

use cargo_tune_test_support::{TempWorkspace, cargo, find_by, scrub_env};
use serde_json::Value;

use crate::{cli, fixture_json};

fn candidate_failure(report: &Value) -> Option<String> {
    find_by(
        &report["scenarios"][0]["variants"],
        "variant",
        "candidate-1",
    )
    .and_then(|v| v["failure"]["status"].as_str().map(str::to_owned))
}

#[test]
fn hint_mostly_unused_is_verified_from_cargo_and_refused_when_cargo_ignores_it() {
    let (ws, report) = fixture_json(
        "levers",
        "try hint-mostly-unused=api --scenario dev-clean --runs 1 --format json",
        0,
    );
    assert_eq!(candidate_failure(&report), None, "{report:#}");
    let candidate = &report["variants"][1];
    assert!(
        candidate["unstable"][0]
            .as_str()
            .unwrap()
            .contains("hint-mostly-unused"),
        "{candidate:#}"
    );
    assert!(
        candidate["env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "RUSTC_BOOTSTRAP=1"),
        "{candidate:#}"
    );
    // cargo's own word: asked the same way, it hands rustc the flag for `api` alone.
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    scrub_env(&mut cmd);
    let out = cmd
        .args(["build", "-v", "--offline", "--config"])
        .arg("profile.dev.package.api.hint-mostly-unused=true")
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_UNSTABLE_PROFILE_HINT_MOSTLY_UNUSED", "true")
        .env("CARGO_TARGET_DIR", ws.path("check-target"))
        .current_dir(ws.root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let running = |krate: &str| {
        stderr
            .lines()
            .find(|l| l.contains("Running `") && l.contains(&format!("--crate-name {krate} ")))
            .unwrap_or_else(|| panic!("{stderr}"))
            .to_owned()
    };
    assert!(running("api").contains("-Zhint-mostly-unused"), "{stderr}");
    assert!(!running("app").contains("-Zhint-mostly-unused"), "{stderr}");

    // With the unstable table switched off on the command line, cargo ignores the key, as a
    // stable cargo does: the measurement is refused rather than comparing two equal builds.
    let run = cli(&ws)
        .line("try hint-mostly-unused=api --scenario dev-clean --runs 1 --format json --config unstable.profile-hint-mostly-unused=false")
        .run();
    assert_eq!(run.code(), 101, "{}", run.stderr());
    let refused = candidate_failure(&run.json()).unwrap();
    assert!(
        refused.contains("measurement refused") && refused.contains("without -Zhint-mostly-unused"),
        "{refused}"
    );
}

#[test]
fn a_dylib_facade_is_measured_and_its_binary_runs_with_the_documented_library_path() {
    let (ws, report) = fixture_json(
        "levers",
        "try dylib=api --scenario dev-incremental --runs 1 --format json",
        0,
    );
    assert_eq!(candidate_failure(&report), None, "{report:#}");
    let notes = report["variants"][1]["notes"][0].as_str().unwrap();
    assert!(notes.contains("LD_LIBRARY_PATH"), "{notes}");
    // The workspace itself is untouched: the facade lives in the scratch copy.
    assert!(!ws.path("dylib-facades").exists());
    assert!(!ws.read("crates/app/src/main.rs").contains("extern crate"));

    let debug = ws.path("target/cargo-tune/dev-incremental/candidate-1/debug");
    let app = debug.join("app");
    let direct = Command::new(&app)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    assert!(
        !direct.status.success(),
        "the binary starts without its dylib"
    );
    assert!(
        String::from_utf8_lossy(&direct.stderr).contains("libcargo_tune_dylib_api.so"),
        "{}",
        String::from_utf8_lossy(&direct.stderr)
    );
    let libdir = String::from_utf8(
        Command::new("rustc")
            .args(["--print", "target-libdir"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let with_path = Command::new(&app)
        .env(
            "LD_LIBRARY_PATH",
            format!("{}:{}", libdir.trim(), debug.join("deps").display()),
        )
        .output()
        .unwrap();
    assert!(with_path.status.success());
    assert_eq!(
        String::from_utf8_lossy(&with_path.stdout),
        "api says 6977\n"
    );

    for (change, reason) in [
        ("dylib=app", "it is a workspace member"),
        ("dylib=nope", "not in this workspace's dependency graph"),
    ] {
        cli(&ws)
            .args(["try", change, "--scenario", "dev-incremental"])
            .run()
            .assert_code(2)
            .assert_stderr_has(&[reason]);
    }
}

#[test]
fn apply_writes_a_dylib_facade_only_behind_the_named_feature() {
    let ws = TempWorkspace::fixture("levers");
    let files = [
        "Cargo.toml",
        "Cargo.lock",
        "crates/app/Cargo.toml",
        "crates/app/src/main.rs",
    ];
    let before: Vec<String> = files.iter().map(|f| ws.read(f)).collect();
    cli(&ws)
        .line("apply dylib=api")
        .run()
        .assert_code(2)
        .assert_stderr_has(&["--feature NAME"]);
    cli(&ws)
        .line("apply hint-mostly-unused=api")
        .run()
        .assert_code(2)
        .assert_stderr_has(&["RUSTC_BOOTSTRAP=1 cargo build -Z profile-hint-mostly-unused"]);
    cli(&ws)
        .line("apply dylib=api --feature dylib-api --execute --allow-dirty")
        .run()
        .assert_code(0);
    assert!(
        ws.read("crates/app/Cargo.toml")
            .contains("dylib-api = [\"dep:cargo-tune-dylib-api\"]")
    );
    // Without the feature the build is the one it was; with it, the binary needs the dylib.
    cargo(ws.root(), &["build", "--offline", "--locked"]);
    let plain = ws.path("target/debug/app");
    assert!(Command::new(&plain).output().unwrap().status.success());
    cargo(
        ws.root(),
        &[
            "build",
            "--offline",
            "--locked",
            "--features",
            "app/dylib-api",
        ],
    );
    assert!(
        !Command::new(&plain)
            .env_remove("LD_LIBRARY_PATH")
            .output()
            .unwrap()
            .status
            .success()
    );
    let run = cargo(
        ws.root(),
        &[
            "run",
            "--offline",
            "--locked",
            "-q",
            "--features",
            "app/dylib-api",
        ],
    );
    assert_eq!(run, "api says 6977\n");
    cli(&ws).line("undo").run().assert_code(0);
    let after: Vec<String> = files.iter().map(|f| ws.read(f)).collect();
    assert_eq!(before, after);
    assert!(!Path::new(&ws.path("dylib-facades/api/Cargo.toml")).exists());
}

#[test]
fn a_timings_run_makes_audit_suggest_the_hint_for_a_large_crate_the_binary_barely_uses() {
    let ws = TempWorkspace::fixture("levers");
    let timings = cli(&ws).line("timings --format json").run_json(0);
    let app = &timings["binaries"][0];
    assert_eq!(app["target"], "app");
    let api_bytes =
        find_by(&app["by_crate"], "crate_name", "api").map_or(0, |c| c["bytes"].as_u64().unwrap());
    assert!(
        api_bytes * 50 < app["bytes"].as_u64().unwrap(),
        "two of 400 functions: {app:#}"
    );
    let audit = cli(&ws).line("audit --costs --format json").run_json(0);
    let heavy = find_by(&audit["findings"], "id", "heavy-dependency:api")
        .unwrap_or_else(|| panic!("{audit:#}"));
    let kinds: Vec<&str> = heavy["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["change"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["hint-mostly-unused"], "{heavy:#}");
    assert!(heavy["cost"]["cpu_s"].as_f64().unwrap() > 0.0, "{heavy:#}");
}
