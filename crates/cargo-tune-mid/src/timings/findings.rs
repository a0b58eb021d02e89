//! Which units a finding makes cargo build, and what they cost.
//!
//! A finding is costed when it names packages: its subject is a package name and its evidence
//! lists versions. The units that would go away if it were fixed are:
//! - `duplicate-version*`: the units of every version but the newest;
//! - codes about one version compiled more than once (`duplicate-feature-set`,
//!   `compiled-twice`): every copy of a unit but the longest, per version and target.

use std::collections::{BTreeMap, BTreeSet};

use cargo_tune_schema::{CostedGroup, Finding, FindingCost, MacroExpansion};

use super::BuildTimings;
use super::analysis::cost;
use super::macros::cost_of_packages;

/// The units `finding` makes cargo build that fixing it would remove; `None` when the
/// finding is not about packages.
pub fn extra_units(finding: &Finding, t: &BuildTimings) -> Option<Vec<usize>> {
    let name = finding.subject.as_str();
    let listed: Vec<&str> = finding
        .evidence
        .get("versions")
        .and_then(|v| v.as_array())
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v.get("version").and_then(|v| v.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let code = finding.code.as_str();
    if code.starts_with("duplicate-version") {
        let newest = finding.evidence.get("newest")?.as_str()?;
        // When this build does not compile the newest version (a duplicate only other targets
        // see), the version it does compile is not extra.
        if !t
            .units
            .iter()
            .any(|u| u.name == name && u.version == newest)
        {
            return Some(Vec::new());
        }
        return Some(
            t.units
                .iter()
                .filter(|u| u.name == name && u.version != newest)
                .map(|u| u.index)
                .collect(),
        );
    }
    if code == "build-override-split" {
        let mut extra = Vec::new();
        for package in finding.evidence.get("packages")?.as_array()? {
            let (name, version) = package.as_str()?.split_once('@')?;
            extra.extend(copies_beyond_the_first(t, name, &[version]));
        }
        extra.sort_unstable();
        return Some(extra);
    }
    // A heavy dependency costs its own library's build.
    if code == "heavy-dependency" {
        return Some(
            t.units
                .iter()
                .filter(|u| u.name == name && u.kind == "lib")
                .map(|u| u.index)
                .collect(),
        );
    }
    if matches!(code, "duplicate-feature-set" | "compiled-twice") {
        return Some(copies_beyond_the_first(t, name, &listed));
    }
    None
}

/// Every unit of `name` (at one of `versions`, or any) but the longest of each version and
/// target: what building one copy would remove.
fn copies_beyond_the_first(t: &BuildTimings, name: &str, versions: &[&str]) -> Vec<usize> {
    let mut copies: BTreeMap<(&str, &str), Vec<(f64, usize)>> = BTreeMap::new();
    for u in t.units.iter().filter(|u| {
        u.name == name && (versions.is_empty() || versions.contains(&u.version.as_str()))
    }) {
        copies
            .entry((u.version.as_str(), u.target.as_str()))
            .or_default()
            .push((u.duration_s, u.index));
    }
    let mut extra = Vec::new();
    for mut units in copies.into_values() {
        units.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        extra.extend(units.into_iter().skip(1).map(|(_, i)| i));
    }
    extra.sort_unstable();
    extra
}

/// Costs of every finding that names packages, most expensive on the critical path first.
/// `runs` holds every run's timings; the cost is that of `reported`, with the range over all.
pub fn cost_findings(
    findings: &[Finding],
    runs: &[BuildTimings],
    reported: usize,
    spread: Option<f64>,
) -> Vec<FindingCost> {
    let mut out = Vec::new();
    for finding in findings {
        let Some(units) = extra_units(finding, &runs[reported]) else {
            continue;
        };
        let mut c = cost(&runs[reported], &units, spread);
        if runs.len() > 1 {
            let all: Vec<f64> = runs
                .iter()
                .map(|r| {
                    let u = extra_units(finding, r).unwrap_or_default();
                    cost(r, &u, spread).critical_path_s
                })
                .collect();
            let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = all.iter().copied().fold(0.0, f64::max);
            c.critical_path_range_s = Some([lo, hi]);
        }
        out.push(FindingCost {
            id: finding.id.clone(),
            units,
            cost: c,
        });
    }
    sort_by_cost(&mut out, |f| &f.cost);
    out
}

/// Most expensive on the critical path first, then by CPU.
pub fn sort_by_cost<T>(items: &mut [T], cost: impl Fn(&T) -> &cargo_tune_schema::Cost) {
    items.sort_by(|a, b| {
        let (a, b) = (cost(a), cost(b));
        b.critical_path_s
            .total_cmp(&a.critical_path_s)
            .then(b.cpu_s.total_cmp(&a.cpu_s))
    });
}

/// Sets the cost of every finding `t` can cost, and orders the findings by severity, then by
/// cost (costed first): a costly note never comes before a warning.
pub fn attach_costs(findings: &mut [Finding], t: &BuildTimings, spread: Option<f64>) {
    for f in findings.iter_mut() {
        f.cost = extra_units(f, t).map(|units| cost(t, &units, spread));
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| by_cost(a, b)));
}

fn by_cost(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    match (&a.cost, &b.cost) {
        (Some(x), Some(y)) => y
            .critical_path_s
            .total_cmp(&x.critical_path_s)
            .then(y.cpu_s.total_cmp(&x.cpu_s)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Adds to each proc-macro stack, and to each finding about one, what expanding the stack's
/// macros costs the crates that call them.
pub fn add_expansion(
    stacks: &mut [CostedGroup],
    costs: &mut [FindingCost],
    findings: &[Finding],
    macros: &MacroExpansion,
) {
    for stack in stacks.iter_mut() {
        let package = stack.label.split(' ').next().unwrap_or_default().to_owned();
        stack.cost.expansion = cost_of_packages(macros, &BTreeSet::from([package]));
    }
    for cost in costs.iter_mut() {
        let Some(finding) = findings.iter().find(|f| f.id == cost.id) else {
            continue;
        };
        if let Some(packages) = stack_packages(finding) {
            cost.cost.expansion = cost_of_packages(macros, &packages);
        }
    }
}

/// The proc-macro packages of the stack a finding is about, from its evidence.
pub fn stack_packages(finding: &Finding) -> Option<BTreeSet<String>> {
    let list = finding.evidence.get("proc_macros")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
    )
}
