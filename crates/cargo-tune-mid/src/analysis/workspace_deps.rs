//! Workspace dependencies: what should be declared once in `[workspace.dependencies]`, where
//! members disagree, and which workspace entries nobody uses.

use std::collections::BTreeMap;

use cargo_tune_schema::{Finding, FindingCode, SuggestedChange, Suggestion};
use serde_json::json;

use super::{AnalysisCtx, FindingSink};
use crate::workspace::{
    DependencyDecl, ManifestDoc, Origin, WorkspaceModel, bucket_label, canonical_req,
    compat_bucket, lower_bound, relative_path,
};

/// Which copy of a package a declaration is: its origin, and for a registry package its
/// semver-compatibility bucket (`futures = "0.1"` next to `futures = "0.3"` is a deliberate
/// second copy, not one dependency declared twice).
type Copy = (Origin, Option<(u64, u64, u64)>);

struct Use<'a> {
    member: &'a str,
    decl: &'a DependencyDecl,
}

fn copy_of(decl: &DependencyDecl) -> Copy {
    let bucket = match decl.origin {
        Origin::Registry(_) => decl.req.as_deref().and_then(compat_bucket),
        _ => None,
    };
    (decl.origin.clone(), bucket)
}

fn member_uses(model: &WorkspaceModel) -> Vec<Use<'_>> {
    let mut uses = Vec::new();
    for member in &model.members {
        for decl in member.manifest.dependencies() {
            uses.push(Use {
                member: &member.name,
                decl,
            });
        }
    }
    uses
}

/// Runs this analysis.
pub fn run(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    let model = ctx.model;
    let uses = member_uses(model);
    let ws_deps = model.root_manifest.workspace_dependencies();
    unused(&model.root_manifest, &ws_deps, &uses, sink);

    let mut groups: BTreeMap<(String, Copy), Vec<&Use<'_>>> = BTreeMap::new();
    for u in &uses {
        if u.decl.workspace {
            continue;
        }
        groups
            .entry((u.decl.package.clone(), copy_of(u.decl)))
            .or_default()
            .push(u);
    }
    // A package declared in several copies (rustls 0.20 to 0.23 under renamed keys) gets one
    // finding of each code per copy, told apart by the copy in the subject (`rustls@0.21`): one
    // id for them all would keep only the first, and each apply would surface the next.
    let mut copies: BTreeMap<&str, Vec<Copy>> = BTreeMap::new();
    // Each copy worked out once: a large workspace asks about every group.
    let ws_copies: Vec<(&str, Copy)> = ws_deps
        .iter()
        .map(|w| (w.package.as_str(), copy_of(w)))
        .collect();
    for decl in uses.iter().map(|u| u.decl).chain(&ws_deps) {
        if decl.workspace {
            continue;
        }
        let known = copies.entry(decl.package.as_str()).or_default();
        let copy = copy_of(decl);
        if !known.contains(&copy) {
            known.push(copy);
        }
    }
    for ((package, copy), inline) in &groups {
        let several = copies.get(package.as_str()).is_some_and(|c| c.len() > 1);
        let subject = if several {
            format!("{package}@{}", copy_label(copy, &model.root))
        } else {
            package.clone()
        };
        // A requirement names a registry copy; a path or git copy is named by where it is.
        let source = (several && copy.1.is_none()).then(|| copy_label(copy, &model.root));
        let members: Vec<&str> = {
            let mut m: Vec<&str> = inline.iter().map(|u| u.member).collect();
            m.dedup();
            m
        };
        let in_workspace = ws_copies
            .iter()
            .any(|(name, c)| name == package && c == copy);
        if members.len() < 2 && !in_workspace {
            continue;
        }
        not_inherited(
            package,
            &subject,
            source,
            inline,
            &members,
            in_workspace,
            sink,
        );
        requirement_mismatch(package, &subject, inline, sink);
        features_differ(package, &subject, inline, sink);
    }
}

/// The copy as people name it: the semver-compatible bucket of a registry package's
/// requirement (`0.21`), or where a path or git copy comes from.
fn copy_label(copy: &Copy, root: &std::path::Path) -> String {
    match copy {
        (_, Some(bucket)) => bucket_label(*bucket),
        (Origin::Path(path), None) => relative_path(path, root),
        (Origin::Git { url, .. }, None) => url.clone(),
        (Origin::Registry(Some(registry)), None) => registry.clone(),
        (Origin::Registry(None), None) => "*".to_owned(),
    }
}

fn describe(u: &Use<'_>) -> serde_json::Value {
    json!({
        "member": u.member,
        "key": u.decl.key,
        "table": u.decl.kind.table(),
        "platform": u.decl.platform,
        "req": u.decl.req,
        "path": u.decl.path,
        "default_features": u.decl.default_features,
        "features": u.decl.features,
        "optional": u.decl.optional,
        "location": u.decl.location,
    })
}

