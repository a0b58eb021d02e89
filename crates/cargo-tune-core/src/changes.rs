//! What `cargo tune try` can measure without editing a file: presets, `key=value` cargo
//! configuration overrides, environment variables and the suggestions of audit findings, all
//! turned into `--config` overrides, environment and extra rustflags.

use std::fmt;

use cargo_tune_schema::{FindingCode, SuggestedChange};

/// A linker a preset can switch to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Linker {
    /// mold, through the C compiler driver (`-fuse-ld=mold`).
    Mold,
    /// wild, through clang (`--ld-path`).
    Wild,
    /// The system's LLVM lld (not the rust-lld bundled with rustc).
    Lld,
    /// GNU ld (BFD), the C compiler's default.
    Bfd,
}

impl Linker {
    /// Every linker, for error messages.
    pub const ALL: &'static [Linker] = &[Linker::Mold, Linker::Wild, Linker::Lld, Linker::Bfd];

    /// The preset value naming it.
    pub fn as_str(self) -> &'static str {
        match self {
            Linker::Mold => "mold",
            Linker::Wild => "wild",
            Linker::Lld => "lld",
            Linker::Bfd => "bfd",
        }
    }

    /// Parses a preset value.
    pub fn parse(name: &str) -> Option<Linker> {
        Linker::ALL.iter().copied().find(|l| l.as_str() == name)
    }

    /// How to install it on Debian or Ubuntu (or with cargo).
    pub fn install_hint(self) -> &'static str {
        match self {
            Linker::Mold => "apt-get install mold",
            Linker::Wild => {
                "cargo install --locked wild-linker@0.10.0 (wild is driven through clang: apt-get install clang)"
            }
            Linker::Lld => "apt-get install lld (or lld-19)",
            Linker::Bfd => "apt-get install binutils gcc",
        }
    }
}

/// One change to a build, already checked for shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// `--config KEY=VALUE`; `value` is TOML.
    Config {
        /// Dotted key.
        key: String,
        /// TOML value text.
        value: String,
    },
    /// An environment variable for cargo.
    Env {
        /// Name.
        var: String,
        /// Value.
        value: String,
    },
    /// Flags appended to the effective rustflags.
    Rustflags(Vec<String>),
    /// Link with another linker (flags resolved against the probed environment).
    Linker(Linker),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Config { key, value } => write!(f, "{key}={value}"),
            Change::Env { var, value } => write!(f, "{var}={value}"),
            Change::Rustflags(flags) => write!(f, "rustflags+={}", flags.join(" ")),
            Change::Linker(l) => write!(f, "linker={}", l.as_str()),
        }
    }
}

/// What a CHANGE argument names before findings are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeSpec {
    /// Changes known from the text alone.
    Changes(Vec<Change>),
    /// The suggestions of every finding with this code.
    Finding(FindingCode),
}

/// A CHANGE argument that cargo-tune cannot use: a usage error.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// Neither a preset, a config key, an environment variable nor a finding code.
    #[error("unknown change `{text}`; expected a preset ({}), a cargo config override KEY=VALUE under {}, an environment variable ({}) or a finding code ({})", presets_help(), CONFIG_SECTIONS.join(", "), ENV_VARS.join(", "), codes_help())]
    Unknown {
        /// The argument.
        text: String,
    },
    /// A preset with a value it does not take.
    #[error("invalid value `{value}` for preset `{preset}`; expected one of: {}", expected.join(", "))]
    PresetValue {
        /// Preset name.
        preset: String,
        /// The value given.
        value: String,
        /// Valid values.
        expected: Vec<&'static str>,
    },
    /// A config key outside the keys builds read.
    #[error("unknown cargo config key `{key}`; expected {expected}")]
    UnknownKey {
        /// The key.
        key: String,
        /// What is valid there.
        expected: String,
    },
    /// A config value that is not TOML.
    #[error("invalid value for `{key}`: {message}")]
    Value {
        /// The key.
        key: String,
        /// Why.
        message: String,
    },
    /// A finding code whose suggestions cannot be expressed as overrides.
    #[error(
        "no `{code}` finding in this workspace suggests a change `cargo tune try` can express as cargo config, environment or linker flags"
    )]
    NotExpressible {
        /// The code.
        code: FindingCode,
    },
}

