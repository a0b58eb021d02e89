//! `compiled-twice`: one version of a package whose library cargo compiles more than once in a
//! build, read from cargo's own unit graph, with the reason found by diffing the units.
//!
//! Cargo compiles a library once per distinct unit: package, features, profile, platform and
//! the units it depends on. Two units of one library therefore differ in at least one of those,
//! and the difference names the fix:
//! - **sources**: the same version from two sources (a path crate and its registry copy);
//! - **features**: build scripts and proc-macros (the host) ask for other features than the
//!   target, or a dev-dependency adds one when tests are built;
//! - **profile**: `build-override` settings (the host copy), `panic = "abort"` (tests are always
//!   built to unwind), per-package overrides;
//! - **dependencies**: nothing differs but a dependency that is itself compiled twice.
//!
//! When the unit graph cannot be read, the resolve-based model in [`super::duplicates`] answers
//! instead, and says so.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cargo_tune_schema::{Finding, FindingCode, SuggestedChange, Suggestion};
use serde_json::{Value, json};

use super::{AnalysisCtx, FindingSink};
use crate::cargo::metadata::{Metadata, Package};
use crate::cargo::unit_graph::{Unit, UnitGraph, UnitGraphCommand, UnitGraphs};
use crate::workspace::relative_path;

/// Runs this analysis when the unit graphs were read.
pub fn run(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    if let UnitGraphs::Read(graphs) = &ctx.model.unit_graphs {
        for finding in
            fold_build_override_splits(analyse(graphs, &ctx.model.metadata, &ctx.model.root))
        {
            sink.push(finding);
        }
    }
}

/// The profile whose `build-override` every suggestion of `finding` sets: a package compiled
/// twice only because build scripts and proc-macros are built with other settings than the
/// target (cargo's deliberate split: `opt-level = 0` and no debug info for them).
fn build_override_profile(finding: &Finding) -> Option<String> {
    let mut profile = None;
    for suggestion in &finding.suggestions {
        match &suggestion.change {
            SuggestedChange::ProfileSet {
                profile: p,
                build_override: true,
                ..
            } if profile.as_ref().is_none_or(|q| q == p) => profile = Some(p.clone()),
            _ => return None,
        }
    }
    profile
}

/// Packages compiled twice by one profile's build-override split are one finding, not one per
/// package: one lever, whose effect on the build is measured before it is pulled (building the
/// host side like the target often makes a release build slower, not faster).
fn fold_build_override_splits(findings: Vec<Finding>) -> Vec<Finding> {
    let mut split: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let mut out = Vec::new();
    for finding in findings {
        match build_override_profile(&finding) {
            Some(profile) => split.entry(profile).or_default().push(finding),
            None => out.push(finding),
        }
    }
    for (profile, findings) in split {
        let packages: Vec<&str> = findings.iter().map(|f| f.subject.as_str()).collect();
        let shown = if packages.len() > 4 {
            format!(
                "{}, and {} more",
                packages[..3].join(", "),
                packages.len() - 3
            )
        } else {
            packages.join(", ")
        };
        let mut finding = Finding::new(
            FindingCode::BuildOverrideSplit,
            profile.clone(),
            format!(
                "[profile.{profile}] builds build scripts and proc-macros with other settings than the target, so {} used on both sides {} compiled twice: {shown}",
                crate::text::count(packages.len(), "package"),
                if packages.len() == 1 { "is" } else { "are" }
            ),
        )
        .with_evidence(json!({
            "packages": packages,
            "compiled_twice": findings
                .iter()
                .map(|f| json!({ "subject": f.subject, "message": f.message, "evidence": f.evidence }))
                .collect::<Vec<_>>(),
            "note": "cargo builds build scripts and proc-macros unoptimised and without debug info on purpose: they run once, and optimising them costs more than it saves; sharing one build can still win when many packages are used on both sides, so measure it",
        }));
        let mut changes: Vec<&Suggestion> = Vec::new();
        for suggestion in findings.iter().flat_map(|f| &f.suggestions) {
            if !changes.iter().any(|c| c.change == suggestion.change) {
                changes.push(suggestion);
            }
        }
        for suggestion in changes {
            let summary = suggestion
                .summary
                .split_once(": ")
                .filter(|(head, _)| head.starts_with("for "))
                .map_or(suggestion.summary.as_str(), |(_, rest)| rest);
            let summary = summary.split_once(" so ").map_or(summary, |(head, _)| head);
            finding = finding.with_suggestion(Suggestion::new(
                format!("{summary}, only if `cargo tune try build-override-split:{profile}` measures the build faster"),
                suggestion.change.clone(),
            ));
        }
        out.push(finding);
    }
    out
}

