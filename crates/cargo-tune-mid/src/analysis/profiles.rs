//! Findings about profiles: settings that cost build time for nothing, keys cargo ignores,
//! broken `inherits`, profiles outside the root manifest.

use cargo_tune_schema::{
    Finding, FindingCode, ProfileValue, SuggestedChange, Suggestion, ValueSource,
};
use serde_json::{Value, json};
use toml_edit::Item;

use super::{AnalysisCtx, FindingSink, Goal};
use crate::workspace::WorkspaceModel;
use crate::workspace::profiles::{
    OwnTables, Resolved, STABLE_KEYS, debug_level, get, is_known_key, own_tables, profile_names,
    resolve, split_key,
};

/// Runs this analysis.
pub fn run(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    let model = ctx.model;
    let tables = own_tables(model);
    non_root_profiles(model, sink);
    env_overrides(&tables, sink);
    unknown_keys(&tables, sink);
    for name in profile_names(&tables) {
        let Some(resolved) = resolve(&name, &tables) else {
            invalid_inherits(&name, &tables, sink);
            continue;
        };
        debuginfo(&resolved, sink);
        release_costs(&resolved, ctx.policy.goal, sink);
    }
}

fn non_root_profiles(model: &WorkspaceModel, sink: &mut FindingSink) {
    for member in &model.members {
        let manifest = &member.manifest;
        if manifest.path == model.root_manifest.path {
            continue;
        }
        let Some(profiles) = manifest.doc.get("profile").and_then(Item::as_table_like) else {
            continue;
        };
        let names: Vec<&str> = profiles.iter().map(|(k, _)| k).collect();
        sink.push(
            Finding::new(
                FindingCode::ProfileInNonRootManifest,
                manifest.rel_path.clone(),
                format!(
                    "`{}` sets [profile.{}], which cargo ignores outside the workspace root",
                    manifest.rel_path,
                    names.join("], [profile.")
                ),
            )
            .with_evidence(json!({ "package": member.name, "profiles": names }))
            .with_location(manifest.location_of(&["profile"]))
            .with_suggestion(Suggestion::new(format!(
                    "move the settings to [profile.<name>.package.{}] in the root manifest, or delete them",
                    member.name
                ), SuggestedChange::Manual {
                    text: format!("move [profile] out of {} into the root Cargo.toml", manifest.rel_path),
                })),
        );
    }
}

fn env_overrides(tables: &OwnTables, sink: &mut FindingSink) {
    for (profile, written) in tables {
        for w in written {
            if let ValueSource::Env { var } = &w.source {
                sink.push(
                    Finding::new(
                        FindingCode::ProfileEnvOverride,
                        var.clone(),
                        format!(
                            "{var} sets {}.{} = {} for every build in this environment",
                            profile, w.key, w.value
                        ),
                    )
                    .with_evidence(json!({ "profile": profile, "key": w.key, "value": w.value })),
                );
            }
        }
    }
}

fn unknown_keys(tables: &OwnTables, sink: &mut FindingSink) {
    for (profile, written) in tables {
        for w in written {
            if is_known_key(&w.key) || matches!(w.source, ValueSource::Env { .. }) {
                continue;
            }
            let leaf = w.key.rsplit('.').next().unwrap_or(&w.key);
            let hint = crate::text::suggest::did_you_mean(leaf, STABLE_KEYS.iter().copied());
            let mut finding = Finding::new(
                FindingCode::UnknownProfileKey,
                format!("{profile}.{}", w.key),
                format!(
                    "[profile.{profile}] sets `{}`, which cargo does not know{hint}",
                    w.key
                ),
            )
            .with_evidence(json!({ "profile": profile, "key": w.key, "value": w.value }))
            .with_location(w.location.clone());
            finding = finding.with_suggestion(Suggestion::new(
                format!("remove `{}`", w.key),
                profile_set(profile, &w.key, Value::Null),
            ));
            sink.push(finding);
        }
    }
}

fn invalid_inherits(name: &str, tables: &OwnTables, sink: &mut FindingSink) {
    let written = tables.get(name);
    let inherits = written.and_then(|w| w.iter().rev().find(|w| w.key == "inherits"));
    let (message, location) = match inherits {
        None => (
            format!("custom profile `{name}` has no `inherits`; cargo requires one"),
            None,
        ),
        Some(w) => (
            format!(
                "profile `{name}` inherits {}, which is not a profile (or forms a cycle)",
                w.value
            ),
            w.location.clone(),
        ),
    };
    let location =
        location.or_else(|| written.and_then(|w| w.iter().find_map(|w| w.location.clone())));
    sink.push(
        Finding::new(FindingCode::ProfileInheritsInvalid, name, message)
            .with_location(location)
            .with_suggestion(Suggestion::new(
                format!("set `inherits = \"dev\"` or `\"release\"` in [profile.{name}]"),
                profile_set(name, "inherits", json!("release")),
            )),
    );
}

