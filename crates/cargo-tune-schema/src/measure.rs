//! Documents of `cargo tune bench` and `cargo tune try`, and the history file's lines.

use serde::{Deserialize, Serialize};

use crate::ToolInfo;

/// What one measured run of one variant of one scenario produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Wall-clock time of the cargo command, in seconds (monotonic clock).
    pub wall_s: f64,
    /// User CPU time of cargo and every process it waited for, in seconds.
    pub user_s: f64,
    /// System CPU time of cargo and every process it waited for, in seconds.
    pub sys_s: f64,
    /// Peak of the summed resident set size of the live process tree, in bytes, as seen by the
    /// method in [`RunContext::memory_method`]. `None` when no sample was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_tree_rss_bytes: Option<u64>,
    /// Largest resident set size of any single process of the build, in bytes (kernel
    /// accounting of the waited-for tree, `wait4` `ru_maxrss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_process_rss_bytes: Option<u64>,
    /// Total size of the files cargo reported as artifacts of this run, in bytes.
    pub artifact_bytes: u64,
    /// Units (crates, build scripts) cargo compiled rather than found fresh.
    pub units_rebuilt: u32,
    /// Units cargo reported in total.
    pub units_total: u32,
    /// CPU time cargo-tune itself spent during the run (sampling, reading cargo's output), in
    /// seconds.
    pub harness_cpu_s: f64,
    /// What the compiler cache did during the run, from its own counters, when the variant
    /// compiled through one (sccache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiler_cache: Option<CompilerCacheCounts>,
    /// In `ci-warm`, seconds a CI runner spends restoring the variant's cache before the
    /// build: its compressed size at the cache bandwidth. Part of what the run costs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_restore_s: Option<f64>,
}

impl Measurement {
    /// What the run costs: its wall time and, in `ci-warm`, the restore of its cache. Ratios
    /// and verdicts compare this.
    pub fn charged_s(&self) -> f64 {
        self.wall_s + self.cache_restore_s.unwrap_or(0.0)
    }
}

/// A compiler cache's counters over one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompilerCacheCounts {
    /// Compilations served from the cache.
    pub hits: u64,
    /// Compilations the cache could have served but did not have; compiled and stored.
    pub misses: u64,
    /// Compilations the cache does not handle (linking a binary, a crate type it cannot cache).
    pub not_cacheable: u64,
    /// Reads or writes of the cache that failed.
    pub errors: u64,
}

impl CompilerCacheCounts {
    /// `hits / (hits + misses)`, when there was either.
    pub fn hit_rate(&self) -> Option<f64> {
        let looked_up = self.hits + self.misses;
        (looked_up > 0).then(|| self.hits as f64 / looked_up as f64)
    }
}

/// Median, minimum and maximum of one metric over the measured runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary3 {
    /// Median (mean of the two middle values for an even count).
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// [`Summary3`] of a byte count, in whole bytes (an even count's median is rounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteSummary {
    /// Median.
    pub median: u64,
    /// Smallest value.
    pub min: u64,
    /// Largest value.
    pub max: u64,
}

/// The per-metric summaries of one variant in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSummaries {
    /// Wall time, seconds.
    pub wall_s: Summary3,
    /// User + system CPU time, seconds.
    pub cpu_s: Summary3,
    /// Whole-tree peak memory, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_tree_rss_bytes: Option<ByteSummary>,
    /// Largest single process, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_process_rss_bytes: Option<ByteSummary>,
    /// Artifact sizes, bytes.
    pub artifact_bytes: ByteSummary,
    /// Units rebuilt.
    pub units_rebuilt: Summary3,
    /// cargo-tune's own CPU time, seconds.
    pub harness_cpu_s: Summary3,
    /// The compiler cache's hit rate (0–1) over the runs that looked anything up in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiler_cache_hit_rate: Option<Summary3>,
    /// Compilations served from the compiler cache per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiler_cache_hits: Option<Summary3>,
}

/// Why a variant produced no (or not all) measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantFailure {
    /// `warm-up` or `run N`.
    pub during: String,
    /// The command that failed.
    pub command: String,
    /// Exit status as text.
    pub status: String,
    /// cargo's last lines (errors first).
    pub last_lines: Vec<String>,
}

/// One variant's outcome in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantOutcome {
    /// `baseline`, or `candidate-N`.
    pub variant: String,
    /// The measured runs, in the order they ran.
    pub runs: Vec<Measurement>,
    /// Summaries over `runs`; absent when there is no run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<MetricSummaries>,
    /// Set when the variant failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<VariantFailure>,
    /// In `ci-warm`, the size of what its CI cache saves, compressed as `actions/cache` stores
    /// it (tar and zstd), in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_bytes: Option<u64>,
    /// With a workload: the workload run with this variant's own build, after the scenario's
    /// builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<RuntimeOutcome>,
    /// With a workload: the size of the binary it runs (for a command workload, the largest
    /// binary of the workspace) as the variant's last build left it, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_bytes: Option<u64>,
}

