//! The feature sets worth knowing for each member: its default features, none, each feature
//! alone on top of none, all of them, and the groups the workspace declares in
//! `[workspace.metadata.tune.features]` (or a member in `[package.metadata.tune.features]`),
//! each checked against the member's features before cargo is asked anything.

use std::collections::BTreeMap;

use cargo_tune_schema::{LeftOut, SetKind, SetSpec};
use toml_edit::Item;

use crate::cargo::metadata::Package;
use crate::text::suggest::did_you_mean;
use crate::workspace::ManifestDoc;

/// The set names that are not features.
pub const DEFAULT: &str = "default";
/// `--no-default-features`.
pub const NO_DEFAULT: &str = "no-default";
/// `--all-features`.
pub const ALL: &str = "all-features";

/// A set given as flags (one of cargo hack's commands). `--no-default-features --features
/// default,x` is written `--features x`, which cargo resolves alike: one graph to ask for.
pub fn set_from_flags(
    package: &str,
    mut features: Vec<String>,
    mut no_default_features: bool,
    all_features: bool,
) -> SetSpec {
    if no_default_features && features.iter().any(|f| f == DEFAULT) {
        features.retain(|f| f != DEFAULT);
        no_default_features = false;
    }
    let mut spec = SetSpec {
        id: String::new(),
        package: package.to_owned(),
        kind: SetKind::Hack,
        features,
        no_default_features,
        all_features,
    };
    spec.id = format!("{package}:[{}]", spec.feature_args().join(" "));
    spec
}

/// A member's features, as `cargo metadata` prints them (implicit features of optional
/// dependencies included), and the names its dependencies go by.
#[derive(Clone, Debug)]
pub struct MemberFeatures {
    /// Package name.
    pub name: String,
    /// Each feature with what it enables.
    pub features: BTreeMap<String, Vec<String>>,
    /// The names `dep/feature` may use: each dependency's name, or its rename.
    pub dependencies: Vec<String>,
}

impl MemberFeatures {
    /// From a member's package.
    pub fn of(package: &Package) -> MemberFeatures {
        let mut dependencies: Vec<String> = package
            .dependencies
            .iter()
            .map(|d| d.rename.clone().unwrap_or_else(|| d.name.clone()))
            .collect();
        dependencies.sort();
        dependencies.dedup();
        MemberFeatures {
            name: package.name.clone(),
            features: package.features.parse(),
            dependencies,
        }
    }

    /// The features a set may name alone: every feature but `default`.
    pub fn named(&self) -> impl Iterator<Item = &str> {
        self.features
            .keys()
            .map(String::as_str)
            .filter(|f| *f != DEFAULT)
    }

    /// Whether `feature` only turns on the optional dependency of its name (the feature cargo
    /// makes for an optional dependency no `dep:` hides), which cargo hack leaves out.
    pub fn is_implicit(&self, feature: &str) -> bool {
        self.features
            .get(feature)
            .is_some_and(|on| on.len() == 1 && on[0] == format!("dep:{feature}"))
    }

    /// Why `feature` cannot be asked of this member, or `None` when it can: a plain name must be
    /// one of its features, `dep/feature` and `dep?/feature` must name one of its dependencies.
    pub fn check(&self, feature: &str) -> Option<String> {
        if let Some((dep, _)) = feature.split_once('/') {
            let dep = dep.trim_end_matches('?');
            if self.dependencies.iter().any(|d| d == dep) {
                return None;
            }
            return Some(format!(
                "`{feature}` names package `{dep}`, which is not a dependency of `{}`{}",
                self.name,
                did_you_mean(dep, self.dependencies.iter().map(String::as_str))
            ));
        }
        if self.features.contains_key(feature) {
            return None;
        }
        let listed: Vec<&str> = self.features.keys().map(String::as_str).collect();
        Some(format!(
            "`{}` has no feature `{feature}` ({}){}",
            self.name,
            if listed.is_empty() {
                "it declares none".to_owned()
            } else {
                format!("its features: {}", listed.join(", "))
            },
            did_you_mean(feature, listed.iter().copied())
        ))
    }
}

