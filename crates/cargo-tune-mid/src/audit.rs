//! `cargo tune audit`: load once, probe once, run every analysis, assemble the report.

use std::path::{Path, PathBuf};

use cargo_tune_schema::{AuditReport, FORMAT_VERSION, Summary, ToolInfo, UnitGraphStatus};

use crate::analysis::{self, AnalysisCtx, FindingSink, Policy};
use crate::cargo::Invocation;
use crate::cargo::metadata::MetadataExit;
use crate::cargo::metadata::MetadataSource;
use crate::cargo::unit_graph::UnitGraphs;
use crate::errors::{CommandError, LoadError};
use crate::probe::Environment;
use crate::vocab::{Events, Failure};
use crate::workspace::{BuildEnv, LoadOptions, WorkspaceModel, find_manifest};

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The workspace could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// rustc could not be probed.
    #[error("probe the toolchain")]
    Probe(#[source] CommandError),
}

/// A finished audit: the inputs it read and the report it made.
#[derive(Debug)]
pub struct Audit {
    /// The workspace.
    pub model: WorkspaceModel,
    /// The toolchain and host.
    pub env: Environment,
    /// The report.
    pub report: AuditReport,
}

/// Loads the workspace and probes the toolchain, with `cargo metadata` running while rustc is
/// asked. Every command that needs both starts here.
pub fn load_and_probe(load: LoadOptions) -> Result<(WorkspaceModel, Environment), AuditError> {
    let (model, env, exit) = load_and_probe_unconfirmed(load)?;
    exit.confirm()?;
    Ok((model, env))
}

/// As [`load_and_probe`], returning while `cargo metadata` may still be exiting.
fn load_and_probe_unconfirmed(
    load: LoadOptions,
) -> Result<(WorkspaceModel, Environment, MetadataExit), AuditError> {
    let probe_dir = match find_manifest(load.manifest_path.as_deref(), &load.cwd) {
        Ok(manifest) => manifest
            .parent()
            .map_or_else(|| load.cwd.clone(), ToOwned::to_owned),
        Err(_) => load.cwd.clone(),
    };
    let pending = WorkspaceModel::start(load)?;
    let env = Environment::probe_kept(
        &probe_dir,
        pending.toolchain_fallback(),
        pending.probe_memo(),
    )
    .map_err(AuditError::Probe);
    let (model, exit) = pending.finish_unconfirmed()?;
    match env {
        Ok(env) => Ok((model, env, exit)),
        Err(e) => {
            exit.confirm()?;
            Err(e)
        }
    }
}

/// Loads the workspace, runs every analysis and assembles the report.
pub fn audit(load: LoadOptions, policy: &Policy, version: &str) -> Result<Audit, AuditError> {
    let (model, env, exit) = load_and_probe_unconfirmed(load)?;
    // The analyses run while cargo frees its memory and exits; nothing is shown until it has
    // exited successfully.
    let report = assemble(&model, &env, policy, version);
    exit.confirm()?;
    // Only a cache: a read-only target directory costs the next run time, not this one.
    let _ = model.registry_index.save_memo();
    Ok(Audit { model, env, report })
}

/// Runs the analyses on loaded inputs.
pub fn assemble(
    model: &WorkspaceModel,
    env: &Environment,
    policy: &Policy,
    version: &str,
) -> AuditReport {
    let ctx = AnalysisCtx { model, env, policy };
    let mut sink = FindingSink::new(policy);
    analysis::run_all(&ctx, &mut sink);
    let mut findings = sink.into_sorted();
    for s in findings.iter_mut().flat_map(|f| f.suggestions.iter_mut()) {
        s.direction = crate::change::Change::from_suggestion(&s.change)
            .ok()
            .map(|c| c.direction());
    }
    AuditReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(version),
        workspace_root: model.root.display().to_string(),
        members: model.members.len(),
        packages: model.metadata.packages.len(),
        summary: Summary::of(&findings),
        findings,
        profiles: crate::workspace::profiles::effective_profiles(model),
        toolchain: analysis::toolchain::summary(&ctx),
        unit_graph: unit_graph_status(&model.unit_graphs),
        lockfile_aside: model
            .lockfile_aside
            .as_ref()
            .map(|p| p.display().to_string()),
    }
}

