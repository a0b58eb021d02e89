//! The linkers cargo-tune can switch a build to.

/// A linker a preset can switch to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Linker {
    /// mold, through the C compiler driver (`-fuse-ld=mold`).
    Mold,
    /// wild, through clang (`--ld-path`).
    Wild,
    /// The system's LLVM lld (not the rust-lld bundled with rustc).
    Lld,
    /// GNU ld (BFD), the C compiler's default.
    Bfd,
}

impl Linker {
    /// Every linker, for error messages.
    pub const ALL: &'static [Linker] = &[Linker::Mold, Linker::Wild, Linker::Lld, Linker::Bfd];

    /// The preset value naming it.
    pub fn as_str(self) -> &'static str {
        match self {
            Linker::Mold => "mold",
            Linker::Wild => "wild",
            Linker::Lld => "lld",
            Linker::Bfd => "bfd",
        }
    }

    /// Parses a preset value.
    pub fn parse(name: &str) -> Option<Linker> {
        Linker::ALL.iter().copied().find(|l| l.as_str() == name)
    }

    /// How to install it on Debian or Ubuntu (or with cargo).
    pub fn install_hint(self) -> &'static str {
        match self {
            Linker::Mold => "apt-get install mold",
            Linker::Wild => {
                "cargo install --locked wild-linker@0.10.0 (wild is driven through clang: apt-get install clang)"
            }
            Linker::Lld => "apt-get install lld (or lld-19)",
            Linker::Bfd => "apt-get install binutils gcc",
        }
    }
}
