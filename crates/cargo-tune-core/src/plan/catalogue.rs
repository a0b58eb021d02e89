//! The candidates a plan measures for each goal, in the changes `try` measures and `apply`
//! writes, and how much each scenario counts in a goal's score.

use cargo_tune_schema::{Goal, PlanCandidate};

use crate::change::{CacheLayout, Change};
use crate::probe::LinkerSetup;
use crate::vocab::Scenario;

/// The scenarios a goal is measured in.
pub fn scenarios(goal: Goal) -> Vec<Scenario> {
    match goal {
        // Clean first: each variant's incremental warm-up then adopts its clean build.
        Goal::Dev => vec![Scenario::DevClean, Scenario::DevIncremental],
        Goal::Release => vec![Scenario::ReleaseClean],
        _ => vec![Scenario::CiWarm],
    }
}

/// The linkers a plan may propose, faster ones first.
pub const LINKERS: &[&str] = &["mold", "lld", "wild"];

/// `profile.<profile>[.package."<package>"].<key> = value`.
fn profile_set(profile: &str, package: Option<&str>, key: &str, value: &str) -> Change {
    let table = match package {
        Some(spec) => format!("profile.{profile}.package.\"{spec}\""),
        None => format!("profile.{profile}"),
    };
    Change::Config {
        key: format!("{table}.{key}"),
        value: value.to_owned(),
    }
}

/// A candidate; its slot is what its first change sets.
fn candidate(
    id: &str,
    summary: &str,
    phase: u8,
    risk: &str,
    cost: &str,
    changes: &[Change],
) -> PlanCandidate {
    PlanCandidate {
        id: id.to_owned(),
        summary: summary.to_owned(),
        phase,
        cost: cost.to_owned(),
        risk: risk.to_owned(),
        slot: changes.first().map(Change::slot).unwrap_or_default(),
        changes: changes.iter().map(Change::to_suggestion).collect(),
        predicted: Vec::new(),
        measured: Vec::new(),
    }
}

