//! A change applied: the manifest and configuration edits that carry it out, computed from the
//! workspace's files as they are.

use std::path::{Path, PathBuf};

use cargo_platform::Cfg;

use super::{Change, key_path};
use crate::edit::EditOp;
use crate::probe::LinkerSetup;
use crate::text::toml_json::text_to_json;
use crate::workspace::rustflags::RustflagsResolution;
use crate::workspace::{
    CargoConfig, DependencyDecl, ManifestDoc, Origin, WorkspaceModel, bucket_label, canonical_req,
    compat_bucket, lower_bound, normalize,
};

/// What the mapping reads: the files of the workspace and the host it builds on.
#[derive(Clone, Copy, Debug)]
pub struct PlanInputs<'a> {
    /// Workspace root.
    pub root: &'a Path,
    /// The root manifest.
    pub root_manifest: &'a ManifestDoc,
    /// Member manifests (the root manifest too when the root is a package).
    pub members: &'a [&'a ManifestDoc],
    /// The layered cargo configuration.
    pub config: &'a CargoConfig,
    /// `(name, version)` of every package in `Cargo.lock`.
    pub locked: &'a [(String, String)],
    /// Host target triple.
    pub host: &'a str,
    /// `rustc --print cfg` for the host, to tell which `target.'cfg(…)'` tables apply.
    pub host_cfg: &'a [Cfg],
    /// The linkers a plan may switch to, resolved on this machine.
    pub linkers: &'a [LinkerSetup],
}

/// Owned parts of a [`WorkspaceModel`] that [`PlanInputs`] borrows.
#[derive(Debug)]
pub struct ModelInputs<'a> {
    model: &'a WorkspaceModel,
    members: Vec<&'a ManifestDoc>,
    locked: Vec<(String, String)>,
    host: String,
    host_cfg: Vec<Cfg>,
    linkers: Vec<LinkerSetup>,
}

impl<'a> ModelInputs<'a> {
    /// Gathers what the mapping needs from a loaded workspace.
    pub fn new(
        model: &'a WorkspaceModel,
        host: &str,
        host_cfg: &[Cfg],
        linkers: Vec<LinkerSetup>,
    ) -> Self {
        let members = model.members.iter().map(|m| &m.manifest).collect();
        let locked = model
            .lockfile
            .iter()
            .flat_map(|l| &l.packages)
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        ModelInputs {
            model,
            members,
            locked,
            host: host.to_owned(),
            host_cfg: host_cfg.to_vec(),
            linkers,
        }
    }

    /// The borrowed view.
    pub fn inputs(&self) -> PlanInputs<'_> {
        PlanInputs {
            root: &self.model.root,
            root_manifest: &self.model.root_manifest,
            members: &self.members,
            config: &self.model.config,
            locked: &self.locked,
            host: &self.host,
            host_cfg: &self.host_cfg,
            linkers: &self.linkers,
        }
    }
}

/// A suggested change cargo-tune does not turn into edits, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct NotApplicable {
    /// Why, as a sentence fragment.
    pub reason: String,
}

fn refuse(reason: impl Into<String>) -> NotApplicable {
    NotApplicable {
        reason: reason.into(),
    }
}

/// The edits of a change, and the parts of it left as they are, each with the reason (a member
/// that keeps its own requirement when a dependency is centralized).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Edits {
    /// The edits; none when the change is already in place.
    pub ops: Vec<EditOp>,
    /// What the edits leave out or change beyond the change's name, one sentence each.
    pub notes: Vec<String>,
}

impl Change {
    /// The edits that carry out this change. Pure: reads only `inputs`. An empty list means the
    /// change is already in place.
    pub fn edits(&self, inputs: &PlanInputs<'_>) -> Result<Vec<EditOp>, NotApplicable> {
        self.edits_noted(inputs).map(|e| e.ops)
    }

    /// [`Change::edits`], with what they leave out.
    pub fn edits_noted(&self, inputs: &PlanInputs<'_>) -> Result<Edits, NotApplicable> {
        if let Change::Centralize {
            name,
            requirement,
            source,
        } = self
        {
            return centralize(name, requirement.as_deref(), source.as_deref(), inputs);
        }
        self.plain_edits(inputs).map(|ops| Edits {
            ops,
            notes: Vec::new(),
        })
    }

