//! `dylib=PKG`: a heavy dependency linked as a Rust dylib in dev builds, as Bevy's
//! `dynamic_linking` feature does, measured in a scratch copy of the workspace.
//!
//! The copy gets a facade crate (`crate-type = ["dylib"]`, `pub use PKG;`) that the workspace
//! excludes, so that cargo builds it as a dependency and passes it `-C prefer-dynamic` (std
//! linked dynamically, as a dylib must be to share std with the binary; cargo does so only for
//! packages that are not members of the workspace being built). Each member that depends on
//! PKG depends on the facade and links it (`extern crate … as _;` at the end of each of its
//! crate roots): rustc then takes PKG from the dylib, for the member's own code and for any
//! other dependency that uses PKG, and the binary's link no longer copies PKG's code. Two
//! dylibs that embed one crate fail to link ("cannot satisfy dependencies so `…` only shows
//! up once"), so a graph that already links PKG through another dylib is refused.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::session::Session;
use crate::cargo::CargoCli;
use crate::cargo::metadata::{DependencyKind, Metadata, Package, TargetKind};
use crate::change::variant::Variant;
use crate::exec::checkout;
use crate::vocab::Failure;

/// The facade's package name for `package`.
pub fn facade_name(package: &str) -> String {
    format!("cargo-tune-dylib-{package}")
}

/// Where the facade lives, relative to the workspace root.
pub fn facade_dir(package: &str) -> PathBuf {
    PathBuf::from("dylib-facades").join(package)
}

/// `to` as a path relative to the directory `from` (both absolute, `from` inside `root`).
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part);
    }
    out.display().to_string()
}

/// What the candidate needs from the workspace's graph, or why it cannot be measured.
#[derive(Debug)]
pub struct Facade {
    /// The package.
    pub package: String,
    /// rustc's crate name of its library.
    pub krate: String,
    /// The dependency line of the facade's manifest (`{ version = "=1.2.3", … }`); a path
    /// dependency's directory is added where the facade is written.
    pub requirement: String,
    /// The directory of a path dependency.
    pub path: Option<PathBuf>,
    /// Manifests of the members that depend on it directly, each with its crate roots.
    pub members: Vec<(PathBuf, Vec<PathBuf>)>,
    /// Packages outside the workspace that use it too (they take it from the dylib).
    pub other_users: Vec<String>,
}

fn skip(package: &str, why: impl std::fmt::Display) -> Failure {
    Failure::usage(format!("dylib={package} cannot be measured: {why}"))
}

