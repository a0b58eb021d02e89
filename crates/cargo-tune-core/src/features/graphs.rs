//! cargo's unit graph of every set, asked of cargo once per set and command (a resolve each,
//! several at a time) and kept in the target directory while nothing they depend on changes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::cargo::side_home::SideHome;
use crate::cargo::unit_graph::{self, UnitGraph};
use crate::cargo::{CargoCli, CargoOptions};
use crate::workspace::BuildEnv;
use crate::workspace::unit_graph_memo::{self, Memo, Stamp};

/// The two commands whose unit graphs a set has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    /// `cargo build <flags>`.
    Build,
    /// `cargo test --no-run <flags>`.
    Test,
}

impl Command {
    /// The cargo call printing this command's unit graph for a set's `args`.
    pub fn cli(self, args: &[String], options: &CargoOptions) -> CargoCli {
        match self {
            Command::Build => unit_graph::unit_graph_cli(&["build"], args, options),
            Command::Test => {
                let mut all = vec!["--no-run".to_owned()];
                all.extend_from_slice(args);
                unit_graph::unit_graph_cli(&["test"], all, options)
            }
        }
    }
}

/// What the memo keeps per command line: the graph in cargo's format (as JSON in the memo's
/// JSON, not a string to unescape), or cargo's reason for printing none; the text a command
/// printed as a string.
type Kept = BTreeMap<String, Result<Box<RawValue>, String>>;

/// A command line with what it printed, or why it printed nothing.
type Printed = (String, Result<String, String>);

/// The memo file.
const MEMO: &str = "feature-graphs.json";

/// What a command prints that is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// A unit graph.
    UnitGraph,
    /// Text (cargo hack's list of commands).
    Text,
}

/// The unit graphs asked for, read from the memo or from cargo.
pub struct Graphs {
    /// By command line.
    pub graphs: HashMap<String, Result<UnitGraph, String>>,
    /// What the [`Output::Text`] commands printed, by command line.
    pub texts: HashMap<String, Result<String, String>>,
    /// Graphs cargo printed in this run.
    pub cargo_calls: usize,
    /// Graphs the memo held.
    pub from_memo: usize,
}

/// Where the graphs are kept, and what makes them stale.
pub struct Keeper {
    path: PathBuf,
    key: String,
    stamps: Vec<Stamp>,
    /// The members' manifests; path packages the graphs build are added when saving.
    manifests: Vec<PathBuf>,
}

impl Keeper {
    /// The memo of the workspace at `root`, stamped now (before cargo runs).
    pub fn new(
        root: &Path,
        cwd: &Path,
        env: &BuildEnv,
        options: &CargoOptions,
        members: Vec<PathBuf>,
    ) -> Keeper {
        let sample = Command::Build.cli(&[], options).display();
        Keeper {
            path: unit_graph_memo::memo_path(root, env, MEMO),
            key: unit_graph_memo::memo_key([sample], env),
            stamps: unit_graph_memo::stamp_early(root, cwd, env),
            manifests: members,
        }
    }

    fn load(&self) -> Kept {
        Memo::<Kept>::load(&self.path, &self.key)
            .and_then(|m| m.payload_for(&self.manifests))
            .unwrap_or_default()
    }
}