/// `name@version`: the subject of a finding, and a package id spec cargo accepts.
pub fn subject(name: &str, version: &str) -> String {
    format!("{name}@{version}")
}

/// The library units of each package version in one graph, for the versions with several.
pub fn libraries_compiled_twice(
    graph: &UnitGraph,
    metadata: &Metadata,
) -> BTreeMap<String, Vec<usize>> {
    let packages = PackageIndex::new(metadata);
    let mut by_subject: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, unit) in graph.units.iter().enumerate() {
        if unit.is_library_build() {
            let (name, version) = packages.name_version(&unit.pkg_id);
            by_subject
                .entry(subject(&name, &version))
                .or_default()
                .push(i);
        }
    }
    by_subject.retain(|_, units| units.len() > 1);
    by_subject
}

struct PackageIndex<'m> {
    by_id: HashMap<&'m str, &'m Package>,
}

impl<'m> PackageIndex<'m> {
    fn new(metadata: &'m Metadata) -> Self {
        PackageIndex {
            by_id: metadata
                .packages
                .iter()
                .map(|p| (p.id.repr.as_str(), p))
                .collect(),
        }
    }

    fn get(&self, id: &str) -> Option<&'m Package> {
        self.by_id.get(id).copied()
    }

    /// Name and version of a package id; ids of packages `cargo metadata` did not list are
    /// read from the id itself (`…/dir#name@1.0.0` or `…/name#1.0.0`).
    fn name_version(&self, id: &str) -> (String, String) {
        if let Some(p) = self.get(id) {
            return (p.name.clone(), p.version.to_string());
        }
        let (name, version) =
            crate::cargo::unit_graph::package_name_version(id).unwrap_or(("", id));
        (name.to_owned(), version.to_owned())
    }

    fn label(&self, unit: &Unit) -> String {
        let (name, version) = self.name_version(&unit.pkg_id);
        let what = if unit.mode == "build" {
            if unit.is_build_script() {
                " (build script)".to_owned()
            } else if unit.target.kind.iter().any(|k| k == "bin") {
                format!(" (bin {})", unit.target.name)
            } else {
                String::new()
            }
        } else {
            format!(" ({} {})", unit.mode, unit.target.name)
        };
        format!("{name} {version}{what}")
    }
}

/// Why two units of one library differ.
#[derive(Clone, Debug, Default, PartialEq)]
struct Diff {
    sources: bool,
    /// Profile fields that differ, with both values.
    profile: BTreeMap<String, (Value, Value)>,
    features: bool,
    /// Names of dependencies whose units differ.
    dependencies: BTreeSet<String>,
    platform: bool,
}

impl Diff {
    fn of(a: &Unit, b: &Unit) -> Diff {
        let mut profile = BTreeMap::new();
        let keys: BTreeSet<&String> = a.profile.keys().chain(b.profile.keys()).collect();
        for key in keys {
            let (x, y) = (
                a.profile.get(key).cloned().unwrap_or(Value::Null),
                b.profile.get(key).cloned().unwrap_or(Value::Null),
            );
            if x != y {
                profile.insert(key.clone(), (x, y));
            }
        }
        let deps = |u: &Unit| -> BTreeSet<(String, usize)> {
            u.dependencies
                .iter()
                .map(|d| (d.extern_crate_name.clone(), d.index))
                .collect()
        };
        let (da, db) = (deps(a), deps(b));
        let dependencies = da
            .symmetric_difference(&db)
            .map(|(name, _)| name.clone())
            .collect();
        Diff {
            sources: a.pkg_id != b.pkg_id,
            profile,
            features: a.features != b.features,
            dependencies,
            platform: a.platform != b.platform,
        }
    }
}

