//! Profiles: the effective value of every key of every profile, after cargo's defaults,
//! `inherits`, the root manifest, the configuration layers and `CARGO_PROFILE_*`, with the source
//! of each value.

use std::collections::BTreeMap;
use std::path::Path;

use cargo_tune_schema::{EffectiveProfile, Location, ProfileValue, ValueSource};
use serde_json::{Value, json};
use toml_edit::Item;

use super::{ManifestDoc, WorkspaceModel};
use crate::text::toml_json::item_to_json;

/// Keys cargo accepts in a profile on stable, in the order reports list them.
pub const STABLE_KEYS: &[&str] = &[
    "inherits",
    "opt-level",
    "debug",
    "split-debuginfo",
    "strip",
    "debug-assertions",
    "overflow-checks",
    "lto",
    "panic",
    "incremental",
    "codegen-units",
    "rpath",
];

/// Keys cargo accepts only with a `cargo-features` opt-in; known, so not "unknown".
pub const UNSTABLE_KEYS: &[&str] = &[
    "trim-paths",
    "codegen-backend",
    "rustflags",
    "hint-mostly-unused",
    "frame-pointers",
];

/// The profiles cargo defines without a manifest naming them.
pub const BUILTIN: &[&str] = &["dev", "release", "test", "bench"];

/// One value as written somewhere, before inheritance.
#[derive(Clone, Debug)]
pub struct Written {
    /// The setting, as cargo spells it (`opt-level`, `package.foo.debug`).
    pub key: String,
    /// The value as written.
    pub value: Value,
    /// Where it comes from: a manifest, a config file, the environment.
    pub source: ValueSource,
    /// The file and line, when written in a file.
    pub location: Option<Location>,
}

/// All values written for one profile name, lowest precedence first.
pub type OwnTables = BTreeMap<String, Vec<Written>>;

fn defaults(root: &str) -> Vec<(&'static str, Value)> {
    let release = root == "release";
    vec![
        ("opt-level", if release { json!(3) } else { json!(0) }),
        ("debug", json!(!release)),
        ("strip", json!("none")),
        ("debug-assertions", json!(!release)),
        ("overflow-checks", json!(!release)),
        ("lto", json!(false)),
        ("panic", json!("unwind")),
        ("incremental", json!(!release)),
        (
            "codegen-units",
            if release { json!(16) } else { json!(256) },
        ),
        ("rpath", json!(false)),
        ("build-override.opt-level", json!(0)),
        ("build-override.codegen-units", json!(256)),
        ("build-override.debug", json!(false)),
    ]
}

/// Collects what the root manifest, the config layers and the environment write, per profile.
pub fn own_tables(model: &WorkspaceModel) -> OwnTables {
    let mut tables = OwnTables::new();
    collect_doc(
        &model.root_manifest,
        |rel| ValueSource::Manifest {
            path: rel.path,
            line: rel.line,
        },
        true,
        &mut tables,
    );
    // Config layers are stored highest precedence first; apply the lowest first.
    for layer in model.config.layers.iter().rev() {
        let path = if layer.file.path.starts_with(&model.root) {
            layer.file.rel_path.clone()
        } else {
            layer.file.path.display().to_string()
        };
        collect_doc(
            &layer.file,
            |_| ValueSource::Config { path: path.clone() },
            true,
            &mut tables,
        );
    }
    add_env_overrides(&mut tables, model.env.with_prefix("CARGO_PROFILE_"));
    for arg in &model.cli_config {
        if let Some((doc, in_file)) = cli_config_doc(arg, &model.root) {
            collect_doc(
                &doc,
                |_| ValueSource::CliConfig {
                    arg: arg.to_owned(),
                },
                in_file,
                &mut tables,
            );
        }
    }
    tables
}

/// A `--config` argument as a document, and whether it is a file (so that its locations mean
/// something). The model keeps file arguments absolute; anything else is `KEY=VALUE`, and cargo
/// has already rejected the arguments that are neither.
fn cli_config_doc(arg: &str, root: &Path) -> Option<(ManifestDoc, bool)> {
    let path = Path::new(arg);
    if path.is_absolute() && path.is_file() {
        return ManifestDoc::read(path, root).ok().map(|doc| (doc, true));
    }
    ManifestDoc::parse(Path::new(arg), root, arg.to_owned())
        .ok()
        .map(|doc| (doc, false))
}

