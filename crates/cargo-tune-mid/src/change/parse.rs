//! CHANGE arguments as users write them: presets, `key=value` cargo configuration overrides,
//! environment variables, finding codes and ids, and several joined by `+`.

use cargo_tune_schema::FindingCode;

use super::{CacheLayout, Change, Linker, NIGHTLY};

/// What a CHANGE argument names before findings are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeSpec {
    /// Changes known from the text alone.
    Changes(Vec<Change>),
    /// The suggestions of every finding with this code.
    Finding(FindingCode),
    /// The suggestions of one finding, by its id (`debuginfo-in-dev:dev`).
    FindingId(String),
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
    #[error(
        "invalid value `{value}` for preset `{preset}`; expected {}",
        expected_values(expected)
    )]
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
    /// A finding id that names no finding of this workspace.
    #[error("no finding `{id}` in this workspace; `cargo tune audit` lists the ids{}", if known.is_empty() { String::new() } else { format!(" (those of this code: {})", known.join(", ")) })]
    NoSuchFinding {
        /// The id.
        id: String,
        /// The ids of findings with the same code.
        known: Vec<String>,
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

/// What a numeric preset takes: every preset whose values are `[COUNT]` takes a whole number.
pub const COUNT: &str = "N";

/// What a package preset takes: every preset whose values are `[PACKAGE]` takes a package name.
const PACKAGE: &str = "PKG";

/// The largest count a numeric preset takes: cargo reads `codegen-units` and `build.jobs` as
/// 32-bit numbers.
const MAX_COUNT: u32 = u32::MAX;

/// Presets and the values they take ([`COUNT`] takes a whole number from 1).
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
    ("codegen-units", &[COUNT]),
    ("split-debuginfo", &["off", "packed", "unpacked"]),
    ("lto", &["off", "false", "thin", "fat", "true"]),
    ("opt-level", &["0", "1", "2", "3", "s", "z"]),
    ("jobs", &[COUNT]),
    ("incremental", &["on", "off"]),
    ("sccache", &["on"]),
    ("threads", &[COUNT]),
    ("nightly", &["on"]),
    ("target-cache", &["on", "deps"]),
    ("checksum-freshness", &["on"]),
    ("hint-mostly-unused", &[PACKAGE]),
    ("dylib", &[PACKAGE]),
];

/// Top-level cargo config tables a `key=value` override may set.
pub const CONFIG_SECTIONS: &[&str] = &[
    "profile", "build", "target", "env", "net", "term", "resolver", "unstable",
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
    "RUSTC_BOOTSTRAP",
    "CARGO_PROFILE_<NAME>_<KEY>",
    "CARGO_UNSTABLE_<FLAG>",
];