/// A workload run with one variant's build: one warm-up, then measured runs interleaved with
/// the other variants' in rotated order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeOutcome {
    /// The command as run for this variant.
    pub command: String,
    /// Wall time of each measured run, in seconds, in the order they ran.
    pub runs_s: Vec<f64>,
    /// Summary of `runs_s`; absent without runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary3>,
    /// Set when a run failed (non-zero exit, or killed at the timeout): the variant's build
    /// results are kept, its run time is not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<VariantFailure>,
}

/// A confidence interval of the geometric mean of the per-pair ratios (a Student-t interval
/// of the mean log ratio).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level: 0.95 divided among the candidates of the run (0.95 for one, 0.9833
    /// for three).
    pub confidence: f64,
}

/// How a candidate compares with the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Verdict {
    /// The whole interval is below 1 and most pairs are faster.
    Faster,
    /// The whole interval is above 1 and most pairs are slower.
    Slower,
    /// The interval lies within ±3 % of 1: no effect worth acting on.
    Noise,
    /// The interval is too wide to tell (or the pairs disagree with it); see
    /// [`Comparison::more_runs`].
    Inconclusive,
    /// A variant failed; no comparison.
    Failed,
}

impl Verdict {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Faster => "faster",
            Verdict::Slower => "slower",
            Verdict::Noise => "noise",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Failed => "failed",
        }
    }
}

/// One candidate against the baseline in one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The candidate's variant name.
    pub candidate: String,
    /// Median wall time of the baseline, seconds.
    pub baseline_median: Option<f64>,
    /// Median wall time of the candidate, seconds.
    pub candidate_median: Option<f64>,
    /// Geometric mean of the per-pair ratios candidate / baseline of wall time.
    pub ratio: Option<f64>,
    /// Interval of that ratio; absent with fewer than two pairs.
    pub interval: Option<Interval>,
    /// The verdict.
    pub verdict: Verdict,
    /// Complete pairs (round *i* of the baseline with round *i* of the candidate).
    pub pairs: usize,
    /// Pairs in which the candidate was faster.
    pub faster_pairs: usize,
    /// For `inconclusive`: about how many more runs would separate the observed effect from 1,
    /// if its size and spread held; absent when more than 200 would be needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_runs: Option<usize>,
    /// The fastest candidate whose verdict is `faster` in this scenario.
    pub best: bool,
    /// With a workload: the program as the candidate built it against the baseline's, at the
    /// confidence of `interval`.
    #[serde(flatten)]
    pub workload: WorkloadComparison,
}

/// With a workload: how the program a candidate built runs and how large it is, against the
/// baseline's. Every field is absent without a workload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadComparison {
    /// The geometric mean of the per-round ratios of the workload's run time with the
    /// candidate's build ÷ with the baseline's (below 1: the program is faster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_ratio: Option<f64>,
    /// Interval of `runtime_ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_interval: Option<Interval>,
    /// Verdict on the run time, by the rules of the wall time's verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_verdict: Option<Verdict>,
    /// Complete pairs of workload runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_pairs: Option<usize>,
    /// The candidate's binary size ÷ the baseline's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_ratio: Option<f64>,
}

/// One scenario of `cargo tune bench` or `cargo tune try`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Scenario name (`dev-incremental`, …).
    pub scenario: String,
    /// The order the variants ran in, one list per measured round (the warm-up round runs in
    /// the order of the first).
    pub rounds: Vec<Vec<String>>,
    /// Every variant measured in this scenario, baseline first.
    pub variants: Vec<VariantOutcome>,
    /// `try` only: each candidate against the baseline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comparisons: Vec<Comparison>,
}

/// A scenario a candidate was not measured in, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotMeasured {
    /// Scenario name.
    pub scenario: String,
    /// Variant name.
    pub variant: String,
    /// Why: what the candidate changes and what the scenario builds.
    pub reason: String,
}