/// Reads from the graph whether `package` can be linked as a dylib, and how.
pub fn plan(metadata: &Metadata, package: &str) -> Result<Facade, Failure> {
    let candidates: Vec<&Package> = metadata
        .packages
        .iter()
        .filter(|p| p.name == package)
        .collect();
    let pkg = match candidates.as_slice() {
        [] => {
            return Err(skip(
                package,
                "it is not in this workspace's dependency graph",
            ));
        }
        [one] => *one,
        several => {
            return Err(skip(
                package,
                format!(
                    "it resolves to {} versions, and a facade re-exports one",
                    several.len()
                ),
            ));
        }
    };
    let members: BTreeSet<&str> = metadata
        .workspace_members
        .iter()
        .map(|id| id.repr.as_str())
        .collect();
    if members.contains(pkg.id.repr.as_str()) {
        return Err(skip(
            package,
            "it is a workspace member; the lever is for dependencies",
        ));
    }
    let lib = pkg
        .targets
        .iter()
        .find(|t| t.is_kind(TargetKind::Lib) || t.is_kind(TargetKind::Rlib))
        .ok_or_else(|| {
            skip(
                package,
                "it has no Rust library (a proc-macro is never linked)",
            )
        })?;
    let krate = lib.name.replace('-', "_");
    let mut path = None;
    let requirement = match pkg.source.as_ref().map(|s| s.repr.as_str()) {
        None => {
            path = pkg.manifest_path.parent().map(Path::to_owned);
            "default-features = false".to_owned()
        }
        Some(s) if s.contains("crates.io-index") || s.contains("index.crates.io") => format!(
            "{{ version = \"={}\", default-features = false }}",
            pkg.version
        ),
        Some(s) => {
            return Err(skip(
                package,
                format!("it comes from {s}; the facade names crates.io or path dependencies only"),
            ));
        }
    };
    let resolve = metadata
        .resolve
        .as_ref()
        .ok_or_else(|| skip(package, "cargo metadata gave no resolve"))?;
    let by_id: HashMap<&str, &Package> = metadata
        .packages
        .iter()
        .map(|p| (p.id.repr.as_str(), p))
        .collect();
    // Who depends on it for their own code (not only to build or test).
    let mut direct_members = Vec::new();
    let mut other_users = Vec::new();
    for node in &resolve.nodes {
        let uses = node.deps.iter().any(|d| {
            d.pkg == pkg.id && d.dep_kinds.iter().any(|k| k.kind == DependencyKind::Normal)
        });
        if !uses {
            continue;
        }
        let Some(user) = by_id.get(node.id.repr.as_str()) else {
            continue;
        };
        if members.contains(node.id.repr.as_str()) {
            direct_members.push(*user);
        } else {
            other_users.push(format!("{} {}", user.name, user.version));
        }
    }
    if direct_members.is_empty() {
        return Err(skip(
            package,
            "no workspace member depends on it directly, and the facade is linked by the members that use it",
        ));
    }
    // Another dylib that embeds it would make it show up twice.
    let deps_of: HashMap<&str, Vec<&str>> = resolve
        .nodes
        .iter()
        .map(|n| {
            (
                n.id.repr.as_str(),
                n.deps.iter().map(|d| d.pkg.repr.as_str()).collect(),
            )
        })
        .collect();
    for other in metadata
        .packages
        .iter()
        .filter(|p| p.targets.iter().any(|t| t.is_kind(TargetKind::Dylib)) && p.id != pkg.id)
    {
        let mut stack = vec![other.id.repr.as_str()];
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if id == pkg.id.repr {
                return Err(skip(
                    package,
                    format!(
                        "{} is already a dylib that embeds it, and a crate embedded by two dylibs fails to link (\"only shows up once\")",
                        other.name
                    ),
                ));
            }
            stack.extend(deps_of.get(id).into_iter().flatten());
        }
    }
    // A scratch copy keeps paths inside the workspace; one outside it would no longer resolve.
    let root = &metadata.workspace_root;
    if let Some(outside) = metadata
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .find(|p| !p.manifest_path.starts_with(root))
    {
        return Err(skip(
            package,
            format!(
                "the path dependency {} lives outside the workspace ({}), which a scratch copy cannot reach by the same relative path",
                outside.name,
                outside.manifest_path.display()
            ),
        ));
    }
    let members = direct_members
        .iter()
        .map(|m| {
            let roots = m
                .targets
                .iter()
                .filter(|t| t.is_kind(TargetKind::Lib) || t.is_kind(TargetKind::Bin))
                .map(|t| t.src_path.clone())
                .collect();
            (m.manifest_path.clone(), roots)
        })
        .collect();
    other_users.sort();
    other_users.dedup();
    Ok(Facade {
        package: package.to_owned(),
        krate,
        requirement,
        path,
        members,
        other_users,
    })
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Failure {
    let message = format!("failed to {what} {}", path.display());
    move |e| Failure::setup(format!("{message}: {e}"))
}

