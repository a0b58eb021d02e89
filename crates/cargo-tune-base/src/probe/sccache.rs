//! sccache as cargo-tune runs it: found on `PATH` at a version that speaks what cargo-tune
//! needs, started as a private server (its own port, cache location and empty configuration
//! file) so that a user's running server and its statistics are never touched, and stopped
//! when the [`Server`] value goes, on error and Ctrl-C paths alike.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use cargo_tune_schema::{CacheStats, CompilerCacheCounts, NotCachedReason};

use super::redis::RedisUrl;
use crate::cargo::ToolCommand;
use crate::cargo::mask_secrets;
use crate::exec::which::find_on_path;

/// How to install the version cargo-tune needs.
pub const INSTALL: &str = "cargo install --locked sccache";

/// The oldest sccache cargo-tune drives: 0.8 reads `SCCACHE_REDIS_ENDPOINT` (older releases
/// read `SCCACHE_REDIS`) and prints `--stats-format=json`.
pub const MIN_VERSION: semver::Version = semver::Version::new(0, 8, 0);

/// sccache cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SccacheError {
    /// Not on `PATH`.
    #[error("use sccache: `sccache` is not on PATH (install it: {INSTALL})")]
    Missing,
    /// Too old, or not sccache at all.
    #[error(
        "use sccache: {} is version {found}, and cargo-tune needs {MIN_VERSION} or later (upgrade: {INSTALL})", path.display()
    )]
    Version {
        /// The executable.
        path: PathBuf,
        /// What `--version` said.
        found: String,
    },
    /// A command of sccache failed.
    #[error("use sccache: {0}")]
    Command(#[from] crate::errors::CommandError),
    /// The server's state directory could not be prepared.
    #[error("prepare {}: {source}", path.display())]
    Io {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// `--show-stats` printed something else than the JSON of its known shape.
    #[error("read sccache's statistics: {0}")]
    Stats(String),
    /// No free loopback port.
    #[error("find a free loopback port for a private sccache server: {0}")]
    Port(std::io::Error),
}

/// An sccache executable that answered `--version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sccache {
    /// Where it is.
    pub path: PathBuf,
    /// Its version.
    pub version: semver::Version,
}

/// Finds sccache on `path` (the `PATH` value) and checks its version.
pub fn find(path: Option<&OsStr>) -> Result<Sccache, SccacheError> {
    let exe = find_on_path("sccache", path).ok_or(SccacheError::Missing)?;
    let out = ToolCommand::new(&exe).arg("--version").output()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let version = parse_version(&text).ok_or_else(|| SccacheError::Version {
        path: exe.clone(),
        found: text.clone(),
    })?;
    if version < MIN_VERSION {
        return Err(SccacheError::Version {
            path: exe,
            found: version.to_string(),
        });
    }
    Ok(Sccache { path: exe, version })
}

/// `sccache 0.10.0` → 0.10.0.
pub fn parse_version(text: &str) -> Option<semver::Version> {
    let word = text.strip_prefix("sccache ")?.split_whitespace().next()?;
    semver::Version::parse(word).ok()
}

/// Where a private server keeps its cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// A disk cache in this directory.
    Dir(PathBuf),
    /// A Redis server.
    Redis(RedisUrl),
}

/// The variables that point sccache at `url`. Credentials go in their own variables: sccache
/// (through OpenDAL) sends an empty user name from `redis://:PASSWORD@…` and the server refuses
/// it.
pub fn redis_env(url: &RedisUrl) -> Vec<(String, String)> {
    let mut env = vec![("SCCACHE_REDIS_ENDPOINT".to_owned(), url.endpoint())];
    if let Some(user) = &url.username {
        env.push(("SCCACHE_REDIS_USERNAME".to_owned(), user.clone()));
    }
    if let Some(password) = &url.password {
        env.push(("SCCACHE_REDIS_PASSWORD".to_owned(), password.clone()));
    }
    if let Some(db) = url.db {
        env.push(("SCCACHE_REDIS_DB".to_owned(), db.to_string()));
    }
    env
}