/// The reason reported first: the one whose fix makes the units one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    Sources,
    Features,
    Profile,
    Platform,
    Dependencies,
    Unknown,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Sources => "sources",
            Reason::Features => "features",
            Reason::Profile => "profile",
            Reason::Platform => "platform",
            Reason::Dependencies => "dependencies",
            Reason::Unknown => "unknown",
        }
    }
}

/// The settings that differ and cause the split. A host unit that is not shared with a target
/// unit drops its debuginfo (cargo defers the build-override's debuginfo and keeps the target's
/// only for units it can share), so a debuginfo difference next to another difference is a
/// consequence, not a cause.
fn causing_profile_fields(diff: &Diff) -> Vec<String> {
    let other_cause = diff.sources || diff.features || !diff.dependencies.is_empty();
    diff.profile
        .keys()
        .filter(|k| !(other_cause && k.as_str() == "debuginfo"))
        // The profile's name follows from the command and the target, never alone.
        .filter(|k| k.as_str() != "name")
        .cloned()
        .collect()
}

fn primary_reason(diff: &Diff) -> Reason {
    if diff.sources {
        Reason::Sources
    } else if diff.features {
        Reason::Features
    } else if !causing_profile_fields(diff).is_empty() {
        Reason::Profile
    } else if diff.platform {
        Reason::Platform
    } else if !diff.dependencies.is_empty() {
        Reason::Dependencies
    } else {
        Reason::Unknown
    }
}

/// One package version compiled twice in one command.
struct Occurrence<'g> {
    command: UnitGraphCommand,
    view: &'g GraphView<'g>,
    units: Vec<usize>,
}

/// A graph with what every finding asks of it, computed once.
struct GraphView<'g> {
    graph: &'g UnitGraph,
    host: Vec<bool>,
    target: Vec<bool>,
    dependents: Vec<Vec<usize>>,
}

impl GraphView<'_> {
    fn side(&self, i: usize) -> &'static str {
        match (self.target[i], self.host[i]) {
            (true, true) => "both",
            (false, true) => "host",
            _ => "target",
        }
    }
}

fn analyse(
    graphs: &[(UnitGraphCommand, UnitGraph)],
    metadata: &Metadata,
    root: &std::path::Path,
) -> Vec<Finding> {
    let packages = PackageIndex::new(metadata);
    let views: Vec<GraphView<'_>> = graphs
        .iter()
        .map(|(_, graph)| GraphView {
            graph,
            host: graph.host_side(),
            target: graph.target_side(),
            dependents: graph.dependents(),
        })
        .collect();
    let mut found: BTreeMap<String, Vec<Occurrence<'_>>> = BTreeMap::new();
    for ((command, graph), view) in graphs.iter().zip(&views) {
        let mut ids = Vec::new();
        for (subject, mut units) in libraries_compiled_twice(graph, metadata) {
            // Cargo's unit order is not stable from run to run; reports are. What the units
            // are orders them; the units that are alike in all that differ below, and only
            // those are ordered by what they depend on.
            let shallow = |i: usize| {
                let unit = &graph.units[i];
                (
                    match view.side(i) {
                        "target" => 0,
                        "both" => 1,
                        _ => 2,
                    },
                    unit.pkg_id.clone(),
                    unit.features.clone(),
                    serde_json::to_string(&unit.profile).unwrap_or_default(),
                )
            };
            let mut keyed: Vec<_> = units.iter().map(|&i| (shallow(i), i)).collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            if keyed.windows(2).any(|w| w[0].0 == w[1].0) {
                graph.identities_of(&units, &mut ids);
                keyed.sort_by(|a, b| a.0.cmp(&b.0).then(ids[a.1].cmp(&ids[b.1])));
            }
            units = keyed.into_iter().map(|(_, i)| i).collect();
            found.entry(subject).or_default().push(Occurrence {
                command: *command,
                view,
                units,
            });
        }
    }
    // Direct causes first, so that a split caused by a dependency can carry the fix of the
    // dependency.
    let mut direct: BTreeMap<String, Vec<Suggestion>> = BTreeMap::new();
    let mut belows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pending: Vec<(String, Finding, BTreeSet<String>)> = Vec::new();
    for (subject, occurrences) in &found {
        let (finding, below) = finding_for(subject, occurrences, &packages, root);
        direct.insert(subject.clone(), finding.suggestions.clone());
        belows.insert(subject.clone(), below.clone());
        pending.push((subject.clone(), finding, below));
    }
    pending
        .into_iter()
        .map(|(_, mut finding, below)| {
            if finding.suggestions.is_empty() {
                let mut seen = BTreeSet::new();
                let mut stack: Vec<String> = below.into_iter().collect();
                while let Some(s) = stack.pop() {
                    if !seen.insert(s.clone()) {
                        continue;
                    }
                    let own = direct.get(&s).map_or(&[][..], Vec::as_slice);
                    if own.is_empty() {
                        // Split only by its own dependencies: the cause is further down.
                        stack.extend(belows.get(&s).into_iter().flatten().cloned());
                    }
                    for suggestion in own {
                        let suggestion = Suggestion::new(
                            format!("for {s}: {}", suggestion.summary),
                            suggestion.change.clone(),
                        );
                        if !finding.suggestions.contains(&suggestion) {
                            finding.suggestions.push(suggestion);
                        }
                    }
                }
            }
            finding
        })
        .collect()
}

