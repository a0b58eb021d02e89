//! Findings' suggestions and plan records carry changes in the schema's form,
//! [`SuggestedChange`]; this is the one place that form becomes a [`Change`] and back.

use cargo_tune_schema::{Finding, FindingCode, SuggestedChange};
use serde_json::Value;

use super::parse::{config, env};
use super::{CacheLayout, Change, ChangeError, Linker, key_path};
use crate::text::toml_json::{dotted_key, json_to_text, text_to_json};
use crate::workspace::profiles::{setting_in, table_path};

pub(super) fn from_suggestion(s: &SuggestedChange) -> Result<Change, String> {
    match s {
        SuggestedChange::ProfileSet {
            profile,
            package,
            build_override,
            key,
            value,
        } => {
            let table = table_path(profile, package.as_deref(), *build_override);
            let key = dotted_key(table.into_iter().chain([key.as_str()]));
            match value {
                Value::Null => Ok(Change::Unset { key }),
                v => json_to_text(v)
                    .map(|value| Change::Config { key, value })
                    .ok_or_else(|| format!("{v} is not a TOML value")),
            }
        }
        SuggestedChange::ConfigSet { key, value } => {
            let path = key_path(key).map_err(|e| e.to_string())?;
            match value {
                Value::Null => Ok(Change::Unset {
                    key: dotted_key(path.iter().map(String::as_str)),
                }),
                v => {
                    let text = json_to_text(v).ok_or_else(|| format!("{v} is not a TOML value"))?;
                    config(key, &text).map_err(|e| e.to_string())
                }
            }
        }
        SuggestedChange::UseLinker { linker } => Linker::parse(linker)
            .map(Change::Linker)
            .ok_or_else(|| format!("cargo-tune does not know how to select the linker `{linker}`")),
        SuggestedChange::Env { var, value } => Ok(env(var, value)
            .and_then(|mut c| c.pop())
            .unwrap_or_else(|| Change::Env {
                var: var.clone(),
                value: value.clone(),
            })),
        SuggestedChange::CentralizeDependency {
            name,
            requirement,
            source,
        } => Ok(Change::Centralize {
            name: name.clone(),
            requirement: requirement.clone(),
            source: source.clone(),
        }),
        SuggestedChange::RemoveWorkspaceDependency { name } => {
            Ok(Change::RemoveWorkspaceDependency { name: name.clone() })
        }
        SuggestedChange::CargoUpdate { spec, precise } => Ok(Change::CargoUpdate {
            spec: spec.clone(),
            precise: precise.clone(),
        }),
        SuggestedChange::CiCache { layer } if let Some(layout) = CacheLayout::from_layer(layer) => {
            Ok(Change::TargetCache(layout))
        }
        SuggestedChange::HintMostlyUnused { package } => {
            Ok(Change::HintMostlyUnused(package.clone()))
        }
        SuggestedChange::DylibFacade { package } => Ok(Change::DylibFacade(package.clone())),
        SuggestedChange::CiCache { layer } => Err(format!(
            "caching {layer} in CI is not known to this version of cargo-tune"
        )),
        SuggestedChange::Manual { .. } => Err("only a person can make this change".to_owned()),
        _ => Err("this kind of change is not known to this version of cargo-tune".to_owned()),
    }
}

pub(super) fn to_suggestion(change: &Change) -> SuggestedChange {
    let profile_set = |key: &str, value: Value| -> Option<SuggestedChange> {
        let path = key_path(key).ok()?;
        let (profile, rest) = match path.as_slice() {
            [p, name, rest @ ..] if p == "profile" => (name.clone(), rest),
            _ => return None,
        };
        let (package, build_override, leaf) = setting_in(rest)?;
        Some(SuggestedChange::ProfileSet {
            profile,
            package: package.map(str::to_owned),
            build_override,
            key: leaf.to_owned(),
            value,
        })
    };
    match change {
        Change::Config { key, value } => {
            let json = text_to_json(value).unwrap_or(Value::Null);
            profile_set(key, json.clone()).unwrap_or_else(|| SuggestedChange::ConfigSet {
                key: key.clone(),
                value: json,
            })
        }
        Change::Unset { key } => {
            profile_set(key, Value::Null).unwrap_or_else(|| SuggestedChange::ConfigSet {
                key: key.clone(),
                value: Value::Null,
            })
        }
        Change::Env { var, value } => SuggestedChange::Env {
            var: var.clone(),
            value: value.clone(),
        },
        Change::Rustflags(flags) => SuggestedChange::ConfigSet {
            key: "build.rustflags".to_owned(),
            value: Value::from(flags.clone()),
        },
        Change::Linker(l) => SuggestedChange::UseLinker {
            linker: l.as_str().to_owned(),
        },
        // Which compiler builds is not a setting of the workspace a record could carry.
        Change::Toolchain(t) => SuggestedChange::Manual {
            text: format!("build with rustup's `{t}` toolchain"),
        },
        Change::HintMostlyUnused(package) => SuggestedChange::HintMostlyUnused {
            package: package.clone(),
        },
        Change::DylibFacade(package) => SuggestedChange::DylibFacade {
            package: package.clone(),
        },
        Change::TargetCache(layout) => SuggestedChange::CiCache {
            layer: layout.layer().to_owned(),
        },
        Change::Centralize {
            name,
            requirement,
            source,
        } => SuggestedChange::CentralizeDependency {
            name: name.clone(),
            requirement: requirement.clone(),
            source: source.clone(),
        },
        Change::RemoveWorkspaceDependency { name } => {
            SuggestedChange::RemoveWorkspaceDependency { name: name.clone() }
        }
        Change::CargoUpdate { spec, precise } => SuggestedChange::CargoUpdate {
            spec: spec.clone(),
            precise: precise.clone(),
        },
    }
}

/// The changes of `finding` that `try` can measure, each once.
fn measurable_of(finding: &Finding, into: &mut Vec<Change>) {
    for suggestion in &finding.suggestions {
        if let Ok(change) = Change::from_suggestion(&suggestion.change)
            && change.measurable()
            && !into.contains(&change)
        {
            into.push(change);
        }
    }
}

/// Whether `cargo tune try` can measure this suggestion.
pub fn is_measurable(suggestion: &SuggestedChange) -> bool {
    Change::from_suggestion(suggestion).is_ok_and(|c| c.measurable())
}

/// Every change `try` can measure among the suggestions of the finding with this `id`.
pub fn from_finding_id(id: &str, findings: &[Finding]) -> Result<Vec<Change>, ChangeError> {
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
    let mut changes = Vec::new();
    measurable_of(finding, &mut changes);
    if changes.is_empty() {
        Err(ChangeError::NotExpressible { code: finding.code })
    } else {
        Ok(changes)
    }
}

/// Every change `try` can measure among the suggestions of findings with `code`.
pub fn from_findings(code: FindingCode, findings: &[Finding]) -> Result<Vec<Change>, ChangeError> {
    let mut changes = Vec::new();
    for finding in findings.iter().filter(|f| f.code == code) {
        measurable_of(finding, &mut changes);
    }
    if changes.is_empty() {
        Err(ChangeError::NotExpressible { code })
    } else {
        Ok(changes)
    }
}