/// Adds `CARGO_PROFILE_<NAME>_<KEY>` variables, highest precedence of all.
fn add_env_overrides<'a>(tables: &mut OwnTables, vars: impl Iterator<Item = (&'a str, &'a str)>) {
    let names: Vec<String> = tables
        .keys()
        .cloned()
        .chain(BUILTIN.iter().map(|s| (*s).to_owned()))
        .collect();
    for (var, raw) in vars {
        if let Some((profile, key)) = parse_env_var(var, &names) {
            tables.entry(profile).or_default().push(Written {
                key,
                value: parse_env_value(raw),
                source: ValueSource::Env {
                    var: var.to_owned(),
                },
                location: None,
            });
        }
    }
}

fn collect_doc(
    doc: &ManifestDoc,
    source: impl Fn(Location) -> ValueSource,
    located: bool,
    tables: &mut OwnTables,
) {
    let Some(profiles) = doc.doc.get("profile").and_then(Item::as_table_like) else {
        return;
    };
    for (name, item) in profiles.iter() {
        let Some(table) = item.as_table_like() else {
            continue;
        };
        let entry = tables.entry(name.to_owned()).or_default();
        for (key, path, value) in flatten(table) {
            let mut full = vec!["profile", name];
            full.extend(path.iter().map(String::as_str));
            let location = located.then(|| doc.location_of(&full)).flatten();
            let loc = location.clone().unwrap_or_else(|| Location {
                path: doc.rel_path.clone(),
                line: 1,
                column: 1,
            });
            entry.push(Written {
                key,
                value,
                source: source(loc),
                location,
            });
        }
    }
}

/// `(flat key, path of table keys, value)` for every leaf of a profile table.
fn flatten(table: &dyn toml_edit::TableLike) -> Vec<(String, Vec<String>, Value)> {
    let mut out = Vec::new();
    for (key, item) in table.iter() {
        match (key, item.as_table_like()) {
            ("package", Some(packages)) => {
                for (spec, item) in packages.iter() {
                    let Some(t) = item.as_table_like() else {
                        continue;
                    };
                    for (k, v) in t.iter() {
                        if let Some(sub) = v.as_table_like() {
                            for (kk, vv) in sub.iter() {
                                out.push((
                                    format!("package.\"{spec}\".{k}.{kk}"),
                                    vec!["package".into(), spec.into(), k.into(), kk.into()],
                                    item_to_json(vv),
                                ));
                            }
                        } else {
                            out.push((
                                format!("package.\"{spec}\".{k}"),
                                vec!["package".into(), spec.into(), k.into()],
                                item_to_json(v),
                            ));
                        }
                    }
                }
            }
            ("build-override", Some(t)) => {
                for (k, v) in t.iter() {
                    out.push((
                        format!("build-override.{k}"),
                        vec!["build-override".into(), k.into()],
                        item_to_json(v),
                    ));
                }
            }
            _ => out.push((key.to_owned(), vec![key.to_owned()], item_to_json(item))),
        }
    }
    out
}

/// `CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_OPT_LEVEL` → (`release`, `build-override.opt-level`).
fn parse_env_var(var: &str, names: &[String]) -> Option<(String, String)> {
    let rest = var.strip_prefix("CARGO_PROFILE_")?;
    let mut best: Option<&String> = None;
    for name in names {
        let upper = name.to_uppercase().replace('-', "_");
        if rest.starts_with(&format!("{upper}_")) && best.is_none_or(|b| b.len() < name.len()) {
            best = Some(name);
        }
    }
    let name = best?;
    let key = &rest[name.len() + 1..];
    let key = key.to_lowercase().replace('_', "-");
    let key = match key.strip_prefix("build-override-") {
        Some(k) => format!("build-override.{k}"),
        None => key,
    };
    Some((name.clone(), key))
}