fn presets_help() -> String {
    PRESETS
        .iter()
        .map(|(name, values)| {
            if values == &["on"] {
                (*name).to_owned()
            } else if values == &[COUNT] {
                format!("{name}=N")
            } else if values == &[PACKAGE] {
                format!("{name}=PKG")
            } else {
                format!("{name}={}", values.join("|"))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn expected_values(expected: &[&str]) -> String {
    if expected == [COUNT] {
        format!("a whole number from 1 to {MAX_COUNT}")
    } else if expected == [PACKAGE] {
        "a package name".to_owned()
    } else {
        format!("one of: {}", expected.join(", "))
    }
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
        if let Some((code, subject)) = text.split_once(':')
            && !code.contains('=')
            && !subject.is_empty()
        {
            return FindingCode::parse(code)
                .map(|_| ChangeSpec::FindingId(text.to_owned()))
                .ok_or_else(unknown);
        }
        let Some((key, value)) = text.split_once('=') else {
            // A preset that can be switched on is named alone.
            if PRESETS
                .iter()
                .any(|(name, v)| *name == text && v.first() == Some(&"on"))
            {
                return preset(text, "on").map(ChangeSpec::Changes);
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

/// A CHANGE argument as written and as understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeArg {
    /// As written.
    pub text: String,
    /// What it names.
    pub spec: ChangeSpec,
}

impl ChangeArg {
    /// The same argument with a preset's profile setting moved to `profile`: with
    /// `--profile NAME`, `lto=fat` means NAME's `lto`. Config keys written in full and
    /// findings' suggestions keep the profile they name.
    pub fn for_profile(&self, profile: &str) -> ChangeArg {
        let key = self
            .text
            .split_once('=')
            .map_or(self.text.as_str(), |(k, _)| k);
        let ChangeSpec::Changes(changes) = &self.spec else {
            return self.clone();
        };
        if !PRESETS.iter().any(|(name, _)| *name == key) {
            return self.clone();
        }
        let moved = changes
            .iter()
            .map(|c| match c {
                Change::Config { key, value } => {
                    let rest = key
                        .strip_prefix("profile.dev.")
                        .or_else(|| key.strip_prefix("profile.release."));
                    Change::Config {
                        key: rest.map_or_else(|| key.clone(), |r| format!("profile.{profile}.{r}")),
                        value: value.clone(),
                    }
                }
                other => other.clone(),
            })
            .collect();
        ChangeArg {
            text: self.text.clone(),
            spec: ChangeSpec::Changes(moved),
        }
    }
}

/// Parses a candidate: one CHANGE, or several joined by `+` (`debug=0+linker=mold`). A `+` only
/// separates where both sides are changes, so `RUSTFLAGS=-Ctarget-feature=+avx2` stays whole.
pub fn parse_combined(text: &str) -> Result<Vec<ChangeArg>, ChangeError> {
    for (i, _) in text.match_indices('+') {
        let (left, right) = (&text[..i], &text[i + 1..]);
        if left.is_empty() || right.is_empty() {
            continue;
        }
        if let Ok(first) = ChangeSpec::parse(left)
            && let Ok(mut rest) = parse_combined(right)
        {
            rest.insert(
                0,
                ChangeArg {
                    text: left.to_owned(),
                    spec: first,
                },
            );
            return Ok(rest);
        }
    }
    ChangeSpec::parse(text).map(|spec| {
        vec![ChangeArg {
            text: text.to_owned(),
            spec,
        }]
    })
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
    if expected == [PACKAGE] {
        let valid = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(bad());
        }
        return Ok(vec![match name {
            "hint-mostly-unused" => Change::HintMostlyUnused(value.to_owned()),
            _ => Change::DylibFacade(value.to_owned()),
        }]);
    }
    if expected != [COUNT] && !expected.contains(&value) {
        return Err(bad());
    }
    let cfg = |key: &str, value: String| Change::Config {
        key: key.to_owned(),
        value,
    };
    if name == "threads" {
        let n = positive(value).ok_or_else(bad)?;
        return Ok(vec![
            Change::Toolchain(NIGHTLY.to_owned()),
            Change::Rustflags(vec![format!("-Zthreads={n}")]),
        ]);
    }
    Ok(vec![match name {
        "linker" => Change::Linker(Linker::parse(value).ok_or_else(bad)?),
        "debug" => cfg("profile.dev.debug", debug_value(value)),
        "deps-debug" => cfg("profile.dev.package.\"*\".debug", debug_value(value)),
        "deps-opt-level" => cfg("profile.dev.package.\"*\".opt-level", int_or_string(value)),
        "opt-level" => cfg("profile.release.opt-level", int_or_string(value)),
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
        "nightly" => Change::Toolchain(NIGHTLY.to_owned()),
        "target-cache" if value == "deps" => Change::TargetCache(CacheLayout::Dependencies),
        "target-cache" => Change::TargetCache(CacheLayout::Whole),
        // An unstable cargo feature, set as CI sets it: RUSTC_BOOTSTRAP=1 lets a stable cargo
        // read it.
        "checksum-freshness" => {
            return Ok(vec![
                Change::Env {
                    var: "CARGO_UNSTABLE_CHECKSUM_FRESHNESS".to_owned(),
                    value: "true".to_owned(),
                },
                Change::Env {
                    var: "RUSTC_BOOTSTRAP".to_owned(),
                    value: "1".to_owned(),
                },
            ]);
        }
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
pub fn key_path(key: &str) -> Result<Vec<String>, ChangeError> {
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

pub(super) fn config(key: &str, value: &str) -> Result<Change, ChangeError> {
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
            let leaf = crate::workspace::profiles::setting_in(path.get(2..).unwrap_or_default())
                .map_or("", |(_, _, leaf)| leaf);
            if !crate::workspace::profiles::is_known_leaf(leaf) {
                return Err(unknown(format!(
                    "profile.<NAME>[.package.<SPEC>|.build-override].<KEY> with KEY one of: {}",
                    crate::workspace::profiles::STABLE_KEYS.join(", ")
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

pub(super) fn env(var: &str, value: &str) -> Option<Vec<Change>> {
    if var == "RUSTFLAGS" {
        return Some(vec![Change::Rustflags(
            value.split_whitespace().map(str::to_owned).collect(),
        )]);
    }
    let known = ENV_VARS.contains(&var)
        || var.starts_with("CARGO_PROFILE_")
        || var.starts_with("CARGO_UNSTABLE_");
    known.then(|| {
        vec![Change::Env {
            var: var.to_owned(),
            value: value.to_owned(),
        }]
    })
}
