//! Other rustup toolchains than the one in use: what is installed (read from rustup's home, with
//! no process run, for audit), and the exact cargo and rustc of one (asked from rustup, for a
//! measurement). Nothing here ever installs or downloads a toolchain.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use super::RustcInfo;
use crate::cargo::ToolCommand;

/// The rustup component that holds the Cranelift codegen backend.
pub const CRANELIFT_COMPONENT: &str = "rustc-codegen-cranelift-preview";

/// A toolchain found in rustup's home without running anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstalledToolchain {
    /// Its rustup name (`nightly-x86_64-unknown-linux-gnu`).
    pub name: String,
    /// The dist date of its channel manifest, if it has one.
    pub date: Option<String>,
    /// Whether the Cranelift component is installed in it.
    pub cranelift: bool,
}

/// The `nightly` toolchain for `host` in `rustup_home`, as `rustup +nightly` would pick it.
pub fn installed_nightly(rustup_home: &Path, host: &str) -> Option<InstalledToolchain> {
    let name = format!("nightly-{host}");
    let dir = rustup_home.join("toolchains").join(&name);
    if !dir.join("bin").is_dir() {
        return None;
    }
    let rustlib = dir.join("lib/rustlib");
    let components = std::fs::read_to_string(rustlib.join("components")).unwrap_or_default();
    let cranelift = components
        .lines()
        .any(|c| c.starts_with("rustc-codegen-cranelift"))
        || has_cranelift_backend(&dir, host);
    Some(InstalledToolchain {
        name,
        date: manifest_date(&rustlib.join("multirust-channel-manifest.toml")),
        cranelift,
    })
}

/// Whether the sysroot `sysroot` holds the Cranelift backend library.
pub fn has_cranelift_backend(sysroot: &Path, host: &str) -> bool {
    let dir = sysroot
        .join("lib/rustlib")
        .join(host)
        .join("codegen-backends");
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().contains("cranelift"))
    })
}

/// `date = "…"` near the top of a channel manifest; the rest of the file (hundreds of
/// kilobytes of download URLs) is not read.
fn manifest_date(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    std::io::BufReader::new(file)
        .lines()
        .take(8)
        .map_while(Result::ok)
        .find_map(|line| {
            let value = line.strip_prefix("date")?.trim_start().strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
}

/// A toolchain other than the one in use, resolved for running its cargo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolchainRun {
    /// What the user asked for (`nightly`).
    pub name: String,
    /// The rustup toolchain it resolved to (`nightly-x86_64-unknown-linux-gnu`).
    pub rustup_name: String,
    /// Its cargo.
    pub cargo: PathBuf,
    /// Its rustc.
    pub rustc: PathBuf,
    /// What its rustc says of itself.
    pub info: RustcInfo,
    /// `rustc -V` of it.
    pub version_line: String,
}

/// Why a toolchain cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// rustup is not on `PATH`.
    #[error(
        "measure {what}: it needs rustup's {name} toolchain, and rustup is not on PATH (install rustup, then: rustup toolchain install {name} --profile minimal)"
    )]
    NoRustup {
        /// What needed it.
        what: String,
        /// The toolchain.
        name: String,
    },
    /// Not installed; cargo-tune installs nothing.
    #[error(
        "measure {what}: it needs a {name} toolchain, which is not installed (install it: rustup toolchain install {name} --profile minimal)"
    )]
    NotInstalled {
        /// What needed it.
        what: String,
        /// The toolchain.
        name: String,
    },
    /// rustup or the toolchain's rustc failed.
    #[error("measure {what}: {message}")]
    Broken {
        /// What needed it.
        what: String,
        /// What went wrong.
        message: String,
    },
}

/// rustup, never allowed to install a missing toolchain on its own.
fn rustup() -> ToolCommand {
    ToolCommand::new("rustup").env("RUSTUP_AUTO_INSTALL", "0")
}

/// Whether `listed` (a line of `rustup toolchain list`) is the toolchain `name` for `host`.
fn lists(listed: &str, name: &str, host: &str) -> Option<String> {
    let toolchain = listed.split_whitespace().next()?;
    (toolchain == name || toolchain == format!("{name}-{host}")).then(|| toolchain.to_owned())
}

