//! The `cargo-tune` command line: parses arguments, decides where output goes, calls the engine
//! and maps errors to documented exit codes. All logic lives in `cargo-tune-core`.

mod cli;
mod errors;
mod output;

/// Runs cargo-tune with the process's arguments and exits.
pub fn main_impl() -> ! {
    let code = cli::run(std::env::args_os().collect());
    std::process::exit(code)
}
