use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use toml_edit::{Document, Item, TableLike};

use crate::errors::LoadError;
use cargo_tune_schema::Location;

/// A manifest (or any TOML file) parsed with spans, next to its text.
#[derive(Clone, Debug)]
pub struct ManifestDoc {
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the workspace root, `/`-separated.
    pub rel_path: String,
    /// The spanned document (`doc.raw()` is the text).
    pub doc: Document<String>,
    /// Made on the first location asked: an audit asks for hundreds, and a scan from the top
    /// for each made that quadratic in the file.
    line_index: OnceLock<crate::text::LineIndex>,
    /// [`ManifestDoc::dependencies`], collected once: the duplicate analysis asks per parent.
    dependencies: OnceLock<Vec<DependencyDecl>>,
}

/// Which dependency table a declaration sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DependencyKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

impl DependencyKind {
    /// Every kind with its table name (and the legacy underscore spelling cargo still reads).
    pub const TABLES: &'static [(DependencyKind, &'static str)] = &[
        (DependencyKind::Normal, "dependencies"),
        (DependencyKind::Dev, "dev-dependencies"),
        (DependencyKind::Dev, "dev_dependencies"),
        (DependencyKind::Build, "build-dependencies"),
        (DependencyKind::Build, "build_dependencies"),
    ];

    /// The canonical table name.
    pub fn table(self) -> &'static str {
        match self {
            DependencyKind::Normal => "dependencies",
            DependencyKind::Dev => "dev-dependencies",
            DependencyKind::Build => "build-dependencies",
        }
    }
}

/// Semver compatibility bucket of a requirement's first comparator: `1.2` → `1`, `0.3.1` →
/// `0.3`, `0.0.4` → `0.0.4`. Requirements in different buckets cannot share one resolution, so
/// they name different copies of a package.
pub fn compat_bucket(req: &str) -> Option<(u64, u64, u64)> {
    let req = semver::VersionReq::parse(req).ok()?;
    let c = req.comparators.first()?;
    Some(match (c.major, c.minor, c.patch) {
        (0, Some(0), patch) => (0, 0, patch.unwrap_or(0)),
        (0, minor, _) => (0, minor.unwrap_or(0), 0),
        (major, _, _) => (major, 0, 0),
    })
}

/// A copy's bucket as people write it: `1`, `0.3`, `0.0.4`.
pub fn bucket_label((major, minor, patch): (u64, u64, u64)) -> String {
    match (major, minor) {
        (0, 0) => format!("0.0.{patch}"),
        (0, minor) => format!("0.{minor}"),
        (major, _) => major.to_string(),
    }
}

/// A requirement in canonical form, so that `0.1` and `^0.1.0` compare equal.
pub fn canonical_req(req: &str) -> String {
    match semver::VersionReq::parse(req) {
        Ok(parsed) => parsed
            .comparators
            .iter()
            .map(|c| {
                let op = format!("{:?}", c.op);
                format!(
                    "{op}{}.{}.{}",
                    c.major,
                    c.minor.unwrap_or(0),
                    c.patch.unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        Err(_) => req.trim().to_owned(),
    }
}

/// The lowest version a requirement's first comparator admits: what a published crate promises
/// to work with.
pub fn lower_bound(req: &str) -> semver::Version {
    semver::VersionReq::parse(req)
        .ok()
        .and_then(|r| r.comparators.first().cloned())
        .map_or(semver::Version::new(0, 0, 0), |c| {
            semver::Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0))
        })
}

/// One dependency as written in a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependencyDecl {
    /// The key it is declared under (the name the code uses).
    pub key: String,
    /// The package it names (`package = "…"` when renamed, else the key).
    pub package: String,
    /// Which table.
    pub kind: DependencyKind,
    /// The table's name as written (`dev_dependencies` is still read by cargo).
    pub table: String,
    /// `Some(cfg or triple)` for `[target.'…'.dependencies]`.
    pub platform: Option<String>,
    /// The version requirement, if written.
    pub req: Option<String>,
    /// `workspace = true`.
    pub workspace: bool,
    /// `path = …`.
    pub path: Option<String>,
    /// `git = …`.
    pub git: Option<String>,
    /// `default-features`, if written.
    pub default_features: Option<bool>,
    /// `features = […]`.
    pub features: Vec<String>,
    /// `optional = true`.
    pub optional: bool,
    /// Where its package comes from.
    pub origin: Origin,
    /// Where the key is written.
    pub location: Location,
}

/// Where a declared dependency's package comes from: two declarations name the same package
/// only when this matches (two path crates of one name in different directories, or one git
/// repository at two revisions, are different packages).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A registry: `None` for crates.io, else the `registry = …` name.
    Registry(Option<String>),
    /// A path dependency's directory, absolute, with `.` and `..` resolved.
    Path(PathBuf),
    /// A git repository (its URL without a trailing `/` or `.git`) at a branch, tag or
    /// revision, as written.
    Git {
        /// The URL.
        url: String,
        /// `branch`, `tag` or `rev` with its value.
        reference: Vec<(String, String)>,
    },
}