/// Writes the facade and its uses into the copy of the workspace at `root` (its original at
/// `original_root`), every use behind the feature `feature` of each member when one is given.
/// Paths written are relative, so that the files hold in the workspace itself.
pub fn write_facade(
    root: &Path,
    original_root: &Path,
    f: &Facade,
    feature: Option<&str>,
) -> Result<(), Failure> {
    let dir = root.join(facade_dir(&f.package));
    std::fs::create_dir_all(dir.join("src")).map_err(io("create", &dir))?;
    let name = facade_name(&f.package);
    let requirement = match &f.path {
        Some(p) => format!(
            "{{ path = {}, {} }}",
            toml_edit::Value::from(relative(&original_root.join(facade_dir(&f.package)), p)),
            f.requirement
        ),
        None => f.requirement.clone(),
    };
    let manifest = format!(
        "# Links {pkg} as a Rust dylib in dev builds (cargo tune: dylib={pkg}).\n[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[lib]\ncrate-type = [\"dylib\"]\n\n[dependencies]\n{pkg} = {requirement}\n",
        pkg = f.package,
    );
    crate::fsutil::write_atomic(&dir.join("Cargo.toml"), manifest.as_bytes())
        .map_err(io("write", &dir))?;
    crate::fsutil::write_atomic(
        &dir.join("src").join("lib.rs"),
        format!("pub use {};\n", f.krate).as_bytes(),
    )
    .map_err(io("write", &dir))?;
    let rel = |p: &Path| root.join(p.strip_prefix(original_root).unwrap_or(p));
    // The facade stays out of the workspace: a member dylib would not get `-C prefer-dynamic`.
    let root_manifest = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&root_manifest).map_err(io("read", &root_manifest))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Failure::setup(format!("failed to read {}: {e}", root_manifest.display())))?;
    if let Some(ws) = doc.get_mut("workspace").and_then(|w| w.as_table_like_mut()) {
        let exclude = ws
            .entry("exclude")
            .or_insert(toml_edit::value(toml_edit::Array::new()));
        if let Some(list) = exclude.as_array_mut() {
            list.push(facade_dir(&f.package).display().to_string());
        }
        crate::fsutil::write_atomic(&root_manifest, doc.to_string().as_bytes())
            .map_err(io("write", &root_manifest))?;
    }
    let facade_crate = name.replace('-', "_");
    for (manifest, roots) in &f.members {
        let manifest = rel(manifest);
        let text = std::fs::read_to_string(&manifest).map_err(io("read", &manifest))?;
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e| Failure::setup(format!("failed to read {}: {e}", manifest.display())))?;
        let deps = doc
            .entry("dependencies")
            .or_insert(toml_edit::table())
            .as_table_like_mut()
            .ok_or_else(|| {
                Failure::setup(format!(
                    "{}: [dependencies] is not a table",
                    manifest.display()
                ))
            })?;
        let mut entry = toml_edit::InlineTable::new();
        let member_dir = manifest.parent().unwrap_or(root);
        entry.insert("path", relative(member_dir, &dir).into());
        if feature.is_some() {
            entry.insert("optional", true.into());
        }
        deps.insert(&name, toml_edit::value(entry));
        if let Some(feature) = feature {
            let features = doc
                .entry("features")
                .or_insert(toml_edit::table())
                .as_table_like_mut()
                .ok_or_else(|| {
                    Failure::setup(format!("{}: [features] is not a table", manifest.display()))
                })?;
            let mut list = toml_edit::Array::new();
            list.push(format!("dep:{name}"));
            features.insert(feature, toml_edit::value(list));
        }
        crate::fsutil::write_atomic(&manifest, doc.to_string().as_bytes())
            .map_err(io("write", &manifest))?;
        for src in roots {
            let src = rel(src);
            let mut text = std::fs::read_to_string(&src).map_err(io("read", &src))?;
            if !text.ends_with('\n') {
                text.push('\n');
            }
            let cfg = feature
                .map(|f| format!("#[cfg(feature = \"{f}\")]\n"))
                .unwrap_or_default();
            text.push_str(&format!(
                "// Links {} from its dylib (cargo tune: dylib={}).\n{cfg}extern crate {facade_crate} as _;\n",
                f.package, f.package
            ));
            crate::fsutil::write_atomic(&src, text.as_bytes()).map_err(io("write", &src))?;
        }
    }
    Ok(())
}

/// Where a variant's scratch copy of the workspace lives.
fn scratch(session: &Session, variant: &str) -> PathBuf {
    session
        .bench_dir
        .join("dylib")
        .join(variant)
        .join("workspace")
}

/// Sets up the scratch copy a `dylib=PKG` variant builds: the workspace copied, the facade
/// written, and the lockfile taking the facade in (every other version kept).
pub fn prepare(session: &Session, variant: &mut Variant) -> Result<(), Failure> {
    if variant.dylibs.len() > 1 {
        return Err(Failure::usage(format!(
            "dylib={}: one dylib facade per candidate; two facades sharing a dependency fail to link",
            variant.dylibs.join("+dylib=")
        )));
    }
    let package = variant.dylibs[0].clone();
    let facade = plan(&session.model.metadata, &package)?;
    let root = &session.model.root;
    let dest = scratch(session, &variant.name);
    checkout::fresh_checkout(
        root,
        &dest,
        &[&session.model.metadata.target_directory, &session.bench_dir],
    )
    .map_err(io("copy the workspace into", &dest))?;
    write_facade(&dest, root, &facade, None)?;
    let mut options = session.cargo.clone();
    options.manifest_path = Some(dest.join("Cargo.toml"));
    options.locked = false;
    options.frozen = false;
    let resolve = CargoCli::new(&["metadata"], &options)
        .args(["--format-version", "1"])
        .current_dir(&dest);
    resolve.output().map_err(|e| {
        Failure::setup(format!(
            "failed to add the dylib facade of {package} to the lockfile of a scratch copy: {e}"
        ))
    })?;
    variant.checkout = Some(dest);
    let mut note = format!(
        "links {package} as a dylib: a binary it builds needs the toolchain's libstd and the facade on the library path when started directly, LD_LIBRARY_PATH=\"$(rustc --print target-libdir):target/debug/deps\" (cargo run and cargo test set it)"
    );
    if !facade.other_users.is_empty() {
        note.push_str(&format!(
            "; {} also use {package} and take it from the dylib",
            facade.other_users.join(", ")
        ));
    }
    variant.notes.push(note);
    Ok(())
}

