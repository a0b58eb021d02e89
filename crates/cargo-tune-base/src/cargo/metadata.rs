//! `cargo metadata --format-version 1`, run once or read from a captured file.
//!
//! The types hold only the fields cargo-tune reads. On a workspace of a thousand packages cargo
//! prints about 5 MB of JSON, most of it descriptions, authors, keywords, per-target settings
//! and free-form `package.metadata` tables; skipping those halves the time spent parsing after
//! cargo exits, which is the part of an audit nothing else can overlap with.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

pub use cargo_platform::Platform;
use semver::{Version, VersionReq};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{CargoCli, CargoOptions, FirstLine};
use crate::errors::{CommandError, LoadError};

/// The package graph of a workspace.
#[derive(Clone, Debug, Deserialize)]
pub struct Metadata {
    /// Every package in the resolve (or, without one, the workspace members).
    pub packages: Vec<Package>,
    /// The members' ids.
    pub workspace_members: Vec<PackageId>,
    /// The dependency graph; absent with `--no-deps`.
    #[serde(default)]
    pub resolve: Option<Resolve>,
    /// The workspace root directory.
    pub workspace_root: PathBuf,
    /// The target directory cargo builds into.
    pub target_directory: PathBuf,
    /// The document as cargo printed it, when it came from cargo's output here.
    #[serde(skip)]
    document: Option<std::sync::Arc<Vec<u8>>>,
}

/// Fields of a package that describe it to people and tools and that cargo does not build
/// from: editing them changes cargo's metadata but not one unit it would compile.
const DESCRIPTIVE: &[&str] = &[
    "metadata",
    "description",
    "authors",
    "categories",
    "keywords",
    "readme",
    "repository",
    "homepage",
    "documentation",
    "license",
    "license_file",
    "publish",
];

impl Metadata {
    /// The document as cargo printed it, when it came from cargo's output here.
    pub fn document(&self) -> Option<&std::sync::Arc<Vec<u8>>> {
        self.document.as_ref()
    }

    /// A hash of what cargo builds from, as cargo printed it: the document without the
    /// workspace's and packages' descriptive fields (`DESCRIPTIVE`) and `metadata` tables.
    /// Equal hashes describe the same resolve, packages and targets, so that an edit of a
    /// description or of a tool's `metadata` table keeps what was derived from the rest. `None`
    /// when the document did not come from cargo's output here, or is not what cargo prints.
    /// Worked out on demand: a whole pass over a document of megabytes.
    pub fn build_fingerprint(&self) -> Option<String> {
        use serde_json::value::RawValue;
        type Fields<'a> = std::collections::BTreeMap<String, &'a RawValue>;
        let bytes = self.document.as_deref()?;
        let doc: Fields<'_> = serde_json::from_slice(bytes).ok()?;
        let mut text = Vec::with_capacity(bytes.len());
        for (key, raw) in &doc {
            if key == "metadata" {
                continue;
            }
            text.extend_from_slice(key.as_bytes());
            text.push(b'=');
            if key == "packages" {
                let packages: Vec<Fields<'_>> = serde_json::from_str(raw.get()).ok()?;
                for package in &packages {
                    for (field, value) in package {
                        if !DESCRIPTIVE.contains(&field.as_str()) {
                            text.extend_from_slice(field.as_bytes());
                            text.push(b'=');
                            text.extend_from_slice(value.get().as_bytes());
                            text.push(b'\n');
                        }
                    }
                    text.push(b'\n');
                }
            } else {
                text.extend_from_slice(raw.get().as_bytes());
            }
            text.push(b'\n');
        }
        Some(crate::fsutil::content_hash(&text))
    }

    /// The workspace members' packages, in metadata order.
    pub fn workspace_packages(&self) -> Vec<&Package> {
        self.packages
            .iter()
            .filter(|p| self.workspace_members.contains(&p.id))
            .collect()
    }
}

/// An opaque package id, as cargo prints it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(transparent)]
pub struct PackageId {
    /// The id's text.
    pub repr: String,
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr)
    }
}

/// Where a package comes from: `registry+…`, `sparse+…` or `git+…`. Path packages have none.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(transparent)]
pub struct Source {
    /// The source's text.
    pub repr: String,
}

impl Source {
    /// Whether this is crates.io, by either protocol.
    pub fn is_crates_io(&self) -> bool {
        matches!(
            self.repr.as_str(),
            "registry+https://github.com/rust-lang/crates.io-index"
                | "sparse+https://index.crates.io/"
        )
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr)
    }
}