/// Presets and the values they take (`*` takes any).
pub const PRESETS: &[(&str, &[&str])] = &[
    ("linker", &["mold", "wild", "lld", "bfd"]),
    (
        "debug",
        &[
            "line-tables-only",
            "line-directives-only",
            "limited",
            "full",
            "none",
            "0",
            "1",
            "2",
            "true",
            "false",
        ],
    ),
    (
        "deps-debug",
        &[
            "line-tables-only",
            "limited",
            "full",
            "none",
            "0",
            "1",
            "2",
            "true",
            "false",
        ],
    ),
    ("deps-opt-level", &["0", "1", "2", "3", "s", "z"]),
    ("codegen-units", &["*"]),
    ("split-debuginfo", &["off", "packed", "unpacked"]),
    ("lto", &["off", "false", "thin", "fat", "true"]),
    ("jobs", &["*"]),
    ("incremental", &["on", "off"]),
    ("sccache", &["on"]),
];

/// Top-level cargo config tables a `key=value` override may set.
pub const CONFIG_SECTIONS: &[&str] = &[
    "profile", "build", "target", "env", "net", "term", "resolver",
];

const BUILD_KEYS: &[&str] = &[
    "jobs",
    "rustflags",
    "rustdocflags",
    "rustc-wrapper",
    "rustc-workspace-wrapper",
    "incremental",
    "dep-info-basedir",
    "rustc",
    "rustdoc",
];

/// Environment variables a change may set.
pub const ENV_VARS: &[&str] = &[
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_INCREMENTAL",
    "CARGO_BUILD_JOBS",
    "RUSTFLAGS",
    "CARGO_PROFILE_<NAME>_<KEY>",
];

