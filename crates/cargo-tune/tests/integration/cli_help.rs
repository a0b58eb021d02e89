//! Every `--help` is part of the interface: a snapshot catches a flag renamed or dropped.

use cargo_tune_test_support::TempWorkspace;

use crate::cli;

#[test]
fn help_of_every_command() {
    let ws = TempWorkspace::empty();
    for command in [
        "",
        "audit",
        "bench",
        "try",
        "plan",
        "timings",
        "features",
        "apply",
        "pgo",
        "undo",
        "guard",
        "report",
        "cache",
        "cache status",
        "cache verify",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let run = cli(&ws).args(args).run().assert_code(0);
        let name = if command.is_empty() {
            "help_tune".to_owned()
        } else {
            format!("help_{}", command.replace(' ', "_"))
        };
        insta::assert_snapshot!(name, run.stdout());
    }
}

#[test]
fn the_version_names_the_program_as_installed_and_the_help_says_where_to_start() {
    let ws = TempWorkspace::empty();
    for args in [&["-V"][..], &["--version"][..]] {
        let run = cli(&ws).args(args.iter().copied()).run().assert_code(0);
        assert_eq!(
            run.stdout(),
            format!("cargo-tune {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
    cli(&ws)
        .line("--help")
        .run()
        .assert_code(0)
        .assert_stdout_has(&["Start with `cargo tune audit`"]);
}
