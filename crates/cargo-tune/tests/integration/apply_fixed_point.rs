//! One apply reaches the fixed point and keeps every comment with what it is about, on fixtures
//! made for each way that went wrong on real workspaces: comments after a table's last key, over
//! removed entries and naming the next table (`comments`), one package renamed in four
//! semver-incompatible versions (`renamed-majors`, after actix-web's rustls), and `cargo update`
//! steps of which only some remove the duplicate they are for (`update-no-collapse`). Where cargo
//! can tell, its own output is the judge (`cargo metadata`, `cargo tree -d`).

use std::path::Path;

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{TempWorkspace, cargo, comment_problems};

use crate::apply::{finding_ids, undo_offline};
use crate::cli;

const MANIFESTS: &[&str] = &[
    "Cargo.toml",
    "crates/app/Cargo.toml",
    "crates/tool/Cargo.toml",
    "crates/lib/Cargo.toml",
];

fn read_all(root: &Path, files: &[&str]) -> Vec<String> {
    files
        .iter()
        .map(|f| std::fs::read_to_string(root.join(f)).unwrap())
        .collect()
}

/// The packages cargo resolves, as `name version` lines.
fn resolved(root: &Path) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&cargo(
        root,
        &["metadata", "--offline", "--locked", "--format-version", "1"],
    ))
    .unwrap();
    let mut out: Vec<String> = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

/// `--all`, with or without hygiene: the comments stay, cargo resolves the same packages, a
/// second apply plans nothing, and undo gives back every byte.
#[test]
fn apply_keeps_every_comment_next_to_what_it_is_about() {
    for hygiene in [false, true] {
        let ws = TempWorkspace::fixture("comments");
        let before = read_all(ws.root(), MANIFESTS);
        let packages = resolved(ws.root());
        let mut args = vec!["apply", "--all", "--offline", "--allow-dirty"];
        if hygiene {
            args.extend(["--include", "hygiene"]);
        }
        let json = cli(&ws)
            .args(&args)
            .args(["--execute", "--format", "json"])
            .run_json(exit_codes::OK);
        let after = read_all(ws.root(), MANIFESTS);
        for ((file, old), new) in MANIFESTS.iter().zip(&before).zip(&after) {
            let problems = comment_problems(old, new);
            assert!(
                problems.is_empty(),
                "{file} (hygiene {hygiene}): {problems:?}\n{new}"
            );
        }
        let root = &after[0];
        // The comments that ended [profile.dev] at the end of the file stay above the new table.
        assert!(
            root.contains("# opt-level = 1\n\n[profile.dev.package.\"*\"]\ndebug = false\n"),
            "{root}"
        );
        let left_out = json["left_out"].as_array().map_or(0, Vec::len);
        if hygiene {
            assert_eq!(left_out, 0);
            // The removed entries' comments stay where the entries were.
            assert!(
                root.contains("# Remove once it lands.\n# Nobody uses this either.\n# was `old-fmt = { path = \"vendor/smallfmt\", package = \"smallfmt\" }`: was needed by the CLI\n"),
                "{root}"
            );
            // The published member keeps its higher requirement; the others inherit the lowest.
            let notes = json["changes"][0]["notes"].to_string();
            assert!(
                notes.contains(
                    "crates/lib/Cargo.toml keeps `tinyrand` inline with its own \\\"0.1.2\\\""
                ),
                "{notes}"
            );
            assert!(root.contains("tinyrand = { version = \"0.1\", path = \"vendor/tinyrand\" }"));
            assert!(after[3].contains("version = \"0.1.2\""), "{}", after[3]);
            assert!(after[1].contains("tinyrand = { workspace = true }"));
        } else {
            // Hygiene is left out, with the option that takes it.
            assert_eq!(left_out, 3, "{json}");
            assert_eq!(json["left_out"][0]["include"], "--include hygiene");
            assert_eq!(after[1], before[1]);
        }
        assert_eq!(resolved(ws.root()), packages);
        let again = cli(&ws)
            .args(&args)
            .args(["--check", "--format", "json"])
            .run_json(exit_codes::OK);
        assert_eq!(again["pending"], false, "{again}");
        undo_offline(&ws, exit_codes::OK);
        assert_eq!(read_all(ws.root(), MANIFESTS), before);
    }
}

/// actix-web declares rustls 0.20 to 0.23 under renamed keys, and needed four applies: the
/// four findings shared one id, so the audit kept one a round. Each copy now has its own
/// finding and its own workspace entry, and one apply centralizes them all.
#[test]
fn apply_centralizes_every_major_of_a_renamed_package_in_one_step() {
    let ws = TempWorkspace::fixture("renamed-majors");
    let ids = |ws: &TempWorkspace| finding_ids(ws, "workspace-dep-not-inherited");
    assert_eq!(
        ids(&ws),
        [
            "workspace-dep-not-inherited:tinytls@0.20",
            "workspace-dep-not-inherited:tinytls@0.21",
            "workspace-dep-not-inherited:tinytls@0.22",
            "workspace-dep-not-inherited:tinytls@0.23",
        ]
    );
    let packages = resolved(ws.root());
    cli(&ws)
        .line("apply --all --include hygiene --offline --execute --allow-dirty")
        .run()
        .assert_code(exit_codes::OK);
    let root = ws.read("Cargo.toml");
    for entry in [
        "tls-0_20 = { package = \"tinytls\", version = \"0.20\" }",
        "tls-0_21 = { package = \"tinytls\", version = \"0.21\" }",
        "tls-0_22 = { package = \"tinytls\", version = \"0.22\" }",
        "tinytls = \"0.23\"",
        "tls-0_23 = { package = \"tinytls\", version = \"0.23\", default-features = false }",
    ] {
        assert!(root.contains(entry), "{entry} not in\n{root}");
    }
    assert!(ids(&ws).is_empty());
    assert_eq!(resolved(ws.root()), packages);
    let again = cli(&ws)
        .line("apply --all --include hygiene --offline --check --format json")
        .run_json(exit_codes::OK);
    assert_eq!(again["pending"], false, "{again}");
}

