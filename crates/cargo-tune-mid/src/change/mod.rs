//! One change to a build, from the moment it is named (a `try` argument, a finding's suggestion,
//! a plan candidate) to each of its renderings: the `--config` overrides, environment and
//! rustflags that measure it ([`variant`]), and the manifest and configuration edits that apply
//! it ([`edits`]). What it can affect (`reach`) and whether it is already in effect
//! (`in_effect`) are read from the change itself.

pub mod edits;
mod in_effect;
mod parse;
mod reach;
mod suggestion;
pub mod variant;

use std::fmt;

use cargo_tune_schema::Direction;

use crate::text::toml_json::dotted_key;

pub use crate::vocab::{CacheLayout, Linker};
pub use edits::{Edits, ModelInputs, NotApplicable, PlanInputs};
pub use in_effect::{InEffect, already_in_effect};
pub use parse::{
    CONFIG_SECTIONS, COUNT, ChangeArg, ChangeError, ChangeSpec, ENV_VARS, PRESETS, key_path,
    parse_combined,
};
pub use reach::{Reach, Stage};
pub use suggestion::{from_finding_id, from_findings, is_measurable};

/// One change to a build, already checked for shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Set a cargo configuration key (`profile.*` keys live in the root manifest when applied,
    /// others in `.cargo/config.toml`); measured as `--config KEY=VALUE`.
    Config {
        /// Dotted key.
        key: String,
        /// TOML value text.
        value: String,
    },
    /// Remove a profile or configuration key, so that cargo's default applies again. Applied
    /// only: `--config` cannot unset a key.
    Unset {
        /// Dotted key.
        key: String,
    },
    /// An environment variable for cargo.
    Env {
        /// Name.
        var: String,
        /// Value.
        value: String,
    },
    /// Flags appended to the effective rustflags.
    Rustflags(Vec<String>),
    /// Link with another linker (flags resolved against the probed environment).
    Linker(Linker),
    /// Build with another installed rustup toolchain's cargo and rustc (`nightly`).
    Toolchain(String),
    /// Restore the target directory (all of it, or the dependencies' part) a CI cache saved
    /// after an earlier build (what `ci-warm` measures; no other build restores anything).
    TargetCache(CacheLayout),
    /// Declare a dependency once in `[workspace.dependencies]` and inherit it in every member.
    Centralize {
        /// The package.
        name: String,
        /// A requirement of the copy to centralize (its semver-compatible version).
        requirement: Option<String>,
        /// The copy's path (relative to the workspace root) or git URL, when members take the
        /// package from several.
        source: Option<String>,
    },
    /// Remove an unused `[workspace.dependencies]` entry.
    RemoveWorkspaceDependency {
        /// Its key.
        name: String,
    },
    /// Mark one dependency `hint-mostly-unused` in the dev and release profiles. Unstable: cargo's
    /// `-Z profile-hint-mostly-unused` passes rustc's `-Z hint-mostly-unused`, which defers the
    /// code generation of the package's items to the crates that use them.
    HintMostlyUnused(String),
    /// Link one dependency as a Rust dylib in dev builds: a facade crate with
    /// `crate-type = ["dylib"]` that re-exports it, linked by the members that use it.
    DylibFacade(String),
    /// Move one locked package to another version (`cargo update -p SPEC --precise VERSION`).
    CargoUpdate {
        /// Package id spec (`syn@1.0.109`).
        spec: String,
        /// Version to move to.
        precise: String,
    },
}

/// How `hint-mostly-unused` is measured, as reports label it.
pub const HINT_UNSTABLE: &str = "unstable: cargo -Z profile-hint-mostly-unused and rustc -Z hint-mostly-unused (nightly, or RUSTC_BOOTSTRAP=1 on the measured builds)";

/// The toolchain the parallel front-end needs: `-Z threads` is a nightly option.
pub const NIGHTLY: &str = "nightly";

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Config { key, value } => write!(f, "{key}={value}"),
            Change::Unset { key } => write!(f, "unset {key}"),
            Change::Env { var, value } => write!(f, "{var}={value}"),
            Change::Rustflags(flags) => write!(f, "rustflags+={}", flags.join(" ")),
            Change::Linker(l) => write!(f, "linker={}", l.as_str()),
            Change::Toolchain(t) => write!(f, "toolchain={t}"),
            Change::TargetCache(layout) => f.write_str(layout.preset()),
            Change::HintMostlyUnused(p) => write!(f, "hint-mostly-unused={p}"),
            Change::DylibFacade(p) => write!(f, "dylib={p}"),
            Change::Centralize { name, .. } => write!(f, "centralize {name}"),
            Change::RemoveWorkspaceDependency { name } => {
                write!(f, "remove workspace dependency {name}")
            }
            Change::CargoUpdate { spec, precise } => {
                write!(f, "cargo update -p {spec} --precise {precise}")
            }
        }
    }
}

impl Change {
    /// Whether `try` can measure it without editing a file.
    pub fn measurable(&self) -> bool {
        matches!(
            self,
            Change::Config { .. }
                | Change::Env { .. }
                | Change::Rustflags(_)
                | Change::Linker(_)
                | Change::Toolchain(_)
                | Change::TargetCache(_)
                | Change::HintMostlyUnused(_)
                | Change::DylibFacade(_)
        )
    }

