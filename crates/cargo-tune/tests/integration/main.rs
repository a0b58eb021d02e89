//! The one integration-test binary: every end-to-end test of the `cargo-tune` command.

use std::path::Path;

use cargo_tune_test_support::{CargoTuneCli, TempWorkspace};

mod apply;
mod apply_fixed_point;
mod audit;
mod bench;
mod browser;
mod cache;
mod cli_help;
mod compiled_twice;
mod contract;
mod corpus;
mod duplicates;
mod features;
mod findings;
mod guard;
mod kill;
mod levers;
mod macros;
mod nightly;
mod pgo;
mod plan;
mod report;
mod timings;
mod wild;
mod workload;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_cargo-tune");

/// `cargo tune` run in `ws`.
fn cli(ws: &TempWorkspace) -> CargoTuneCli {
    CargoTuneCli::new(BIN, ws.root())
}

/// A copy of fixture `name`, and the JSON `line` prints there, exiting `code`.
fn fixture_json(name: &str, line: &str, code: i32) -> (TempWorkspace, serde_json::Value) {
    let ws = TempWorkspace::fixture(name);
    let json = cli(&ws).line(line).run_json(code);
    (ws, json)
}

/// The JSON file at `path`, parsed.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
