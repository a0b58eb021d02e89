//! The LLVM tools PGO and BOLT need, each matched to rustc's LLVM, and the checks a binary must
//! pass before BOLT can rewrite it.

use std::path::{Path, PathBuf};

use cargo_tune_schema::EffectiveProfile;

use super::{PgoError, section_names};
use crate::errors::IoError;
use crate::probe::Environment;

/// The LLVM tools a run uses, each matched to rustc's LLVM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgoTools {
    /// `llvm-profdata`.
    pub profdata: PathBuf,
    /// `llvm-bolt` and `merge-fdata`, with `--bolt`.
    pub bolt: Option<BoltTools>,
}

/// BOLT's two programs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoltTools {
    /// `llvm-bolt`.
    pub bolt: PathBuf,
    /// `merge-fdata`.
    pub merge_fdata: PathBuf,
}

/// Picks `llvm-profdata` (and with `bolt`, `llvm-bolt` and `merge-fdata`) for rustc's LLVM
/// major, from `PATH` or the toolchain's own `llvm-tools` component.
pub fn find_tools(env: &Environment, bolt: bool) -> Result<PgoTools, PgoError> {
    let rustc = env.rustc.version.to_string();
    let major = env
        .rustc
        .llvm_major()
        .ok_or_else(|| PgoError::NoLlvmVersion {
            rustc: rustc.clone(),
        })?;
    let component = env.sysroot.as_ref().map(|s| {
        s.join("lib/rustlib")
            .join(&env.rustc.host)
            .join("bin/llvm-profdata")
    });
    let profdata = match env.tools.matching_llvm("llvm-profdata", major) {
        Some((_, found)) => found.path.clone(),
        None => match component.filter(|p| crate::exec::which::is_executable(p)) {
            Some(path) => path,
            None => {
                let installed: Vec<String> = env
                    .tools
                    .variants("llvm-profdata")
                    .map(|(name, l)| match l.llvm_major {
                        Some(m) => format!("{name} (LLVM {m})"),
                        None => format!("{name} (LLVM version unknown)"),
                    })
                    .collect();
                return Err(PgoError::ProfdataMismatch {
                    major,
                    rustc,
                    installed: if installed.is_empty() {
                        "none is installed".to_owned()
                    } else {
                        format!("installed: {}", installed.join(", "))
                    },
                });
            }
        },
    };
    let bolt = if bolt {
        // BOLT rewrites machine code, so its version need not match rustc's; the matching one
        // is still preferred, then the newest.
        let pick = |base: &str| {
            env.tools
                .matching_llvm(base, major)
                .or_else(|| env.tools.variants(base).max_by_key(|(_, l)| l.llvm_major))
                .map(|(_, l)| l.path.clone())
        };
        let missing = |tool: &str| PgoError::MissingTool {
            tool: tool.to_owned(),
            install: format!("apt-get install bolt-{major}"),
        };
        Some(BoltTools {
            bolt: pick("llvm-bolt").ok_or_else(|| missing("llvm-bolt"))?,
            merge_fdata: pick("merge-fdata").ok_or_else(|| missing("merge-fdata"))?,
        })
    } else {
        None
    };
    Ok(PgoTools { profdata, bolt })
}

/// Refuses `--bolt` before any build when the release profile strips symbols: the link that
/// keeps relocations for BOLT cannot strip (lld refuses the pair), and BOLT needs the symbols.
pub fn check_release_strip(profiles: &[EffectiveProfile]) -> Result<(), PgoError> {
    let Some(strip) = profiles
        .iter()
        .find(|p| p.name == "release")
        .and_then(|p| p.values.iter().find(|v| v.key == "strip"))
    else {
        return Ok(());
    };
    let strips_symbols = matches!(&strip.value, serde_json::Value::Bool(true))
        || strip.value.as_str() == Some("symbols");
    if !strips_symbols {
        return Ok(());
    }
    let place = strip.source.place();
    Err(PgoError::StrippedProfile {
        value: strip.value.to_string(),
        place,
    })
}

pub(super) const STRIP_FIX: &str = "set `strip = false` (or \"debuginfo\") in [profile.release], and check that neither CARGO_PROFILE_RELEASE_STRIP nor a `-Cstrip` rustflag strips symbols";

/// BOLT needs the symbol table and the relocations the link kept (`--emit-relocs`).
pub(super) fn check_bolt_input(binary: &Path) -> Result<(), PgoError> {
    let sections = section_names(binary).map_err(IoError::at("read", binary))?;
    let Some(sections) = sections else {
        return Err(PgoError::BoltInput {
            binary: binary.to_owned(),
            reason: "it is not a 64-bit little-endian ELF file".to_owned(),
            fix: "BOLT only rewrites ELF binaries (Linux x86-64 and AArch64)".to_owned(),
        });
    };
    if !sections.iter().any(|s| s == ".symtab") {
        return Err(PgoError::BoltInput {
            binary: binary.to_owned(),
            reason: "the binary is stripped (it has no .symtab)".to_owned(),
            fix: STRIP_FIX.to_owned(),
        });
    }
    if !sections.iter().any(|s| s.starts_with(".rela.text")) {
        return Err(PgoError::BoltInput {
            binary: binary.to_owned(),
            reason: "the link kept no relocations (no .rela.text section)".to_owned(),
            fix: "link with a linker that honours `-Wl,--emit-relocs` (ld.bfd, lld or mold), and do not strip the binary".to_owned(),
        });
    }
    Ok(())
}
