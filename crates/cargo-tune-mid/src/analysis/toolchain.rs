//! Toolchain: rustc, the linker in effect and the ones available, compilation caches, test
//! runners, codegen backends and LLVM tools, and configuration that quietly costs build time.

use cargo_tune_schema::{Finding, FindingCode, Severity, SuggestedChange, Suggestion};
use serde_json::{Map, Value, json};

use super::{AnalysisCtx, FindingSink};
use crate::probe::Environment;
use crate::workspace::WorkspaceModel;
use crate::workspace::rustflags::RustflagsResolution;

/// The linker that links host binaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkerKind {
    /// rustc's bundled rust-lld through the cc driver (the default on x86_64 Linux since 1.90).
    RustLld,
    /// A system `ld.lld`.
    Lld,
    /// mold.
    Mold,
    /// wild.
    Wild,
    /// GNU gold.
    Gold,
    /// GNU ld (BFD), the C compiler's default.
    Bfd,
    /// Something else, named.
    Other(String),
}

impl LinkerKind {
    /// A short name.
    pub fn name(&self) -> &str {
        match self {
            LinkerKind::RustLld => "rust-lld",
            LinkerKind::Lld => "lld",
            LinkerKind::Mold => "mold",
            LinkerKind::Wild => "wild",
            LinkerKind::Gold => "gold",
            LinkerKind::Bfd => "ld.bfd",
            LinkerKind::Other(name) => name,
        }
    }
}

/// The linker in effect and why cargo-tune thinks so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkerInEffect {
    /// Which linker.
    pub kind: LinkerKind,
    /// The linker driver (`cc`, `clang`, …) when one is configured.
    pub driver: Option<String>,
    /// The setting that decided it, or `default`.
    pub reason: String,
}

/// Works out the host linker from the linker setting and the effective rustflags.
pub fn linker_in_effect(
    model: &WorkspaceModel,
    env: &Environment,
    flags: &[String],
) -> LinkerInEffect {
    let host = &env.rustc.host;
    let var = format!(
        "CARGO_TARGET_{}_LINKER",
        host.to_uppercase().replace(['-', '.'], "_")
    );
    let mut driver = model.env.get(&var).map(str::to_owned).or_else(|| {
        model
            .config
            .get(&["target", host, "linker"])
            .and_then(|(v, _)| v.as_str())
            .map(str::to_owned)
    });
    // Flags come as `-C x=y`, `-Cx=y` or `--codegen x=y`; look at the `x=y` part.
    let mut codegen = Vec::new();
    let mut iter = flags.iter().peekable();
    while let Some(flag) = iter.next() {
        if flag == "-C" || flag == "--codegen" {
            if let Some(next) = iter.next() {
                codegen.push(next.clone());
            }
        } else if let Some(rest) = flag.strip_prefix("-C") {
            codegen.push(rest.to_owned());
        } else if let Some(rest) = flag.strip_prefix("-Z") {
            codegen.push(rest.to_owned());
        }
    }
    let mut link_args = Vec::new();
    let mut lld_off = false;
    for opt in &codegen {
        if let Some(v) = opt.strip_prefix("linker=") {
            driver = Some(v.to_owned());
        } else if let Some(v) = opt.strip_prefix("link-arg=") {
            link_args.push(v.to_owned());
        } else if let Some(v) = opt.strip_prefix("link-args=") {
            link_args.extend(v.split_whitespace().map(str::to_owned));
        } else if (opt.starts_with("linker-features=") && opt.contains("-lld"))
            || (opt.starts_with("link-self-contained=") && opt.contains("-linker"))
        {
            lld_off = true;
        }
    }
    let from_path = |p: &str| -> Option<LinkerKind> {
        let base = p.rsplit('/').next().unwrap_or(p);
        match base {
            b if b.contains("wild") => Some(LinkerKind::Wild),
            b if b.contains("mold") => Some(LinkerKind::Mold),
            b if b.contains("lld") => Some(LinkerKind::Lld),
            b if b.contains("gold") => Some(LinkerKind::Gold),
            "ld" | "ld.bfd" => Some(LinkerKind::Bfd),
            _ => None,
        }
    };
    for arg in link_args.iter().rev() {
        if let Some(path) = arg.strip_prefix("--ld-path=") {
            let kind = from_path(path).unwrap_or_else(|| LinkerKind::Other(path.to_owned()));
            return LinkerInEffect {
                kind,
                driver,
                reason: format!("link-arg={arg}"),
            };
        }
        if let Some(name) = arg.strip_prefix("-fuse-ld=") {
            let kind = match name {
                "lld" if !lld_off && env.links_with_rust_lld => LinkerKind::RustLld,
                other => from_path(other).unwrap_or_else(|| LinkerKind::Other(other.to_owned())),
            };
            return LinkerInEffect {
                kind,
                driver,
                reason: format!("link-arg={arg}"),
            };
        }
    }
    if let Some(kind) = driver.as_deref().and_then(from_path) {
        return LinkerInEffect {
            kind,
            driver,
            reason: "linker setting".to_owned(),
        };
    }
    if env.links_with_rust_lld && !lld_off {
        return LinkerInEffect {
            kind: LinkerKind::RustLld,
            driver,
            reason: "the toolchain's default, by its target spec".to_owned(),
        };
    }
    let reason = if lld_off {
        "rust-lld switched off by linker-features".to_owned()
    } else {
        "default".to_owned()
    };
    LinkerInEffect {
        kind: LinkerKind::Bfd,
        driver,
        reason,
    }
}

