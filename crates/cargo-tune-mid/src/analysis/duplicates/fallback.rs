//! `compiled-twice` estimated from the resolve, when cargo's unit graph cannot be read.

use std::collections::{BTreeMap, BTreeSet};

use cargo_tune_schema::{Finding, FindingCode};
use serde_json::{Value, json};

use super::*;

/// `compiled-twice` as this model of cargo's resolver estimates it, for when cargo's unit graph
/// cannot be read: only host/target feature splits of a host build, labelled as estimated.
pub(super) fn feature_splits(
    graph: &Graph<'_>,
    splits: &[FeatureSplit],
    unavailable: &str,
) -> Vec<Finding> {
    let mut by_name: BTreeMap<String, Vec<&FeatureSplit>> = BTreeMap::new();
    for split in splits {
        let p = graph.packages[split.package];
        by_name
            .entry(crate::analysis::compiled_twice::subject(
                &p.name,
                &p.version.to_string(),
            ))
            .or_default()
            .push(split);
    }
    by_name
        .into_iter()
        .map(|(name, splits)| {
            let versions: Vec<Value> = splits
                .iter()
                .map(|s| {
                    json!({
                        "version": graph.packages[s.package].version.to_string(),
                        "target_features": s.target,
                        "host_features": s.host,
                        "only_target": s.target.difference(&s.host).collect::<Vec<_>>(),
                        "only_host": s.host.difference(&s.target).collect::<Vec<_>>(),
                        "because": s.because.iter().map(|&q| graph.label(q)).collect::<Vec<_>>(),
                        "target_path": s.target_path.iter().map(|&q| graph.label(q)).collect::<Vec<_>>(),
                        "host_path": s.host_path.iter().map(|&q| graph.label(q)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let first = splits[0];
            let why = if first.target != first.host {
                let listed = |set: &BTreeSet<String>| {
                    if set.is_empty() {
                        "none".to_owned()
                    } else {
                        set.iter().cloned().collect::<Vec<_>>().join(", ")
                    }
                };
                format!(
                    "features differ (target: {}; host: {})",
                    listed(&first.target),
                    listed(&first.host)
                )
            } else {
                let below: Vec<String> = first.because.iter().map(|&q| graph.label(q)).collect();
                let verb = if below.len() == 1 { "is" } else { "are" };
                format!(
                    "its dependency {} {verb} compiled twice as well",
                    below.join(" and ")
                )
            };
            let message = format!(
                "{} is compiled twice, for the target and for build scripts and proc-macros: {why} (estimated from the resolve: cargo's unit graph is unavailable: {unavailable})",
                graph.label(first.package)
            );
            Finding::new(FindingCode::CompiledTwice, name, message).with_evidence(json!({
                "source": "resolve-model",
                "unit_graph_unavailable": unavailable,
                "versions": versions,
                "note": "cargo shares one build between the target and build scripts and proc-macros only when features and dependencies agree; release builds compile build dependencies apart anyway",
            }))
        })
        .collect()
}
