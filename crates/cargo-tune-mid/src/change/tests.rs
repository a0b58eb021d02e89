use cargo_tune_schema::{EffectiveProfile, Finding, FindingCode, SuggestedChange, Suggestion};

use super::*;
use crate::vocab::Scenario;
use crate::workspace::BuildEnv;

/// What `try` measures of a suggestion: the change, when it is measurable.
fn from_suggestion(s: &SuggestedChange) -> Option<Change> {
    Change::from_suggestion(s).ok().filter(Change::measurable)
}

fn config(key: &str, value: &str) -> Change {
    Change::Config {
        key: key.into(),
        value: value.into(),
    }
}

fn changes(text: &str) -> Vec<Change> {
    match ChangeSpec::parse(text).unwrap() {
        ChangeSpec::Changes(c) => c,
        other => panic!("{other:?}"),
    }
}

#[test]
fn presets_become_config_env_or_linker() {
    assert_eq!(
        changes("debug=line-tables-only"),
        [config("profile.dev.debug", "\"line-tables-only\"")]
    );
    assert_eq!(changes("debug=0"), [config("profile.dev.debug", "0")]);
    assert_eq!(
        changes("deps-debug=false"),
        [config("profile.dev.package.\"*\".debug", "false")]
    );
    assert_eq!(changes("linker=mold"), [Change::Linker(Linker::Mold)]);
    assert_eq!(
        changes("incremental=off"),
        [Change::Env {
            var: "CARGO_INCREMENTAL".into(),
            value: "0".into()
        }]
    );
    assert_eq!(
        changes("sccache"),
        [Change::Env {
            var: "RUSTC_WRAPPER".into(),
            value: "sccache".into()
        }]
    );
    assert_eq!(changes("jobs=2"), [config("build.jobs", "2")]);
    // The parallel front-end is a nightly option: the preset carries its toolchain.
    assert_eq!(
        changes("threads=4"),
        [
            Change::Toolchain("nightly".into()),
            Change::Rustflags(vec!["-Zthreads=4".into()])
        ]
    );
    assert_eq!(changes("nightly"), [Change::Toolchain("nightly".into())]);
    assert!(ChangeSpec::parse("threads=0").is_err());
}

#[test]
fn unknown_presets_and_values_list_what_is_valid() {
    let err = ChangeSpec::parse("linker=gold").unwrap_err();
    assert!(err.to_string().contains("mold, wild, lld, bfd"), "{err}");
    let err = ChangeSpec::parse("turbo=on").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("linker=mold|wild|lld|bfd") && text.contains("debuginfo-in-dev"),
        "{text}"
    );
    for (text, expected) in [
        (
            "jobs=0",
            "preset `jobs`; expected a whole number from 1 to 4294967295",
        ),
        (
            "codegen-units=0",
            "preset `codegen-units`; expected a whole number from 1",
        ),
        (
            "codegen-units=abc",
            "invalid value `abc` for preset `codegen-units`; expected a whole number",
        ),
        (
            "jobs=99999999999",
            "expected a whole number from 1 to 4294967295",
        ),
    ] {
        let err = ChangeSpec::parse(text).unwrap_err().to_string();
        assert!(
            err.contains(expected) && !err.contains('*'),
            "{text}: {err}"
        );
    }
    assert!(ChangeSpec::parse("no-such-code").is_err());
    assert!(ChangeSpec::parse("PATH=/tmp").is_err());
}

#[test]
fn config_overrides_are_checked_and_bare_words_quoted() {
    assert_eq!(
        changes("profile.dev.debug=line-tables-only"),
        [config("profile.dev.debug", "\"line-tables-only\"")]
    );
    assert_eq!(
        changes("profile.release.lto=\"thin\""),
        [config("profile.release.lto", "\"thin\"")]
    );
    changes("profile.dev.package.\"*\".opt-level=1");
    changes("profile.dev.build-override.opt-level=3");
    let err = ChangeSpec::parse("profile.dev.debugg=1").unwrap_err();
    assert!(err.to_string().contains("split-debuginfo"), "{err}");
    assert!(ChangeSpec::parse("build.target-dir=\"x\"").is_err());
    assert!(ChangeSpec::parse("registries.x.index=\"y\"").is_err());
}

#[test]
fn rustflags_keys_and_env_are_merged_not_set() {
    assert_eq!(
        changes("build.rustflags=[\"-C\", \"target-cpu=native\"]"),
        [Change::Rustflags(vec![
            "-C".into(),
            "target-cpu=native".into()
        ])]
    );
    assert_eq!(
        changes("target.x86_64-unknown-linux-gnu.rustflags=\"-Cforce-frame-pointers=yes\""),
        [Change::Rustflags(vec!["-Cforce-frame-pointers=yes".into()])]
    );
    assert_eq!(
        changes("RUSTFLAGS=-Ca -Cb"),
        [Change::Rustflags(vec!["-Ca".into(), "-Cb".into()])]
    );
}

#[test]
fn finding_codes_are_recognised() {
    assert_eq!(
        ChangeSpec::parse("debuginfo-in-dev").unwrap(),
        ChangeSpec::Finding(FindingCode::DebuginfoInDev)
    );
}