/// cargo reads integers and booleans from environment strings.
fn parse_env_value(raw: &str) -> Value {
    if let Ok(i) = raw.parse::<i64>() {
        return json!(i);
    }
    match raw {
        "true" => json!(true),
        "false" => json!(false),
        _ => json!(raw),
    }
}

/// The chain a profile inherits from, nearest first; `None` when it is invalid.
pub fn inherits_chain(name: &str, tables: &OwnTables) -> Option<Vec<String>> {
    let mut chain = Vec::new();
    let mut current = name.to_owned();
    loop {
        let parent = match current.as_str() {
            "dev" | "release" => return Some(chain),
            "test" => "dev".to_owned(),
            "bench" => "release".to_owned(),
            _ => {
                let inherits = tables
                    .get(&current)?
                    .iter()
                    .rev()
                    .find(|w| w.key == "inherits")?
                    .value
                    .as_str()?
                    .to_owned();
                if !BUILTIN.contains(&inherits.as_str()) && !tables.contains_key(&inherits) {
                    return None;
                }
                inherits
            }
        };
        if chain.contains(&parent) || parent == name {
            return None;
        }
        chain.push(parent.clone());
        current = parent;
    }
}

/// A profile after inheritance and defaults.
pub struct Resolved {
    /// Its effective settings.
    pub profile: EffectiveProfile,
    /// Location of each key's winning value, when written in a file.
    pub locations: BTreeMap<String, Location>,
}

/// The profile `name` after following its `inherits` chain, or `None` when it is not defined.
pub fn resolve(name: &str, tables: &OwnTables) -> Option<Resolved> {
    let chain = inherits_chain(name, tables)?;
    let root = chain.last().map_or(name, String::as_str);
    let mut values: BTreeMap<String, ProfileValue> = BTreeMap::new();
    let mut locations = BTreeMap::new();
    for (key, value) in defaults(root) {
        values.insert(
            key.to_owned(),
            ProfileValue {
                key: key.to_owned(),
                value,
                defined_in: root.to_owned(),
                source: ValueSource::Default,
            },
        );
    }
    // Apply from the root of the chain down to the profile itself.
    let order: Vec<&str> = chain
        .iter()
        .rev()
        .map(String::as_str)
        .chain(std::iter::once(name))
        .collect();
    for profile in order {
        for w in tables.get(profile).into_iter().flatten() {
            // cargo ignores keys it does not know; so does the effective profile.
            if w.key == "inherits" || !is_known_key(&w.key) {
                continue;
            }
            values.insert(
                w.key.clone(),
                ProfileValue {
                    key: w.key.clone(),
                    value: w.value.clone(),
                    defined_in: profile.to_owned(),
                    source: w.source.clone(),
                },
            );
            match &w.location {
                Some(loc) => locations.insert(w.key.clone(), loc.clone()),
                None => locations.remove(&w.key),
            };
        }
    }
    // Since cargo 1.77 a profile without debug info strips it from the binary by default.
    if values
        .get("strip")
        .is_some_and(|v| v.source == ValueSource::Default)
        && values
            .get("debug")
            .is_some_and(|v| debug_level(&v.value) == Some(0))
    {
        let strip = values.get_mut("strip").expect("present");
        strip.value = json!("debuginfo");
    }
    let mut values: Vec<ProfileValue> = values.into_values().collect();
    values.sort_by_key(|v| (key_rank(&v.key), v.key.clone()));
    Some(Resolved {
        profile: EffectiveProfile {
            name: name.to_owned(),
            inherits: chain,
            values,
        },
        locations,
    })
}

/// Where `key` sorts in a report: cargo's stable keys in their documented order first.
pub fn key_rank(key: &str) -> usize {
    if let Some(i) = STABLE_KEYS.iter().position(|k| *k == key) {
        i
    } else if key.starts_with("build-override.") {
        100
    } else if key.starts_with("package.") {
        200
    } else {
        50
    }
}

/// cargo's `debug` setting as a level: 0 none, 1 limited, 2 full; line-tables-only and
/// line-directives-only count as 1.
pub fn debug_level(value: &Value) -> Option<u8> {
    match value {
        Value::Bool(b) => Some(if *b { 2 } else { 0 }),
        Value::Number(n) => n.as_u64().map(|n| n.min(2) as u8),
        Value::String(s) => match s.as_str() {
            "none" => Some(0),
            "line-directives-only" | "line-tables-only" | "limited" => Some(1),
            "full" => Some(2),
            _ => None,
        },
        _ => None,
    }
}