    fn plain_edits(&self, inputs: &PlanInputs<'_>) -> Result<Vec<EditOp>, NotApplicable> {
        let manifest = inputs.root_manifest.path.clone();
        match self {
            Change::Config { key, value } => {
                let json = text_to_json(value)
                    .ok_or_else(|| refuse(format!("`{value}` is not a TOML value")))?;
                Ok(vec![key_edit(key, json, inputs)?])
            }
            Change::Unset { key } => Ok(vec![key_edit(key, serde_json::Value::Null, inputs)?]),
            Change::Linker(linker) => {
                let setup = inputs
                    .linkers
                    .iter()
                    .find(|s| s.linker == linker.as_str())
                    .ok_or_else(|| {
                        refuse(format!(
                            "cargo-tune does not know how to select the linker `{}`",
                            linker.as_str()
                        ))
                    })?;
                let flags = setup.flags.clone().map_err(refuse)?;
                Ok(vec![EditOp::TargetLinker {
                    file: config_file(inputs),
                    triple: inputs.host.to_owned(),
                    linker: None,
                    flags,
                    seed: build_rustflags_to_keep(inputs),
                }])
            }
            Change::Centralize { .. } => Ok(self.edits_noted(inputs)?.ops),
            Change::RemoveWorkspaceDependency { name } => {
                let present = inputs
                    .root_manifest
                    .workspace_dependencies()
                    .iter()
                    .any(|d| &d.key == name);
                // Earlier steps of a plan may have made members inherit the entry.
                if let Some(member) = inputs.members.iter().find(|doc| {
                    doc.dependencies()
                        .iter()
                        .any(|d| d.workspace && &d.key == name)
                }) {
                    return Err(refuse(format!(
                        "{} inherits `{name}` from [workspace.dependencies], so the entry is in use",
                        member.rel_path
                    )));
                }
                Ok(if present {
                    vec![EditOp::RemoveWorkspaceDependency {
                        manifest,
                        key: name.clone(),
                    }]
                } else {
                    Vec::new()
                })
            }
            Change::CargoUpdate { spec, precise } => {
                let (name, old) = spec.split_once('@').unwrap_or((spec.as_str(), ""));
                let locked =
                    |version: &str| inputs.locked.iter().any(|(n, v)| n == name && v == version);
                if !old.is_empty() && !locked(old) {
                    // Already moved (or never there): nothing to run.
                    return Ok(Vec::new());
                }
                Ok(vec![EditOp::CargoUpdate {
                    manifest,
                    specs: vec![spec.clone()],
                    precise: Some(precise.clone()),
                    outcome: Vec::new(),
                }])
            }
            Change::Env { var, .. } => Err(refuse(format!(
                "`{var}` is an environment variable; set it in the shell or CI configuration that runs cargo"
            ))),
            Change::HintMostlyUnused(package) => Err(refuse(hint_per_command(package))),
            Change::DylibFacade(package) => Err(refuse(format!(
                "a dylib facade for {package} is written only behind a feature you name: `cargo tune apply dylib={package} --feature NAME`"
            ))),
            Change::TargetCache(_) => Err(refuse(
                "caching the target directory is CI configuration, not a file of the workspace; the plan's CI snippet sets it up",
            )),
            Change::Rustflags(flags) => Err(refuse(format!(
                "adding {} to the rustflags of every build is not written by apply; `cargo tune try` measures it",
                flags.join(" ")
            ))),
            Change::Toolchain(t) => Err(refuse(format!(
                "it builds with rustup's `{t}` toolchain, which is chosen per command (`cargo +{t} build`), not written into the workspace"
            ))),
        }
    }
}

/// Why apply does not write `hint-mostly-unused`, and how to use it per command.
pub fn hint_per_command(package: &str) -> String {
    format!(
        "hint-mostly-unused is unstable, and a stable cargo ignores the key without a word (it warns only when it compiles {package}), so apply does not write it; use it per command: `RUSTC_BOOTSTRAP=1 cargo build -Z profile-hint-mostly-unused --config 'profile.dev.package.{package}.hint-mostly-unused=true'` (or `cargo +nightly build -Z profile-hint-mostly-unused …`; `release` in place of `dev` for release builds). A build that already compiled {package} without it must `cargo clean -p {package}` first: the flag is not part of cargo's fingerprint"
    )
}