/// A group of features declared in a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Its name (`dev`).
    pub name: String,
    /// Its features, passed with `--no-default-features --features`.
    pub features: Vec<String>,
    /// Where it is declared: `Cargo.toml:12:1`.
    pub declared_at: String,
    /// The member it belongs to when a member's manifest declares it; `None` for the
    /// workspace's, which apply to every member that has the features they name.
    pub package: Option<String>,
}

/// The groups of `[<top>.metadata.tune.features]` in `manifest`, for `package` when the
/// manifest is a member's. A value that is not a list of strings is an error naming the key.
pub fn groups_in(
    manifest: &ManifestDoc,
    top: &str,
    package: Option<&str>,
) -> Result<Vec<Group>, String> {
    let keys = [top, "metadata", "tune", "features"];
    let mut item: &Item = manifest.doc.as_item();
    for key in keys {
        match item.get(key) {
            Some(next) => item = next,
            None => return Ok(Vec::new()),
        }
    }
    let table_path = keys.join(".");
    let at = |path: &[&str]| {
        manifest
            .location_of(path)
            .map(|l| format!("{}:{}:{}", manifest.rel_path, l.line, l.column))
            .unwrap_or_else(|| manifest.rel_path.clone())
    };
    let Some(table) = item.as_table_like() else {
        return Err(format!(
            "{}: [{table_path}] must be a table of groups, like `dev = [\"core\", \"testing\"]`",
            at(&keys)
        ));
    };
    let mut groups = Vec::new();
    for (name, value) in table.iter() {
        let mut path = keys.to_vec();
        path.push(name);
        let features: Option<Vec<String>> = value.as_array().and_then(|a| {
            a.iter()
                .map(|v| v.as_str().map(|s| s.trim().to_owned()))
                .collect()
        });
        let Some(features) = features.filter(|f| f.iter().all(|s| !s.is_empty())) else {
            return Err(format!(
                "{}: {table_path}.{name} must be a list of feature names, like `{name} = [\"core\", \"testing\"]`",
                at(&path)
            ));
        };
        groups.push(Group {
            name: name.to_owned(),
            features,
            declared_at: at(&path),
            package: package.map(str::to_owned),
        });
    }
    Ok(groups)
}

/// The members a group applies to: its own member, or every member that has what it names.
/// A group no member can take is an error that names what the closest member lacks.
pub fn members_of<'m>(
    group: &Group,
    members: &'m [MemberFeatures],
) -> Result<Vec<&'m MemberFeatures>, String> {
    let candidates: Vec<&MemberFeatures> = match &group.package {
        Some(p) => members.iter().filter(|m| &m.name == p).collect(),
        None => members.iter().collect(),
    };
    let problems = |m: &MemberFeatures| -> Vec<String> {
        group.features.iter().filter_map(|f| m.check(f)).collect()
    };
    let fitting: Vec<&MemberFeatures> = candidates
        .iter()
        .copied()
        .filter(|m| problems(m).is_empty())
        .collect();
    if !fitting.is_empty() {
        return Ok(fitting);
    }
    let closest = candidates
        .iter()
        .min_by_key(|m| problems(m).len())
        .map(|m| problems(m).join("; "))
        .unwrap_or_else(|| "no member to apply it to".to_owned());
    Err(format!(
        "{}: feature group `{}` fits no member: {closest}",
        group.declared_at, group.name
    ))
}