    /// Why measuring it relies on an unstable cargo or rustc feature, when it does: every
    /// report that shows it says so.
    pub fn unstable(&self) -> Option<&'static str> {
        match self {
            Change::HintMostlyUnused(_) => Some(HINT_UNSTABLE),
            _ => None,
        }
    }

    /// What it sets: two changes of one slot cannot both be applied (or chosen by a plan), and
    /// are alternatives when their values differ.
    pub fn slot(&self) -> String {
        match self {
            Change::Config { key, .. } | Change::Unset { key } => canonical_key(key),
            Change::Env { var, .. } => format!("env {var}"),
            Change::Rustflags(_) => "rustflags".to_owned(),
            Change::Linker(_) => "the linker".to_owned(),
            Change::Toolchain(_) => "the toolchain".to_owned(),
            Change::TargetCache(_) => "the CI target-directory cache".to_owned(),
            Change::HintMostlyUnused(p) => format!("hint-mostly-unused of {p}"),
            Change::DylibFacade(p) => format!("how {p} is linked"),
            // One entry per copy: rustls 0.21 and 0.23 are two slots, and so are two paths.
            Change::Centralize {
                name,
                requirement,
                source,
            } => {
                let bucket = requirement
                    .as_deref()
                    .and_then(crate::workspace::compat_bucket)
                    .map(crate::workspace::bucket_label);
                match source.as_deref().or(bucket.as_deref()) {
                    Some(copy) => format!("[workspace.dependencies] entry of {name} {copy}"),
                    None => format!("[workspace.dependencies] entry of {name}"),
                }
            }
            Change::RemoveWorkspaceDependency { name } => {
                format!("[workspace.dependencies] entry {name}")
            }
            Change::CargoUpdate { spec, .. } => format!("the version of {spec}"),
        }
    }

    /// The value it gives its [`Change::slot`], as people read it.
    pub fn value_text(&self) -> String {
        match self {
            Change::Config { value, .. } => value.clone(),
            Change::Unset { .. } | Change::RemoveWorkspaceDependency { .. } => "nothing".to_owned(),
            Change::Env { value, .. } => format!("{value:?}"),
            Change::Rustflags(flags) => flags.join(" "),
            Change::Linker(l) => format!("{:?}", l.as_str()),
            Change::Toolchain(t) => t.clone(),
            Change::TargetCache(CacheLayout::Whole) => "the whole target directory".to_owned(),
            Change::TargetCache(CacheLayout::Dependencies) => "dependencies only".to_owned(),
            Change::HintMostlyUnused(_) => "on".to_owned(),
            Change::DylibFacade(_) => "dylib".to_owned(),
            Change::Centralize { requirement, .. } => requirement
                .clone()
                .unwrap_or_else(|| "the members' requirement".to_owned()),
            Change::CargoUpdate { precise, .. } => precise.clone(),
        }
    }

    /// What it is expected to improve. A release setting that optimises harder buys a faster
    /// program with build time; one that optimises less, the other way round.
    pub fn direction(&self) -> Direction {
        match self {
            Change::Config { key, value } => {
                let leaf = key.rsplit('.').next().unwrap_or(key);
                let value = value.trim_matches('"');
                // The build-override table is compiled for build scripts and proc-macros, which
                // run during the build: what it optimises is the build itself.
                let optimises = !key.contains(".build-override.")
                    && match leaf {
                        "lto" => matches!(value, "fat" | "true" | "thin"),
                        "codegen-units" => value.parse::<u32>().is_ok_and(|n| n <= 4),
                        "opt-level" => value != "0",
                        "panic" => value == "abort",
                        _ => false,
                    };
                if optimises {
                    Direction::FasterProgram
                } else {
                    Direction::FasterBuild
                }
            }
            // Removing a key cargo ignores changes no build; any other removal restores cargo's
            // build-time default.
            Change::Unset { key } => {
                let leaf = key.rsplit('.').next().unwrap_or(key);
                if crate::workspace::profiles::is_known_leaf(leaf) {
                    Direction::FasterBuild
                } else {
                    Direction::TidierManifests
                }
            }
            Change::Env { .. }
            | Change::Rustflags(_)
            | Change::Linker(_)
            | Change::Toolchain(_)
            | Change::TargetCache(_)
            | Change::HintMostlyUnused(_)
            | Change::DylibFacade(_) => Direction::FasterBuild,
            Change::Centralize { .. } | Change::RemoveWorkspaceDependency { .. } => {
                Direction::TidierManifests
            }
            Change::CargoUpdate { .. } => Direction::SmallerLockfile,
        }
    }

    /// The change a suggestion stands for, or why cargo-tune cannot carry it out.
    pub fn from_suggestion(s: &cargo_tune_schema::SuggestedChange) -> Result<Change, String> {
        suggestion::from_suggestion(s)
    }

    /// The suggestion that stands for this change, as records and reports store it.
    pub fn to_suggestion(&self) -> cargo_tune_schema::SuggestedChange {
        suggestion::to_suggestion(self)
    }
}

/// A dotted key written one way: `profile.dev.package."*".debug`.
fn canonical_key(key: &str) -> String {
    match key_path(key) {
        Ok(path) => dotted_key(path.iter().map(String::as_str)),
        Err(_) => key.to_owned(),
    }
}

#[cfg(test)]
mod tests;
