//! Which builds a change can make a difference to, derived from the change itself.

use super::{Change, key_path};
use crate::vocab::Scenario;

/// Which part of a build a change can alter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Anything: what is compiled, how, and by which tool.
    Everything,
    /// Only code generation (and so linking): nothing `cargo check` does.
    Codegen,
    /// Only linking.
    Link,
    /// Only what a build restores from a cache before it starts.
    Restore,
}

/// Which builds a change can make a difference to, derived from the change itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    /// The profiles whose builds it changes; `None` for every build.
    pub profiles: Option<Vec<String>>,
    /// What part of those builds.
    pub stage: Stage,
}

/// Profile keys that only change generated code or debug info, which `cargo check` never
/// produces. `incremental`, `debug-assertions`, `overflow-checks` and `panic` also change what
/// check does (its incremental cache, `cfg`s and diagnostics), so they are not listed.
const CODEGEN_KEYS: &[&str] = &[
    "opt-level",
    "debug",
    "split-debuginfo",
    "strip",
    "lto",
    "codegen-units",
    "rpath",
];

impl Reach {
    fn everything() -> Reach {
        Reach {
            profiles: None,
            stage: Stage::Everything,
        }
    }

    /// A setting of `profile.<name>`: `leaf` in the profile itself, its `package` tables or its
    /// `build-override` table (build scripts and proc-macros, which `check` compiles too).
    fn profile(name: &str, leaf: &str, build_override: bool) -> Reach {
        // `test` inherits from `dev` and `bench` from `release` unless they override the key.
        let mut profiles = vec![name.to_owned()];
        match name {
            "dev" => profiles.push("test".to_owned()),
            "release" => profiles.push("bench".to_owned()),
            _ => {}
        }
        Reach {
            profiles: Some(profiles),
            stage: if !build_override && CODEGEN_KEYS.contains(&leaf) {
                Stage::Codegen
            } else {
                Stage::Everything
            },
        }
    }

    /// Whether a build of `scenario` can differ.
    pub fn affects(&self, scenario: Scenario) -> bool {
        self.why_not(scenario).is_none()
    }

    /// Why a build of `scenario` cannot differ, as a clause (`changes only the release
    /// profile, and dev-incremental builds dev`); `None` when it can.
    pub fn why_not(&self, scenario: Scenario) -> Option<String> {
        self.why_not_built(scenario, &[scenario.profile().to_owned()])
    }

    /// As [`Reach::why_not`], for a build of `scenario` with the profile `built[0]`, which
    /// inherits from the rest of `built` (`release-lto`, `release`).
    pub fn why_not_built(&self, scenario: Scenario, built: &[String]) -> Option<String> {
        if let Some(profiles) = &self.profiles
            && !profiles.iter().any(|p| built.contains(p))
        {
            return Some(format!(
                "changes only the {} profile{}, and {scenario} builds {}",
                profiles.join(" and "),
                if profiles.len() > 1 { "s" } else { "" },
                built.first().map_or("", String::as_str)
            ));
        }
        match self.stage {
            Stage::Codegen if !scenario.generates_code() => Some(format!(
                "changes only generated code, and {scenario} generates none"
            )),
            Stage::Link if !scenario.links() => Some(format!(
                "changes only linking, and {scenario} {}",
                if scenario.generates_code() {
                    "links nothing while measured"
                } else {
                    "links nothing"
                }
            )),
            Stage::Restore if scenario != Scenario::CiWarm => Some(format!(
                "restores a cached target directory, which only ci-warm does, not {scenario}"
            )),
            _ => None,
        }
    }
}

impl Change {
    /// The builds this change can make a difference to.
    pub fn reach(&self) -> Reach {
        match self {
            Change::Config { key, .. } => {
                let path = key_path(key).unwrap_or_default();
                match path.first().map(String::as_str) {
                    Some("profile") if path.len() >= 3 => {
                        let leaf = path.last().map(String::as_str).unwrap_or_default();
                        let build_override = path.iter().any(|p| p == "build-override");
                        Reach::profile(&path[1], leaf, build_override)
                    }
                    Some("target") if path.last().is_some_and(|l| l == "linker") => Reach {
                        profiles: None,
                        stage: Stage::Link,
                    },
                    _ => Reach::everything(),
                }
            }
            Change::Env { var, .. } => match profile_env_key(var) {
                Some((profile, leaf, build_override)) => {
                    Reach::profile(&profile, &leaf, build_override)
                }
                None => Reach::everything(),
            },
            // Edits of manifests and the lockfile are applied, never measured, and may touch
            // anything.
            Change::Rustflags(_)
            | Change::Toolchain(_)
            | Change::Unset { .. }
            | Change::Centralize { .. }
            | Change::RemoveWorkspaceDependency { .. }
            | Change::CargoUpdate { .. } => Reach::everything(),
            Change::Linker(_) => Reach {
                profiles: None,
                stage: Stage::Link,
            },
            // Deferred code generation changes nothing `cargo check` does.
            Change::HintMostlyUnused(_) => Reach {
                profiles: None,
                stage: Stage::Codegen,
            },
            // A dev-only lever: release builds keep linking statically.
            Change::DylibFacade(_) => Reach::profile("dev", "", true),
            Change::TargetCache(_) => Reach {
                profiles: None,
                stage: Stage::Restore,
            },
        }
    }
}

/// `CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_OPT_LEVEL` → (`release`, `opt-level`, true).
fn profile_env_key(var: &str) -> Option<(String, String, bool)> {
    let rest = var.strip_prefix("CARGO_PROFILE_")?;
    crate::workspace::profiles::STABLE_KEYS
        .iter()
        .find_map(|key| {
            let suffix = format!("_{}", key.to_uppercase().replace('-', "_"));
            let head = rest.strip_suffix(&suffix)?;
            let (head, build_override) = match head.strip_suffix("_BUILD_OVERRIDE") {
                Some(h) => (h, true),
                None => (head, false),
            };
            (!head.is_empty()).then(|| {
                (
                    head.to_lowercase().replace('_', "-"),
                    (*key).to_owned(),
                    build_override,
                )
            })
        })
}
