//! The rustc wrappers cargo is configured to run, and the ones that are not installed.
//!
//! A team config with `build.rustc-wrapper = "sccache"` is common, and on a machine without
//! sccache every cargo command that asks rustc anything fails, `cargo metadata` included. The
//! audit finds such a wrapper before cargo runs, bypasses it for its own cargo calls (an empty
//! variable disables a wrapper) and reports where it is configured.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use cargo_tune_schema::Location;

use super::{BuildEnv, CargoConfig};

/// A rustc wrapper in effect, and whether its program is installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustcWrapper {
    /// The variable that overrides the setting (`RUSTC_WRAPPER` or `RUSTC_WORKSPACE_WRAPPER`).
    pub var: &'static str,
    /// The program as configured.
    pub program: String,
    /// Where it is set: a variable, `--config`, or a configuration file.
    pub origin: String,
    /// The key in the configuration file, when it is set in one.
    pub location: Option<Location>,
    /// Whether the program is found (on `PATH`, or at its path).
    pub installed: bool,
}

/// The two wrappers: the overriding variable, cargo's own variable and the config key.
const WRAPPERS: &[(&str, &str, &str)] = &[
    (
        "RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "rustc-wrapper",
    ),
    (
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
        "rustc-workspace-wrapper",
    ),
];

/// The wrappers in effect, each taken from the first place cargo reads it from: the variable,
/// then `--config`, then `CARGO_BUILD_*`, then configuration files.
pub fn rustc_wrappers(
    env: &BuildEnv,
    cli_config: &[String],
    config: &CargoConfig,
    cwd: &Path,
    path: Option<&OsStr>,
) -> Vec<RustcWrapper> {
    let mut out = Vec::new();
    for &(var, build_var, key) in WRAPPERS {
        let dotted = format!("build.{key}=");
        let from_cli = cli_config
            .iter()
            .rev()
            .find_map(|c| c.strip_prefix(&dotted))
            .map(|v| v.trim().trim_matches('"').to_owned());
        // An empty variable is set on purpose: it turns the wrapper off.
        let (program, origin, location, base) = if let Some(value) = env.raw(var) {
            (value.to_owned(), var.to_owned(), None, cwd.to_owned())
        } else if let Some(value) = from_cli {
            (value, format!("--config build.{key}"), None, cwd.to_owned())
        } else if let Some(value) = env.raw(build_var) {
            (value.to_owned(), build_var.to_owned(), None, cwd.to_owned())
        } else if let Some((item, layer)) = config.get(&["build", key])
            && let Some(value) = item.as_str()
        {
            // cargo resolves a relative path with a slash against the directory holding `.cargo/`.
            let base = layer.base_dir().unwrap_or(cwd).to_owned();
            (
                value.to_owned(),
                layer.file.rel_path.clone(),
                layer.file.location_of(&["build", key]),
                base,
            )
        } else {
            continue;
        };
        if program.is_empty() {
            continue;
        }
        out.push(RustcWrapper {
            var,
            installed: installed(&program, &base, path),
            program,
            origin,
            location,
        });
    }
    out
}

fn installed(program: &str, base: &Path, path: Option<&OsStr>) -> bool {
    if program.contains('/') {
        let p = PathBuf::from(program);
        let p = if p.is_absolute() { p } else { base.join(p) };
        crate::exec::which::is_executable(&p)
    } else {
        crate::exec::which::find_on_path(program, path).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{ConfigLayer, ManifestDoc};

    fn config(dir: &Path, text: &str) -> CargoConfig {
        let path = dir.join(".cargo/config.toml");
        cargo_tune_test_support::write(&path, text);
        CargoConfig {
            layers: vec![ConfigLayer {
                file: ManifestDoc::read(&path, dir).unwrap(),
                is_cargo_home: false,
            }],
        }
    }

    fn env(vars: &[(&str, &str)]) -> BuildEnv {
        BuildEnv::from_vars(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    }

    fn missing(
        env: &BuildEnv,
        cli: &[String],
        config: &CargoConfig,
        cwd: &Path,
        path: Option<&OsStr>,
    ) -> Vec<RustcWrapper> {
        let mut all = rustc_wrappers(env, cli, config, cwd, path);
        all.retain(|w| !w.installed);
        all
    }

    #[test]
    fn a_missing_wrapper_is_found_where_it_is_configured() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let cfg = config(
            dir.path(),
            "[build]\nrustc-wrapper = \"sccache\"\nrustc-workspace-wrapper = \"./tools/wrap\"\n",
        );
        let path = Some(bin.as_os_str());
        let found = missing(&env(&[]), &[], &cfg, dir.path(), path);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].var, "RUSTC_WRAPPER");
        assert_eq!(found[0].program, "sccache");
        assert_eq!(found[0].origin, ".cargo/config.toml");
        assert_eq!(found[0].location.as_ref().map(|l| l.line), Some(2));
        assert_eq!(found[1].var, "RUSTC_WORKSPACE_WRAPPER");

        // Installed, switched off by an empty variable, or overridden by an installed one.
        cargo_tune_test_support::write(&bin.join("sccache"), "#!/bin/sh\n");
        let wrap = dir.path().join("tools/wrap");
        cargo_tune_test_support::write(&wrap, "#!/bin/sh\n");
        for exe in [bin.join("sccache"), wrap] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(missing(&env(&[]), &[], &cfg, dir.path(), path).is_empty());
        let none = config(dir.path(), "[build]\nrustc-wrapper = \"nosuch\"\n");
        assert!(missing(&env(&[("RUSTC_WRAPPER", "")]), &[], &none, dir.path(), path).is_empty());
        let cli = ["build.rustc-wrapper=\"sccache\"".to_owned()];
        assert!(missing(&env(&[]), &cli, &none, dir.path(), path).is_empty());
        let from_env = missing(
            &env(&[("CARGO_BUILD_RUSTC_WRAPPER", "gone")]),
            &[],
            &none,
            dir.path(),
            path,
        );
        assert_eq!(from_env[0].origin, "CARGO_BUILD_RUSTC_WRAPPER");
    }
}