/// Every candidate for `goal` on a host (`host` triple), with the linkers that test-linked
/// here. The caller prunes those already in effect. Candidates that need a tool probed first
/// (sccache as the rustc wrapper: id `sccache`; the parallel front end of a nightly rustc,
/// `-Z threads`: id `dev-z-threads`) take those ids and the slots `build.rustc-wrapper` and
/// `rustflags -Z threads`.
pub fn candidates(goal: Goal, host: &str, linkers: &[LinkerSetup]) -> Vec<PlanCandidate> {
    let mut out = Vec::new();
    let profile = "dev";
    if goal == Goal::Release {
        return release_candidates();
    }
    out.push(candidate(
        &format!("{profile}-debug-0"),
        &format!("no debuginfo in {profile} (`debug = 0`; dependencies too, unless a `package` table sets theirs)"),
        1,
        "low",
        "debuggers see no lines or variables; panics' backtraces keep function names but lose file:line",
        &[profile_set(profile, None, "debug", "0")],
    ));
    out.push(candidate(
        &format!("{profile}-debug-line-tables-only"),
        &format!("line tables only in {profile} (`debug = \"line-tables-only\"`)"),
        1,
        "low",
        "debuggers see lines and backtraces keep file:line, but no variables or types",
        &[profile_set(profile, None, "debug", "\"line-tables-only\"")],
    ));
    out.push(candidate(
        &format!("{profile}-deps-debug-0"),
        &format!("no debuginfo for dependencies in {profile} (`package.\"*\".debug = 0`)"),
        1,
        "low",
        "stepping into dependency code in a debugger shows no lines or variables",
        &[profile_set(profile, Some("*"), "debug", "0")],
    ));
    out.push(candidate(
        &format!("{profile}-deps-debug-line-tables-only"),
        &format!("line tables only for dependencies in {profile}"),
        1,
        "low",
        "stepping into dependency code shows lines but no variables",
        &[profile_set(
            profile,
            Some("*"),
            "debug",
            "\"line-tables-only\"",
        )],
    ));
    if host.contains("linux") {
        out.push(candidate(
            &format!("{profile}-split-debuginfo-unpacked"),
            &format!("leave debuginfo in the object files in {profile} (`split-debuginfo = \"unpacked\"`)"),
            1,
            "low",
            "a binary copied out of target/ loses its debuginfo",
            &[profile_set(profile, None, "split-debuginfo", "\"unpacked\"")],
    ));
    }
    if goal != Goal::Release {
        // The build-time defaults of dev, proposed where the workspace moved away from them (a
        // candidate equal to what is in effect is pruned before anything is measured): a
        // workspace that optimises its dependencies, build scripts and proc macros, or cuts
        // codegen units, for faster debug binaries pays for it in every clean build.
        out.push(candidate(
            "dev-deps-opt-level-0",
            "do not optimise dependencies in dev (`package.\"*\".opt-level = 0`)",
            1,
            "medium",
            "debug binaries run dependency code unoptimised: slower tests and runs",
            &[profile_set("dev", Some("*"), "opt-level", "0")],
        ));
        out.push(candidate(
            "dev-build-override-opt-level-0",
            "do not optimise build scripts and proc macros in dev (`build-override.opt-level = 0`)",
            1,
            "low",
            "build scripts and proc macros run unoptimised: heavy code generation can take longer",
            &[Change::Config {
                key: "profile.dev.build-override.opt-level".to_owned(),
                value: "0".to_owned(),
            }],
        ));
        out.push(candidate(
            "dev-codegen-units-256",
            "split dev crates into 256 codegen units (cargo's default)",
            1,
            "low",
            "none for build time; slightly slower debug code",
            &[profile_set("dev", None, "codegen-units", "256")],
        ));
    }
    if goal == Goal::Dev {
        out.push(candidate(
            "dev-incremental-on",
            "build dev incrementally (cargo's default)",
            1,
            "low",
            "a larger target directory",
            &[profile_set("dev", None, "incremental", "true")],
        ));
    }
    if goal == Goal::Ci {
        let env = |var: &str, value: &str| Change::Env {
            var: var.to_owned(),
            value: value.to_owned(),
        };
        out.push(candidate(
            "ci-target-cache",
            "cache the target directory in CI, keyed by toolchain, Cargo.lock and profile",
            2,
            "low",
            "cache storage and a restore step; a stale cache only costs time, since cargo rebuilds what changed",
            &[Change::TargetCache(CacheLayout::Whole)],
        ));
        // The layout most projects already use: what `Swatinem/rust-cache` saves by default.
        out.push(candidate(
            "ci-target-cache-deps",
            "cache the dependencies' part of the target directory in CI, with incremental compilation off, as Swatinem/rust-cache does by default",
            2,
            "low",
            "cache storage and a restore step; every workspace member is compiled again in each build",
            &[
                Change::TargetCache(CacheLayout::Dependencies),
                env("CARGO_INCREMENTAL", "0"),
            ],
        ));
        // Alone, checksum freshness only adds hashing; it pays with a restored target
        // directory, so it is proposed with one, in the same slot.
        out.push(candidate(
            "ci-target-cache-checksum-freshness",
            "cache the target directory in CI and judge freshness by content hash, not mtime (`-Z checksum-freshness`), so the restored directory survives a fresh checkout",
            2,
            "medium",
            "an unstable cargo feature: a nightly toolchain, or RUSTC_BOOTSTRAP=1 on stable, which unlocks every unstable feature for the build",
            &[
                Change::TargetCache(CacheLayout::Whole),
                env("CARGO_UNSTABLE_CHECKSUM_FRESHNESS", "true"),
                env("RUSTC_BOOTSTRAP", "1"),
            ],
        ));
        out.push(candidate(
            "ci-sccache",
            "compile through sccache with incremental compilation off, so workspace members are cached too",
            2,
            "medium",
            "sccache on every runner and a cache backend (its directory in the CI cache, or a shared Redis)",
            &[env("RUSTC_WRAPPER", "sccache"), env("CARGO_INCREMENTAL", "0")],
    ));
        out.push(candidate(
            "dev-incremental-off",
            "build dev without incremental compilation (CI builds start from scratch)",
            1,
            "low",
            "local edit-build cycles rebuild whole crates if developers use the same profile",
            &[profile_set("dev", None, "incremental", "false")],
        ));
    }
    for setup in linkers.iter().filter(|l| l.flags.is_ok()) {
        let Some(linker) =
            crate::vocab::Linker::parse(&setup.linker).filter(|l| LINKERS.contains(&l.as_str()))
        else {
            continue;
        };
        out.push(candidate(
            &format!("linker-{}", setup.linker),
            &format!("link with {}", setup.linker),
            2,
            "medium",
            &format!(
                "{} must be installed on every machine that builds",
                setup.linker
            ),
            &[Change::Linker(linker)],
        ));
    }
    out
}

