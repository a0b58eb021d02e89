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
use crate::errors::MissingTool;
use crate::exec::which::find_on_path;
use crate::probe::Environment;
use crate::probe::linker::{LinkerError, linker_flags, test_link};
use crate::probe::toolchains::{self, ToolchainError, ToolchainRun};
use crate::workspace::rustflags::RustflagsResolution;

/// A fully resolved configuration; the default is the workspace as it is, unnamed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// Flags rustc must receive for exactly some crates, read from cargo's `-v` output of every
    /// build of the variant; a build that shows otherwise refuses the measurement.
    pub rustc_checks: Vec<RustcCheck>,
    /// Why the variant relies on unstable cargo or rustc features, said in every report.
    pub unstable: Vec<String>,
    /// Packages linked as Rust dylibs through a facade crate, built from a scratch copy of the
    /// workspace ([`Variant::checkout`]).
    pub dylibs: Vec<String>,
    /// The scratch copy of the workspace this variant builds instead of the workspace itself.
    pub checkout: Option<std::path::PathBuf>,
    /// What else a user of the variant must know.
    pub notes: Vec<String>,
}

/// A rustc flag that must reach exactly `crates` (by rustc's crate name) and no other crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustcCheck {
    /// The flag as cargo passes it (`-Zhint-mostly-unused`).
    pub flag: String,
    /// The crates, by rustc's crate name.
    pub crates: Vec<String>,
}

/// The crate names cargo's `-v` output shows compiled with and without `check.flag`, or why
/// the build contradicts the check. `lines` are cargo's `Running` lines.
pub fn check_rustc_flag(check: &RustcCheck, lines: &[String]) -> Result<Vec<String>, String> {
    let mut seen = Vec::new();
    for line in lines.iter().filter(|l| l.contains("Running `")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(krate) = words
            .windows(2)
            .find(|w| w[0] == "--crate-name")
            .map(|w| w[1].trim_end_matches('`'))
        else {
            continue;
        };
        let has = words
            .iter()
            .any(|w| w.trim_matches(['`', '\'', '"']) == check.flag);
        let wanted = check.crates.iter().any(|c| c == krate);
        match (wanted, has) {
            (true, false) => {
                return Err(format!(
                    "cargo compiled {krate} without {}: this cargo ignores the setting, so the measurement would compare two identical builds",
                    check.flag
                ));
            }
            (false, true) => {
                return Err(format!(
                    "cargo passed {} to {krate} too, which was not asked for",
                    check.flag
                ));
            }
            (true, true) => seen.push(krate.to_owned()),
            (false, false) => {}
        }
    }
    Ok(seen)
}

/// Where rustflags can come from, as cargo reads them.
pub use crate::workspace::rustflags::RustflagsInputs as RustflagsSources;