/// Every profile that exists: the four built-ins and each custom one written anywhere.
pub fn profile_names(tables: &OwnTables) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN.iter().map(|s| (*s).to_owned()).collect();
    names.extend(
        tables
            .keys()
            .filter(|k| !BUILTIN.contains(&k.as_str()))
            .cloned(),
    );
    names
}

/// Every profile after inheritance and defaults.
pub fn effective_profiles(model: &WorkspaceModel) -> Vec<EffectiveProfile> {
    let tables = own_tables(model);
    profile_names(&tables)
        .iter()
        .filter_map(|n| resolve(n, &tables))
        .map(|r| r.profile)
        .collect()
}

/// The table a profile setting lives in: `profile.<name>`, then `package.<spec>` and/or
/// `build-override`, as path segments.
pub fn table_path<'a>(
    profile: &'a str,
    package: Option<&'a str>,
    build_override: bool,
) -> Vec<&'a str> {
    let mut path = vec!["profile", profile];
    if let Some(spec) = package {
        path.extend(["package", spec]);
    }
    if build_override {
        path.push("build-override");
    }
    path
}

/// A setting's path after `profile.<name>` read as the package it is limited to, whether it is
/// the build override, and its key; `None` for any other shape.
pub fn setting_in(rest: &[String]) -> Option<(Option<&str>, bool, &str)> {
    match rest {
        [leaf] => Some((None, false, leaf)),
        [b, leaf] if b == "build-override" => Some((None, true, leaf)),
        [p, spec, leaf] if p == "package" => Some((Some(spec), false, leaf)),
        _ => None,
    }
}

/// Whether cargo knows `key` as a profile setting (stable or behind a `cargo-features` opt-in).
pub fn is_known_leaf(key: &str) -> bool {
    STABLE_KEYS.contains(&key) || UNSTABLE_KEYS.contains(&key)
}

/// Whether cargo knows a flattened key (`debug`, `build-override.opt-level`, `package."*".debug`).
pub fn is_known_key(key: &str) -> bool {
    let known = is_known_leaf;
    match key.split_once('.') {
        Some(("build-override", leaf)) => known(leaf),
        Some(("package", rest)) => {
            let leaf = rest.rsplit('.').next().unwrap_or(rest);
            known(leaf)
        }
        _ => known(key),
    }
}

/// `package."x".debug` → (Some("x"), false, "debug"); `build-override.opt-level` → (None, true, …).
pub fn split_key(key: &str) -> (Option<String>, bool, String) {
    if let Some(rest) = key.strip_prefix("build-override.") {
        return (None, true, rest.to_owned());
    }
    if let Some(rest) = key.strip_prefix("package.\"")
        && let Some((spec, leaf)) = rest.split_once("\".")
    {
        return (Some(spec.to_owned()), false, leaf.to_owned());
    }
    (None, false, key.to_owned())
}

