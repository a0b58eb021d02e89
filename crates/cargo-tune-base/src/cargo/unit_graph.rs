//! Cargo's unit graph: every rustc invocation a build would make (`cargo build --unit-graph`),
//! read without building anything.
//!
//! The flag is unstable (`-Z unstable-options`), so the one call that asks for it sets
//! `RUSTC_BOOTSTRAP=1`; nothing else cargo-tune runs does. The parser is I/O-free and reads only
//! the fields it needs: cargo's unit graph format is versioned (`"version": 1`) but not stable,
//! and unknown fields are ignored.

use std::collections::BTreeMap;
use std::thread::JoinHandle;

use serde::Deserialize;

use super::side_home::SideHome;
use super::{CargoCli, CargoOptions};
use crate::errors::CommandError;

/// The builds whose unit graphs cargo-tune reads: the commands users run day to day.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum UnitGraphCommand {
    /// `cargo build --workspace`.
    Build,
    /// `cargo build --workspace --all-targets`: what `cargo test --no-run` builds, plus
    /// examples and benches.
    AllTargets,
    /// `cargo build --workspace --release`.
    Release,
}

impl UnitGraphCommand {
    /// Every command, in the order reports list them.
    pub const ALL: [UnitGraphCommand; 3] = [
        UnitGraphCommand::Build,
        UnitGraphCommand::AllTargets,
        UnitGraphCommand::Release,
    ];

    /// The profiles whose settings the command's units are built with, as cargo names them in
    /// the graph (`dev` for `--all-targets` too), with the one each inherits from by default:
    /// never a custom profile, which only `--profile NAME` selects.
    pub fn profiles(self) -> &'static [&'static str] {
        match self {
            UnitGraphCommand::Build | UnitGraphCommand::AllTargets => &["dev", "test"],
            UnitGraphCommand::Release => &["release", "bench"],
        }
    }

    /// The arguments after `cargo build`, as a user would type them.
    pub fn args(self) -> &'static [&'static str] {
        match self {
            UnitGraphCommand::Build => &["--workspace"],
            UnitGraphCommand::AllTargets => &["--workspace", "--all-targets"],
            UnitGraphCommand::Release => &["--workspace", "--release"],
        }
    }

    /// The command a user runs, for reports: `cargo build --workspace --release`.
    pub fn display(self) -> String {
        format!("cargo build {}", self.args().join(" "))
    }

    /// The cargo invocation that prints this command's unit graph.
    pub fn cli(self, options: &CargoOptions) -> CargoCli {
        unit_graph_cli(&["build"], self.args(), options)
    }
}

/// The cargo invocation that prints the unit graph of `cargo <subcommand> <args>` (`build`, or
/// `test --no-run`) without building anything.
pub fn unit_graph_cli<S: AsRef<std::ffi::OsStr>>(
    subcommand: &[&str],
    args: impl IntoIterator<Item = S>,
    options: &CargoOptions,
) -> CargoCli {
    CargoCli::new(subcommand, options)
        .args(args)
        .args(["--unit-graph", "-Z", "unstable-options"])
        // What would be built does not depend on whether this rustc may build it; a
        // `rust-version` above it is a finding of its own.
        .arg("--ignore-rust-version")
        // The unit graph is unstable; this call alone opts in.
        .env("RUSTC_BOOTSTRAP", "1")
        .read_only_resolve()
}

/// Whether a unit of this kind and mode can start from its library dependencies' metadata
/// (pipelining): a library that links nothing.
pub fn pipelined(kind: &str, mode: &str) -> bool {
    kind == "lib" && matches!(mode, "build" | "check")
}

/// Name and version in a package id (`…#name@1.2.3`, or `…/name#1.2.3` when the directory is
/// named after the package).
pub fn package_name_version(pkg_id: &str) -> Option<(&str, &str)> {
    let (url, fragment) = pkg_id.rsplit_once('#')?;
    Some(match fragment.rsplit_once('@') {
        Some((name, version)) => (name, version),
        None => (url.rsplit('/').next()?, fragment),
    })
}