/// One package.
#[derive(Clone, Debug, Deserialize)]
pub struct Package {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: Version,
    /// Its id.
    pub id: PackageId,
    /// Its source; `None` for path packages.
    #[serde(default)]
    pub source: Option<Source>,
    /// Its declared dependencies, every kind and platform.
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// Its targets.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Its `[features]`, with the implicit features of optional dependencies.
    #[serde(default)]
    pub features: Features,
    /// Its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// The oldest rustc it says it builds with (`rust-version`), as written.
    #[serde(default)]
    pub rust_version: Option<String>,
}

/// A package's `[features]` as cargo printed them, parsed when asked. Some packages declare
/// thousands (`web-sys`, `windows-sys`, generated SDKs), and the analyses only look at the few
/// hundred packages built for the host.
#[derive(Clone, Debug, Deserialize)]
#[serde(transparent)]
pub struct Features(Box<RawValue>);

impl Features {
    /// Each feature with what it enables.
    pub fn parse(&self) -> BTreeMap<String, Vec<String>> {
        // The text is JSON cargo printed, already checked to be well-formed.
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }
}

impl Default for Features {
    fn default() -> Self {
        Features(RawValue::from_string("{}".to_owned()).expect("valid JSON"))
    }
}

/// A dependency as declared in a manifest.
#[derive(Clone, Debug, Deserialize)]
pub struct Dependency {
    /// The package name (not the rename).
    pub name: String,
    /// Where it must come from; `None` for path dependencies.
    #[serde(default)]
    pub source: Option<Source>,
    /// The version requirement.
    pub req: VersionReq,
    /// Normal, dev or build.
    #[serde(default)]
    pub kind: DependencyKind,
    /// Whether it is optional.
    #[serde(default)]
    pub optional: bool,
    /// Whether the default features are enabled.
    #[serde(default = "yes")]
    pub uses_default_features: bool,
    /// Features enabled on it.
    #[serde(default)]
    pub features: Vec<String>,
    /// The platform it is limited to (`[target.'cfg(…)'.dependencies]`).
    #[serde(default)]
    pub target: Option<Platform>,
    /// The name it is renamed to (`package = …`).
    #[serde(default)]
    pub rename: Option<String>,
    /// The directory of a path dependency.
    #[serde(default)]
    pub path: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

/// The section a dependency is declared in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DependencyKind {
    /// `[dependencies]`.
    #[default]
    Normal,
    /// `[dev-dependencies]`.
    Development,
    /// `[build-dependencies]`.
    Build,
    /// A kind a newer cargo may print.
    Unknown,
}

impl<'de> Deserialize<'de> for DependencyKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // cargo prints `null` for normal dependencies.
        let kind: Option<String> = Option::deserialize(d)?;
        Ok(match kind.as_deref() {
            None | Some("normal") => DependencyKind::Normal,
            Some("dev") => DependencyKind::Development,
            Some("build") => DependencyKind::Build,
            Some(_) => DependencyKind::Unknown,
        })
    }
}

/// A build target of a package.
#[derive(Clone, Debug, Deserialize)]
pub struct Target {
    /// Its name.
    pub name: String,
    /// Its kinds (`lib`, `bin`, `proc-macro`, …).
    pub kind: Vec<TargetKind>,
    /// Its root source file.
    pub src_path: PathBuf,
}

impl Target {
    /// Whether it has this kind.
    pub fn is_kind(&self, kind: TargetKind) -> bool {
        self.kind.contains(&kind)
    }
}

impl Package {
    /// Whether it is a proc-macro package (its library is built for the host as a macro).
    pub fn is_proc_macro(&self) -> bool {
        self.targets
            .iter()
            .any(|t| t.is_kind(TargetKind::ProcMacro))
    }
}

/// The kind of a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// `lib`.
    Lib,
    /// `rlib`.
    Rlib,
    /// `dylib`.
    Dylib,
    /// `cdylib`.
    Cdylib,
    /// `staticlib`.
    Staticlib,
    /// `proc-macro`.
    ProcMacro,
    /// `bin`.
    Bin,
    /// `example`.
    Example,
    /// `test`.
    Test,
    /// `bench`.
    Bench,
    /// `custom-build`.
    CustomBuild,
    /// A kind a newer cargo may print.
    #[serde(other)]
    Unknown,
}

/// The resolved dependency graph.
#[derive(Clone, Debug, Deserialize)]
pub struct Resolve {
    /// One node per package.
    pub nodes: Vec<Node>,
}