/// The sets of every member, capped at `cap` (standard sets and groups first, then one-feature
/// sets taken in turn from each member), with the one-feature sets the cap left out.
pub fn enumerate(
    members: &[MemberFeatures],
    groups: &[Group],
    cap: Option<usize>,
) -> Result<(Vec<SetSpec>, Vec<LeftOut>), String> {
    let mut first: Vec<SetSpec> = Vec::new();
    for m in members {
        first.push(SetSpec::new(&m.name, DEFAULT, SetKind::Default, Vec::new()));
        // Without features, the three standard sets are one build by construction.
        if !m.features.is_empty() {
            first.push(SetSpec::new(
                &m.name,
                NO_DEFAULT,
                SetKind::NoDefault,
                Vec::new(),
            ));
            first.push(SetSpec::new(&m.name, ALL, SetKind::All, Vec::new()));
        }
    }
    for group in groups {
        for m in members_of(group, members)? {
            let kind = if group.name == "dev" && group.declared_at == DEV_FEATURES_FLAG {
                SetKind::Dev
            } else {
                SetKind::Group
            };
            let name = format!("@{}", group.name);
            // A later declaration (a member's own) replaces an earlier one of the same name.
            first.retain(|s| !(s.package == m.name && s.name() == name));
            first.push(SetSpec::new(&m.name, &name, kind, group.features.clone()));
        }
    }
    let mut queues: Vec<(String, Vec<String>)> = members
        .iter()
        .map(|m| (m.name.clone(), m.named().map(str::to_owned).collect()))
        .collect();
    let mut singles: Vec<SetSpec> = Vec::new();
    let budget = cap.map(|c| c.saturating_sub(first.len()));
    let mut round = 0;
    while queues.iter().any(|(_, q)| round < q.len()) {
        for (package, queue) in &queues {
            if let Some(feature) = queue.get(round)
                && budget.is_none_or(|b| singles.len() < b)
            {
                let name = if [DEFAULT, NO_DEFAULT, ALL].contains(&feature.as_str())
                    || feature.starts_with('@')
                {
                    format!("+{feature}")
                } else {
                    feature.clone()
                };
                singles.push(SetSpec::new(
                    package,
                    &name,
                    SetKind::Feature,
                    vec![feature.clone()],
                ));
            }
        }
        round += 1;
    }
    let mut left_out = Vec::new();
    for (package, queue) in &mut queues {
        queue.retain(|f| {
            !singles
                .iter()
                .any(|s| &s.package == package && s.features == [f.clone()])
        });
        if !queue.is_empty() {
            left_out.push(LeftOut {
                package: package.clone(),
                features: std::mem::take(queue),
            });
        }
    }
    // Member by member, in the order standard, features, groups.
    let mut sets = Vec::new();
    for m in members {
        let mine = |s: &&SetSpec| s.package == m.name;
        sets.extend(
            first
                .iter()
                .filter(mine)
                .filter(|s| s.kind != SetKind::Group && s.kind != SetKind::Dev)
                .cloned(),
        );
        sets.extend(singles.iter().filter(mine).cloned());
        sets.extend(
            first
                .iter()
                .filter(mine)
                .filter(|s| s.kind == SetKind::Group || s.kind == SetKind::Dev)
                .cloned(),
        );
    }
    Ok((sets, left_out))
}

/// Where a group given with `--dev-features` is said to be declared.
pub const DEV_FEATURES_FLAG: &str = "--dev-features";

