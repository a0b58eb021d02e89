//! `cargo tune cache status` and `cargo tune cache verify`: a backend checked without building,
//! and two builds from a fresh checkout through a private sccache server, with every miss
//! explained.

use std::path::{Path, PathBuf};

use cargo_tune_schema::{CacheCheck, CacheReport, FORMAT_VERSION, ToolInfo};

use super::{Backend, CacheError, VerifyPlan, check, verify as verify_builds};
use crate::cargo::Invocation;
use crate::measure::MeasureError;
use crate::measure::session::Session;
use crate::vocab::{Events, Failure};

/// A backend named as `--backend` names it (`local[=DIR]`, `redis://…`, `target-dir`), with a
/// relative directory made absolute against `cwd`: the sccache server runs elsewhere.
pub fn backend(text: &str, cwd: &Path) -> Result<Backend, Failure> {
    let backend = Backend::parse(text, &default_local_dir())
        .map_err(|e| Failure::usage(format!("--backend: {e}")))?;
    Ok(match backend {
        Backend::Local(dir) if dir.is_relative() => Backend::Local(cwd.join(dir)),
        other => other,
    })
}

/// sccache's own default: `$SCCACHE_DIR`, else the user's cache directory.
fn default_local_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCCACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("sccache")
}

fn report(command: &str, backend: &Backend, checks: Vec<CacheCheck>) -> CacheReport {
    CacheReport {
        format_version: FORMAT_VERSION,
        command: command.to_owned(),
        tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
        backend: backend.to_string(),
        checks,
        builds: Vec::new(),
    }
}

fn setup(e: &CacheError) -> Failure {
    Failure::setup(format!("failed to {e}"))
}

/// Checks `backend` without building. The report lists every check, passed or not; the
/// result fails when one did.
pub fn status(backend: &Backend) -> (CacheReport, Result<(), Failure>) {
    let mut checks = Vec::new();
    let path = std::env::var_os("PATH");
    let result = check(backend, path.as_deref(), &mut checks);
    (
        report("cache status", backend, checks),
        result.map(|_| ()).map_err(|e| setup(&e)),
    )
}

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// The backend.
    pub backend: Backend,
    /// Members to build; empty for the whole workspace.
    pub packages: Vec<String>,
}

/// Builds twice as CI does and reports what the cache served.
pub fn verify(request: &VerifyRequest, events: &mut dyn Events) -> Result<CacheReport, Failure> {
    let session = Session::load(&request.invocation, false)?;
    let mut checks = Vec::new();
    let tool =
        check(&request.backend, session.path_var.as_deref(), &mut checks).map_err(|e| setup(&e))?;
    let root = session.model.root.clone();
    let manifest = request
        .invocation
        .cargo
        .manifest_path
        .as_ref()
        .and_then(|p| request.invocation.cwd.join(p).canonicalize().ok())
        .and_then(|p| p.strip_prefix(&root).ok().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("Cargo.toml"));
    let plan = VerifyPlan {
        cargo: session.cargo.clone(),
        packages: request.packages.clone(),
        workspace_root: root,
        target_directory: session.model.metadata.target_directory.clone(),
        manifest,
        scratch: session.bench_dir.join("cache-verify"),
        backend: request.backend.clone(),
    };
    let cancel = events.cancel();
    let builds = verify_builds(&plan, tool.as_ref(), &cancel, &mut |step| {
        events.status("Running", step);
    })
    .map_err(|e| match e {
        CacheError::Measure(MeasureError::Interrupted) => Failure::Interrupted { restored: None },
        e @ CacheError::Build { .. } => Failure::BuildStepFailed {
            message: format!("failed to {e}"),
        },
        e => setup(&e),
    })?;
    let mut report = report("cache verify", &request.backend, checks);
    report.builds = builds;
    Ok(report)
}
