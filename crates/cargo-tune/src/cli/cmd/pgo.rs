use std::ffi::OsString;
use std::time::Duration;

use cargo_tune_core::cargo::metadata::TargetKind;
use cargo_tune_core::pgo::{self, PgoError, PgoPlan, PgoProgress};
use cargo_tune_core::report::{render_pgo_human, render_pgo_markdown};
use cargo_tune_core::workspace::rustflags::{RustflagsInputs, RustflagsResolution};

use super::measure::Session;
use crate::cli::common::{ManifestOptions, OutputOptions, current_dir};
use crate::cli::interrupt;
use crate::errors::ExpectedError;
use crate::output::OutputContext;

/// `cargo tune pgo`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo tune pgo -p ripgrep -- -c fn crates/
  cargo tune pgo -p interp --bolt --training-runs 3 -- 200000

The workload is the arguments after `--`: each run executes the binary with them, in the current
directory, its output discarded. Needs llvm-profdata of rustc's LLVM (apt-get install
llvm-<major>) and, with --bolt, llvm-bolt and merge-fdata (apt-get install bolt-<major>).")]
pub(crate) struct PgoArgs {
    /// The package whose binary is optimised (default: the only member with a binary).
    #[arg(long = "package", short = 'p', value_name = "SPEC")]
    package: Option<String>,
    /// The binary target (default: the package's only binary).
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Also optimise the PGO binary with BOLT (llvm-bolt, instrumentation mode; Linux ELF).
    #[arg(long)]
    bolt: bool,
    /// Runs of the workload that train the profile.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    training_runs: u32,
    /// Measured runs of each binary, interleaved, after one warm-up each.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Stop any workload run that takes longer than this (and fail), e.g. 90s, 10m.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = cargo_tune_core::text::duration::parse)]
    timeout: Duration,
    /// Number of parallel jobs for every build (`CARGO_BUILD_JOBS`).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,

    /// The workload: arguments the binary is run with.
    #[arg(last = true, value_name = "WORKLOAD ARGS")]
    workload: Vec<OsString>,
}

impl PgoArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let session = Session::load(&self.manifest, ctx, false)?;
        let (package, bin) = self.select(&session)?;
        let tools = pgo::find_tools(&session.env, self.bolt).map_err(|e| setup(&e))?;
        // The effective profiles do not include --config; the check after the BOLT input
        // build still catches a strip set there.
        let strip_overridden = session
            .cargo
            .config
            .iter()
            .any(|c| c.contains("strip") || !c.contains('='));
        if self.bolt && !strip_overridden {
            let profiles = cargo_tune_core::workspace::profiles::effective_profiles(&session.model);
            pgo::check_release_strip(&profiles).map_err(|e| setup(&e))?;
        }
        let rustflags = RustflagsResolution::resolve(&RustflagsInputs {
            env: &session.model.env,
            config: &session.model.config,
            cli_config: &session.cargo.config,
            host: &session.env.rustc.host,
            host_cfg: &session.env.host_cfg,
        })
        .flags();
        let plan = PgoPlan {
            cargo: session.cargo.clone(),
            work_dir: session.bench_dir.join("pgo").join(&package),
            package,
            bin,
            rustflags,
            workload: self.workload.clone(),
            workload_dir: current_dir()?,
            training_runs: self.training_runs as usize,
            runs: self.runs as usize,
            timeout: self.timeout,
            jobs: self.jobs.map(|j| j as usize),
            tools,
        };
        interrupt::install();
        let root = session.model.root.display().to_string();
        let result = pgo::run(
            &plan,
            &session.env,
            env!("CARGO_PKG_VERSION"),
            &root,
            interrupt::flag(),
            &mut |event| {
                if let PgoProgress::Started { step } = event {
                    ctx.print_status("Running", step);
                }
            },
        );
        let report = match result {
            Ok(report) => report,
            Err(PgoError::Interrupted) => {
                return Err(ExpectedError::Interrupted { restored: None });
            }
            Err(e) if e.is_build_failure() => {
                return Err(ExpectedError::BuildStepFailed {
                    message: format!("failed to {e}"),
                });
            }
            Err(e) => return Err(setup(&e)),
        };
        self.output.deliver(
            ctx,
            destination,
            &report,
            render_pgo_human,
            render_pgo_markdown,
        )
    }

    /// The package and binary: as named, or the only ones there are.
    fn select(&self, session: &Session) -> Result<(String, String), ExpectedError> {
        let members = session.model.metadata.workspace_packages();
        let with_bins: Vec<_> = members
            .iter()
            .filter(|p| p.targets.iter().any(|t| t.is_kind(TargetKind::Bin)))
            .collect();
        let names = |list: &[&&cargo_tune_core::cargo::metadata::Package]| {
            list.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let package =
            match &self.package {
                Some(name) => members.iter().find(|p| &p.name == name).ok_or_else(|| {
                    ExpectedError::Usage {
                        message: format!(
                            "-p {name}: not a workspace member with a binary; expected one of: {}",
                            names(&with_bins)
                        ),
                    }
                })?,
                None if with_bins.len() == 1 => with_bins[0],
                None => {
                    return Err(ExpectedError::Usage {
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
                    return Err(ExpectedError::Usage {
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

fn setup(e: &PgoError) -> ExpectedError {
    ExpectedError::Setup {
        message: format!("failed to {e}"),
        source: None,
    }
}
