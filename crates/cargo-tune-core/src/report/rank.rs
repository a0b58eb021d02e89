//! Which findings come first: by severity, then by what they cost, and which few are the
//! largest levers, shared by every audit renderer.

use cargo_tune_schema::{AuditReport, Finding, FindingCode, Severity};

/// The levers a summary shows.
pub(crate) const LEVERS: usize = 3;

/// What a finding is worth acting on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Lever {
    /// Seconds off the critical path, and of CPU, measured.
    Cost(f64, f64),
    /// Builds (units) it touches, counted from the finding itself.
    Builds(usize),
}

impl Lever {
    /// What the lever is worth, in words: seconds only when they were measured.
    pub(crate) fn describe(self) -> String {
        match self {
            Lever::Cost(path, cpu) => format!(
                "{} off the critical path, {} CPU",
                crate::text::secs(path),
                crate::text::secs(cpu)
            ),
            Lever::Builds(n) => format!("touches {}", crate::text::count(n, "build")),
        }
    }

    /// How the levers were ranked, for the heading over them.
    pub(crate) fn ranking(self) -> &'static str {
        match self {
            Lever::Cost(..) => "by what they cost in the last `cargo tune timings`",
            Lever::Builds(_) => {
                "no timings yet: by the builds each touches; `cargo tune timings` costs them"
            }
        }
    }
}

/// The findings with the largest levers that suggest something to do, best first.
pub(crate) fn levers(report: &AuditReport) -> Vec<(&Finding, Lever)> {
    // A lever is something to do, by hand or by `apply`; a finding with no suggestion is not.
    let actionable = |f: &&Finding| !f.suggestions.is_empty();
    let costed: Vec<(&Finding, Lever)> = report
        .findings
        .iter()
        .filter(actionable)
        .filter_map(|f| {
            let c = f
                .cost
                .as_ref()
                .filter(|c| c.critical_path_s > 0.0 || c.cpu_s > 0.0)?;
            Some((f, Lever::Cost(c.critical_path_s, c.cpu_s)))
        })
        .collect();
    let mut levers = if report.findings.iter().any(|f| f.cost.is_some()) {
        costed
    } else {
        report
            .findings
            .iter()
            .filter(actionable)
            .filter_map(|f| Some((f, Lever::Builds(builds_touched(f, report)?))))
            .collect()
    };
    levers.sort_by(|a, b| match (a.1, b.1) {
        (Lever::Cost(pa, ca), Lever::Cost(pb, cb)) => pb.total_cmp(&pa).then(cb.total_cmp(&ca)),
        (Lever::Builds(x), Lever::Builds(y)) => y.cmp(&x),
        _ => std::cmp::Ordering::Equal,
    });
    levers.truncate(LEVERS);
    levers
}

/// How many builds a finding touches, read from the finding: every package for a setting of
/// the profile day-to-day builds use, each extra copy for a package compiled twice or in
/// several versions. `None` where the finding does not say.
fn builds_touched(f: &Finding, report: &AuditReport) -> Option<usize> {
    let len = |key: &str| f.evidence.get(key).and_then(|v| v.as_array()).map(Vec::len);
    match f.code {
        FindingCode::DebuginfoInDev | FindingCode::IncrementalInRelease => Some(report.packages),
        FindingCode::DuplicateVersion | FindingCode::DuplicateSource => len("versions")
            .map(|n| n.saturating_sub(1))
            .filter(|n| *n > 0),
        FindingCode::CompiledTwice => len("units").map(|n| n.saturating_sub(1)).filter(|n| *n > 0),
        FindingCode::BuildOverrideSplit => len("packages"),
        _ => None,
    }
}

/// Errors, then warnings (by cost when the findings are costed), then notes.
pub(crate) fn by_severity(report: &AuditReport) -> (Vec<&Finding>, Vec<&Finding>, Vec<&Finding>) {
    let of = |sev: Severity| -> Vec<&Finding> {
        report
            .findings
            .iter()
            .filter(|f| f.severity == sev)
            .collect()
    };
    let mut warnings = of(Severity::Warning);
    // Stable: findings without a cost keep the report's order after the costed ones.
    warnings.sort_by(|a, b| {
        let key = |f: &Finding| {
            f.cost
                .as_ref()
                .map_or(-1.0, |c| c.critical_path_s + c.cpu_s / 1e3)
        };
        key(b).total_cmp(&key(a))
    });
    (of(Severity::Error), warnings, of(Severity::Info))
}

/// Findings of the same code and severity together, in the order each first appears.
pub(crate) fn group_by_code<'f>(findings: &[&'f Finding]) -> Vec<Vec<&'f Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for finding in findings {
        match groups
            .iter_mut()
            .find(|g| g[0].code == finding.code && g[0].severity == finding.severity)
        {
            Some(group) => group.push(finding),
            None => groups.push(vec![finding]),
        }
    }
    groups
}
