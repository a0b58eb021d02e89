//! The command-line contract: usage errors before any work, nothing written on a refused
//! command, and messages that say what happened and what to run next.

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::TempWorkspace;

use crate::cli;

#[test]
fn touch_accepts_only_rust_sources_of_members() {
    let ws = TempWorkspace::fixture("showcase");
    let outside = TempWorkspace::empty();
    outside.write("lib.rs", "// not a member\n");
    let outside_rs = outside.path("lib.rs");
    ws.write(
        "notes.rs",
        "// in the root, which is no member's directory\n",
    );
    for (touch, expected) in [
        ("Cargo.toml", "not a Rust source file"),
        ("crates/app/Cargo.toml", "not a Rust source file"),
        ("notes.rs", "not a source of a workspace member"),
        (
            outside_rs.to_str().unwrap(),
            "not a source of a workspace member",
        ),
        ("crates/app/src/nope.rs", "no such file"),
    ] {
        let before = std::fs::read(ws.path(touch)).ok();
        let run = cli(&ws)
            .args(["bench", "--scenario", "dev-incremental", "--runs", "1"])
            .args(["--touch", touch, "--no-history"])
            .run()
            .assert_code(exit_codes::USAGE);
        assert!(run.stderr().contains(expected), "{touch}: {}", run.stderr());
        assert_eq!(
            std::fs::read(ws.path(touch)).ok(),
            before,
            "{touch} untouched"
        );
        assert!(!ws.path("target").exists(), "{touch}: nothing was built");
    }
}

#[test]
fn an_unwritable_output_fails_before_any_edit_or_build() {
    let ws = TempWorkspace::fixture("showcase");
    let before = crate::apply::snapshot(ws.root());
    let run = crate::apply::apply(&ws, &["--execute", "-o", "/nonexistent/x"])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["/nonexistent/x"]);
    assert_eq!(crate::apply::snapshot(ws.root()), before, "no file edited");
    assert!(!ws.path("target").exists(), "no journal entry");

    for command in [&["bench"][..], &["try", "codegen-units=4"][..]] {
        let run = cli(&ws)
            .args(command.iter().copied())
            .args(["--scenario", "check", "--runs", "1", "-o", "/nonexistent/x"])
            .run()
            .assert_code(exit_codes::SETUP);
        run.assert_stderr_has(&["/nonexistent/x"]);
        assert!(
            !ws.path("target").exists(),
            "{command:?}: no build ran and no history was appended"
        );
    }

    // A writable destination still gets the report, and nothing else is left beside it.
    let out = TempWorkspace::empty();
    cli(&ws)
        .args(["audit", "--offline", "--format", "json", "-o"])
        .args([out.path("audit.json").to_str().unwrap()])
        .run()
        .assert_code(exit_codes::OK);
    let names: Vec<_> = std::fs::read_dir(out.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["audit.json"]);
}

#[test]
fn colour_follows_cargos_environment_variables() {
    let ws = TempWorkspace::fixture("showcase");
    let audit = |env: &[(&str, &str)]| {
        let mut cli = cli(&ws).env_remove("NO_COLOR");
        for (k, v) in env {
            cli = cli.env(k, v);
        }
        cli.args(["audit", "--offline"])
            .run()
            .assert_code(0)
            .stdout()
    };
    let colored = |text: &str| text.contains("\u{1b}[");
    assert!(!colored(&audit(&[])), "a pipe gets no colour");
    assert!(colored(&audit(&[("CLICOLOR_FORCE", "1")])));
    assert!(!colored(&audit(&[
        ("CLICOLOR_FORCE", "1"),
        ("NO_COLOR", "1")
    ])));
    assert!(colored(&audit(&[
        ("CARGO_TERM_COLOR", "always"),
        ("NO_COLOR", "1")
    ])));
    let err = cli(&ws)
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["undo", "--offline"])
        .run()
        .assert_code(exit_codes::SETUP)
        .stderr();
    assert!(colored(&err), "{err}");
}

/// A workspace of `n` members, each with a `[profile.dev]` cargo ignores: `n` findings of one
/// code.
fn members_with_profiles(n: usize) -> TempWorkspace {
    let ws = TempWorkspace::empty();
    ws.write(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n",
    );
    for i in 0..n {
        ws.write(
            &format!("crates/m{i}/Cargo.toml"),
            &format!(
                "[package]\nname = \"m{i}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[profile.dev]\nopt-level = 1\n"
            ),
        );
        ws.write(&format!("crates/m{i}/src/lib.rs"), "");
    }
    cargo_tune_test_support::cargo(ws.root(), &["generate-lockfile", "--offline"]);
    ws
}

