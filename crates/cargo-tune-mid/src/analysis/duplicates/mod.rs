//! Duplicate versions: packages resolved in more than one version, who pulls each version in,
//! and how to collapse them.
//!
//! Three codes partition the duplicate versions:
//! - `duplicate-version`: several versions reachable from the members over normal, build and dev
//!   edges active for the host.
//! - `duplicate-version-other-target`: several versions only once every target's edges count.
//! - `duplicate-version-lockfile-only`: several versions in `Cargo.lock` (which resolves every
//!   feature) but not in the resolve of the current features.
//!
//! A package is its name, version and source: one version from two sources (a workspace path
//! crate and the registry's copy of it) is `duplicate-source`, with its own fix. Together with
//! `duplicate-version` it covers every name `cargo tree -d` lists.
//!
//! Finding the host's edges needs the host's feature resolution: resolver 2 resolves the
//! features of build scripts, proc-macros and their dependencies (the host) apart from the
//! target's, and `cargo metadata` unifies all features. The same resolution estimates which
//! packages a `cargo build` compiles twice; that estimate reports `compiled-twice` only when
//! cargo's own unit graph cannot be read (see [`super::compiled_twice`]).
//!
//! Split by concern: the graph and the feature resolution (`graph`), requirements and parent
//! releases from the index cache (`releases`), messages and fixes (`report`), and the
//! `compiled-twice` fallback (`fallback`).

use std::collections::{BTreeMap, BTreeSet};

use crate::cargo::metadata::Metadata;
use cargo_platform::Cfg;
use cargo_tune_schema::{Finding, FindingCode};
use semver::Version;
use serde_json::{Value, json};

use super::{AnalysisCtx, FindingSink};
use crate::cargo::unit_graph::UnitGraphs;
use crate::workspace::{Lockfile, Member, RegistryIndex};

mod fallback;
mod graph;
mod releases;
mod report;
#[cfg(test)]
mod tests;

use fallback::*;
use graph::*;
pub use releases::{ParentRelease, Requirement, requirement_on, unblocking_release};
use report::*;

/// Runs this analysis.
pub fn run(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    let model = ctx.model;
    let inputs = Inputs {
        metadata: &model.metadata,
        members: &model.members,
        lockfile: model.lockfile.as_ref(),
        index: &model.registry_index,
        host_triple: &ctx.env.rustc.host,
        host_cfg: &ctx.env.host_cfg,
        unit_graph_unavailable: match &model.unit_graphs {
            UnitGraphs::Read(_) => None,
            UnitGraphs::Unavailable { reason } => Some(reason),
        },
    };
    for finding in analyse(&inputs) {
        sink.push(finding);
    }
}

/// What the analysis reads, borrowed from the model and the environment.
struct Inputs<'a> {
    metadata: &'a Metadata,
    members: &'a [Member],
    lockfile: Option<&'a Lockfile>,
    index: &'a RegistryIndex,
    host_triple: &'a str,
    host_cfg: &'a [Cfg],
    /// Why cargo's unit graph could not be read; then this model reports `compiled-twice`.
    unit_graph_unavailable: Option<&'a str>,
}

fn analyse(inputs: &Inputs<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(graph) = Graph::new(inputs.metadata) else {
        return findings;
    };
    let host = Scope::Host {
        triple: inputs.host_triple,
        cfg: inputs.host_cfg,
    };
    let (host_reach, splits) = graph.host_reach(host);
    let all_reach = graph.all_targets_reach();
    let host_groups = host_reach.duplicate_groups(&graph);
    let all_groups = all_reach.duplicate_groups(&graph);
    let report = Reporter {
        members: inputs.members,
        graph: &graph,
        index: inputs.index,
        all_reach: &all_reach,
    };
    for (name, versions) in &host_groups {
        // One version from two sources is a question of where it comes from, not of versions.
        findings.extend(report.same_version_sources(name, versions, &host_reach));
        if distinct_versions(&graph, versions) > 1 {
            findings.push(report.finding(
                FindingCode::DuplicateVersion,
                name,
                versions,
                &host_reach,
            ));
        }
    }
    for (name, versions) in &all_groups {
        if !host_groups.contains_key(name) && distinct_versions(&graph, versions) > 1 {
            findings.push(report.finding(
                FindingCode::DuplicateVersionOtherTarget,
                name,
                versions,
                &all_reach,
            ));
        }
    }
    if let Some(reason) = inputs.unit_graph_unavailable {
        findings.extend(feature_splits(&graph, &splits, reason));
    }
    if let Some(lockfile) = inputs.lockfile {
        findings.extend(lockfile_only(lockfile, &graph));
    }
    findings
}

fn distinct_versions(graph: &Graph<'_>, ids: &[usize]) -> usize {
    let versions: BTreeSet<&Version> = ids.iter().map(|&i| &graph.packages[i].version).collect();
    versions.len()
}

fn lockfile_only(lockfile: &Lockfile, graph: &Graph<'_>) -> Vec<Finding> {
    let mut locked: BTreeMap<&str, Vec<(&str, Option<&str>)>> = BTreeMap::new();
    for p in &lockfile.packages {
        locked
            .entry(p.name.as_str())
            .or_default()
            .push((p.version.as_str(), p.source.as_deref()));
    }
    let resolved: BTreeSet<(String, String)> = graph
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.to_string()))
        .collect();
    let mut findings = Vec::new();
    for (name, mut versions) in locked {
        if versions.len() < 2 {
            continue;
        }
        versions.sort_by(|a, b| match (Version::parse(a.0), Version::parse(b.0)) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => a.0.cmp(b.0),
        });
        let unused: Vec<&str> = versions
            .iter()
            .filter(|(v, _)| !resolved.contains(&(name.to_owned(), (*v).to_owned())))
            .map(|(v, _)| *v)
            .collect();
        if unused.is_empty() {
            continue;
        }
        let evidence_versions: Vec<Value> = versions
            .iter()
            .map(|(version, source)| {
                json!({
                    "version": version,
                    "source": source,
                    "in_resolve": resolved.contains(&(name.to_owned(), (*version).to_owned())),
                })
            })
            .collect();
        let listed: Vec<&str> = versions.iter().map(|(v, _)| *v).collect();
        findings.push(
            Finding::new(
                FindingCode::DuplicateVersionLockfileOnly,
                name,
                format!(
                    "Cargo.lock holds {} versions of {name} ({}); the current resolve does not use {}",
                    versions.len(),
                    listed.join(", "),
                    unused.join(", ")
                ),
            )
            .with_evidence(json!({
                "versions": evidence_versions,
                "note": format!(
                    "Cargo.lock resolves every feature: {name} {} is locked for optional dependencies or features that are off, and enabling them adds a version",
                    unused.join(", ")
                ),
            })),
        );
    }
    findings
}
