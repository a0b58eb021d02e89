//! The document of `cargo tune features`: the feature sets of every member, what each builds
//! (from cargo's unit graphs), what each costs, the CI matrix and the dev loop.

use serde::{Deserialize, Serialize};

use crate::{ByteSummary, MetricSummaries, RunContext, ToolInfo, VariantFailure};

/// The document `cargo tune features --format json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeaturesReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// Absolute path of the workspace root.
    pub workspace_root: String,
    /// How the builds of each set were learnt.
    pub resolves: ResolveInfo,
    /// The timings the costs are predicted from, when there were some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<CostBasis>,
    /// Every feature set looked at, member by member.
    pub sets: Vec<FeatureSet>,
    /// Sets left out by the cap, per member (`--all-sets` lifts it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOut>,
    /// The builds CI should run, and what `cargo hack` would run instead.
    pub matrix: CiMatrix,
    /// Faster dev loops: members whose default features build more than a declared set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dev_loop: Vec<DevLoop>,
    /// Toolchain, host and jobs of the measured builds, when `--measure` ran some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<RunContext>,
}

/// How the unit graphs were obtained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResolveInfo {
    /// `unit-graph`: one `cargo build --unit-graph` (and one `cargo test --no-run --unit-graph`)
    /// per set.
    pub method: String,
    /// Unit graphs cargo printed during this run.
    pub cargo_calls: usize,
    /// Unit graphs taken from the memo of an earlier run.
    pub from_memo: usize,
}

/// The `cargo tune timings` document the predictions come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostBasis {
    /// The file read.
    pub path: String,
    /// The command it timed.
    pub command: String,
    /// Its measured wall time, seconds.
    pub wall_s: f64,
    /// Jobs it ran with; predictions assume the same.
    pub jobs: usize,
    /// Its units' durations replayed on its own unit graph with that many jobs, seconds. Every
    /// predicted wall time is scaled by `wall_s / simulated_s`, which carries what the
    /// simulation leaves out (cargo's own time, the load of the machine).
    pub simulated_s: f64,
}

/// Which kind of feature set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SetKind {
    /// The default features.
    Default,
    /// `--no-default-features`.
    NoDefault,
    /// One feature on top of `--no-default-features`.
    Feature,
    /// `--all-features`.
    All,
    /// A group declared in `[workspace.metadata.tune.features]` (or the package's), on top of
    /// `--no-default-features`.
    Group,
    /// The features given with `--dev-features`.
    Dev,
    /// A set of cargo hack's list, costed for the comparison.
    Hack,
}

/// One feature set of one member, as cargo is asked to build it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetSpec {
    /// `package:name`, as `--measure` takes it: `app:default`, `app:no-default`,
    /// `app:all-features`, `app:serde` (one feature), `app:@dev` (a group).
    pub id: String,
    /// The member.
    pub package: String,
    /// Which kind.
    pub kind: SetKind,
    /// The features passed with `--features`.
    pub features: Vec<String>,
    /// Whether `--no-default-features` is passed.
    pub no_default_features: bool,
    /// Whether `--all-features` is passed.
    pub all_features: bool,
}

impl SetSpec {
    /// The set `name` of `package`, with the flags its kind passes.
    pub fn new(package: &str, name: &str, kind: SetKind, features: Vec<String>) -> SetSpec {
        SetSpec {
            id: format!("{package}:{name}"),
            package: package.to_owned(),
            kind,
            no_default_features: !matches!(kind, SetKind::Default | SetKind::All),
            all_features: kind == SetKind::All,
            features,
        }
    }

    /// The name after `package:`.
    pub fn name(&self) -> &str {
        self.id
            .strip_prefix(&self.package)
            .and_then(|n| n.strip_prefix(':'))
            .unwrap_or(&self.id)
    }

    /// The feature flags alone: `--no-default-features --features a,b`.
    pub fn feature_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.all_features {
            args.push("--all-features".to_owned());
        }
        if self.no_default_features {
            args.push("--no-default-features".to_owned());
        }
        if !self.features.is_empty() {
            args.push("--features".to_owned());
            args.push(self.features.join(","));
        }
        args
    }

    /// The cargo arguments selecting this set: `-p app --no-default-features --features a,b`.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec!["-p".to_owned(), self.package.clone()];
        args.extend(self.feature_args());
        args
    }

    /// [`SetSpec::args`] as one string.
    pub fn flags(&self) -> String {
        self.args().join(" ")
    }
}

/// One feature set of one member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSet {
    /// Which set, and the flags that ask cargo for it.
    #[serde(flatten)]
    pub spec: SetSpec,
    /// The cargo flags of the set: `-p app --no-default-features --features serde`.
    pub flags: String,
    /// What `cargo build <flags>` builds; absent when cargo rejected the set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Units>,
    /// What `cargo test --no-run <flags>` builds (dev-dependencies and their features too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_units: Option<Units>,
    /// cargo's reason for rejecting the set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// The id of an earlier set of the same member whose build is this one's, unit for unit
    /// (same packages, features per unit, profiles): building both teaches nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_build_as: Option<String>,
    /// Predicted wall time of `cargo build <flags>` from clean, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_s: Option<f64>,
    /// The prediction in detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    /// Measured median wall time of `cargo build <flags>` from clean, seconds (`--measure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_s: Option<f64>,
    /// The measurement in detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<SetMeasurement>,
}

