use std::path::{Path, PathBuf};

use crate::cargo::metadata::{Metadata, PackageId};

use super::config::cargo_home;
use super::{
    BuildEnv, CargoConfig, Lockfile, ManifestDoc, RegistryIndex, ToolchainPin, registry_index,
};
use crate::cargo::metadata::{MetadataSource, PendingMetadata};
use crate::errors::LoadError;

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
    /// The layered cargo configuration.
    pub config: CargoConfig,
    /// The toolchain pin, if any.
    pub toolchain_pin: Option<ToolchainPin>,
    /// The build-relevant environment.
    pub env: BuildEnv,
    /// Releases of the crates.io packages that depend on a duplicated package, from cargo's local
    /// index cache; empty when there is no cache.
    pub registry_index: RegistryIndex,
}

/// A load whose `cargo metadata` is still running.
#[derive(Debug)]
pub struct PendingModel {
    pending: PendingMetadata,
    options: LoadOptions,
    toolchain_pin: Option<ToolchainPin>,
}

/// The manifest cargo would use: `manifest_path` if given, else the nearest `Cargo.toml` at or
/// above `cwd`.
pub fn find_manifest(manifest_path: Option<&Path>, cwd: &Path) -> Result<PathBuf, LoadError> {
    if let Some(path) = manifest_path {
        let path = cwd.join(path);
        if !path.is_file() {
            return Err(LoadError::Read {
                path,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such manifest"),
            });
        }
        return Ok(path);
    }
    cwd.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|p| p.is_file())
        .ok_or_else(|| LoadError::NotAWorkspace {
            dir: cwd.to_owned(),
        })
}

impl WorkspaceModel {
    /// Checks what can be checked before cargo runs (the manifest parses, the toolchain pin is
    /// installed), then starts `cargo metadata` in the background.
    pub fn start(options: LoadOptions) -> Result<PendingModel, LoadError> {
        let mut toolchain_pin = None;
        if let MetadataSource::Cargo(_) = options.source {
            let manifest = find_manifest(options.manifest_path.as_deref(), &options.cwd)?;
            let dir = manifest.parent().unwrap_or(Path::new("/")).to_owned();
            // Parse before cargo does, so a syntax error names file:line:col in our words.
            ManifestDoc::read(&manifest, &dir)?;
            toolchain_pin = ToolchainPin::discover(&dir)?;
            if let Some(pin) = &toolchain_pin
                && let Some(home) = rustup_home(&options.env)
                && pin.is_installed(&home) == Some(false)
                && options.env.get("RUSTUP_TOOLCHAIN").is_none()
            {
                return Err(LoadError::ToolchainNotInstalled {
                    path: pin.path.clone(),
                    channel: pin.channel.clone(),
                });
            }
            // cargo metadata would write a lockfile; refuse before it runs.
            if lockfile_near(&manifest).is_none() {
                return Err(LoadError::NoLockfile {
                    path: dir.join("Cargo.lock"),
                });
            }
        }
        let pending = options.source.start();
        Ok(PendingModel {
            pending,
            options,
            toolchain_pin,
        })
    }
}

impl PendingModel {
    /// Waits for `cargo metadata` and reads the files around it.
    pub fn finish(self) -> Result<WorkspaceModel, LoadError> {
        let PendingModel {
            pending,
            options,
            toolchain_pin,
        } = self;
        let metadata = pending.wait()?;
        let root = metadata.workspace_root.clone();
        let root_manifest = ManifestDoc::read(&root.join("Cargo.toml"), &root)?;
        let mut members = Vec::new();
        for id in &metadata.workspace_members {
            let Some(package) = metadata.packages.iter().find(|p| &p.id == id) else {
                continue;
            };
            let manifest = ManifestDoc::read(&package.manifest_path, &root)?;
            members.push(Member {
                id: id.clone(),
                name: package.name.clone(),
                manifest,
            });
        }
        let lockfile = Lockfile::read(&root.join("Cargo.lock"))?;
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
        let config = CargoConfig::discover(&options.cwd, home.as_deref(), &root)?;
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
            config,
            toolchain_pin,
            env: options.env,
            registry_index,
        })
    }
}

fn lockfile_near(manifest: &Path) -> Option<PathBuf> {
    manifest
        .parent()?
        .ancestors()
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
}

/// `$RUSTUP_HOME`, else `~/.rustup`, when that directory exists.
pub fn rustup_home(env: &BuildEnv) -> Option<PathBuf> {
    env.get("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))
        .filter(|p| p.is_dir())
}