fn unit_graph_status(graphs: &UnitGraphs) -> UnitGraphStatus {
    match graphs {
        UnitGraphs::Read(read) => UnitGraphStatus {
            source: "unit-graph".to_owned(),
            commands: read.iter().map(|(c, _)| c.display()).collect(),
            unavailable: None,
        },
        UnitGraphs::Unavailable { reason } => UnitGraphStatus {
            source: "resolve-model".to_owned(),
            commands: Vec::new(),
            unavailable: Some(reason.clone()),
        },
    }
}

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// A captured `cargo metadata --format-version 1` to read instead of running cargo.
    pub metadata_path: Option<PathBuf>,
    /// Cost the findings with a saved `cargo tune timings --format json`: `Some(None)` for the
    /// last timings run of the workspace.
    pub costs: Option<Option<PathBuf>>,
    /// Goal and re-levelled codes.
    pub policy: Policy,
}

/// Audits the workspace, its findings costed when asked.
pub fn run(request: &AuditRequest, events: &mut dyn Events) -> Result<Audit, Failure> {
    let cwd = &request.invocation.cwd;
    let source = match &request.metadata_path {
        Some(path) => {
            let c = &request.invocation.cargo;
            if c.locked || c.offline || c.frozen || !c.config.is_empty() {
                events.warning(
                    "--locked, --offline, --frozen and --config have no effect with --metadata-path",
                );
            }
            MetadataSource::Json(cwd.join(path))
        }
        None => MetadataSource::Cargo(request.invocation.cargo.clone()),
    };
    let load = LoadOptions {
        source,
        manifest_path: request.invocation.cargo.manifest_path.clone(),
        cwd: cwd.clone(),
        env: BuildEnv::capture(),
        unit_graphs: true,
        // Reading is all an audit does: a workspace without a lockfile is resolved aside.
        read_only: true,
    };
    // A named file is read before the audit, so that a bad one fails fast; the last run's file
    // is found in the target directory, which the audit tells.
    let named = match &request.costs {
        Some(Some(p)) => Some(read_costs(&cwd.join(p))?),
        _ => None,
    };
    let mut audit = audit(load, &request.policy, env!("CARGO_PKG_VERSION"))?;
    let costs = match (named, &request.costs) {
        (Some(c), _) => Some(c),
        (None, Some(_)) => Some(read_costs(&crate::timings::report::saved_path(
            &audit.model.metadata.target_directory,
        ))?),
        (None, None) => None,
    };
    if let Some((report, timings, spread)) = &costs {
        add_costs(
            &mut audit.report.findings,
            &audit.model.metadata,
            report,
            timings,
            *spread,
        );
    }
    Ok(audit)
}

/// What a timings run tells of the findings: the heavy dependencies it shows, and each
/// finding's cost, the most severe findings first and, within a severity, the costliest.
pub fn add_costs(
    findings: &mut Vec<cargo_tune_schema::Finding>,
    metadata: &crate::cargo::metadata::Metadata,
    report: &cargo_tune_schema::TimingsReport,
    timings: &crate::timings::BuildTimings,
    spread: Option<f64>,
) {
    let members: std::collections::BTreeSet<String> = metadata
        .workspace_packages()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let direct: std::collections::BTreeSet<String> = metadata
        .workspace_packages()
        .iter()
        .flat_map(|p| &p.dependencies)
        .filter(|d| d.kind == crate::cargo::metadata::DependencyKind::Normal)
        .map(|d| d.name.clone())
        .collect();
    findings.extend(crate::timings::levers::findings(
        report, timings, spread, &members, &direct,
    ));
    crate::timings::findings::attach_costs(findings, timings, spread);
}

/// The timings of a saved `cargo tune timings --format json`, and its run-to-run spread.
fn read_costs(
    path: &Path,
) -> Result<
    (
        cargo_tune_schema::TimingsReport,
        crate::timings::BuildTimings,
        Option<f64>,
    ),
    Failure,
> {
    let fail =
        |what: String| Failure::setup(format!("failed to read --costs {}: {what}", path.display()));
    let report = crate::timings::report::read_saved(path).map_err(|e| fail(e.to_string()))?;
    let (timings, spread) = crate::timings::report::costs_of(&report).map_err(fail)?;
    Ok((report, timings, spread))
}

impl From<AuditError> for Failure {
    fn from(err: AuditError) -> Self {
        match err {
            AuditError::Load(load) => load.into(),
            AuditError::Probe(source) => Failure::Setup {
                message: "failed to probe the toolchain".to_owned(),
                source: Some(Box::new(source)),
            },
        }
    }
}