/// A package in the resolve.
#[derive(Clone, Debug, Deserialize)]
pub struct Node {
    /// The package.
    pub id: PackageId,
    /// Its resolved dependencies.
    #[serde(default)]
    pub deps: Vec<NodeDep>,
    /// Features enabled on it, unified over every target and kind.
    #[serde(default)]
    pub features: Vec<String>,
}

/// A resolved dependency edge.
#[derive(Clone, Debug, Deserialize)]
pub struct NodeDep {
    /// The package depended on.
    pub pkg: PackageId,
    /// Each kind and platform it is declared as.
    #[serde(default)]
    pub dep_kinds: Vec<DepKindInfo>,
}

/// One declaration of a resolved edge.
#[derive(Clone, Debug, Deserialize)]
pub struct DepKindInfo {
    /// Normal, dev or build.
    #[serde(default)]
    pub kind: DependencyKind,
    /// The platform it is limited to.
    #[serde(default)]
    pub target: Option<Platform>,
}

/// Where the package graph comes from.
#[derive(Clone, Debug)]
pub enum MetadataSource {
    /// Run `cargo metadata --format-version 1` with these options.
    Cargo(CargoOptions),
    /// Run it with `--no-deps`: the workspace members alone, without a resolve, so without
    /// cargo's package cache lock and in a few milliseconds. Enough to plan a build.
    Members(CargoOptions),
    /// Read a file captured earlier with `cargo metadata --format-version 1`.
    Json(PathBuf),
}

/// A `cargo metadata` run under way on a background thread, so that probing the toolchain
/// overlaps with it.
#[derive(Debug)]
pub struct PendingMetadata {
    handle: JoinHandle<Result<Output, LoadError>>,
}

/// The JSON text and where it came from.
#[derive(Debug)]
struct Output {
    bytes: Vec<u8>,
    origin: String,
    /// The `cargo metadata` process, when it may still be exiting.
    running: Option<FirstLine>,
}

impl MetadataSource {
    /// The command this source runs, if it runs one.
    pub fn command(&self) -> Option<CargoCli> {
        match self {
            MetadataSource::Cargo(options) => Some(
                CargoCli::new(&["metadata"], options)
                    .arg("--format-version=1")
                    .read_only_resolve(),
            ),
            MetadataSource::Members(options) => Some(
                CargoCli::new(&["metadata"], options).args(["--format-version=1", "--no-deps"]),
            ),
            MetadataSource::Json(_) => None,
        }
    }

    /// The user's cargo options, when cargo is asked.
    pub fn cargo_options_mut(&mut self) -> Option<&mut CargoOptions> {
        match self {
            MetadataSource::Cargo(options) | MetadataSource::Members(options) => Some(options),
            MetadataSource::Json(_) => None,
        }
    }

    /// Starts loading in the background.
    pub fn start(&self) -> PendingMetadata {
        let this = self.clone();
        PendingMetadata {
            handle: std::thread::spawn(move || this.read()),
        }
    }

    fn read(&self) -> Result<Output, LoadError> {
        match self {
            MetadataSource::Cargo(_) | MetadataSource::Members(_) => {
                let cli = self.command().expect("cargo source has a command");
                let mut running = cli.first_line().map_err(metadata_failure)?;
                Ok(Output {
                    bytes: std::mem::take(&mut running.line),
                    origin: cli.display(),
                    running: Some(running),
                })
            }
            MetadataSource::Json(path) => {
                let bytes = std::fs::read(path).map_err(LoadError::read(path))?;
                Ok(Output {
                    bytes,
                    origin: path.display().to_string(),
                    running: None,
                })
            }
        }
    }
}

/// A failed `cargo metadata` told in one paragraph when cargo's first error says what is
/// wrong with a file or an argument: a manifest error with a place becomes
/// [`LoadError::Toml`] (relative paths resolved against `cwd`, where cargo ran), a member
/// cargo could not load [`LoadError::Member`], a rejected `--config` [`LoadError::Config`].
/// Anything else stays [`LoadError::Metadata`], with cargo's full output.
fn explain_cargo_failure(error: LoadError, cwd: &std::path::Path) -> LoadError {
    let LoadError::Metadata(CommandError::Failed { stderr, .. }) = &error else {
        return error;
    };
    let Some(d) = super::diagnostic::parse(stderr) else {
        return error;
    };
    if let Some((file, line, column)) = d.location {
        return LoadError::Toml {
            path: cwd.join(file),
            line,
            column,
            message: d.message,
        };
    }
    let cause = || {
        if d.causes.is_empty() {
            d.message.clone()
        } else {
            d.causes.join(": ")
        }
    };
    if let Some(member) = d
        .message
        .strip_prefix("failed to load manifest for workspace member `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return LoadError::Member {
            member: PathBuf::from(member),
            context: d.context.join("; "),
            cause: cause(),
        };
    }
    if let Some(arg) = d
        .message
        .split_once("--config argument `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(arg, _)| arg.to_owned())
    {
        return LoadError::Config {
            arg,
            cause: cause(),
        };
    }
    error
}

