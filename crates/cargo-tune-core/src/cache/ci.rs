//! The CI side of a cache choice: the environment and GitHub Actions steps that give a CI
//! build the cache layers a plan measured.

use std::fmt::Write as _;

use cargo_tune_schema::CiCacheSettings;

use super::backend::Backend;

/// The layers of a CI build's cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CiLayers {
    /// sccache, and where its cache lives.
    pub sccache: Option<Backend>,
    /// The target directory (or its dependencies' part) saved and restored by the CI cache.
    pub target_dir: Option<crate::vocab::CacheLayout>,
    /// cargo's `-Z checksum-freshness`, so that a restored target directory is not rebuilt
    /// because the checkout's files have new mtimes.
    pub checksum_freshness: bool,
    /// `CARGO_INCREMENTAL=0`.
    pub incremental_off: bool,
}

impl CiLayers {
    /// Whether any layer is on.
    pub fn is_empty(&self) -> bool {
        *self == CiLayers::default()
    }
}

/// The settings and GitHub Actions steps for `layers`, for builds with `rustc` (its version)
/// and `profile`.
pub fn settings(layers: &CiLayers, rustc: &str, profile: &str) -> CiCacheSettings {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut needs = Vec::new();
    if layers.incremental_off || layers.sccache.is_some() {
        env.push(("CARGO_INCREMENTAL".into(), "0".into()));
    }
    match &layers.sccache {
        Some(Backend::Redis(url)) => {
            env.push(("RUSTC_WRAPPER".into(), "sccache".into()));
            // The settings the private server gets, the password from a secret.
            env.extend(
                crate::probe::sccache::redis_env(url)
                    .into_iter()
                    .map(|(k, v)| {
                        if k == "SCCACHE_REDIS_PASSWORD" {
                            (k, "${{ secrets.SCCACHE_REDIS_PASSWORD }}".to_owned())
                        } else {
                            (k, v)
                        }
                    }),
            );
            needs.push(format!(
                "sccache {}+ on the runner (`{}`) and the Redis at {url} reachable from the runners{}",
                crate::probe::sccache::MIN_VERSION,
                crate::probe::sccache::INSTALL,
                if url.password.is_some() {
                    "; its password in a repository secret SCCACHE_REDIS_PASSWORD"
                } else {
                    ""
                }
            ));
        }
        Some(_) => {
            env.push(("RUSTC_WRAPPER".into(), "sccache".into()));
            env.push((
                "SCCACHE_DIR".into(),
                "${{ github.workspace }}/../sccache".into(),
            ));
            needs.push(format!(
                "sccache {}+ on the runner (`{}`); its directory is saved and restored by the cache step",
                crate::probe::sccache::MIN_VERSION,
                crate::probe::sccache::INSTALL
            ));
        }
        None => {}
    }
    if layers.checksum_freshness {
        env.push(("RUSTC_BOOTSTRAP".into(), "1".into()));
        env.push(("CARGO_UNSTABLE_CHECKSUM_FRESHNESS".into(), "true".into()));
        needs.push(
            "cargo's unstable `-Z checksum-freshness`: a nightly toolchain, or RUSTC_BOOTSTRAP=1 on stable (which unlocks every unstable feature for the build)"
                .to_owned(),
        );
    }
    let key_prefix = format!("target-${{{{ runner.os }}}}-rustc-{rustc}-{profile}-");
    let target_cache_key = (layers.target_dir == Some(crate::vocab::CacheLayout::Whole))
        .then(|| format!("{key_prefix}${{{{ hashFiles('**/Cargo.lock') }}}}"));

    let mut yaml = String::new();
    if !env.is_empty() {
        yaml.push_str("env:\n");
        for (k, v) in &env {
            let _ = writeln!(yaml, "  {k}: \"{v}\"");
        }
    }
    yaml.push_str("steps:\n  - uses: actions/checkout@v4\n");
    if layers.sccache.is_some() {
        let _ = writeln!(
            yaml,
            "  - name: Install sccache\n    run: command -v sccache || {}",
            crate::probe::sccache::INSTALL
        );
    }
    if let Some(Backend::Local(_)) = &layers.sccache {
        yaml.push_str(
            "  - name: Restore the sccache directory\n    uses: actions/cache@v4\n    with:\n      path: ${{ github.workspace }}/../sccache\n      key: sccache-${{ runner.os }}-${{ github.sha }}\n      restore-keys: sccache-${{ runner.os }}-\n",
        );
    }
    if layers.target_dir == Some(crate::vocab::CacheLayout::Dependencies) {
        // Its defaults: the dependencies' part of the target directory and cargo's registry,
        // keyed by the toolchain and the lockfile, incremental compilation off.
        yaml.push_str("  - uses: Swatinem/rust-cache@v2\n");
        needs.push(
            "Swatinem/rust-cache@v2, which also sets CARGO_INCREMENTAL=0 and saves cargo's registry"
                .to_owned(),
        );
    }
    if let Some(key) = &target_cache_key {
        let _ = writeln!(
            yaml,
            "  - name: Restore the target directory\n    uses: actions/cache@v4\n    with:\n      path: target\n      key: {key}\n      restore-keys: {key_prefix}"
        );
    }
    let release = if profile == "release" {
        " --release"
    } else {
        ""
    };
    let _ = writeln!(yaml, "  - run: cargo build --workspace --locked{release}");
    if layers.sccache.is_some() {
        yaml.push_str(
            "  - name: sccache statistics\n    if: always()\n    run: sccache --show-stats\n",
        );
    }
    CiCacheSettings {
        env: env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        target_cache_key,
        needs,
        github_actions: yaml,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::redis::RedisUrl;

    #[test]
    fn redis_settings_keep_the_password_in_a_secret() {
        let url = RedisUrl::parse("redis://:hunter2@cache.internal:6379").unwrap();
        let s = settings(
            &CiLayers {
                sccache: Some(Backend::Redis(url)),
                target_dir: Some(crate::vocab::CacheLayout::Whole),
                checksum_freshness: true,
                incremental_off: true,
            },
            "1.95.0",
            "dev",
        );
        let all = format!("{s:?}");
        assert!(!all.contains("hunter2"), "{all}");
        assert!(s.env.contains(&"CARGO_INCREMENTAL=0".to_owned()));
        assert!(
            s.github_actions
                .contains("SCCACHE_REDIS_PASSWORD: \"${{ secrets.SCCACHE_REDIS_PASSWORD }}\"")
        );
        assert!(
            s.github_actions
                .contains("SCCACHE_REDIS_ENDPOINT: \"redis://cache.internal:6379\"")
        );
        assert!(
            s.github_actions
                .contains("CARGO_UNSTABLE_CHECKSUM_FRESHNESS")
        );
        assert_eq!(
            s.target_cache_key.as_deref(),
            Some("target-${{ runner.os }}-rustc-1.95.0-dev-${{ hashFiles('**/Cargo.lock') }}")
        );
        assert!(s.needs.iter().any(|n| n.contains("RUSTC_BOOTSTRAP=1")));
    }

    #[test]
    fn no_layer_no_cache_steps() {
        let s = settings(&CiLayers::default(), "1.95.0", "dev");
        assert!(s.env.is_empty() && s.needs.is_empty() && s.target_cache_key.is_none());
        assert!(!s.github_actions.contains("actions/cache"));
    }
}
