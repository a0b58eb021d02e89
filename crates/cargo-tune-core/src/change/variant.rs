//! A configuration to measure: the workspace as it is plus [`Change`]s, resolved into the exact
//! `--config` overrides, environment and rustflags cargo will get.
//!
//! Rustflags are the trap: cargo takes them from the first of `CARGO_ENCODED_RUSTFLAGS`,
//! `RUSTFLAGS`, `target.<triple>.rustflags` + matching `target.<cfg>.rustflags`, and
//! `build.rustflags` that is set, and ignores the rest. Setting any one source to add a flag
//! silently drops the flags of a lower source, or is itself ignored under a higher one. So a
//! variant that adds flags computes the effective list the way cargo does, appends to it, and
//! passes the result through `CARGO_ENCODED_RUSTFLAGS`, which outranks every other source.

use std::ffi::OsStr;
use std::path::Path;

use super::Change;
use crate::exec::which::find_on_path;
use crate::probe::Environment;
use crate::probe::linker::{LinkerError, linker_flags, test_link};
use crate::probe::toolchains::{self, ToolchainError, ToolchainRun};
use crate::workspace::rustflags::RustflagsResolution;

/// A fully resolved configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// `baseline`, or `candidate-N`.
    pub name: String,
    /// The changes as the user wrote them.
    pub changes: Vec<String>,
    /// What they expanded to, one change each.
    pub expanded: Vec<String>,
    /// `--config KEY=VALUE` overrides, after the user's own `--config`s.
    pub config: Vec<String>,
    /// Environment variables to set.
    pub env: Vec<(String, String)>,
    /// The complete rustflags, when the variant changes them.
    pub rustflags: Option<Vec<String>>,
    /// Another toolchain whose cargo and rustc build this variant; `None` for the one in use.
    pub toolchain: Option<ToolchainRun>,
    /// What of the target directory its warm-up build left `ci-warm` restores, if anything.
    pub restore_target: Option<crate::vocab::CacheLayout>,
    /// What to build, in place of the plan's packages: `-p app --no-default-features`, a
    /// feature set; empty for the plan's selection.
    pub cargo_args: Vec<String>,
}

/// Where rustflags can come from, as cargo reads them.
pub use crate::workspace::rustflags::RustflagsInputs as RustflagsSources;

/// A tool a change needs is missing or does not work: a setup error.
#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    /// A rustc wrapper that is not on `PATH`.
    #[error("use {what}: `{tool}` is not on PATH (install it: {install})")]
    MissingTool {
        /// What needed it.
        what: String,
        /// The executable.
        tool: String,
        /// How to install it.
        install: String,
    },
    /// The linker is missing or does not link.
    #[error(transparent)]
    Linker(#[from] LinkerError),
    /// The toolchain a change needs is missing or does not work.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// A change that edits files, which measuring never does.
    #[error(
        "measure `{change}`: it edits the manifests or the lockfile, which `cargo tune try` never does; `cargo tune apply` carries it out"
    )]
    NotMeasurable {
        /// The change.
        change: String,
    },
    /// Unstable rustc options on a toolchain that refuses them.
    #[error(
        "pass {flags} to rustc: `-Z` options need a nightly rustc, and this one is {version}; measure them on nightly by adding `+nightly` to the candidate (`threads=N` does so itself)"
    )]
    UnstableOnStable {
        /// The `-Z` flags.
        flags: String,
        /// The rustc in use.
        version: String,
    },
}

/// Everything needed to resolve changes into a variant.
#[derive(Clone, Copy, Debug)]
pub struct ResolveCtx<'a> {
    /// Rustflags sources.
    pub rustflags: RustflagsSources<'a>,
    /// The probed toolchain and tools.
    pub env: &'a Environment,
    /// `PATH` to look tools up in.
    pub path: Option<&'a OsStr>,
    /// Where to run test links.
    pub probe_dir: &'a Path,
}

