//! Report documents.

use serde::{Deserialize, Serialize};

use crate::{Finding, Severity};

/// Name and version of the tool that wrote a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `cargo-tune`.
    pub name: String,
    /// The cargo-tune version.
    pub version: String,
}

impl ToolInfo {
    /// This build of cargo-tune.
    pub fn current(version: &str) -> Self {
        ToolInfo {
            name: "cargo-tune".to_owned(),
            version: version.to_owned(),
        }
    }
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Findings of severity `error`.
    pub errors: usize,
    /// Findings of severity `warning`.
    pub warnings: usize,
    /// Findings of severity `info`.
    pub infos: usize,
}

impl Summary {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut summary = Summary::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
        }
        summary
    }
}

/// Where an effective profile value came from, lowest precedence first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ValueSource {
    /// cargo's built-in default for the root profile (`dev` or `release`).
    Default,
    /// A `[profile]` table of the workspace root manifest.
    Manifest {
        /// Path relative to the workspace root.
        path: String,
        /// 1-based line of the key.
        line: usize,
    },
    /// A `[profile]` table of a cargo configuration file.
    Config {
        /// Path of the configuration file (absolute when outside the workspace).
        path: String,
    },
    /// A `CARGO_PROFILE_<NAME>_<KEY>` environment variable.
    Env {
        /// The variable's name.
        var: String,
    },
    /// A `--config` argument, which outranks the environment and every file.
    CliConfig {
        /// The argument as given: `KEY=VALUE` or the path of a file.
        arg: String,
    },
}

impl ValueSource {
    /// Where the value is written, for a sentence: `Cargo.toml:7`, a variable, `--config …`.
    pub fn place(&self) -> String {
        match self {
            ValueSource::Default => "cargo's default".to_owned(),
            ValueSource::Manifest { path, line } => format!("{path}:{line}"),
            ValueSource::Config { path } => path.clone(),
            ValueSource::Env { var } => var.clone(),
            ValueSource::CliConfig { arg } => format!("--config {arg}"),
        }
    }
}

/// One key of an effective profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileValue {
    /// The key, e.g. `debug` or `package."*".opt-level`.
    pub key: String,
    /// The value as a TOML value written as JSON.
    pub value: serde_json::Value,
    /// Which profile the value was set in (differs from the profile itself when inherited).
    pub defined_in: String,
    /// Where it was set.
    pub source: ValueSource,
}

/// A profile after `inherits`, defaults, manifest, configuration and environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EffectiveProfile {
    /// Profile name.
    pub name: String,
    /// The chain of profiles it inherits from, nearest first (`test` → `["dev"]`).
    pub inherits: Vec<String>,
    /// Every key, in a stable order.
    pub values: Vec<ProfileValue>,
}

/// The document `cargo tune audit --format json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// Number of workspace members and of packages in the resolve.
    pub members: usize,
    /// Number of packages in the resolve.
    pub packages: usize,
    /// Counts by severity.
    pub summary: Summary,
    /// Every finding, ordered by severity (highest first), then code, then subject; with
    /// `--costs`, findings with a measured cost come first, most expensive first.
    pub findings: Vec<Finding>,
    /// The effective profiles.
    pub profiles: Vec<EffectiveProfile>,
    /// Facts about the toolchain and host, keyed by name (`rustc`, `host`, `llvm`, `linker`,
    /// `cores`, …). Values are strings, numbers, booleans or lists.
    pub toolchain: serde_json::Map<String, serde_json::Value>,
    /// Where `compiled-twice` findings come from: cargo's unit graphs, or the labelled
    /// fallback when cargo could not print them.
    #[serde(default)]
    pub unit_graph: UnitGraphStatus,
    /// Where cargo resolved the workspace when it has no `Cargo.lock` of its own: versions are
    /// today's newest compatible ones, as `cargo generate-lockfile` would pick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockfile_aside: Option<String>,
}

impl AuditReport {
    /// The sentence reports print when the workspace has no lockfile of its own.
    pub fn lockfile_aside_note(&self) -> Option<String> {
        self.lockfile_aside.as_ref().map(|path| {
            format!(
                "the workspace has no Cargo.lock: cargo resolved it into {path} (today's newest compatible versions, as `cargo generate-lockfile` would pick), so version findings may differ from a build with a committed lockfile"
            )
        })
    }
}

/// Whether cargo's unit graphs were read, for which commands, or why not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitGraphStatus {
    /// `unit-graph` when read from cargo, `resolve-model` for the fallback.
    pub source: String,
    /// The commands whose unit graphs were read (`cargo build --workspace --release`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// Why the unit graphs could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}
