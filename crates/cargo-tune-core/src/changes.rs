//! What `cargo tune try` can measure without editing a file: presets, `key=value` cargo
//! configuration overrides, environment variables and the suggestions of audit findings, all
//! turned into `--config` overrides, environment and extra rustflags.

use std::fmt;

use cargo_tune_schema::{EffectiveProfile, FindingCode, SuggestedChange};

pub use crate::vocab::Linker;
use crate::vocab::Scenario;
use crate::workspace::BuildEnv;

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
    /// Build with another installed rustup toolchain's cargo and rustc (`nightly`).
    Toolchain(String),
    /// Restore the target directory a CI cache saved after an earlier build (what `ci-warm`
    /// measures; no other build restores anything).
    TargetCache,
}

/// The toolchain the parallel front-end needs: `-Z threads` is a nightly option.
pub const NIGHTLY: &str = "nightly";

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Config { key, value } => write!(f, "{key}={value}"),
            Change::Env { var, value } => write!(f, "{var}={value}"),
            Change::Rustflags(flags) => write!(f, "rustflags+={}", flags.join(" ")),
            Change::Linker(l) => write!(f, "linker={}", l.as_str()),
            Change::Toolchain(t) => write!(f, "toolchain={t}"),
            Change::TargetCache => f.write_str("target-cache"),
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
    ("jobs", &[COUNT]),
    ("incremental", &["on", "off"]),
    ("sccache", &["on"]),
    ("threads", &[COUNT]),
    ("nightly", &["on"]),
    ("target-cache", &["on"]),
    ("checksum-freshness", &["on"]),
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
            if PRESETS
                .iter()
                .any(|(name, v)| *name == text && v == &["on"])
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

/// Parses a candidate: one CHANGE, or several joined by `+` (`debug=0+linker=mold`). A `+` only
/// separates where both sides are changes, so `RUSTFLAGS=-Ctarget-feature=+avx2` stays whole.
pub fn parse_combined(text: &str) -> Result<Vec<(String, ChangeSpec)>, ChangeError> {
    for (i, _) in text.match_indices('+') {
        let (left, right) = (&text[..i], &text[i + 1..]);
        if left.is_empty() || right.is_empty() {
            continue;
        }
        if let Ok(first) = ChangeSpec::parse(left)
            && let Ok(mut rest) = parse_combined(right)
        {
            rest.insert(0, (left.to_owned(), first));
            return Ok(rest);
        }
    }
    ChangeSpec::parse(text).map(|spec| vec![(text.to_owned(), spec)])
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
        "target-cache" => Change::TargetCache,
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

fn env(var: &str, value: &str) -> Option<Vec<Change>> {
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
            let value = crate::text::toml_json::json_to_text(value)?;
            let table = crate::workspace::profiles::table_path(
                profile,
                package.as_deref(),
                *build_override,
            );
            let mut dotted: Vec<String> = table.into_iter().map(toml_key).collect();
            dotted.push(key.clone());
            Some(Change::Config {
                key: dotted.join("."),
                value,
            })
        }
        SuggestedChange::ConfigSet { key, value } => {
            let value = crate::text::toml_json::json_to_text(value)?;
            config(key, &value).ok()
        }
        SuggestedChange::UseLinker { linker } => Linker::parse(linker).map(Change::Linker),
        SuggestedChange::Env { var, value } => env(var, value).and_then(|mut c| c.pop()),
        SuggestedChange::CiCache { layer } if layer == "target-dir" => Some(Change::TargetCache),
        _ => None,
    }
}

/// Every expressible change suggested by the finding with this `id`.
pub fn from_finding_id(
    id: &str,
    findings: &[cargo_tune_schema::Finding],
) -> Result<Vec<Change>, ChangeError> {
    let Some(finding) = findings.iter().find(|f| f.id == id) else {
        let code = id.split_once(':').map_or(id, |(c, _)| c);
        return Err(ChangeError::NoSuchFinding {
            id: id.to_owned(),
            known: findings
                .iter()
                .filter(|f| f.code.as_str() == code)
                .map(|f| f.id.clone())
                .collect(),
        });
    };
    let mut changes: Vec<Change> = Vec::new();
    for suggestion in &finding.suggestions {
        if let Some(change) = from_suggestion(&suggestion.change)
            && !changes.contains(&change)
        {
            changes.push(change);
        }
    }
    if changes.is_empty() {
        Err(ChangeError::NotExpressible { code: finding.code })
    } else {
        Ok(changes)
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

/// Which part of a build a change can alter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Anything: what is compiled, how, and by which tool.
    Everything,
    /// Only code generation (and so linking): nothing `cargo check` does.
    Codegen,
    /// Only linking.
    Link,
    /// Only what a build restores from a cache before it starts.
    Restore,
}

/// Which builds a change can make a difference to, derived from the change itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    /// The profiles whose builds it changes; `None` for every build.
    pub profiles: Option<Vec<String>>,
    /// What part of those builds.
    pub stage: Stage,
}

