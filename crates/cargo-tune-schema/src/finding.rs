//! Findings: what an analysis observed, as data with a stable code.

use serde::{Deserialize, Serialize};

macro_rules! finding_codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident, $desc:literal; )*) => {
        /// Stable identifier of a kind of finding. The kebab-case name is the contract; the
        /// Rust variant names may change.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        #[non_exhaustive]
        pub enum FindingCode {
            $( $(#[$doc])* $variant, )*
        }

        impl FindingCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FindingCode] = &[ $( FindingCode::$variant, )* ];

            /// The kebab-case name used in JSON, on the command line and in config.
            pub fn as_str(self) -> &'static str {
                match self { $( FindingCode::$variant => $name, )* }
            }

            /// The severity a finding of this code has unless re-levelled.
            pub fn default_severity(self) -> Severity {
                match self { $( FindingCode::$variant => Severity::$severity, )* }
            }

            /// One sentence saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $( FindingCode::$variant => $desc, )* }
            }

            /// Looks a code up by its kebab-case name or a former name ([`FindingCode::ALIASES`]).
            pub fn parse(name: &str) -> Option<FindingCode> {
                match name {
                    $( $name => Some(FindingCode::$variant), )*
                    _ => FindingCode::ALIASES.iter().find(|(old, _)| *old == name).map(|(_, c)| *c),
                }
            }
        }
    };
}

