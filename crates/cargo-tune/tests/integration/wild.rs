//! The wild linker for real: `try linker=wild` measures builds wild linked, and `apply` writes
//! the same flags, after which cargo's own builds link with wild (through clang `--ld-path`,
//! since gcc cannot drive it).

use std::path::Path;

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{cargo, require_tool as require};

use crate::apply::undo_offline;
use crate::{cli, fixture_json};

/// wild signs the `.comment` section of what it links.
fn linked_by_wild(binary: &Path) -> bool {
    let bytes = std::fs::read(binary).unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    let marker = b"Linker: Wild";
    bytes.windows(marker.len()).any(|w| w == marker)
}

/// One workspace for both halves, so the builds `try` made are not made again: `try` measures
/// builds that wild linked, and `apply` writes exactly the flags it measured.
#[test]
fn try_linker_wild_links_with_wild_and_apply_writes_the_same_flags() {
    require("wild", "cargo install --locked wild-linker@0.10.0");
    require("clang", "apt-get install clang");
    let (ws, measured) = fixture_json(
        "showcase",
        "try linker=wild --scenario dev-incremental --runs 1 --offline --format json",
        exit_codes::OK,
    );
    let try_flags: Vec<String> = measured["variants"][1]["rustflags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    assert!(
        try_flags
            .iter()
            .any(|f| f.contains("link-arg=--ld-path=wild")),
        "{try_flags:?}"
    );
    let scenario = &measured["scenarios"][0];
    assert!(
        scenario["variants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["failure"].is_null() && v["runs"].as_array().unwrap().len() == 1),
        "{scenario}"
    );
    let binary = |variant: &str| {
        ws.path(&format!(
            "target/cargo-tune/dev-incremental/{variant}/debug/app"
        ))
    };
    assert!(
        linked_by_wild(&binary("candidate-1")),
        "the candidate was linked by wild"
    );
    assert!(!linked_by_wild(&binary("baseline")), "the baseline was not");

    cli(&ws)
        .line("apply linker-alternative-available:wild --offline --execute --allow-dirty")
        .run()
        .assert_code(exit_codes::OK);
    let config = ws.read(".cargo/config.toml");
    let written: toml_edit::DocumentMut = config.parse().unwrap();
    let host = cargo_tune_test_support::cargo(ws.root(), &["-vV"])
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .unwrap();
    let applied: Vec<String> = written["target"][host.as_str()]["rustflags"]
        .as_array()
        .unwrap_or_else(|| panic!("{config}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    // try measured the workspace's own rustflags (none here) plus the linker flags.
    assert_eq!(applied, try_flags, "{config}");

    // cargo itself, with nothing of cargo-tune's in the environment, now links with wild: a
    // binary, a test harness and a proc-macro.
    cargo(
        ws.root(),
        &["build", "--offline", "--workspace", "--bins", "--tests"],
    );
    assert!(linked_by_wild(&ws.path("target/debug/app")), "{config}");
    let deps: Vec<_> = std::fs::read_dir(ws.path("target/debug/deps"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name.starts_with("app-") && p.extension().is_none())
                || p.extension().is_some_and(|e| e == "so")
        })
        .collect();
    assert!(!deps.is_empty(), "no test harness or proc-macro was built");
    for dep in &deps {
        assert!(
            linked_by_wild(dep),
            "{} was not linked by wild",
            dep.display()
        );
    }

    undo_offline(&ws, exit_codes::OK);
    assert!(!ws.path(".cargo/config.toml").exists());
}
