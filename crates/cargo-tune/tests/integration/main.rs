//! The one integration-test binary: every end-to-end test of the `cargo-tune` command.

use std::path::{Path, PathBuf};

use cargo_tune_test_support::{CargoTuneCli, TempWorkspace, write_script};

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

/// A `$CARGO` to hand cargo-tune: each call appends a line to a log (the shell text `line`,
/// such as `$*`), runs `before`, then the real cargo.
struct LoggingCargo {
    wrapper: PathBuf,
    log: PathBuf,
}

impl LoggingCargo {
    fn new(ws: &TempWorkspace, line: &str, before: &str) -> LoggingCargo {
        let (wrapper, log) = (ws.path("logging-cargo"), ws.path("cargo-calls.log"));
        let real = std::env::var("CARGO").expect("cargo test sets CARGO");
        write_script(
            &wrapper,
            &format!(
                "echo \"{line}\" >> '{}'\n{before}\nexec '{real}' \"$@\"\n",
                log.display()
            ),
        );
        LoggingCargo { wrapper, log }
    }

    /// Logs each call's arguments and the cargo home it runs in, as `args|home`.
    fn with_homes(ws: &TempWorkspace, before: &str) -> LoggingCargo {
        LoggingCargo::new(ws, "$*|${CARGO_HOME:-}", before)
    }

    /// The wrapper, for `$CARGO`.
    fn path(&self) -> &Path {
        &self.wrapper
    }

    /// The lines logged so far, one a call.
    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Forgets the calls logged so far.
    fn clear(&self) {
        let _ = std::fs::remove_file(&self.log);
    }

    /// The cargo home of each unit graph asked for, in the order asked (a [`with_homes`] log).
    ///
    /// [`with_homes`]: LoggingCargo::with_homes
    fn graph_homes(&self) -> Vec<String> {
        self.lines()
            .iter()
            .filter(|l| l.contains(" --unit-graph"))
            .map(|l| l.rsplit_once('|').map_or("", |(_, home)| home).to_owned())
            .collect()
    }
}
