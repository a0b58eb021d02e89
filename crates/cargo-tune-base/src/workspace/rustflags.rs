//! Which rustflags cargo passes for the host, and which sources it silently ignores.
//!
//! cargo takes rustflags from exactly one tier, the first that is set of:
//! `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, every matching `target.<triple>.rustflags` and
//! `target.<cfg>.rustflags` (joined), then `build.rustflags`. Setting a higher tier drops the
//! lower ones entirely — the trap that makes a `build.rustflags` linker setting vanish as soon as
//! a `target.…rustflags` exists. Within a tier, configuration values are lists merged across
//! files (lowest precedence first), then the `CARGO_…` variable, then `--config` arguments.

use std::str::FromStr;

use cargo_platform::{Cfg, Platform};
use toml_edit::Item;

use super::{BuildEnv, CargoConfig};
use cargo_tune_schema::Location;

/// Everything cargo reads rustflags from, for host builds (no `--target`).
#[derive(Clone, Copy, Debug)]
pub struct RustflagsInputs<'a> {
    /// The captured environment.
    pub env: &'a BuildEnv,
    /// The layered configuration files.
    pub config: &'a CargoConfig,
    /// The user's `--config KEY=VALUE` arguments, in order.
    pub cli_config: &'a [String],
    /// The host triple.
    pub host: &'a str,
    /// `rustc --print cfg` for the host.
    pub host_cfg: &'a [Cfg],
}

/// One place rustflags can come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustflagsSource {
    /// `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, `target.x86_64-unknown-linux-gnu.rustflags`,
    /// `target.'cfg(unix)'.rustflags` or `build.rustflags`.
    pub name: String,
    /// The flags it holds, merged as cargo merges them.
    pub flags: Vec<String>,
    /// Where it is written in the highest configuration file that sets it.
    pub location: Option<Location>,
}

/// The rustflags in effect for the host and the sources they shadow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RustflagsResolution {
    /// The sources that apply (several only for joined `target.*` tables).
    pub effective: Vec<RustflagsSource>,
    /// Sources that are set but ignored because a higher tier is set.
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

    /// The tier in effect: `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, `target.<triple>.rustflags`,
    /// `build.rustflags` or `none`.
    pub fn tier(&self) -> &'static str {
        match self.effective.first().map(|s| s.name.as_str()) {
            None => "none",
            Some("CARGO_ENCODED_RUSTFLAGS") => "CARGO_ENCODED_RUSTFLAGS",
            Some("RUSTFLAGS") => "RUSTFLAGS",
            Some(name) if name.starts_with("build.") => "build.rustflags",
            Some(_) => "target.<triple>.rustflags",
        }
    }

    /// Resolves rustflags from files and environment only (no `--config`).
    pub fn for_host(config: &CargoConfig, env: &BuildEnv, host: &str, host_cfg: &[Cfg]) -> Self {
        RustflagsResolution::resolve(&RustflagsInputs {
            env,
            config,
            cli_config: &[],
            host,
            host_cfg,
        })
    }

    /// Resolves rustflags as cargo would for a host build.
    pub fn resolve(inputs: &RustflagsInputs<'_>) -> Self {
        let env = inputs.env;
        let mut tiers: Vec<Vec<RustflagsSource>> = Vec::new();
        if let Some(v) = env.get("CARGO_ENCODED_RUSTFLAGS") {
            tiers.push(vec![plain(
                "CARGO_ENCODED_RUSTFLAGS",
                v.split('\x1f').map(str::to_owned).collect(),
            )]);
        }
        if let Some(v) = env.get("RUSTFLAGS") {
            tiers.push(vec![plain("RUSTFLAGS", split(v))]);
        }
        let target: Vec<RustflagsSource> = target_keys(inputs)
            .iter()
            .filter_map(|key| list(inputs, &["target", key, "rustflags"], &target_env_var(key)))
            .collect();
        if !target.is_empty() {
            tiers.push(target);
        }
        if let Some(build) = list(inputs, &["build", "rustflags"], "CARGO_BUILD_RUSTFLAGS") {
            tiers.push(vec![build]);
        }
        let mut tiers = tiers.into_iter();
        RustflagsResolution {
            effective: tiers.next().unwrap_or_default(),
            shadowed: tiers.flatten().filter(|s| !s.flags.is_empty()).collect(),
        }
    }
}