/// A configuration that was measured: the workspace as it is plus changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantSpec {
    /// `baseline`, or `candidate-N` for the N-th candidate.
    pub name: String,
    /// The changes as the user wrote them.
    pub changes: Vec<String>,
    /// What they expanded to (presets and findings resolved), one change each.
    pub expanded: Vec<String>,
    /// `--config` overrides passed to cargo.
    pub config: Vec<String>,
    /// Environment variables set (`NAME=value`; an empty value clears).
    pub env: Vec<String>,
    /// The rustflags passed through `CARGO_ENCODED_RUSTFLAGS`, if the variant changes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustflags: Option<Vec<String>>,
    /// Target directory of this variant.
    pub target_dir: String,
    /// The toolchain that built this variant when it is not the one of `context.rustc`
    /// (`threads=N` and `nightly` build with rustup's nightly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<VariantToolchain>,
    /// The unstable cargo and rustc features the variant relies on, each with how it was
    /// enabled; empty for a variant that uses none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unstable: Vec<String>,
    /// What else a user of the variant must know (a dylib's library path at run time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A toolchain other than the one in use, as a variant ran it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantToolchain {
    /// As asked for: `nightly`.
    pub name: String,
    /// The rustup toolchain it resolved to (`nightly-x86_64-unknown-linux-gnu`).
    pub rustup_name: String,
    /// Its channel: `nightly`, `beta`, `stable` or `dev`.
    pub channel: String,
    /// `rustc -V` of it.
    pub rustc: String,
    /// The cargo that ran the builds.
    pub cargo: String,
}

/// How whole-build peak memory was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryMethod {
    /// `proc-tree-sampling` (sum of VmRSS of the live descendants of cargo, sampled), or
    /// `none` where the platform has no implementation.
    pub kind: String,
    /// Sampling interval in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<u64>,
}

/// Facts every measurement depends on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunContext {
    /// `rustc -V`.
    pub rustc: String,
    /// `cargo -V`.
    pub cargo: String,
    /// Host triple.
    pub host: String,
    /// Logical cores.
    pub cores: usize,
    /// Jobs cargo runs (`--jobs`, `build.jobs`, or the core count).
    pub jobs: usize,
    /// `git rev-parse HEAD` of the workspace, if it is a git checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_revision: Option<String>,
    /// Whether the checkout had uncommitted changes before the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_dirty: Option<bool>,
    /// Measured runs per variant and scenario (after one warm-up).
    pub runs: usize,
    /// How peak memory was measured.
    pub memory_method: MemoryMethod,
    /// The file edited by `dev-incremental`, relative to the workspace root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touched_file: Option<String>,
    /// Environment variables cargo-tune controls, as every run saw them (`unset` when absent).
    pub controlled_env: Vec<String>,
    /// The user's own `--config` overrides, passed to every variant before the variant's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub common_config: Vec<String>,
    /// The members built with `-p`; empty for the whole workspace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// The profile `release-clean` builds when it is not `release` (`--profile NAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The workload run with each variant's build, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<WorkloadInfo>,
}

/// The workload of a `try` or `bench`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    /// `bin:NAME` for `--workload-bin`, `workload.NAME` for a workload of the SLO spec.
    pub name: String,
    /// The command with the binary's path left out (`rg -c fn crates`, or the command as
    /// declared).
    pub command: Vec<String>,
    /// The binary it runs, when it runs one of the workspace's (`--workload-bin`, `bin = …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    /// Where it runs.
    pub cwd: String,
    /// Measured runs per variant and scenario, after one warm-up.
    pub runs: usize,
    /// A run longer than this is killed and the variant's run time marked failed, seconds.
    pub timeout_s: f64,
}

/// The document `cargo tune bench --format json` and `cargo tune try --format json` print.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasureReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// `bench` or `try`.
    pub command: String,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// Toolchain, host and method.
    pub context: RunContext,
    /// The baseline first, then the candidates of a `try`.
    pub variants: Vec<VariantSpec>,
    /// Candidates left out of a scenario they cannot affect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_measured: Vec<NotMeasured>,
    /// One result per scenario, in the order asked.
    pub scenarios: Vec<ScenarioResult>,
}

/// One line of `target/cargo-tune/history.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// `bench` or `try`.
    pub command: String,
    /// Seconds since the Unix epoch when the command finished.
    pub finished_at: u64,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Toolchain, host, jobs, git revision.
    pub context: RunContext,
    /// The variants measured.
    pub variants: Vec<VariantSpec>,
    /// Per scenario and variant: the summaries (runs left out to keep lines short).
    pub results: Vec<HistoryResult>,
}

/// One scenario × variant of a [`HistoryEntry`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryResult {
    /// Scenario name.
    pub scenario: String,
    /// Variant name.
    pub variant: String,
    /// Summaries, absent when the variant failed before any run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<MetricSummaries>,
    /// Whether the variant failed.
    pub failed: bool,
    /// For `try`, the ratio on each candidate's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// For `try`, the verdict on each candidate's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}