/// Resolves the installed toolchain `name` for `host` (which `what` needs), asking rustup for its
/// cargo and rustc. A toolchain that is not listed as installed is refused before rustup is asked
/// anything that could install it.
pub fn resolve(name: &str, host: &str, what: &str) -> Result<ToolchainRun, ToolchainError> {
    let list = match rustup().args(["toolchain", "list"]).output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
        Err(crate::errors::CommandError::Spawn { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return Err(ToolchainError::NoRustup {
                what: what.to_owned(),
                name: name.to_owned(),
            });
        }
        Err(e) => {
            return Err(ToolchainError::Broken {
                what: what.to_owned(),
                message: e.to_string(),
            });
        }
    };
    let Some(rustup_name) = list.lines().find_map(|l| lists(l, name, host)) else {
        return Err(ToolchainError::NotInstalled {
            what: what.to_owned(),
            name: name.to_owned(),
        });
    };
    let broken = |message: String| ToolchainError::Broken {
        what: what.to_owned(),
        message,
    };
    let which = |tool: &str| -> Result<PathBuf, ToolchainError> {
        let out = rustup()
            .args(["which", "--toolchain", &rustup_name, tool])
            .output()
            .map_err(|e| broken(e.to_string()))?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if path.is_empty() {
            return Err(broken(format!("rustup names no {tool} for {rustup_name}")));
        }
        Ok(PathBuf::from(path))
    };
    let cargo = which("cargo")?;
    let rustc = which("rustc")?;
    let out = ToolCommand::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| broken(e.to_string()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let info = RustcInfo::parse(&text)
        .ok_or_else(|| broken(format!("unrecognised `rustc -vV` output: {text}")))?;
    let version_line = text.lines().next().unwrap_or_default().trim().to_owned();
    Ok(ToolchainRun {
        name: name.to_owned(),
        rustup_name,
        cargo,
        rustc,
        info,
        version_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_list_lines_match_by_name_or_full_name() {
        let host = "x86_64-unknown-linux-gnu";
        assert_eq!(
            lists(
                "nightly-x86_64-unknown-linux-gnu (active) /r/toolchains/n",
                "nightly",
                host
            )
            .as_deref(),
            Some("nightly-x86_64-unknown-linux-gnu")
        );
        assert_eq!(
            lists(
                "nightly-2026-05-01-x86_64-unknown-linux-gnu",
                "nightly",
                host
            ),
            None
        );
        assert_eq!(
            lists("stable-x86_64-unknown-linux-gnu (default)", "nightly", host),
            None
        );
        assert_eq!(
            lists("nightly", "nightly", host).as_deref(),
            Some("nightly")
        );
    }

    #[test]
    fn installed_nightly_reads_components_and_date_from_rustups_home() {
        let home = tempfile::tempdir().unwrap();
        let host = "x86_64-unknown-linux-gnu";
        assert_eq!(installed_nightly(home.path(), host), None);
        let dir = home
            .path()
            .join("toolchains/nightly-x86_64-unknown-linux-gnu");
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("lib/rustlib")).unwrap();
        let write = |name: &str, text: &str| {
            crate::fsutil::write_atomic(&dir.join("lib/rustlib").join(name), text.as_bytes())
                .unwrap();
        };
        write(
            "multirust-channel-manifest.toml",
            "manifest-version = \"2\"\ndate = \"2026-05-20\"\n",
        );
        write(
            "components",
            "rustc-x86_64-unknown-linux-gnu\ncargo-x86_64-unknown-linux-gnu\n",
        );
        let found = installed_nightly(home.path(), host).unwrap();
        assert_eq!(found.date.as_deref(), Some("2026-05-20"));
        assert!(!found.cranelift);
        write(
            "components",
            "rustc-x86_64-unknown-linux-gnu\nrustc-codegen-cranelift-preview-x86_64-unknown-linux-gnu\n",
        );
        assert!(installed_nightly(home.path(), host).unwrap().cranelift);
    }
}