/// A running sccache server cargo-tune started; stopped when dropped.
#[derive(Debug)]
pub struct Server {
    exe: PathBuf,
    env: Vec<(String, String)>,
    port: u16,
    running: bool,
}

/// A loopback port nothing listens on right now.
fn free_port() -> Result<u16, SccacheError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(SccacheError::Port)?;
    Ok(listener.local_addr().map_err(SccacheError::Port)?.port())
}

impl Server {
    /// Starts a server on a free loopback port with its cache in `storage`. `state` holds its
    /// empty configuration file and error log.
    pub fn start(tool: &Sccache, storage: &Storage, state: &Path) -> Result<Server, SccacheError> {
        let io = |source| SccacheError::Io {
            path: state.to_owned(),
            source,
        };
        std::fs::create_dir_all(state).map_err(io)?;
        // An empty configuration file, so that the user's ~/.config/sccache/config cannot
        // point the private server at another cache.
        let conf = state.join("config");
        crate::fsutil::write_atomic(&conf, b"").map_err(io)?;
        let port = free_port()?;
        let mut env = vec![
            ("SCCACHE_SERVER_PORT".to_owned(), port.to_string()),
            ("SCCACHE_CONF".to_owned(), conf.display().to_string()),
            (
                "SCCACHE_ERROR_LOG".to_owned(),
                state.join("error.log").display().to_string(),
            ),
        ];
        match storage {
            Storage::Dir(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| SccacheError::Io {
                    path: dir.clone(),
                    source,
                })?;
                env.push(("SCCACHE_DIR".to_owned(), dir.display().to_string()));
            }
            Storage::Redis(url) => env.extend(redis_env(url)),
        }
        // Marked running before it starts: a start that fails half-way is stopped on drop.
        let server = Server {
            exe: tool.path.clone(),
            env,
            port,
            running: true,
        };
        server.command(&["--start-server"]).output()?;
        Ok(server)
    }

    fn command(&self, args: &[&str]) -> ToolCommand {
        let mut cmd = ToolCommand::new(&self.exe).args(args);
        // The user's SCCACHE_* settings (a bucket, the GitHub Actions cache, another Redis)
        // would pick the storage of a server started from this environment.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SCCACHE_")
                && !self.env.iter().any(|(k, _)| key == k.as_str())
            {
                cmd = cmd.env_remove(&key);
            }
        }
        for (k, v) in &self.env {
            cmd = cmd.env(k, v);
        }
        cmd
    }

    /// The variables a cargo build needs to compile through this server: the wrapper, and the
    /// server's own settings (a client that finds no server starts one from them).
    pub fn build_env(&self) -> Vec<(String, String)> {
        let mut env = vec![("RUSTC_WRAPPER".to_owned(), self.exe.display().to_string())];
        env.extend(self.env.iter().cloned());
        env
    }

    /// Sets the counters to zero.
    pub fn zero_stats(&self) -> Result<(), SccacheError> {
        self.command(&["--zero-stats"]).output()?;
        Ok(())
    }

    /// The counters since the server started or was last zeroed.
    pub fn stats(&self) -> Result<CacheStats, SccacheError> {
        let out = self
            .command(&["--show-stats", "--stats-format=json"])
            .output()?;
        parse_stats(&String::from_utf8_lossy(&out.stdout))
    }

    /// Stops the server.
    pub fn stop(mut self) -> Result<(), SccacheError> {
        self.running = false;
        self.command(&["--stop-server"]).output()?;
        self.wait_closed();
        Ok(())
    }

    /// `--stop-server` returns once the server has been told; wait (a few seconds at most)
    /// until it no longer accepts connections, so that nothing of it outlives cargo-tune.
    fn wait_closed(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.running {
            let _ = self.command(&["--stop-server"]).output();
            self.wait_closed();
        }
    }
}

