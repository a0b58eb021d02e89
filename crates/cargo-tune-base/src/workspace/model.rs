use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use super::config::cargo_home;
use super::metadata_memo::MetadataMemo;
use super::unit_graph_memo::{self, AuditGraphs, Stamp, UnitGraphMemo};
use super::wrapper::{RustcWrapper, rustc_wrappers};
use super::{
    BuildEnv, CargoConfig, Lockfile, ManifestDoc, RegistryIndex, ToolchainPin, registry_index,
};
use crate::cargo::metadata::{
    Metadata, MetadataExit, MetadataSource, PackageId, PendingMetadata, manifests_on_disk,
};
use crate::cargo::side_home::SideHome;
use crate::cargo::unit_graph::{PendingUnitGraphs, UnitGraph, UnitGraphCommand, UnitGraphs};
use crate::errors::LoadError;
use crate::fsutil::file_stamp;

/// A workspace member with its manifest.
#[derive(Debug)]
pub struct Member {
    /// Package id in the metadata.
    pub id: PackageId,
    /// Package name.
    pub name: String,
    /// Its manifest.
    pub manifest: ManifestDoc,
}

/// How to load a workspace.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Where the package graph comes from.
    pub source: MetadataSource,
    /// The manifest cargo-tune was pointed at (`--manifest-path`), if any.
    pub manifest_path: Option<PathBuf>,
    /// The working directory; cargo discovers configuration from here, so cargo-tune does too.
    pub cwd: PathBuf,
    /// The build-relevant environment.
    pub env: BuildEnv,
    /// Whether to read cargo's unit graphs (for `compiled-twice`); without them the model's
    /// `unit_graphs` says they were not asked for.
    pub unit_graphs: bool,
    /// For commands that only read (the audit, the report): a workspace without `Cargo.lock` is
    /// resolved into cargo-tune's directory in the target directory rather than refused, and a
    /// toolchain pin that is not installed is read with rustup's default toolchain (and reported)
    /// rather than refused.
    pub read_only: bool,
}

/// Everything cargo-tune knows about a workspace, loaded once. Analyses read it and never spawn
/// processes.
#[derive(Debug)]
pub struct WorkspaceModel {
    /// `cargo metadata --format-version 1`.
    pub metadata: Metadata,
    /// The workspace root directory.
    pub root: PathBuf,
    /// The root manifest; profiles and `[workspace.dependencies]` live here.
    pub root_manifest: ManifestDoc,
    /// Members, in metadata order.
    pub members: Vec<Member>,
    /// `Cargo.lock`, if present.
    pub lockfile: Option<Lockfile>,
    /// Where the lockfile was resolved when the workspace has none of its own.
    pub lockfile_aside: Option<PathBuf>,
    /// The layered cargo configuration.
    pub config: CargoConfig,
    /// The toolchain pin, if any.
    pub toolchain_pin: Option<ToolchainPin>,
    /// The toolchain cargo was run with instead of a pin that is not installed.
    pub toolchain_fallback: Option<String>,
    /// The `--config` arguments given to cargo, highest precedence last; a file's path made
    /// absolute.
    pub cli_config: Vec<String>,
    /// The build-relevant environment.
    pub env: BuildEnv,
    /// Releases of the crates.io packages that depend on a duplicated package, from cargo's local
    /// index cache; empty when there is no cache.
    pub registry_index: RegistryIndex,
    /// The rustc wrappers in effect; cargo-tune's own cargo calls bypass those not installed.
    pub rustc_wrappers: Vec<RustcWrapper>,
    /// Cargo's unit graphs of the everyday builds, or why they could not be read.
    pub unit_graphs: UnitGraphs,
}

/// A load whose `cargo metadata` is still running.
#[derive(Debug)]
pub struct PendingModel {
    pending: PendingMetadata,
    options: LoadOptions,
    toolchain_pin: Option<ToolchainPin>,
    toolchain_fallback: Option<String>,
    lockfile: Option<EarlyLockfile>,
    lockfile_aside: Option<PathBuf>,
    /// The configuration as discovered before cargo ran, with the directory its relative paths
    /// are written against.
    config: Option<(PathBuf, CargoConfig, Vec<RustcWrapper>)>,
    unit_graphs: Option<UnitGraphLoad>,
    probe_memo: Option<PathBuf>,
    /// The manifest cargo was pointed at, parsed before it ran, with its stamp then.
    early_manifest: Option<(ManifestDoc, Option<(u64, u128)>)>,
    /// Where cargo's metadata is kept for the next read-only load.
    metadata_memo: Option<MetadataMemo>,
}