/// The edit that sets (or, with `null`, removes) a dotted key: `profile.*` in the root
/// manifest, anything else in the workspace's cargo configuration.
fn key_edit(
    key: &str,
    value: serde_json::Value,
    inputs: &PlanInputs<'_>,
) -> Result<EditOp, NotApplicable> {
    let path = key_path(key).map_err(|e| refuse(e.to_string()))?;
    if let [p, profile, rest @ ..] = path.as_slice()
        && p == "profile"
    {
        let Some((package, build_override, leaf)) = crate::workspace::profiles::setting_in(rest)
        else {
            return Err(refuse(format!("`{key}` is not a profile setting")));
        };
        return Ok(EditOp::ProfileSet {
            manifest: inputs.root_manifest.path.clone(),
            profile: profile.clone(),
            package: package.map(str::to_owned),
            build_override,
            key: leaf.to_owned(),
            value,
        });
    }
    Ok(EditOp::ConfigSet {
        file: config_file(inputs),
        key: path,
        value,
    })
}

/// The workspace's own `.cargo/config.toml` (or the legacy `.cargo/config` when that is what
/// the workspace already has).
fn config_file(inputs: &PlanInputs<'_>) -> PathBuf {
    let legacy = inputs.root.join(".cargo").join("config");
    if inputs.config.layers.iter().any(|l| l.file.path == legacy) {
        legacy
    } else {
        inputs.root.join(".cargo").join("config.toml")
    }
}

/// cargo takes rustflags from the first of `target.<triple>`/`target.<cfg>` and `build` that is
/// set, so writing target rustflags would drop `build.rustflags`. When no target rustflags exist
/// yet, the build flags (merged across layers, lowest precedence first, as cargo merges arrays)
/// are carried into the new target entry.
fn build_rustflags_to_keep(inputs: &PlanInputs<'_>) -> Vec<String> {
    // Only files are edited, so the environment plays no part here.
    let resolution = RustflagsResolution::for_host(
        inputs.config,
        &crate::workspace::BuildEnv::default(),
        inputs.host,
        inputs.host_cfg,
    );
    if resolution.tier() == "build.rustflags" {
        resolution.flags()
    } else {
        Vec::new()
    }
}

/// The path of the table a declaration sits in, with the table name as written.
fn table_path(decl: &DependencyDecl) -> Vec<String> {
    let mut path = Vec::new();
    if let Some(platform) = &decl.platform {
        path.push("target".to_owned());
        path.push(platform.clone());
    }
    path.push(decl.table.clone());
    path
}