/// The finding for one package version, and the subjects of the dependencies compiled twice
/// below it.
fn finding_for(
    subject: &str,
    occurrences: &[Occurrence<'_>],
    packages: &PackageIndex<'_>,
    root: &std::path::Path,
) -> (Finding, BTreeSet<String>) {
    let first = &occurrences[0];
    let view = first.view;
    let graph = view.graph;
    let dependents = &view.dependents;
    let side = |i: usize| view.side(i);
    let base = first.units[0];
    let diffs: Vec<Diff> = first.units[1..]
        .iter()
        .map(|&i| Diff::of(&graph.units[base], &graph.units[i]))
        .collect();
    let reason = diffs
        .iter()
        .map(primary_reason)
        .min_by_key(|r| *r as u8)
        .unwrap_or(Reason::Unknown);
    let mut reasons: BTreeSet<&str> = BTreeSet::new();
    let mut profile_fields: BTreeSet<String> = BTreeSet::new();
    let mut dep_names: BTreeSet<String> = BTreeSet::new();
    for d in &diffs {
        if d.sources {
            reasons.insert("sources");
        }
        if d.features {
            reasons.insert("features");
        }
        let causing = causing_profile_fields(d);
        if !causing.is_empty() {
            reasons.insert("profile");
        }
        profile_fields.extend(causing);
        if d.platform {
            reasons.insert("platform");
        }
        if !d.dependencies.is_empty() {
            reasons.insert("dependencies");
        }
        dep_names.extend(d.dependencies.iter().cloned());
    }
    // Dependencies of this package whose units differ, as subjects.
    let mut below = BTreeSet::new();
    for &u in &first.units {
        for dep in &graph.units[u].dependencies {
            if dep_names.contains(&dep.extern_crate_name) {
                let (name, version) = packages.name_version(&graph.units[dep.index].pkg_id);
                below.insert(self::subject(&name, &version));
            }
        }
    }
    let unit_evidence = |i: usize| {
        let unit = &graph.units[i];
        let mut who: Vec<String> = dependents[i]
            .iter()
            .map(|&d| packages.label(&graph.units[d]))
            .collect();
        who.sort();
        who.dedup();
        let profile: serde_json::Map<String, Value> = unit
            .profile
            .iter()
            .filter(|(k, _)| {
                diffs.iter().any(|d| d.profile.contains_key(*k)) || k.as_str() == "name"
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        json!({
            "pkg_id": unit.pkg_id,
            "side": side(i),
            "features": unit.features,
            "profile": profile,
            "platform": unit.platform,
            "dependents": who,
        })
    };
    let units: Vec<Value> = first.units.iter().map(|&i| unit_evidence(i)).collect();
    let commands: Vec<Value> = occurrences
        .iter()
        .map(|o| json!({"command": o.command.display(), "units": o.units.len()}))
        .collect();
    let (name, version) = subject.split_once('@').unwrap_or((subject, ""));
    let units_ref: Vec<&Unit> = first.units.iter().map(|&i| &graph.units[i]).collect();
    let sides: Vec<&str> = first.units.iter().map(|&i| side(i)).collect();
    let why = explain(reason, &units_ref, &sides, &profile_fields, &below);
    let message = format!(
        "{name} {version} is compiled {} times by `{}`: {why}",
        first.units.len(),
        first.command.display()
    );
    let mut finding =
        Finding::new(FindingCode::CompiledTwice, subject, message).with_evidence(json!({
            "source": "unit-graph",
            "reason": reason.as_str(),
            "reasons": reasons,
            "profile_fields": profile_fields,
            "dependencies_compiled_twice": below,
            "commands": commands,
            "units": units,
        }));
    for suggestion in suggestions(reason, &units_ref, &sides, &profile_fields, packages, root) {
        finding = finding.with_suggestion(suggestion);
    }
    (finding, below)
}

fn listed(features: &[String]) -> String {
    if features.is_empty() {
        "none".to_owned()
    } else {
        features.join(", ")
    }
}

fn explain(
    reason: Reason,
    units: &[&Unit],
    sides: &[&str],
    profile_fields: &BTreeSet<String>,
    below: &BTreeSet<String>,
) -> String {
    match reason {
        Reason::Sources => {
            let ids: Vec<&str> = units.iter().map(|u| u.pkg_id.as_str()).collect();
            format!("the same version comes from two sources ({})", ids.join(", "))
        }
        Reason::Features => {
            let sets: Vec<String> = units
                .iter()
                .zip(sides)
                .map(|(u, side)| format!("{side}: {}", listed(&u.features)))
                .collect();
            format!("features differ ({})", sets.join("; "))
        }
        Reason::Profile => {
            let fields: Vec<String> = profile_fields
                .iter()
                .map(|f| {
                    let values: Vec<String> = units
                        .iter()
                        .zip(sides)
                        .map(|(u, side)| {
                            format!(
                                "{side} {}",
                                u.profile.get(f).map_or("-".to_owned(), Value::to_string)
                            )
                        })
                        .collect();
                    format!("{f} ({})", values.join(", "))
                })
                .collect();
            format!("the profile differs: {}", fields.join("; "))
        }
        Reason::Platform => "it is built for two platforms".to_owned(),
        Reason::Dependencies => {
            let list: Vec<&str> = below.iter().map(String::as_str).collect();
            let verb = if list.len() == 1 { "is" } else { "are" };
            format!(
                "nothing differs but its dependencies: {} {verb} compiled twice as well",
                list.join(" and ")
            )
        }
        Reason::Unknown => {
            "the units differ in something the unit graph does not show (rustflags or artifact dependencies)".to_owned()
        }
    }
}

/// The profile key for a unit-graph profile field, when the field is one a profile sets.
fn profile_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "opt_level" => "opt-level",
        "debuginfo" => "debug",
        "debug_assertions" => "debug-assertions",
        "overflow_checks" => "overflow-checks",
        "codegen_units" => "codegen-units",
        "incremental" => "incremental",
        "split_debuginfo" => "split-debuginfo",
        "strip" => "strip",
        _ => return None,
    })
}