/// Resolves `changes` (written as `texts`) into a variant named `name`.
pub fn resolve(
    name: &str,
    texts: &[String],
    changes: &[Change],
    ctx: &ResolveCtx<'_>,
) -> Result<Variant, VariantError> {
    let mut config = Vec::new();
    let mut env = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let mut toolchain = None;
    let mut restore_target = None;
    for change in changes {
        match change {
            Change::Toolchain(name) => {
                let what = if texts.is_empty() {
                    format!("toolchain={name}")
                } else {
                    format!("`{}`", texts.join("+"))
                };
                let run = toolchains::resolve(name, &ctx.env.rustc.host, &what)?;
                if name == super::NIGHTLY && run.info.channel != crate::probe::Channel::Nightly {
                    return Err(ToolchainError::Broken {
                        what,
                        message: format!(
                            "rustup's `{}` toolchain is {}, not a nightly",
                            run.rustup_name, run.version_line
                        ),
                    }
                    .into());
                }
                toolchain = Some(run);
            }
            Change::Config { key, value } => config.push(format!("{key}={value}")),
            Change::Env { var, value } => {
                if matches!(var.as_str(), "RUSTC_WRAPPER" | "RUSTC_WORKSPACE_WRAPPER")
                    && !value.is_empty()
                {
                    let tool = value.split_whitespace().next().unwrap_or(value);
                    let found = Path::new(tool).is_absolute()
                        && crate::exec::which::is_executable(Path::new(tool))
                        || find_on_path(tool, ctx.path).is_some();
                    if !found {
                        return Err(VariantError::MissingTool {
                            what: format!("{var}={value}"),
                            tool: tool.to_owned(),
                            install: format!("cargo install --locked {tool}"),
                        });
                    }
                }
                env.retain(|(k, _): &(String, String)| k != var);
                env.push((var.clone(), value.clone()));
            }
            Change::Rustflags(flags) => extra.extend(flags.iter().cloned()),
            Change::Linker(linker) => {
                let flags = linker_flags(*linker, ctx.env, ctx.path)?;
                test_link(*linker, &flags, ctx.probe_dir)?;
                extra.extend(flags);
            }
            Change::TargetCache(layout) => restore_target = Some(*layout),
            Change::Unset { .. }
            | Change::Centralize { .. }
            | Change::RemoveWorkspaceDependency { .. }
            | Change::CargoUpdate { .. } => {
                return Err(VariantError::NotMeasurable {
                    change: change.to_string(),
                });
            }
        }
    }
    let unstable: Vec<&str> = unstable_options(&extra);
    let nightly_rustc = toolchain
        .as_ref()
        .map_or(ctx.env.rustc.channel, |t: &ToolchainRun| t.info.channel)
        == crate::probe::Channel::Nightly;
    if !unstable.is_empty() && !nightly_rustc {
        return Err(VariantError::UnstableOnStable {
            flags: unstable.join(" "),
            version: format!(
                "{} ({})",
                ctx.env.rustc.version,
                ctx.env.rustc.channel.as_str()
            ),
        });
    }
    let rustflags = if extra.is_empty() {
        None
    } else {
        let mut flags = RustflagsResolution::resolve(&ctx.rustflags).flags();
        flags.extend(extra);
        Some(flags)
    };
    Ok(Variant {
        name: name.to_owned(),
        changes: texts.to_vec(),
        expanded: changes.iter().map(ToString::to_string).collect(),
        config,
        env,
        rustflags,
        toolchain,
        restore_target,
        cargo_args: Vec::new(),
    })
}