finding_codes! {
    // Profiles.
    /// Full debug info in a profile used for day-to-day builds.
    DebuginfoInDev = "debuginfo-in-dev", Warning,
        "dev or test builds emit full debug info, which dominates link and codegen time";
    /// A `[profile]` table in a member manifest, which cargo ignores.
    ProfileInNonRootManifest = "profile-in-non-root-manifest", Warning,
        "a [profile] table outside the workspace root manifest is ignored by cargo";
    /// LTO setting that works against the profile's goal.
    LtoAgainstGoal = "lto-against-goal", Info,
        "the profile's LTO setting trades build time against runtime differently from the goal";
    /// codegen-units setting that works against the profile's goal.
    CodegenUnitsAgainstGoal = "codegen-units-against-goal", Info,
        "the profile's codegen-units setting trades build time against runtime differently from the goal";
    /// Incremental compilation in an optimised profile.
    IncrementalInRelease = "incremental-in-release", Warning,
        "incremental compilation in an optimised profile slows clean builds and bloats target/";
    /// A profile key cargo does not know.
    UnknownProfileKey = "unknown-profile-key", Warning,
        "a profile sets a key cargo does not know; it has no effect";
    /// A custom profile whose `inherits` is missing or names an unknown profile.
    ProfileInheritsInvalid = "profile-inherits-invalid", Error,
        "a custom profile has no valid `inherits`, so cargo rejects it";
    /// A profile value set through the environment.
    ProfileEnvOverride = "profile-env-override", Info,
        "a CARGO_PROFILE_* variable overrides the manifest for every build in this shell";

    // Duplicates.
    /// Several versions of one package compiled for the host.
    DuplicateVersion = "duplicate-version", Warning,
        "several versions of one package are compiled for the host (what `cargo tree -d` lists)";
    /// One version of one package from two sources, both compiled for the host.
    DuplicateSource = "duplicate-source", Warning,
        "one version of a package comes from two sources (a workspace path crate and its registry copy, two registries or a git copy), and the host compiles both";
    /// Several versions of one package, but only for targets other than the host.
    DuplicateVersionOtherTarget = "duplicate-version-other-target", Info,
        "several versions of one package are resolved, but only other targets compile more than one";
    /// One version whose library cargo compiles more than once in one build.
    #[serde(alias = "duplicate-feature-set")]
    CompiledTwice = "compiled-twice", Info,
        "one version of a package has more than one library build unit in cargo's unit graph (other features, profile, dependencies or source)";
    /// Packages compiled twice because a profile builds the host side with other settings.
    BuildOverrideSplit = "build-override-split", Info,
        "a profile builds build scripts and proc-macros with other settings than the target, so packages used on both sides are compiled twice; measure before changing it";
    /// Several versions of one package in `Cargo.lock` that no build of this workspace compiles.
    DuplicateVersionLockfileOnly = "duplicate-version-lockfile-only", Info,
        "Cargo.lock holds several versions of one package that the current resolve does not use";

    // Workspace dependencies.
    /// A dependency declared inline in several members.
    WorkspaceDepNotInherited = "workspace-dep-not-inherited", Warning,
        "a dependency declared in several members is not inherited from [workspace.dependencies]";
    /// Members ask for one dependency with different requirements.
    WorkspaceDepRequirementMismatch = "workspace-dep-requirement-mismatch", Warning,
        "members declare different version requirements for the same dependency";
    /// A `[workspace.dependencies]` entry no member inherits.
    WorkspaceDepUnused = "workspace-dep-unused", Warning,
        "an entry of [workspace.dependencies] is not inherited by any member";
    /// Centralizing would change a member's default features or features.
    WorkspaceDepFeaturesDiffer = "workspace-dep-features-differ", Info,
        "members enable different default-features or features for one dependency";

    // Toolchain.
    /// A member or dependency needs a newer rustc than the one in use.
    RustVersionUnsupported = "rust-version-unsupported", Error,
        "a member or dependency declares a rust-version above the rustc in use, so cargo refuses to build it";
    /// The toolchain pinned in `rust-toolchain(.toml)` is not installed.
    ToolchainPinNotInstalled = "toolchain-pin-not-installed", Error,
        "the toolchain pinned by rust-toolchain is not installed";
    /// A configured rustc wrapper whose program is not installed.
    RustcWrapperMissing = "rustc-wrapper-missing", Error,
        "a configured rustc wrapper (such as sccache) is not installed, so every cargo build fails";
    /// A slow linker (GNU ld / BFD) is in effect for the host.
    SlowLinker = "slow-linker", Warning,
        "the host links with GNU ld, which is several times slower than rust-lld, mold or wild";
    /// Another linker is installed but not in use.
    LinkerAlternativeAvailable = "linker-alternative-available", Info,
        "another linker is installed; measure it with `cargo tune try linker=…` before switching";
    /// `build.rustflags` and `target.<triple>.rustflags` (or RUSTFLAGS) shadow each other.
    RustflagsPrecedence = "rustflags-precedence", Warning,
        "one rustflags source silently replaces another, so some flags are never passed";
    /// sccache in use together with incremental compilation.
    SccacheWithIncremental = "sccache-with-incremental", Warning,
        "sccache cannot cache incrementally compiled crates, so workspace members always miss";
    /// sccache is installed but not configured.
    SccacheAvailableUnused = "sccache-available-unused", Info,
        "sccache is installed but RUSTC_WRAPPER / build.rustc-wrapper does not use it";
    /// llvm-profdata or llvm-bolt do not match rustc's LLVM major version.
    LlvmToolsMismatch = "llvm-tools-mismatch", Info,
        "llvm-profdata/llvm-bolt on PATH do not match rustc's LLVM major version; a warning when the rustflags in effect use PGO profiles, which rustc would reject";
    /// `build.jobs` limits parallelism below the host's cores.
    BuildJobsLimited = "build-jobs-limited", Info,
        "build.jobs or CARGO_BUILD_JOBS is below the number of cores";
    /// The Cranelift backend component is installed.
    CraneliftAvailable = "cranelift-available", Info,
        "the Cranelift codegen backend is installed (in the toolchain in use or in rustup's nightly) and can speed up dev builds";
    /// A dependency that a lever for heavy dependencies may pay for, from a timings run.
    HeavyDependency = "heavy-dependency", Info,
        "a dependency's build is a large share of the build while the binaries use little of it, or its code dominates a binary every edit relinks (from `cargo tune timings`, with `audit --costs`); measure `hint-mostly-unused=PKG` or `dylib=PKG` with `cargo tune try`";
    /// What a nightly toolchain offers, and whether one is installed.
    NightlyToolchain = "nightly-toolchain", Info,
        "rustc's parallel front-end (`-Z threads`) and the Cranelift backend need a nightly toolchain: whether one is installed, how to measure it against stable, what is missing";
}

