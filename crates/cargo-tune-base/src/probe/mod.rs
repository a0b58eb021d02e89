//! The toolchain and host, probed once into a value that analyses and the planner read.

mod host;
pub mod linker;
pub mod redis;
pub mod sccache;
pub mod toolchains;
pub(crate) mod tools;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use cargo_platform::Cfg;

pub use host::HostInfo;
pub use linker::{LinkerError, LinkerSetup, linker_setups};
pub use toolchains::InstalledToolchain;
pub use tools::{ToolLocation, Tools};

use crate::cargo::ToolCommand;
use crate::errors::CommandError;

/// The release channel of rustc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// `1.95.0`.
    Stable,
    /// `1.96.0-beta.3`.
    Beta,
    /// `1.97.0-nightly`.
    Nightly,
    /// `-dev` builds.
    Dev,
}

impl Channel {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Stable => "stable",
            Channel::Beta => "beta",
            Channel::Nightly => "nightly",
            Channel::Dev => "dev",
        }
    }
}

/// What `rustc -vV` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustcInfo {
    /// The version, e.g. `1.95.0`.
    pub version: semver::Version,
    /// The host triple.
    pub host: String,
    /// The release channel.
    pub channel: Channel,
    /// The commit date, if known.
    pub commit_date: Option<String>,
    /// The LLVM version, e.g. `22.1.2`.
    pub llvm_version: Option<String>,
}

impl RustcInfo {
    /// Parses `rustc -vV` output.
    pub fn parse(text: &str) -> Option<RustcInfo> {
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
                .map(|v| v.trim().to_owned())
        };
        let release = field("release")?;
        let version = semver::Version::parse(&release).ok()?;
        let channel = match version.pre.as_str() {
            "" => Channel::Stable,
            pre if pre.starts_with("beta") => Channel::Beta,
            pre if pre.starts_with("nightly") => Channel::Nightly,
            _ => Channel::Dev,
        };
        Some(RustcInfo {
            version: semver::Version::new(version.major, version.minor, version.patch),
            host: field("host")?,
            channel,
            commit_date: field("commit-date"),
            llvm_version: field("LLVM version"),
        })
    }

    /// The LLVM major version.
    pub fn llvm_major(&self) -> Option<u32> {
        self.llvm_version
            .as_deref()?
            .split('.')
            .next()?
            .parse()
            .ok()
    }
}

/// Whether a host target spec (`rustc --print target-spec-json`) links with rustc's own
/// rust-lld unless told otherwise: an lld linker flavour with a self-contained linker.
pub fn spec_links_with_rust_lld(spec: &str) -> bool {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(spec) else {
        return false;
    };
    let flavor = json["linker-flavor"].as_str().unwrap_or_default();
    let self_contained = json["link-self-contained"]["components"]
        .as_array()
        .is_some_and(|c| c.iter().any(|x| x == "linker"));
    flavor.contains("lld") && self_contained
}

/// The environment cargo-tune runs in.
#[derive(Clone, Debug)]
pub struct Environment {
    /// The rustc cargo will use.
    pub rustc: RustcInfo,
    /// `rustc --print cfg` for the host.
    pub host_cfg: Vec<Cfg>,
    /// `rustc --print sysroot`.
    pub sysroot: Option<PathBuf>,
    /// Tools found on `PATH`.
    pub tools: Tools,
    /// Cores and memory.
    pub host: HostInfo,
    /// rustup's `nightly` toolchain for the host, when installed (`None` without rustup).
    pub nightly: Option<InstalledToolchain>,
    /// The host target links with rustc's bundled rust-lld unless told otherwise, as the
    /// toolchain's own target spec says.
    pub links_with_rust_lld: bool,
}

impl Environment {
    /// Probes rustc (run in `dir`, so that a toolchain pin there applies), `PATH` and the host.
    /// The two rustc calls run in parallel.
    pub fn probe(dir: &Path) -> Result<Environment, CommandError> {
        Environment::probe_with(dir, None)
    }

    /// As [`Environment::probe`], with rustup's `toolchain` instead of the one `dir` selects.
    pub fn probe_with(dir: &Path, toolchain: Option<&str>) -> Result<Environment, CommandError> {
        Environment::probe_kept(dir, toolchain, None)
    }