/// A unit-graph profile value as the TOML value a profile takes, when it has a plain form.
fn profile_value(field: &str, value: &Value) -> Option<Value> {
    match (field, value) {
        ("opt_level", Value::String(s)) => Some(match s.parse::<u64>() {
            Ok(n) => json!(n),
            Err(_) => json!(s),
        }),
        ("debuginfo", Value::Number(n)) => Some(json!(n)),
        ("debuginfo" | "split_debuginfo", Value::String(s)) => Some(json!(s)),
        ("codegen_units", Value::Number(_)) | (_, Value::Bool(_)) => Some(value.clone()),
        _ => None,
    }
}

fn suggestions(
    reason: Reason,
    units: &[&Unit],
    sides: &[&str],
    profile_fields: &BTreeSet<String>,
    packages: &PackageIndex<'_>,
    root: &std::path::Path,
) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let profile_name = units
        .iter()
        .find_map(|u| u.profile.get("name").and_then(Value::as_str))
        .unwrap_or("dev")
        .to_owned();
    // `test` and `bench` inherit from dev and release; the setting lives there.
    let base_profile = match profile_name.as_str() {
        "test" => "dev".to_owned(),
        "bench" => "release".to_owned(),
        other => other.to_owned(),
    };
    match reason {
        Reason::Sources => {
            let path_pkg = units
                .iter()
                .filter_map(|u| packages.get(&u.pkg_id))
                .find(|p| p.source.is_none());
            let registry = units
                .iter()
                .filter_map(|u| packages.get(&u.pkg_id))
                .find(|p| p.source.as_ref().is_some_and(|s| s.is_crates_io()));
            if let (Some(local), Some(_)) = (path_pkg, registry) {
                let dir = local
                    .manifest_path
                    .parent()
                    .map(|d| relative_path(d, root))
                    .unwrap_or_default();
                // Manual: a patch changes `Cargo.lock`, which `apply` verifies unchanged and
                // which a `try` build would rewrite in place.
                out.push(Suggestion::new(format!(
                        "patch crates.io's {name} with the workspace's copy ({dir}), so every dependent builds one",
                        name = local.name
                    ), SuggestedChange::Manual {
                        text: format!(
                            "add `[patch.crates-io] {name} = {{ path = \"{dir}\" }}` to the root Cargo.toml (or .cargo/config.toml), then run `cargo update --workspace` to move Cargo.lock to the patched copy",
                            name = local.name
                        ),
                    }));
            }
        }
        Reason::Features => {
            let host = units.iter().zip(sides).find(|(_, s)| **s == "host");
            let target = units.iter().zip(sides).find(|(_, s)| **s != "host");
            let names = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            let (summary, text) = match (host, target) {
                (Some((h, _)), Some((t, _))) => {
                    let missing_target: Vec<&String> = h
                        .features
                        .iter()
                        .filter(|f| !t.features.contains(f))
                        .collect();
                    let missing_host: Vec<&String> = t
                        .features
                        .iter()
                        .filter(|f| !h.features.contains(f))
                        .collect();
                    let summary = if missing_target.is_empty() {
                        format!(
                            "enable [{}] for build scripts and proc-macros too, or drop it from the target",
                            names(&missing_host)
                        )
                    } else if missing_host.is_empty() {
                        format!(
                            "enable [{}] for the target too, or drop it from build scripts and proc-macros",
                            names(&missing_target)
                        )
                    } else {
                        "enable the same features for the target and for build scripts and proc-macros".to_owned()
                    };
                    let text = format!(
                        "enable the same features on both sides: the target copy lacks [{}], the host copy (build scripts and proc-macros) lacks [{}]; add them to the dependency declaration of a member on that side (`[dependencies]` for the target, `[build-dependencies]` or a proc-macro's `[dependencies]` for the host)",
                        names(&missing_target),
                        names(&missing_host)
                    );
                    (summary, text)
                }
                _ => {
                    let sets: Vec<String> = units
                        .iter()
                        .map(|u| format!("[{}]", u.features.join(", ")))
                        .collect();
                    let sets = sets.join(" and ");
                    (
                        format!("enable the same features everywhere it is used (now {sets})"),
                        format!(
                            "enable the same features everywhere this package is used (now {sets}); a dev-dependency that adds features splits the library whenever tests are built"
                        ),
                    )
                }
            };
            out.push(Suggestion::new(summary, SuggestedChange::Manual { text }));
        }
        Reason::Profile => {
            for field in profile_fields {
                if field == "panic" {
                    let abort_profile = units
                        .iter()
                        .find(|u| u.profile.get("panic").and_then(Value::as_str) == Some("abort"))
                        .and_then(|u| u.profile.get("name").and_then(Value::as_str))
                        .unwrap_or(&base_profile)
                        .to_owned();
                    out.push(Suggestion {
                        direction: None,
                        summary: format!(
                            "set [profile.{abort_profile}] panic = \"unwind\" (cargo's default): tests always unwind, so with \"abort\" every dependency is compiled once for each"
                        ),
                        // The default written out rather than the key removed, so that `try`
                        // can measure it as a `--config` override too.
                        change: SuggestedChange::ProfileSet {
                            profile: abort_profile,
                            package: None,
                            build_override: false,
                            key: "panic".to_owned(),
                            value: json!("unwind"),
                        },
                    });
                    continue;
                }
                let host = units.iter().zip(sides).find(|(_, s)| **s == "host");
                let target = units.iter().zip(sides).find(|(_, s)| **s != "host");
                if let (Some(_), Some((t, _)), Some(key)) = (host, target, profile_key(field))
                    && let Some(value) = t.profile.get(field).and_then(|v| profile_value(field, v))
                {
                    out.push(Suggestion::new(format!(
                            "set [profile.{base_profile}.build-override] {key} = {value} so build scripts and proc-macros share the target's build"
                        ), SuggestedChange::ProfileSet {
                            profile: base_profile.clone(),
                            package: None,
                            build_override: true,
                            key: key.to_owned(),
                            value,
                        }));
                }
            }
        }
        Reason::Platform | Reason::Dependencies | Reason::Unknown => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(features: &[&str], profile: &Value, deps: &[(&str, usize)]) -> Unit {
        serde_json::from_value(json!({
            "pkg_id": "path+file:///w/leaf#0.1.0",
            "target": {"kind": ["lib"], "name": "leaf"},
            "profile": profile,
            "mode": "build",
            "features": features,
            "dependencies": deps.iter().map(|(n, i)| json!({"index": i, "extern_crate_name": n})).collect::<Vec<_>>(),
        }))
        .unwrap()
    }

    #[test]
    fn features_come_before_the_debuginfo_they_cause() {
        let a = unit(&[], &json!({"name": "dev", "debuginfo": 0}), &[]);
        let b = unit(&["std"], &json!({"name": "dev", "debuginfo": 2}), &[]);
        let d = Diff::of(&a, &b);
        assert_eq!(primary_reason(&d), Reason::Features);
        assert!(causing_profile_fields(&d).is_empty());
    }

    #[test]
    fn a_profile_field_alone_is_the_cause() {
        let a = unit(&[], &json!({"name": "dev", "panic": "abort"}), &[("x", 1)]);
        let b = unit(
            &[],
            &json!({"name": "test", "panic": "unwind"}),
            &[("x", 2)],
        );
        let d = Diff::of(&a, &b);
        assert_eq!(primary_reason(&d), Reason::Profile);
        assert_eq!(causing_profile_fields(&d), ["panic"]);
        assert_eq!(d.dependencies, BTreeSet::from(["x".to_owned()]));
    }

    #[test]
    fn only_dependencies_differ() {
        let a = unit(&[], &json!({"name": "dev"}), &[("x", 1)]);
        let b = unit(&[], &json!({"name": "dev"}), &[("x", 2)]);
        assert_eq!(primary_reason(&Diff::of(&a, &b)), Reason::Dependencies);
        assert_eq!(primary_reason(&Diff::of(&a, &a)), Reason::Unknown);
    }

    /// A library unit of the path package `name` in the dev profile, depending on `deps`.
    fn path_lib(name: &str, features: &[&str], deps: &[usize]) -> Value {
        json!({
            "pkg_id": format!("path+file:///w/{name}#0.1.0"),
            "target": {"kind": ["lib"], "name": name},
            "profile": {"name": "dev"},
            "mode": "build",
            "features": features,
            "dependencies": deps.iter().map(|i| json!({"index": i, "extern_crate_name": "x"})).collect::<Vec<_>>(),
        })
    }

    /// Metadata of a workspace at `/w` that names no package.
    fn no_packages() -> Metadata {
        serde_json::from_value(json!({
            "packages": [], "workspace_members": [], "workspace_root": "/w",
            "target_directory": "/w/target",
        }))
        .unwrap()
    }

    #[test]
    fn a_split_inherited_through_two_levels_carries_the_fix_from_the_bottom() {
        // a -> b -> c for the target and, under the proc-macro pm, for the host; only c's
        // features differ.
        let mut pm = path_lib("pm", &[], &[1]);
        pm["target"]["kind"] = json!(["proc-macro"]);
        let text = json!({"version": 1, "roots": [0, 6], "units": [
            path_lib("a", &[], &[2]), path_lib("a", &[], &[3]),
            path_lib("b", &[], &[4]), path_lib("b", &[], &[5]),
            path_lib("c", &["std"], &[]), path_lib("c", &[], &[]),
            pm,
        ]})
        .to_string();
        let graph = UnitGraph::parse(&text, "cargo build").unwrap();
        let metadata = no_packages();
        let findings = analyse(
            &[(UnitGraphCommand::Build, graph)],
            &metadata,
            std::path::Path::new("/w"),
        );
        let by: BTreeMap<&str, &Finding> =
            findings.iter().map(|f| (f.subject.as_str(), f)).collect();
        assert_eq!(
            by.keys().copied().collect::<Vec<_>>(),
            ["a@0.1.0", "b@0.1.0", "c@0.1.0"]
        );
        assert_eq!(by["c@0.1.0"].evidence["reason"], "features");
        assert_eq!(by["a@0.1.0"].evidence["reason"], "dependencies");
        for s in ["a@0.1.0", "b@0.1.0"] {
            let summary = &by[s].suggestions[0].summary;
            assert!(
                summary.starts_with("for c@0.1.0: enable [std]"),
                "{s}: {summary}"
            );
        }
    }

    #[test]
    fn the_evidence_does_not_follow_the_order_cargo_lists_units_in() {
        // a's two units differ only two levels down (c's features): nothing of a itself orders
        // them, and cargo lists units in another order from run to run.
        // Two roots, one above each of a's units, so that the evidence tells the units apart.
        let units = [
            path_lib("r", &[], &[2]),
            path_lib("s", &[], &[3]),
            path_lib("a", &[], &[4]),
            path_lib("a", &[], &[5]),
            path_lib("b", &[], &[6]),
            path_lib("b", &[], &[7]),
            path_lib("c", &["std"], &[]),
            path_lib("c", &[], &[]),
        ];
        let metadata = no_packages();
        let evidence = |order: &[usize]| {
            // order[new] = old; edges are renumbered to the new positions.
            let new_of = |old: usize| order.iter().position(|&o| o == old).unwrap();
            let listed: Vec<Value> = order
                .iter()
                .map(|&old| {
                    let mut u = units[old].clone();
                    for d in u["dependencies"].as_array_mut().unwrap() {
                        d["index"] = json!(new_of(d["index"].as_u64().unwrap() as usize));
                    }
                    u
                })
                .collect();
            let roots = [new_of(0), new_of(1)];
            let text = json!({"version": 1, "roots": roots, "units": listed}).to_string();
            let graph = UnitGraph::parse(&text, "cargo build").unwrap();
            let findings = analyse(
                &[(UnitGraphCommand::Build, graph)],
                &metadata,
                std::path::Path::new("/w"),
            );
            findings
                .iter()
                .map(|f| (f.subject.clone(), f.evidence.clone(), f.suggestions.len()))
                .collect::<Vec<_>>()
        };
        let listed = evidence(&[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(listed.len(), 3);
        for order in [
            [0, 1, 3, 2, 5, 4, 7, 6],
            [7, 5, 3, 1, 6, 4, 2, 0],
            [1, 0, 3, 2, 4, 5, 6, 7],
        ] {
            assert_eq!(evidence(&order), listed, "units listed as {order:?}");
        }
    }

    #[test]
    fn profile_values_become_toml_values() {
        assert_eq!(profile_value("opt_level", &json!("3")), Some(json!(3)));
        assert_eq!(profile_value("opt_level", &json!("s")), Some(json!("s")));
        assert_eq!(profile_value("debuginfo", &json!(2)), Some(json!(2)));
        assert_eq!(profile_value("strip", &json!({"deferred": "None"})), None);
    }
}