fn not_inherited(
    package: &str,
    subject: &str,
    source: Option<String>,
    inline: &[&Use<'_>],
    members: &[&str],
    in_workspace: bool,
    sink: &mut FindingSink,
) {
    // The lowest requirement: a workspace entry with it raises no member's lower bound (a
    // member that requires more keeps its own, see `Change::Centralize`).
    let lowest = inline
        .iter()
        .filter_map(|u| u.decl.req.as_deref())
        .min_by_key(|r| (lower_bound(r), canonical_req(r)))
        .map(str::to_owned);
    let message = if in_workspace {
        format!(
            "{package} is in [workspace.dependencies] but {} declare{} it inline",
            and_list(members),
            if members.len() == 1 { "s" } else { "" }
        )
    } else {
        format!(
            "{package} is declared inline in {} members: {}",
            members.len(),
            and_list(members)
        )
    };
    sink.push(
        Finding::new(FindingCode::WorkspaceDepNotInherited, subject, message)
            .with_evidence(json!({
                "declarations": inline.iter().map(|u| describe(u)).collect::<Vec<_>>(),
                "in_workspace_dependencies": in_workspace,
            }))
            .with_location(inline.first().map(|u| u.decl.location.clone()))
            .with_suggestion(Suggestion::new(format!("declare {package} once in [workspace.dependencies] and inherit it with `workspace = true`"), SuggestedChange::CentralizeDependency { name: package.to_owned(), requirement: lowest, source })),
    );
}

fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn requirement_mismatch(package: &str, subject: &str, inline: &[&Use<'_>], sink: &mut FindingSink) {
    let mut reqs: BTreeMap<String, Vec<&Use<'_>>> = BTreeMap::new();
    for u in inline {
        if let Some(req) = &u.decl.req {
            reqs.entry(canonical_req(req)).or_default().push(u);
        }
    }
    if reqs.len() < 2 {
        return;
    }
    let written: Vec<String> = reqs
        .values()
        .map(|us| {
            format!(
                "{} ({})",
                us[0].decl.req.as_deref().unwrap_or("*"),
                us.iter().map(|u| u.member).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    sink.push(
        Finding::new(
            FindingCode::WorkspaceDepRequirementMismatch,
            subject,
            format!(
                "members require different versions of {package}: {}",
                written.join(" vs ")
            ),
        )
        .with_evidence(
            json!({ "declarations": inline.iter().map(|u| describe(u)).collect::<Vec<_>>() }),
        )
        .with_location(inline.get(1).map(|u| u.decl.location.clone())),
    );
}

fn features_differ(package: &str, subject: &str, inline: &[&Use<'_>], sink: &mut FindingSink) {
    let shape = |u: &Use<'_>| {
        let mut f = u.decl.features.clone();
        f.sort();
        (u.decl.default_features.unwrap_or(true), f)
    };
    let first = shape(inline[0]);
    if inline.iter().all(|u| shape(u) == first) {
        return;
    }
    let no_default: Vec<&str> = inline
        .iter()
        .filter(|u| u.decl.default_features == Some(false))
        .map(|u| u.member)
        .collect();
    let note = if no_default.is_empty() {
        "centralizing keeps each member's `features`; they are added to the workspace entry's"
            .to_owned()
    } else {
        format!(
            "{} disable default features: the workspace entry must say `default-features = false` and members that want defaults must enable them, or cargo ignores (edition 2024: rejects) their setting",
            no_default.join(", ")
        )
    };
    sink.push(
        Finding::new(
            FindingCode::WorkspaceDepFeaturesDiffer,
            subject,
            format!("members enable different features of {package}"),
        )
        .with_evidence(json!({
            "declarations": inline.iter().map(|u| describe(u)).collect::<Vec<_>>(),
            "note": note,
        }))
        .with_location(inline.first().map(|u| u.decl.location.clone())),
    );
}

fn unused(
    root: &ManifestDoc,
    ws_deps: &[DependencyDecl],
    uses: &[Use<'_>],
    sink: &mut FindingSink,
) {
    let inherited: std::collections::HashSet<&str> = uses
        .iter()
        .filter(|u| u.decl.workspace)
        .map(|u| u.decl.key.as_str())
        .collect();
    for entry in ws_deps {
        if inherited.contains(entry.key.as_str()) {
            continue;
        }
        sink.push(
            Finding::new(
                FindingCode::WorkspaceDepUnused,
                entry.key.clone(),
                format!(
                    "[workspace.dependencies] declares `{}`, but no member inherits it",
                    entry.key
                ),
            )
            .with_evidence(
                json!({ "package": entry.package, "req": entry.req, "path": entry.path }),
            )
            .with_location(Some(entry.location.clone()))
            .with_suggestion(Suggestion::new(
                format!(
                    "remove `{}` from [workspace.dependencies] in {}",
                    entry.key, root.rel_path
                ),
                SuggestedChange::RemoveWorkspaceDependency {
                    name: entry.key.clone(),
                },
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_requirements_compare_equal() {
        assert_eq!(canonical_req("0.1"), canonical_req("^0.1.0"));
        assert_eq!(canonical_req("1"), canonical_req("1.0.0"));
        assert_ne!(canonical_req("=0.1.0"), canonical_req("0.1.0"));
        assert_ne!(canonical_req("1.2"), canonical_req("1.3"));
        assert!(lower_bound("1.2") > lower_bound("1"));
    }
}