/// Reads the unit graph of every command line of `clis`: from the memo when it holds it, else
/// from cargo, `workers` at a time, each worker after the first in its own of the side homes
/// `homes(count)` gives when there is one (a graph that fails there is asked again in the
/// user's home), asked only when cargo is. Stops early (returning `None`) when `cancel` is
/// raised; nothing is kept then.
pub fn read(
    clis: Vec<(CargoCli, Output)>,
    keeper: &Keeper,
    workers: usize,
    homes: impl FnOnce(usize) -> Vec<SideHome>,
    cancel: &AtomicBool,
) -> Option<Graphs> {
    let mut kept = keeper.load();
    let mut graphs = HashMap::new();
    let mut texts = HashMap::new();
    let mut missing: Vec<(String, CargoCli, Output)> = Vec::new();
    let mut from_memo = 0;
    let mut seen = HashSet::new();
    for (cli, output) in clis {
        let line = cli.display();
        if !seen.insert(line.clone()) {
            continue;
        }
        match (output, kept.get(&line)) {
            (Output::Text, Some(text)) => {
                let text = text.as_ref().map_err(Clone::clone).and_then(|raw| {
                    serde_json::from_str::<String>(raw.get()).map_err(|e| e.to_string())
                });
                texts.insert(line, text);
            }
            (Output::UnitGraph, Some(k)) => match parse(k, &line) {
                Some(graph) => {
                    from_memo += 1;
                    graphs.insert(line, graph);
                }
                None => missing.push((line, cli, output)),
            },
            (_, None) => missing.push((line, cli, output)),
        }
    }
    let cargo_calls = missing.iter().filter(|m| m.2 == Output::UnitGraph).count();
    let printed: Arc<Mutex<Vec<Printed>>> = Arc::default();
    let next = AtomicUsize::new(0);
    let workers = workers.clamp(1, missing.len().max(1));
    let homes = if cargo_calls > 0 {
        homes(workers - 1)
    } else {
        Vec::new()
    };
    std::thread::scope(|s| {
        for worker in 0..workers {
            let (missing, next, printed) = (&missing, &next, &printed);
            let home = worker.checked_sub(1).and_then(|i| homes.get(i));
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((line, cli, output)) = missing.get(i) else {
                        break;
                    };
                    if cancel.load(Ordering::SeqCst) {
                        break;
                    }
                    let result = match output {
                        Output::UnitGraph => unit_graph::read_beside(cli, home)
                            .map(|(graph, _)| graph.to_json())
                            .map_err(|e| unit_graph::cargo_reason(&e)),
                        Output::Text => cli
                            .output()
                            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                            .map_err(|e| e.to_string()),
                    };
                    printed
                        .lock()
                        .expect("no worker panics holding it")
                        .push((line.clone(), result));
                }
            });
        }
    });
    if cancel.load(Ordering::SeqCst) {
        return None;
    }
    let printed = std::mem::take(&mut *printed.lock().expect("workers are done"));
    let any = !printed.is_empty();
    for (line, result) in printed {
        let is_text = missing.iter().any(|m| m.0 == line && m.2 == Output::Text);
        // Text is kept as a JSON string, a graph as the JSON it is.
        let raw = match &result {
            Ok(text) if is_text => serde_json::to_string(text).ok(),
            Ok(graph) => Some(graph.clone()),
            Err(_) => None,
        }
        .and_then(|t| RawValue::from_string(t).ok());
        let entry = match (raw, &result) {
            (Some(raw), _) => Ok(raw),
            (None, Err(e)) => Err(e.clone()),
            (None, Ok(_)) => continue,
        };
        if is_text {
            texts.insert(line.clone(), result);
        } else if let Some(graph) = parse(&entry, &line) {
            graphs.insert(line.clone(), graph);
        }
        kept.insert(line, entry);
    }
    if any {
        save(keeper, kept);
    }
    Some(Graphs {
        graphs,
        texts,
        cargo_calls,
        from_memo,
    })
}

/// The report kept for `request` (a key naming what it was made from beyond the graphs), if
/// the memo is fresh and holds one.
pub fn kept_report<T: serde::de::DeserializeOwned>(keeper: &Keeper, request: &str) -> Option<T> {
    let kept = keeper.load();
    let raw = kept.get(&format!("report {request}"))?.as_ref().ok()?;
    serde_json::from_str(raw.get()).ok()
}

/// Keeps `report` for `request` beside the graphs it was made from.
pub fn keep_report<T: Serialize>(keeper: &Keeper, request: &str, report: &T) {
    let mut kept = keeper.load();
    let Some(raw) = serde_json::to_string(report)
        .ok()
        .and_then(|t| RawValue::from_string(t).ok())
    else {
        return;
    };
    // One report at a time: another request's is replaced.
    kept.retain(|k, _| !k.starts_with("report "));
    kept.insert(format!("report {request}"), Ok(raw));
    save(keeper, kept);
}

fn parse(kept: &Result<Box<RawValue>, String>, line: &str) -> Option<Result<UnitGraph, String>> {
    match kept {
        Ok(raw) => UnitGraph::parse(raw.get(), line).ok().map(Ok),
        Err(reason) => Some(Err(reason.clone())),
    }
}

/// Keeps the graphs, stamping every path package they build: a path dependency outside the
/// workspace changes what a set builds as much as a member does.
fn save(keeper: &Keeper, kept: Kept) {
    let mut manifests: BTreeSet<PathBuf> = keeper.manifests.iter().cloned().collect();
    for raw in kept.values().flatten().filter(|t| t.get().starts_with('{')) {
        if let Ok(graph) = UnitGraph::parse(raw.get(), "") {
            for unit in &graph.units {
                if let Some(dir) = path_package_dir(&unit.pkg_id) {
                    manifests.insert(dir.join("Cargo.toml"));
                }
            }
        }
    }
    let mut stamps = keeper.stamps.clone();
    // The members' own manifests decide which packages are path packages; the others are only
    // stamped, so that a member added or removed still shows as a different list.
    let members: Vec<PathBuf> = keeper.manifests.clone();
    stamps.extend(
        manifests
            .iter()
            .filter(|m| !members.contains(m))
            .flat_map(|m| {
                let dir = m.parent().map(Path::to_owned).unwrap_or_default();
                [m.clone(), dir.join("build.rs"), dir.join("src/lib.rs")]
            })
            .map(|p| {
                let stamp = crate::fsutil::file_stamp(&p);
                (p, stamp)
            }),
    );
    Memo::save(
        &keeper.path,
        keeper.key.clone(),
        stamps,
        members,
        String::new(),
        kept,
    );
}

