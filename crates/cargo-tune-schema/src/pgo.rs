//! The document of `cargo tune pgo`.

use serde::{Deserialize, Serialize};

use crate::{Interval, Summary3, ToolInfo, Verdict};

/// One step of the pipeline and what it cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PgoStep {
    /// `baseline build`, `instrumented build`, `training run 1`, `merge`, `optimised build`,
    /// `bolt build`, `bolt instrument`, `bolt training run 1`, `bolt merge`, `bolt optimise`.
    pub name: String,
    /// The exact command, environment overrides first.
    pub command: String,
    /// Wall time, seconds.
    pub wall_s: f64,
}

/// What the training produced and how rustc used it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileSummary {
    /// `.profraw` files written by the training runs (one per run).
    pub raw_files: usize,
    /// Their total size, bytes.
    pub raw_bytes: u64,
    /// The merged `.profdata`.
    pub merged: String,
    /// Its size, bytes.
    pub merged_bytes: u64,
    /// rustc's warnings that a function had no profile data, or data that no longer matches
    /// its code, during the optimised build. Zero means the profile covered the build.
    pub missing_profile_warnings: usize,
    /// The first few of those warnings, as rustc wrote them.
    pub missing_profile_examples: Vec<String>,
}

/// One binary of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PgoVariant {
    /// `baseline`, `pgo` or `pgo+bolt`.
    pub name: String,
    /// The binary.
    pub binary: String,
    /// Its size, bytes.
    pub binary_bytes: u64,
    /// Wall time of every step needed to produce it from the sources, seconds.
    pub build_s: f64,
    /// Wall time of each measured workload run, seconds, in the order they ran.
    pub runs_s: Vec<f64>,
    /// Median, min and max of `runs_s`.
    pub summary: Option<Summary3>,
}

/// An optimised binary against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PgoComparison {
    /// `pgo` or `pgo+bolt`.
    pub variant: String,
    /// Median of the per-pair ratios optimised/baseline (below 1 is faster).
    pub ratio: Option<f64>,
    /// Distribution-free interval of that median.
    pub interval: Option<Interval>,
    /// `faster`, `slower` or `noise`.
    pub verdict: Verdict,
    /// Interleaved pairs compared.
    pub pairs: usize,
    /// Build time of this variant divided by the baseline's.
    pub build_ratio: f64,
    /// Binary size of this variant divided by the baseline's.
    pub size_ratio: f64,
}

/// The toolchain and settings of a `pgo` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PgoContext {
    /// `rustc 1.95.0`.
    pub rustc: String,
    /// rustc's LLVM version.
    pub llvm_version: String,
    /// The `llvm-profdata` used (its LLVM major matches rustc's).
    pub profdata: String,
    /// The `llvm-bolt` used, with `--bolt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bolt: Option<String>,
    /// Host triple.
    pub host: String,
    /// Logical cores.
    pub cores: usize,
    /// Training runs of the workload.
    pub training_runs: usize,
    /// Measured workload runs per binary, after one warm-up.
    pub runs: usize,
    /// A workload run taking longer than this is stopped, seconds.
    pub timeout_s: f64,
    /// The rustflags every build starts from (the workspace's own, as cargo would pass them).
    pub rustflags: Vec<String>,
}

/// `cargo tune pgo`: instrument, train, merge, optimise, and the runtime A/B.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PgoReport {
    /// Document version.
    pub format_version: u32,
    /// cargo-tune.
    pub tool: ToolInfo,
    /// Workspace root.
    pub workspace_root: String,
    /// The package built.
    pub package: String,
    /// Its binary target.
    pub bin: String,
    /// The arguments every workload run passes to the binary.
    pub workload: Vec<String>,
    /// The directory the workload runs in.
    pub workload_dir: String,
    /// Toolchain and settings.
    pub context: PgoContext,
    /// Every step in order.
    pub steps: Vec<PgoStep>,
    /// The training profile.
    pub profile: ProfileSummary,
    /// Whether `llvm-bolt` rewrote the binary (its `.note.bolt_info` section is present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bolt_applied: Option<bool>,
    /// `baseline` first.
    pub variants: Vec<PgoVariant>,
    /// Each optimised variant against the baseline.
    pub comparisons: Vec<PgoComparison>,
}