/// A unit's kind in cargo-tune's terms, from its first target kind and its mode:
/// `run-build-script`, `build-script`, `test`, `proc-macro`, `bin`, `lib` or `other`.
pub fn unit_kind(target_kind: &str, mode: &str) -> &'static str {
    match (target_kind, mode) {
        ("custom-build", "run-custom-build") => "run-build-script",
        ("custom-build", _) => "build-script",
        (_, "test" | "bench") => "test",
        ("proc-macro", _) => "proc-macro",
        ("bin", _) => "bin",
        ("lib" | "rlib" | "dylib" | "cdylib" | "staticlib", _) => "lib",
        _ => "other",
    }
}

/// Why a unit graph could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UnitGraphError {
    /// cargo did not run, or failed (too old for `--unit-graph`, sources missing offline, …).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// cargo printed something that is not a unit graph.
    #[error("parse the unit graph printed by `{command}`: {message}")]
    Parse {
        /// The command.
        command: String,
        /// What was wrong.
        message: String,
    },
    /// A format version this parser does not know.
    #[error("unit graph format version {version} is not supported (expected 1)")]
    Version {
        /// The version cargo printed.
        version: u64,
    },
}

/// One unit graph.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitGraph {
    /// Every unit; dependencies refer to them by index.
    pub units: Vec<Unit>,
    /// The units the command asked for.
    pub roots: Vec<usize>,
}

/// What [`UnitGraph::to_json`] writes: the fields cargo-tune reads, in cargo's shape.
#[derive(serde::Serialize)]
struct DocumentOut<'a> {
    version: u64,
    units: &'a [Unit],
    roots: &'a [usize],
}

/// One rustc (or build script) invocation.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct Unit {
    /// Package id, as `cargo metadata` spells it.
    pub pkg_id: String,
    /// The target compiled.
    pub target: UnitTarget,
    /// The effective profile, one field per profile setting. Kept as JSON: cargo adds fields
    /// and changes their representation (`strip` is `{"deferred": …}` or `{"resolved": …}`).
    pub profile: BTreeMap<String, serde_json::Value>,
    /// Target triple, `None` for the host.
    #[serde(default)]
    pub platform: Option<String>,
    /// `build`, `test`, `check`, `doc`, `run-custom-build`, …
    pub mode: String,
    /// Features enabled for this unit.
    #[serde(default)]
    pub features: Vec<String>,
    /// The units this one needs.
    #[serde(default)]
    pub dependencies: Vec<UnitDep>,
}

/// The target part of a unit.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct UnitTarget {
    /// Target kinds (`lib`, `proc-macro`, `bin`, `custom-build`, …).
    pub kind: Vec<String>,
    /// Target name.
    pub name: String,
}

/// An edge of the unit graph.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct UnitDep {
    /// Index of the unit depended on.
    pub index: usize,
    /// The name the dependent uses for it.
    #[serde(default)]
    pub extern_crate_name: String,
}

#[derive(Deserialize)]
struct Document {
    version: u64,
    units: Vec<Unit>,
    #[serde(default)]
    roots: Vec<usize>,
}

/// Target kinds that make a library others link against.
const LIBRARY_KINDS: &[&str] = &["lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"];

impl Unit {
    /// [`unit_kind`] of this unit.
    pub fn kind(&self) -> &'static str {
        unit_kind(
            self.target.kind.first().map_or("", String::as_str),
            &self.mode,
        )
    }

    /// Name and version of its package.
    pub fn name_version(&self) -> (&str, &str) {
        package_name_version(&self.pkg_id).unwrap_or((&self.pkg_id, ""))
    }

    /// A library compiled for others to use: `mode = build` of a library or proc-macro target.
    /// Test harnesses of a library (`mode = test`) are not libraries anyone links.
    pub fn is_library_build(&self) -> bool {
        self.mode == "build"
            && self
                .target
                .kind
                .iter()
                .any(|k| LIBRARY_KINDS.contains(&k.as_str()))
    }

    /// Whether this unit compiles a build script (`custom-build` in `build` mode).
    pub fn is_build_script(&self) -> bool {
        self.mode == "build" && self.target.kind.iter().any(|k| k == "custom-build")
    }

    /// Whether this unit compiles a proc-macro for the compiler to load. The test harness of a
    /// proc-macro crate (`mode = test`) is an ordinary target program.
    pub fn is_proc_macro(&self) -> bool {
        self.mode == "build" && self.target.kind.iter().any(|k| k == "proc-macro")
    }
}

