//! Which rustflags cargo passes for the host, and which sources it silently ignores.
//!
//! cargo takes rustflags from exactly one source, the first that is set of:
//! `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, every matching `target.<triple>.rustflags` and
//! `target.<cfg>.rustflags` (joined), then `build.rustflags`. Setting a higher one drops the lower
//! ones entirely — the trap that makes a `build.rustflags` linker setting vanish as soon as a
//! `target.…rustflags` exists.

use std::str::FromStr;

use cargo_metadata::cargo_platform::{Cfg, Platform};
use toml_edit::Item;

use super::{BuildEnv, CargoConfig};
use cargo_tune_schema::Location;

/// One place rustflags can come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustflagsSource {
    /// `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, `target.x86_64-unknown-linux-gnu.rustflags`, …
    pub name: String,
    /// The flags it holds.
    pub flags: Vec<String>,
    /// Where it is written, for configuration files.
    pub location: Option<Location>,
}

/// The rustflags in effect for the host and the sources they shadow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RustflagsResolution {
    /// The sources that apply (several only for joined `target.*` tables), highest first.
    pub effective: Vec<RustflagsSource>,
    /// Sources that are set but ignored because a higher one is set.
    pub shadowed: Vec<RustflagsSource>,
}

impl RustflagsResolution {
    /// The flags cargo passes.
    pub fn flags(&self) -> Vec<String> {
        self.effective
            .iter()
            .flat_map(|s| s.flags.iter().cloned())
            .collect()
    }

    /// Resolves for `host` (triple) with its `cfg`s.
    pub fn for_host(config: &CargoConfig, env: &BuildEnv, host: &str, host_cfg: &[Cfg]) -> Self {
        let mut tiers: Vec<Vec<RustflagsSource>> = Vec::new();
        if let Some(v) = env.get("CARGO_ENCODED_RUSTFLAGS") {
            tiers.push(vec![env_source(
                "CARGO_ENCODED_RUSTFLAGS",
                v.split('\x1f').map(str::to_owned).collect(),
            )]);
        }
        if let Some(v) = env.get("RUSTFLAGS") {
            tiers.push(vec![env_source("RUSTFLAGS", split(v))]);
        }
        let mut target = Vec::new();
        let triple_var = format!(
            "CARGO_TARGET_{}_RUSTFLAGS",
            host.to_uppercase().replace(['-', '.'], "_")
        );
        if let Some(v) = env.get(&triple_var) {
            target.push(env_source(&triple_var, split(v)));
        }
        for key in config.keys(&["target"]) {
            let applies = if key.starts_with("cfg(") {
                Platform::from_str(&key).is_ok_and(|p| p.matches(host, host_cfg))
            } else {
                key == host
            };
            if applies && let Some(source) = config_source(config, &["target", &key, "rustflags"]) {
                target.push(source);
            }
        }
        if !target.is_empty() {
            tiers.push(target);
        }
        let mut build = Vec::new();
        if let Some(v) = env.get("CARGO_BUILD_RUSTFLAGS") {
            build.push(env_source("CARGO_BUILD_RUSTFLAGS", split(v)));
        } else if let Some(source) = config_source(config, &["build", "rustflags"]) {
            build.push(source);
        }
        if !build.is_empty() {
            tiers.push(build);
        }
        let mut tiers = tiers.into_iter();
        RustflagsResolution {
            effective: tiers.next().unwrap_or_default(),
            shadowed: tiers.flatten().filter(|s| !s.flags.is_empty()).collect(),
        }
    }
}

fn env_source(name: &str, flags: Vec<String>) -> RustflagsSource {
    RustflagsSource {
        name: name.to_owned(),
        flags,
        location: None,
    }
}

fn split(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Arrays from every layer are joined (lower precedence first), as cargo merges config arrays; a
/// string in the highest layer that has one replaces them.
fn config_source(config: &CargoConfig, path: &[&str]) -> Option<RustflagsSource> {
    let all = config.get_all(path);
    let (_, top_layer) = all.first()?;
    let mut flags = Vec::new();
    for (item, _) in all.iter().rev() {
        match item {
            Item::Value(toml_edit::Value::Array(a)) => {
                flags.extend(a.iter().filter_map(|v| v.as_str().map(str::to_owned)));
            }
            Item::Value(toml_edit::Value::String(s)) => flags = split(s.value()),
            _ => {}
        }
    }
    Some(RustflagsSource {
        name: path
            .iter()
            .map(|p| {
                if p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    (*p).to_owned()
                } else {
                    format!("'{p}'")
                }
            })
            .collect::<Vec<_>>()
            .join("."),
        flags,
        location: top_layer.file.location_of(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[expect(clippy::disallowed_methods, reason = "test fixture")]
    fn config(text: &str) -> (tempfile::TempDir, CargoConfig) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".cargo")).unwrap();
        std::fs::write(dir.path().join(".cargo/config.toml"), text).unwrap();
        let config = CargoConfig::discover(dir.path(), None, dir.path()).unwrap();
        (dir, config)
    }

    fn cfgs() -> Vec<Cfg> {
        ["unix", "target_os=\"linux\""]
            .iter()
            .map(|c| Cfg::from_str(c).unwrap())
            .collect()
    }

    #[test]
    fn target_tables_shadow_build_rustflags() {
        let (_d, config) = config(
            "[build]\nrustflags = [\"-Clink-arg=-fuse-ld=mold\"]\n[target.'cfg(unix)']\nrustflags = [\"-Ctarget-cpu=native\"]\n[target.x86_64-unknown-linux-gnu]\nrustflags = \"--cfg a\"\n",
        );
        let r = RustflagsResolution::for_host(
            &config,
            &BuildEnv::default(),
            "x86_64-unknown-linux-gnu",
            &cfgs(),
        );
        assert_eq!(r.flags(), ["-Ctarget-cpu=native", "--cfg", "a"]);
        assert_eq!(r.shadowed.len(), 1);
        assert_eq!(r.shadowed[0].name, "build.rustflags");
        assert_eq!(r.shadowed[0].location.as_ref().unwrap().line, 2);
    }

    #[test]
    fn rustflags_env_shadows_all_config() {
        let (_d, config) = config("[build]\nrustflags = [\"-Cdebuginfo=0\"]\n");
        let env = BuildEnv::from_vars([("RUSTFLAGS".to_owned(), "-Copt-level=1".to_owned())]);
        let r = RustflagsResolution::for_host(&config, &env, "x86_64-unknown-linux-gnu", &cfgs());
        assert_eq!(r.flags(), ["-Copt-level=1"]);
        assert_eq!(r.shadowed[0].name, "build.rustflags");
    }

    #[test]
    fn non_matching_cfg_is_ignored() {
        let (_d, config) = config(
            "[target.'cfg(windows)']\nrustflags = [\"-Ccrt-static\"]\n[build]\nrustflags = [\"-Cx\"]\n",
        );
        let r = RustflagsResolution::for_host(
            &config,
            &BuildEnv::default(),
            "x86_64-unknown-linux-gnu",
            &cfgs(),
        );
        assert_eq!(r.flags(), ["-Cx"]);
        assert!(r.shadowed.is_empty());
    }
}
