//! The one integration-test binary: every end-to-end test of the `cargo-tune` command.

mod audit;
mod bench;