/// A tool a change needs is missing or does not work: a setup error.
#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    /// A rustc wrapper that is not on `PATH`.
    #[error(transparent)]
    MissingTool(#[from] MissingTool),
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
    /// An unstable option this toolchain does not have.
    #[error("measure {what}: {why}")]
    UnstableMissing {
        /// The change.
        what: String,
        /// What is missing.
        why: String,
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
    let mut rustc_checks: Vec<RustcCheck> = Vec::new();
    let mut unstable: Vec<String> = Vec::new();
    let mut dylibs: Vec<String> = Vec::new();
    let mut hinted: Vec<String> = Vec::new();
    for change in changes {
        if let Some(why) = change.unstable()
            && !unstable.iter().any(|u| u == why)
        {
            unstable.push(why.to_owned());
        }
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
                        return Err(MissingTool {
                            what: format!("{var}={value}"),
                            tool: tool.to_owned(),
                            install: format!("cargo install --locked {tool}"),
                        }
                        .into());
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
            Change::HintMostlyUnused(package) => {
                for profile in ["dev", "release"] {
                    config.push(format!(
                        "profile.{profile}.package.{}.hint-mostly-unused=true",
                        toml_edit::Value::from(package.as_str())
                    ));
                }
                hinted.push(package.clone());
            }
            Change::DylibFacade(package) => dylibs.push(package.clone()),
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
    if !hinted.is_empty() {
        let what = hinted
            .iter()
            .map(|p| format!("hint-mostly-unused={p}"))
            .collect::<Vec<_>>()
            .join("+");
        let nightly = toolchain
            .as_ref()
            .map_or(ctx.env.rustc.channel, |t: &ToolchainRun| t.info.channel)
            == crate::probe::Channel::Nightly;
        probe_hint(toolchain.as_ref(), &what)?;
        // The `[unstable]` table read from the environment, as cargo reads any config key;
        // a stable cargo reads it only when told it may.
        env.push((
            "CARGO_UNSTABLE_PROFILE_HINT_MOSTLY_UNUSED".to_owned(),
            "true".to_owned(),
        ));
        if !nightly {
            env.retain(|(k, _)| k != "RUSTC_BOOTSTRAP");
            env.push(("RUSTC_BOOTSTRAP".to_owned(), "1".to_owned()));
        }
        rustc_checks.push(RustcCheck {
            flag: "-Zhint-mostly-unused".to_owned(),
            crates: hinted.iter().map(|p| p.replace('-', "_")).collect(),
        });
    }
    let unstable_flags: Vec<&str> = unstable_options(&extra);
    let nightly_rustc = toolchain
        .as_ref()
        .map_or(ctx.env.rustc.channel, |t: &ToolchainRun| t.info.channel)
        == crate::probe::Channel::Nightly;
    if !unstable_flags.is_empty() && !nightly_rustc {
        return Err(VariantError::UnstableOnStable {
            flags: unstable_flags.join(" "),
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
        rustc_checks,
        unstable,
        dylibs,
        checkout: None,
        notes: Vec::new(),
    })
}

/// Whether the cargo and rustc that build know `hint-mostly-unused`: each lists its unstable
/// options under `-Z help` (allowed on stable with `RUSTC_BOOTSTRAP=1`).
fn probe_hint(toolchain: Option<&ToolchainRun>, what: &str) -> Result<(), VariantError> {
    let missing = |why: String| VariantError::UnstableMissing {
        what: what.to_owned(),
        why,
    };
    let mut cargo = crate::cargo::CargoCli::new(&["-Z", "help"], &Default::default())
        .env("RUSTC_BOOTSTRAP", "1");
    let mut rustc = crate::cargo::ToolCommand::rustc()
        .args(["-Z", "help"])
        .env("RUSTC_BOOTSTRAP", "1");
    if let Some(t) = toolchain {
        cargo = cargo.program(&t.cargo);
        rustc = crate::cargo::ToolCommand::new(&t.rustc)
            .args(["-Z", "help"])
            .env("RUSTC_BOOTSTRAP", "1");
    }
    let listed = |out: Result<std::process::Output, _>, option: &str| -> Result<bool, String> {
        let out = out.map_err(|e: crate::errors::CommandError| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        Ok(text.contains(option))
    };
    match listed(cargo.output(), "profile-hint-mostly-unused") {
        Ok(true) => {}
        Ok(false) => {
            return Err(missing(
                "this cargo has no `-Z profile-hint-mostly-unused` (cargo 1.90 or later has it)"
                    .to_owned(),
            ));
        }
        Err(e) => return Err(missing(format!("`cargo -Z help` failed: {e}"))),
    }
    match listed(rustc.output(), "hint-mostly-unused") {
        Ok(true) => Ok(()),
        Ok(false) => Err(missing(
            "this rustc has no `-Z hint-mostly-unused`".to_owned(),
        )),
        Err(e) => Err(missing(format!("`rustc -Z help` failed: {e}"))),
    }
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
    use std::sync::LazyLock;

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

    static HOST_CFG: LazyLock<Vec<Cfg>> = LazyLock::new(|| {
        ["unix", "target_os=\"linux\"", "target_arch=\"x86_64\""]
            .iter()
            .map(|c| Cfg::from_str(c).unwrap())
            .collect()
    });

    /// Where the rustflags of a build on [`HOST`] come from.
    fn on_host<'a>(
        env: &'a BuildEnv,
        config: &'a CargoConfig,
        cli_config: &'a [String],
    ) -> RustflagsSources<'a> {
        RustflagsSources {
            env,
            config,
            cli_config,
            host: HOST,
            host_cfg: &HOST_CFG,
        }
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
        let sources = on_host(&env, &config, &cli);
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
        let sources = on_host(&env, &config, &[]);
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
    fn a_rustc_flag_must_reach_exactly_the_chosen_crates() {
        let check = RustcCheck {
            flag: "-Zhint-mostly-unused".into(),
            crates: vec!["clap_builder".into()],
        };
        let line = |krate: &str, flag: bool| {
            format!(
                "     Running `/rustc --crate-name {krate} --edition=2021 src/lib.rs{}`",
                if flag { " -Zhint-mostly-unused" } else { "" }
            )
        };
        let good = [
            line("clap_builder", true),
            line("clap", false),
            "   Compiling clap".into(),
        ];
        assert_eq!(check_rustc_flag(&check, &good).unwrap(), ["clap_builder"]);
        let ignored = [line("clap_builder", false)];
        let err = check_rustc_flag(&check, &ignored).unwrap_err();
        assert!(err.contains("without -Zhint-mostly-unused"), "{err}");
        let spread = [line("clap_builder", true), line("app", true)];
        let err = check_rustc_flag(&check, &spread).unwrap_err();
        assert!(err.contains("to app too"), "{err}");
        // A build that compiled none of them proves nothing, and says so by seeing none.
        assert!(
            check_rustc_flag(&check, &[line("app", false)])
                .unwrap()
                .is_empty()
        );
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
        let sources = on_host(&env, &config, &[]);
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