#[test]
fn suggestions_map_to_overrides() {
    let dev_debug = SuggestedChange::ProfileSet {
        profile: "dev".into(),
        package: None,
        build_override: false,
        key: "debug".into(),
        value: serde_json::json!("line-tables-only"),
    };
    let deps = SuggestedChange::ProfileSet {
        profile: "dev".into(),
        package: Some("*".into()),
        build_override: false,
        key: "debug".into(),
        value: serde_json::json!(false),
    };
    let build_override = SuggestedChange::ProfileSet {
        profile: "release".into(),
        package: None,
        build_override: true,
        key: "opt-level".into(),
        value: serde_json::json!(0),
    };
    assert_eq!(
        from_suggestion(&dev_debug),
        Some(config("profile.dev.debug", "\"line-tables-only\""))
    );
    assert_eq!(
        from_suggestion(&deps),
        Some(config("profile.dev.package.\"*\".debug", "false"))
    );
    assert_eq!(
        from_suggestion(&build_override),
        Some(config("profile.release.build-override.opt-level", "0"))
    );
    assert_eq!(
        from_suggestion(&SuggestedChange::UseLinker {
            linker: "mold".into()
        }),
        Some(Change::Linker(Linker::Mold))
    );
    assert_eq!(
        from_suggestion(&SuggestedChange::Env {
            var: "CARGO_INCREMENTAL".into(),
            value: "0".into()
        }),
        Some(Change::Env {
            var: "CARGO_INCREMENTAL".into(),
            value: "0".into()
        })
    );
    assert_eq!(
        from_suggestion(&SuggestedChange::ConfigSet {
            key: "build.jobs".into(),
            value: serde_json::json!(4)
        }),
        Some(config("build.jobs", "4"))
    );
    let removal = SuggestedChange::ProfileSet {
        profile: "dev".into(),
        package: None,
        build_override: false,
        key: "debug".into(),
        value: serde_json::Value::Null,
    };
    assert_eq!(from_suggestion(&removal), None);
    assert_eq!(
        from_suggestion(&SuggestedChange::Manual { text: "x".into() }),
        None
    );

    let finding = Finding::new(FindingCode::DebuginfoInDev, "dev", "full debug info")
        .with_suggestion(Suggestion::new("a", dev_debug))
        .with_suggestion(Suggestion::new("b", deps));
    let twice = [finding.clone(), finding];
    assert_eq!(
        from_findings(FindingCode::DebuginfoInDev, &twice)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        from_findings(FindingCode::SlowLinker, &twice).unwrap_err(),
        ChangeError::NotExpressible {
            code: FindingCode::SlowLinker
        }
    );
}

fn reach(text: &str) -> Reach {
    let mut c = changes(text);
    assert_eq!(c.len(), 1);
    c.pop().unwrap().reach()
}

fn affected(text: &str) -> Vec<&'static str> {
    let r = reach(text);
    Scenario::ALL
        .iter()
        .filter(|s| r.affects(**s))
        .map(|s| s.as_str())
        .collect()
}

#[test]
fn the_reach_of_a_change_follows_the_profile_and_stage_it_touches() {
    let dev_codegen = [
        "dev-clean",
        "dev-incremental",
        "test-build",
        "test-run",
        "nextest-run",
        "ci-warm",
    ];
    assert_eq!(affected("debug=0"), dev_codegen);
    assert_eq!(affected("profile.dev.codegen-units=4"), dev_codegen);
    assert_eq!(affected("deps-opt-level=1"), dev_codegen);
    assert_eq!(affected("CARGO_PROFILE_DEV_DEBUG=0"), dev_codegen);
    // Settings that change what check does too.
    assert_eq!(
        affected("profile.dev.incremental=false"),
        [
            "check",
            "dev-clean",
            "dev-incremental",
            "test-build",
            "test-run",
            "nextest-run",
            "ci-warm"
        ]
    );
    assert_eq!(
        affected("profile.dev.build-override.opt-level=3")[0],
        "check",
        "check compiles build scripts"
    );
    assert_eq!(affected("lto=thin"), ["release-clean"]);
    assert_eq!(
        affected("profile.release.codegen-units=1"),
        ["release-clean"]
    );
    assert_eq!(
        affected("CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_OPT_LEVEL=3"),
        ["release-clean"]
    );
    assert_eq!(
        affected("profile.test.opt-level=1"),
        ["test-build", "test-run", "nextest-run"]
    );
    assert!(affected("profile.bench.lto=true").is_empty());
    let links = [
        "dev-clean",
        "dev-incremental",
        "release-clean",
        "test-build",
        "ci-warm",
    ];
    assert_eq!(affected("linker=mold"), links);
    assert_eq!(
        affected("target.x86_64-unknown-linux-gnu.linker=\"clang\""),
        links
    );
    let all = Scenario::names();
    assert_eq!(affected("RUSTC_WRAPPER=sccache"), all);
    assert_eq!(affected("incremental=off"), all);
    assert_eq!(affected("jobs=2"), all);
    assert_eq!(affected("RUSTFLAGS=-Ctarget-cpu=native"), all);
    assert_eq!(affected("target-cache"), ["ci-warm"]);
    assert_eq!(
        reach("target-cache").why_not(Scenario::DevClean).unwrap(),
        "restores a cached target directory, which only ci-warm does, not dev-clean"
    );
    assert_eq!(
        changes("checksum-freshness"),
        [
            Change::Env {
                var: "CARGO_UNSTABLE_CHECKSUM_FRESHNESS".into(),
                value: "true".into()
            },
            Change::Env {
                var: "RUSTC_BOOTSTRAP".into(),
                value: "1".into()
            }
        ]
    );
    assert_eq!(
        reach("lto=thin").why_not(Scenario::DevIncremental).unwrap(),
        "changes only the release and bench profiles, and dev-incremental builds dev"
    );
}