#[test]
fn repeated_codes_are_one_heading_unless_verbose_and_json_is_unchanged() {
    let ws = members_with_profiles(4);
    let run = |extra: &[&str]| {
        cli(&ws)
            .args(["audit", "--offline"])
            .args(extra.iter().copied())
            .run()
            .assert_code(0)
            .stdout()
    };
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    let ids: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "profile-in-non-root-manifest")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "{json}");
    let headings = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("warning[profile-in-non-root-manifest]"))
            .count()
    };
    let grouped = run(&[]);
    assert_eq!(headings(&grouped), 1, "{grouped}");
    for i in 0..4 {
        assert!(
            grouped.contains(&format!("crates/m{i}/Cargo.toml:")),
            "{grouped}"
        );
    }
    let full = run(&["--verbose"]);
    assert_eq!(headings(&full), 4, "{full}");
    assert!(full.lines().count() > grouped.lines().count());
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&run(&["--format", "json", "--verbose"]))
            .unwrap(),
        json
    );
}

#[test]
fn audit_says_what_to_run_next_and_markdown_keeps_help_and_ids() {
    let ws = TempWorkspace::fixture("showcase");
    let json = cli(&ws)
        .args(["audit", "--offline", "--format", "json"])
        .run_json(0);
    let human = cli(&ws)
        .args(["audit", "--offline"])
        .run()
        .assert_code(0)
        .stdout();
    let next = human.split("\nnext\n").nth(1).expect("a next section");
    let first_id = json["findings"][0]["id"].as_str().unwrap();
    assert!(
        next.contains(&format!("cargo tune apply {first_id}"))
            && next.contains("cargo tune try ")
            && next.contains("--execute"),
        "{next}"
    );
    let markdown = cli(&ws)
        .args(["audit", "--offline", "--format", "markdown"])
        .run()
        .assert_code(0)
        .stdout();
    for finding in json["findings"].as_array().unwrap() {
        let id = finding["id"].as_str().unwrap();
        assert!(
            markdown.contains(&format!("`{id}`")),
            "{id} missing:\n{markdown}"
        );
        for help in finding["suggestions"].as_array().into_iter().flatten() {
            let summary = help["summary"]
                .as_str()
                .unwrap()
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            assert!(
                markdown.contains(&summary),
                "{summary} missing:\n{markdown}"
            );
        }
    }
    assert!(markdown.contains("cargo tune apply"), "{markdown}");
}

#[test]
fn apply_dry_run_says_so_and_how_to_write() {
    let ws = TempWorkspace::fixture("showcase");
    let before = crate::apply::snapshot(ws.root());
    let run = crate::apply::apply(&ws, &[])
        .run()
        .assert_code(exit_codes::OK);
    let stderr = run.stderr();
    assert!(
        stderr.contains("dry run") && stderr.contains("--execute"),
        "{stderr}"
    );
    assert_eq!(crate::apply::snapshot(ws.root()), before);
}

#[test]
fn broken_members_and_config_are_one_paragraph_setup_errors() {
    let one_paragraph = |run: &cargo_tune_test_support::RunResult| {
        let stderr = run.stderr();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            !stderr.contains("Caused by") && !stderr.contains("caused by"),
            "{stderr}"
        );
        stderr
    };
    let ws = TempWorkspace::fixture("showcase");
    let manifest = ws.read("crates/app/Cargo.toml");
    ws.write(
        "crates/app/Cargo.toml",
        &manifest.replacen("[package]", "[package", 1),
    );
    let run = cli(&ws)
        .args(["audit", "--offline"])
        .run()
        .assert_code(exit_codes::SETUP);
    let stderr = one_paragraph(&run);
    assert!(
        stderr.contains("crates/app/Cargo.toml:1:9: unclosed table"),
        "{stderr}"
    );

    let ws = TempWorkspace::fixture("showcase");
    let root = ws.read("Cargo.toml");
    ws.write(
        "Cargo.toml",
        &root.replace(
            "members = [\"crates/*\"]",
            "members = [\"crates/*\", \"nope\"]",
        ),
    );
    let run = cli(&ws)
        .args(["apply", "--all", "--offline"])
        .run()
        .assert_code(exit_codes::SETUP);
    let stderr = one_paragraph(&run);
    assert!(
        stderr.contains("workspace member") && stderr.contains("nope/Cargo.toml"),
        "{stderr}"
    );

    let ws = TempWorkspace::fixture("showcase");
    for config in ["build.jobs=[", "no-such-file.toml"] {
        let run = cli(&ws)
            .args(["audit", "--offline", "--config", config])
            .run()
            .assert_code(exit_codes::SETUP);
        let stderr = one_paragraph(&run);
        assert!(stderr.contains(&format!("--config `{config}`")), "{stderr}");
    }
}