/// The installed rustc wrapper in effect; one that is missing is reported on its own.
fn wrapper(model: &WorkspaceModel) -> Option<String> {
    model
        .rustc_wrappers
        .iter()
        .find(|w| w.var == "RUSTC_WRAPPER" && w.installed)
        .map(|w| w.program.clone())
}

fn jobs(model: &WorkspaceModel) -> Option<(i64, String)> {
    if let Some(v) = model
        .env
        .get("CARGO_BUILD_JOBS")
        .and_then(|v| v.parse().ok())
    {
        return Some((v, "CARGO_BUILD_JOBS".to_owned()));
    }
    model
        .config
        .get(&["build", "jobs"])
        .and_then(|(v, layer)| v.as_integer().map(|j| (j, layer.file.rel_path.clone())))
}

/// Facts about the toolchain for the report.
pub fn summary(ctx: &AnalysisCtx<'_>) -> Map<String, Value> {
    let (model, env) = (ctx.model, ctx.env);
    let flags =
        RustflagsResolution::for_host(&model.config, &model.env, &env.rustc.host, &env.host_cfg);
    let linker = linker_in_effect(model, env, &flags.flags());
    let mut map = Map::new();
    map.insert("rustc".into(), json!(env.rustc.version.to_string()));
    map.insert("channel".into(), json!(env.rustc.channel.as_str()));
    map.insert("host".into(), json!(env.rustc.host));
    map.insert("llvm".into(), json!(env.rustc.llvm_version));
    if let Some(pin) = &model.toolchain_pin {
        map.insert("toolchain_pin".into(), json!(pin.channel));
        map.insert(
            "toolchain_pin_installed".into(),
            json!(pin_installed(model)),
        );
    }
    map.insert("linker".into(), json!(linker.kind.name()));
    map.insert("linker_reason".into(), json!(linker.reason));
    let available: Vec<&str> = ["mold", "wild", "ld.lld", "clang"]
        .into_iter()
        .filter(|t| env.tools.has(t))
        .collect();
    map.insert("linkers_available".into(), json!(available));
    map.insert("rustflags".into(), json!(flags.flags()));
    map.insert(
        "rustflags_source".into(),
        json!(
            flags
                .effective
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
        ),
    );
    map.insert("rustc_wrapper".into(), json!(wrapper(model)));
    map.insert("sccache".into(), json!(env.tools.has("sccache")));
    map.insert(
        "cargo_nextest".into(),
        json!(env.tools.has("cargo-nextest")),
    );
    map.insert("cranelift".into(), json!(env.cranelift_installed()));
    map.insert(
        "nightly".into(),
        json!(env.nightly.as_ref().map(|n| &n.name)),
    );
    if let Some(n) = &env.nightly {
        map.insert("nightly_cranelift".into(), json!(n.cranelift));
    }
    for base in ["llvm-profdata", "llvm-bolt"] {
        let found: Vec<String> = env
            .tools
            .variants(base)
            .map(|(name, loc)| match loc.llvm_major {
                Some(m) => format!("{name} (LLVM {m})"),
                None => name.to_owned(),
            })
            .collect();
        map.insert(base.into(), json!(found));
    }
    map.insert("cores".into(), json!(env.host.cores));
    if let Some(bytes) = env.host.memory_bytes {
        map.insert(
            "memory_gib".into(),
            json!((bytes as f64 / (1u64 << 30) as f64 * 10.0).round() / 10.0),
        );
    }
    if let Some((j, _)) = jobs(model) {
        map.insert("build_jobs".into(), json!(j));
    }
    map
}