/// The `-Z` options among rustc flags, in either spelling (`-Zx`, `-Z x`).
fn unstable_options(flags: &[String]) -> Vec<&str> {
    flags
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            (f.starts_with("-Z") && f.len() > 2)
                || (f.as_str() == "-Z" && flags.get(i + 1).is_some())
        })
        .map(|(_, f)| f.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use cargo_platform::Cfg;

    use super::*;
    use crate::vocab::Linker;
    use crate::workspace::{BuildEnv, CargoConfig};
    use crate::workspace::{ConfigLayer, ManifestDoc};

    fn layer(text: &str, home: bool) -> ConfigLayer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        crate::fsutil::write_atomic(&path, text.as_bytes()).unwrap();
        ConfigLayer {
            file: ManifestDoc::read(&path, dir.path()).unwrap(),
            is_cargo_home: home,
        }
    }

    fn cfg() -> Vec<Cfg> {
        ["unix", "target_os=\"linux\"", "target_arch=\"x86_64\""]
            .iter()
            .map(|c| Cfg::from_str(c).unwrap())
            .collect()
    }

    const HOST: &str = "x86_64-unknown-linux-gnu";

    fn effective(
        env: &[(&str, &str)],
        layers: Vec<ConfigLayer>,
        cli: &[&str],
    ) -> (Vec<String>, &'static str) {
        let env = BuildEnv::from_vars(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let config = CargoConfig { layers };
        let cli: Vec<String> = cli.iter().map(|s| (*s).to_owned()).collect();
        let host_cfg = cfg();
        let sources = RustflagsSources {
            env: &env,
            config: &config,
            cli_config: &cli,
            host: HOST,
            host_cfg: &host_cfg,
        };
        let resolution = RustflagsResolution::resolve(&sources);
        (resolution.flags(), resolution.tier())
    }

    #[test]
    fn build_rustflags_merge_across_layers_lowest_first() {
        let (flags, source) = effective(
            &[],
            vec![
                layer("[build]\nrustflags = [\"-Cproject\"]\n", false),
                layer("[build]\nrustflags = \"-Chome -Cx\"\n", true),
            ],
            &["build.rustflags=[\"-Ccli\"]"],
        );
        assert_eq!(flags, ["-Chome", "-Cx", "-Cproject", "-Ccli"]);
        assert_eq!(source, "build.rustflags");
    }

    #[test]
    fn target_rustflags_shadow_build_rustflags_and_cfg_keys_join() {
        // The precedence trap: once any target rustflags exist, build.rustflags is ignored.
        let (flags, source) = effective(
            &[],
            vec![layer(
                "[build]\nrustflags = [\"-Cignored\"]\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Ctriple\"]\n[target.'cfg(unix)']\nrustflags = [\"-Cunix\"]\n[target.'cfg(windows)']\nrustflags = [\"-Cwin\"]\n",
                false,
            )],
            &[],
        );
        assert_eq!(source, "target.<triple>.rustflags");
        assert!(
            flags.contains(&"-Ctriple".to_owned()) && flags.contains(&"-Cunix".to_owned()),
            "{flags:?}"
        );
        assert!(
            !flags.contains(&"-Cignored".to_owned()) && !flags.contains(&"-Cwin".to_owned()),
            "{flags:?}"
        );
    }

    #[test]
    fn rustflags_env_outranks_every_config_and_encoded_outranks_it() {
        let layers = || {
            vec![layer(
                "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Cconfig\"]\n",
                false,
            )]
        };
        let (flags, source) = effective(&[("RUSTFLAGS", "-Cenv  -Cmore")], layers(), &[]);
        assert_eq!(
            (flags, source),
            (vec!["-Cenv".to_owned(), "-Cmore".to_owned()], "RUSTFLAGS")
        );
        let (flags, source) = effective(
            &[
                ("RUSTFLAGS", "-Cenv"),
                ("CARGO_ENCODED_RUSTFLAGS", "-C\x1fa b"),
            ],
            layers(),
            &[],
        );
        assert_eq!(
            (flags, source),
            (
                vec!["-C".to_owned(), "a b".to_owned()],
                "CARGO_ENCODED_RUSTFLAGS"
            )
        );
        let (flags, _) = effective(
            &[("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS", "-Cvar")],
            layers(),
            &[],
        );
        assert_eq!(flags, ["-Cconfig", "-Cvar"]);
    }

    #[test]
    fn resolved_variant_keeps_existing_flags_and_appends_its_own() {
        let env = BuildEnv::from_vars([(
            "RUSTFLAGS".to_owned(),
            "-Cforce-frame-pointers=yes".to_owned(),
        )]);
        let config = CargoConfig {
            layers: vec![layer("[build]\nrustflags = [\"-Cshadowed\"]\n", false)],
        };
        let host_cfg = cfg();
        let sources = RustflagsSources {
            env: &env,
            config: &config,
            cli_config: &[],
            host: HOST,
            host_cfg: &host_cfg,
        };
        let probe = Environment::probe(Path::new(".")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ctx = ResolveCtx {
            rustflags: sources,
            env: &probe,
            path: None,
            probe_dir: dir.path(),
        };
        let changes = [
            Change::Rustflags(vec!["-Ctarget-cpu=native".into()]),
            Change::Config {
                key: "profile.dev.debug".into(),
                value: "0".into(),
            },
            Change::Env {
                var: "CARGO_INCREMENTAL".into(),
                value: "0".into(),
            },
        ];
        let v = resolve("candidate", &[], &changes, &ctx).unwrap();
        assert_eq!(
            v.rustflags.unwrap(),
            ["-Cforce-frame-pointers=yes", "-Ctarget-cpu=native"]
        );
        assert_eq!(v.config, ["profile.dev.debug=0"]);
        assert_eq!(v.env, [("CARGO_INCREMENTAL".to_owned(), "0".to_owned())]);
        let none = resolve("baseline", &[], &[], &ctx).unwrap();
        assert_eq!(none.rustflags, None);
    }

    #[test]
    fn missing_linkers_and_wrappers_name_the_install_command() {
        let probe = Environment::probe(Path::new(".")).unwrap();
        let empty = tempfile::tempdir().unwrap();
        let path = empty.path().as_os_str();
        let err = linker_flags(Linker::Mold, &probe, Some(path)).unwrap_err();
        assert!(err.to_string().contains("apt-get install mold"), "{err}");
        let err = linker_flags(Linker::Wild, &probe, Some(path)).unwrap_err();
        assert!(
            err.to_string()
                .contains("cargo install --locked wild-linker"),
            "{err}"
        );
        let env = BuildEnv::default();
        let config = CargoConfig::default();
        let host_cfg = cfg();
        let sources = RustflagsSources {
            env: &env,
            config: &config,
            cli_config: &[],
            host: HOST,
            host_cfg: &host_cfg,
        };
        let ctx = ResolveCtx {
            rustflags: sources,
            env: &probe,
            path: Some(path),
            probe_dir: empty.path(),
        };
        let wrapper = [Change::Env {
            var: "RUSTC_WRAPPER".into(),
            value: "sccache".into(),
        }];
        let err = resolve("candidate", &[], &wrapper, &ctx).unwrap_err();
        assert!(
            err.to_string().contains("cargo install --locked sccache"),
            "{err}"
        );
    }
}