    /// As [`Environment::probe_with`], keeping rustc's answers in the file `memo` and reusing
    /// them while the toolchain cannot have changed: three rustc calls through rustup's proxy
    /// cost an audit that reads everything else from memos more than the rest of its work.
    pub fn probe_kept(
        dir: &Path,
        toolchain: Option<&str>,
        memo: Option<&Path>,
    ) -> Result<Environment, CommandError> {
        let key = memo.map(|_| RustcAnswers::key(dir, toolchain));
        let kept = memo
            .zip(key.as_deref())
            .and_then(|(m, key)| RustcAnswers::kept(m, key));
        let answers = match kept {
            Some(answers) => answers,
            None => {
                let answers = RustcAnswers::ask(dir, toolchain)?;
                if let Some((memo, key)) = memo.zip(key) {
                    answers.keep(memo, key, dir);
                }
                answers
            }
        };
        let tools = Tools::scan(std::env::var_os("PATH").as_deref());
        let host = HostInfo::probe();
        let rustc = RustcInfo::parse(&answers.version).ok_or_else(|| CommandError::Failed {
            command: "rustc -vV".to_owned(),
            status: std::process::ExitStatus::default(),
            stderr: format!("unrecognised output: {}", answers.version),
        })?;
        let (sysroot, host_cfg) = parse_sysroot_and_cfg(&answers.cfg);
        let nightly = crate::workspace::rustup_home(&crate::workspace::BuildEnv::capture())
            .and_then(|home| toolchains::installed_nightly(&home, &rustc.host));
        let links_with_rust_lld = answers
            .spec
            .as_deref()
            .is_some_and(spec_links_with_rust_lld);
        Ok(Environment {
            rustc,
            host_cfg,
            sysroot,
            tools,
            host,
            nightly,
            links_with_rust_lld,
        })
    }

    /// Whether the Cranelift codegen backend is installed in the toolchain in use.
    pub fn cranelift_installed(&self) -> bool {
        self.sysroot
            .as_deref()
            .is_some_and(|s| toolchains::has_cranelift_backend(s, &self.rustc.host))
    }
}

/// What the probe asks rustc, as rustc printed it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct RustcAnswers {
    /// `rustc -vV`.
    version: String,
    /// `rustc --print sysroot --print cfg`.
    cfg: String,
    /// `rustc --print target-spec-json`, when this rustc prints it.
    spec: Option<String>,
}

impl RustcAnswers {
    /// Asks rustc, the three calls in parallel.
    fn ask(dir: &Path, toolchain: Option<&str>) -> Result<RustcAnswers, CommandError> {
        let rustc = || {
            let cmd = ToolCommand::rustc().current_dir(dir);
            match toolchain {
                Some(t) => cmd.env("RUSTUP_TOOLCHAIN", t),
                None => cmd,
            }
        };
        let version = {
            let cmd = rustc().arg("-vV");
            std::thread::spawn(move || cmd.output())
        };
        // The target spec is unstable output: RUSTC_BOOTSTRAP for this one read-only call.
        let spec = {
            let cmd = rustc()
                .args(["--print", "target-spec-json", "-Z", "unstable-options"])
                .env("RUSTC_BOOTSTRAP", "1");
            std::thread::spawn(move || cmd.output())
        };
        let cfg = rustc()
            .args(["--print", "sysroot", "--print", "cfg"])
            .output()?;
        let version = version.join().expect("rustc -vV thread")?;
        let spec = spec
            .join()
            .expect("rustc --print target-spec-json thread")
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        if !version.status.success() {
            return Err(CommandError::Failed {
                command: "rustc -vV".to_owned(),
                status: version.status,
                stderr: String::from_utf8_lossy(&version.stderr).into_owned(),
            });
        }
        Ok(RustcAnswers {
            version: String::from_utf8_lossy(&version.stdout).into_owned(),
            cfg: String::from_utf8_lossy(&cfg.stdout).into_owned(),
            spec,
        })
    }

