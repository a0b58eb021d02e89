//! Whether a change is already in effect: a `try` of it would only measure noise, and a plan
//! does not propose it.

use cargo_tune_schema::EffectiveProfile;

use super::{Change, Linker, key_path};
use crate::workspace::BuildEnv;

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
        // Edits are planned against the files as they are, which tells what is already there.
        Change::Toolchain(_)
        | Change::TargetCache(_)
        | Change::HintMostlyUnused(_)
        | Change::DylibFacade(_)
        | Change::Unset { .. }
        | Change::Centralize { .. }
        | Change::RemoveWorkspaceDependency { .. }
        | Change::CargoUpdate { .. } => None,
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
