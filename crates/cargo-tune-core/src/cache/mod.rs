//! Build caches for CI: sccache with a local disk cache or a shared Redis, and the target
//! directory CI cache actions save and restore.
//!
//! [`check`] checks a backend without building; [`verify`] builds the workspace twice the way
//! CI does (a fresh checkout at a fixed path, an empty or restored target directory) and
//! reports what the cache served and why it missed. sccache always runs as a private server
//! ([`sccache::Server`]) that is stopped before these functions return.

pub mod backend;
pub mod ci;
pub mod command;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use cargo_tune_schema::{CacheBuild, CacheCheck, CacheStats};

pub use crate::probe::redis::{RedisError, RedisUrl};
pub use crate::probe::sccache::{Sccache, SccacheError};
use crate::probe::{redis, sccache};
pub use backend::{Backend, BackendError};

use crate::cargo::{CargoCli, CargoOptions, Color};
use crate::exec::checkout;
use crate::measure::MeasureError;

/// Why a cache cannot be checked or verified.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// sccache is missing, too old or failed.
    #[error(transparent)]
    Sccache(#[from] SccacheError),
    /// Redis does not answer as a cache must.
    #[error(transparent)]
    Redis(#[from] RedisError),
    /// The local cache directory cannot be written.
    #[error("use the cache directory {}: {source}; choose another with --backend local=DIR", dir.display())]
    LocalDir {
        /// The directory.
        dir: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Preparing a checkout or a build failed, or Ctrl-C.
    #[error(transparent)]
    Measure(#[from] MeasureError),
    /// A build failed.
    #[error("build the workspace ({label} build): `{command}` ({status}){}", tail(.last_lines))]
    Build {
        /// Which build.
        label: String,
        /// The command.
        command: String,
        /// How it exited.
        status: String,
        /// What it said last.
        last_lines: Vec<String>,
    },
}

fn tail(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!(":\n{}", lines.join("\n"))
    }
}

/// Checks that `backend` can serve: sccache installed at a usable version (for the sccache
/// backends), then the backend answering. Every check made is pushed to `checks`; the first
/// failure is also the error. Returns sccache when the backend uses it.
pub fn check(
    backend: &Backend,
    path: Option<&OsStr>,
    checks: &mut Vec<CacheCheck>,
) -> Result<Option<Sccache>, CacheError> {
    let tool = if backend.uses_sccache() {
        match sccache::find(path) {
            Ok(tool) => {
                checks.push(CacheCheck {
                    name: "sccache".to_owned(),
                    ok: true,
                    detail: format!("{} {}", tool.path.display(), tool.version),
                });
                Some(tool)
            }
            Err(e) => {
                checks.push(CacheCheck {
                    name: "sccache".to_owned(),
                    ok: false,
                    detail: e.to_string(),
                });
                return Err(e.into());
            }
        }
    } else {
        None
    };
    let result = match backend {
        Backend::Local(dir) => writable(dir)
            .map(|()| format!("{} is writable", dir.display()))
            .map_err(|source| CacheError::LocalDir {
                dir: dir.clone(),
                source,
            }),
        Backend::Redis(url) => redis::check(url)
            .map(|()| {
                if url.tls {
                    format!("{url} accepts connections (TLS and credentials are checked by sccache)")
                } else {
                    format!("{url} answers PING")
                }
            })
            .map_err(CacheError::from),
        Backend::TargetDir => Ok(
            "the target directory, saved and restored by CI under a key of toolchain, Cargo.lock and profile"
                .to_owned(),
        ),
    };
    match result {
        Ok(detail) => {
            checks.push(CacheCheck {
                name: "backend".to_owned(),
                ok: true,
                detail,
            });
            Ok(tool)
        }
        Err(e) => {
            checks.push(CacheCheck {
                name: "backend".to_owned(),
                ok: false,
                detail: e.to_string(),
            });
            Err(e)
        }
    }
}

fn writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = tempfile::NamedTempFile::new_in(dir)?;
    drop(probe);
    Ok(())
}

/// What [`verify`] builds, and where.
#[derive(Clone, Debug)]
pub struct VerifyPlan {
    /// The user's cargo flags (`--manifest-path` is replaced by the checkout's).
    pub cargo: CargoOptions,
    /// `-p` packages; empty means `--workspace`.
    pub packages: Vec<String>,
    /// The workspace root, copied into the checkout.
    pub workspace_root: PathBuf,
    /// The workspace's own target directory, left out of the checkout.
    pub target_directory: PathBuf,
    /// The manifest, relative to the workspace root.
    pub manifest: PathBuf,
    /// Scratch space: the checkout, the target directory and the sccache state live below it.
    pub scratch: PathBuf,
    /// The backend.
    pub backend: Backend,
}

/// Builds twice as CI would, from a fresh checkout at the same path each time: `cold` with the
/// cache as found, then `warm` with what the first build left in it (sccache's cache, or the
/// target directory saved after the first build and restored). `progress` gets a line before
/// each step.
pub fn verify(
    plan: &VerifyPlan,
    tool: Option<&Sccache>,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<CacheBuild>, CacheError> {
    let checkout_dir = plan.scratch.join("checkout");
    let target = plan.scratch.join("target");
    let io = MeasureError::io;
    let storage = match &plan.backend {
        Backend::Local(dir) => Some(sccache::Storage::Dir(dir.clone())),
        Backend::Redis(url) => Some(sccache::Storage::Redis(url.clone())),
        Backend::TargetDir => None,
    };
    let server = match (storage, tool) {
        (Some(storage), Some(tool)) => Some(sccache::Server::start(
            tool,
            &storage,
            &plan.scratch.join("sccache-server"),
        )?),
        _ => None,
    };
    let snapshot = plan.scratch.join("target-snapshot");
    let mut builds = Vec::new();
    for label in ["cold", "warm"] {
        progress(&format!("fresh checkout for the {label} build"));
        checkout::fresh_checkout(
            &plan.workspace_root,
            &checkout_dir,
            &[&plan.target_directory, &plan.scratch],
        )
        .map_err(io("copy the workspace into", &checkout_dir))?;
        if label == "warm" && plan.backend == Backend::TargetDir {
            progress("restore the target directory saved after the cold build");
            checkout::move_over(&snapshot, &target).map_err(io("restore", &target))?;
        } else {
            checkout::remove(&target).map_err(io("empty", &target))?;
        }
        if let Some(s) = &server {
            s.zero_stats()?;
        }
        let mut options = plan.cargo.clone();
        options.color = Some(Color::Never);
        options.manifest_path = Some(checkout_dir.join(&plan.manifest));
        let mut cli = CargoCli::new(&["build"], &options)
            .arg("--message-format=json-render-diagnostics")
            .current_dir(&checkout_dir)
            .env("CARGO_TARGET_DIR", &target);
        if plan.packages.is_empty() {
            cli = cli.arg("--workspace");
        }
        for p in &plan.packages {
            cli = cli.args(["-p", p]);
        }
        match &server {
            Some(s) => {
                // sccache cannot cache incrementally compiled crates: members would all miss.
                cli = cli.env("CARGO_INCREMENTAL", "0");
                for (k, v) in s.build_env() {
                    cli = cli.env(k, v);
                }
            }
            None => {
                cli = cli.env("RUSTC_WRAPPER", "");
            }
        }
        progress(&format!("{label} build: {}", cli.display()));
        let run = crate::measure::runner::run_once(&cli, cancel)?;
        if run.interrupted || cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(MeasureError::Interrupted.into());
        }
        if !run.ok {
            return Err(CacheError::Build {
                label: label.to_owned(),
                command: cli.display(),
                status: run.status,
                last_lines: run.stderr_tail,
            });
        }
        let stats = server.as_ref().map(sccache::Server::stats).transpose()?;
        let m = &run.measurement;
        let miss_causes = miss_causes(&plan.backend, label, m.units_rebuilt, stats.as_ref());
        builds.push(CacheBuild {
            label: label.to_owned(),
            wall_s: m.wall_s,
            units_compiled: m.units_rebuilt,
            units_total: m.units_total,
            stats,
            miss_causes,
        });
        if label == "cold" && plan.backend == Backend::TargetDir {
            progress("save the target directory, as a CI cache action does");
            checkout::move_over(&target, &snapshot).map_err(io("save", &snapshot))?;
        }
    }
    if let Some(s) = server {
        s.stop()?;
    }
    Ok(builds)
}

/// Why a build missed the cache where it did.
pub fn miss_causes(
    backend: &Backend,
    label: &str,
    compiled: u32,
    stats: Option<&CacheStats>,
) -> Vec<String> {
    let mut causes = Vec::new();
    match stats {
        Some(s) if s.counts.misses > 0 && label == "cold" => causes.push(format!(
            "{} compilations were not in the cache yet: their inputs (sources, flags, CARGO_* variables, the checkout path) had not been compiled into it",
            s.counts.misses
        )),
        Some(s) if s.counts.misses > 0 => causes.push(format!(
            "{} compilations missed on an identical rebuild at the same path: an input changes from build to build (a build script writing a timestamp or a random value, or an environment variable that differs); compilations made in another directory also miss, since sccache hashes absolute paths",
            s.counts.misses
        )),
        _ => {}
    }
    if let Some(s) = stats {
        for r in &s.not_cached {
            causes.push(format!(
                "{} not cacheable ({}): {}",
                r.count, r.reason, r.explanation
            ));
        }
    }
    if *backend == Backend::TargetDir && label == "warm" && compiled > 0 {
        causes.push(format!(
            "{compiled} units rebuilt despite the restored target directory: cargo judges freshness by mtime, and the checkout gave every source a new one, so every workspace member (and whatever depends on it) is rebuilt; `-Z checksum-freshness` (nightly, or RUSTC_BOOTSTRAP=1) compares content hashes instead"
        ));
    }
    causes
}