/// Parses `sccache --show-stats --stats-format=json`.
pub fn parse_stats(json: &str) -> Result<CacheStats, SccacheError> {
    let value: serde_json::Value =
        serde_json::from_str(json.trim()).map_err(|e| SccacheError::Stats(e.to_string()))?;
    let stats = value
        .get("stats")
        .ok_or_else(|| SccacheError::Stats("no `stats` object".to_owned()))?;
    let num = |key: &str| {
        stats
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    // Per-language counters: `{"counts": {"Rust": 3}, "adv_counts": {...}}`.
    let per_language = |key: &str| {
        stats
            .get(key)
            .and_then(|v| v.get("counts"))
            .and_then(serde_json::Value::as_object)
            .map_or(0, |m| {
                m.values().filter_map(serde_json::Value::as_u64).sum()
            })
    };
    let counts = CompilerCacheCounts {
        hits: per_language("cache_hits"),
        misses: per_language("cache_misses"),
        not_cacheable: num("requests_not_cacheable"),
        errors: per_language("cache_errors") + num("cache_read_errors") + num("cache_write_errors"),
    };
    let mut not_cached: Vec<NotCachedReason> = stats
        .get("not_cached")
        .and_then(serde_json::Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(reason, n)| {
                    Some(NotCachedReason {
                        reason: reason.clone(),
                        count: n.as_u64()?,
                        explanation: explain(reason).to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    not_cached.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
    let location = value
        .get("cache_location")
        .and_then(serde_json::Value::as_str)
        .map(mask_secrets)
        .unwrap_or_default();
    Ok(CacheStats {
        compile_requests: num("compile_requests"),
        counts,
        hit_rate: counts.hit_rate(),
        not_cached,
        location,
    })
}

/// What one of sccache's reasons for not caching means, and its fix.
pub fn explain(reason: &str) -> &'static str {
    // sccache adds details in parentheses: `crate-type (bin)`.
    let base = reason.split(" (").next().unwrap_or(reason).trim();
    match base {
        "crate-type" => {
            "a crate that is linked (a binary, test, build script, dylib, cdylib or proc-macro): sccache caches only rlib and staticlib crates"
        }
        "incremental" => {
            "compiled incrementally: sccache cannot cache it; build with CARGO_INCREMENTAL=0 (or `incremental = false` in the profile) where the cache should serve members"
        }
        "-" => {
            "the source came from standard input: cargo asking rustc about the target (`rustc - --print=…`), not a compilation"
        }
        "unhashable" => "an input sccache could not hash",
        "missing input" => {
            "no source file on the command line: cargo asking rustc about itself (`rustc -vV`, `--print`), not a compilation"
        }
        "multiple input files" | "multiple inputs" => "several input files on one command line",
        "output-dir" | "-o" => "no output directory sccache can predict",
        "emit" => "an --emit kind sccache does not cache",
        "extern" => "an --extern dependency sccache could not hash",
        _ => "sccache's own reason; see `sccache --show-stats`",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_the_version_line() {
        assert_eq!(
            parse_version("sccache 0.10.0"),
            Some(semver::Version::new(0, 10, 0))
        );
        assert_eq!(parse_version("ccache version 4.8"), None);
    }

    #[test]
    fn stats_sum_languages_and_explain_every_reason() {
        let json = r#"{"stats":{"compile_requests":12,"requests_not_cacheable":3,
            "cache_hits":{"counts":{"Rust":5,"C/C++":1},"adv_counts":{}},
            "cache_misses":{"counts":{"Rust":2},"adv_counts":{}},
            "cache_errors":{"counts":{},"adv_counts":{}},"cache_read_errors":0,
            "cache_write_errors":1,"not_cached":{"incremental":1,"crate-type":2}},
            "cache_location":"Redis: redis://:pw@127.0.0.1:6379/","version":"0.10.0"}"#;
        let s = parse_stats(json).unwrap();
        assert_eq!(
            (
                s.compile_requests,
                s.counts.hits,
                s.counts.misses,
                s.counts.errors
            ),
            (12, 6, 2, 1)
        );
        assert_eq!(s.hit_rate, Some(0.75));
        assert_eq!(s.not_cached[0].reason, "crate-type");
        assert!(s.not_cached[1].explanation.contains("CARGO_INCREMENTAL=0"));
        assert_eq!(s.location, "Redis: redis://:***@127.0.0.1:6379/");
        assert!(parse_stats("Compile requests 3").is_err());
    }
}
