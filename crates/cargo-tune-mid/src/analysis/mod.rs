//! Analyses: each reads the model and the environment and pushes coded findings into a sink.

pub mod compiled_twice;
pub mod duplicates;
pub mod profiles;
pub mod toolchain;
pub mod workspace_deps;

use cargo_tune_schema::{Finding, FindingCode, Severity};

use crate::probe::Environment;
use crate::workspace::WorkspaceModel;

/// What the user wants builds to favour; findings about LTO and codegen-units are judged
/// against it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Goal {
    /// Fast dev builds, a release that is still reasonable to build.
    #[default]
    Balanced,
    /// Fastest builds everywhere; release runtime matters less.
    BuildSpeed,
    /// Fastest release binaries; build time matters less.
    Runtime,
}

/// Settings that shape the analyses.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// The goal.
    pub goal: Goal,
    /// Per-code severity overrides (`-A/-W/-D` style); `None` removes the finding.
    pub levels: Vec<(FindingCode, Option<Severity>)>,
}

/// Everything an analysis may read.
#[derive(Clone, Copy, Debug)]
pub struct AnalysisCtx<'a> {
    /// The workspace.
    pub model: &'a WorkspaceModel,
    /// The toolchain and host.
    pub env: &'a Environment,
    /// The policy.
    pub policy: &'a Policy,
}

/// Collects findings, applying the policy's severity overrides as they arrive.
#[derive(Debug, Default)]
pub struct FindingSink {
    findings: Vec<Finding>,
    levels: Vec<(FindingCode, Option<Severity>)>,
}

impl FindingSink {
    /// A sink applying `policy`'s levels.
    pub fn new(policy: &Policy) -> Self {
        FindingSink {
            findings: Vec::new(),
            levels: policy.levels.clone(),
        }
    }

    /// Adds a finding (or drops it if its code is allowed away).
    pub fn push(&mut self, mut finding: Finding) {
        if let Some((_, level)) = self.levels.iter().rev().find(|(c, _)| *c == finding.code) {
            match level {
                Some(severity) => finding.severity = *severity,
                None => return,
            }
        }
        self.findings.push(finding);
    }

    /// The findings, sorted by severity (highest first), then code, then subject.
    pub fn into_sorted(mut self) -> Vec<Finding> {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.code.cmp(&b.code))
                .then_with(|| a.subject.cmp(&b.subject))
        });
        self.findings.dedup_by(|a, b| a.id == b.id);
        self.findings
    }
}

/// Runs every analysis. The two largest, duplicates and compiled-twice, run on threads of their
/// own beside the others; the findings arrive in the same order either way.
pub fn run_all(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    profiles::run(ctx, sink);
    let empty = || FindingSink {
        findings: Vec::new(),
        levels: sink.levels.clone(),
    };
    let beside = |run: fn(&AnalysisCtx<'_>, &mut FindingSink)| {
        move || {
            let mut sink = empty();
            run(ctx, &mut sink);
            sink
        }
    };
    let joined = |handle: std::thread::ScopedJoinHandle<'_, FindingSink>| {
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    };
    let mut rest = empty();
    let (mut duplicates, mut twice) = std::thread::scope(|scope| {
        let duplicates = scope.spawn(beside(duplicates::run));
        let twice = scope.spawn(beside(compiled_twice::run));
        workspace_deps::run(ctx, &mut rest);
        toolchain::run(ctx, &mut rest);
        (joined(duplicates), joined(twice))
    });
    // The sort by severity is stable: equal findings keep the order of the analyses.
    sink.findings.append(&mut duplicates.findings);
    sink.findings.append(&mut twice.findings);
    sink.findings.append(&mut rest.findings);
}
