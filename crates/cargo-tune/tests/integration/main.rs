//! The one integration-test binary: every end-to-end test of the `cargo-tune` command.

mod apply;
mod audit;
mod bench;
mod browser;
mod cache;
mod cli_help;
mod compiled_twice;
mod contract;
mod corpus;
mod duplicates;
mod guard;
mod kill;
mod nightly;
mod pgo;
mod plan;
mod report;
mod timings;
mod wild;
mod workload;
