use std::path::{Path, PathBuf};

use toml_edit::Item;

use super::ManifestDoc;
use crate::errors::LoadError;

/// One cargo configuration file.
#[derive(Debug)]
pub struct ConfigLayer {
    /// The parsed file; `doc.rel_path` is relative to the workspace root when inside it.
    pub file: ManifestDoc,
    /// Whether this is `$CARGO_HOME/config.toml` (user-wide rather than per project).
    pub is_cargo_home: bool,
}

impl ConfigLayer {
    /// The directory cargo resolves this file's relative paths against: the one holding its
    /// `.cargo` folder.
    pub fn base_dir(&self) -> Option<&Path> {
        self.file.path.parent().and_then(Path::parent)
    }
}

/// The layered cargo configuration, discovered the way cargo discovers it: every
/// `.cargo/config.toml` from the working directory up to the filesystem root, then
/// `$CARGO_HOME/config.toml`. Highest precedence first.
#[derive(Debug, Default)]
pub struct CargoConfig {
    /// The layers, highest precedence first.
    pub layers: Vec<ConfigLayer>,
}

impl CargoConfig {
    /// Discovers and parses every layer visible from `cwd`.
    pub fn discover(cwd: &Path, cargo_home: Option<&Path>, root: &Path) -> Result<Self, LoadError> {
        let mut layers = Vec::new();
        let mut seen = Vec::new();
        for dir in cwd.ancestors() {
            if let Some(path) = config_file_in(&dir.join(".cargo")) {
                let is_cargo_home = cargo_home.is_some_and(|h| dir.join(".cargo") == h);
                seen.push(path.clone());
                layers.push(ConfigLayer {
                    file: ManifestDoc::read(&path, root)?,
                    is_cargo_home,
                });
            }
        }
        if let Some(home) = cargo_home
            && let Some(path) = config_file_in(home)
            && !seen.contains(&path)
        {
            layers.push(ConfigLayer {
                file: ManifestDoc::read(&path, root)?,
                is_cargo_home: true,
            });
        }
        Ok(CargoConfig { layers })
    }

    /// The highest-precedence value at `path` and the layer it is in.
    pub fn get(&self, path: &[&str]) -> Option<(&Item, &ConfigLayer)> {
        self.layers
            .iter()
            .find_map(|layer| lookup(layer, path).map(|item| (item, layer)))
    }

    /// Every layer's value at `path`, highest precedence first.
    pub fn get_all(&self, path: &[&str]) -> Vec<(&Item, &ConfigLayer)> {
        self.layers
            .iter()
            .filter_map(|layer| lookup(layer, path).map(|item| (item, layer)))
            .collect()
    }

    /// Every key of the table at `path` across layers (e.g. the triples and cfgs under `target`).
    pub fn keys(&self, path: &[&str]) -> Vec<String> {
        let mut keys = Vec::new();
        for layer in &self.layers {
            if let Some(table) = lookup(layer, path).and_then(Item::as_table_like) {
                for (k, _) in table.iter() {
                    if !keys.iter().any(|known| known == k) {
                        keys.push(k.to_owned());
                    }
                }
            }
        }
        keys
    }
}

fn lookup<'a>(layer: &'a ConfigLayer, path: &[&str]) -> Option<&'a Item> {
    let mut item = layer.file.doc.as_item();
    for segment in path {
        item = item.as_table_like()?.get(segment)?;
    }
    Some(item)
}

/// cargo reads `config` (legacy, no extension) in preference to `config.toml` when both exist.
fn config_file_in(dir: &Path) -> Option<PathBuf> {
    ["config", "config.toml"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// `$CARGO_HOME`, else `~/.cargo`.
pub(crate) fn cargo_home(env: &super::BuildEnv) -> Option<PathBuf> {
    env.get("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

#[cfg(test)]
mod tests {
    use super::*;

    use cargo_tune_test_support::write;

    #[test]
    fn nearer_layers_win_and_cargo_home_comes_last() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        let home = dir.path().join("home");
        write(&root.join(".cargo/config.toml"), "[build]\njobs = 2\n");
        write(
            &root.join("member/.cargo/config.toml"),
            "[build]\njobs = 1\n",
        );
        write(
            &home.join("config.toml"),
            "[build]\njobs = 8\nrustc-wrapper = \"sccache\"\n",
        );
        let config = CargoConfig::discover(&root.join("member"), Some(&home), &root).unwrap();
        assert_eq!(config.layers.len(), 3);
        let (jobs, layer) = config.get(&["build", "jobs"]).unwrap();
        assert_eq!(jobs.as_integer(), Some(1));
        assert_eq!(layer.file.rel_path, "member/.cargo/config.toml");
        let (wrapper, layer) = config.get(&["build", "rustc-wrapper"]).unwrap();
        assert_eq!(wrapper.as_str(), Some("sccache"));
        assert!(layer.is_cargo_home);
        assert_eq!(config.get_all(&["build", "jobs"]).len(), 3);
    }
}