/// The set `name` names: `package:set` or, when one member has it, `set`. An unknown name is an
/// error listing the sets there are, with the closest.
pub fn find<'s>(name: &str, sets: &'s [SetSpec]) -> Result<&'s SetSpec, String> {
    if let Some(s) = sets.iter().find(|s| s.id == name) {
        return Ok(s);
    }
    let unqualified: Vec<&SetSpec> = sets.iter().filter(|s| s.name() == name).collect();
    match unqualified.as_slice() {
        [one] => return Ok(one),
        [] => {}
        many => {
            return Err(format!(
                "`{name}` is a set of several members; name one: {}",
                many.iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let ids: Vec<&str> = sets.iter().map(|s| s.id.as_str()).collect();
    let names: Vec<&str> = sets.iter().map(|s| s.name()).collect();
    let hint = match crate::text::suggest::closest(name, ids.iter().copied()) {
        Some(k) => format!("; did you mean `{k}`?"),
        None => did_you_mean(name, names.iter().copied()),
    };
    Err(format!(
        "no feature set `{name}`; the sets are: {}{hint}",
        ids.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, features: &[(&str, &[&str])], deps: &[&str]) -> MemberFeatures {
        MemberFeatures {
            name: name.to_owned(),
            features: features
                .iter()
                .map(|(f, on)| {
                    (
                        (*f).to_owned(),
                        on.iter().map(|s| (*s).to_owned()).collect(),
                    )
                })
                .collect(),
            dependencies: deps.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    fn group(name: &str, features: &[&str]) -> Group {
        Group {
            name: name.to_owned(),
            features: features.iter().map(|f| (*f).to_owned()).collect(),
            declared_at: "Cargo.toml:3:1".to_owned(),
            package: None,
        }
    }

    #[test]
    fn every_member_gets_its_standard_sets_and_each_feature_alone() {
        let members = [
            member(
                "app",
                &[
                    ("default", &["core"]),
                    ("core", &[]),
                    ("ai", &["dep:reqwest"]),
                ],
                &["reqwest"],
            ),
            member("leaf", &[], &[]),
        ];
        let (sets, left_out) = enumerate(&members, &[group("dev", &["core"])], None).unwrap();
        let ids: Vec<&str> = sets.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "app:default",
                "app:no-default",
                "app:all-features",
                "app:ai",
                "app:core",
                "app:@dev",
                "leaf:default"
            ]
        );
        assert!(left_out.is_empty());
        assert_eq!(
            sets[3].flags(),
            "-p app --no-default-features --features ai"
        );
        assert_eq!(sets[2].flags(), "-p app --all-features");
        assert_eq!(sets[0].flags(), "-p app");
        assert_eq!(sets[5].kind, SetKind::Group);
    }

    #[test]
    fn the_cap_keeps_standard_sets_and_takes_features_in_turn() {
        let features: Vec<(String, Vec<&str>)> =
            (0..5).map(|i| (format!("f{i}"), Vec::new())).collect();
        let features: Vec<(&str, &[&str])> = features
            .iter()
            .map(|(f, v)| (f.as_str(), v.as_slice()))
            .collect();
        let members = [member("a", &features, &[]), member("b", &features, &[])];
        let (sets, left_out) = enumerate(&members, &[], Some(9)).unwrap();
        assert_eq!(sets.len(), 9);
        let singles: Vec<&str> = sets
            .iter()
            .filter(|s| s.kind == SetKind::Feature)
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(singles, ["a:f0", "a:f1", "b:f0"]);
        assert_eq!(left_out[0].features, ["f2", "f3", "f4"]);
        assert_eq!(left_out[1].features, ["f1", "f2", "f3", "f4"]);
    }

    #[test]
    fn groups_name_features_and_dependencies_the_member_has() {
        let members = [member(
            "app",
            &[("core", &[]), ("testing", &[])],
            &["serde"],
        )];
        assert!(
            members_of(
                &group("dev", &["core", "serde/derive", "serde?/std"]),
                &members
            )
            .is_ok()
        );
        let typo = members_of(&group("dev", &["core", "tseting"]), &members).unwrap_err();
        assert!(typo.contains("`app` has no feature `tseting` (its features: core, testing); did you mean `testing`?"), "{typo}");
        assert!(
            typo.starts_with("Cargo.toml:3:1: feature group `dev`"),
            "{typo}"
        );
        let stranger = members_of(&group("dev", &["tokio/rt"]), &members).unwrap_err();
        assert!(
            stranger.contains("names package `tokio`, which is not a dependency of `app`"),
            "{stranger}"
        );
    }

    #[test]
    fn sets_are_found_by_id_or_by_a_name_one_member_has() {
        let members = [
            member("app", &[("core", &[])], &[]),
            member("lib", &[("core", &[]), ("x", &[])], &[]),
        ];
        let (sets, _) = enumerate(&members, &[], None).unwrap();
        assert_eq!(find("lib:x", &sets).unwrap().id, "lib:x");
        assert_eq!(find("x", &sets).unwrap().id, "lib:x");
        assert!(
            find("core", &sets)
                .unwrap_err()
                .contains("app:core, lib:core")
        );
        let typo = find("lib:cor", &sets).unwrap_err();
        assert!(typo.ends_with("did you mean `lib:core`?"), "{typo}");
    }
}