impl FindingCode {
    /// Former names still accepted wherever a code is read (`-A`, `try`, `apply`, config);
    /// reports always use the current name.
    pub const ALIASES: &'static [(&'static str, FindingCode)] =
        &[("duplicate-feature-set", FindingCode::CompiledTwice)];
}

/// The analysis a finding code belongs to, for grouping reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// Profile settings.
    Profiles,
    /// Duplicate versions.
    Duplicates,
    /// Workspace dependency declarations.
    Dependencies,
    /// Toolchain, linker and environment.
    Toolchain,
}

impl Area {
    /// A heading for reports.
    pub fn title(self) -> &'static str {
        match self {
            Area::Profiles => "profiles",
            Area::Duplicates => "duplicate versions",
            Area::Dependencies => "workspace dependencies",
            Area::Toolchain => "toolchain",
        }
    }
}

impl FindingCode {
    /// The analysis this code belongs to.
    pub fn area(self) -> Area {
        let name = self.as_str();
        if name.starts_with("duplicate-")
            || matches!(
                self,
                FindingCode::CompiledTwice | FindingCode::BuildOverrideSplit
            )
        {
            Area::Duplicates
        } else if name.starts_with("workspace-dep-") {
            Area::Dependencies
        } else if matches!(
            self,
            FindingCode::DebuginfoInDev
                | FindingCode::ProfileInNonRootManifest
                | FindingCode::LtoAgainstGoal
                | FindingCode::CodegenUnitsAgainstGoal
                | FindingCode::IncrementalInRelease
                | FindingCode::UnknownProfileKey
                | FindingCode::ProfileInheritsInvalid
                | FindingCode::ProfileEnvOverride
        ) {
            Area::Profiles
        } else {
            Area::Toolchain
        }
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding matters. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Likely costs build time.
    Warning,
    /// Broken or certainly wrong.
    Error,
}

impl Severity {
    /// The lowercase name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in a file, relative to the workspace root. Lines and columns are 1-based.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the workspace root, with `/` separators.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// One observation of one analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identifier of this finding: `<code>:<subject>`. `cargo tune apply` selects by it.
    pub id: String,
    /// What kind of finding this is.
    pub code: FindingCode,
    /// How much it matters, after any re-levelling.
    pub severity: Severity,
    /// What the finding is about: a crate name for duplicates and dependencies, a profile name
    /// for profiles, a tool or setting for the toolchain.
    pub subject: String,
    /// One human sentence.
    pub message: String,
    /// Structured detail; its shape depends on the code and is documented in
    /// `docs/machine-readable.md`.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub evidence: serde_json::Value,
    /// Where the cause is written, if it is written somewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
    /// What the units this finding makes cargo build cost, measured by `cargo tune timings`
    /// (present with `cargo tune audit --costs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::Cost>,
}

impl Finding {
    /// A finding with the code's default severity and no evidence, location or suggestion.
    pub fn new(code: FindingCode, subject: impl Into<String>, message: impl Into<String>) -> Self {
        let subject = subject.into();
        Finding {
            id: format!("{}:{}", code.as_str(), subject),
            code,
            severity: code.default_severity(),
            subject,
            message: message.into(),
            evidence: serde_json::Value::Null,
            location: None,
            suggestions: Vec::new(),
            cost: None,
        }
    }

    /// Sets the evidence.
    pub fn with_evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = evidence;
        self
    }

    /// Sets the location.
    pub fn with_location(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Adds a suggestion.
    pub fn with_suggestion(mut self, suggestion: Suggestion) -> Self {
        self.suggestions.push(suggestion);
        self
    }

    /// Overrides the severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// A change that would address a finding, in words and as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// One human sentence.
    pub summary: String,
    /// The change itself.
    pub change: SuggestedChange,
    /// What it is expected to improve; absent for what only a person can do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

impl Suggestion {
    /// A suggestion whose direction the audit fills in from the change.
    pub fn new(summary: impl Into<String>, change: SuggestedChange) -> Self {
        Suggestion {
            summary: summary.into(),
            change,
            direction: None,
        }
    }
}

/// What a suggestion is expected to improve, so that a person (and `apply`) can tell a faster
/// build from tidier manifests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Direction {
    /// Builds take less time (profile, linker, configuration, build caches).
    FasterBuild,
    /// Fewer package versions in `Cargo.lock`, and so fewer to compile.
    SmallerLockfile,
    /// The program runs faster, at a cost in build time (release optimisation settings).
    FasterProgram,
    /// Manifests that say a thing once; no effect on build time.
    TidierManifests,
}

impl Direction {
    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::FasterBuild => "faster build",
            Direction::SmallerLockfile => "smaller lockfile",
            Direction::FasterProgram => "faster program",
            Direction::TidierManifests => "tidier manifests",
        }
    }
}