/// Runs this analysis.
pub fn run(ctx: &AnalysisCtx<'_>, sink: &mut FindingSink) {
    let (model, env) = (ctx.model, ctx.env);
    let flags =
        RustflagsResolution::for_host(&model.config, &model.env, &env.rustc.host, &env.host_cfg);
    toolchain_pin(model, sink);
    rust_versions(model, env, sink);
    missing_wrappers(model, sink);
    linkers(model, env, &flags, sink);
    rustflags_precedence(&flags, sink);
    caches(model, env, sink);
    llvm_tools(env, uses_pgo(&flags.flags()), sink);
    build_jobs(model, env, sink);
    nightly(env, sink);
    cranelift(env, sink);
}

/// Where the Cranelift backend is installed: the toolchain in use, or rustup's nightly.
fn cranelift_toolchain(env: &Environment) -> Option<String> {
    if env.cranelift_installed() {
        return Some(format!("rustc {}", env.rustc.version));
    }
    env.nightly
        .as_ref()
        .filter(|n| n.cranelift)
        .map(|n| n.name.clone())
}

fn cranelift(env: &Environment, sink: &mut FindingSink) {
    let Some(toolchain) = cranelift_toolchain(env) else {
        return;
    };
    sink.push(
        Finding::new(
            FindingCode::CraneliftAvailable,
            "cranelift",
            format!("the Cranelift backend is installed in {toolchain}; it can cut dev codegen time on nightly"),
        )
        .with_evidence(json!({ "channel": env.rustc.channel.as_str(), "toolchain": toolchain }))
        .with_suggestion(Suggestion::new("measure `codegen-backend = \"cranelift\"` for [profile.dev] on nightly".to_owned(), SuggestedChange::Manual {
                text: "add `cargo-features = [\"codegen-backend\"]` and `[profile.dev] codegen-backend = \"cranelift\"` (nightly only)".to_owned(),
            })),
    );
}

/// The thread count to suggest for the parallel front-end: the cores, up to the 8 rustc's
/// authors measured best with.
fn suggested_threads(env: &Environment) -> usize {
    env.host.cores.clamp(2, 8)
}

