//! The document of `cargo tune cache`: which backend, whether it answers, and what sccache
//! counted over the builds cargo-tune ran through it.

use serde::{Deserialize, Serialize};

use crate::{CompilerCacheCounts, ToolInfo};

/// What `cargo tune cache status` or `cargo tune cache verify` found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheReport {
    /// [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// `cache status` or `cache verify`.
    pub command: String,
    /// Which tool wrote it.
    pub tool: ToolInfo,
    /// The backend as given, any password masked (`redis://:***@host:6379`, `local=DIR`,
    /// `target-dir`).
    pub backend: String,
    /// The checks, in order.
    pub checks: Vec<CacheCheck>,
    /// Per build `cache verify` ran, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<CacheBuild>,
}

/// One check of the setup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheCheck {
    /// `sccache`, `backend`, `server`.
    pub name: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found (a version, a reachable URL) or what is wrong and its fix.
    pub detail: String,
}

/// One build `cache verify` ran, from an empty target directory, and what the cache did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheBuild {
    /// `cold` (the cache as found) or `warm` (the same build again, fresh target directory).
    pub label: String,
    /// Wall time of the build, seconds.
    pub wall_s: f64,
    /// Units cargo compiled (not fresh).
    pub units_compiled: u32,
    /// Units in the build.
    pub units_total: u32,
    /// What sccache counted during it, when sccache served it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<CacheStats>,
    /// Why the cache missed where it did, as far as cargo-tune can tell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub miss_causes: Vec<String>,
}

/// sccache's counters over one build (from `sccache --show-stats --stats-format=json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Compiler invocations sccache was asked to handle.
    pub compile_requests: u64,
    /// What became of them; those not cacheable for the reasons in `not_cached`.
    #[serde(flatten)]
    pub counts: CompilerCacheCounts,
    /// `hits / (hits + misses)`, when there was either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit_rate: Option<f64>,
    /// Why compilations were not cached, most frequent first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_cached: Vec<NotCachedReason>,
    /// Where sccache keeps the cache, any password masked.
    pub location: String,
}

/// One reason sccache gave for not caching, with its count and what to do about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotCachedReason {
    /// sccache's key (`crate-type`, `incremental`, …).
    pub reason: String,
    /// Compilations.
    pub count: u64,
    /// What it means and the fix, if there is one.
    pub explanation: String,
}

/// The cache settings a `plan --goal ci` chose, and the CI configuration that applies them: its
/// "configuration template".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CiCacheSettings {
    /// Environment of the CI build, `NAME=value`, secrets as placeholders.
    pub env: Vec<String>,
    /// The key the target directory is cached under (toolchain, profile, `Cargo.lock`), when
    /// the plan caches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cache_key: Option<String>,
    /// What the settings need on the runner (a nightly feature on stable, a tool, a secret).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// GitHub Actions steps applying them.
    pub github_actions: String,
}