/// A change cargo-tune knows how to try (as `--config` overrides or environment) or apply (as an
/// edit). Values are TOML values written as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SuggestedChange {
    /// Set `[profile.<profile>]` (or its `package."<package>"` / `build-override` sub-table) key.
    ProfileSet {
        /// Profile name (`dev`, `release`, or custom).
        profile: String,
        /// `package."<spec>"` sub-table, `*` for all non-members.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        package: Option<String>,
        /// The `build-override` sub-table.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        build_override: bool,
        /// Key within that table.
        key: String,
        /// New value; `null` removes the key.
        value: serde_json::Value,
    },
    /// Set a cargo configuration key, written as a dotted path (`build.jobs`,
    /// `target.x86_64-unknown-linux-gnu.linker`).
    ConfigSet {
        /// Dotted configuration path.
        key: String,
        /// New value.
        value: serde_json::Value,
    },
    /// Link with another linker (merged into the host target's rustflags, never replacing them).
    UseLinker {
        /// `lld`, `mold` or `wild`.
        linker: String,
    },
    /// Set an environment variable for builds.
    Env {
        /// Variable name.
        var: String,
        /// Value.
        value: String,
    },
    /// Move a dependency into `[workspace.dependencies]` and inherit it in every member.
    CentralizeDependency {
        /// Dependency (package) name.
        name: String,
        /// The requirement that names the copy to centralize (its semver-compatible version);
        /// the workspace entry takes the lowest requirement the members declare for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requirement: Option<String>,
        /// Which copy, when members take the package from several paths or git repositories:
        /// the path relative to the workspace root, or the repository URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
    },
    /// Remove an unused `[workspace.dependencies]` entry.
    RemoveWorkspaceDependency {
        /// Dependency key in `[workspace.dependencies]`.
        name: String,
    },
    /// Run `cargo update -p <spec> --precise <version>`.
    CargoUpdate {
        /// Package id spec, e.g. `syn@1.0.109`.
        spec: String,
        /// Version to move to.
        precise: String,
    },
    /// Cache a build layer in CI (`target-dir`: the target directory saved after a build and
    /// restored before the next, keyed by toolchain, `Cargo.lock` and profile). CI
    /// configuration, not a file of the workspace: `plan --goal ci` records it with a snippet.
    CiCache {
        /// The layer: `target-dir`.
        layer: String,
    },
    /// Mark one dependency `hint-mostly-unused` (rustc's `-Z hint-mostly-unused`, through cargo's
    /// unstable `-Z profile-hint-mostly-unused`): measured per command, never written.
    HintMostlyUnused {
        /// The package.
        package: String,
    },
    /// Link one heavy dependency as a Rust dylib in dev builds, through a facade crate that
    /// re-exports it (`crate-type = ["dylib"]`), behind a feature.
    DylibFacade {
        /// The package.
        package: String,
    },
    /// Something only a person can do.
    Manual {
        /// What to do.
        text: String,
    },
}

/// The Markdown table of every finding code, as committed in `docs/findings.md`.
pub fn findings_table() -> String {
    let mut out = String::from(
        "# Finding codes\n\nGenerated from `cargo_tune_schema::FindingCode`; a test fails when this file is stale \
         (regenerate with `CARGO_TUNE_BLESS=1 cargo test --test integration findings`).\n\n\
         | code | default severity | meaning |\n|---|---|---|\n",
    );
    for code in FindingCode::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.default_severity().as_str(),
            code.description()
        ));
    }
    out.push_str("\nFormer names, still accepted on the command line and in configuration:\n\n");
    for (alias, code) in FindingCode::ALIASES {
        out.push_str(&format!("- `{alias}`: now `{}`\n", code.as_str()));
    }
    out
}