    /// The memo's key: where and how rustc is chosen.
    fn key(dir: &Path, toolchain: Option<&str>) -> String {
        let env = crate::workspace::BuildEnv::capture();
        let path = std::env::var_os("PATH").unwrap_or_default();
        crate::workspace::unit_graph_memo::memo_key(
            [
                format!("rustc probe in {} with {toolchain:?}", dir.display()),
                format!("PATH={}", path.to_string_lossy()),
            ],
            &env,
        )
    }

    /// Everything whose change may change which rustc runs, or the rustc itself: the
    /// toolchain pins above `dir`, rustup's toolchains and settings, and the `rustc` on `PATH`.
    fn stamps(dir: &Path) -> Vec<crate::workspace::unit_graph_memo::Stamp> {
        let env = crate::workspace::BuildEnv::capture();
        let mut paths: Vec<PathBuf> = dir
            .ancestors()
            .flat_map(|d| [d.join("rust-toolchain"), d.join("rust-toolchain.toml")])
            .collect();
        if let Some(rustup) = crate::workspace::rustup_home(&env) {
            paths.push(rustup.join("toolchains"));
            paths.push(rustup.join("settings.toml"));
        }
        paths.extend(crate::exec::which::find_on_path(
            "rustc",
            std::env::var_os("PATH").as_deref(),
        ));
        paths.extend(std::env::var_os("RUSTC").map(PathBuf::from));
        paths
            .into_iter()
            .map(|p| {
                let stamp = crate::fsutil::file_stamp(&p);
                (p, stamp)
            })
            .collect()
    }

    fn kept(memo: &Path, key: &str) -> Option<RustcAnswers> {
        crate::workspace::unit_graph_memo::Memo::<RustcAnswers>::load(memo, key)?.payload_for(&[])
    }

    fn keep(&self, memo: &Path, key: String, dir: &Path) {
        crate::workspace::unit_graph_memo::Memo::<RustcAnswers>::save(
            memo,
            key,
            RustcAnswers::stamps(dir),
            Vec::new(),
            String::new(),
            self.clone(),
        );
    }
}

fn parse_sysroot_and_cfg(text: &str) -> (Option<PathBuf>, Vec<Cfg>) {
    let mut sysroot = None;
    let mut cfg = Vec::new();
    for line in text.lines() {
        if sysroot.is_none() && line.starts_with('/') {
            sysroot = Some(PathBuf::from(line));
        } else if let Ok(c) = Cfg::from_str(line) {
            cfg.push(c);
        }
    }
    (sysroot, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rustc_version_verbose() {
        let text = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\ncommit-hash: 5980\ncommit-date: 2026-04-14\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\nLLVM version: 22.1.2\n";
        let info = RustcInfo::parse(text).unwrap();
        assert_eq!(info.version, semver::Version::new(1, 95, 0));
        assert_eq!(info.channel, Channel::Stable);
        assert_eq!(info.llvm_major(), Some(22));
        let nightly =
            RustcInfo::parse(&text.replace("release: 1.95.0", "release: 1.89.0-nightly")).unwrap();
        assert_eq!(nightly.channel, Channel::Nightly);
    }

    #[test]
    fn rust_lld_is_the_default_when_the_target_spec_says_so() {
        // The fields as rustc 1.95 prints them for x86_64-unknown-linux-gnu.
        let gnu =
            r#"{"link-self-contained": {"components": ["linker"]}, "linker-flavor": "gnu-lld-cc"}"#;
        assert!(spec_links_with_rust_lld(gnu));
        // An older rustc: the C compiler's linker, nothing self-contained.
        assert!(!spec_links_with_rust_lld(r#"{"linker-flavor": "gnu-cc"}"#));
        assert!(!spec_links_with_rust_lld(
            r#"{"link-self-contained": {"components": []}, "linker-flavor": "gnu-lld-cc"}"#
        ));
        assert!(!spec_links_with_rust_lld("not json"));
    }

    #[test]
    fn parses_sysroot_then_cfg() {
        let (sysroot, cfg) =
            parse_sysroot_and_cfg("/opt/rust\ndebug_assertions\ntarget_os=\"linux\"\nunix\n");
        assert_eq!(sysroot.as_deref(), Some(Path::new("/opt/rust")));
        assert_eq!(cfg.len(), 3);
    }
}