/// The unit graphs under way: kept from the last audit, or being read from cargo.
#[derive(Debug)]
struct UnitGraphLoad {
    cargo: crate::cargo::CargoOptions,
    memo_path: PathBuf,
    key: String,
    /// Stamps taken before cargo started.
    stamps: Vec<Stamp>,
    /// The user's cargo home and the directory cargo runs in, for side homes.
    home: Option<(PathBuf, PathBuf)>,
    /// The memo read and its graphs parsed while `cargo metadata` runs: on a large workspace
    /// that parse costs as much as the analyses, and the second core is idle meanwhile.
    source: JoinHandle<UnitGraphSource>,
}

#[derive(Debug)]
enum UnitGraphSource {
    /// A memo, `fresh` when nothing it depends on changed since; a stale one is used if cargo
    /// resolves the same.
    Kept {
        memo: Box<UnitGraphMemo>,
        fresh: bool,
        /// Its graphs; `None` when one no longer parses.
        parsed: Option<KeptGraphs>,
        /// The commands whose profiles the root manifest no longer reads as the memo kept,
        /// already asked of cargo: whatever cargo's metadata says, they are needed.
        early: Option<(Vec<UnitGraphCommand>, PendingUnitGraphs)>,
    },
    Cargo(PendingUnitGraphs),
}

type KeptGraphs = Result<Vec<(UnitGraphCommand, UnitGraph)>, String>;

impl UnitGraphLoad {
    /// Starts reading the memo, and asks cargo at once for what it cannot answer: every graph
    /// when there is no memo, the graphs whose profiles changed in the root manifest as read
    /// before cargo ran (`profiles`, when that manifest is the root's).
    fn start(
        cargo: &crate::cargo::CargoOptions,
        root: &Path,
        options: &LoadOptions,
        stamps: Vec<Stamp>,
        profiles: Option<Vec<(UnitGraphCommand, String)>>,
        sources_on_disk: bool,
    ) -> Self {
        let memo_path = unit_graph_memo::memo_path(root, &options.env, unit_graph_memo::AUDIT_MEMO);
        let key = unit_graph_memo::audit_key(cargo, &options.env);
        let home = cargo_home(&options.env).map(|home| (home, options.cwd.clone()));
        // With the sources on disk (known from a kept metadata document), the graphs asked at
        // once need not wait for each other.
        let early_homes = {
            let (dir, home) = (memo_path.parent().map(Path::to_owned), home.clone());
            move |count: usize| match (dir, home) {
                (Some(dir), Some((home, cwd))) if sources_on_disk => {
                    side_homes_in(&dir, &home, &cwd, count)
                }
                _ => Vec::new(),
            }
        };
        let source = {
            let (memo_path, key, cargo) = (memo_path.clone(), key.clone(), cargo.clone());
            std::thread::spawn(move || {
                let memo = UnitGraphMemo::load_any(&memo_path, &key);
                let fresh = memo.as_ref().is_some_and(UnitGraphMemo::fresh);
                match memo {
                    // Whether cargo resolves the same as for a stale memo is known once `cargo
                    // metadata` is read; the graphs would wait for its package-cache lock
                    // anyway.
                    Some(memo) if fresh || !memo.fingerprint().is_empty() => {
                        let early = profiles
                            .filter(|_| !fresh)
                            .map(|p| memo.payload().changed(&p))
                            .filter(|changed| !changed.is_empty())
                            .map(|changed| {
                                // Those without a side home wait for cargo's metadata to show
                                // that they need not wait for this one's package-cache lock.
                                let homes = early_homes(changed.len() - 1);
                                let asked = changed[..=homes.len()].to_vec();
                                let pending = PendingUnitGraphs::start_some(&cargo, &asked[..1])
                                    .and(PendingUnitGraphs::start_beside(
                                        &cargo,
                                        &asked[1..],
                                        &homes,
                                    ));
                                (asked, pending)
                            });
                        UnitGraphSource::Kept {
                            fresh,
                            parsed: memo.payload().graphs(),
                            memo: Box::new(memo),
                            early,
                        }
                    }
                    // Read alongside `cargo metadata`: each is a resolve of its own. The
                    // others start once the metadata is read (they would wait for its lock
                    // anyway), beside it when they can.
                    _ => UnitGraphSource::Cargo(PendingUnitGraphs::start_some(
                        &cargo,
                        &UnitGraphCommand::ALL[..1],
                    )),
                }
            })
        };
        UnitGraphLoad {
            cargo: cargo.clone(),
            memo_path,
            key,
            stamps,
            home,
            source,
        }
    }