impl UnitGraph {
    /// Parses what `cargo build --unit-graph` prints. `command` names it in errors.
    pub fn parse(text: &str, command: &str) -> Result<UnitGraph, UnitGraphError> {
        let doc: Document = serde_json::from_str(text).map_err(|e| UnitGraphError::Parse {
            command: command.to_owned(),
            message: e.to_string(),
        })?;
        if doc.version != 1 {
            return Err(UnitGraphError::Version {
                version: doc.version,
            });
        }
        let n = doc.units.len();
        let dangling = doc
            .units
            .iter()
            .flat_map(|u| u.dependencies.iter().map(|d| d.index))
            .chain(doc.roots.iter().copied())
            .find(|&i| i >= n);
        if let Some(index) = dangling {
            return Err(UnitGraphError::Parse {
                command: command.to_owned(),
                message: format!("unit index {index} is out of range ({n} units)"),
            });
        }
        Ok(UnitGraph {
            units: doc.units,
            roots: doc.roots,
        })
    }

    /// The graph in cargo's format, with only the fields cargo-tune reads: what a memo keeps.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&DocumentOut {
            version: 1,
            units: &self.units,
            roots: &self.roots,
        })
        .unwrap_or_default()
    }

    /// For every unit, whether it is compiled for the host's tools: a build script, a
    /// proc-macro, or anything they depend on. Without `--target` cargo compiles both sides for
    /// the same platform and shares a unit between them whenever the two agree, so a unit may
    /// serve both sides; this marks the units some host tool reaches.
    pub fn host_side(&self) -> Vec<bool> {
        let mut host = vec![false; self.units.len()];
        let mut stack: Vec<usize> = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.is_build_script() || u.is_proc_macro())
            .map(|(i, _)| i)
            .collect();
        for &i in &stack {
            host[i] = true;
        }
        while let Some(i) = stack.pop() {
            for dep in &self.units[i].dependencies {
                if !host[dep.index] {
                    host[dep.index] = true;
                    stack.push(dep.index);
                }
            }
        }
        host
    }

    /// For every unit, whether it is a root or a unit that is not a host tool depends on it
    /// (directly or through other such units): the target side.
    pub fn target_side(&self) -> Vec<bool> {
        let mut target = vec![false; self.units.len()];
        // Roots are built with the command's own profile, proc-macros among them too.
        for &i in &self.roots {
            target[i] = true;
        }
        let mut stack: Vec<usize> = self
            .roots
            .iter()
            .copied()
            .filter(|&i| !self.units[i].is_proc_macro())
            .collect();
        while let Some(i) = stack.pop() {
            let unit = &self.units[i];
            if unit.is_build_script() {
                continue;
            }
            for dep in &unit.dependencies {
                let child = &self.units[dep.index];
                // A build script's run, and proc-macros, are the host's.
                if child.is_proc_macro() || child.mode == "run-custom-build" {
                    continue;
                }
                if !target[dep.index] {
                    target[dep.index] = true;
                    stack.push(dep.index);
                }
            }
        }
        target
    }

    /// For every unit, the units that depend on it.
    pub fn dependents(&self) -> Vec<Vec<usize>> {
        let mut up = vec![Vec::new(); self.units.len()];
        for (i, unit) in self.units.iter().enumerate() {
            for dep in &unit.dependencies {
                up[dep.index].push(i);
            }
        }
        up
    }

    /// Every unit's identity ([`UnitGraph::identities_of`]).
    pub fn identities(&self) -> Vec<u64> {
        let all: Vec<usize> = (0..self.units.len()).collect();
        let mut ids = Vec::new();
        self.identities_of(&all, &mut ids);
        ids.into_iter().map(|id| id.unwrap_or(0)).collect()
    }

    /// The identities of `units`, into `ids` (one slot per unit, kept between calls so that
    /// each unit below several asked for is hashed once): a unit's package, target, mode,
    /// features, profile and platform, and the identities of what it depends on. Two units with
    /// one identity are one artifact, which cargo builds once and then finds fresh; and the
    /// identity does not depend on where cargo listed the unit, an order that changes from run
    /// to run.
    pub fn identities_of(&self, units: &[usize], ids: &mut Vec<Option<u64>>) {
        use std::hash::{DefaultHasher, Hasher};
        ids.resize(self.units.len(), None);
        // Children before parents, without recursion: dependency chains run deep. Cargo's
        // graphs have no cycles; one would only leave a unit hashed without the edge closing it.
        let mut on_stack = vec![false; self.units.len()];
        for &start in units {
            let mut stack = vec![(start, false)];
            while let Some((i, expanded)) = stack.pop() {
                if ids[i].is_some() {
                    continue;
                }
                let unit = &self.units[i];
                if !expanded {
                    on_stack[i] = true;
                    stack.push((i, true));
                    stack.extend(
                        unit.dependencies
                            .iter()
                            .filter(|d| ids[d.index].is_none() && !on_stack[d.index])
                            .map(|d| (d.index, false)),
                    );
                    continue;
                }
                // `DefaultHasher::new` has fixed keys: the same unit hashes the same in every run.
                let mut h = DefaultHasher::new();
                for part in [&unit.pkg_id, &unit.target.name, &unit.mode] {
                    h.write(part.as_bytes());
                    h.write_u8(0xff);
                }
                for kind in &unit.target.kind {
                    h.write(kind.as_bytes());
                    h.write_u8(0xfe);
                }
                let mut features: Vec<&str> = unit.features.iter().map(String::as_str).collect();
                features.sort_unstable();
                for feature in features {
                    h.write(feature.as_bytes());
                    h.write_u8(0xfd);
                }
                h.write(unit.platform.as_deref().unwrap_or("").as_bytes());
                for (k, v) in &unit.profile {
                    h.write(k.as_bytes());
                    hash_json(v, &mut h);
                }
                let mut below: Vec<u64> = unit
                    .dependencies
                    .iter()
                    .map(|d| ids[d.index].unwrap_or(0))
                    .collect();
                below.sort_unstable();
                for id in below {
                    h.write_u64(id);
                }
                ids[i] = Some(h.finish());
                on_stack[i] = false;
            }
        }
    }
}