/// `path` with `.` and `..` resolved lexically, so that `a/../vendor/x` and `vendor/x` compare
/// equal.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl ManifestDoc {
    /// Reads and parses `path`; `root` makes `rel_path`.
    pub fn read(path: &Path, root: &Path) -> Result<ManifestDoc, LoadError> {
        let text = std::fs::read_to_string(path).map_err(LoadError::read(path))?;
        ManifestDoc::parse(path, root, text)
    }

    /// Parses `text` as the file at `path`.
    pub fn parse(path: &Path, root: &Path, text: String) -> Result<ManifestDoc, LoadError> {
        let doc = match Document::parse(text) {
            Ok(doc) => doc,
            Err(e) => {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                return Err(LoadError::toml(path.to_owned(), &text, &e));
            }
        };
        Ok(ManifestDoc {
            path: path.to_owned(),
            rel_path: relative_path(path, root),
            doc,
            line_index: OnceLock::new(),
            dependencies: OnceLock::new(),
        })
    }

    /// The text.
    pub fn text(&self) -> &str {
        self.doc.raw()
    }

    /// Location of a byte offset.
    pub fn location_at(&self, offset: usize) -> Location {
        let text = self.text();
        let (line, column) = self
            .line_index
            .get_or_init(|| crate::text::LineIndex::new(text))
            .line_col(text, offset);
        Location {
            path: self.rel_path.clone(),
            line,
            column,
        }
    }

    /// Location of the key `path` (e.g. `["profile", "dev", "debug"]`), or of the deepest table
    /// on the way that exists.
    pub fn location_of(&self, path: &[&str]) -> Option<Location> {
        let mut table: &dyn TableLike = self.doc.as_table();
        let mut best = None;
        for (i, segment) in path.iter().enumerate() {
            let (key, item) = table.get_key_value(segment)?;
            if let Some(span) = key.span() {
                best = Some(span.start);
            }
            if i + 1 == path.len() {
                break;
            }
            table = item.as_table_like()?;
        }
        best.map(|offset| self.location_at(offset))
    }

    /// Whether `cargo publish` may upload this package (`publish` absent, `true` or a list of
    /// registries), so that others resolve its requirements; `root` answers
    /// `publish.workspace = true`. A manifest without `[package]` publishes nothing.
    pub fn publishes(&self, root: &ManifestDoc) -> bool {
        fn allowed(item: Option<&Item>) -> Option<bool> {
            match item? {
                i if i.as_bool().is_some() => i.as_bool(),
                i => i.as_array().map(|a| !a.is_empty()),
            }
        }
        let Some(package) = self.doc.get("package").and_then(Item::as_table_like) else {
            return false;
        };
        let publish = package.get("publish");
        let inherited = publish
            .and_then(Item::as_table_like)
            .and_then(|t| t.get("workspace"))
            .and_then(Item::as_bool)
            == Some(true);
        if inherited {
            let from_root = root
                .doc
                .get("workspace")
                .and_then(|w| w.get("package"))
                .and_then(|p| p.get("publish"));
            return allowed(from_root).unwrap_or(true);
        }
        allowed(publish).unwrap_or(true)
    }

    /// Every dependency declared in this manifest, in file order per table.
    pub fn dependencies(&self) -> &[DependencyDecl] {
        self.dependencies
            .get_or_init(|| self.collect_dependencies())
    }

    fn collect_dependencies(&self) -> Vec<DependencyDecl> {
        let mut out = Vec::new();
        let root = self.doc.as_table();
        for &(kind, name) in DependencyKind::TABLES {
            if let Some(table) = root.get(name).and_then(Item::as_table_like) {
                self.collect(table, kind, name, None, &mut out);
            }
        }
        if let Some(targets) = root.get("target").and_then(Item::as_table_like) {
            for (platform, item) in targets.iter() {
                let Some(target) = item.as_table_like() else {
                    continue;
                };
                for &(kind, name) in DependencyKind::TABLES {
                    if let Some(table) = target.get(name).and_then(Item::as_table_like) {
                        self.collect(table, kind, name, Some(platform), &mut out);
                    }
                }
            }
        }
        out
    }

    /// The `[workspace.dependencies]` entries.
    pub fn workspace_dependencies(&self) -> Vec<DependencyDecl> {
        let mut out = Vec::new();
        if let Some(table) = self
            .doc
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(Item::as_table_like)
        {
            self.collect(
                table,
                DependencyKind::Normal,
                "dependencies",
                None,
                &mut out,
            );
        }
        out
    }

    fn collect(
        &self,
        table: &dyn TableLike,
        kind: DependencyKind,
        table_name: &str,
        platform: Option<&str>,
        out: &mut Vec<DependencyDecl>,
    ) {
        for (key, item) in table.iter() {
            let offset = table
                .get_key_value(key)
                .and_then(|(k, _)| k.span())
                .map_or(0, |s| s.start);
            let mut decl = DependencyDecl {
                key: key.to_owned(),
                package: key.to_owned(),
                kind,
                table: table_name.to_owned(),
                platform: platform.map(str::to_owned),
                req: None,
                workspace: false,
                path: None,
                git: None,
                default_features: None,
                features: Vec::new(),
                optional: false,
                origin: Origin::Registry(None),
                location: self.location_at(offset),
            };
            if let Some(req) = item.as_str() {
                decl.req = Some(req.to_owned());
            } else if let Some(t) = item.as_table_like() {
                let s = |k: &str| t.get(k).and_then(Item::as_str).map(str::to_owned);
                let b = |k: &str| t.get(k).and_then(Item::as_bool);
                decl.req = s("version");
                decl.workspace = b("workspace").unwrap_or(false);
                decl.path = s("path");
                decl.git = s("git");
                decl.default_features = b("default-features").or_else(|| b("default_features"));
                decl.optional = b("optional").unwrap_or(false);
                if let Some(package) = s("package") {
                    decl.package = package;
                }
                if let Some(features) = t.get("features").and_then(Item::as_array) {
                    decl.features = features
                        .iter()
                        .filter_map(|f| f.as_str().map(str::to_owned))
                        .collect();
                }
                decl.origin = if let Some(path) = &decl.path {
                    let dir = self.path.parent().unwrap_or(Path::new("/"));
                    Origin::Path(normalize(&dir.join(path)))
                } else if let Some(url) = &decl.git {
                    Origin::Git {
                        url: url
                            .trim_end_matches('/')
                            .trim_end_matches(".git")
                            .to_owned(),
                        reference: ["branch", "tag", "rev"]
                            .iter()
                            .filter_map(|k| Some(((*k).to_owned(), s(k)?)))
                            .collect(),
                    }
                } else {
                    Origin::Registry(s("registry"))
                };
            }
            out.push(decl);
        }
    }
}