    fn finish(
        self,
        metadata: &Metadata,
        root_manifest: &toml_edit::Document<String>,
    ) -> UnitGraphs {
        let UnitGraphLoad {
            cargo,
            memo_path,
            key,
            stamps,
            home,
            source,
        } = self;
        let source = match source.join() {
            Ok(source) => source,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let manifests = unit_graph_memo::path_manifests(metadata);
        // Only a memo that is stale or about to be written needs it: a fresh one answers
        // without reading the configuration files again.
        let fingerprint = std::cell::OnceCell::new();
        let fingerprint = || {
            fingerprint
                .get_or_init(|| {
                    unit_graph_memo::resolve_fingerprint(metadata, root_manifest, &stamps)
                        .unwrap_or_default()
                })
                .clone()
        };
        let profiles = unit_graph_memo::profile_fingerprints(root_manifest);
        // Kept only where cargo puts the target directory, never beside it.
        let in_target = memo_path.starts_with(metadata.target_directory.join("cargo-tune"));
        let homes = |count: usize| match &home {
            Some((home, cwd)) if in_target => side_homes(metadata, home, cwd, count),
            _ => Vec::new(),
        };
        let keep = |kept: AuditGraphs| {
            if in_target {
                UnitGraphMemo::save(
                    &memo_path,
                    key,
                    stamps.clone(),
                    manifests.clone(),
                    fingerprint(),
                    kept,
                );
            }
        };
        let (kept, early) = match source {
            UnitGraphSource::Kept {
                memo,
                fresh,
                parsed,
                early,
            } if fresh || memo.fingerprint() == fingerprint() => {
                match memo.payload_for(&manifests).zip(parsed) {
                    Some((_, parsed)) if fresh => {
                        return kept_graphs(parsed);
                    }
                    kept => (kept, early),
                }
            }
            UnitGraphSource::Kept { early, .. } => (None, early),
            UnitGraphSource::Cargo(pending) => {
                let early = Some((UnitGraphCommand::ALL[..1].to_vec(), pending));
                let pending = ask(&cargo, &UnitGraphCommand::ALL, early, homes);
                return read_anew(pending, Vec::new(), profiles, keep);
            }
        };
        let (kept, parsed) = kept.unzip();
        // Cargo resolves what it resolved for the kept graphs: only a graph whose profiles
        // changed is asked again, and the memo is stamped anew so that the next audit reads it
        // without asking.
        let changed = match (&kept, &parsed) {
            (Some(kept), Some(_)) => kept.changed(&profiles),
            _ => UnitGraphCommand::ALL.to_vec(),
        };
        match (kept, parsed) {
            (Some(kept), Some(parsed)) if changed.is_empty() => {
                keep(kept);
                kept_graphs(parsed)
            }
            (Some(kept), Some(Ok(graphs))) => {
                let pending = ask(&cargo, &changed, early, homes);
                let unchanged = graphs
                    .into_iter()
                    .filter(|(command, _)| !changed.contains(command))
                    .map(|(command, graph)| {
                        let text = kept.text(command).unwrap_or_default().to_owned();
                        (command, graph, text)
                    })
                    .collect();
                read_anew(pending, unchanged, profiles, keep)
            }
            _ => read_anew(
                ask(&cargo, &UnitGraphCommand::ALL, early, homes),
                Vec::new(),
                profiles,
                keep,
            ),
        }
    }
}

/// The graphs of `commands` from cargo, with those `early` already asked for among them; an
/// early one not among them is left to finish unread. What is asked now while another runs in
/// the user's cargo home runs in a side home of its own, from `homes(count)`, where there is one.
fn ask(
    cargo: &crate::cargo::CargoOptions,
    commands: &[UnitGraphCommand],
    early: Option<(Vec<UnitGraphCommand>, PendingUnitGraphs)>,
    homes: impl FnOnce(usize) -> Vec<SideHome>,
) -> PendingUnitGraphs {
    let (first, rest) = match early {
        Some((asked, pending)) if asked.iter().all(|c| commands.contains(c)) => {
            let rest: Vec<UnitGraphCommand> = commands
                .iter()
                .filter(|c| !asked.contains(c))
                .copied()
                .collect();
            (pending, rest)
        }
        _ => {
            let (first, rest) = commands.split_at(commands.len().min(1));
            (PendingUnitGraphs::start_some(cargo, first), rest.to_vec())
        }
    };
    if rest.is_empty() {
        return first;
    }
    first.and(PendingUnitGraphs::start_beside(
        cargo,
        &rest,
        &homes(rest.len()),
    ))
}

/// `count` side homes in cargo-tune's directory of the target directory, when every package's
/// sources are on disk (so that a resolve there has nothing to fetch or unpack); fewer, or
/// none, where they cannot be made.
fn side_homes(metadata: &Metadata, home: &Path, cwd: &Path, count: usize) -> Vec<SideHome> {
    if !metadata.packages.iter().all(|p| p.manifest_path.is_file()) {
        return Vec::new();
    }
    side_homes_in(
        &metadata.target_directory.join("cargo-tune"),
        home,
        cwd,
        count,
    )
}

/// `count` side homes in `dir`; fewer, or none, where they cannot be made.
fn side_homes_in(dir: &Path, home: &Path, cwd: &Path, count: usize) -> Vec<SideHome> {
    (1..=count)
        .map_while(|i| SideHome::prepare(&dir.join(format!("cargo-home-{i}")), home, cwd))
        .collect()
}

/// The graphs a memo kept, or why there were none.
fn kept_graphs(parsed: KeptGraphs) -> UnitGraphs {
    match parsed {
        Ok(graphs) => UnitGraphs::Read(graphs),
        Err(reason) => UnitGraphs::Unavailable { reason },
    }
}

/// Waits for the graphs cargo is asked for, puts them in order with the `unchanged` ones kept
/// (each with what cargo printed for it), and keeps the whole set with the `profiles` it was
/// read with.
fn read_anew(
    pending: PendingUnitGraphs,
    mut unchanged: Vec<(UnitGraphCommand, UnitGraph, String)>,
    profiles: Vec<(UnitGraphCommand, String)>,
    keep: impl FnOnce(AuditGraphs),
) -> UnitGraphs {
    let (graphs, texts) = pending.wait();
    let read = match graphs {
        UnitGraphs::Read(read) => read,
        UnitGraphs::Unavailable { reason } => {
            keep(AuditGraphs::new(Err(reason.clone()), profiles));
            return UnitGraphs::Unavailable { reason };
        }
    };
    unchanged.extend(
        read.into_iter()
            .zip(texts)
            .map(|((command, graph), (_, text))| (command, graph, text)),
    );
    unchanged
        .sort_by_key(|(command, _, _)| UnitGraphCommand::ALL.iter().position(|c| c == command));
    let (graphs, texts) = unchanged
        .into_iter()
        .map(|(command, graph, text)| ((command, graph), (command, text)))
        .unzip();
    keep(AuditGraphs::new(Ok(texts), profiles));
    UnitGraphs::Read(graphs)
}

/// `Cargo.lock`, read and parsed on a thread while `cargo metadata` runs: on a large workspace
/// the parse costs as much as the analyses, and the second core is idle until cargo exits.
#[derive(Debug)]
struct EarlyLockfile {
    /// Canonical path, to compare with the workspace root cargo reports.
    path: PathBuf,
    handle: JoinHandle<(Option<(u64, u128)>, LockfileRead)>,
}

type LockfileRead = Result<Option<Lockfile>, LoadError>;

impl EarlyLockfile {
    fn start(path: &Path) -> Option<EarlyLockfile> {
        let path = std::fs::canonicalize(path).ok()?;
        let read_path = path.clone();
        let handle = std::thread::spawn(move || {
            let stamp = file_stamp(&read_path);
            (stamp, Lockfile::read(&read_path))
        });
        Some(EarlyLockfile { path, handle })
    }