/// The duplicates cargo lists, as `name version` lines (`cargo tree -d` over every target).
fn cargo_duplicates(root: &Path) -> Vec<String> {
    cargo(
        root,
        &[
            "tree",
            "-d",
            "--offline",
            "--workspace",
            "--target",
            "all",
            "--depth",
            "0",
            "--prefix",
            "none",
        ],
    )
    .lines()
    .filter(|l| !l.trim().is_empty())
    .map(|l| l.trim().to_owned())
    .collect()
}

/// Updates that move a duplicate's holders but leave it in place churn Cargo.lock for nothing:
/// holder-c can move to twig 2, holder-d cannot, so twig stays in two versions and the update
/// of holder-c is left out; the two updates for leaf together remove leaf 1, and run (holder-b
/// together with pin-b, which pins it exactly).
#[test]
fn apply_runs_only_the_updates_that_remove_their_duplicate() {
    let ws = TempWorkspace::fixture("update-no-collapse");
    let update = |spec: &str, precise: &str| {
        serde_json::json!({
            "summary": format!("move {spec} to {precise}"),
            "change": {"kind": "cargo-update", "spec": spec, "precise": precise}
        })
    };
    let finding = |subject: &str, suggestions: Vec<serde_json::Value>| {
        serde_json::json!({
            "id": format!("duplicate-version:{subject}"), "code": "duplicate-version",
            "severity": "warning", "subject": subject,
            "message": format!("{subject} is compiled in 2 versions"),
            "suggestions": suggestions,
        })
    };
    let findings = serde_json::json!({"findings": [
        finding("leaf", vec![update("holder-a@1.0.0", "1.1.0"), update("holder-b@1.0.0", "1.1.0")]),
        finding("twig", vec![update("holder-c@1.0.0", "1.1.0")]),
    ]});
    ws.write("findings.json", &findings.to_string());
    assert_eq!(
        cargo_duplicates(ws.root()),
        ["leaf v1.0.0", "leaf v2.0.0", "twig v1.0.0", "twig v2.0.0"]
    );
    let lock = ws.read("Cargo.lock");
    let args = "apply --all --offline --findings findings.json --allow-dirty --format json";
    let dry = cli(&ws).line(args).run_json(exit_codes::OK);
    let commands: Vec<&str> = dry["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(
        commands[1].starts_with("run `cargo update -p holder-b@1.0.0 -p pin-b@1.0.0`")
            && commands[1].contains("Removing leaf v1.0.0"),
        "{commands:?}"
    );
    let skipped = &dry["skipped"][0];
    assert_eq!(skipped["finding"], "duplicate-version:twig");
    let reason = skipped["reason"].as_str().unwrap();
    assert!(
        reason.contains("still list twig in 2 versions") && reason.contains("without removing"),
        "{reason}"
    );
    cli(&ws)
        .line(args)
        .args(["--execute"])
        .run()
        .assert_code(exit_codes::OK);
    // cargo agrees: leaf is one version now, twig is untouched, nothing new is duplicated.
    assert_eq!(cargo_duplicates(ws.root()), ["twig v1.0.0", "twig v2.0.0"]);
    assert!(
        ws.read("Cargo.lock")
            .contains("name = \"holder-c\"\nversion = \"1.0.0\"")
    );
    let again = cli(&ws).line(args).run_json(exit_codes::OK);
    assert_eq!(again["pending"], false, "{again}");
    undo_offline(&ws, exit_codes::OK);
    assert_eq!(ws.read("Cargo.lock"), lock);
}

/// The text checker itself: what it accepts, and each way it reports a comment moved.
#[test]
fn apply_comment_checker_tells_kept_comments_from_moved_ones() {
    let before = "[a]\nx = 1\n# end of a\n\n[b]\n# about y\ny = 2 # why\n";
    assert!(comment_problems(before, before).is_empty());
    // A new table that swallows the end of [a].
    let after = "[a]\nx = 1\n\n[new]\nz = 1\n# end of a\n\n[b]\n# about y\ny = 2 # why\n";
    assert_eq!(
        comment_problems(before, after),
        ["`# end of a` moved from [a] to [new]"]
    );
    // A new key between x and the comment after it.
    let after = "[a]\nx = 1\nz = 1\n# end of a\n\n[b]\n# about y\ny = 2 # why\n";
    assert_eq!(
        comment_problems(before, after),
        ["`# end of a` no longer belongs to `[a] x`"]
    );
    // y removed with its comments.
    let after = "[a]\nx = 1\n# end of a\n\n[b]\n";
    assert_eq!(
        comment_problems(before, after),
        [
            "`# about y` lost (0 of 1 left)",
            "`# why` after a value lost"
        ]
    );
    // A new key under a heading.
    let before = "[t]\na = 1\n\n# dev\nb = 1\n";
    let after = "[t]\na = 1\n\n# dev\nb = 1\nc = 1\n";
    assert_eq!(
        comment_problems(before, after),
        ["new key `[t] c` written under `# dev`"]
    );
}
