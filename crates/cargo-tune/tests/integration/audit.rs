//! `cargo tune audit` end to end: findings on the fixtures, output formats, exit codes and bad
//! input.

use cargo_tune_test_support::{
    CargoTuneCli, TempWorkspace, cargo, fake_tools, find_by, toolchain_bin_dir, unit_graph,
    write_script,
};
use serde_json::Value;

use crate::{cli, read_json};

/// `cargo tune` in `ws` with a PATH holding only the toolchain and the given fake tools, so
/// toolchain findings do not depend on what this machine has installed.
fn tune(ws: &TempWorkspace, tools: &[&str]) -> CargoTuneCli {
    let tools_dir = fake_tools(&ws.root().join("../fake-bin"), tools);
    let path = std::env::join_paths([tools_dir, toolchain_bin_dir()]).unwrap();
    // A rustup home without toolchains, so that what audit says of nightly does not depend on
    // the machine; `nightly.rs` tests it with the real one.
    let rustup_home = ws.root().join("../rustup-home");
    std::fs::create_dir_all(rustup_home.join("toolchains")).unwrap();
    cli(ws).env("PATH", path).env("RUSTUP_HOME", rustup_home)
}

/// `cargo tune audit --format json` plus `extra`, expected to succeed.
fn audit_json(ws: &TempWorkspace, tools: &[&str], extra: &[&str]) -> Value {
    let mut args = vec!["audit", "--format", "json"];
    args.extend_from_slice(extra);
    tune(ws, tools).args(args).run_json(0)
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["code"].as_str().unwrap(),
                f["subject"].as_str().unwrap()
            )
        })
        .collect()
}

fn has(report: &Value, id: &str) -> bool {
    codes(report).iter().any(|c| c == id)
}