/// `path` relative to `root` with `/` separators, or the full path when outside it.
pub fn relative_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_from_the_line_index_agree_with_a_scan_from_the_top() {
        let text = "[package]\nname = \"é\" # ünïcode\n\n[dependencies]\nserde = \"1\"\n";
        let doc =
            ManifestDoc::parse(Path::new("/ws/Cargo.toml"), Path::new("/ws"), text.into()).unwrap();
        for (offset, _) in text
            .char_indices()
            .chain([(text.len(), ' '), (text.len() + 5, ' ')])
        {
            let at = doc.location_at(offset);
            assert_eq!(
                (at.line, at.column),
                crate::text::line_col(text, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn dependencies_cover_every_table_shape() {
        let text = r#"
[package]
name = "a"

[dependencies]
serde = "1"
json = { package = "serde_json", version = "1.0", default-features = false, features = ["std"] }
local = { path = "../local", optional = true }

[dev-dependencies]
insta.workspace = true

[target.'cfg(unix)'.build-dependencies]
cc = "1.0"
"#;
        let doc = ManifestDoc::parse(Path::new("/ws/a/Cargo.toml"), Path::new("/ws"), text.into())
            .unwrap();
        let deps = doc.dependencies();
        let summary: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    d.package.as_str(),
                    d.kind,
                    d.platform.as_deref(),
                    d.workspace,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("serde", "serde", DependencyKind::Normal, None, false),
                ("json", "serde_json", DependencyKind::Normal, None, false),
                ("local", "local", DependencyKind::Normal, None, false),
                ("insta", "insta", DependencyKind::Dev, None, true),
                ("cc", "cc", DependencyKind::Build, Some("cfg(unix)"), false),
            ]
        );
        assert_eq!(deps[1].default_features, Some(false));
        assert_eq!(deps[1].features, ["std"]);
        assert!(deps[2].optional);
        assert_eq!(
            deps[0].location,
            Location {
                path: "a/Cargo.toml".into(),
                line: 6,
                column: 1
            }
        );
    }

    #[test]
    fn malformed_manifest_reports_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        let text = "[package]\nname = \"a\"\nversion = \n";
        #[expect(clippy::disallowed_methods, reason = "test fixture")]
        std::fs::write(&path, text).unwrap();
        let err = ManifestDoc::read(&path, dir.path()).unwrap_err();
        match err {
            LoadError::Toml { line, .. } => assert_eq!(line, 3),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn normalize_resolves_parent_components() {
        assert_eq!(
            normalize(Path::new("/ws/crates/a/../../vendor/x")),
            PathBuf::from("/ws/vendor/x")
        );
    }
}