/// `cargo tune apply dylib=PKG --feature NAME`: the facade and its uses written behind the
/// feature, as an edit plan. They are first written into a scratch copy and built there with
/// the feature on; a facade that does not build is refused with cargo's words, and nothing is
/// planned. The copy's lockfile, which takes the facade in, is part of the plan.
pub fn apply_plan(
    model: &crate::workspace::WorkspaceModel,
    cargo: &crate::cargo::CargoOptions,
    package: &str,
    feature: &str,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<crate::edit::EditPlan, Failure> {
    let valid = !feature.is_empty()
        && feature
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(Failure::usage(format!(
            "--feature {feature:?}: a feature name is letters, digits, `-` and `_`"
        )));
    }
    let facade = plan(&model.metadata, package)?;
    let root = &model.root;
    for (manifest, _) in &facade.members {
        let text = std::fs::read_to_string(manifest).map_err(io("read", manifest))?;
        let doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e| Failure::setup(format!("failed to read {}: {e}", manifest.display())))?;
        if doc.get("features").and_then(|f| f.get(feature)).is_some() {
            return Err(Failure::usage(format!(
                "{} already has a feature `{feature}`; name another with --feature",
                crate::workspace::relative_path(manifest, root)
            )));
        }
    }
    let work = model
        .metadata
        .target_directory
        .join("cargo-tune")
        .join("apply-dylib");
    let dest = work.join("workspace");
    checkout::fresh_checkout(root, &dest, &[&model.metadata.target_directory])
        .map_err(io("copy the workspace into", &dest))?;
    write_facade(&dest, root, &facade, Some(feature))?;
    let members: Vec<String> = model
        .metadata
        .workspace_packages()
        .iter()
        .filter(|p| facade.members.iter().any(|(m, _)| *m == p.manifest_path))
        .map(|p| format!("{}/{feature}", p.name))
        .collect();
    let mut options = cargo.clone();
    options.manifest_path = Some(dest.join("Cargo.toml"));
    options.locked = false;
    options.frozen = false;
    options.color = Some(crate::cargo::Color::Never);
    let build = CargoCli::new(&["build"], &options)
        .args(["--workspace", "--features", &members.join(",")])
        .env("CARGO_TARGET_DIR", work.join("target"))
        .current_dir(&dest);
    let how = crate::exec::Supervision {
        memory: false,
        ..crate::exec::Supervision::new(cancel)
    };
    let done = crate::exec::run(build.to_command(), &how, None)
        .map_err(|e| Failure::setup(format!("failed to run `{}`: {e}", build.display())))?;
    if done.interrupted {
        return Err(Failure::Interrupted { restored: None });
    }
    if !done.success() {
        return Err(Failure::Refused {
            message: format!(
                "the dylib facade of {package} does not build, so nothing was written; `{}` ({}):\n{}",
                build.display(),
                done.status_text(),
                done.tail(12).join("\n")
            ),
        });
    }
    let mut paths: Vec<PathBuf> = vec![PathBuf::from("Cargo.toml"), PathBuf::from("Cargo.lock")];
    let dir = facade_dir(package);
    paths.push(dir.join("Cargo.toml"));
    paths.push(dir.join("src").join("lib.rs"));
    for (manifest, roots) in &facade.members {
        for p in std::iter::once(manifest).chain(roots) {
            if let Ok(rel) = p.strip_prefix(root) {
                paths.push(rel.to_owned());
            }
        }
    }
    let mut files = Vec::new();
    for rel in paths {
        let before = std::fs::read_to_string(root.join(&rel)).ok();
        let after =
            std::fs::read_to_string(dest.join(&rel)).map_err(io("read", &dest.join(&rel)))?;
        if before.as_deref() != Some(after.as_str())
            && !files
                .iter()
                .any(|f: &crate::edit::FileChange| f.path == root.join(&rel))
        {
            files.push(crate::edit::FileChange {
                path: root.join(&rel),
                rel_path: rel.display().to_string(),
                before,
                after,
            });
        }
    }
    Ok(crate::edit::EditPlan {
        root: root.clone(),
        steps: vec![crate::edit::PlannedStep {
            finding: None,
            summary: format!(
                "link {package} as a Rust dylib behind the feature `{feature}` of {} (dev builds: `cargo build --features {}`; a binary started directly needs LD_LIBRARY_PATH=\"$(rustc --print target-libdir):target/debug/deps\")",
                members
                    .iter()
                    .map(|m| m.split('/').next().unwrap_or(m))
                    .collect::<Vec<_>>()
                    .join(", "),
                members.join(",")
            ),
            ops: Vec::new(),
            notes: Vec::new(),
        }],
        files,
        commands: Vec::new(),
        skipped: Vec::new(),
        left_out: Vec::new(),
    })
}