    /// The early result if it was read from `path` and `cargo metadata` has not rewritten the
    /// file since (it does when the lockfile no longer matches the manifests and `--locked` is
    /// not given); `None` when it must be read again.
    fn take(self, path: &Path) -> Option<LockfileRead> {
        let (stamp, result) = match self.handle.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let same_file = std::fs::canonicalize(path).is_ok_and(|p| p == self.path);
        (same_file && stamp.is_some() && stamp == file_stamp(path)).then_some(result)
    }
}

/// The manifest cargo would use: `manifest_path` if given, else the nearest `Cargo.toml` at or
/// above `cwd`.
pub fn find_manifest(manifest_path: Option<&Path>, cwd: &Path) -> Result<PathBuf, LoadError> {
    if let Some(path) = manifest_path {
        let path = cwd.join(path);
        let why = if path.is_dir() {
            let inside = path.join("Cargo.toml");
            let mut why = "it is a directory but expected a file".to_owned();
            if inside.is_file() {
                why.push_str(&format!("; {} exists", inside.display()));
            }
            why
        } else if !path.is_file() {
            "no such file".to_owned()
        } else if path.file_name().is_none_or(|n| n != "Cargo.toml") {
            // cargo reads another file only as a `-Zscript` embedded manifest.
            "it is not a Cargo.toml; pass the package's or the workspace's Cargo.toml".to_owned()
        } else {
            return Ok(path);
        };
        return Err(LoadError::ManifestPath { path, why });
    }
    cwd.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|p| p.is_file())
        .ok_or_else(|| LoadError::NotAWorkspace {
            dir: cwd.to_owned(),
        })
}

