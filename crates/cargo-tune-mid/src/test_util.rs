//! Helpers shared by the unit tests of this crate and of the engine above it.

#![allow(
    dead_code,
    missing_docs,
    reason = "fixtures for two crates' tests, each of which uses a part"
)]

use std::path::PathBuf;

use cargo_tune_schema::{MemoryMethod, RunContext, UnitDep, UnitTiming};

use crate::timings::{BuildTimings, DepsSource, HtmlSchema};
use crate::workspace::{CargoConfig, ManifestDoc};

/// The flags that link with wild on a toolchain whose default linker is rust-lld.
pub const WILD_FLAGS: &[&str] = &[
    "-C",
    "linker-features=-lld",
    "-C",
    "linker=clang",
    "-C",
    "link-arg=--ld-path=wild",
];

pub use cargo_tune_test_support::write;

/// A finished library unit `u{index}` that starts at 0 s, for the timings fixtures to adjust.
pub fn unit_timing(
    index: usize,
    duration_s: f64,
    rmeta_s: Option<f64>,
    deps: &[(usize, bool)],
) -> UnitTiming {
    UnitTiming {
        index,
        name: format!("u{index}"),
        version: "1.0.0".to_owned(),
        target: String::new(),
        kind: "lib".to_owned(),
        features: Vec::new(),
        start_s: 0.0,
        duration_s,
        rmeta_s,
        sections: None,
        finished: true,
        deps: deps
            .iter()
            .map(|&(unit, rmeta)| UnitDep { unit, rmeta })
            .collect(),
    }
}

/// The units as a build read from a unit graph, with no wall time or job count of its own.
pub fn build_timings(units: Vec<UnitTiming>) -> BuildTimings {
    BuildTimings {
        units,
        wall: 0.0,
        jobs: None,
        schema: HtmlSchema::UnblockedSections,
        deps_source: DepsSource::UnitGraph,
        unblocked: Vec::new(),
        unknown_fields: Default::default(),
    }
}

/// A context with nothing measured in it, for the fixtures to fill in what they show.
pub fn run_context() -> RunContext {
    RunContext {
        rustc: String::new(),
        cargo: String::new(),
        host: String::new(),
        cores: 2,
        jobs: 2,
        git_revision: None,
        git_dirty: None,
        runs: 1,
        memory_method: MemoryMethod {
            kind: "none".to_owned(),
            interval_ms: None,
        },
        touched_file: None,
        controlled_env: Vec::new(),
        common_config: Vec::new(),
        packages: Vec::new(),
        profile: None,
        workload: None,
    }
}

/// A workspace at `/ws` read from the text of its manifests (each member's as `(path, text)`),
/// with no cargo configuration.
pub struct TextWorkspace {
    pub root: PathBuf,
    pub root_manifest: ManifestDoc,
    pub members: Vec<ManifestDoc>,
    pub config: CargoConfig,
}

impl TextWorkspace {
    pub fn new(root_text: &str, members: &[(&str, &str)]) -> Self {
        let root = PathBuf::from("/ws");
        let parse = |rel: &str, text: &str| {
            ManifestDoc::parse(&root.join(rel), &root, text.to_owned()).unwrap()
        };
        TextWorkspace {
            root_manifest: parse("Cargo.toml", root_text),
            members: members.iter().map(|(rel, text)| parse(rel, text)).collect(),
            config: CargoConfig::default(),
            root: root.clone(),
        }
    }
}
