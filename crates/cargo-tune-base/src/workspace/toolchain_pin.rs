use std::path::{Path, PathBuf};

use crate::errors::LoadError;

/// The toolchain a `rust-toolchain.toml` or `rust-toolchain` file pins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolchainPin {
    /// The file.
    pub path: PathBuf,
    /// The channel (`stable`, `1.95.0`, `nightly-2026-05-01`) or custom toolchain name.
    pub channel: String,
    /// `components = […]`.
    pub components: Vec<String>,
}

impl ToolchainPin {
    /// Finds the nearest pin file in `dir` or its parents, as rustup does.
    pub fn discover(dir: &Path) -> Result<Option<ToolchainPin>, LoadError> {
        for dir in dir.ancestors() {
            for name in ["rust-toolchain", "rust-toolchain.toml"] {
                let path = dir.join(name);
                if path.is_file() {
                    return ToolchainPin::read(&path).map(Some);
                }
            }
        }
        Ok(None)
    }

    fn read(path: &Path) -> Result<ToolchainPin, LoadError> {
        let text = std::fs::read_to_string(path).map_err(LoadError::read(path))?;
        let trimmed = text.trim();
        // The legacy format is a bare channel name on one line.
        if !trimmed.contains('=') && !trimmed.contains('[') {
            return Ok(ToolchainPin {
                path: path.to_owned(),
                channel: trimmed.to_owned(),
                components: vec![],
            });
        }
        let doc = toml_edit::Document::parse(text.as_str())
            .map_err(|e| LoadError::toml(path.to_owned(), &text, &e))?;
        let toolchain = doc.get("toolchain");
        let channel = toolchain
            .and_then(|t| t.get("channel").or_else(|| t.get("path")))
            .and_then(|c| c.as_str())
            .unwrap_or("")
            .to_owned();
        let components = toolchain
            .and_then(|t| t.get("components"))
            .and_then(|c| c.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ToolchainPin {
            path: path.to_owned(),
            channel,
            components,
        })
    }

    /// Whether rustup has this toolchain installed under `rustup_home`. `None` when that cannot
    /// be known (no rustup, or a path toolchain).
    pub fn is_installed(&self, rustup_home: &Path) -> Option<bool> {
        if self.channel.is_empty() || self.channel.contains('/') {
            return None;
        }
        let entries = std::fs::read_dir(rustup_home.join("toolchains")).ok()?;
        let channel = self.channel.as_str();
        Some(entries.filter_map(Result::ok).any(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name == channel
                || name
                    .strip_prefix(channel)
                    .and_then(|rest| rest.strip_prefix('-'))
                    // What follows the channel must be a host triple, not more of a version or
                    // date (so `1.95` is not satisfied by `1.95.0-x86_64-…`).
                    .is_some_and(|rest| rest.split('-').next().is_some_and(is_arch))
        }))
    }
}

fn is_arch(word: &str) -> bool {
    !word.is_empty()
        && !word.chars().all(|c| c.is_ascii_digit())
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_matches_channel_with_host_suffix_only() {
        let home = tempfile::tempdir().unwrap();
        for name in [
            "stable-x86_64-unknown-linux-gnu",
            "1.95.0-x86_64-unknown-linux-gnu",
            "nightly-2026-05-01-x86_64-unknown-linux-gnu",
        ] {
            std::fs::create_dir_all(home.path().join("toolchains").join(name)).unwrap();
        }
        let pin = |c: &str| ToolchainPin {
            path: "rust-toolchain".into(),
            channel: c.into(),
            components: vec![],
        };
        assert_eq!(pin("stable").is_installed(home.path()), Some(true));
        assert_eq!(pin("1.95.0").is_installed(home.path()), Some(true));
        assert_eq!(pin("1.95").is_installed(home.path()), Some(false));
        assert_eq!(
            pin("nightly-2026-05-01").is_installed(home.path()),
            Some(true)
        );
        assert_eq!(pin("nightly").is_installed(home.path()), Some(false));
        assert_eq!(pin("1.80.0").is_installed(home.path()), Some(false));
    }
}