impl WorkspaceModel {
    /// Up to `count` cargo homes beside the user's for read-only resolves run from `cwd` side
    /// by side (see [`SideHome`]): none unless every package's sources are on disk.
    pub fn side_homes(&self, cwd: &Path, count: usize) -> Vec<SideHome> {
        match cargo_home(&self.env) {
            Some(home) => side_homes(&self.metadata, &home, cwd, count),
            None => Vec::new(),
        }
    }

    /// Environment overrides for cargo-tune's own cargo calls: each configured wrapper that is
    /// not installed is set empty, which cargo reads as no wrapper.
    pub fn cargo_env(&self) -> Vec<(String, String)> {
        self.rustc_wrappers
            .iter()
            .filter(|w| !w.installed)
            .map(|w| (w.var.to_owned(), String::new()))
            .collect()
    }

    /// Checks what can be checked before cargo runs (the manifest parses, the toolchain pin is
    /// installed), then starts `cargo metadata` in the background.
    pub fn start(mut options: LoadOptions) -> Result<PendingModel, LoadError> {
        let mut toolchain_pin = None;
        let mut toolchain_fallback = None;
        let mut lockfile = None;
        let mut lockfile_aside = None;
        let mut root_guess = None;
        let mut config = None;
        let mut early_manifest = None;
        if let Some(cargo) = options.source.cargo_options_mut() {
            let manifest = find_manifest(options.manifest_path.as_deref(), &options.cwd)?;
            let dir = manifest.parent().unwrap_or(Path::new("/")).to_owned();
            // Parse before cargo does, so a syntax error names file:line:col in our words; kept
            // as the root manifest when it is one and cargo leaves it alone.
            let stamp = file_stamp(&manifest);
            early_manifest = Some((ManifestDoc::read(&manifest, &dir)?, stamp));
            toolchain_pin = ToolchainPin::discover(&dir)?;
            if let Some(pin) = &toolchain_pin
                && let Some(home) = rustup_home(&options.env)
                && pin.is_installed(&home) == Some(false)
                && options.env.get("RUSTUP_TOOLCHAIN").is_none()
            {
                match rustup_default(&home).filter(|_| options.read_only) {
                    // rustup's proxies stop at a pin that is not installed; reading the
                    // workspace with the default toolchain tells the user more than stopping.
                    Some(default) => {
                        cargo
                            .env
                            .push(("RUSTUP_TOOLCHAIN".to_owned(), default.clone()));
                        toolchain_fallback = Some(default);
                    }
                    None => {
                        return Err(LoadError::ToolchainNotInstalled {
                            path: pin.path.clone(),
                            channel: pin.channel.clone(),
                        });
                    }
                }
            }
            let discovered =
                CargoConfig::discover(&options.cwd, cargo_home(&options.env).as_deref(), &dir)?;
            match lockfile_near(&manifest) {
                Some(lock_path) => {
                    root_guess = lock_path.parent().map(Path::to_owned);
                    lockfile = EarlyLockfile::start(&lock_path);
                }
                // cargo metadata would write a lockfile into the workspace: resolve elsewhere,
                // or refuse before it runs.
                None if options.read_only && !cargo.locked && !cargo.frozen => {
                    let root = workspace_root_guess(&dir);
                    let path = target_dir_guess(&root, &options.cwd, &options.env, &discovered)
                        .join("cargo-tune")
                        .join("lockfile")
                        .join("Cargo.lock");
                    cargo.lockfile_aside = Some(path.clone());
                    lockfile_aside = Some(path);
                    root_guess = Some(root);
                }
                None => {
                    return Err(LoadError::NoLockfile {
                        path: dir.join("Cargo.lock"),
                    });
                }
            }
            // A wrapper that is not installed fails every cargo call that asks rustc anything;
            // cargo-tune's own calls run without it, and the audit says where it is set.
            let wrappers = rustc_wrappers(
                &options.env,
                &cargo.config,
                &discovered,
                &options.cwd,
                std::env::var_os("PATH").as_deref(),
            );
            for wrapper in wrappers.iter().filter(|w| !w.installed) {
                cargo.env.push((wrapper.var.to_owned(), String::new()));
            }
            config = Some((dir, discovered, wrappers));
        }
        // Stamps taken before cargo runs, so that a file changed while it ran makes what is
        // kept from it stale; one set for the metadata and the unit graphs.
        let early_stamps = root_guess
            .as_ref()
            .map(|root| unit_graph_memo::stamp_early(root, &options.cwd, &options.env))
            .unwrap_or_default();
        let command = options.source.command();
        // Only commands that read: one that writes asks cargo to verify what it wrote.
        let mut metadata_memo = match (&options.source, &root_guess, &lockfile_aside, &command) {
            (MetadataSource::Cargo(_), Some(root), None, Some(cli)) if options.read_only => {
                Some(MetadataMemo::new(root, &options, cli, early_stamps.clone()))
            }
            _ => None,
        };
        let mut sources_on_disk = false;
        let pending = match (
            metadata_memo.as_mut().and_then(MetadataMemo::lookup),
            &command,
        ) {
            (Some(bytes), Some(cli)) => {
                sources_on_disk = options.unit_graphs && manifests_on_disk(&bytes);
                PendingMetadata::kept(bytes, format!("{} (kept)", cli.display()))
            }
            _ => options.source.start(),
        };
        let unit_graphs = match (&options.source, &root_guess) {
            (MetadataSource::Cargo(cargo), Some(root)) if options.unit_graphs => {
                let profiles = early_manifest
                    .as_ref()
                    .filter(|(doc, _)| doc.path.parent() == Some(root.as_path()))
                    .map(|(doc, _)| unit_graph_memo::profile_fingerprints(&doc.doc));
                Some(UnitGraphLoad::start(
                    cargo,
                    root,
                    &options,
                    early_stamps,
                    profiles,
                    sources_on_disk,
                ))
            }
            _ => None,
        };
        // Beside the unit graphs, in a target directory that is already there: one that
        // `build.target-dir` moved elsewhere is not created for it.
        let probe_memo = match (&options.source, &root_guess) {
            (MetadataSource::Cargo(_), Some(root)) => {
                let memo = unit_graph_memo::memo_path(root, &options.env, "rustc-probe.json");
                memo.parent()
                    .and_then(Path::parent)
                    .is_some_and(Path::is_dir)
                    .then_some(memo)
            }
            _ => None,
        };
        Ok(PendingModel {
            pending,
            options,
            toolchain_pin,
            toolchain_fallback,
            lockfile,
            lockfile_aside,
            config,
            unit_graphs,
            probe_memo,
            early_manifest,
            metadata_memo,
        })
    }
}

