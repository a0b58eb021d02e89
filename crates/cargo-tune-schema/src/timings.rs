//! The document of `cargo tune timings`, which `cargo tune audit --costs` reads back.

use serde::{Deserialize, Serialize};

use crate::{RunContext, ToolInfo, VariantFailure};

/// The document `cargo tune timings --format json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingsReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// Toolchain, host, jobs.
    pub context: RunContext,
    /// The scenario built (`dev-clean`, `check`, …).
    pub scenario: String,
    /// The cargo command that was measured.
    pub command: String,
    /// Where the per-unit durations and the dependency edges came from.
    pub source: TimingSourceInfo,
    /// Wall time of every run, seconds, in order; the report describes the median one.
    pub run_walls_s: Vec<f64>,
    /// Which run (index into `run_walls_s`) the units and the critical path describe.
    pub reported_run: usize,
    /// Wall time of the reported build as cargo measured it, seconds.
    pub wall_s: f64,
    /// Every unit cargo compiled or ran, by cargo's unit index.
    pub units: Vec<UnitTiming>,
    /// The longest chain of dependent units, with pipelining.
    pub critical_path: CriticalPath,
    /// How many units ran at once.
    pub parallelism: Parallelism,
    /// Time spent in build scripts and proc-macros.
    pub shares: Shares,
    /// One entry per proc-macro: its own unit and the host-only units only it needs.
    pub proc_macro_stacks: Vec<CostedGroup>,
    /// Findings of `cargo tune audit` that name packages, each with what their units cost,
    /// most expensive first.
    pub findings: Vec<FindingCost>,
    /// Set when the build failed; units then hold what was measured before it stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<VariantFailure>,
    /// What macro expansion costs the workspace's crates, from one instrumented build
    /// (`cargo tune timings --macros`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macros: Option<MacroExpansion>,
    /// The code of each member binary the build linked, by crate (its symbols' sizes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binaries: Vec<BinaryCode>,
}

/// How much of one binary's code each crate makes up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinaryCode {
    /// The binary target.
    pub target: String,
    /// Its package.
    pub package: String,
    /// Bytes of code (text symbols) in it.
    pub bytes: u64,
    /// The crates with the most code, largest first (at most 15).
    pub by_crate: Vec<CrateBytes>,
}

/// Bytes of code one crate has in a binary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrateBytes {
    /// rustc's crate name; `(not Rust)` for symbols that are no Rust path.
    pub crate_name: String,
    /// Bytes.
    pub bytes: u64,
}

/// Macro expansion in the workspace's crates: rustc's `-Z macro-stats` (invocations, generated
/// lines and bytes of every macro), `-Z self-profile` (time spent expanding each proc-macro)
/// and `-Z time-passes` (the whole expansion pass), from one instrumented build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MacroExpansion {
    /// The instrumented cargo command (its own target directory, `RUSTC_BOOTSTRAP=1`).
    pub command: String,
    /// What the expansion times come from (`rustc -Z self-profile, measureme format 9`);
    /// `None` when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<String>,
    /// `expansion-time`, or `generated-bytes` when there are no times.
    pub ranked_by: String,
    /// Why times are missing, or what else limits the figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Each workspace crate (by rustc's crate name), costliest first.
    pub crates: Vec<CrateMacros>,
    /// Every macro over all workspace crates, costliest first.
    pub top: Vec<MacroTotal>,
    /// Each proc-macro package whose macros the workspace calls, costliest first.
    pub proc_macros: Vec<ProcMacroExpansion>,
}

/// The macros one workspace crate calls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrateMacros {
    /// rustc's crate name (a library and a binary of one name are summed).
    pub crate_name: String,
    /// The workspace package it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// `macro_expand_crate` of `-Z time-passes`, seconds: the whole expansion pass, which
    /// every proc-macro expansion is part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expansion_pass_s: Option<f64>,
    /// Seconds spent expanding proc-macros, summed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proc_macro_expansion_s: Option<f64>,
    /// Its macros, costliest first.
    pub macros: Vec<MacroUse>,
}

/// One macro in one crate, or over several ([`MacroTotal`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MacroUse {
    /// As rustc names it: `#[derive(Serialize)]`, `#[tokio::main]`, `println!`.
    pub name: String,
    /// The proc-macro package that defines it; `None` for `macro_rules!` and built-in macros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proc_macro: Option<String>,
    /// Invocations.
    pub uses: u64,
    /// Lines of code generated.
    pub lines: u64,
    /// Bytes of code generated.
    pub bytes: u64,
    /// Seconds spent expanding it (proc-macros only, and only with self-profile data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expansion_s: Option<f64>,
}

/// One macro over every workspace crate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MacroTotal {
    /// The macro, its figures summed over `callers`.
    #[serde(flatten)]
    pub summed: MacroUse,
    /// The workspace crates that call it.
    pub callers: Vec<String>,
}

/// What one proc-macro package's macros cost where they are called.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcMacroExpansion {
    /// Package name.
    pub package: String,
    /// The cost.
    pub cost: ExpansionCost,
}

/// What expanding some macros costs the crates that call them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExpansionCost {
    /// Invocations.
    pub uses: u64,
    /// Lines of code generated.
    pub lines: u64,
    /// Bytes of code generated.
    pub bytes: u64,
    /// Seconds spent expanding them, when self-profile data was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expansion_s: Option<f64>,
    /// The macros.
    pub macros: Vec<String>,
    /// The workspace crates that call them.
    pub callers: Vec<String>,
}

