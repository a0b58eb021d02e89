//! Linkers on this machine: the rustc flags that select each one, checked by a test link, so
//! that `try` measures and `apply` writes only a linker that links.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::Environment;
use crate::cargo::ToolCommand;
use crate::errors::MissingTool;
use crate::exec::which::{find_on_path, find_versioned as versioned};
use crate::vocab::Linker;

/// How one linker is selected on this machine: the rustflags `cargo tune try` measures with,
/// checked by a test link, or why it cannot be used. Resolved before planning, because finding
/// and running tools is not the planner's business.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkerSetup {
    /// `lld`, `mold`, `wild` or `bfd`.
    pub linker: String,
    /// The flags, or the reason there are none.
    pub flags: Result<Vec<String>, String>,
}

/// A linker that is missing or does not link here: a setup error.
#[derive(Debug, thiserror::Error)]
pub enum LinkerError {
    /// Not on `PATH`.
    #[error(transparent)]
    MissingTool(#[from] MissingTool),
    /// A test link with the linker failed.
    #[error("link a test program with {linker} (`{command}`):\n{stderr}")]
    TestLink {
        /// The linker.
        linker: &'static str,
        /// The rustc command.
        command: String,
        /// What rustc said.
        stderr: String,
    },
    /// The probe directory could not be written.
    #[error("prepare the linker test in {}: {source}", dir.display())]
    Io {
        /// Directory.
        dir: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// The flags that make rustc link with `linker`, checking the tools it needs are on `PATH`.
pub fn linker_flags(
    linker: Linker,
    env: &Environment,
    path: Option<&OsStr>,
) -> Result<Vec<String>, LinkerError> {
    let what = format!("linker={}", linker.as_str());
    let missing_tool = |tool: &str, install: &str| {
        LinkerError::MissingTool(MissingTool {
            what: what.clone(),
            tool: tool.to_owned(),
            install: install.to_owned(),
        })
    };
    let missing = |tool: &str| missing_tool(tool, linker.install_hint());
    // lld by version and wild are driven through clang's `--ld-path`; gcc has no such option.
    let need_clang = || {
        find_on_path("clang", path).ok_or_else(|| missing_tool("clang", "apt-get install clang"))
    };
    // With rust-lld as the default, `-fuse-ld=` of another linker is overridden by rustc's own
    // lld selection; switching the lld linker feature off restores the C driver's choice.
    let mut flags: Vec<String> = Vec::new();
    if env.links_with_rust_lld {
        flags.extend(["-C".into(), "linker-features=-lld".into()]);
    }
    match linker {
        Linker::Mold => {
            find_on_path("mold", path).ok_or_else(|| missing("mold"))?;
            flags.extend(["-C".into(), "link-arg=-fuse-ld=mold".into()]);
        }
        Linker::Bfd => {
            find_on_path("ld.bfd", path)
                .or_else(|| find_on_path("ld", path))
                .ok_or_else(|| missing("ld"))?;
            flags.extend(["-C".into(), "link-arg=-fuse-ld=bfd".into()]);
        }
        Linker::Lld => {
            if find_on_path("ld.lld", path).is_some() {
                flags.extend(["-C".into(), "link-arg=-fuse-ld=lld".into()]);
            } else {
                let lld = versioned("ld.lld", path).ok_or_else(|| missing("ld.lld"))?;
                need_clang()?;
                flags.extend(["-C".into(), "linker=clang".into()]);
                flags.extend(["-C".into(), format!("link-arg=--ld-path={}", program(&lld))]);
            }
        }
        Linker::Wild => {
            find_on_path("wild", path).ok_or_else(|| missing("wild"))?;
            need_clang()?;
            flags.extend(["-C".into(), "linker=clang".into()]);
            flags.extend(["-C".into(), "link-arg=--ld-path=wild".into()]);
        }
    }
    Ok(flags)
}

/// The name a tool found on `PATH` is run by. The flags name programs, not paths, so that what
/// `apply` writes into a shared configuration works on every machine that has the tools.
fn program(found: &Path) -> String {
    found.file_name().map_or_else(
        || found.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Links a hello-world with `flags` in `dir`, and checks, where the linker signs its output,
/// that it was really used.
pub fn test_link(linker: Linker, flags: &[String], dir: &Path) -> Result<(), LinkerError> {
    let io = |source| LinkerError::Io {
        dir: dir.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let src = dir.join("probe.rs");
    crate::fsutil::write_atomic(&src, b"fn main() { println!(\"linked\"); }\n").map_err(io)?;
    let out = dir.join(format!("probe-{}", linker.as_str()));
    let cmd = ToolCommand::rustc()
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .args(flags)
        .current_dir(dir);
    let fail = |stderr: String| LinkerError::TestLink {
        linker: linker.as_str(),
        command: cmd.display(),
        stderr,
    };
    cmd.output().map_err(|e| fail(e.to_string()))?;
    let signature: &[u8] = match linker {
        Linker::Mold => b"mold ",
        Linker::Lld => b"LLD ",
        Linker::Wild => b"Linker: Wild",
        Linker::Bfd => b"",
    };
    let bytes = std::fs::read(&out).map_err(io)?;
    if !signature.is_empty() && !bytes.windows(signature.len()).any(|w| w == signature) {
        return Err(fail(format!(
            "the program linked, but its .comment section does not name {}: the flags were overridden",
            linker.as_str()
        )));
    }
    Ok(())
}

/// How each linker in `names` would be selected on this machine: the flags `try` measures with,
/// each checked by a test link in a temporary directory, so that `apply` writes only a linker
/// that links. A dry run leaves nothing behind.
pub fn linker_setups(
    names: &[String],
    env: &Environment,
    path: Option<&OsStr>,
) -> Vec<LinkerSetup> {
    if names.is_empty() {
        return Vec::new();
    }
    let probe = tempfile::Builder::new()
        .prefix("cargo-tune-linker-probe")
        .tempdir();
    names
        .iter()
        .map(|name| {
            let flags = match Linker::parse(name) {
                None => Err(format!(
                    "cargo-tune does not know how to select the linker `{name}`"
                )),
                Some(linker) => match &probe {
                    Ok(dir) => linker_flags(linker, env, path)
                        .and_then(|flags| test_link(linker, &flags, dir.path()).map(|()| flags))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(format!("create a directory to test-link in: {e}")),
                },
            };
            LinkerSetup {
                linker: name.clone(),
                flags,
            }
        })
        .collect()
}