/// What a nightly toolchain would offer and what it takes: information, never a warning, since
/// a stable-only workspace is not misconfigured.
fn nightly(env: &Environment, sink: &mut FindingSink) {
    let threads = suggested_threads(env);
    let measure = format!("cargo tune try threads={threads} --vs nightly");
    let cranelift_add = format!(
        "rustup component add {} --toolchain nightly",
        crate::probe::toolchains::CRANELIFT_COMPONENT
    );
    let manual =
        |summary: String, text: String| Suggestion::new(summary, SuggestedChange::Manual { text });
    let finding = match &env.nightly {
        None => Finding::new(
            FindingCode::NightlyToolchain,
            "nightly",
            "no nightly toolchain is installed; rustc's parallel front-end (`-Z threads`) and the Cranelift backend need one",
        )
        .with_evidence(json!({ "installed": false, "cranelift": false }))
        .with_suggestion(manual(
            format!("install one (rustup toolchain install nightly --profile minimal), then measure the parallel front-end: {measure}"),
            "rustup toolchain install nightly --profile minimal".to_owned(),
        ))
        .with_suggestion(manual(
            format!("for Cranelift, also: {cranelift_add}"),
            cranelift_add,
        )),
        Some(n) => {
            let date = n.date.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
            let cranelift = if n.cranelift {
                "; Cranelift is installed for it"
            } else {
                "; Cranelift is not installed for it"
            };
            let mut finding = Finding::new(
                FindingCode::NightlyToolchain,
                "nightly",
                format!(
                    "{}{date} is installed: rustc's parallel front-end (`-Z threads`) can be measured against this toolchain{cranelift}",
                    n.name
                ),
            )
            .with_evidence(json!({
                "installed": true,
                "toolchain": n.name,
                "date": n.date,
                "cranelift": n.cranelift,
            }))
            .with_suggestion(manual(
                format!("measure it, next to nightly alone: {measure}"),
                measure,
            ));
            if !n.cranelift {
                finding = finding.with_suggestion(manual(
                    format!("Cranelift needs: {cranelift_add}"),
                    cranelift_add,
                ));
            }
            finding
        }
    };
    sink.push(finding);
}

fn pin_installed(model: &WorkspaceModel) -> Option<bool> {
    let pin = model.toolchain_pin.as_ref()?;
    pin.is_installed(&crate::workspace::rustup_home(&model.env)?)
}

/// A `rust-version` as a version: `1.96` is `1.96.0`.
fn rust_version(text: &str) -> Option<semver::Version> {
    let mut parts = text.trim().split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some(semver::Version::new(major, minor, patch))
}

/// Members and dependencies whose `rust-version` is above the rustc in use: cargo refuses to
/// build them, so nothing else the audit says about a build holds until that is settled. One
/// finding naming each package with the rustc it asks for, as cargo's refusal does; its subject
/// is the newest rustc asked for.
fn rust_versions(model: &WorkspaceModel, env: &Environment, sink: &mut FindingSink) {
    let rustc = &env.rustc.version;
    // A nightly or beta of the same release builds what the release builds.
    let release = semver::Version::new(rustc.major, rustc.minor, rustc.patch);
    let members: Vec<&str> = model
        .metadata
        .workspace_packages()
        .iter()
        .map(|p| p.id.repr.as_str())
        .collect();
    let mut ahead: Vec<(semver::Version, String, bool)> = model
        .metadata
        .packages
        .iter()
        .filter_map(|p| {
            let text = p.rust_version.as_deref()?;
            let wanted = rust_version(text).filter(|w| *w > release)?;
            let member = members.contains(&p.id.repr.as_str());
            Some((
                wanted,
                format!("{}@{} needs rustc {text}", p.name, p.version),
                member,
            ))
        })
        .collect();
    if ahead.is_empty() {
        return;
    }
    ahead.sort();
    let newest = ahead
        .iter()
        .map(|(v, ..)| v)
        .max()
        .cloned()
        .unwrap_or(release);
    let members = ahead.iter().filter(|(.., m)| *m).count();
    let whose = match (members, ahead.len() - members) {
        (0, _) => "dependencies",
        (_, 0) => "workspace members",
        _ => "members and dependencies",
    };
    let listed: Vec<&str> = ahead.iter().map(|(_, t, _)| t.as_str()).collect();
    let shown = if listed.len() > 6 {
        format!("{}; and {} more", listed[..5].join("; "), listed.len() - 5)
    } else {
        listed.join("; ")
    };
    sink.push(
        Finding::new(
            FindingCode::RustVersionUnsupported,
            newest.to_string(),
            format!(
                "rustc {rustc} is in use, and cargo refuses to build {whose} whose rust-version is newer: {shown}"
            ),
        )
        .with_evidence(json!({ "rustc": rustc.to_string(), "packages": listed }))
        .with_suggestion(Suggestion::new(
            format!(
                "install rustc {newest} or newer (`rustup update stable`), or build with --ignore-rust-version"
            ),
            SuggestedChange::Manual {
                text: format!(
                    "rustup update stable (rustc {newest} or newer); until then cargo builds them only with --ignore-rust-version"
                ),
            },
        )),
    );
}