/// The release settings that trade build time for run time, in cargo's spellings: each LTO
/// mode, codegen units, optimisation level, and code for this machine's CPU. Those equal to
/// what is in effect are pruned by the caller. `panic = "abort"` is not among them: it changes
/// what a program does on a panic.
fn release_candidates() -> Vec<PlanCandidate> {
    let set = |key: &str, value: &str| profile_set("release", None, key, value);
    let mut out = Vec::new();
    for (id, value, summary, risk, cost) in [
        (
            "release-lto-false",
            "false",
            "thin-local LTO in release (`lto = false`, cargo's default): each crate's codegen units optimised together",
            "low",
            "none beyond cargo's default",
        ),
        (
            "release-lto-thin",
            "\"thin\"",
            "thin LTO across crates in release (`lto = \"thin\"`)",
            "low",
            "a longer release build, mostly in the final link",
        ),
        (
            "release-lto-fat",
            "\"fat\"",
            "fat LTO in release (`lto = \"fat\"`): the whole program optimised as one module",
            "low",
            "a much longer release build (20-30 % or more), spent in one process",
        ),
        (
            "release-lto-off",
            "\"off\"",
            "no LTO at all in release (`lto = \"off\"`)",
            "medium",
            "no link-time optimisation, not even thin-local: the code can be slower",
        ),
    ] {
        out.push(candidate(id, summary, 1, risk, cost, &[set("lto", value)]));
    }
    for units in ["1", "4", "16"] {
        out.push(candidate(
            &format!("release-codegen-units-{units}"),
            &format!(
                "{units} codegen unit{} per release crate (`codegen-units = {units}`{})",
                if units == "1" { "" } else { "s" },
                if units == "16" {
                    ", cargo's default"
                } else {
                    ""
                }
            ),
            1,
            "low",
            if units == "16" {
                "fewer cross-function optimisations inside a crate than with fewer units"
            } else {
                "a longer release build: less of each crate is compiled in parallel"
            },
            &[set("codegen-units", units)],
        ));
    }
    for level in ["2", "3"] {
        out.push(candidate(
            &format!("release-opt-level-{level}"),
            &format!(
                "optimisation level {level} in release (`opt-level = {level}`{})",
                if level == "3" {
                    ", cargo's default"
                } else {
                    ""
                }
            ),
            1,
            "low",
            if level == "2" {
                "less inlining and vectorisation than level 3"
            } else {
                "a longer release build than level 2"
            },
            &[set("opt-level", level)],
        ));
    }
    out.push(candidate(
        "release-target-cpu-native",
        "code for this machine's CPU (`-C target-cpu=native`)",
        2,
        "high",
        "non-portable: the binary may stop with an illegal instruction on any CPU older or other than this one; only for programs built where they run",
        &[Change::Rustflags(vec!["-Ctarget-cpu=native".to_owned()])],
    ));
    out
}

/// The CI cache layers of the chosen steps; `sccache` says where sccache's cache lives in CI.
pub fn ci_layers(
    chosen: &[&PlanCandidate],
    sccache: &crate::cache::Backend,
) -> crate::cache::ci::CiLayers {
    let mut layers = crate::cache::ci::CiLayers::default();
    let changes = chosen
        .iter()
        .flat_map(|c| &c.changes)
        .filter_map(|s| Change::from_suggestion(s).ok());
    for change in changes {
        match change {
            Change::TargetCache(layout) => layers.target_dir = Some(layout),
            Change::Env { var, value } => match (var.as_str(), value.as_str()) {
                ("CARGO_UNSTABLE_CHECKSUM_FRESHNESS", "true") => layers.checksum_freshness = true,
                ("RUSTC_WRAPPER", "sccache") => layers.sccache = Some(sccache.clone()),
                ("CARGO_INCREMENTAL", "0") => layers.incremental_off = true,
                _ => {}
            },
            Change::Config { key, value } if key.ends_with(".incremental") && value == "false" => {
                layers.incremental_off = true;
            }
            _ => {}
        }
    }
    layers
}