/// Profile keys that only change generated code or debug info, which `cargo check` never
/// produces. `incremental`, `debug-assertions`, `overflow-checks` and `panic` also change what
/// check does (its incremental cache, `cfg`s and diagnostics), so they are not listed.
const CODEGEN_KEYS: &[&str] = &[
    "opt-level",
    "debug",
    "split-debuginfo",
    "strip",
    "lto",
    "codegen-units",
    "rpath",
];

impl Reach {
    fn everything() -> Reach {
        Reach {
            profiles: None,
            stage: Stage::Everything,
        }
    }

    /// A setting of `profile.<name>`: `leaf` in the profile itself, its `package` tables or its
    /// `build-override` table (build scripts and proc-macros, which `check` compiles too).
    fn profile(name: &str, leaf: &str, build_override: bool) -> Reach {
        // `test` inherits from `dev` and `bench` from `release` unless they override the key.
        let mut profiles = vec![name.to_owned()];
        match name {
            "dev" => profiles.push("test".to_owned()),
            "release" => profiles.push("bench".to_owned()),
            _ => {}
        }
        Reach {
            profiles: Some(profiles),
            stage: if !build_override && CODEGEN_KEYS.contains(&leaf) {
                Stage::Codegen
            } else {
                Stage::Everything
            },
        }
    }

    /// Whether a build of `scenario` can differ.
    pub fn affects(&self, scenario: Scenario) -> bool {
        self.why_not(scenario).is_none()
    }

    /// Why a build of `scenario` cannot differ, as a clause (`changes only the release
    /// profile, and dev-incremental builds dev`); `None` when it can.
    pub fn why_not(&self, scenario: Scenario) -> Option<String> {
        if let Some(profiles) = &self.profiles
            && !profiles.iter().any(|p| p == scenario.profile())
        {
            return Some(format!(
                "changes only the {} profile{}, and {scenario} builds {}",
                profiles.join(" and "),
                if profiles.len() > 1 { "s" } else { "" },
                scenario.profile()
            ));
        }
        match self.stage {
            Stage::Codegen if !scenario.generates_code() => Some(format!(
                "changes only generated code, and {scenario} generates none"
            )),
            Stage::Link if !scenario.links() => Some(format!(
                "changes only linking, and {scenario} {}",
                if scenario.generates_code() {
                    "links nothing while measured"
                } else {
                    "links nothing"
                }
            )),
            Stage::Restore if scenario != Scenario::CiWarm => Some(format!(
                "restores a cached target directory, which only ci-warm does, not {scenario}"
            )),
            _ => None,
        }
    }
}

impl Change {
    /// The builds this change can make a difference to.
    pub fn reach(&self) -> Reach {
        match self {
            Change::Config { key, .. } => {
                let path = key_path(key).unwrap_or_default();
                match path.first().map(String::as_str) {
                    Some("profile") if path.len() >= 3 => {
                        let leaf = path.last().map(String::as_str).unwrap_or_default();
                        let build_override = path.iter().any(|p| p == "build-override");
                        Reach::profile(&path[1], leaf, build_override)
                    }
                    Some("target") if path.last().is_some_and(|l| l == "linker") => Reach {
                        profiles: None,
                        stage: Stage::Link,
                    },
                    _ => Reach::everything(),
                }
            }
            Change::Env { var, .. } => match profile_env_key(var) {
                Some((profile, leaf, build_override)) => {
                    Reach::profile(&profile, &leaf, build_override)
                }
                None => Reach::everything(),
            },
            Change::Rustflags(_) | Change::Toolchain(_) => Reach::everything(),
            Change::Linker(_) => Reach {
                profiles: None,
                stage: Stage::Link,
            },
            Change::TargetCache => Reach {
                profiles: None,
                stage: Stage::Restore,
            },
        }
    }
}

/// `CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_OPT_LEVEL` → (`release`, `opt-level`, true).
fn profile_env_key(var: &str) -> Option<(String, String, bool)> {
    let rest = var.strip_prefix("CARGO_PROFILE_")?;
    crate::workspace::profiles::STABLE_KEYS
        .iter()
        .find_map(|key| {
            let suffix = format!("_{}", key.to_uppercase().replace('-', "_"));
            let head = rest.strip_suffix(&suffix)?;
            let (head, build_override) = match head.strip_suffix("_BUILD_OVERRIDE") {
                Some(h) => (h, true),
                None => (head, false),
            };
            (!head.is_empty()).then(|| {
                (
                    head.to_lowercase().replace('_', "-"),
                    (*key).to_owned(),
                    build_override,
                )
            })
        })
}