/// Feeds a JSON value to a hasher without formatting it.
fn hash_json(value: &serde_json::Value, h: &mut impl std::hash::Hasher) {
    use serde_json::Value;
    match value {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => h.write_u8(1 + u8::from(*b)),
        Value::Number(n) => {
            h.write_u8(3);
            if let Some(i) = n.as_i64() {
                h.write_i64(i);
            } else if let Some(u) = n.as_u64() {
                h.write_u64(u);
            } else {
                h.write_u64(n.as_f64().unwrap_or(0.0).to_bits());
            }
        }
        Value::String(s) => {
            h.write_u8(4);
            h.write(s.as_bytes());
            h.write_u8(0xff);
        }
        Value::Array(items) => {
            h.write_u8(5);
            h.write_usize(items.len());
            for item in items {
                hash_json(item, h);
            }
        }
        Value::Object(map) => {
            h.write_u8(6);
            h.write_usize(map.len());
            for (k, v) in map {
                h.write(k.as_bytes());
                hash_json(v, h);
            }
        }
    }
}

/// What cargo-tune learnt of the unit graphs.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitGraphs {
    /// One graph per command of [`UnitGraphCommand::ALL`].
    Read(Vec<(UnitGraphCommand, UnitGraph)>),
    /// None could be read; analyses fall back to a model of cargo and say so.
    Unavailable {
        /// Why, as a sentence fragment.
        reason: String,
    },
}

impl UnitGraphs {
    /// Unavailable, for `reason`.
    pub fn unavailable(reason: impl Into<String>) -> UnitGraphs {
        UnitGraphs::Unavailable {
            reason: reason.into(),
        }
    }
}

/// A graph with the text cargo printed for it.
type ReadResult = Result<(UnitGraph, String), UnitGraphError>;

/// The unit graphs of [`UnitGraphCommand::ALL`], being read in the background.
#[derive(Debug)]
pub struct PendingUnitGraphs {
    handles: Vec<PendingGraph>,
}

/// One command being read; `again` is the same call with the user's cargo home, for a run in a
/// side home.
#[derive(Debug)]
struct PendingGraph {
    command: UnitGraphCommand,
    handle: JoinHandle<ReadResult>,
    again: Option<CargoCli>,
}