fn centralize(
    name: &str,
    requirement: Option<&str>,
    copy: Option<&str>,
    inputs: &PlanInputs<'_>,
) -> Result<Edits, NotApplicable> {
    let root = inputs.root;
    // Every inline declaration of the package, with its source.
    let mut decls: Vec<(&ManifestDoc, DependencyDecl, Origin)> = Vec::new();
    for doc in inputs.members {
        for decl in doc.dependencies() {
            if decl.package == name && !decl.workspace {
                let origin = decl.origin.clone();
                decls.push((doc, decl.clone(), origin));
            }
        }
    }
    if decls.is_empty() {
        return Ok(Edits::default());
    }
    let existing = inputs.root_manifest.workspace_dependencies();
    // Once members inherit the package, its workspace entry's source is the one centralized.
    let inherited: Option<Origin> = existing
        .iter()
        .filter(|e| e.package == name)
        .find(|e| {
            inputs.members.iter().any(|doc| {
                doc.dependencies()
                    .iter()
                    .any(|d| d.workspace && d.key == e.key)
            })
        })
        .map(|e| e.origin.clone());
    // A named copy (a path relative to the root, a git URL, a registry name) decides; else the
    // one members already inherit; else the one most members use.
    let named = copy.map(|copy| {
        decls
            .iter()
            .map(|(_, _, s)| s)
            .find(|s| match s {
                Origin::Path(path) => crate::workspace::relative_path(path, root) == copy,
                Origin::Git { url, .. } => url == copy,
                Origin::Registry(registry) => registry.as_deref() == Some(copy),
            })
            .cloned()
    });
    let source = match (named, inherited) {
        (Some(None), _) => return Ok(Edits::default()),
        (Some(Some(source)), _) | (None, Some(source)) => source,
        (None, None) => {
            // One source is centralized; declarations of another copy of the package stay.
            let mut sources: Vec<(&Origin, usize)> = Vec::new();
            for (_, _, s) in &decls {
                match sources.iter_mut().find(|(known, _)| *known == s) {
                    Some((_, n)) => *n += 1,
                    None => sources.push((s, 1)),
                }
            }
            sources.sort_by_key(|s| std::cmp::Reverse(s.1));
            if sources.len() > 1 && sources[0].1 == sources[1].1 {
                return Err(refuse(format!(
                    "members take `{name}` from {} different sources equally often; say which to centralize",
                    sources.len()
                )));
            }
            sources[0].0.clone()
        }
    };
    decls.retain(|(_, _, s)| *s == source);
    if decls.is_empty() {
        return Ok(Edits::default());
    }

    // One semver-compatible copy is centralized: the one the suggestion's requirement names, or
    // the only one declared; declarations of another copy are a deliberate second copy.
    if matches!(source, Origin::Registry(_)) {
        let mut buckets: Vec<(u64, u64, u64)> = decls
            .iter()
            .filter_map(|(_, d, _)| d.req.as_deref().and_then(compat_bucket))
            .collect();
        buckets.sort_unstable();
        buckets.dedup();
        let wanted = match requirement {
            Some(req) => compat_bucket(req),
            None if buckets.len() > 1 => {
                let listed: Vec<String> = buckets.iter().map(|b| bucket_label(*b)).collect();
                return Err(refuse(format!(
                    "members require `{name}` in {} semver-incompatible versions ({}); the suggestion names no requirement to say which",
                    buckets.len(),
                    listed.join(", ")
                )));
            }
            None => buckets.first().copied(),
        };
        decls.retain(|(_, d, _)| d.req.as_deref().is_none_or(|r| compat_bucket(r) == wanted));
    }

    let locked_admits = |req: &str| {
        semver::VersionReq::parse(req).is_ok_and(|r| {
            inputs
                .locked
                .iter()
                .filter(|(n, _)| n == name)
                .any(|(_, v)| semver::Version::parse(v).is_ok_and(|v| r.matches(&v)))
        })
    };
    let mut ops = Vec::new();
    let mut notes = Vec::new();
    let mut keys: Vec<&str> = decls.iter().map(|(_, d, _)| d.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let group: Vec<&(&ManifestDoc, DependencyDecl, Origin)> =
            decls.iter().filter(|(_, d, _)| d.key == key).collect();
        let entry = existing.iter().find(|d| d.key == key);
        if let Some(entry) = entry
            && (entry.origin != source || entry.package != name)
        {
            return Err(refuse(format!(
                "[workspace.dependencies] already has `{key}` for another package or source"
            )));
        }
        // The entry's requirement: the existing entry's, or the lowest the members declare, so
        // that inheriting raises no member's lower bound.
        let requirement: Option<String> = match entry {
            Some(entry) => entry.req.clone(),
            None => group
                .iter()
                .filter_map(|(_, d, _)| d.req.as_deref())
                .min_by_key(|r| (lower_bound(r), canonical_req(r)))
                .map(str::to_owned),
        };
        // Who inherits: a declaration of the same requirement; one of another requirement only
        // where nobody else resolves it (the package is not published) and Cargo.lock already
        // holds a version the entry admits. A published crate keeps what it promises.
        let mut inheriting: Vec<&(&ManifestDoc, DependencyDecl, Origin)> = Vec::new();
        let mut kept = 0;
        for member in &group {
            let (doc, decl, _) = member;
            if let (Some(own), Some(shared)) = (decl.req.as_deref(), requirement.as_deref())
                && canonical_req(own) != canonical_req(shared)
            {
                let direction = if lower_bound(shared) > lower_bound(own) {
                    "raise"
                } else {
                    "lower"
                };
                if doc.publishes(inputs.root_manifest) {
                    notes.push(format!(
                        "{} keeps `{}` inline with its own \"{own}\": it is published, and the workspace's \"{shared}\" would {direction} the oldest version it accepts",
                        doc.rel_path, decl.key
                    ));
                    kept += 1;
                    continue;
                }
                if direction == "raise" && !locked_admits(shared) {
                    notes.push(format!(
                        "{} keeps `{}` inline with its own \"{own}\": Cargo.lock holds no version of {name} that the workspace's \"{shared}\" admits",
                        doc.rel_path, decl.key
                    ));
                    kept += 1;
                    continue;
                }
                notes.push(format!(
                    "{} inherits {} as \"{shared}\" instead of \"{own}\" (it is not published)",
                    doc.rel_path, decl.key
                ));
            }
            inheriting.push(member);
        }
        if entry.is_none() && kept > 0 && inheriting.len() < 2 {
            // An entry for one member would only move its declaration.
            notes.retain(|n| !n.contains(&format!(" inherits {key} as ")));
            notes.push(format!(
                "`{key}` stays inline everywhere: fewer than two members share one requirement"
            ));
            continue;
        }
        let wants_defaults = |d: &DependencyDecl| d.default_features.unwrap_or(true);
        let ws_default_features = match entry {
            Some(entry) => {
                let entry_defaults = entry.default_features.unwrap_or(true);
                if entry_defaults
                    && let Some((doc, d, _)) =
                        inheriting.iter().find(|(_, d, _)| !wants_defaults(d))
                {
                    return Err(refuse(format!(
                        "{} sets default-features = false for `{}`, which cargo ignores on a dependency \
                         inherited from a [workspace.dependencies] entry that enables default features; \
                         set default-features = false there first (and default-features = true in the \
                         members that need them)",
                        doc.rel_path, d.key
                    )));
                }
                entry_defaults
            }
            None => {
                let all_default = inheriting.iter().all(|(_, d, _)| wants_defaults(d));
                let mut fields = Vec::new();
                if key != name {
                    fields.push(("package".to_owned(), serde_json::json!(name)));
                }
                if let Some(req) = &requirement {
                    fields.push(("version".to_owned(), serde_json::json!(req)));
                }
                match &source {
                    Origin::Registry(Some(registry)) => {
                        fields.push(("registry".to_owned(), serde_json::json!(registry)));
                    }
                    Origin::Registry(None) => {}
                    Origin::Path(path) => fields.push((
                        "path".to_owned(),
                        serde_json::json!(relative_to(path, &normalize(root))),
                    )),
                    Origin::Git { reference, .. } => {
                        // The URL as the members write it; the origin's is normalised.
                        let url = group.iter().find_map(|(_, d, _)| d.git.clone());
                        fields.push(("git".to_owned(), serde_json::json!(url)));
                        for (k, v) in reference {
                            fields.push((k.clone(), serde_json::json!(v)));
                        }
                    }
                }
                // Cargo's rule: an inheriting member can turn default features back on, never off,
                // so the workspace entry disables them whenever any member does.
                if !all_default {
                    fields.push(("default-features".to_owned(), serde_json::json!(false)));
                }
                ops.push(EditOp::WorkspaceDependencySet {
                    manifest: inputs.root_manifest.path.clone(),
                    key: key.to_owned(),
                    fields,
                });
                all_default
            }
        };
        for (doc, decl, _) in inheriting {
            let default_features = (!ws_default_features && wants_defaults(decl)).then_some(true);
            ops.push(EditOp::InheritDependency {
                manifest: doc.path.clone(),
                table: table_path(decl),
                key: decl.key.clone(),
                default_features,
            });
        }
    }
    // A member that declares the package in two tables has one sentence, not two.
    let mut unique: Vec<String> = Vec::new();
    for note in notes {
        if !unique.contains(&note) {
            unique.push(note);
        }
    }
    Ok(Edits { ops, notes: unique })
}