/// A failed `cargo metadata`, in one paragraph when cargo's first error says what is wrong with
/// a manifest, a member or a `--config` argument. cargo ran in this process's directory, which
/// is what relative paths in its errors are relative to.
fn metadata_failure(error: crate::errors::CommandError) -> LoadError {
    let cwd = std::env::current_dir().unwrap_or_default();
    explain_cargo_failure(LoadError::Metadata(error), &cwd)
}

/// Whether every package of a `cargo metadata` document has its manifest on disk, read from
/// the document's text without parsing it (a key's quotes are never escaped, so `"manifest_path"`
/// followed by a colon is a key). A path written with an escape answers no.
pub fn manifests_on_disk(document: &[u8]) -> bool {
    const KEY: &str = "\"manifest_path\":\"";
    let Ok(mut rest) = std::str::from_utf8(document) else {
        return false;
    };
    let mut any = false;
    while let Some(at) = rest.find(KEY) {
        rest = &rest[at + KEY.len()..];
        let Some(end) = rest.find('"') else {
            return false;
        };
        let path = &rest[..end];
        if path.contains('\\') || !Path::new(path).is_file() {
            return false;
        }
        any = true;
        rest = &rest[end..];
    }
    any
}

impl PendingMetadata {
    /// A document cargo printed earlier, kept from `origin`.
    pub fn kept(bytes: Vec<u8>, origin: String) -> PendingMetadata {
        PendingMetadata {
            handle: std::thread::spawn(move || {
                Ok(Output {
                    bytes,
                    origin,
                    running: None,
                })
            }),
        }
    }