fn presets_help() -> String {
    PRESETS
        .iter()
        .map(|(name, values)| {
            if values == &["on"] {
                (*name).to_owned()
            } else if values == &["*"] {
                format!("{name}=N")
            } else {
                format!("{name}={}", values.join("|"))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn codes_help() -> String {
    FindingCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl ChangeSpec {
    /// Parses one CHANGE argument.
    pub fn parse(text: &str) -> Result<ChangeSpec, ChangeError> {
        let unknown = || ChangeError::Unknown {
            text: text.to_owned(),
        };
        let Some((key, value)) = text.split_once('=') else {
            if text == "sccache" {
                return preset("sccache", "on").map(ChangeSpec::Changes);
            }
            return FindingCode::parse(text)
                .map(ChangeSpec::Finding)
                .ok_or_else(unknown);
        };
        let (key, value) = (key.trim(), value.trim());
        if key.contains('.') {
            return config(key, value).map(|c| ChangeSpec::Changes(vec![c]));
        }
        if key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && !key.is_empty()
        {
            return env(key, value).map(ChangeSpec::Changes).ok_or_else(unknown);
        }
        if PRESETS.iter().any(|(name, _)| *name == key) {
            return preset(key, value).map(ChangeSpec::Changes);
        }
        Err(unknown())
    }
}

fn preset(name: &str, value: &str) -> Result<Vec<Change>, ChangeError> {
    let expected = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or(&[]);
    let bad = || ChangeError::PresetValue {
        preset: name.to_owned(),
        value: value.to_owned(),
        expected: expected.to_vec(),
    };
    if expected != ["*"] && !expected.contains(&value) {
        return Err(bad());
    }
    let cfg = |key: &str, value: String| Change::Config {
        key: key.to_owned(),
        value,
    };
    Ok(vec![match name {
        "linker" => Change::Linker(Linker::parse(value).ok_or_else(bad)?),
        "debug" => cfg("profile.dev.debug", debug_value(value)),
        "deps-debug" => cfg("profile.dev.package.\"*\".debug", debug_value(value)),
        "deps-opt-level" => cfg("profile.dev.package.\"*\".opt-level", int_or_string(value)),
        "codegen-units" => cfg(
            "profile.dev.codegen-units",
            positive(value).ok_or_else(bad)?,
        ),
        "split-debuginfo" => cfg("profile.dev.split-debuginfo", format!("\"{value}\"")),
        "lto" => cfg(
            "profile.release.lto",
            match value {
                "true" | "false" => value.to_owned(),
                other => format!("\"{other}\""),
            },
        ),
        "jobs" => cfg("build.jobs", positive(value).ok_or_else(bad)?),
        "incremental" => Change::Env {
            var: "CARGO_INCREMENTAL".to_owned(),
            value: if value == "on" { "1" } else { "0" }.to_owned(),
        },
        "sccache" => Change::Env {
            var: "RUSTC_WRAPPER".to_owned(),
            value: "sccache".to_owned(),
        },
        _ => return Err(bad()),
    }])
}

fn positive(value: &str) -> Option<String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.to_string())
}

fn debug_value(value: &str) -> String {
    match value {
        "0" | "1" | "2" | "true" | "false" => value.to_owned(),
        other => format!("\"{other}\""),
    }
}

fn int_or_string(value: &str) -> String {
    if value.parse::<u32>().is_ok() {
        value.to_owned()
    } else {
        format!("\"{value}\"")
    }
}

/// Splits a dotted key the way TOML does (`profile.dev.package."*".debug`).
fn key_path(key: &str) -> Result<Vec<String>, ChangeError> {
    let parsed: toml_edit::DocumentMut =
        format!("{key} = 0")
            .parse()
            .map_err(|_| ChangeError::UnknownKey {
                key: key.to_owned(),
                expected: "a dotted TOML key".to_owned(),
            })?;
    let mut path = Vec::new();
    let mut item = parsed.as_item();
    while let Some(table) = item.as_table_like() {
        let Some((k, next)) = table.iter().next() else {
            break;
        };
        path.push(k.to_owned());
        item = next;
    }
    Ok(path)
}

fn config(key: &str, value: &str) -> Result<Change, ChangeError> {
    let path = key_path(key)?;
    let unknown = |expected: String| ChangeError::UnknownKey {
        key: key.to_owned(),
        expected,
    };
    let top = path.first().map(String::as_str).unwrap_or_default();
    if !CONFIG_SECTIONS.contains(&top) {
        return Err(unknown(format!(
            "a key under one of: {}",
            CONFIG_SECTIONS.join(", ")
        )));
    }
    match top {
        "build" => {
            let k = path.get(1).map(String::as_str).unwrap_or_default();
            if path.len() != 2 || !BUILD_KEYS.contains(&k) {
                return Err(unknown(format!(
                    "build.<KEY> with KEY one of: {}",
                    BUILD_KEYS.join(", ")
                )));
            }
        }
        "profile" => {
            let rest: Vec<&str> = path.iter().skip(2).map(String::as_str).collect();
            let leaf = match rest.as_slice() {
                [leaf] | ["build-override", leaf] | ["package", _, leaf] => *leaf,
                _ => "",
            };
            if !crate::analysis::profiles::is_known_leaf(leaf) {
                return Err(unknown(format!(
                    "profile.<NAME>[.package.<SPEC>|.build-override].<KEY> with KEY one of: {}",
                    crate::analysis::profiles::STABLE_KEYS.join(", ")
                )));
            }
        }
        _ => {}
    }
    // Values are TOML; a bare word (`line-tables-only`) is taken as a string, as a person means.
    let value = match format!("v = {value}").parse::<toml_edit::DocumentMut>() {
        Ok(_) => value.to_owned(),
        Err(_) if !value.is_empty() && !value.contains(['"', '\'', '[', ']', '{', '}']) => {
            format!("\"{value}\"")
        }
        Err(e) => {
            return Err(ChangeError::Value {
                key: key.to_owned(),
                message: e.message().trim().to_owned(),
            });
        }
    };
    if is_rustflags_key(&path) {
        return Ok(Change::Rustflags(flags_of_toml(&value).map_err(
            |message| ChangeError::Value {
                key: key.to_owned(),
                message,
            },
        )?));
    }
    Ok(Change::Config {
        key: key.to_owned(),
        value,
    })
}

/// `build.rustflags` and `target.<triple or cfg>.rustflags` are merged, not overridden.
fn is_rustflags_key(path: &[String]) -> bool {
    matches!(path, [a, b] if a == "build" && b == "rustflags")
        || matches!(path, [a, _, c] if a == "target" && c == "rustflags")
}

/// A TOML string (space-separated flags) or array of strings.
fn flags_of_toml(value: &str) -> Result<Vec<String>, String> {
    let doc: toml_edit::DocumentMut = format!("v = {value}")
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_owned())?;
    crate::workspace::rustflags::flags_of_item(&doc["v"])
        .ok_or_else(|| "rustflags must be a string or an array of strings".to_owned())
}

fn env(var: &str, value: &str) -> Option<Vec<Change>> {
    if var == "RUSTFLAGS" {
        return Some(vec![Change::Rustflags(
            value.split_whitespace().map(str::to_owned).collect(),
        )]);
    }
    let known = ENV_VARS.contains(&var) || var.starts_with("CARGO_PROFILE_");
    known.then(|| {
        vec![Change::Env {
            var: var.to_owned(),
            value: value.to_owned(),
        }]
    })
}

/// The change a suggestion stands for, when it can be expressed without editing a file.
pub fn from_suggestion(change: &SuggestedChange) -> Option<Change> {
    match change {
        SuggestedChange::ProfileSet {
            profile,
            package,
            build_override,
            key,
            value,
        } => {
            let value = toml_of_json(value)?;
            let table =
                crate::analysis::profiles::table_path(profile, package.as_deref(), *build_override);
            let mut dotted: Vec<String> = table.into_iter().map(toml_key).collect();
            dotted.push(key.clone());
            Some(Change::Config {
                key: dotted.join("."),
                value,
            })
        }
        SuggestedChange::ConfigSet { key, value } => {
            let value = toml_of_json(value)?;
            config(key, &value).ok()
        }
        SuggestedChange::UseLinker { linker } => Linker::parse(linker).map(Change::Linker),
        SuggestedChange::Env { var, value } => env(var, value).and_then(|mut c| c.pop()),
        _ => None,
    }
}

/// Every expressible change suggested by findings with `code`.
pub fn from_findings(
    code: FindingCode,
    findings: &[cargo_tune_schema::Finding],
) -> Result<Vec<Change>, ChangeError> {
    let mut changes: Vec<Change> = Vec::new();
    for finding in findings.iter().filter(|f| f.code == code) {
        for suggestion in &finding.suggestions {
            if let Some(change) = from_suggestion(&suggestion.change)
                && !changes.contains(&change)
            {
                changes.push(change);
            }
        }
    }
    if changes.is_empty() {
        Err(ChangeError::NotExpressible { code })
    } else {
        Ok(changes)
    }
}

fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_owned()
    } else {
        format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A JSON value as TOML value text; `null` (remove the key) has no `--config` form.
fn toml_of_json(value: &serde_json::Value) -> Option<String> {
    Some(match value {
        serde_json::Value::Null | serde_json::Value::Object(_) => return None,
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => toml_edit::Value::from(s.as_str())
            .to_string()
            .trim()
            .to_owned(),
        serde_json::Value::Array(items) => {
            let items: Option<Vec<String>> = items.iter().map(toml_of_json).collect();
            format!("[{}]", items?.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{Finding, Suggestion};

    use super::*;

    fn changes(text: &str) -> Vec<Change> {
        match ChangeSpec::parse(text).unwrap() {
            ChangeSpec::Changes(c) => c,
            other @ ChangeSpec::Finding(_) => panic!("{other:?}"),
        }
    }

    #[test]
    fn presets_become_config_env_or_linker() {
        assert_eq!(
            changes("debug=line-tables-only"),
            [Change::Config {
                key: "profile.dev.debug".into(),
                value: "\"line-tables-only\"".into()
            }]
        );
        assert_eq!(
            changes("debug=0"),
            [Change::Config {
                key: "profile.dev.debug".into(),
                value: "0".into()
            }]
        );
        assert_eq!(
            changes("deps-debug=false"),
            [Change::Config {
                key: "profile.dev.package.\"*\".debug".into(),
                value: "false".into()
            }]
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
        assert_eq!(
            changes("jobs=2"),
            [Change::Config {
                key: "build.jobs".into(),
                value: "2".into()
            }]
        );
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
        assert!(ChangeSpec::parse("jobs=0").is_err());
        assert!(ChangeSpec::parse("no-such-code").is_err());
        assert!(ChangeSpec::parse("PATH=/tmp").is_err());
    }

    #[test]
    fn config_overrides_are_checked_and_bare_words_quoted() {
        assert_eq!(
            changes("profile.dev.debug=line-tables-only"),
            [Change::Config {
                key: "profile.dev.debug".into(),
                value: "\"line-tables-only\"".into()
            }]
        );
        assert_eq!(
            changes("profile.release.lto=\"thin\""),
            [Change::Config {
                key: "profile.release.lto".into(),
                value: "\"thin\"".into()
            }]
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
            Some(Change::Config {
                key: "profile.dev.debug".into(),
                value: "\"line-tables-only\"".into()
            })
        );
        assert_eq!(
            from_suggestion(&deps),
            Some(Change::Config {
                key: "profile.dev.package.\"*\".debug".into(),
                value: "false".into()
            })
        );
        assert_eq!(
            from_suggestion(&build_override),
            Some(Change::Config {
                key: "profile.release.build-override.opt-level".into(),
                value: "0".into()
            })
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
            Some(Change::Config {
                key: "build.jobs".into(),
                value: "4".into()
            })
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
            .with_suggestion(Suggestion {
                summary: "a".into(),
                change: dev_debug,
            })
            .with_suggestion(Suggestion {
                summary: "b".into(),
                change: deps,
            });
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
}