#[test]
fn candidates_combine_changes_with_plus_where_both_sides_are_changes() {
    let parts = |text: &str| -> Vec<String> {
        parse_combined(text)
            .unwrap()
            .into_iter()
            .map(|a| a.text)
            .collect()
    };
    assert_eq!(parts("debug=0+linker=mold"), ["debug=0", "linker=mold"]);
    assert_eq!(
        parts("debuginfo-in-dev:dev+lto=thin+sccache"),
        ["debuginfo-in-dev:dev", "lto=thin", "sccache"]
    );
    assert_eq!(
        parts("RUSTFLAGS=-Ctarget-feature=+avx2"),
        ["RUSTFLAGS=-Ctarget-feature=+avx2"]
    );
    assert!(parse_combined("debug=0+turbo").is_err());
    assert_eq!(
        ChangeSpec::parse("debuginfo-in-dev:dev").unwrap(),
        ChangeSpec::FindingId("debuginfo-in-dev:dev".into())
    );
    assert!(ChangeSpec::parse("no-such-code:dev").is_err());
}

#[test]
fn a_finding_id_takes_the_suggestions_of_that_finding_only() {
    let set = |profile: &str| SuggestedChange::ProfileSet {
        profile: profile.into(),
        package: None,
        build_override: false,
        key: "debug".into(),
        value: serde_json::json!("line-tables-only"),
    };
    let finding = |subject: &str| {
        Finding::new(FindingCode::DebuginfoInDev, subject, "x")
            .with_suggestion(Suggestion::new("s", set(subject)))
    };
    let findings = [finding("dev"), finding("test")];
    assert_eq!(
        from_finding_id("debuginfo-in-dev:test", &findings).unwrap(),
        [config("profile.test.debug", "\"line-tables-only\"")]
    );
    let err = from_finding_id("debuginfo-in-dev:bench", &findings).unwrap_err();
    assert!(
        err.to_string()
            .contains("debuginfo-in-dev:dev, debuginfo-in-dev:test"),
        "{err}"
    );
}

#[test]
fn a_change_already_in_effect_is_recognised_in_any_spelling() {
    use cargo_tune_schema::{ProfileValue, ValueSource};
    let value = |key: &str, value: serde_json::Value| ProfileValue {
        key: key.into(),
        value,
        defined_in: "dev".into(),
        source: ValueSource::Manifest {
            path: "Cargo.toml".into(),
            line: 3,
        },
    };
    let profiles = [EffectiveProfile {
        name: "dev".into(),
        inherits: Vec::new(),
        values: vec![
            value("debug", serde_json::json!(0)),
            value("opt-level", serde_json::json!(0)),
            value("package.\"*\".opt-level", serde_json::json!(1)),
        ],
    }];
    let env = BuildEnv::from_vars([("CARGO_INCREMENTAL".to_owned(), "0".to_owned())]);
    let flags = ["-C".to_owned(), "target-cpu=native".to_owned()];
    let now = InEffect {
        profiles: &profiles,
        env: &env,
        rustflags: &flags,
        linker: "mold",
        cli_config: &["profile.dev.opt-level=1".to_owned()],
    };
    let noop = |text: &str| {
        changes(text)
            .iter()
            .all(|c| already_in_effect(c, &now).is_some())
    };
    assert!(noop("debug=none"));
    assert!(noop("profile.dev.debug=false"));
    assert!(!noop("debug=line-tables-only"));
    assert!(noop("deps-opt-level=1"));
    // The user's --config outranks the manifest.
    assert!(noop("profile.dev.opt-level=1"));
    assert!(!noop("profile.dev.opt-level=0"));
    assert!(!noop("deps-opt-level=2"));
    // No package table: the profile's own value applies to dependencies.
    assert!(noop("deps-debug=0"));
    assert!(noop("incremental=off"));
    assert!(!noop("incremental=on"));
    assert!(noop("linker=mold"));
    assert!(!noop("linker=lld"));
    assert!(noop("RUSTFLAGS=-C target-cpu=native"));
    assert!(!noop("RUSTFLAGS=-Ctarget-cpu=native"));
    assert!(!noop("lto=thin"), "no release profile known: cannot tell");
    let why = already_in_effect(&changes("debug=0")[0], &now).unwrap();
    assert_eq!(why, "profile dev already has debug = 0 (Cargo.toml:3)");
}
