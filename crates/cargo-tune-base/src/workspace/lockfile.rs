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
    /// Reads `Cargo.lock` next to the root manifest; `Ok(None)` if there is none.
    pub fn read(path: &Path) -> Result<Option<Lockfile>, LoadError> {
        crate::fsutil::read_if_exists(path)
            .map_err(LoadError::read(path))?
            .map(|text| Lockfile::parse(path, &text))
            .transpose()
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
                    packages.push(LockedPackage {
                        name,
                        version,
                        source: field("source"),
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
