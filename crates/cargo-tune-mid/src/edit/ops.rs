//! Edit operations as data: what one edit of one file (or one `cargo update`) does.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One edit of one file, or one command that edits `Cargo.lock`. Paths are absolute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum EditOp {
    /// Set (or, with a `null` value, remove) a key of `[profile.<profile>]`, of its
    /// `package."<spec>"` sub-table or of its `build-override` sub-table.
    ProfileSet {
        /// The root manifest.
        manifest: PathBuf,
        /// Profile name.
        profile: String,
        /// `package."<spec>"` sub-table.
        package: Option<String>,
        /// The `build-override` sub-table.
        build_override: bool,
        /// Key in that table.
        key: String,
        /// TOML value as JSON; `null` removes the key.
        value: serde_json::Value,
    },
    /// Set a key of a cargo configuration file.
    ConfigSet {
        /// The configuration file (created if missing).
        file: PathBuf,
        /// Key path (`["build", "jobs"]`).
        key: Vec<String>,
        /// TOML value as JSON; `null` removes the key.
        value: serde_json::Value,
    },
    /// Select a linker for one target: merge `flags` into `target.<triple>.rustflags` (replacing
    /// other linker-selecting flags) and optionally set `target.<triple>.linker`.
    TargetLinker {
        /// The configuration file (created if missing).
        file: PathBuf,
        /// Target triple.
        triple: String,
        /// `target.<triple>.linker`, when the flags need a particular driver.
        linker: Option<String>,
        /// Flags to merge in.
        flags: Vec<String>,
        /// Flags written first when the target has no rustflags yet (the `build.rustflags` that
        /// target rustflags would otherwise silently replace).
        seed: Vec<String>,
    },
    /// Make `[workspace.dependencies.<key>]` hold these fields.
    WorkspaceDependencySet {
        /// The root manifest.
        manifest: PathBuf,
        /// Entry key.
        key: String,
        /// Fields in writing order, TOML values as JSON.
        fields: Vec<(String, serde_json::Value)>,
    },
    /// Rewrite a member's dependency to `workspace = true`, keeping features, `optional` and
    /// `public`.
    InheritDependency {
        /// The member manifest.
        manifest: PathBuf,
        /// Path of the dependency table (`["target", "cfg(unix)", "dependencies"]`).
        table: Vec<String>,
        /// Dependency key.
        key: String,
        /// `Some(true)` writes `default-features = true` (the workspace entry disables them).
        default_features: Option<bool>,
    },
    /// Remove `[workspace.dependencies.<key>]`.
    RemoveWorkspaceDependency {
        /// The root manifest.
        manifest: PathBuf,
        /// Entry key.
        key: String,
    },
    /// `cargo update -p <spec>… [--precise <precise>]`, which rewrites `Cargo.lock`.
    CargoUpdate {
        /// The root manifest.
        manifest: PathBuf,
        /// Package id specs (`name@version`); the first is the package the finding names, the
        /// others are updated with it (a parent that pins it exactly).
        specs: Vec<String>,
        /// Version to move the one package to; `None` lets cargo pick the newest that every
        /// requirement admits.
        precise: Option<String>,
        /// What `cargo update --dry-run` said the command does (`Updating a v1 -> v2`, `Adding …`,
        /// `Removing …`), once checked.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outcome: Vec<String>,
    },
}

impl EditOp {
    /// The file this operation edits. For `cargo update`, the lockfile.
    pub fn file(&self) -> PathBuf {
        match self {
            EditOp::ProfileSet { manifest, .. }
            | EditOp::WorkspaceDependencySet { manifest, .. }
            | EditOp::InheritDependency { manifest, .. }
            | EditOp::RemoveWorkspaceDependency { manifest, .. } => manifest.clone(),
            EditOp::ConfigSet { file, .. } | EditOp::TargetLinker { file, .. } => file.clone(),
            EditOp::CargoUpdate { manifest, .. } => manifest.with_file_name("Cargo.lock"),
        }
    }

    /// The arguments of a `cargo update` operation after `cargo`, empty for other operations.
    pub fn update_args(&self) -> Vec<String> {
        let EditOp::CargoUpdate { specs, precise, .. } = self else {
            return Vec::new();
        };
        let mut args = vec!["update".to_owned()];
        for spec in specs {
            args.extend(["-p".to_owned(), spec.clone()]);
        }
        if let Some(precise) = precise {
            args.extend(["--precise".to_owned(), precise.clone()]);
        }
        args
    }

    /// One line for people: what changes where.
    pub fn describe(&self, root: &Path) -> String {
        let rel = |p: &Path| crate::workspace::relative_path(p, root);
        match self {
            EditOp::ProfileSet {
                manifest,
                profile,
                package,
                build_override,
                key,
                value,
            } => {
                let table =
                    crate::text::toml_json::dotted_key(crate::workspace::profiles::table_path(
                        profile,
                        package.as_deref(),
                        *build_override,
                    ));
                match value {
                    serde_json::Value::Null => format!("{}: remove {table}.{key}", rel(manifest)),
                    v => format!("{}: set {table}.{key} = {v}", rel(manifest)),
                }
            }
            EditOp::ConfigSet { file, key, value } => match value {
                serde_json::Value::Null => format!("{}: remove {}", rel(file), key.join(".")),
                v => format!("{}: set {} = {v}", rel(file), key.join(".")),
            },
            EditOp::TargetLinker {
                file,
                triple,
                linker,
                flags,
                ..
            } => {
                let mut text = format!(
                    "{}: add {} to target.{triple}.rustflags",
                    rel(file),
                    flags.join(" ")
                );
                if let Some(linker) = linker {
                    text.push_str(&format!(", set target.{triple}.linker = \"{linker}\""));
                }
                text
            }
            EditOp::WorkspaceDependencySet { manifest, key, .. } => {
                format!(
                    "{}: declare {key} in [workspace.dependencies]",
                    rel(manifest)
                )
            }
            EditOp::InheritDependency {
                manifest,
                table,
                key,
                ..
            } => {
                format!(
                    "{}: inherit {key} in [{}] from the workspace",
                    rel(manifest),
                    table.join(".")
                )
            }
            EditOp::RemoveWorkspaceDependency { manifest, key } => {
                format!(
                    "{}: remove {key} from [workspace.dependencies]",
                    rel(manifest)
                )
            }
            EditOp::CargoUpdate { outcome, .. } => {
                let command = format!("run `cargo {}`", self.update_args().join(" "));
                if outcome.is_empty() {
                    command
                } else {
                    format!("{command}: {}", outcome.join(", "))
                }
            }
        }
    }
}