/// The effective value of `key` in a resolved profile.
pub fn get<'a>(r: &'a Resolved, key: &str) -> Option<&'a ProfileValue> {
    r.profile.values.iter().find(|v| v.key == key)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn tables(manifest: &str, env: &[(&str, &str)]) -> OwnTables {
        let doc = ManifestDoc::parse(
            Path::new("/ws/Cargo.toml"),
            Path::new("/ws"),
            manifest.to_owned(),
        )
        .unwrap();
        let mut tables = OwnTables::new();
        collect_doc(
            &doc,
            |l| ValueSource::Manifest {
                path: l.path,
                line: l.line,
            },
            true,
            &mut tables,
        );
        add_env_overrides(&mut tables, env.iter().copied());
        tables
    }

    fn value(r: &Resolved, key: &str) -> (Value, String) {
        let v = get(r, key).unwrap_or_else(|| panic!("no {key}"));
        (v.value.clone(), v.defined_in.clone())
    }

    #[test]
    fn test_inherits_dev_and_bench_inherits_release_with_defaults() {
        let t = tables("[profile.dev]\nopt-level = 1\n", &[]);
        let test = resolve("test", &t).unwrap();
        assert_eq!(test.profile.inherits, ["dev"]);
        assert_eq!(value(&test, "opt-level"), (json!(1), "dev".into()));
        assert_eq!(value(&test, "codegen-units"), (json!(256), "dev".into()));
        let bench = resolve("bench", &t).unwrap();
        assert_eq!(value(&bench, "opt-level"), (json!(3), "release".into()));
        // Release without debug info strips it by default (cargo ≥ 1.77).
        assert_eq!(value(&bench, "strip").0, json!("debuginfo"));
        assert_eq!(get(&bench, "strip").unwrap().source, ValueSource::Default);
    }

    #[test]
    fn custom_profile_chain_env_wins_and_sources_are_kept() {
        let t = tables(
            "[profile.ci]\ninherits = \"fast\"\ndebug = 1\n[profile.fast]\ninherits = \"release\"\nlto = \"thin\"\n[profile.release.package.\"*\"]\nopt-level = 2\n[profile.release.build-override]\nopt-level = 3\n",
            &[
                ("CARGO_PROFILE_CI_DEBUG", "0"),
                ("CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_CODEGEN_UNITS", "4"),
            ],
        );
        let ci = resolve("ci", &t).unwrap();
        assert_eq!(ci.profile.inherits, ["fast", "release"]);
        assert_eq!(value(&ci, "lto"), (json!("thin"), "fast".into()));
        assert_eq!(value(&ci, "debug"), (json!(0), "ci".into()));
        assert_eq!(
            get(&ci, "debug").unwrap().source,
            ValueSource::Env {
                var: "CARGO_PROFILE_CI_DEBUG".into()
            }
        );
        assert_eq!(
            value(&ci, "package.\"*\".opt-level"),
            (json!(2), "release".into())
        );
        assert_eq!(
            value(&ci, "build-override.opt-level"),
            (json!(3), "release".into())
        );
        assert_eq!(
            value(&ci, "build-override.codegen-units"),
            (json!(4), "release".into())
        );
        match &get(&ci, "lto").unwrap().source {
            ValueSource::Manifest { line, .. } => assert_eq!(*line, 6),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_unknown_or_cyclic_inherits_is_invalid() {
        let t = tables(
            "[profile.a]\nlto = true\n[profile.b]\ninherits = \"nope\"\n[profile.c]\ninherits = \"d\"\n[profile.d]\ninherits = \"c\"\n",
            &[],
        );
        for name in ["a", "b", "c", "d"] {
            assert!(resolve(name, &t).is_none(), "{name}");
        }
    }

    #[test]
    fn env_names_map_to_the_longest_profile_and_dashed_keys() {
        let names: Vec<String> = ["dev", "release", "release-lto"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(
            parse_env_var("CARGO_PROFILE_RELEASE_LTO_CODEGEN_UNITS", &names),
            Some(("release-lto".into(), "codegen-units".into()))
        );
        assert_eq!(
            parse_env_var("CARGO_PROFILE_DEV_DEBUG", &names),
            Some(("dev".into(), "debug".into()))
        );
        assert_eq!(parse_env_value("true"), json!(true));
        assert_eq!(
            parse_env_value("line-tables-only"),
            json!("line-tables-only")
        );
    }

    #[test]
    fn debug_levels_follow_cargo() {
        assert_eq!(debug_level(&json!(true)), Some(2));
        assert_eq!(debug_level(&json!("full")), Some(2));
        assert_eq!(debug_level(&json!(1)), Some(1));
        assert_eq!(debug_level(&json!("line-tables-only")), Some(1));
        assert_eq!(debug_level(&json!(false)), Some(0));
    }

    #[test]
    fn unknown_keys_are_recognised_with_their_table() {
        assert!(is_known_key("debug"));
        assert!(is_known_key("package.\"*\".debug"));
        assert!(is_known_key("build-override.opt-level"));
        assert!(!is_known_key("debug-assertion"));
        assert!(!is_known_key("package.\"*\".optlevel"));
    }
}