/// How much a scenario counts in the goal's score: a developer rebuilds after an edit many
/// times for each build from scratch, so `dev` weighs `dev-incremental` three times
/// `dev-clean`; other goals weigh their scenarios alike.
pub fn weight(goal: Goal, scenario: &str) -> f64 {
    match (goal, scenario) {
        (Goal::Dev, "dev-incremental") => 3.0,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::SuggestedChange;

    use super::*;
    use crate::plan::test_support::linker;

    #[test]
    fn candidates_follow_the_goal_and_only_usable_linkers() {
        let linkers = [linker("mold", true), linker("wild", false)];
        let dev = candidates(Goal::Dev, "x86_64-unknown-linux-gnu", &linkers);
        let ids: Vec<&str> = dev.iter().map(|c| c.id.as_str()).collect();
        assert!(ids.contains(&"dev-debug-0") && ids.contains(&"linker-mold"));
        assert!(
            !ids.iter()
                .any(|i| i.contains("wild") || i.starts_with("release"))
        );
        let release = candidates(Goal::Release, "x86_64-unknown-linux-gnu", &linkers);
        let ids: Vec<&str> = release.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "release-lto-false",
                "release-lto-thin",
                "release-lto-fat",
                "release-lto-off",
                "release-codegen-units-1",
                "release-codegen-units-4",
                "release-codegen-units-16",
                "release-opt-level-2",
                "release-opt-level-3",
                "release-target-cpu-native",
            ]
        );
        assert!(
            release
                .iter()
                .filter(|c| c.id != "release-target-cpu-native")
                .all(|c| c.changes.iter().all(|ch| matches!(
                    ch,
                    SuggestedChange::ProfileSet { profile, .. } if profile == "release"
                )))
        );
        // LTO's modes are alternatives of one slot.
        assert!(release[..4].iter().all(|c| c.slot == release[0].slot));
        let ci = candidates(Goal::Ci, "aarch64-apple-darwin", &[]);
        assert!(ci.iter().any(|c| c.id == "dev-incremental-off"));
        assert!(!ci.iter().any(|c| c.id.contains("split-debuginfo")));
        // Every candidate is something `try` can measure.
        for c in dev.iter().chain(&release).chain(&ci) {
            for change in &c.changes {
                assert!(
                    crate::change::Change::from_suggestion(change).is_ok_and(|c| c.measurable()),
                    "{}",
                    c.id
                );
            }
        }
    }

    #[test]
    fn the_ci_goal_proposes_cache_layers_and_reads_them_back_from_the_chosen_steps() {
        let ci = candidates(Goal::Ci, "x86_64-unknown-linux-gnu", &[]);
        let by_id = |id: &str| ci.iter().find(|c| c.id == id).unwrap();
        // The two target caches are alternatives: one slot.
        assert_eq!(
            by_id("ci-target-cache").slot,
            by_id("ci-target-cache-checksum-freshness").slot
        );
        assert_eq!(scenarios(Goal::Ci), [Scenario::CiWarm]);
        let backend = crate::cache::Backend::Local("sccache".into());
        let layers = ci_layers(
            &[
                by_id("ci-target-cache-checksum-freshness"),
                by_id("ci-sccache"),
            ],
            &backend,
        );
        assert_eq!(
            layers,
            crate::cache::ci::CiLayers {
                sccache: Some(backend.clone()),
                target_dir: Some(CacheLayout::Whole),
                checksum_freshness: true,
                incremental_off: true,
            }
        );
        assert!(ci_layers(&[by_id("dev-debug-0")], &backend).is_empty());
    }
}