fn plain(name: &str, flags: Vec<String>) -> RustflagsSource {
    RustflagsSource {
        name: name.to_owned(),
        flags,
        location: None,
    }
}

fn split(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A `string-or-list` value as cargo reads it: a string is split on whitespace.
pub fn flags_of_item(item: &Item) -> Option<Vec<String>> {
    if let Some(s) = item.as_str() {
        return Some(split(s));
    }
    item.as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn target_env_var(key: &str) -> String {
    format!(
        "CARGO_TARGET_{}_RUSTFLAGS",
        key.to_ascii_uppercase().replace(['-', '.'], "_")
    )
}

/// A `--config KEY=VALUE` argument as a TOML document; paths to files are not read.
fn cli_doc(arg: &str) -> Option<toml_edit::DocumentMut> {
    if !arg.contains('=') {
        return None;
    }
    arg.parse().ok()
}

/// `target.<host>` and every `target.'cfg(..)'` key matching the host, from files and
/// `--config`.
fn target_keys(inputs: &RustflagsInputs<'_>) -> Vec<String> {
    let mut all = inputs.config.keys(&["target"]);
    for arg in inputs.cli_config {
        if let Some(doc) = cli_doc(arg)
            && let Some(table) = doc.get("target").and_then(Item::as_table_like)
        {
            all.extend(table.iter().map(|(k, _)| k.to_owned()));
        }
    }
    all.push(inputs.host.to_owned());
    let mut keys: Vec<String> = Vec::new();
    for key in all {
        let matches =
            Platform::from_str(&key).is_ok_and(|p| p.matches(inputs.host, inputs.host_cfg));
        if matches && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// A list-valued key: files lowest precedence first, then the variable, then `--config`.
fn list(inputs: &RustflagsInputs<'_>, path: &[&str], env_var: &str) -> Option<RustflagsSource> {
    let mut out: Option<Vec<String>> = None;
    let files = inputs.config.get_all(path);
    for (item, _) in files.iter().rev() {
        if let Some(flags) = flags_of_item(item) {
            out.get_or_insert_with(Vec::new).extend(flags);
        }
    }
    if let Some(value) = inputs.env.get(env_var) {
        out.get_or_insert_with(Vec::new).extend(split(value));
    }
    for arg in inputs.cli_config {
        let Some(doc) = cli_doc(arg) else { continue };
        let mut item = Some(doc.as_item());
        for segment in path {
            item = item
                .and_then(|i| i.as_table_like())
                .and_then(|t| t.get(segment));
        }
        if let Some(flags) = item.and_then(flags_of_item) {
            out.get_or_insert_with(Vec::new).extend(flags);
        }
    }
    let name = path
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
        .join(".");
    Some(RustflagsSource {
        name,
        flags: out?,
        location: files
            .first()
            .and_then(|(_, layer)| layer.file.location_of(path)),
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
        assert_eq!(r.tier(), "target.<triple>.rustflags");
        assert_eq!(r.shadowed.len(), 1);
        assert_eq!(r.shadowed[0].name, "build.rustflags");
        assert_eq!(r.shadowed[0].location.as_ref().unwrap().line, 2);
        assert_eq!(r.effective[0].name, "target.'cfg(unix)'.rustflags");
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
    fn non_matching_cfg_is_ignored_and_cli_config_joins_its_tier() {
        let (_d, config) = config(
            "[target.'cfg(windows)']\nrustflags = [\"-Ccrt-static\"]\n[build]\nrustflags = [\"-Cx\"]\n",
        );
        let cli = vec!["build.rustflags=[\"-Cy\"]".to_owned()];
        let host_cfg = cfgs();
        let inputs = RustflagsInputs {
            env: &BuildEnv::default(),
            config: &config,
            cli_config: &cli,
            host: "x86_64-unknown-linux-gnu",
            host_cfg: &host_cfg,
        };
        let r = RustflagsResolution::resolve(&inputs);
        assert_eq!(r.flags(), ["-Cx", "-Cy"]);
        assert!(r.shadowed.is_empty());
    }
}