fn debuginfo(r: &Resolved, sink: &mut FindingSink) {
    let name = r.profile.name.as_str();
    let Some(debug) = get(r, "debug") else { return };
    let dev_like = name == "dev" || r.profile.inherits.first().is_some_and(|p| p == "dev");
    // Report where the setting lives: dev itself, or a profile that sets it on its own.
    let own = debug.defined_in == name || (name == "dev" && debug.source == ValueSource::Default);
    if !dev_like || !own || debug_level(&debug.value) != Some(2) {
        return;
    }
    let deps_debug = get(r, "package.\"*\".debug");
    let mut finding = Finding::new(
        FindingCode::DebuginfoInDev,
        name,
        format!("[profile.{name}] builds full debug info (debug = {}) for every crate", debug.value),
    )
    .with_evidence(json!({
        "debug": debug.value,
        "source": debug.source,
        "dependencies_debug": deps_debug.map(|v| v.value.clone()),
        "note": "line tables keep backtraces and breakpoints by line; full debug info costs codegen and link time on every rebuild",
    }))
    .with_location(r.locations.get("debug").cloned())
    .with_suggestion(Suggestion::new("keep line tables only for workspace crates".to_owned(), profile_set(name, "debug", json!("line-tables-only"))));
    if deps_debug.is_none() {
        finding = finding.with_suggestion(Suggestion::new(
            "build dependencies without debug info".to_owned(),
            SuggestedChange::ProfileSet {
                profile: name.to_owned(),
                package: Some("*".to_owned()),
                build_override: false,
                key: "debug".to_owned(),
                value: json!(false),
            },
        ));
    }
    sink.push(finding);
}

fn release_costs(r: &Resolved, goal: Goal, sink: &mut FindingSink) {
    let name = r.profile.name.as_str();
    let release_like =
        name == "release" || r.profile.inherits.last().is_some_and(|p| p == "release");
    if !release_like {
        return;
    }
    // A value inherited unchanged was already judged on the profile that sets it.
    let own = |v: &ProfileValue| {
        v.defined_in == name || (name == "release" && v.source == ValueSource::Default)
    };

    if let Some(incremental) = get(r, "incremental")
        && incremental.value == json!(true)
        && incremental.defined_in == name
    {
        sink.push(
            Finding::new(
                FindingCode::IncrementalInRelease,
                name,
                format!("[profile.{name}] enables incremental compilation in an optimised build"),
            )
            .with_evidence(json!({ "source": incremental.source }))
            .with_location(r.locations.get("incremental").cloned())
            .with_suggestion(Suggestion {
                direction: None,
                // An explicit `false` (cargo's release default) can be tried as a --config
                // override before it is written.
                summary: "set incremental = false, cargo's default for optimised builds".to_owned(),
                change: profile_set(name, "incremental", json!(false)),
            }),
        );
    }

    if let Some(lto) = get(r, "lto").filter(|v| own(v)) {
        let fat = matches!(&lto.value, Value::Bool(true)) || lto.value == json!("fat");
        let off = matches!(&lto.value, Value::Bool(false)) || lto.value == json!("off");
        let advice = match goal {
            Goal::Balanced if fat => Some((
                "thin",
                "fat LTO optimises the whole program in one serial step; thin LTO keeps most of the runtime gain and stays parallel",
            )),
            Goal::BuildSpeed if !off => Some((
                "false-off",
                "any cross-crate LTO adds a serial step to every release build",
            )),
            Goal::Runtime if !fat && !off => None,
            Goal::Runtime if off => Some((
                "fat",
                "without LTO, release code is not optimised across crates",
            )),
            _ => None,
        };
        if let Some((to, why)) = advice {
            let value = if to == "false-off" {
                json!(false)
            } else {
                json!(to)
            };
            sink.push(
                Finding::new(
                    FindingCode::LtoAgainstGoal,
                    name,
                    format!("[profile.{name}] lto = {} works against the {} goal", lto.value, goal_name(goal)),
                )
                .with_evidence(json!({ "lto": lto.value, "goal": goal_name(goal), "note": why }))
                .with_location(r.locations.get("lto").cloned())
                .with_suggestion(Suggestion::new(format!("set lto = {value} (measure first: `cargo tune try profile.{name}.lto={value} --scenario release-clean`)"), profile_set(name, "lto", value))),
            );
        }
    }

    if let Some(cgu) = get(r, "codegen-units").filter(|v| own(v)) {
        let n = cgu.value.as_u64().unwrap_or(16);
        let target = match goal {
            Goal::Balanced | Goal::BuildSpeed if n == 1 => Some(16),
            Goal::Runtime if n > 1 => Some(1),
            _ => None,
        };
        if let Some(target) = target {
            sink.push(
                Finding::new(
                    FindingCode::CodegenUnitsAgainstGoal,
                    name,
                    format!(
                        "[profile.{name}] codegen-units = {n} works against the {} goal",
                        goal_name(goal)
                    ),
                )
                .with_evidence(json!({ "codegen_units": n, "goal": goal_name(goal) }))
                .with_location(r.locations.get("codegen-units").cloned())
                .with_suggestion(Suggestion::new(
                    format!("set codegen-units = {target}"),
                    profile_set(name, "codegen-units", json!(target)),
                )),
            );
        }
    }
}

fn goal_name(goal: Goal) -> &'static str {
    match goal {
        Goal::Balanced => "balanced",
        Goal::BuildSpeed => "build-speed",
        Goal::Runtime => "runtime",
    }
}

fn profile_set(profile: &str, key: &str, value: Value) -> SuggestedChange {
    let (package, build_override, key) = split_key(key);
    SuggestedChange::ProfileSet {
        profile: profile.to_owned(),
        package,
        build_override,
        key,
        value,
    }
}