fn toolchain_pin(model: &WorkspaceModel, sink: &mut FindingSink) {
    let Some(pin) = &model.toolchain_pin else {
        return;
    };
    if pin_installed(model) == Some(false) {
        let rel = crate::workspace::relative_path(&pin.path, &model.root);
        sink.push(
            Finding::new(
                FindingCode::ToolchainPinNotInstalled,
                pin.channel.clone(),
                match &model.toolchain_fallback {
                    Some(fallback) => format!(
                        "{rel} pins `{}`, which is not installed: rustup's cargo stops there, so `cargo tune` cannot start in this directory (run `cargo +{} tune`); this audit read the workspace with `{fallback}`",
                        pin.channel,
                        fallback.split('-').next().unwrap_or(fallback)
                    ),
                    None => format!("{rel} pins `{}`, which is not installed", pin.channel),
                },
            )
            .with_location(Some(cargo_tune_schema::Location {
                path: rel,
                line: 1,
                column: 1,
            }))
            .with_suggestion(Suggestion::new(
                format!("rustup toolchain install {}", pin.channel),
                SuggestedChange::Manual {
                    text: format!("rustup toolchain install {}", pin.channel),
                },
            )),
        );
    }
}

fn linkers(
    model: &WorkspaceModel,
    env: &Environment,
    flags: &RustflagsResolution,
    sink: &mut FindingSink,
) {
    let linker = linker_in_effect(model, env, &flags.flags());
    let evidence =
        json!({ "linker": linker.kind.name(), "driver": linker.driver, "reason": linker.reason });
    if linker.kind == LinkerKind::Bfd {
        let better = if env.links_with_rust_lld {
            "lld"
        } else if env.tools.has("mold") {
            "mold"
        } else {
            "lld"
        };
        sink.push(
            Finding::new(
                FindingCode::SlowLinker,
                "ld.bfd",
                format!("host binaries link with GNU ld ({})", linker.reason),
            )
            .with_evidence(evidence)
            .with_suggestion(Suggestion::new(
                format!("link with {better}"),
                SuggestedChange::UseLinker {
                    linker: better.to_owned(),
                },
            )),
        );
    }
    for (tool, name) in [("wild", "wild"), ("mold", "mold")] {
        if env.tools.has(tool) && linker.kind.name() != name {
            sink.push(
                Finding::new(
                    FindingCode::LinkerAlternativeAvailable,
                    name,
                    format!("{name} is installed; host binaries link with {}", linker.kind.name()),
                )
                .with_evidence(json!({
                    "current": linker.kind.name(),
                    "candidate": name,
                    "note": "linker gains depend on the workspace and are small next to rust-lld: measure before switching",
                }))
                .with_suggestion(Suggestion::new(format!("link host binaries with {name}"), SuggestedChange::UseLinker { linker: name.to_owned() })),
            );
        }
    }
}

fn rustflags_precedence(flags: &RustflagsResolution, sink: &mut FindingSink) {
    let winners: Vec<&str> = flags.effective.iter().map(|s| s.name.as_str()).collect();
    for shadowed in &flags.shadowed {
        sink.push(
            Finding::new(
                FindingCode::RustflagsPrecedence,
                shadowed.name.clone(),
                format!(
                    "{} is ignored because {} is set: cargo uses only one rustflags source",
                    shadowed.name,
                    winners.join(" + ")
                ),
            )
            .with_evidence(json!({
                "ignored": shadowed.flags,
                "in_effect": flags.flags(),
                "in_effect_from": winners,
            }))
            .with_location(shadowed.location.clone())
            .with_suggestion(Suggestion::new(
                format!(
                    "move the flags of {} into {}",
                    shadowed.name,
                    winners.join(", ")
                ),
                SuggestedChange::Manual {
                    text: format!("merge {:?} into {}", shadowed.flags, winners.join(", ")),
                },
            )),
        );
    }
}

