//! Where a build cache lives: sccache's local disk cache, a Redis server sccache shares between
//! machines, or the target directory CI cache actions save and restore. Redis URLs carry
//! passwords, so every rendering of one masks it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::cargo::mask_secrets;
use crate::probe::redis::{RedisUrl, RedisUrlError};

/// A cache backend, as `--backend` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// sccache with its disk cache in this directory.
    Local(PathBuf),
    /// sccache with its cache in Redis.
    Redis(RedisUrl),
    /// No compiler cache: the target directory, saved and restored under a key of toolchain,
    /// `Cargo.lock` and profile.
    TargetDir,
}

/// A `--backend` value cargo-tune cannot use: a usage error.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Not one of the forms.
    #[error(
        "unknown cache backend `{0}`; expected `local`, `local=DIR`, `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` or `target-dir`"
    )]
    Unknown(String),
    /// A Redis URL that does not parse.
    #[error(transparent)]
    RedisUrl(#[from] RedisUrlError),
}

impl Backend {
    /// Parses a `--backend` value; `local` alone means `default_dir`.
    pub fn parse(text: &str, default_dir: &Path) -> Result<Backend, BackendError> {
        let text = text.trim();
        if text == "local" {
            return Ok(Backend::Local(default_dir.to_owned()));
        }
        if let Some(dir) = text.strip_prefix("local=").filter(|d| !d.is_empty()) {
            return Ok(Backend::Local(PathBuf::from(dir)));
        }
        if text == "target-dir" {
            return Ok(Backend::TargetDir);
        }
        if text.starts_with("redis://") || text.starts_with("rediss://") {
            return Ok(Backend::Redis(RedisUrl::parse(text)?));
        }
        Err(BackendError::Unknown(mask_secrets(text)))
    }

    /// Whether sccache serves it.
    pub fn uses_sccache(&self) -> bool {
        !matches!(self, Backend::TargetDir)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Local(dir) => write!(f, "local={}", dir.display()),
            Backend::Redis(url) => url.fmt(f),
            Backend::TargetDir => f.write_str("target-dir"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_parse_from_their_names() {
        let home = Path::new("/cache");
        assert_eq!(
            Backend::parse("local", home),
            Ok(Backend::Local(home.into()))
        );
        assert_eq!(
            Backend::parse("local=/tmp/x", home),
            Ok(Backend::Local("/tmp/x".into()))
        );
        assert_eq!(Backend::parse("target-dir", home), Ok(Backend::TargetDir));
        let err = Backend::parse("s3://bucket", home).unwrap_err();
        assert!(err.to_string().contains("redis://"), "{err}");
    }
}
