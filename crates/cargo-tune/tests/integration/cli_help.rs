//! Every `--help` is part of the interface: a snapshot catches a flag renamed or dropped.

use cargo_tune_test_support::{CargoTuneCli, TempWorkspace};

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
        let run = CargoTuneCli::new(env!("CARGO_BIN_EXE_cargo-tune"), ws.root())
            .args(args)
            .run()
            .assert_code(0);
        let name = if command.is_empty() {
            "help_tune".to_owned()
        } else {
            format!("help_{}", command.replace(' ', "_"))
        };
        insta::assert_snapshot!(name, run.stdout());
    }
}
