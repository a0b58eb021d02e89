//! The command-line contract: usage errors before any work, nothing written on a refused
//! command, and messages that say what happened and what to run next.

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{CargoTuneCli, TempWorkspace};

fn cli(ws: &TempWorkspace) -> CargoTuneCli {
    CargoTuneCli::new(env!("CARGO_BIN_EXE_cargo-tune"), ws.root())
}

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
    assert!(run.stderr().contains("/nonexistent/x"), "{}", run.stderr());
    assert_eq!(crate::apply::snapshot(ws.root()), before, "no file edited");
    assert!(!ws.path("target").exists(), "no journal entry");

    for command in [&["bench"][..], &["try", "codegen-units=4"][..]] {
        let run = cli(&ws)
            .args(command.iter().copied())
            .args(["--scenario", "check", "--runs", "1", "-o", "/nonexistent/x"])
            .run()
            .assert_code(exit_codes::SETUP);
        assert!(run.stderr().contains("/nonexistent/x"), "{}", run.stderr());
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