impl PendingModel {
    /// The toolchain cargo runs with instead of a pin that is not installed, for a read-only
    /// load; everything else that runs rustc for the same workspace must run it too.
    pub fn toolchain_fallback(&self) -> Option<&str> {
        self.toolchain_fallback.as_deref()
    }

    /// Where the probe may keep rustc's answers, if anywhere.
    pub fn probe_memo(&self) -> Option<&Path> {
        self.probe_memo.as_deref()
    }

    /// Waits for `cargo metadata` and reads the files around it.
    pub fn finish(self) -> Result<WorkspaceModel, LoadError> {
        let (model, exit) = self.finish_unconfirmed()?;
        exit.confirm()?;
        Ok(model)
    }

    /// As [`PendingModel::finish`], but returns once cargo's output is read, while cargo may
    /// still be exiting; confirm the exit before showing anything made from the model.
    pub fn finish_unconfirmed(self) -> Result<(WorkspaceModel, MetadataExit), LoadError> {
        let options_unit_graphs = self.options.unit_graphs;
        let (metadata, exit) = self.pending.wait_unconfirmed()?;
        let lockfile = match self.lockfile_aside {
            Some(path) => LockfileAt::Aside(path),
            None => LockfileAt::Root(self.lockfile),
        };
        match read_around(
            metadata,
            self.options,
            self.toolchain_pin,
            lockfile,
            self.config,
            self.early_manifest,
        ) {
            Ok(mut model) => {
                model.toolchain_fallback = self.toolchain_fallback;
                model.unit_graphs = match self.unit_graphs {
                    Some(load) => load.finish(&model.metadata, &model.root_manifest.doc),
                    None if options_unit_graphs => UnitGraphs::unavailable(
                        "the workspace was loaded from captured `cargo metadata` output",
                    ),
                    None => UnitGraphs::unavailable("not asked for"),
                };
                let exit = match self.metadata_memo {
                    Some(memo) => exit.then(memo.keeper(&model.metadata)),
                    None => exit,
                };
                Ok((model, exit))
            }
            Err(e) => {
                // A failing cargo explains more than what it left behind.
                exit.confirm()?;
                Err(e)
            }
        }
    }
}