#[test]
fn showcase_fires_every_profile_and_dependency_analysis() {
    let ws = TempWorkspace::fixture("showcase");
    let report = audit_json(&ws, &[], &[]);
    assert_eq!(report["format_version"], 2);
    assert_eq!(report["members"], 5);
    for id in [
        "debuginfo-in-dev:dev",
        "profile-in-non-root-manifest:crates/engine/Cargo.toml",
        "incremental-in-release:release",
        "unknown-profile-key:release.debug-assertion",
        "lto-against-goal:release",
        "codegen-units-against-goal:release",
        // Two copies of tinyrand (two paths): one finding each, named by the copy.
        "workspace-dep-not-inherited:tinyrand@vendor/tinyrand-0.1",
        "workspace-dep-not-inherited:tinyrand@vendor/tinyrand-0.2",
        "workspace-dep-features-differ:tinyrand@vendor/tinyrand-0.1",
        "workspace-dep-unused:tinyrand-next",
    ] {
        assert!(has(&report, id), "missing {id} in {:?}", codes(&report));
    }
    // Nothing about linkers or LLVM tools when none are on PATH.
    assert!(
        !codes(&report)
            .iter()
            .any(|c| c.starts_with("linker-alternative") || c.starts_with("llvm-tools"))
    );
    // Every finding carries the documented minimum.
    for f in report["findings"].as_array().unwrap() {
        for key in ["id", "code", "severity", "subject", "message"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
    }
    let debuginfo = find_by(&report["findings"], "code", "debuginfo-in-dev").unwrap();
    assert_eq!(debuginfo["location"]["path"], "Cargo.toml");
    assert_eq!(debuginfo["location"]["line"], 16);
    assert_eq!(debuginfo["suggestions"][0]["change"]["kind"], "profile-set");
    assert_eq!(
        debuginfo["suggestions"][0]["change"]["value"],
        "line-tables-only"
    );
    assert_eq!(debuginfo["suggestions"][1]["change"]["package"], "*");
}

#[test]
fn effective_profiles_follow_inheritance_and_sources() {
    let ws = TempWorkspace::fixture("showcase");
    let report = audit_json(&ws, &[], &[]);
    let profile = |name: &str| {
        find_by(&report["profiles"], "name", name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let value = |p: &Value, key: &str| find_by(&p["values"], "key", key).unwrap().clone();
    let fast = profile("fast-release");
    assert_eq!(fast["inherits"], serde_json::json!(["release"]));
    assert_eq!(value(&fast, "lto")["value"], false);
    assert_eq!(value(&fast, "lto")["defined_in"], "fast-release");
    assert_eq!(value(&fast, "codegen-units")["value"], 1);
    assert_eq!(value(&fast, "codegen-units")["defined_in"], "release");
    assert_eq!(value(&fast, "codegen-units")["source"]["kind"], "manifest");
    assert_eq!(value(&fast, "panic")["source"]["kind"], "default");
    let test = profile("test");
    assert_eq!(value(&test, "debug")["value"], true);
    assert_eq!(value(&test, "debug")["defined_in"], "dev");
    // cargo ignores unknown keys, so the effective profile does not show them.
    assert!(
        profile("release")["values"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["key"] != "debug-assertion")
    );
}

/// A profile value as cargo's unit graph spells it: `opt_level` as a string, `debuginfo` as a
/// level or a name.
fn as_unit_graph(key: &str, value: &Value) -> Value {
    match (key, value) {
        ("opt-level", Value::Number(n)) => Value::String(n.to_string()),
        ("debug", Value::Bool(b)) => serde_json::json!(if *b { 2 } else { 0 }),
        ("debug", Value::String(s)) => match s.as_str() {
            "none" => serde_json::json!(0),
            "limited" => serde_json::json!(1),
            "full" => serde_json::json!(2),
            _ => value.clone(),
        },
        _ => value.clone(),
    }
}

/// Every layer that can set a profile (manifest, inheritance, environment, `--config` as
/// `KEY=VALUE` and as a file), and cargo's unit graph, built with the same layers, must agree
/// on what each member is compiled with.
#[test]
fn effective_profiles_match_cargos_unit_graph() {
    let ws = TempWorkspace::fixture("showcase");
    ws.write("tune.toml", "[profile.release]\nopt-level = 2\n");
    let env = [("CARGO_PROFILE_DEV_OPT_LEVEL", "1")];
    let config = [
        "--config",
        "profile.dev.debug=\"line-tables-only\"",
        "--config",
        "profile.release.codegen-units=4",
        "--config",
        "tune.toml",
    ];
    let report = env
        .iter()
        .fold(tune(&ws, &[]), |cli, (k, v)| cli.env(k, v))
        .args(["audit", "--format", "json", "--offline"])
        .args(config)
        .run_json(0);
    let members = ws.root().join("crates");
    let keys = [
        ("opt-level", "opt_level"),
        ("debug", "debuginfo"),
        ("debug-assertions", "debug_assertions"),
        ("overflow-checks", "overflow_checks"),
        ("panic", "panic"),
        ("incremental", "incremental"),
        ("rpath", "rpath"),
        ("codegen-units", "codegen_units"),
    ];
    for (profile, select) in [
        ("dev", &[][..]),
        ("release", &["--release"][..]),
        ("fast-release", &["--profile", "fast-release"][..]),
    ] {
        let ours = find_by(&report["profiles"], "name", profile)
            .unwrap_or_else(|| panic!("no {profile} profile"));
        let value = |key: &str| {
            find_by(&ours["values"], "key", key)
                .unwrap_or_else(|| panic!("{profile} has no {key}"))
                .clone()
        };
        let mut args = vec!["--workspace"];
        args.extend_from_slice(select);
        args.extend_from_slice(&config);
        let graph = unit_graph(ws.root(), &args, &env);
        let mut compared = 0;
        for unit in graph["units"].as_array().unwrap() {
            let id = unit["pkg_id"].as_str().unwrap();
            let kinds = unit["target"]["kind"].as_array().unwrap();
            // Members built for the target; proc-macros take the build-override.
            if !id.contains(&format!("{}/", members.display()))
                || kinds.contains(&"proc-macro".into())
            {
                continue;
            }
            for (key, field) in keys {
                let ours = value(key);
                let cargos = &unit["profile"][field];
                if cargos.is_null() {
                    // cargo leaves a default codegen-units to rustc.
                    assert_eq!(ours["source"]["kind"], "default", "{profile}.{key}: {ours}");
                } else {
                    assert_eq!(
                        &as_unit_graph(key, &ours["value"]),
                        cargos,
                        "{profile}.{key} for {id}: ours {ours}"
                    );
                }
            }
            compared += 1;
        }
        assert!(
            compared >= 3,
            "{profile}: only {compared} member units in the unit graph"
        );
    }
    let dev_debug = find_by(&report["profiles"][0]["values"], "key", "debug")
        .unwrap()
        .clone();
    assert_eq!(
        dev_debug["source"],
        serde_json::json!({ "kind": "cli-config", "arg": "profile.dev.debug=\"line-tables-only\"" })
    );
}

#[test]
fn environment_overrides_profiles_and_is_reported() {
    let ws = TempWorkspace::fixture("showcase");
    let report = tune(&ws, &[])
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .args(["audit", "--format", "json"])
        .run_json(0);
    assert!(has(&report, "profile-env-override:CARGO_PROFILE_DEV_DEBUG"));
    assert!(
        !has(&report, "debuginfo-in-dev:dev"),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn config_traps_are_found_from_the_working_directory() {
    let ws = TempWorkspace::fixture("config-traps");
    let report = audit_json(&ws, &[], &[]);
    for id in [
        "profile-inherits-invalid:profiling",
        "workspace-dep-not-inherited:util",
        "workspace-dep-requirement-mismatch:util",
        "rustflags-precedence:build.rustflags",
        "build-jobs-limited:build.jobs",
        "codegen-units-against-goal:release",
    ] {
        assert!(has(&report, id), "missing {id} in {:?}", codes(&report));
    }
    assert!(!has(&report, "debuginfo-in-dev:dev"));
    let trap = find_by(&report["findings"], "code", "rustflags-precedence").unwrap();
    assert_eq!(
        trap["evidence"]["ignored"],
        serde_json::json!(["-C", "link-arg=-fuse-ld=mold"])
    );
    assert_eq!(trap["location"]["path"], ".cargo/config.toml");
    assert_eq!(
        report["toolchain"]["rustflags"],
        serde_json::json!(["--cfg", "tuned"])
    );
}

#[test]
fn toolchain_findings_follow_the_tools_on_path() {
    let ws = TempWorkspace::fixture("config-traps");
    let report = audit_json(&ws, &["mold", "sccache", "llvm-profdata-14"], &[]);
    assert!(has(&report, "linker-alternative-available:mold"));
    assert!(has(&report, "sccache-available-unused:sccache"));
    assert!(has(&report, "llvm-tools-mismatch:llvm-profdata"));
    assert_eq!(report["toolchain"]["linker"], "rust-lld");

    // LLVM tools matter only to PGO: information unless the rustflags in effect use it.
    let llvm = |report: &Value| {
        find_by(&report["findings"], "code", "llvm-tools-mismatch")
            .cloned()
            .unwrap()
    };
    let small = TempWorkspace::fixture("small-real");
    let plain = tune(&small, &["llvm-profdata-14"])
        .args(["audit", "--deny", "warnings", "--format", "json"])
        .run();
    let finding = llvm(&plain.json());
    assert_eq!(finding["severity"], "info");
    let blocking: Vec<_> = plain.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| f["id"].clone())
        .collect();
    assert_eq!(
        plain.code(),
        if blocking.is_empty() { 0 } else { 1 },
        "{blocking:?}"
    );
    // No matching tool: the help says to install one, and the message does not contradict it.
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("no llvm-profdata for LLVM")
    );
    let with_pgo = tune(&small, &["llvm-profdata-14"])
        .env("RUSTFLAGS", "-C profile-generate=/tmp/pgo-data")
        .args(["audit", "--format", "json"])
        .run_json(0);
    assert_eq!(llvm(&with_pgo)["severity"], "warning");

    let with_wrapper = tune(&ws, &["sccache"])
        .env("RUSTC_WRAPPER", "sccache")
        .env("RUSTFLAGS", "-C linker-features=-lld")
        .args(["audit", "--format", "json"])
        .run_json(0);
    assert!(has(&with_wrapper, "sccache-with-incremental:sccache"));
    assert!(has(&with_wrapper, "slow-linker:ld.bfd"));
    assert!(!has(&with_wrapper, "sccache-available-unused:sccache"));
    // RUSTFLAGS hides both config sources.
    assert!(has(&with_wrapper, "rustflags-precedence:build.rustflags"));
    assert!(has(
        &with_wrapper,
        "rustflags-precedence:target.'cfg(unix)'.rustflags"
    ));
}

#[test]
fn overridden_toolchain_pin_that_is_not_installed_is_a_finding() {
    let ws = TempWorkspace::fixture("showcase");
    ws.write("rust-toolchain.toml", "[toolchain]\nchannel = \"1.61.0\"\n");
    // RUSTUP_TOOLCHAIN wins over the pin, so the audit runs and reports the stale pin.
    let report = tune(&ws, &[])
        .env("RUSTUP_TOOLCHAIN", "stable")
        .args(["audit", "--format", "json"])
        .run_json(0);
    assert!(
        has(&report, "toolchain-pin-not-installed:1.61.0"),
        "{:?}",
        codes(&report)
    );
    assert_eq!(report["toolchain"]["toolchain_pin"], "1.61.0");
    assert_eq!(report["toolchain"]["toolchain_pin_installed"], false);
}

#[test]
fn deny_levels_and_relevelling_set_the_exit_code() {
    let ws = TempWorkspace::fixture("showcase");
    tune(&ws, &[])
        .args(["audit", "--deny", "warnings", "--format", "json"])
        .run()
        .assert_code(1);
    tune(&ws, &[])
        .args(["audit", "--deny", "errors", "--format", "json"])
        .run()
        .assert_code(0);
    let report = tune(&ws, &[])
        .line("audit --format json -D lto-against-goal -A debuginfo-in-dev --deny errors")
        .run_json(1);
    assert!(!has(&report, "debuginfo-in-dev:dev"));
    let lto = find_by(&report["findings"], "code", "lto-against-goal").unwrap();
    assert_eq!(lto["severity"], "error");
    let bad = tune(&ws, &[])
        .args(["audit", "-A", "no-such-code"])
        .run()
        .assert_code(2);
    bad.assert_stderr_has(&["debuginfo-in-dev"]);
}

#[test]
fn goal_changes_the_release_advice() {
    let ws = TempWorkspace::fixture("showcase");
    let runtime = audit_json(&ws, &[], &["--goal", "runtime"]);
    assert!(!has(&runtime, "lto-against-goal:release"));
    assert!(!has(&runtime, "codegen-units-against-goal:release"));
    // fast-release turns LTO off, which the runtime goal questions.
    assert!(has(&runtime, "lto-against-goal:fast-release"));
}

/// What differs between machines and checkouts, replaced by a placeholder: the workspace's
/// path, the machine facts (`cores 2`, `"cores": 2`) and the suggested thread count, which
/// follows the cores.
fn redacted(ws: &TempWorkspace, text: &str) -> String {
    let mut text = text.replace(&ws.root().display().to_string(), "<workspace>");
    for fact in ["cores", "memory_gib", "rustc", "llvm"] {
        text = replace_after(&text, fact, " ", |c| c.is_whitespace(), "<redacted>");
        text = replace_after(
            &text,
            &format!("\"{fact}\":"),
            " ",
            |c| c == ',' || c == '\n',
            "\"<redacted>\"",
        );
    }
    replace_after(&text, "threads=", "", |c| !c.is_ascii_digit(), "<N>")
}

/// Replaces the value after each `lead`: past the run of `gap` that follows it (one at least
/// when `gap` is not empty), up to the first character `ends` accepts; a lead with no value
/// stays as it is.
fn replace_after(text: &str, lead: &str, gap: &str, ends: fn(char) -> bool, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(lead) {
        let after = &rest[at + lead.len()..];
        let value = if gap.is_empty() {
            after
        } else {
            after.trim_start_matches(gap)
        };
        let len = value.find(ends).unwrap_or(value.len());
        let spaced = gap.is_empty() || value.len() < after.len();
        if spaced && len > 0 {
            out.push_str(&rest[..at + lead.len() + after.len() - value.len()]);
            out.push_str(with);
            rest = &value[len..];
        } else {
            out.push_str(&rest[..at + lead.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings
}

#[test]
fn human_and_markdown_output_snapshots() {
    let ws = TempWorkspace::fixture("showcase");
    let human = tune(&ws, &[]).args(["audit"]).run().assert_code(0).stdout();
    let markdown = tune(&ws, &[])
        .args(["audit", "--format", "markdown"])
        .run()
        .assert_code(0)
        .stdout();
    let (human_shown, markdown_shown) = (redacted(&ws, &human), redacted(&ws, &markdown));
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("audit_showcase_human", human_shown);
        insta::assert_snapshot!("audit_showcase_markdown", markdown_shown);
    });
    assert!(!human.contains('\u{1b}'), "NO_COLOR output must be plain");
    let colored = tune(&ws, &[])
        .env_remove("NO_COLOR")
        .args(["--color", "always", "audit"])
        .run()
        .assert_code(0)
        .stdout();
    assert!(colored.contains("\u{1b}["), "--color always must colour");
}

#[test]
fn json_output_snapshot() {
    let ws = TempWorkspace::fixture("showcase");
    let mut report = audit_json(&ws, &[], &[]);
    report["toolchain"] = Value::String("<machine-dependent>".into());
    let text = serde_json::to_string_pretty(&report).unwrap();
    let text = redacted(&ws, &text);
    snapshot_settings().bind(|| insta::assert_snapshot!("audit_showcase_json", text));
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let ws = TempWorkspace::fixture("showcase");
    let out = ws.root().join("../report.json");
    let run = tune(&ws, &[])
        .args([
            "audit",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ])
        .run()
        .assert_code(0);
    assert!(run.stdout().is_empty());
    let report: Value = read_json(&out);
    assert_eq!(report["format_version"], 2);
}

#[test]
fn metadata_path_reads_captured_json() {
    let ws = TempWorkspace::fixture("showcase");
    let meta = cargo(ws.root(), &["metadata", "--format-version", "1"]);
    ws.write("../metadata.json", &meta);
    let report = tune(&ws, &[])
        .line("audit --format json --metadata-path ../metadata.json")
        .run_json(0);
    assert!(has(&report, "debuginfo-in-dev:dev"));
}

mod bad_input {
    use super::*;

    fn assert_error(run: &cargo_tune_test_support::RunResult, needles: &[&str]) {
        let err = run.stderr();
        assert!(err.starts_with("error: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        for needle in needles {
            assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
        }
        assert!(run.stdout().is_empty());
    }

    #[test]
    fn outside_a_workspace() {
        let ws = TempWorkspace::empty();
        let run = tune(&ws, &[]).args(["audit"]).run().assert_code(96);
        assert_error(&run, &["Cargo.toml", ws.root().to_str().unwrap()]);
    }

    #[test]
    fn malformed_manifest_names_file_line_and_column() {
        let ws = TempWorkspace::fixture("showcase");
        let before = "[workspace]\nmembers = [\"crates/*\"]\nresolver = \n";
        ws.write("Cargo.toml", before);
        let run = tune(&ws, &[]).args(["audit"]).run().assert_code(96);
        assert_error(&run, &["Cargo.toml:3:12"]);
        assert_eq!(ws.read("Cargo.toml"), before);
    }

    /// A library workspace often commits no lockfile. The audit resolves it into the target
    /// directory and finds what it would find after `cargo generate-lockfile`, without writing
    /// one into the workspace; `--locked` and the commands that build still refuse.
    #[test]
    fn missing_lockfile_is_resolved_aside_and_never_created() {
        let ws = TempWorkspace::fixture("showcase");
        std::fs::remove_file(ws.path("Cargo.lock")).unwrap();
        let report = audit_json(&ws, &[], &["--offline"]);
        assert!(!ws.path("Cargo.lock").exists(), "audit wrote Cargo.lock");
        let aside = ws.path("target/cargo-tune/lockfile/Cargo.lock");
        assert_eq!(report["lockfile_aside"], aside.display().to_string());
        assert_eq!(report["unit_graph"]["source"], "unit-graph");
        let human = tune(&ws, &[]).args(["audit", "--offline"]).run();
        human.assert_stdout_has(&["has no Cargo.lock"]);

        let locked = TempWorkspace::fixture("showcase");
        cargo(locked.root(), &["generate-lockfile", "--offline"]);
        let with_lock = audit_json(&locked, &[], &["--offline"]);
        assert_eq!(codes(&report), codes(&with_lock));
        assert_eq!(
            std::fs::read_to_string(&aside).unwrap(),
            locked.read("Cargo.lock")
        );

        for refused in [&["audit", "--locked"][..], &["bench", "--runs", "1"][..]] {
            let run = tune(&ws, &[]).args(refused).run().assert_code(96);
            assert_error(&run, &["Cargo.lock", "cargo generate-lockfile"]);
        }
        assert!(!ws.path("Cargo.lock").exists());
    }

    #[test]
    fn toolchain_pin_not_installed() {
        let ws = TempWorkspace::fixture("showcase");
        ws.write("rust-toolchain.toml", "[toolchain]\nchannel = \"1.61.0\"\n");
        // Without a default toolchain to read the workspace with, there is nothing to audit.
        let run = tune(&ws, &[])
            .env_remove("RUSTUP_TOOLCHAIN")
            .args(["audit"])
            .run()
            .assert_code(96);
        assert_error(
            &run,
            &["rust-toolchain.toml", "1.61.0", "rustup toolchain install"],
        );
        // With rustup's own home, the default toolchain reads it, and the pin is the finding
        // (run inside the directory, as `cargo-tune` is when the proxy cannot start).
        let report = cli(&ws)
            .env_remove("RUSTUP_TOOLCHAIN")
            .line("audit --format json --offline")
            .run_json(0);
        let finding = &report["findings"][0];
        assert_eq!(
            finding["id"], "toolchain-pin-not-installed:1.61.0",
            "{report:#}"
        );
        assert_eq!(finding["severity"], "error");
        let message = finding["message"].as_str().unwrap();
        assert!(message.contains("cargo +stable tune"), "{message}");
    }

    #[test]
    fn cargo_metadata_failure_offline() {
        let ws = TempWorkspace::fixture("showcase");
        // A registry dependency that cannot be in any local cache.
        let manifest = ws.read("crates/app/Cargo.toml").replace(
            "[dependencies]\n",
            "[dependencies]\ncargo-tune-no-such-crate-anywhere = \"9.9.9\"\n",
        );
        ws.write("crates/app/Cargo.toml", &manifest);
        let lock_before = ws.read("Cargo.lock");
        let run = tune(&ws, &[])
            .env("CARGO_HOME", ws.root().join("../empty-cargo-home"))
            .args(["audit", "--offline"])
            .run()
            .assert_code(102);
        assert_error(
            &run,
            &["cargo metadata", "cargo-tune-no-such-crate-anywhere"],
        );
        assert_eq!(ws.read("Cargo.lock"), lock_before);
    }

    #[test]
    fn manifest_path_that_does_not_exist() {
        let ws = TempWorkspace::fixture("showcase");
        let run = tune(&ws, &[])
            .args(["audit", "--manifest-path", "nope/Cargo.toml"])
            .run()
            .assert_code(96);
        assert_error(&run, &["nope/Cargo.toml", "no such file"]);
        // A directory or a source file is refused in cargo's words, before anything parses it.
        let cargo_says = |path: &str| {
            let out = cargo_tune_test_support::cargo_output(
                ws.root(),
                &[
                    "metadata",
                    "--format-version=1",
                    "--offline",
                    "--manifest-path",
                    path,
                ],
            );
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        assert!(cargo_says(".").contains("is a directory but expected a file"));
        let dir = tune(&ws, &[])
            .line("audit --manifest-path .")
            .run()
            .assert_code(96);
        assert_error(
            &dir,
            &["is a directory but expected a file", "Cargo.toml exists"],
        );
        let source = tune(&ws, &[])
            .line("audit --manifest-path crates/app/src/main.rs")
            .run()
            .assert_code(96);
        assert_error(&source, &["crates/app/src/main.rs", "not a Cargo.toml"]);
        assert!(
            !source.stderr().contains("expected `=`"),
            "{}",
            source.stderr()
        );
    }

    #[test]
    fn unreadable_metadata_json() {
        let ws = TempWorkspace::fixture("showcase");
        ws.write("../metadata.json", "{ not json");
        let run = tune(&ws, &[])
            .args(["audit", "--metadata-path", "../metadata.json"])
            .run()
            .assert_code(102);
        assert_error(&run, &["metadata.json"]);
    }
}

/// A team configuration names sccache as the rustc wrapper, and this machine has none: cargo
/// itself fails on every command, but the audit still runs (without the wrapper), says where it
/// is set and how to fix it, and apply can still verify its edits.
#[test]
fn a_configured_wrapper_that_is_not_installed_is_reported_and_bypassed() {
    let ws = TempWorkspace::fixture("showcase");
    ws.write(
        ".cargo/config.toml",
        "[build]\nrustc-wrapper = \"sccache\"\n",
    );
    let report = audit_json(&ws, &[], &["--offline"]);
    let finding = find_by(&report["findings"], "code", "rustc-wrapper-missing")
        .unwrap_or_else(|| panic!("{}", codes(&report).join("\n")));
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["location"]["path"], ".cargo/config.toml");
    assert_eq!(finding["location"]["line"], 2);
    let help = finding["suggestions"][0]["summary"].as_str().unwrap();
    assert!(
        help.contains("cargo install --locked sccache") && help.contains("RUSTC_WRAPPER="),
        "{help}"
    );
    // A wrapper that does not run says nothing about its cache.
    assert!(!has(&report, "sccache-with-incremental:sccache"));
    assert!(report["packages"].as_u64().unwrap() > 0);
    tune(&ws, &[])
        .line("apply debuginfo-in-dev --offline --execute --allow-dirty")
        .run()
        .assert_code(0);
    assert!(
        ws.read("Cargo.toml")
            .contains("debug = \"line-tables-only\"")
    );

    // Installed, it is no finding and its cache advice returns.
    let report = audit_json(&ws, &["sccache"], &["--offline"]);
    assert!(!has(&report, "rustc-wrapper-missing:RUSTC_WRAPPER"));
    assert!(has(&report, "sccache-with-incremental:sccache"));
}

#[test]
fn a_rust_version_above_the_rustc_in_use_is_an_error_naming_what_cargo_refuses() {
    let ws = TempWorkspace::fixture("rust-version-ahead");
    let report = audit_json(&ws, &[], &["--offline"]);
    let finding = find_by(&report["findings"], "code", "rust-version-unsupported")
        .unwrap_or_else(|| panic!("no rust-version finding in {report:#}"));
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["subject"], "1.99.1");
    // cargo's own refusal names the same packages with the same requirements.
    let build =
        cargo_tune_test_support::cargo_output(ws.root(), &["build", "--offline", "--locked"]);
    let refusal = String::from_utf8_lossy(&build.stderr);
    assert!(
        !build.status.success() && refusal.contains("is not supported by the following packages"),
        "{refusal}"
    );
    let ours: Vec<&str> = finding["evidence"]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let cargos: Vec<String> = refusal
        .lines()
        .filter_map(|l| l.trim().split_once(" requires rustc "))
        .map(|(package, version)| format!("{package} needs rustc {version}"))
        .collect();
    assert_eq!(ours, cargos);
    // The unit graph is still read, so what is compiled twice is cargo's word, not a model's.
    assert!(
        report["unit_graph"]["unavailable"].is_null(),
        "{:#}",
        report["unit_graph"]
    );
    assert!(
        has(&report, "compiled-twice:leaf@0.1.0"),
        "{:?}",
        codes(&report)
    );
    // The first finding is the error.
    assert_eq!(report["findings"][0]["code"], "rust-version-unsupported");
}

#[test]
fn rustc_is_asked_again_only_when_the_toolchain_may_have_changed() {
    let ws = TempWorkspace::fixture("small-real");
    // Its two crates.io dependencies, so that the audits below can run offline.
    cargo(ws.root(), &["fetch"]);
    // A rustc that logs what it is asked before answering.
    let log = ws.path("rustc-calls.log");
    let real = toolchain_bin_dir().join("rustc");
    let bin = ws.path("logging-bin");
    write_script(
        &bin.join("rustc"),
        &format!(
            "echo \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    );
    let path = std::env::join_paths([bin, toolchain_bin_dir()]).unwrap();
    let probes = |extra: Option<(&str, &str)>| {
        let _ = std::fs::remove_file(&log);
        let mut cli = cli(&ws).env("PATH", &path).env_remove("RUSTC").args([
            "audit",
            "--format",
            "json",
            "--offline",
        ]);
        if let Some((k, v)) = extra {
            cli = cli.env(k, v);
        }
        let report = cli.run().json();
        let asked = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("target-spec-json"))
            .count();
        (report, asked)
    };
    // The first audit makes the target directory; the second keeps rustc's answers there.
    let (first, asked) = probes(None);
    assert_eq!(asked, 1);
    let _ = probes(None);
    let (kept, asked) = probes(None);
    assert_eq!(asked, 0, "rustc's answers are kept");
    assert!(first["toolchain"].is_object());
    assert_eq!(kept["toolchain"], first["toolchain"]);
    // Another toolchain named in the environment is asked anew.
    let (_, asked) = probes(Some(("RUSTUP_TOOLCHAIN", "stable")));
    assert_eq!(asked, 1);
}
