//! What a CI cache saves of the target directory.

/// The part of the target directory a CI cache saves and restores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CacheLayout {
    /// All of it (`actions/cache` on `target`).
    Whole,
    /// Dependencies only: the workspace members' own artifacts are dropped before saving, as
    /// `Swatinem/rust-cache` does by default.
    Dependencies,
}

impl CacheLayout {
    /// Its preset in `try` (`target-cache`, `target-cache=deps`).
    pub fn preset(self) -> &'static str {
        match self {
            CacheLayout::Whole => "target-cache",
            CacheLayout::Dependencies => "target-cache=deps",
        }
    }

    /// Its layer name in a suggested change (`target-dir`, `target-dir-deps`).
    pub fn layer(self) -> &'static str {
        match self {
            CacheLayout::Whole => "target-dir",
            CacheLayout::Dependencies => "target-dir-deps",
        }
    }

    /// The layout of a layer name.
    pub fn from_layer(layer: &str) -> Option<CacheLayout> {
        match layer {
            "target-dir" => Some(CacheLayout::Whole),
            "target-dir-deps" => Some(CacheLayout::Dependencies),
            _ => None,
        }
    }
}