fn caches(model: &WorkspaceModel, env: &Environment, sink: &mut FindingSink) {
    let wrapper = wrapper(model);
    let uses_sccache = wrapper.as_deref().is_some_and(|w| w.contains("sccache"));
    let incremental_off = model.env.get("CARGO_INCREMENTAL") == Some("0");
    if uses_sccache && !incremental_off {
        sink.push(
            Finding::new(
                FindingCode::SccacheWithIncremental,
                "sccache",
                "sccache is the rustc wrapper but incremental compilation is on, so workspace crates are never cached",
            )
            .with_evidence(json!({ "rustc_wrapper": wrapper }))
            .with_suggestion(Suggestion::new("set CARGO_INCREMENTAL=0 where the cache matters (CI)".to_owned(), SuggestedChange::Env { var: "CARGO_INCREMENTAL".to_owned(), value: "0".to_owned() })),
        );
    }
    if env.tools.has("sccache") && wrapper.is_none() {
        sink.push(
            Finding::new(FindingCode::SccacheAvailableUnused, "sccache", "sccache is installed but no rustc wrapper is set")
                .with_suggestion(Suggestion::new("compile through sccache (RUSTC_WRAPPER=sccache, with CARGO_INCREMENTAL=0 so that workspace members are cached too)", SuggestedChange::Env { var: "RUSTC_WRAPPER".to_owned(), value: "sccache".to_owned() })),
        );
    }
}

/// Whether rustflags build or use a PGO profile (`-Cprofile-generate`, `-Cprofile-use`, in
/// either spelling: one argument or `-C` then the option).
fn uses_pgo(flags: &[String]) -> bool {
    let is_pgo = |opt: &str| opt.starts_with("profile-generate") || opt.starts_with("profile-use");
    flags.iter().enumerate().any(|(i, flag)| {
        let option = flag
            .strip_prefix("-C")
            .or_else(|| flag.strip_prefix("--codegen="))
            .filter(|o| !o.is_empty())
            .or_else(|| {
                matches!(flag.as_str(), "-C" | "--codegen")
                    .then(|| flags.get(i + 1).map(String::as_str))
                    .flatten()
            });
        option.is_some_and(is_pgo)
    })
}

/// LLVM tools whose LLVM differs from rustc's. Only PGO needs them, so this is information unless
/// the effective rustflags build or use a profile, where a mismatched llvm-profdata writes a
/// profile rustc rejects.
fn llvm_tools(env: &Environment, pgo: bool, sink: &mut FindingSink) {
    let Some(major) = env.rustc.llvm_major() else {
        return;
    };
    for base in ["llvm-profdata", "llvm-bolt"] {
        let variants: Vec<(&str, Option<u32>)> = env
            .tools
            .variants(base)
            .map(|(n, l)| (n, l.llvm_major))
            .collect();
        if variants.is_empty() {
            continue;
        }
        let matching = env.tools.matching_llvm(base, major).map(|(n, _)| n);
        let plain = variants
            .iter()
            .find(|(n, m)| *n == base && m.is_some_and(|m| m != major))
            .and_then(|(_, m)| *m);
        if matching.is_some() && plain.is_none() {
            continue;
        }
        let found: Vec<String> = variants
            .iter()
            .map(|(n, m)| m.map_or_else(|| (*n).to_owned(), |m| format!("{n} (LLVM {m})")))
            .collect();
        let usage = if pgo {
            "; the rustflags in effect use PGO profiles, which must come from a matching tool"
        } else {
            "; this matters only for PGO, which this workspace does not use"
        };
        let (message, suggestion) = match (matching, plain) {
            (Some(name), Some(plain)) => (
                format!(
                    "`{base}` on PATH is LLVM {plain}, rustc's is LLVM {major}; `{name}` matches{usage}"
                ),
                Suggestion::new(
                    format!(
                        "call `{name}` instead of `{base}` for PGO (or put it first on PATH as `{base}`)"
                    ),
                    SuggestedChange::Manual {
                        text: format!("use {name} for PGO"),
                    },
                ),
            ),
            _ => (
                format!(
                    "no {base} for LLVM {major} (rustc's) is installed; found {}{usage}",
                    found.join(", ")
                ),
                Suggestion::new(
                    format!(
                        "install {base} for LLVM {major} (Debian: llvm-{major}; or `rustup component add llvm-tools`)"
                    ),
                    SuggestedChange::Manual {
                        text: format!("apt-get install llvm-{major}"),
                    },
                ),
            ),
        };
        let severity = if pgo {
            Severity::Warning
        } else {
            Severity::Info
        };
        sink.push(
            Finding::new(FindingCode::LlvmToolsMismatch, base, message)
                .with_severity(severity)
                .with_evidence(json!({ "rustc_llvm": major, "found": found, "matching": matching, "pgo": pgo }))
                .with_suggestion(suggestion),
        );
    }
}