/// The directory of a path package from its id (`path+file:///dir#name@1.0.0`).
fn path_package_dir(pkg_id: &str) -> Option<PathBuf> {
    let rest = pkg_id.strip_prefix("path+file://")?;
    let dir = rest.split('#').next()?;
    Some(PathBuf::from(dir))
}

/// The identity of a whole build: its units' identities, as a multiset.
pub fn build_id(unit_ids: &[u64]) -> u64 {
    let mut sorted = unit_ids.to_vec();
    sorted.sort_unstable();
    let mut h = DefaultHasher::new();
    sorted.hash(&mut h);
    h.finish()
}

/// Kept for the caller's view of one graph: what the set's report says of it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Facts {
    /// `name@version` of every package built.
    pub packages: BTreeSet<String>,
    /// Names built in several versions, with the versions.
    pub duplicates: BTreeMap<String, BTreeSet<String>>,
    /// `name@version` of every proc-macro compiled.
    pub proc_macros: BTreeSet<String>,
}

/// The packages, duplicate versions and proc-macros of a graph.
pub fn facts(graph: &UnitGraph) -> Facts {
    let mut facts = Facts::default();
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for unit in &graph.units {
        let (name, version) = unit.name_version();
        facts.packages.insert(format!("{name}@{version}"));
        versions
            .entry(name.to_owned())
            .or_default()
            .insert(version.to_owned());
        if unit.is_proc_macro() {
            facts.proc_macros.insert(format!("{name}@{version}"));
        }
    }
    versions.retain(|_, v| v.len() > 1);
    facts.duplicates = versions;
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(units: &serde_json::Value) -> UnitGraph {
        let text = serde_json::json!({"version": 1, "units": units, "roots": [0]}).to_string();
        UnitGraph::parse(&text, "t").unwrap()
    }

    fn unit(pkg: &str, kind: &str, features: &[&str], deps: &[usize]) -> serde_json::Value {
        serde_json::json!({
            "pkg_id": pkg, "target": {"kind": [kind], "name": "x"}, "profile": {"opt_level": "0"},
            "platform": null, "mode": "build", "features": features,
            "dependencies": deps.iter().map(|i| serde_json::json!({"index": i})).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn a_unit_is_its_features_and_its_dependencies() {
        let a = graph(&serde_json::json!([
            unit("path+file:///w#app@0.1.0", "lib", &[], &[1]),
            unit("registry+x#dep@1.0.0", "lib", &["std"], &[]),
        ]));
        // The same build listed in another order.
        let b = graph(&serde_json::json!([
            unit("registry+x#dep@1.0.0", "lib", &["std"], &[]),
            unit("path+file:///w#app@0.1.0", "lib", &[], &[0]),
        ]));
        // The dependency with another feature: both units differ, the member through its edge.
        let c = graph(&serde_json::json!([
            unit("path+file:///w#app@0.1.0", "lib", &[], &[1]),
            unit("registry+x#dep@1.0.0", "lib", &["std", "serde"], &[]),
        ]));
        let (ia, ib, ic) = (a.identities(), b.identities(), c.identities());
        assert_eq!(build_id(&ia), build_id(&ib));
        assert_ne!(build_id(&ia), build_id(&ic));
        assert_ne!(ia[0], ic[0]);
    }

    #[test]
    fn facts_name_duplicates_and_proc_macros() {
        let g = graph(&serde_json::json!([
            unit("path+file:///w#app@0.1.0", "lib", &[], &[1, 2, 3]),
            unit("registry+x#dep@1.0.0", "lib", &[], &[]),
            unit("registry+x#dep@2.0.0", "lib", &[], &[]),
            unit("registry+x#derive@1.0.0", "proc-macro", &[], &[]),
        ]));
        let f = facts(&g);
        assert_eq!(f.packages.len(), 4);
        assert_eq!(
            f.duplicates["dep"],
            BTreeSet::from(["1.0.0".to_owned(), "2.0.0".to_owned()])
        );
        assert_eq!(f.proc_macros, BTreeSet::from(["derive@1.0.0".to_owned()]));
        assert_eq!(
            path_package_dir("path+file:///w/app#0.1.0"),
            Some(PathBuf::from("/w/app"))
        );
        assert_eq!(path_package_dir("registry+x#dep@1.0.0"), None);
    }
}
