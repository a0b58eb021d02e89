//! Facts recorded with every measurement: toolchain, cargo, jobs, git revision, the file edited
//! and the environment variables cargo-tune controls.

use std::path::{Path, PathBuf};

use crate::cargo::metadata::{Metadata, TargetKind};

use crate::cargo::{CargoCli, CargoOptions, ToolCommand};
use crate::workspace::{BuildEnv, CargoConfig};

/// `cargo -V`, or `cargo (unknown version)`.
pub fn cargo_version() -> String {
    CargoCli::new(&["--version"], &CargoOptions::default())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "cargo (unknown version)".to_owned())
}

/// `git rev-parse HEAD` and whether tracked files have uncommitted changes.
pub fn git_state(root: &Path) -> (Option<String>, Option<bool>) {
    let rev = ToolCommand::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok();
    let Some(rev) = rev.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()) else {
        return (None, None);
    };
    let dirty = ToolCommand::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(root)
        .output()
        .ok()
        .map(|o| !o.stdout.is_empty());
    (Some(rev), dirty)
}

/// What a run records about where it ran that takes processes to find out: the commit, whether
/// tracked files had changes, and cargo's version. Kept apart so that a command can find it
/// out while its build runs rather than before.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// `git rev-parse HEAD`.
    pub git_revision: Option<String>,
    /// Whether tracked files had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// `cargo -V`.
    pub cargo: String,
}

impl Provenance {
    /// Asks git and cargo, side by side.
    pub fn probe(root: &Path) -> Provenance {
        std::thread::scope(|s| {
            let cargo = s.spawn(cargo_version);
            let (git_revision, git_dirty) = git_state(root);
            Provenance {
                git_revision,
                git_dirty,
                cargo: cargo
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            }
        })
    }

    /// Writes itself into `context`.
    pub fn record(self, context: &mut cargo_tune_schema::RunContext) {
        context.git_revision = self.git_revision;
        context.git_dirty = self.git_dirty;
        context.cargo = self.cargo;
    }
}

/// Jobs cargo will run: `--jobs`, else `CARGO_BUILD_JOBS`, else `build.jobs`, else the cores.
pub fn effective_jobs(
    cli: Option<usize>,
    env: &BuildEnv,
    config: &CargoConfig,
    cores: usize,
) -> usize {
    let positive = |n: i64| usize::try_from(n).ok().filter(|n| *n > 0);
    // cargo reads a negative build.jobs as "cores minus N".
    let relative = |n: i64| {
        if n < 0 {
            Some(cores.saturating_sub(n.unsigned_abs() as usize).max(1))
        } else {
            positive(n)
        }
    };
    cli.or_else(|| {
        env.get("CARGO_BUILD_JOBS")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(relative)
    })
    .or_else(|| {
        config
            .get(&["build", "jobs"])
            .and_then(|(item, _)| item.as_integer())
            .and_then(relative)
    })
    .unwrap_or(cores)
}

/// The source file `dev-incremental` edits unless told otherwise: the main source of a member
/// no other member depends on (the end of the dependency chain, the file edited most often),
/// preferring a binary target, then a library.
pub fn default_touch_file(metadata: &Metadata, packages: &[String]) -> Option<PathBuf> {
    // With `-p`, only the selected members are built, so only their files are worth editing.
    let members: Vec<_> = metadata
        .workspace_packages()
        .into_iter()
        .filter(|m| packages.is_empty() || packages.iter().any(|p| *p == m.name.as_str()))
        .collect();
    let depended_on = |name: &str| {
        members.iter().any(|m| {
            m.dependencies
                .iter()
                .any(|d| d.path.is_some() && d.name == name)
        })
    };
    let leaves: Vec<_> = members.iter().filter(|m| !depended_on(&m.name)).collect();
    for kinds in [&[TargetKind::Bin][..], &[TargetKind::Lib, TargetKind::Rlib]] {
        for member in leaves
            .iter()
            .chain(members.iter().collect::<Vec<_>>().iter())
        {
            if let Some(target) = member
                .targets
                .iter()
                .find(|t| t.kind.iter().any(|k| kinds.contains(k)))
            {
                return Some(target.src_path.clone());
            }
        }
    }
    None
}

