//! `cargo tune pgo`: which binary to optimise, and the pipeline run on it with the workspace's
//! own flags.

use std::ffi::OsString;
use std::time::Duration;

use cargo_tune_schema::PgoReport;

use super::{PgoError, PgoPlan, PgoProgress};
use crate::cargo::Invocation;
use crate::cargo::metadata::TargetKind;
use crate::measure::session::Session;
use crate::vocab::{Events, Failure};
use crate::workspace::rustflags::RustflagsResolution;

/// What to optimise, and how to train and compare it.
#[derive(Debug, Clone)]
pub struct PgoRequest {
    /// Which workspace, and how cargo is called; the workload runs in its directory.
    pub invocation: Invocation,
    /// The package (else the only member with a binary).
    pub package: Option<String>,
    /// The binary target (else the package's only one).
    pub bin: Option<String>,
    /// BOLT on top of PGO.
    pub bolt: bool,
    /// Training runs of the workload.
    pub training_runs: usize,
    /// Measured runs of each binary.
    pub runs: usize,
    /// A workload run past this is stopped.
    pub timeout: Duration,
    /// `CARGO_BUILD_JOBS` for every build.
    pub jobs: Option<usize>,
    /// The arguments of each workload run.
    pub workload: Vec<OsString>,
}

/// Builds, trains, optimises and compares.
pub fn run(request: &PgoRequest, events: &mut dyn Events) -> Result<PgoReport, Failure> {
    request.run(events)
}

impl PgoRequest {
    fn run(&self, events: &mut dyn Events) -> Result<PgoReport, Failure> {
        let session = Session::load(&self.invocation, false)?;
        let (package, bin) = self.select(&session)?;
        let tools = super::find_tools(&session.env, self.bolt).map_err(|e| setup(&e))?;
        // The effective profiles do not include --config; the check after the BOLT input
        // build still catches a strip set there.
        let strip_overridden = session
            .cargo
            .config
            .iter()
            .any(|c| c.contains("strip") || !c.contains('='));
        if self.bolt && !strip_overridden {
            let profiles = crate::workspace::profiles::effective_profiles(&session.model);
            super::check_release_strip(&profiles).map_err(|e| setup(&e))?;
        }
        let rustflags = RustflagsResolution::resolve(&session.rustflags_sources()).flags();
        let plan = PgoPlan {
            cargo: session.cargo.clone(),
            work_dir: session.bench_dir.join("pgo").join(&package),
            package,
            bin,
            rustflags,
            workload: self.workload.clone(),
            workload_dir: self.invocation.cwd.clone(),
            training_runs: self.training_runs,
            runs: self.runs,
            timeout: self.timeout,
            jobs: self.jobs,
            tools,
        };
        let root = session.model.root.display().to_string();
        let cancel = events.cancel();
        let result = super::run(
            &plan,
            &session.env,
            env!("CARGO_PKG_VERSION"),
            &root,
            &cancel,
            &mut |event| {
                if let PgoProgress::Started { step } = event {
                    events.status("Running", step);
                }
            },
        );
        match result {
            Ok(report) => Ok(report),
            Err(PgoError::Interrupted) => Err(Failure::Interrupted { restored: None }),
            Err(e) if e.is_build_failure() => Err(Failure::BuildStepFailed {
                message: format!("failed to {e}"),
            }),
            Err(e) => Err(setup(&e)),
        }
    }

    /// The package and binary: as named, or the only ones there are.
    fn select(&self, session: &Session) -> Result<(String, String), Failure> {
        let members = session.model.metadata.workspace_packages();
        let with_bins: Vec<_> = members
            .iter()
            .filter(|p| p.targets.iter().any(|t| t.is_kind(TargetKind::Bin)))
            .collect();
        let names = |list: &[&&crate::cargo::metadata::Package]| {
            list.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let package =
            match &self.package {
                Some(name) => members.iter().find(|p| &p.name == name).ok_or_else(|| {
                    Failure::Usage {
                        message: format!(
                            "-p {name}: not a workspace member with a binary; expected one of: {}",
                            names(&with_bins)
                        ),
                    }
                })?,
                None if with_bins.len() == 1 => with_bins[0],
                None => {
                    return Err(Failure::Usage {
                        message: format!(
                            "name the package to optimise with -p; members with a binary: {}",
                            if with_bins.is_empty() {
                                "none".to_owned()
                            } else {
                                names(&with_bins)
                            }
                        ),
                    });
                }
            };
        let bins: Vec<&str> = package
            .targets
            .iter()
            .filter(|t| t.is_kind(TargetKind::Bin))
            .map(|t| t.name.as_str())
            .collect();
        let bin =
            match &self.bin {
                Some(bin) if bins.contains(&bin.as_str()) => bin.clone(),
                None if bins.len() == 1 => bins[0].to_owned(),
                _ => {
                    return Err(Failure::Usage {
                        message: format!(
                            "{}: name the binary with --bin; {} has: {}",
                            self.bin.as_deref().map_or(
                                "more than one binary".to_owned(),
                                |b| format!("--bin {b} is not a binary of {}", package.name)
                            ),
                            package.name,
                            if bins.is_empty() {
                                "no binary".to_owned()
                            } else {
                                bins.join(", ")
                            }
                        ),
                    });
                }
            };
        Ok((package.name.clone(), bin))
    }
}

fn setup(e: &PgoError) -> Failure {
    Failure::Setup {
        message: format!("failed to {e}"),
        source: None,
    }
}