/// Reads the manifests, lockfile, configuration and index cache of the workspace `metadata`
/// describes.
fn read_around(
    metadata: Metadata,
    options: LoadOptions,
    toolchain_pin: Option<ToolchainPin>,
    lockfile_at: LockfileAt,
    early_config: Option<(PathBuf, CargoConfig, Vec<RustcWrapper>)>,
    early_manifest: Option<(ManifestDoc, Option<(u64, u128)>)>,
) -> Result<WorkspaceModel, LoadError> {
    let root = metadata.workspace_root.clone();
    let root_path = root.join("Cargo.toml");
    let root_manifest = match early_manifest {
        Some((mut doc, stamp))
            if stamp.is_some()
                && file_stamp(&root_path) == stamp
                && same_file(&doc.path, &root_path)
                && doc.rel_path == "Cargo.toml" =>
        {
            doc.path = root_path;
            doc
        }
        _ => ManifestDoc::read(&root_path, &root)?,
    };
    let members = read_members(&metadata, &root, &root_manifest)?;
    let (lockfile, lockfile_aside) = match lockfile_at {
        LockfileAt::Root(early) => {
            let lock_path = root.join("Cargo.lock");
            let lockfile = match early.and_then(|early| early.take(&lock_path)) {
                Some(result) => result?,
                None => Lockfile::read(&lock_path)?,
            };
            (lockfile, None)
        }
        LockfileAt::Aside(path) => (Lockfile::read(&path)?, Some(path)),
    };
    let home = cargo_home(&options.env);
    let parents = registry_index::duplicate_parents(&metadata, lockfile.as_ref());
    let registry_index = match &home {
        Some(home) => RegistryIndex::load(home, parents.iter().map(String::as_str)).with_memo(
            metadata
                .target_directory
                .join("cargo-tune")
                .join("index-memo.json"),
        ),
        None => RegistryIndex::default(),
    };
    // cargo reads an argument that names an existing file as that file, relative to the
    // working directory; kept absolute so that analyses need no working directory.
    let cli_config = match &options.source {
        MetadataSource::Cargo(cargo) | MetadataSource::Members(cargo) => cargo
            .config
            .iter()
            .map(|arg| {
                let path = options.cwd.join(arg);
                if !arg.is_empty() && path.is_file() {
                    path.display().to_string()
                } else {
                    arg.clone()
                }
            })
            .collect(),
        MetadataSource::Json(_) => Vec::new(),
    };
    // Discovered before cargo ran, with paths relative to the manifest's directory: reused when
    // that directory is the workspace root, as it usually is.
    let (config, rustc_wrappers) = match early_config {
        Some((dir, config, wrappers)) if dir == root => (config, wrappers),
        _ => {
            let config = CargoConfig::discover(&options.cwd, home.as_deref(), &root)?;
            let wrappers = rustc_wrappers(
                &options.env,
                &cli_config,
                &config,
                &options.cwd,
                std::env::var_os("PATH").as_deref(),
            );
            (config, wrappers)
        }
    };
    let toolchain_pin = match toolchain_pin {
        Some(pin) => Some(pin),
        None => ToolchainPin::discover(&root)?,
    };
    Ok(WorkspaceModel {
        metadata,
        root,
        root_manifest,
        members,
        lockfile,
        lockfile_aside,
        config,
        toolchain_pin,
        toolchain_fallback: None,
        cli_config,
        env: options.env,
        registry_index,
        rustc_wrappers,
        unit_graphs: UnitGraphs::unavailable("not read yet"),
    })
}

/// The members' manifests, parsed on as many threads as there are cores: cargo has exited by
/// now, and a workspace of a hundred members spends most of this step in the TOML parser.
fn read_members(
    metadata: &Metadata,
    root: &Path,
    root_manifest: &ManifestDoc,
) -> Result<Vec<Member>, LoadError> {
    let packages: Vec<_> = metadata
        .workspace_members
        .iter()
        .filter_map(|id| metadata.packages.iter().find(|p| &p.id == id))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = packages.len().div_ceil(threads).max(1);
    let read = |chunk: &[&crate::cargo::metadata::Package]| {
        chunk
            .iter()
            .map(|package| {
                // The root package's manifest is the workspace's: parsed once (on a large
                // workspace it is the largest file).
                let manifest = if package.manifest_path == root_manifest.path {
                    root_manifest.clone()
                } else {
                    ManifestDoc::read(&package.manifest_path, root)?
                };
                Ok(Member {
                    id: package.id.clone(),
                    name: package.name.clone(),
                    manifest,
                })
            })
            .collect::<Result<Vec<_>, LoadError>>()
    };
    std::thread::scope(|scope| {
        let mut chunks = packages.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks.map(|c| scope.spawn(move || read(c))).collect();
        let mut members = read(first)?;
        for handle in others {
            members.extend(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
            );
        }
        Ok(members)
    })
}

/// Whether two paths name one file: equal, or equal once resolved.
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || std::fs::canonicalize(a)
            .ok()
            .is_some_and(|a| std::fs::canonicalize(b).is_ok_and(|b| a == b))
}

/// Where the lockfile is read from once cargo has run.
enum LockfileAt {
    /// Beside the root manifest, perhaps parsed already while cargo ran.
    Root(Option<EarlyLockfile>),
    /// Resolved by cargo into this file, for a workspace without one of its own.
    Aside(PathBuf),
}