/// Where the timing data came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingSourceInfo {
    /// `cargo-timings-html`: the `UNIT_DATA` of `cargo build --timings`.
    pub durations: String,
    /// The `UNIT_DATA` dialect recognised: `unlocked` (cargo ≤ 1.92), `unblocked-rmeta-time`
    /// (1.93) or `unblocked-sections` (≥ 1.94).
    pub schema: String,
    /// `unit-graph` (`cargo build --unit-graph`: every dependency) or `timings-unblocked` (only the
    /// dependency that unblocked each unit, from the timings report).
    pub dependencies: String,
    /// Why the unit graph could not be used, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies_note: Option<String>,
    /// The report file that was read.
    pub report_path: String,
}

/// One unit: one rustc invocation or one build-script run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitTiming {
    /// cargo's unit index (the same in the timings report and the unit graph).
    pub index: usize,
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
    /// cargo's description of the target (`""` for a library, ` app "bin"`, ` build-script-build`,
    /// ` (run)`, …), as the timings report writes it.
    pub target: String,
    /// `lib`, `bin`, `proc-macro`, `build-script`, `run-build-script`, `test`, or `other`.
    pub kind: String,
    /// Features enabled for this unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Start, seconds after the build started.
    pub start_s: f64,
    /// Duration, seconds.
    pub duration_s: f64,
    /// When its metadata was ready, seconds after its own start; dependents that only need
    /// metadata can start then. `None` when the unit has no metadata step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rmeta_s: Option<f64>,
    /// Seconds in each of rustc's sections, where cargo reports them: libraries on stable,
    /// every compiled unit (with link) under `-Z section-timings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<UnitSections>,
    /// Whether cargo finished it (false for units a failed build never ran or that failed).
    pub finished: bool,
    /// The units it depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<UnitDep>,
}

/// A unit's time by rustc section, seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitSections {
    /// Parsing, expansion, type checking, up to the metadata.
    pub frontend_s: f64,
    /// Code generation (LLVM), including the debuginfo it emits.
    pub codegen_s: f64,
    /// Linking, for units that link (binaries, tests, proc-macros, build scripts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_s: Option<f64>,
}

/// One dependency edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDep {
    /// The unit depended on.
    pub unit: usize,
    /// Whether the dependent can start once that unit's metadata is ready (pipelining),
    /// rather than when it ends.
    pub rmeta: bool,
}

/// The critical path: the chain of dependencies whose durations bound the build from below,
/// whatever the number of jobs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriticalPath {
    /// Sum of the contributions along the path, seconds.
    pub length_s: f64,
    /// Time the path's units were not running during the build: before the first started,
    /// between one unblocking the next and that one starting, and after the last ended.
    /// `length_s + idle_s` is the build's wall time.
    pub idle_s: f64,
    /// The units, first to last.
    pub steps: Vec<CriticalStep>,
}

/// One unit on the critical path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriticalStep {
    /// Unit index.
    pub unit: usize,
    /// `name version` and target, for reading.
    pub label: String,
    /// Seconds it adds to the path: up to its metadata when the next unit only needs that,
    /// else its whole duration.
    pub contribution_s: f64,
    /// Seconds between the unit being unblocked and it starting (waiting for a job slot).
    pub waited_s: f64,
}

/// Parallelism reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parallelism {
    /// Jobs cargo was allowed.
    pub jobs: usize,
    /// Sum of unit durations over the wall time.
    pub average: f64,
    /// Most units at once.
    pub peak: usize,
    /// Seconds spent with `n` units running, for `n` = 0, 1, 2, …
    pub seconds_at: Vec<f64>,
    /// Seconds with fewer units running than jobs allowed.
    pub underused_s: f64,
    /// Average units running in each of equal slices of the wall time.
    pub timeline: Vec<f64>,
}

/// Build scripts and proc-macros.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shares {
    /// Sum of every unit's duration, seconds.
    pub total_cpu_s: f64,
    /// Compiling and running build scripts.
    pub build_scripts: Share,
    /// Compiling proc-macros.
    pub proc_macros: Share,
}

/// A share of the build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// Units.
    pub units: usize,
    /// Sum of their durations, seconds.
    pub cpu_s: f64,
    /// `cpu_s` over the sum of all durations.
    pub fraction: f64,
    /// Their contribution to the critical path, seconds.
    pub critical_path_s: f64,
}

/// What a set of units costs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Sum of their durations, seconds.
    pub cpu_s: f64,
    /// How much shorter the critical path is without them, seconds.
    pub critical_path_s: f64,
    /// Smallest and largest `critical_path_s` over the runs, when there were several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_path_range_s: Option<[f64; 2]>,
    /// `true` when `critical_path_s` is smaller than the run-to-run spread of wall time: the
    /// saving cannot be told apart from noise.
    pub within_noise: bool,
    /// For a proc-macro stack, what expanding its macros costs the crates that call them
    /// (`cargo tune timings --macros`): paid on every build of those crates, whichever version
    /// of the stack is compiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expansion: Option<ExpansionCost>,
}

/// A named group of units and its cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostedGroup {
    /// `name version` of the proc-macro.
    pub label: String,
    /// The units.
    pub units: Vec<usize>,
    /// What they cost.
    pub cost: Cost,
}

/// The cost of one audit finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingCost {
    /// The finding's id.
    pub id: String,
    /// The units it makes cargo build that would go away if it were fixed.
    pub units: Vec<usize>,
    /// What they cost.
    pub cost: Cost,
}
