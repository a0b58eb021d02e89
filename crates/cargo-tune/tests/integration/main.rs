//! The one integration-test binary: every end-to-end test of the `cargo-tune` command.

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
