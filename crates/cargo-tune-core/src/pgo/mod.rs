//! `cargo tune pgo`: an instrumented build, the workload run to train it, `llvm-profdata merge`
//! with the LLVM that matches rustc's, the optimised build, optionally BOLT on top, and then an
//! interleaved runtime comparison of the binaries with the statistics `try` uses.
//!
//! Every build goes to its own directory under the plan's work directory and starts from the
//! workspace's effective rustflags, passed through `CARGO_ENCODED_RUSTFLAGS` as `try` does, so
//! that the profile flags add to the user's flags instead of replacing them. A training run that
//! fails, times out or is interrupted removes the whole profile directory: a partial profile is
//! never merged.

pub mod command;
mod elf;
mod error;
mod pipeline;
mod tools;

pub use elf::section_names;
pub use error::{PgoError, missing_profile_warnings};
pub use pipeline::{PgoPlan, PgoProgress, run};
pub use tools::{BoltTools, PgoTools, check_release_strip, find_tools};

#[cfg(test)]
mod tests {
    use std::path::Path;

    use cargo_tune_schema::{PgoVariant, Verdict};

    use super::pipeline::comparison;
    use super::tools::check_bolt_input;
    use super::*;
    use crate::cargo::ToolCommand;
    use crate::measure::stats;
    use crate::probe::Environment;

    #[test]
    fn missing_profile_warnings_are_picked_from_rustc_output() {
        let stderr = "   Compiling vm v0.1.0\nwarning: /w/src/lib.rs: no profile data available for function _ZN2vm3run17h (pgo)\nwarning: `vm` (lib) generated 1 warning\n    Finished `release` profile\n";
        let found = missing_profile_warnings(stderr);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("_ZN2vm3run"));
        assert!(missing_profile_warnings("    Finished `release`\n").is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn an_llvm_mismatch_names_what_is_installed_and_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("llvm-profdata-14");
        std::fs::File::create(&tool).unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut env = Environment::probe(Path::new(".")).unwrap();
        env.tools = crate::probe::Tools::scan(Some(dir.path().as_os_str()));
        env.sysroot = None;
        env.rustc.llvm_version = Some("22.1.2".to_owned());
        let err = find_tools(&env, false).unwrap_err().to_string();
        assert!(err.contains("LLVM 22"), "{err}");
        assert!(err.contains("llvm-profdata-14 (LLVM 14)"), "{err}");
        assert!(err.contains("apt-get install llvm-22"), "{err}");

        let right = dir.path().join("llvm-profdata-22");
        std::fs::File::create(&right).unwrap();
        std::fs::set_permissions(&right, std::fs::Permissions::from_mode(0o755)).unwrap();
        env.tools = crate::probe::Tools::scan(Some(dir.path().as_os_str()));
        assert_eq!(find_tools(&env, false).unwrap().profdata, right);
        let err = find_tools(&env, true).unwrap_err().to_string();
        assert!(err.contains("apt-get install bolt-22"), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn bolt_input_without_relocations_or_symbols_is_refused_with_the_fix() {
        // The test binary is linked as usual: symbols, but no --emit-relocs.
        let exe = std::env::current_exe().unwrap();
        let err = check_bolt_input(&exe).unwrap_err().to_string();
        assert!(err.contains("no .rela.text"), "{err}");
        assert!(err.contains("--emit-relocs"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let stripped = dir.path().join("stripped");
        ToolCommand::new("objcopy")
            .arg("--strip-all")
            .arg(&exe)
            .arg(&stripped)
            .output()
            .expect("objcopy strips the copy (apt-get install binutils)");
        let err = check_bolt_input(&stripped).unwrap_err().to_string();
        assert!(err.contains("stripped (it has no .symtab)"), "{err}");
        assert!(err.contains("strip = false"), "{err}");

        let script = dir.path().join("script");
        crate::fsutil::write_atomic(&script, b"#!/bin/sh\n").unwrap();
        let err = check_bolt_input(&script).unwrap_err().to_string();
        assert!(err.contains("not a 64-bit little-endian ELF"), "{err}");
    }

    #[test]
    fn build_and_size_costs_are_ratios_to_the_baseline() {
        let variant = |name: &str, build_s: f64, bytes: u64, runs: &[f64]| PgoVariant {
            name: name.to_owned(),
            binary: String::new(),
            binary_bytes: bytes,
            build_s,
            runs_s: runs.to_vec(),
            summary: stats::summarize(runs),
        };
        let base = variant("baseline", 10.0, 1000, &[1.0; 10]);
        let pgo = variant("pgo", 25.0, 1100, &[0.8; 10]);
        let c = comparison(&base, &pgo);
        assert_eq!(c.pairs, 10);
        assert!((c.ratio.unwrap() - 0.8).abs() < 1e-9);
        assert_eq!(c.verdict, Verdict::Faster);
        assert!((c.build_ratio - 2.5).abs() < 1e-9 && (c.size_ratio - 1.1).abs() < 1e-9);
    }
}
