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
        let tools = Tools::scan(std::env::var_os("PATH").as_deref());
        let host = HostInfo::probe();
        let version = version.join().expect("rustc -vV thread")?;
        let version_text = String::from_utf8_lossy(&version.stdout);
        let rustc = RustcInfo::parse(&version_text).ok_or_else(|| CommandError::Failed {
            command: "rustc -vV".to_owned(),
            status: version.status,
            stderr: format!("unrecognised output: {version_text}"),
        })?;
        let (sysroot, host_cfg) = parse_sysroot_and_cfg(&String::from_utf8_lossy(&cfg.stdout));
        let nightly = crate::workspace::rustup_home(&crate::workspace::BuildEnv::capture())
            .and_then(|home| toolchains::installed_nightly(&home, &rustc.host));
        let links_with_rust_lld = spec
            .join()
            .expect("rustc --print target-spec-json thread")
            .ok()
            .filter(|o| o.status.success())
            .is_some_and(|o| spec_links_with_rust_lld(&String::from_utf8_lossy(&o.stdout)));
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