    /// Waits for the output and parses it on the calling thread (the parse allocates a value
    /// per field, and the main thread's allocator arena serves that faster than a fresh
    /// thread's). Returns as soon as the document is parsed, while cargo may still be exiting,
    /// so that work on the result overlaps with cargo's exit.
    pub fn wait_unconfirmed(self) -> Result<(Metadata, MetadataExit), LoadError> {
        match self.handle.join() {
            Ok(output) => output?.parse(),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The exit of a `cargo metadata` whose document has been read.
#[must_use = "cargo may still fail; confirm before using what was read"]
pub struct MetadataExit {
    running: Option<FirstLine>,
    /// What to do once cargo has exited successfully (keep the document).
    then: Option<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for MetadataExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataExit")
            .field("running", &self.running)
            .field("then", &self.then.is_some())
            .finish()
    }
}

impl MetadataExit {
    fn new(running: Option<FirstLine>) -> MetadataExit {
        MetadataExit {
            running,
            then: None,
        }
    }

    /// Runs `then` once cargo has exited successfully, as [`MetadataExit::confirm`] returns.
    pub fn then(mut self, then: impl FnOnce() + Send + 'static) -> MetadataExit {
        self.then = Some(Box::new(then));
        self
    }

    /// Waits for cargo to exit; an error if it failed, whatever it printed before.
    pub fn confirm(self) -> Result<(), LoadError> {
        if let Some(running) = self.running {
            // A complete document was read from the first line; cargo prints nothing after it.
            running.finish().map_err(metadata_failure)?;
        }
        if let Some(then) = self.then {
            then();
        }
        Ok(())
    }
}

impl Output {
    /// Parses the document, while cargo may still be exiting. If the first line is not a whole
    /// document, waits for cargo and parses all it printed; a failed cargo is reported as such.
    fn parse(mut self) -> Result<(Metadata, MetadataExit), LoadError> {
        let with_document = |mut metadata: Metadata, bytes: Vec<u8>| {
            metadata.document = Some(std::sync::Arc::new(bytes));
            metadata
        };
        let error = match serde_json::from_slice(&self.bytes) {
            Ok(metadata) => {
                return Ok((
                    with_document(metadata, self.bytes),
                    MetadataExit::new(self.running),
                ));
            }
            Err(e) => e,
        };
        let Some(running) = self.running.take() else {
            return Err(self.json_error(error));
        };
        let rest = running.finish().map_err(metadata_failure)?;
        if rest.iter().all(u8::is_ascii_whitespace) {
            return Err(self.json_error(error));
        }
        // Not the one-line document cargo prints: read it whole.
        self.bytes.extend_from_slice(&rest);
        match serde_json::from_slice(&self.bytes) {
            Ok(metadata) => Ok((with_document(metadata, self.bytes), MetadataExit::new(None))),
            Err(e) => Err(self.json_error(e)),
        }
    }

    fn json_error(self, source: serde_json::Error) -> LoadError {
        LoadError::MetadataJson {
            origin: self.origin,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_on_disk_reads_every_package_path() {
        use cargo_tune_test_support::write;

        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
        write(&a, "");
        let document = |paths: &[&Path]| {
            let packages: Vec<_> = paths
                .iter()
                .map(|p| serde_json::json!({"name": "x", "manifest_path": p}))
                .collect();
            serde_json::json!({ "packages": packages, "workspace_root": "/" })
                .to_string()
                .into_bytes()
        };
        assert!(manifests_on_disk(&document(&[&a])));
        assert!(!manifests_on_disk(&document(&[&a, &b])));
        assert!(!manifests_on_disk(&document(&[])));
        // A name with a quote is escaped: not read, so not known to be there.
        let quoted = dir.path().join("q\"t.toml");
        write(&quoted, "");
        assert!(!manifests_on_disk(&document(&[&a, &quoted])));
        write(&b, "");
        assert!(manifests_on_disk(&document(&[&a, &b])));
    }

    #[test]
    fn reads_the_fields_cargo_prints_and_skips_the_rest() {
        let json = r#"{
          "packages": [{
            "name": "a", "version": "0.1.0", "id": "path+file:///ws/a#0.1.0",
            "license": null, "description": "skipped", "metadata": {"docs": {"rs": [1, 2]}},
            "source": null, "manifest_path": "/ws/a/Cargo.toml",
            "features": {"default": ["fast"], "fast": ["dep:b"]},
            "targets": [
              {"name": "a", "kind": ["proc-macro"], "src_path": "/ws/a/src/lib.rs", "edition": "2024"},
              {"name": "x", "kind": ["some-future-kind"], "src_path": "/ws/a/x.rs"}
            ],
            "dependencies": [
              {"name": "b", "source": "registry+https://github.com/rust-lang/crates.io-index",
               "req": "^1.2", "kind": null, "rename": "bee", "optional": true,
               "uses_default_features": false, "features": ["f"], "target": "cfg(unix)",
               "registry": null},
              {"name": "c", "req": "*", "kind": "build", "optional": false,
               "uses_default_features": true, "features": [], "target": null,
               "path": "/ws/c"},
              {"name": "d", "req": "*", "kind": "dev", "optional": false,
               "uses_default_features": true, "features": [], "target": null}
            ]
          }],
          "workspace_members": ["path+file:///ws/a#0.1.0"],
          "workspace_default_members": ["path+file:///ws/a#0.1.0"],
          "resolve": {"nodes": [{"id": "path+file:///ws/a#0.1.0", "dependencies": [],
             "deps": [{"name": "bee", "pkg": "b-id",
                       "dep_kinds": [{"kind": "build", "target": "x86_64-unknown-linux-gnu"}]}],
             "features": ["default"]}], "root": null},
          "target_directory": "/ws/target", "build_directory": "/ws/target",
          "version": 1, "workspace_root": "/ws", "metadata": null
        }"#;
        let m: Metadata = serde_json::from_str(json).unwrap();
        let a = &m.packages[0];
        assert_eq!(m.workspace_packages()[0].name, "a");
        assert!(a.targets[0].is_kind(TargetKind::ProcMacro));
        assert_eq!(a.targets[1].kind, [TargetKind::Unknown]);
        assert_eq!(a.features.parse()["fast"], ["dep:b"]);
        assert!(Features::default().parse().is_empty());
        let [b, c, d] = &a.dependencies[..] else {
            panic!("three dependencies")
        };
        assert!(b.source.as_ref().unwrap().is_crates_io());
        assert_eq!(
            (b.kind, b.optional, b.uses_default_features),
            (DependencyKind::Normal, true, false)
        );
        assert_eq!(b.rename.as_deref(), Some("bee"));
        assert!(b.req.matches(&Version::new(1, 3, 0)));
        assert_eq!(b.target.as_ref().unwrap().to_string(), "cfg(unix)");
        assert_eq!(c.kind, DependencyKind::Build);
        assert_eq!(c.path.as_deref(), Some(std::path::Path::new("/ws/c")));
        assert_eq!(d.kind, DependencyKind::Development);
        let edge = &m.resolve.as_ref().unwrap().nodes[0].deps[0];
        assert_eq!(edge.pkg.repr, "b-id");
        assert_eq!(edge.dep_kinds[0].kind, DependencyKind::Build);
        assert_eq!(m.target_directory, PathBuf::from("/ws/target"));
    }

    fn from_sh(script: &str) -> Output {
        let mut running = crate::cargo::ToolCommand::new("sh")
            .args(["-c", script])
            .first_line()
            .unwrap();
        Output {
            bytes: std::mem::take(&mut running.line),
            origin: "sh".to_owned(),
            running: Some(running),
        }
    }

    const MINIMAL: &str = r#"{"packages": [], "workspace_members": [], "workspace_root": "/ws", "target_directory": "/ws/target"}"#;

    #[test]
    fn a_document_on_several_lines_is_read_whole() {
        let (first, rest) = MINIMAL.split_once(", ").unwrap();
        let output = from_sh(&format!("echo '{first},'; sleep 0.2; echo '{rest}'"));
        assert_eq!(output.bytes, format!("{first},\n").as_bytes());
        let (metadata, exit) = output.parse().unwrap();
        exit.confirm().unwrap();
        assert_eq!(metadata.workspace_root, PathBuf::from("/ws"));
    }

    #[test]
    fn a_failing_cargo_is_an_error_even_after_a_valid_document() {
        let output = from_sh(&format!(
            "echo '{MINIMAL}'; echo 'error: lock' >&2; exit 101"
        ));
        let (_, exit) = output.parse().unwrap();
        let err = exit.confirm().unwrap_err();
        assert!(
            matches!(&err, LoadError::Metadata(e) if e.to_string().contains("error: lock")),
            "{err:?}"
        );
    }

    #[test]
    fn a_failing_cargo_without_a_document_is_reported_as_failing() {
        let output = from_sh("echo '{' ; echo 'error: no registry' >&2; exit 101");
        let err = output.parse().unwrap_err();
        assert!(
            matches!(&err, LoadError::Metadata(e) if e.to_string().contains("no registry")),
            "{err:?}"
        );
    }

    #[test]
    fn the_build_fingerprint_ignores_descriptions_and_metadata_tables_only() {
        let fingerprint = |package: &str, workspace_metadata: &str| {
            let text = format!(
                r#"{{"packages": [{package}], "workspace_members": [], "workspace_root": "/ws", "target_directory": "/ws/target", "metadata": {workspace_metadata}, "version": 1}}"#
            );
            let output = Output {
                bytes: text.into_bytes(),
                origin: "test".to_owned(),
                running: None,
            };
            let (metadata, _) = output.parse().unwrap();
            metadata.build_fingerprint().unwrap()
        };
        let base = r#"{"name": "a", "version": "0.1.0", "id": "a-id", "dependencies": [], "targets": [], "features": {}, "manifest_path": "/ws/a/Cargo.toml", "description": null, "metadata": null}"#;
        let reference = fingerprint(base, "null");
        let described = base
            .replace(r#""description": null"#, r#""description": "an app""#)
            .replace(r#""metadata": null"#, r#""metadata": {"tool": {"key": 1}}"#);
        assert_eq!(fingerprint(&described, r#"{"tool": 2}"#), reference);
        let featured = base.replace(r#""features": {}"#, r#""features": {"x": []}"#);
        assert_ne!(fingerprint(&featured, "null"), reference);
        let renamed = base.replace(r#""name": "a""#, r#""name": "b""#);
        assert_ne!(fingerprint(&renamed, "null"), reference);
        // A document not read from cargo's output here has none.
        let parsed: Metadata = serde_json::from_str(MINIMAL).unwrap();
        assert_eq!(parsed.build_fingerprint(), None);
    }

    #[test]
    fn a_malformed_document_names_its_origin() {
        let output = Output {
            bytes: b"{\"packages\": 3}".to_vec(),
            origin: "captured.json".to_owned(),
            running: None,
        };
        let err = output.parse().unwrap_err();
        assert!(
            matches!(&err, LoadError::MetadataJson { origin, .. } if origin == "captured.json"),
            "{err:?}"
        );
    }
}