/// The workspace root as cargo would find it, for placing files before cargo has said: the
/// nearest manifest at or above `dir` with a `[workspace]` table, else `dir`.
fn workspace_root_guess(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .ok()
                .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok())
                .is_some_and(|doc| doc.contains_key("workspace"))
        })
        .unwrap_or(dir)
        .to_owned()
}

/// The target directory cargo will use: `CARGO_TARGET_DIR`, else `build.target-dir` (relative
/// to the directory holding the `.cargo` folder that sets it), else `target` under the root.
fn target_dir_guess(root: &Path, cwd: &Path, env: &BuildEnv, config: &CargoConfig) -> PathBuf {
    if let Some(dir) = env.get("CARGO_TARGET_DIR") {
        return cwd.join(dir);
    }
    if let Some((item, layer)) = config.get(&["build", "target-dir"])
        && let Some(dir) = item.as_str()
    {
        return layer.base_dir().unwrap_or(root).join(dir);
    }
    root.join("target")
}

fn lockfile_near(manifest: &Path) -> Option<PathBuf> {
    manifest
        .parent()?
        .ancestors()
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
}

/// rustup's default toolchain (`default_toolchain` of its `settings.toml`).
fn rustup_default(rustup_home: &Path) -> Option<String> {
    let text = std::fs::read_to_string(rustup_home.join("settings.toml")).ok()?;
    let doc: toml_edit::DocumentMut = text.parse().ok()?;
    doc.get("default_toolchain")?.as_str().map(str::to_owned)
}

/// `$RUSTUP_HOME`, else `~/.rustup`, when that directory exists.
pub fn rustup_home(env: &BuildEnv) -> Option<PathBuf> {
    env.get("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))
        .filter(|p| p.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo::CargoOptions;
    use cargo_tune_test_support::write;

    const LOCK: &str = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n";

    fn workspace(dir: &Path, depends_on_b: bool) {
        let dep = if depends_on_b {
            "[dependencies]\nb = { path = \"b\" }\n"
        } else {
            ""
        };
        write(
            &dir.join("Cargo.toml"),
            &format!("[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2024\"\n{dep}"),
        );
        write(&dir.join("src/lib.rs"), "");
        write(
            &dir.join("b/Cargo.toml"),
            "[package]\nname = \"b\"\nversion = \"0.2.0\"\nedition = \"2024\"\n",
        );
        write(&dir.join("b/src/lib.rs"), "");
        write(&dir.join("Cargo.lock"), LOCK);
    }

    fn load(dir: &Path) -> WorkspaceModel {
        let manifest = dir.join("Cargo.toml");
        let options = LoadOptions {
            source: MetadataSource::Cargo(CargoOptions {
                offline: true,
                manifest_path: Some(manifest.clone()),
                ..CargoOptions::default()
            }),
            manifest_path: Some(manifest),
            cwd: dir.to_owned(),
            env: BuildEnv::from_vars([]),
            unit_graphs: false,
            read_only: false,
        };
        WorkspaceModel::start(options).unwrap().finish().unwrap()
    }

    fn locked_names(model: &WorkspaceModel) -> Vec<&str> {
        let lockfile = model.lockfile.as_ref().expect("a lockfile");
        lockfile.packages.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn a_lockfile_cargo_rewrites_while_loading_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        workspace(dir.path(), true);
        let model = load(dir.path());
        // cargo metadata added `b`; the copy parsed before it ran did not have it.
        assert_eq!(locked_names(&model), ["a", "b"]);
    }

    #[test]
    fn an_unchanged_lockfile_is_parsed_once_while_cargo_runs() {
        let dir = tempfile::tempdir().unwrap();
        workspace(dir.path(), false);
        let lock = dir.path().join("Cargo.lock");
        let early = EarlyLockfile::start(&lock).unwrap();
        let taken = early
            .take(&lock)
            .expect("unchanged, so the early parse is kept");
        assert_eq!(taken.unwrap().unwrap().packages.len(), 1);
        assert_eq!(locked_names(&load(dir.path())), ["a"]);
    }

    #[test]
    fn an_early_parse_is_dropped_when_the_file_changes_or_is_another() {
        let dir = tempfile::tempdir().unwrap();
        workspace(dir.path(), false);
        let lock = dir.path().join("Cargo.lock");
        let early = EarlyLockfile::start(&lock).unwrap();
        while !early.handle.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        write(&lock, &format!("{LOCK}\n"));
        assert!(early.take(&lock).is_none());
        let other = dir.path().join("b/Cargo.lock");
        write(&other, LOCK);
        let early = EarlyLockfile::start(&other).unwrap();
        assert!(early.take(&lock).is_none());
    }
}
