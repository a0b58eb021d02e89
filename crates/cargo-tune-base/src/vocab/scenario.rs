//! The build scenarios cargo-tune measures.

use std::fmt;

/// One kind of build, with the cargo command it runs and how its target directory is prepared.
/// Ordered as [`Scenario::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// `cargo check --workspace` from an empty target directory.
    Check,
    /// `cargo build --workspace` from an empty target directory.
    DevClean,
    /// `cargo build --workspace` after a real edit of one source file.
    DevIncremental,
    /// `cargo build --workspace --release` from an empty target directory.
    ReleaseClean,
    /// `cargo test --workspace --no-run` from an empty target directory.
    TestBuild,
    /// `cargo test --workspace` with everything already built.
    TestRun,
    /// `cargo nextest run --workspace` with everything already built.
    NextestRun,
    /// `cargo build --workspace` as CI runs it: a fresh checkout (every file with a new mtime,
    /// at the same path every run) and the cache state the variant's CI would have (a restored
    /// target directory, a warm sccache), or none.
    CiWarm,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: &'static [Scenario] = &[
        Scenario::Check,
        Scenario::DevClean,
        Scenario::DevIncremental,
        Scenario::ReleaseClean,
        Scenario::TestBuild,
        Scenario::TestRun,
        Scenario::NextestRun,
        Scenario::CiWarm,
    ];

    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Check => "check",
            Scenario::DevClean => "dev-clean",
            Scenario::DevIncremental => "dev-incremental",
            Scenario::ReleaseClean => "release-clean",
            Scenario::TestBuild => "test-build",
            Scenario::TestRun => "test-run",
            Scenario::NextestRun => "nextest-run",
            Scenario::CiWarm => "ci-warm",
        }
    }

    /// Looks a scenario up by name.
    pub fn parse(name: &str) -> Option<Scenario> {
        Scenario::ALL.iter().copied().find(|s| s.as_str() == name)
    }

    /// Every name, for error messages.
    pub fn names() -> Vec<&'static str> {
        Scenario::ALL.iter().map(|s| s.as_str()).collect()
    }

    /// The cargo subcommand words and arguments, before the package selection (`--workspace`
    /// or `-p`), which the plan adds.
    pub fn cargo_args(self) -> (Vec<&'static str>, Vec<&'static str>) {
        let json = "--message-format=json-render-diagnostics";
        match self {
            Scenario::Check => (vec!["check"], vec![json]),
            Scenario::DevClean | Scenario::DevIncremental | Scenario::CiWarm => {
                (vec!["build"], vec![json])
            }
            Scenario::ReleaseClean => (vec!["build"], vec!["--release", json]),
            Scenario::TestBuild => (vec!["test"], vec!["--no-run", json]),
            Scenario::TestRun => (vec!["test"], vec![json]),
            // nextest prints its own report on stdout and takes cargo's format separately.
            Scenario::NextestRun => (
                vec!["nextest", "run"],
                vec!["--cargo-message-format", "json-render-diagnostics"],
            ),
        }
    }

    /// Whether every run starts from an empty target directory.
    pub fn is_clean(self) -> bool {
        matches!(
            self,
            Scenario::Check | Scenario::DevClean | Scenario::ReleaseClean | Scenario::TestBuild
        )
    }

    /// The cargo profile it builds with (`cargo test` builds with `test`, which inherits
    /// `dev`).
    pub fn profile(self) -> &'static str {
        match self {
            Scenario::Check | Scenario::DevClean | Scenario::DevIncremental | Scenario::CiWarm => {
                "dev"
            }
            Scenario::ReleaseClean => "release",
            Scenario::TestBuild | Scenario::TestRun | Scenario::NextestRun => "test",
        }
    }

    /// Whether it generates code (`check` only emits metadata), or runs code generated with
    /// its profile.
    pub fn generates_code(self) -> bool {
        self != Scenario::Check
    }

    /// Whether its measured runs link. `check` links only build scripts and proc-macros, a
    /// small share of its time; the test runs reuse binaries linked during the warm-up.
    pub fn links(self) -> bool {
        matches!(
            self,
            Scenario::DevClean
                | Scenario::DevIncremental
                | Scenario::ReleaseClean
                | Scenario::TestBuild
                | Scenario::CiWarm
        )
    }

    /// Whether a measured run edits the touched file first (in `ci-warm`, its copy in the
    /// fresh checkout: a pull request changes one member).
    pub fn edits(self) -> bool {
        matches!(self, Scenario::DevIncremental | Scenario::CiWarm)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Scenario::parse("dev"), None);
    }
}