impl PendingUnitGraphs {
    /// Starts one cargo per command of `commands`, each on its own thread.
    pub fn start_some(options: &CargoOptions, commands: &[UnitGraphCommand]) -> PendingUnitGraphs {
        PendingUnitGraphs::start_beside(options, commands, &[])
    }

    /// Starts one cargo per command of `commands`, each on its own thread: the `i`-th in
    /// `homes[i]` when there is one, so that they do not wait for each other's package-cache
    /// lock.
    pub fn start_beside(
        options: &CargoOptions,
        commands: &[UnitGraphCommand],
        homes: &[SideHome],
    ) -> PendingUnitGraphs {
        let handles = commands
            .iter()
            .enumerate()
            .map(|(i, &command)| {
                let cli = command.cli(options);
                let (run, again) = match homes.get(i) {
                    Some(home) => (home.run_in(cli.clone()), Some(cli)),
                    None => (cli, None),
                };
                let handle = std::thread::spawn(move || read(&run));
                PendingGraph {
                    command,
                    handle,
                    again,
                }
            })
            .collect();
        PendingUnitGraphs { handles }
    }

    /// These graphs and `other`'s, waited for together.
    pub fn and(mut self, other: PendingUnitGraphs) -> PendingUnitGraphs {
        self.handles.extend(other.handles);
        self
    }

    /// Waits for every command. The first failure makes the whole set unavailable: findings
    /// from some commands and not others would read as "built once" where nothing was looked
    /// at.
    /// Also returns what cargo printed for each command, when every command succeeded.
    pub fn wait(self) -> (UnitGraphs, Vec<(UnitGraphCommand, String)>) {
        match self.wait_all() {
            Ok(read) => {
                let (graphs, texts) = read
                    .into_iter()
                    .map(|(command, (graph, text))| ((command, graph), (command, text)))
                    .unzip();
                (UnitGraphs::Read(graphs), texts)
            }
            Err((command, e)) => (UnitGraphs::unavailable(reason(command, &e)), Vec::new()),
        }
    }