/// What one command builds for a set, from cargo's unit graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// Units in cargo's unit graph: rustc invocations and build-script runs.
    pub count: usize,
    /// Packages built, `name@version`, sorted.
    pub packages: Vec<String>,
    /// Packages not built by the member's `--no-default-features` set.
    pub added_packages: Vec<String>,
    /// Units not in the `--no-default-features` build (a unit with other features counts).
    pub added_units: usize,
    /// Packages built in more than one version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<Duplicate>,
    /// Libraries of one version compiled more than once (`name@version`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compiled_twice: Vec<String>,
    /// Proc-macros compiled (`name@version`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proc_macros: Vec<String>,
}

/// One package built in several versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    /// Package name.
    pub name: String,
    /// Its versions, sorted.
    pub versions: Vec<String>,
}

/// A set's cost, predicted from the durations its units took in the basis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Sum of its units' durations, seconds.
    pub cpu_s: f64,
    /// Its critical path with pipelining, seconds.
    pub critical_path_s: f64,
    /// CPU seconds of the units not in the `--no-default-features` build.
    pub added_cpu_s: f64,
    /// Units found in the basis with the same features.
    pub timed_units: usize,
    /// Units found in the basis with other features, their duration scaled by the number of
    /// features.
    pub other_features_units: usize,
    /// Units the basis never built, given the median duration of its units of the same kind.
    pub estimated_units: usize,
}

/// A set built by `--measure`, each in its own target directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetMeasurement {
    /// `cargo check <flags>` from clean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<MetricSummaries>,
    /// `cargo build <flags>` from clean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<MetricSummaries>,
    /// Size of the build's target directory afterwards, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_dir_bytes: Option<u64>,
    /// The whole-build peak memory of the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<ByteSummary>,
    /// Set when a build failed: cargo's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<VariantFailure>,
}

/// Sets a member has that the cap left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    /// The member.
    pub package: String,
    /// The features whose one-feature sets were not looked at.
    pub features: Vec<String>,
}

/// The builds CI should run to check every feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CiMatrix {
    /// The cargo subcommand each build runs (`check`).
    pub subcommand: String,
    /// One build per distinct unit graph among the default, `--no-default-features`, each
    /// feature alone and `--all-features`.
    pub builds: Vec<MatrixBuild>,
    /// Every feature of every member looked at is enabled by at least one build.
    pub covers_every_feature: bool,
    /// What `cargo hack --each-feature` plus `--no-default-features` and `--all-features` run
    /// (the same sets, without grouping the equal ones).
    pub each_feature: MatrixCost,
    /// The proposed builds.
    pub proposed: MatrixCost,
    /// `cargo hack --feature-powerset --depth 2`, costed the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powerset: Option<MatrixCost>,
    /// The builds as a GitHub Actions job.
    pub github_actions: String,
}

/// One build of the matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixBuild {
    /// The member.
    pub package: String,
    /// The cargo flags.
    pub flags: String,
    /// The command.
    pub command: String,
    /// The sets it stands for (same build).
    pub covers: Vec<String>,
    /// Predicted wall time from clean, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_s: Option<f64>,
}

/// What a list of builds costs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixCost {
    /// Where the list comes from.
    pub source: String,
    /// Builds in the list.
    pub builds: usize,
    /// Distinct unit graphs among them; absent when the list was not costed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_builds: Option<usize>,
    /// Why the list was not costed (more sets than `--max-sets` would ask cargo about).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_costed: Option<String>,
    /// Predicted wall time of every build from clean, each on its own runner, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_total_s: Option<f64>,
    /// Predicted wall time of the builds one after another in one target directory, where a
    /// unit built by an earlier build is fresh, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_sequential_s: Option<f64>,
    /// Builds cargo rejected, left out of the costs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<String>,
}

/// A faster dev loop for one member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DevLoop {
    /// The member.
    pub package: String,
    /// The set the loop builds.
    pub set: String,
    /// The alias to add to `.cargo/config.toml` (`[alias] dev = "…"`).
    pub alias: String,
    /// The alias's name.
    pub alias_name: String,
    /// Predicted wall time of the default build from clean, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_predicted_s: Option<f64>,
    /// Predicted wall time of the loop's build from clean, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_predicted_s: Option<f64>,
    /// Units the default build has that the loop does not.
    pub units_saved: usize,
    /// Switching between the loop and the default features (`cargo test`, the editor's check).
    pub switch: Switch,
    /// Measured wall times with `--measure`: the default build and the loop's from clean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_default_s: Option<f64>,
    /// As `measured_default_s`, for the loop's build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_dev_s: Option<f64>,
}

/// What switching between two sets in one target directory rebuilds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    /// Units of the default build that the loop's build does not have, rebuilt on switching
    /// to it (cargo keeps both, so only the first switch each way pays).
    pub units_to_default: usize,
    /// Units of the loop's build that the default build does not have.
    pub units_to_dev: usize,
    /// Predicted seconds of the first switch to the default build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_s: Option<f64>,
    /// Measured seconds of that switch (`--measure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_s: Option<f64>,
}
