use std::path::{Path, PathBuf};

use crate::errors::LoadError;

/// One `[[package]]` of `Cargo.lock`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedPackage {
    /// Package name.
    pub name: String,
    /// Exact version.
    pub version: String,
    /// `registry+…`, `git+…`, or `None` for path packages.
    pub source: Option<String>,
    /// `dependencies = […]` as written: `name`, or `name version` when the name is ambiguous.
    pub dependencies: Vec<String>,
}

/// The parts of `Cargo.lock` the analyses need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lockfile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Lockfile format version (`version = 4`), if written.
    pub version: Option<i64>,
    /// Every locked package.
    pub packages: Vec<LockedPackage>,
}

impl Lockfile {
    /// Registry packages that hold an older version of a package locked in several versions:
    /// the parents whose newer releases might collapse a duplicate. Computed from the lockfile
    /// alone, so their index entries can be read while `cargo metadata` still runs.
    pub fn older_version_holders(&self) -> std::collections::BTreeSet<String> {
        let mut newest: std::collections::HashMap<&str, semver::Version> =
            std::collections::HashMap::new();
        let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for p in &self.packages {
            *count.entry(p.name.as_str()).or_default() += 1;
            if let Ok(v) = semver::Version::parse(&p.version) {
                let slot = newest.entry(p.name.as_str()).or_insert_with(|| v.clone());
                if v > *slot {
                    *slot = v;
                }
            }
        }
        self.packages
            .iter()
            .filter(|p| {
                p.source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("registry+") || s.starts_with("sparse+"))
            })
            .filter(|p| {
                p.dependencies.iter().any(|dep| {
                    let mut words = dep.split(' ');
                    let name = words.next().unwrap_or_default();
                    let held = words.next().and_then(|v| semver::Version::parse(v).ok());
                    count.get(name).is_some_and(|n| *n > 1)
                        && held.is_some_and(|held| newest.get(name).is_some_and(|max| held < *max))
                })
            })
            .map(|p| p.name.clone())
            .collect()
    }

    /// Reads `Cargo.lock` next to the root manifest; `Ok(None)` if there is none.
    pub fn read(path: &Path) -> Result<Option<Lockfile>, LoadError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(LoadError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Lockfile::parse(path, &text).map(Some)
    }

    /// Parses lockfile text.
    pub fn parse(path: &Path, text: &str) -> Result<Lockfile, LoadError> {
        let doc = toml_edit::Document::parse(text)
            .map_err(|e| LoadError::toml(path.to_owned(), text, &e))?;
        let version = doc.get("version").and_then(|v| v.as_integer());
        let mut packages = Vec::new();
        if let Some(tables) = doc.get("package").and_then(|p| p.as_array_of_tables()) {
            for table in tables {
                let field = |k: &str| table.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                if let (Some(name), Some(version)) = (field("name"), field("version")) {
                    let dependencies = table
                        .get("dependencies")
                        .and_then(|d| d.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    packages.push(LockedPackage {
                        name,
                        version,
                        source: field("source"),
                        dependencies,
                    });
                }
            }
        }
        Ok(Lockfile {
            path: path.to_owned(),
            version,
            packages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_version_holders_come_from_ambiguous_dependency_entries() {
        let text = r#"
version = 4

[[package]]
name = "old-parent"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["syn 1.0.109"]

[[package]]
name = "new-parent"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["syn 2.0.87", "quote"]

[[package]]
name = "local"
version = "0.1.0"
dependencies = ["syn 1.0.109"]

[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "2.0.87"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "quote"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        let lock = Lockfile::parse(Path::new("Cargo.lock"), text).unwrap();
        let holders: Vec<String> = lock.older_version_holders().into_iter().collect();
        assert_eq!(holders, ["old-parent"]);
        assert_eq!(lock.packages[1].dependencies, ["syn 2.0.87", "quote"]);
    }
}