    /// Every command's graph, or the first failure. A command that failed in a side home is
    /// asked again with the user's home, unless one that ran there failed too: then cargo
    /// would fail alike, and the set is unavailable anyway.
    #[expect(
        clippy::type_complexity,
        reason = "private: each command with its graph and text"
    )]
    fn wait_all(
        self,
    ) -> Result<Vec<(UnitGraphCommand, (UnitGraph, String))>, (UnitGraphCommand, UnitGraphError)>
    {
        let mut done = Vec::new();
        for pending in self.handles {
            match pending.handle.join() {
                Ok(result) => done.push((pending.command, result, pending.again)),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        let failed_at_home = done
            .iter()
            .position(|(_, result, again)| result.is_err() && again.is_none());
        if let Some((command, Err(e), _)) = failed_at_home.map(|i| done.swap_remove(i)) {
            return Err((command, e));
        }
        done.into_iter()
            .map(|(command, result, again)| {
                match (result, again) {
                    (Err(_), Some(cli)) => read(&cli),
                    (result, _) => result,
                }
                .map(|graph| (command, graph))
                .map_err(|e| (command, e))
            })
            .collect()
    }
}

/// Why `command`'s unit graph is missing, in one line: the command as a user would run it, and
/// cargo's error with the lines that continue it (the packages a `rust-version` excludes, the
/// member that failed to load), not just its first line.
fn reason(command: UnitGraphCommand, error: &UnitGraphError) -> String {
    format!(
        "`{} --unit-graph` failed: {}",
        command.display(),
        cargo_reason(error)
    )
}

/// What cargo said when it printed no unit graph: its error paragraph, or ours when cargo did
/// not run or printed something else.
pub fn cargo_reason(error: &UnitGraphError) -> String {
    let text = match error {
        UnitGraphError::Command(CommandError::Failed { stderr, .. }) => cargo_error(stderr),
        other => other.to_string(),
    };
    text.trim().to_owned()
}

/// cargo's first `error:` paragraph, its lines joined: the error and the lines that explain it,
/// up to the next blank line or message.
fn cargo_error(stderr: &str) -> String {
    let mut lines = stderr.lines().skip_while(|l| !l.starts_with("error"));
    let Some(first) = lines.next() else {
        return stderr.lines().last().unwrap_or_default().to_owned();
    };
    let mut out = first.trim_start_matches("error:").trim().to_owned();
    for line in lines {
        let t = line.trim();
        if t.is_empty() || line.starts_with("warning") || line.starts_with("error") {
            break;
        }
        out.push(' ');
        out.push_str(t);
    }
    out
}

/// Runs `cli` (made by [`unit_graph_cli`]) and parses what it prints; also returns the text.
pub fn read(cli: &CargoCli) -> Result<(UnitGraph, String), UnitGraphError> {
    let output = cli.output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let graph = UnitGraph::parse(&text, &cli.display())?;
    Ok((graph, text))
}

/// [`read`] in `home` when there is one, and again in the user's cargo home when cargo fails
/// there.
pub fn read_beside(
    cli: &CargoCli,
    home: Option<&SideHome>,
) -> Result<(UnitGraph, String), UnitGraphError> {
    match home.map(|home| read(&home.run_in(cli.clone()))) {
        Some(Ok(graph)) => Ok(graph),
        _ => read(cli),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(pkg: &str, kind: &str, mode: &str, deps: &[usize]) -> serde_json::Value {
        serde_json::json!({
            "pkg_id": pkg,
            "target": {"kind": [kind], "crate_types": [kind], "name": "x", "src_path": "/x",
                       "edition": "2021", "doctest": false, "test": true, "doc": true},
            "profile": {"name": "dev", "opt_level": "0", "debuginfo": 2, "panic": "unwind",
                        "strip": {"deferred": "None"}, "a_field_from_the_future": [1]},
            "platform": null,
            "mode": mode,
            "features": [],
            "dependencies": deps.iter().map(|&i| serde_json::json!(
                {"index": i, "extern_crate_name": "x", "public": false, "noprelude": false}
            )).collect::<Vec<_>>(),
            "unknown_unit_field": true,
        })
    }

    fn graph(units: &[serde_json::Value], roots: &[usize]) -> String {
        serde_json::json!({"version": 1, "units": units, "roots": roots, "extra": {}}).to_string()
    }

    #[test]
    fn parses_and_ignores_unknown_fields() {
        let text = graph(
            &[
                unit("path+file:///w/a#0.1.0", "lib", "build", &[1]),
                unit("registry+x#b@1.0.0", "lib", "build", &[]),
            ],
            &[0],
        );
        let g = UnitGraph::parse(&text, "cargo build").unwrap();
        assert_eq!(g.units.len(), 2);
        assert_eq!(g.units[0].dependencies[0].index, 1);
        assert!(g.units[1].is_library_build());
        assert_eq!(g.units[0].profile["debuginfo"], serde_json::json!(2));
    }

    #[test]
    fn rejects_other_versions_bad_indices_and_garbage() {
        let v2 = serde_json::json!({"version": 2, "units": [], "roots": []}).to_string();
        assert!(matches!(
            UnitGraph::parse(&v2, "c"),
            Err(UnitGraphError::Version { version: 2 })
        ));
        let dangling = graph(&[unit("a", "lib", "build", &[5])], &[0]);
        assert!(matches!(
            UnitGraph::parse(&dangling, "c"),
            Err(UnitGraphError::Parse { .. })
        ));
        assert!(UnitGraph::parse("warning: not json", "c").is_err());
    }

    #[test]
    fn sides_follow_build_scripts_and_proc_macros() {
        // 0: member lib -> 1 (shared), 2 (proc-macro) ; 2 -> 3 (shared, host copy);
        // 4: build script of 0 -> 3.
        let text = graph(
            &[
                unit("m", "lib", "build", &[1, 2]),
                unit("s", "lib", "build", &[]),
                unit("p", "proc-macro", "build", &[3]),
                unit("s", "lib", "build", &[]),
                unit("m", "custom-build", "build", &[3]),
            ],
            &[0],
        );
        let g = UnitGraph::parse(&text, "c").unwrap();
        assert_eq!(g.host_side(), [false, false, true, true, true]);
        assert!(g.units[2].is_proc_macro());
        assert_eq!(g.target_side(), [true, true, false, false, false]);
        assert!(!g.units[4].is_library_build());
        assert_eq!(g.dependents()[3], [2, 4]);
    }
}