/// Why a `--touch` file cannot be edited by `dev-incremental`.
#[derive(Debug, thiserror::Error)]
pub enum TouchError {
    /// No such file.
    #[error("--touch {}: no such file", path.display())]
    Missing {
        /// The path as resolved.
        path: PathBuf,
    },
    /// Not a Rust source: the edit appends a Rust comment, which would corrupt anything else.
    #[error("--touch {}: not a Rust source file (`.rs`); dev-incremental edits a member's source the way a person does", path.display())]
    NotRust {
        /// The path as resolved.
        path: PathBuf,
    },
    /// Outside every member's directory (or in the target directory): editing it rebuilds
    /// nothing that cargo-tune measures.
    #[error("--touch {}: not a source of a workspace member (members: {})", path.display(), members.join(", "))]
    NotMember {
        /// The path as resolved.
        path: PathBuf,
        /// Member names.
        members: Vec<String>,
    },
}

/// Checks a `--touch` file: a `.rs` file inside a workspace member's directory and outside the
/// target directory.
pub fn check_touch_file(metadata: &Metadata, given: &Path) -> Result<(), TouchError> {
    let path = given.canonicalize().map_err(|_| TouchError::Missing {
        path: given.to_owned(),
    })?;
    if !path.is_file() {
        return Err(TouchError::Missing { path });
    }
    if path.extension().is_none_or(|e| e != "rs") {
        return Err(TouchError::NotRust {
            path: given.to_owned(),
        });
    }
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
    let members = metadata.workspace_packages();
    let in_target = path.starts_with(canonical(&metadata.target_directory));
    let in_member = members.iter().any(|m| {
        m.manifest_path
            .parent()
            .is_some_and(|dir| path.starts_with(canonical(dir)))
    });
    if in_target || !in_member {
        return Err(TouchError::NotMember {
            path: given.to_owned(),
            members: members.iter().map(|m| m.name.clone()).collect(),
        });
    }
    Ok(())
}

/// `NAME=value` (or `NAME unset`) for every variable cargo-tune sets or inherits that changes
/// what is measured.
pub fn controlled_env(env: &BuildEnv, jobs: Option<usize>) -> Vec<String> {
    let mut out = vec![
        "CARGO_TARGET_DIR=<per scenario and variant>".to_owned(),
        "RUSTC_WRAPPER= (cleared unless a change sets it)".to_owned(),
        "RUSTC_WORKSPACE_WRAPPER= (cleared unless a change sets it)".to_owned(),
    ];
    for var in ["CARGO_INCREMENTAL", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        out.push(match env.get(var) {
            Some(v) => format!("{var}={v} (inherited)"),
            None => format!("{var} unset"),
        });
    }
    out.push(match (jobs, env.get("CARGO_BUILD_JOBS")) {
        (Some(j), _) => format!("CARGO_BUILD_JOBS={j}"),
        (None, Some(v)) => format!("CARGO_BUILD_JOBS={v} (inherited)"),
        (None, None) => "CARGO_BUILD_JOBS unset".to_owned(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_come_from_the_first_source_that_sets_them() {
        let config = CargoConfig::default();
        let env = BuildEnv::from_vars([("CARGO_BUILD_JOBS".to_owned(), "3".to_owned())]);
        assert_eq!(effective_jobs(Some(1), &env, &config, 8), 1);
        assert_eq!(effective_jobs(None, &env, &config, 8), 3);
        assert_eq!(effective_jobs(None, &BuildEnv::default(), &config, 8), 8);
        let negative = BuildEnv::from_vars([("CARGO_BUILD_JOBS".to_owned(), "-2".to_owned())]);
        assert_eq!(effective_jobs(None, &negative, &config, 8), 6);
    }
}