/// `path` relative to `base` (both absolute and normalised), `/`-separated, with `..` as needed.
fn relative_to(path: &Path, base: &Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_owned(), b.len() - common).collect();
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{TextWorkspace, WILD_FLAGS};
    use cargo_tune_schema::SuggestedChange;

    fn map(ws: &TextWorkspace, change: &SuggestedChange) -> Result<Vec<EditOp>, NotApplicable> {
        let change = Change::from_suggestion(change).map_err(refuse)?;
        let members: Vec<&ManifestDoc> = ws.members.iter().collect();
        let locked = vec![("syn".to_owned(), "1.0.109".to_owned())];
        let inputs = PlanInputs {
            root: &ws.root,
            root_manifest: &ws.root_manifest,
            members: &members,
            config: &ws.config,
            locked: &locked,
            host: "x86_64-unknown-linux-gnu",
            host_cfg: &[],
            linkers: &[LinkerSetup {
                linker: "wild".into(),
                flags: Ok(WILD_FLAGS.iter().map(|f| (*f).to_owned()).collect()),
            }],
        };
        change.edits(&inputs)
    }

    const ROOT: &str = "[workspace]\nmembers = [\"a\", \"b\"]\n";

    #[test]
    fn profile_and_config_changes_map_one_to_one() {
        let w = TextWorkspace::new(ROOT, &[]);
        let ops = map(
            &w,
            &SuggestedChange::ProfileSet {
                profile: "dev".into(),
                package: Some("*".into()),
                build_override: false,
                key: "debug".into(),
                value: serde_json::json!(false),
            },
        )
        .unwrap();
        assert!(matches!(&ops[..], [EditOp::ProfileSet { package: Some(p), .. }] if p == "*"));
        let ops = map(
            &w,
            &SuggestedChange::ConfigSet {
                key: "target.'cfg(unix)'.linker".into(),
                value: serde_json::json!("clang"),
            },
        )
        .unwrap();
        assert_eq!(
            ops,
            [EditOp::ConfigSet {
                file: "/ws/.cargo/config.toml".into(),
                key: vec!["target".into(), "cfg(unix)".into(), "linker".into()],
                value: serde_json::json!("clang"),
            }]
        );
    }

    #[test]
    fn linker_goes_to_the_host_target() {
        let w = TextWorkspace::new(ROOT, &[]);
        let ops = map(
            &w,
            &SuggestedChange::UseLinker {
                linker: "wild".into(),
            },
        )
        .unwrap();
        assert_eq!(
            ops,
            [EditOp::TargetLinker {
                file: "/ws/.cargo/config.toml".into(),
                triple: "x86_64-unknown-linux-gnu".into(),
                linker: None,
                flags: WILD_FLAGS.iter().map(|f| (*f).to_owned()).collect(),
                seed: vec![],
            }]
        );
        assert!(
            map(
                &w,
                &SuggestedChange::UseLinker {
                    linker: "gold".into()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn centralize_disables_defaults_in_the_workspace_when_one_member_does() {
        let w = TextWorkspace::new(
            ROOT,
            &[
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\n[dependencies]\nrand = { version = \"0.8\", features = [\"small_rng\"] }\n",
                ),
                (
                    "b/Cargo.toml",
                    "[package]\nname = \"b\"\n[target.'cfg(unix)'.dev-dependencies]\nrand = { version = \"0.8.0\", default-features = false, optional = true }\n",
                ),
            ],
        );
        let change = SuggestedChange::CentralizeDependency {
            name: "rand".into(),
            requirement: Some("0.8.5".into()),
            source: None,
        };
        let ops = map(&w, &change).unwrap();
        assert_eq!(
            ops,
            [
                EditOp::WorkspaceDependencySet {
                    manifest: "/ws/Cargo.toml".into(),
                    key: "rand".into(),
                    fields: vec![
                        ("version".into(), serde_json::json!("0.8")),
                        ("default-features".into(), serde_json::json!(false)),
                    ],
                },
                EditOp::InheritDependency {
                    manifest: "/ws/a/Cargo.toml".into(),
                    table: vec!["dependencies".into()],
                    key: "rand".into(),
                    default_features: Some(true),
                },
                EditOp::InheritDependency {
                    manifest: "/ws/b/Cargo.toml".into(),
                    table: vec![
                        "target".into(),
                        "cfg(unix)".into(),
                        "dev-dependencies".into()
                    ],
                    key: "rand".into(),
                    default_features: None,
                },
            ]
        );
    }

    #[test]
    fn centralize_keeps_renames_rebases_paths_and_skips_other_copies() {
        let w = TextWorkspace::new(
            ROOT,
            &[
                (
                    "crates/a/Cargo.toml",
                    "[dependencies]\nfoo = { path = \"../../vendor/foo\", version = \"1\" }\nfoo2 = { package = \"foo\", version = \"2\" }\n",
                ),
                (
                    "crates/b/Cargo.toml",
                    "[dependencies]\nmyfoo = { package = \"foo\", path = \"../../vendor/foo\" }\n",
                ),
            ],
        );
        let ops = map(
            &w,
            &SuggestedChange::CentralizeDependency {
                name: "foo".into(),
                requirement: None,
                source: None,
            },
        )
        .unwrap();
        let summary: Vec<_> = ops.iter().map(|op| op.describe(Path::new("/ws"))).collect();
        assert_eq!(
            summary,
            [
                "Cargo.toml: declare foo in [workspace.dependencies]",
                "crates/a/Cargo.toml: inherit foo in [dependencies] from the workspace",
                "Cargo.toml: declare myfoo in [workspace.dependencies]",
                "crates/b/Cargo.toml: inherit myfoo in [dependencies] from the workspace",
            ]
        );
        let EditOp::WorkspaceDependencySet { fields, .. } = &ops[2] else {
            panic!()
        };
        // Each entry takes what its members declare: b names no version, so neither does its entry.
        assert_eq!(
            fields,
            &[
                ("package".to_owned(), serde_json::json!("foo")),
                ("path".to_owned(), serde_json::json!("vendor/foo")),
            ]
        );
    }

    /// Why centralizing `name` is refused.
    fn refused_centralize(w: &TextWorkspace, name: &str) -> NotApplicable {
        map(
            w,
            &SuggestedChange::CentralizeDependency {
                name: name.into(),
                requirement: None,
                source: None,
            },
        )
        .unwrap_err()
    }

    #[test]
    fn centralize_refuses_default_features_false_under_an_entry_that_enables_them() {
        let w = TextWorkspace::new(
            "[workspace]\n[workspace.dependencies]\nrand = \"0.8\"\n",
            &[(
                "a/Cargo.toml",
                "[dependencies]\nrand = { version = \"0.8\", default-features = false }\n",
            )],
        );
        let err = refused_centralize(&w, "rand");
        assert!(err.reason.contains("default-features = false"), "{err}");
    }

    #[test]
    fn centralize_refuses_to_guess_between_semver_incompatible_copies() {
        let w = TextWorkspace::new(
            ROOT,
            &[
                ("a/Cargo.toml", "[dependencies]\nrand = \"0.8\"\n"),
                ("b/Cargo.toml", "[dependencies]\nrand = \"0.7\"\n"),
            ],
        );
        let err = refused_centralize(&w, "rand");
        assert!(err.reason.contains("(0.7, 0.8)"), "{err}");
    }

    /// The workspace entry takes the lowest requirement; a published member that requires more
    /// keeps its own, an unpublished one inherits and the plan says so.
    #[test]
    fn centralize_raises_no_published_lower_bound() {
        let published = "[package]\nname = \"p\"\n[dependencies]\nserde = \"1.0.193\"\n";
        let unpublished =
            "[package]\nname = \"u\"\npublish = false\n[dependencies]\nserde = \"1.0.190\"\n";
        let w = TextWorkspace::new(
            ROOT,
            &[
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\n[dependencies]\nserde = \"1.0.77\"\n",
                ),
                (
                    "b/Cargo.toml",
                    "[package]\nname = \"b\"\n[dependencies]\nserde = \"1.0.77\"\n",
                ),
                ("p/Cargo.toml", published),
                ("u/Cargo.toml", unpublished),
            ],
        );
        let change = Change::Centralize {
            name: "serde".into(),
            requirement: Some("1.0.193".into()),
            source: None,
        };
        let members: Vec<&ManifestDoc> = w.members.iter().collect();
        let locked = vec![("serde".to_owned(), "1.0.200".to_owned())];
        let inputs = PlanInputs {
            root: &w.root,
            root_manifest: &w.root_manifest,
            members: &members,
            config: &w.config,
            locked: &locked,
            host: "x86_64-unknown-linux-gnu",
            host_cfg: &[],
            linkers: &[],
        };
        let edits = change.edits_noted(&inputs).unwrap();
        let described: Vec<String> = edits
            .ops
            .iter()
            .map(|op| op.describe(Path::new("/ws")))
            .collect();
        assert_eq!(
            described,
            [
                "Cargo.toml: declare serde in [workspace.dependencies]",
                "a/Cargo.toml: inherit serde in [dependencies] from the workspace",
                "b/Cargo.toml: inherit serde in [dependencies] from the workspace",
                "u/Cargo.toml: inherit serde in [dependencies] from the workspace",
            ]
        );
        assert!(
            matches!(&edits.ops[0], EditOp::WorkspaceDependencySet { fields, .. }
            if fields == &[("version".to_owned(), serde_json::json!("1.0.77"))])
        );
        assert_eq!(
            edits.notes,
            [
                "p/Cargo.toml keeps `serde` inline with its own \"1.0.193\": it is published, and the workspace's \"1.0.77\" would lower the oldest version it accepts",
                "u/Cargo.toml inherits serde as \"1.0.77\" instead of \"1.0.190\" (it is not published)",
            ]
        );

        // One member left to inherit: no entry, everybody keeps their own.
        let w = TextWorkspace::new(
            ROOT,
            &[
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\n[dependencies]\nserde = \"1.0.77\"\n",
                ),
                ("p/Cargo.toml", published),
            ],
        );
        let members: Vec<&ManifestDoc> = w.members.iter().collect();
        let inputs = PlanInputs {
            root_manifest: &w.root_manifest,
            members: &members,
            ..inputs
        };
        let edits = change.edits_noted(&inputs).unwrap();
        assert!(edits.ops.is_empty(), "{:?}", edits.ops);
        assert!(
            edits.notes[1].contains("stays inline everywhere"),
            "{:?}",
            edits.notes
        );
    }

    #[test]
    fn centralize_leaves_another_copy_alone_once_the_package_is_inherited() {
        let w = TextWorkspace::new(
            "[workspace]\n[workspace.dependencies]\nfoo = { path = \"vendor/foo-1\", version = \"1\" }\n",
            &[
                ("a/Cargo.toml", "[dependencies]\nfoo.workspace = true\n"),
                (
                    "b/Cargo.toml",
                    "[dependencies]\nfoo2 = { package = \"foo\", path = \"../vendor/foo-2\" }\n",
                ),
            ],
        );
        let change = SuggestedChange::CentralizeDependency {
            name: "foo".into(),
            requirement: Some("1".into()),
            source: None,
        };
        assert_eq!(map(&w, &change).unwrap(), []);
    }

    #[test]
    fn done_changes_map_to_nothing() {
        let w = TextWorkspace::new(
            "[workspace]\n[workspace.dependencies]\nrand = \"0.8\"\n",
            &[("a/Cargo.toml", "[dependencies]\nrand.workspace = true\n")],
        );
        assert_eq!(
            map(
                &w,
                &SuggestedChange::CentralizeDependency {
                    name: "rand".into(),
                    requirement: None,
                    source: None,
                }
            )
            .unwrap(),
            []
        );
        assert_eq!(
            map(
                &w,
                &SuggestedChange::RemoveWorkspaceDependency {
                    name: "serde".into()
                }
            )
            .unwrap(),
            []
        );
        assert_eq!(
            map(
                &w,
                &SuggestedChange::CargoUpdate {
                    spec: "syn@1.0.100".into(),
                    precise: "1.0.109".into()
                }
            )
            .unwrap(),
            []
        );
        assert_eq!(
            map(
                &w,
                &SuggestedChange::CargoUpdate {
                    spec: "syn@1.0.109".into(),
                    precise: "1.0.110".into()
                }
            )
            .unwrap()
            .len(),
            1
        );
        assert!(map(&w, &SuggestedChange::Manual { text: "x".into() }).is_err());
    }
}