/// What is in effect before any change: the facts a change is compared with to tell whether
/// it changes anything.
#[derive(Clone, Copy, Debug)]
pub struct InEffect<'a> {
    /// Every profile after defaults, inheritance, manifests, configuration and environment.
    pub profiles: &'a [EffectiveProfile],
    /// The environment cargo-tune was started in.
    pub env: &'a BuildEnv,
    /// The effective rustflags.
    pub rustflags: &'a [String],
    /// The host linker in effect (`rust-lld`, `mold`, `ld.bfd`, …).
    pub linker: &'a str,
    /// The user's own `--config KEY=VALUE` overrides, which outrank every file.
    pub cli_config: &'a [String],
}

/// Why `change` would change nothing, or `None` when it changes something (or cannot be
/// told).
pub fn already_in_effect(change: &Change, now: &InEffect<'_>) -> Option<String> {
    match change {
        Change::Config { key, value } => {
            let path = key_path(key).ok()?;
            if path.first().map(String::as_str) != Some("profile") || path.len() < 3 {
                return None;
            }
            let leaf = path.last()?;
            let wanted = crate::text::toml_json::text_to_json(value)?;
            let overridden = now.cli_config.iter().rev().find_map(|c| {
                let (k, v) = c.split_once('=')?;
                (key_path(k.trim()).ok()? == path).then(|| (k.trim(), v.trim()))
            });
            if let Some((k, v)) = overridden {
                let given = crate::text::toml_json::text_to_json(v)?;
                return (normalized(leaf, &given) == normalized(leaf, &wanted))
                    .then(|| format!("--config {k}={v} already sets it"));
            }
            let profile = now.profiles.iter().find(|p| p.name == path[1])?;
            let rest: Vec<String> = path[2..]
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    // Package specs are quoted in the flattened keys of effective profiles.
                    if i == 1 && path[2] == "package" {
                        format!("\"{k}\"")
                    } else {
                        k.clone()
                    }
                })
                .collect();
            let flat = rest.join(".");
            // A package table without the key inherits the profile's own value.
            let current = profile.values.iter().find(|v| v.key == flat).or_else(|| {
                (path[2] == "package")
                    .then(|| profile.values.iter().find(|v| v.key == *leaf))
                    .flatten()
            })?;
            (normalized(leaf, &current.value) == normalized(leaf, &wanted)).then(|| {
                format!(
                    "profile {} already has {flat} = {} ({})",
                    profile.name,
                    current.value,
                    current.source.place()
                )
            })
        }
        Change::Env { var, value } => (now.env.get(var) == Some(value.as_str()))
            .then(|| format!("{var} is already {value:?} in the environment")),
        Change::Rustflags(flags) => (!flags.is_empty()
            && now
                .rustflags
                .windows(flags.len())
                .any(|w| w == flags.as_slice()))
        .then(|| format!("the rustflags in effect already hold {}", flags.join(" "))),
        Change::Linker(linker) => {
            let name = match linker {
                Linker::Bfd => "ld.bfd",
                other => other.as_str(),
            };
            (now.linker == name).then(|| format!("host binaries already link with {name}"))
        }
        // Another toolchain is another compiler even when its channel is the one in use, and a
        // restored target directory is never in effect before the build that restores it.
        Change::Toolchain(_) | Change::TargetCache => None,
    }
}

/// Spellings cargo treats alike (`debug = 0`, `false` and `"none"`).
fn normalized(leaf: &str, value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as V;
    let s = |t: &str| V::from(t);
    match (leaf, value) {
        ("debug" | "strip", V::Bool(false)) => s("none"),
        ("debug", V::Bool(true)) => s("full"),
        ("debug", V::Number(n)) => match n.as_i64() {
            Some(0) => s("none"),
            Some(1) => s("limited"),
            Some(2) => s("full"),
            _ => value.clone(),
        },
        ("lto", V::Bool(true)) => s("fat"),
        ("lto", V::Bool(false)) => s("false"),
        ("strip", V::Bool(true)) => s("symbols"),
        ("opt-level", V::String(t)) if t.parse::<i64>().is_ok() => {
            V::from(t.parse::<i64>().unwrap_or_default())
        }
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{Finding, Suggestion};

    use super::*;

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
                .map(|(t, _)| t)
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
            Finding::new(FindingCode::DebuginfoInDev, subject, "x").with_suggestion(Suggestion {
                summary: "s".into(),
                change: set(subject),
            })
        };
        let findings = [finding("dev"), finding("test")];
        assert_eq!(
            from_finding_id("debuginfo-in-dev:test", &findings).unwrap(),
            [Change::Config {
                key: "profile.test.debug".into(),
                value: "\"line-tables-only\"".into()
            }]
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
}