fn missing_wrappers(model: &WorkspaceModel, sink: &mut FindingSink) {
    for missing in model.rustc_wrappers.iter().filter(|w| !w.installed) {
        let var = missing.var;
        let program = &missing.program;
        let install = if program.contains('/') {
            format!("build or restore `{program}`")
        } else {
            format!("install {program} (`cargo install --locked {program}`)")
        };
        sink.push(
            Finding::new(
                FindingCode::RustcWrapperMissing,
                var,
                format!(
                    "{} sets the rustc wrapper `{program}`, which is not installed: every cargo build here fails",
                    missing.origin
                ),
            )
            .with_evidence(json!({
                "variable": var,
                "program": program,
                "origin": missing.origin,
                "audited_without_it": true,
            }))
            .with_location(missing.location.clone())
            .with_suggestion(Suggestion::new(format!("{install}, or set `{var}=` (empty) to build without it"), SuggestedChange::Manual {
                    text: format!(
                        "{install}; for a single run without it: `{var}= cargo build`"
                    ),
                })),
        );
    }
}

fn build_jobs(model: &WorkspaceModel, env: &Environment, sink: &mut FindingSink) {
    let Some((jobs, source)) = jobs(model) else {
        return;
    };
    let cores = env.host.cores as i64;
    let effective = if jobs < 0 { cores + jobs } else { jobs };
    if effective >= cores || effective <= 0 {
        return;
    }
    sink.push(
        Finding::new(
            FindingCode::BuildJobsLimited,
            "build.jobs",
            format!(
                "{source} limits cargo to {effective} job{} on {cores} cores",
                if effective == 1 { "" } else { "s" }
            ),
        )
        .with_evidence(json!({ "jobs": jobs, "cores": cores, "source": source }))
        .with_suggestion(Suggestion::new(
            format!("build with {cores} jobs (build.jobs = {cores})"),
            SuggestedChange::ConfigSet {
                key: "build.jobs".to_owned(),
                value: json!(cores),
            },
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgo_is_seen_in_either_spelling_of_the_flag() {
        let flags = |f: &[&str]| f.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        for used in [
            &["-Cprofile-use=/tmp/merged.profdata"][..],
            &["-C", "profile-generate=/tmp/pgo"],
            &["--codegen=profile-use=x"],
            &["--cfg", "x", "--codegen", "profile-generate"],
        ] {
            assert!(uses_pgo(&flags(used)), "{used:?}");
        }
        for unused in [
            &[][..],
            &["-C", "target-cpu=native"],
            &["-Clink-arg=-fuse-ld=mold", "profile-use=x"],
            &["-C"],
        ] {
            assert!(!uses_pgo(&flags(unused)), "{unused:?}");
        }
    }
}
