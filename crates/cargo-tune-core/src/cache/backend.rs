//! Where a build cache lives: sccache's local disk cache, a Redis server sccache shares between
//! machines, or the target directory CI cache actions save and restore. Redis URLs carry
//! passwords, so every rendering of one masks it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::cargo::mask_secrets;

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
    #[error("invalid Redis URL `{url}`: {why}")]
    RedisUrl {
        /// The URL, password masked.
        url: String,
        /// What is wrong.
        why: &'static str,
    },
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
            return RedisUrl::parse(text).map(Backend::Redis);
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

/// A single-node Redis URL, `redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]` (`rediss://` for
/// TLS). Displays with the password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    raw: String,
    /// `rediss` connects with TLS.
    pub tls: bool,
    /// ACL user, if any.
    pub username: Option<String>,
    /// Password, if any (percent-decoded).
    pub password: Option<String>,
    /// Host name or address (brackets of an IPv6 address removed).
    pub host: String,
    /// Port, 6379 unless given.
    pub port: u16,
    /// Database number, if given.
    pub db: Option<u32>,
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_secrets(&self.raw))
    }
}

impl RedisUrl {
    /// Parses a Redis URL.
    pub fn parse(text: &str) -> Result<RedisUrl, BackendError> {
        let bad = |why| BackendError::RedisUrl {
            url: mask_secrets(text),
            why,
        };
        let (tls, rest) = if let Some(rest) = text.strip_prefix("rediss://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("redis://") {
            (false, rest)
        } else {
            return Err(bad("the scheme must be redis:// or rediss://"));
        };
        let rest = rest.split(['#', '?']).next().unwrap_or_default();
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pass) = match u.split_once(':') {
                    Some((user, pass)) => (user, Some(pass)),
                    None => (u, None),
                };
                let user = (!user.is_empty()).then(|| percent_decode(user));
                (user, pass.filter(|p| !p.is_empty()).map(percent_decode))
            }
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            (host, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None | Some("") => 6379,
            Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
        };
        let db = match path.trim_matches('/') {
            "" => None,
            d => Some(d.parse().map_err(|_| bad("the database is not a number"))?),
        };
        Ok(RedisUrl {
            raw: text.to_owned(),
            tls,
            username,
            password,
            host: host.to_owned(),
            port,
            db,
        })
    }

    /// `redis://HOST:PORT` (or `rediss://`), without credentials or database.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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

    #[test]
    fn redis_urls_parse_and_never_show_their_password() {
        let url = RedisUrl::parse("redis://ci:s3cr%40t@cache.example:6380/2").unwrap();
        assert_eq!(url.username.as_deref(), Some("ci"));
        assert_eq!(url.password.as_deref(), Some("s3cr@t"));
        assert_eq!(
            (url.host.as_str(), url.port, url.db),
            ("cache.example", 6380, Some(2))
        );
        assert_eq!(url.to_string(), "redis://ci:***@cache.example:6380/2");
        assert!(!format!("{url:?}").contains("s3cr"));
        let plain = RedisUrl::parse("redis://127.0.0.1").unwrap();
        assert_eq!(
            (plain.port, plain.password.clone(), plain.db),
            (6379, None, None)
        );
        let only_pass = RedisUrl::parse("rediss://:pw@[::1]:7000").unwrap();
        assert!(only_pass.tls);
        assert_eq!((only_pass.host.as_str(), only_pass.port), ("::1", 7000));
        assert_eq!(only_pass.to_string(), "rediss://:***@[::1]:7000");
        assert_eq!(only_pass.endpoint(), "rediss://[::1]:7000");
        assert_eq!(url.endpoint(), "redis://cache.example:6380");
        let err = RedisUrl::parse("redis://:hunter2@host:port").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
