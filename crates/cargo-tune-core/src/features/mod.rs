//! `cargo tune features`: for every member, the feature sets worth knowing (default, none, each
//! feature alone, all, declared groups), what each builds according to cargo's own unit graph
//! (units, packages added over `--no-default-features`, duplicate versions, libraries compiled
//! twice, proc-macros), what each costs predicted from one timed build, the smallest list of
//! builds CI needs to check every feature, and a faster dev loop where the default features pull
//! in work a dev loop does not need.
//!
//! Every fact comes from cargo: `cargo build --unit-graph` and `cargo test --no-run
//! --unit-graph` per set (no build), kept in the target directory while nothing they depend on
//! changes.

pub mod graphs;
pub mod matrix;
pub mod measure;
pub mod predict;
pub mod sets;

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use cargo_tune_schema::{
    CiMatrix, DevLoop, Duplicate, FORMAT_VERSION, FeatureSet, FeaturesReport, Prediction,
    ResolveInfo, SetKind, SetSpec, Switch, ToolInfo, Units,
};

use crate::analysis::compiled_twice::libraries_compiled_twice;
use crate::cargo::metadata::MetadataSource;
use crate::cargo::unit_graph::UnitGraph;
use crate::cargo::{CargoOptions, Invocation};
use crate::fsutil::ReadError;
use crate::timings::analysis::round;
use crate::vocab::{Events, Failure};
use crate::workspace::{BuildEnv, LoadOptions, WorkspaceModel};
use graphs::{Command, Output};
use predict::{Basis, Match};
use sets::{Group, MemberFeatures};

/// Sets looked at unless `--all-sets`: every member's standard sets and groups, then
/// one-feature sets up to this many in all.
pub const DEFAULT_CAP: usize = 64;

/// What to look at.
#[derive(Clone, Debug)]
pub struct FeaturesRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// Members to look at; empty for every member.
    pub packages: Vec<String>,
    /// At most this many sets (standard sets and groups first); `None` for every one.
    pub max_sets: Option<usize>,
    /// The features of the dev loop (`--dev-features`), in place of a declared `dev` group.
    pub dev_features: Option<Vec<String>>,
    /// Sets to build (`--measure`).
    pub measure: Vec<String>,
    /// Measured runs per set and scenario.
    pub runs: u32,
    /// `CARGO_BUILD_JOBS` for the measured builds.
    pub jobs: Option<u32>,
    /// The `cargo tune timings` document to predict from; the saved one when `None`.
    pub timings: Option<PathBuf>,
    /// The subcommand of the CI matrix (`check`).
    pub ci_subcommand: String,
}

/// What `cargo tune features` found.
#[derive(Debug)]
pub struct FeaturesOutcome {
    /// The document.
    pub report: FeaturesReport,
    /// A measured build failed: exit 101 once the report is out.
    pub failed: bool,
}

/// Where the last report is kept for `cargo tune report`.
pub fn saved_path(target_directory: &std::path::Path) -> PathBuf {
    target_directory
        .join("cargo-tune")
        .join("features")
        .join("last.json")
}

/// A saved `cargo tune features --format json` document.
pub fn read_saved(path: &std::path::Path) -> Result<FeaturesReport, ReadError> {
    crate::fsutil::read_document(path, "`cargo tune features`", |r: &FeaturesReport| {
        r.format_version
    })
}

/// Runs `cargo tune features`.
pub fn run(request: &FeaturesRequest, events: &mut dyn Events) -> Result<FeaturesOutcome, Failure> {
    let load = LoadOptions {
        source: MetadataSource::Members(request.invocation.cargo.clone()),
        manifest_path: request.invocation.cargo.manifest_path.clone(),
        cwd: request.invocation.cwd.clone(),
        env: BuildEnv::capture(),
        unit_graphs: false,
        read_only: true,
    };
    let model = WorkspaceModel::start(load)?.finish()?;
    let cargo = cargo_options(&request.invocation.cargo, &model);
    let mut members: Vec<MemberFeatures> = model
        .metadata
        .workspace_packages()
        .iter()
        .map(|p| MemberFeatures::of(p))
        .collect();
    if let Some(unknown) = request
        .packages
        .iter()
        .find(|p| !members.iter().any(|m| &m.name == *p))
    {
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        return Err(Failure::usage(format!(
            "-p {unknown}: not a workspace member; expected one of: {}{}",
            names.join(", "),
            crate::text::suggest::did_you_mean(unknown, names.iter().copied())
        )));
    }
    if !request.packages.is_empty() {
        members.retain(|m| request.packages.contains(&m.name));
    }
    let groups = declared_groups(&model, request)?;
    let keeper = graphs::Keeper::new(
        &model.root,
        &request.invocation.cwd,
        &model.env,
        &cargo,
        model
            .members
            .iter()
            .map(|m| m.manifest.path.clone())
            .collect(),
    );
    // Nothing changed since the last run with the same request: its report holds.
    let report_key = report_key(request, &model);
    if request.measure.is_empty()
        && let Some(mut report) = graphs::kept_report::<FeaturesReport>(&keeper, &report_key)
    {
        report.resolves.from_memo += report.resolves.cargo_calls;
        report.resolves.cargo_calls = 0;
        // Written when this report was made; again only if it has gone since.
        if !saved_path(&model.metadata.target_directory).is_file() {
            save(&report, &model, events);
        }
        return Ok(FeaturesOutcome {
            report,
            failed: false,
        });
    }
    let cap = request.max_sets;
    let (specs, left_out) = sets::enumerate(&members, &groups, cap).map_err(|e| {
        if request.dev_features.is_some() && e.starts_with(sets::DEV_FEATURES_FLAG) {
            Failure::usage(e)
        } else {
            Failure::setup(format!("failed to read the feature groups: {e}"))
        }
    })?;
    let measured_specs: Vec<&SetSpec> = request
        .measure
        .iter()
        .map(|name| sets::find(name, &specs).map_err(|e| Failure::usage(format!("--measure {e}"))))
        .collect::<Result<_, _>>()?;

    // cargo hack's lists, read from it when it is installed.
    let member_manifests: Vec<(String, PathBuf)> = model
        .members
        .iter()
        .map(|m| (m.name.clone(), m.manifest.path.clone()))
        .collect();
    let hack_installed =
        crate::exec::which::find_on_path("cargo-hack", std::env::var_os("PATH").as_deref())
            .is_some();
    let lists = [
        matrix::HackList::EachFeature,
        matrix::HackList::PowersetDepth2,
    ];
    let hack_clis: Vec<_> = lists
        .iter()
        .map(|l| matrix::cargo_hack_cli(*l, &cargo, &model.root, &request.ci_subcommand))
        .collect();

    // Every unit graph: two per set; then one per set of cargo hack's lists not asked already.
    let mut clis = Vec::new();
    for spec in &specs {
        clis.push((Command::Build.cli(&spec.args(), &cargo), Output::UnitGraph));
        clis.push((Command::Test.cli(&spec.args(), &cargo), Output::UnitGraph));
    }
    if hack_installed {
        clis.extend(hack_clis.iter().map(|c| (c.clone(), Output::Text)));
    }
    events.status(
        "Resolving",
        &format!("{} feature sets with cargo --unit-graph", specs.len()),
    );
    let cancel = events.cancel();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .min(4);
    // Each worker but the first resolves in a cargo home of its own, so that they do not take
    // turns at the user's package-cache lock; made once, and only when cargo is asked (the memo
    // may hold every graph).
    let side_homes = std::cell::OnceCell::new();
    let homes = |count: usize| {
        side_homes
            .get_or_init(|| model.side_homes(&request.invocation.cwd, workers - 1))
            .iter()
            .take(count)
            .cloned()
            .collect()
    };
    let Some(mut read) = graphs::read(clis, &keeper, workers, homes, &cancel) else {
        return Err(Failure::Interrupted { restored: None });
    };
    let hack_list = |i: usize| -> (Vec<SetSpec>, String) {
        let list = lists[i];
        let own = read
            .texts
            .get(&hack_clis[i].display())
            .and_then(|t| t.as_ref().ok())
            .and_then(|t| matrix::parse_cargo_hack(t, &model.root, &member_manifests))
            .map(|mut l| {
                l.retain(|s| members.iter().any(|m| m.name == s.package));
                l
            });
        match own {
            Some(l) => (
                l,
                format!(
                    "{} --print-command-list",
                    list.display(&request.ci_subcommand)
                ),
            ),
            None => (
                matrix::model(list, &members),
                format!(
                    "cargo-tune's model of {}{}",
                    list.display(&request.ci_subcommand),
                    if hack_installed {
                        ""
                    } else {
                        " (cargo-hack is not installed)"
                    }
                ),
            ),
        }
    };
    let (each_feature, each_source) = hack_list(0);
    let (powerset, powerset_source) = hack_list(1);
    let unknown = |list: &[SetSpec]| -> Vec<(crate::cargo::CargoCli, Output)> {
        let mut out: Vec<(crate::cargo::CargoCli, Output)> = Vec::new();
        for s in list {
            let cli = Command::Build.cli(&s.args(), &cargo);
            let line = cli.display();
            if !read.graphs.contains_key(&line) && !out.iter().any(|(c, _)| c.display() == line) {
                out.push((cli, Output::UnitGraph));
            }
        }
        out
    };
    let mut more = unknown(&each_feature);
    // The powerset grows with the square of the features: beyond the cap, it is counted, not
    // costed.
    let powerset_more = unknown(&powerset);
    let powerset_costed = request
        .max_sets
        .is_none_or(|cap| powerset_more.len() <= cap);
    if powerset_costed {
        more.extend(powerset_more);
    }
    let powerset_left = if powerset_costed {
        None
    } else {
        Some(format!(
            "its {} sets not among those above would take as many cargo resolves, more than --max-sets {}; --all-sets costs them",
            unknown(&powerset).len(),
            request.max_sets.unwrap_or_default()
        ))
    };
    if !more.is_empty() {
        let Some(extra) = graphs::read(more, &keeper, workers, homes, &cancel) else {
            return Err(Failure::Interrupted { restored: None });
        };
        read.cargo_calls += extra.cargo_calls;
        read.from_memo += extra.from_memo;
        read.graphs.extend(extra.graphs);
    }
    let read = read;
    let graph_of = |spec: &SetSpec, command: Command| -> &Result<UnitGraph, String> {
        &read.graphs[&command.cli(&spec.args(), &cargo).display()]
    };

    let basis = read_basis(request, &model, events);
    let analysed: Vec<Analysed<'_>> = specs
        .iter()
        .map(|spec| {
            Analysed::new(
                spec,
                graph_of(spec, Command::Build),
                graph_of(spec, Command::Test),
                &model,
            )
        })
        .collect();
    let mut report_sets: Vec<FeatureSet> = Vec::new();
    for (i, a) in analysed.iter().enumerate() {
        let baseline = analysed
            .iter()
            .find(|b| b.spec.package == a.spec.package && b.spec.kind == SetKind::NoDefault);
        let same_build_as = a.build.as_ref().ok().and_then(|b| {
            analysed[..i]
                .iter()
                .find(|e| e.build.as_ref().ok().is_some_and(|x| x.id == b.id))
                .map(|e| e.spec.id.clone())
        });
        let predicted = a.build.as_ref().ok().zip(basis.as_ref()).map(|(b, basis)| {
            let p = basis.predict(b.graph, &[]);
            let added: f64 = match baseline.and_then(|n| n.build.as_ref().ok()) {
                Some(n) => {
                    let base: HashSet<u64> = n.unit_ids.iter().copied().collect();
                    b.unit_ids
                        .iter()
                        .zip(&p.durations)
                        .filter(|(id, _)| !base.contains(id))
                        .map(|(_, d)| d)
                        .sum()
                }
                None => p.durations.iter().sum(),
            };
            let count = |m: Match| p.matches.iter().filter(|x| **x == m).count();
            (
                p.wall_s,
                Prediction {
                    cpu_s: round(p.durations.iter().sum()),
                    critical_path_s: p.critical_path_s,
                    added_cpu_s: round(added),
                    timed_units: count(Match::Same),
                    other_features_units: count(Match::OtherFeatures),
                    estimated_units: count(Match::Estimated),
                },
            )
        });
        let rejected = match (&a.build, &a.test) {
            (Err(e), _) => Some(e.clone()),
            (Ok(_), Err(e)) => Some(format!("`cargo test --no-run`: {e}")),
            _ => None,
        };
        report_sets.push(FeatureSet {
            spec: a.spec.clone(),
            flags: a.spec.flags(),
            units: a
                .build
                .as_ref()
                .ok()
                .map(|b| b.units(baseline.and_then(|n| n.build.as_ref().ok()))),
            test_units: a
                .test
                .as_ref()
                .ok()
                .map(|t| t.units(baseline.and_then(|n| n.test.as_ref().ok()))),
            rejected,
            same_build_as,
            predicted_s: predicted.as_ref().map(|p| p.0),
            prediction: predicted.map(|p| p.1),
            measured_s: None,
            measured: None,
        });
    }

    // The CI matrix.
    let no_test = Err(String::new());
    let each_analysed: Vec<Analysed<'_>> = each_feature
        .iter()
        .map(|s| Analysed::new(s, graph_of(s, Command::Build), &no_test, &model))
        .collect();
    let powerset_analysed: Vec<Analysed<'_>> = if powerset_left.is_none() {
        powerset
            .iter()
            .map(|s| Analysed::new(s, graph_of(s, Command::Build), &no_test, &model))
            .collect()
    } else {
        Vec::new()
    };
    let ours_equal = |a: &Analysed<'_>| -> Option<usize> {
        let id = a.build.as_ref().ok()?.id;
        analysed.iter().position(|o| {
            o.spec.package == a.spec.package && o.build.as_ref().is_ok_and(|b| b.id == id)
        })
    };
    // The matrix runs `ci_subcommand`: a `check` matrix is costed as checks.
    let work = predict::Work::of(&request.ci_subcommand);
    let predict = |a: &Analysed<'_>| {
        a.build
            .as_ref()
            .ok()
            .zip(basis.as_ref())
            .map(|(b, basis)| basis.predict_for(b.graph, &[], work).wall_s)
    };
    let mut required: Vec<matrix::Item<'_>> = Vec::new();
    let mut candidates: Vec<matrix::Item<'_>> = Vec::new();
    for a in &analysed {
        let kind = a.spec.kind;
        if matches!(kind, SetKind::NoDefault | SetKind::All) {
            required.extend(item(a, a.spec.id.clone(), predict(a)));
        }
        if matches!(
            kind,
            SetKind::Default | SetKind::NoDefault | SetKind::Feature | SetKind::All
        ) {
            candidates.extend(item(a, a.spec.id.clone(), predict(a)));
        }
    }
    for a in &each_analysed {
        match ours_equal(a) {
            Some(i) => required.extend(item(
                &analysed[i],
                analysed[i].spec.id.clone(),
                predict(&analysed[i]),
            )),
            None => {
                let it = item(a, a.spec.id.clone(), predict(a));
                required.extend(it.clone());
                candidates.extend(it);
            }
        }
    }
    let builds = matrix::propose(&required, &candidates, &request.ci_subcommand);
    let proposal_graphs: Vec<_> = builds
        .iter()
        .map(|b| {
            analysed
                .iter()
                .chain(&each_analysed)
                .find(|a| a.spec.flags() == b.flags)
                .and_then(|a| a.build.as_ref().ok())
                .map(|g| (g.graph, g.unit_ids.as_slice(), g.id))
        })
        .collect();
    let enables = |id: &str, member: &str, f: &str| {
        specs.iter().chain(&each_feature).any(|s| {
            s.id == id
                && s.package == member
                && (s.all_features || s.features.iter().any(|x| x == f))
        })
    };
    let every_feature_enabled = members.iter().all(|m| {
        m.named().filter(|f| !m.is_implicit(f)).all(|f| {
            builds
                .iter()
                .any(|b| b.covers.iter().any(|c| enables(c, &m.name, f)))
        })
    });
    let list_cost = |source: &str, list: &[Analysed<'_>]| {
        let graphs: Vec<_> = list
            .iter()
            .map(|a| {
                a.build
                    .as_ref()
                    .ok()
                    .map(|b| (b.graph, b.unit_ids.as_slice(), b.id))
            })
            .collect();
        let rejected = list
            .iter()
            .filter(|a| a.build.is_err())
            .map(|a| a.spec.flags())
            .collect();
        matrix::cost(source, &graphs, rejected, basis.as_ref(), work)
    };
    let proposed_cost = matrix::cost(
        "cargo tune features",
        &proposal_graphs,
        Vec::new(),
        basis.as_ref(),
        work,
    );
    let github_actions = matrix::github_actions(&builds, &request.ci_subcommand);
    let ci = CiMatrix {
        subcommand: request.ci_subcommand.clone(),
        builds,
        covers_every_feature: every_feature_enabled,
        each_feature: list_cost(&each_source, &each_analysed),
        proposed: proposed_cost,
        powerset: Some(match powerset_left {
            Some(why) => matrix::not_costed(&powerset_source, powerset.len(), why),
            None => list_cost(&powerset_source, &powerset_analysed),
        }),
        github_actions,
    };

    let mut dev_loop = dev_loops(&analysed, &report_sets, basis.as_ref());

    // `--measure`, and the switches of the dev loops among the measured sets.
    let mut context = None;
    let mut failed = false;
    if !measured_specs.is_empty() {
        let switches: Vec<(&SetSpec, &SetSpec)> = dev_loop
            .iter()
            .filter_map(|d| {
                let dev = specs.iter().find(|s| s.id == d.set)?;
                let default = specs
                    .iter()
                    .find(|s| s.package == d.package && s.kind == SetKind::Default)?;
                (measured_specs.contains(&dev) && measured_specs.contains(&default))
                    .then_some((dev, default))
            })
            .collect();
        let measured = measure::measure(
            &request.invocation,
            &measured_specs,
            &switches,
            request.runs,
            request.jobs,
            events,
        )?;
        for (id, m) in measured.sets {
            failed |= m.failure.is_some();
            if let Some(set) = report_sets.iter_mut().find(|s| s.spec.id == id) {
                set.measured_s = m.build.as_ref().map(|b| b.wall_s.median);
                set.measured = Some(m);
            }
        }
        for d in &mut dev_loop {
            let of = |id: &str| {
                report_sets
                    .iter()
                    .find(|s| s.spec.id == id)
                    .and_then(|s| s.measured_s)
            };
            d.measured_dev_s = of(&d.set);
            d.measured_default_s = of(&format!("{}:{}", d.package, sets::DEFAULT));
            d.switch.measured_s = measured
                .switches
                .iter()
                .find(|(dev, _)| *dev == d.set)
                .map(|(_, s)| round(*s));
        }
        context = Some(measured.context);
    }

    let report = FeaturesReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
        workspace_root: model.root.display().to_string(),
        resolves: ResolveInfo {
            method: "unit-graph".to_owned(),
            cargo_calls: read.cargo_calls,
            from_memo: read.from_memo,
        },
        basis: basis.map(|b| b.info),
        sets: report_sets,
        left_out,
        matrix: ci,
        dev_loop,
        context,
    };
    if request.measure.is_empty() {
        graphs::keep_report(&keeper, &report_key, &report);
    }
    save(&report, &model, events);
    // A group the user declared, or named, that cargo rejects is a setup error.
    if let Some(set) = report.sets.iter().find(|s| {
        s.rejected.is_some() && matches!(s.spec.kind, SetKind::Group | SetKind::Dev)
            || s.rejected.is_some() && request.measure.iter().any(|m| m == &s.spec.id)
    }) {
        return Err(Failure::setup(format!(
            "cargo rejects the feature set {} (`{}`): {}",
            set.spec.id,
            set.flags,
            set.rejected.clone().unwrap_or_default()
        )));
    }
    Ok(FeaturesOutcome { report, failed })
}

/// Keeps the report for `cargo tune report`; a failure to keep it only warns.
fn save(report: &FeaturesReport, model: &WorkspaceModel, events: &mut dyn Events) {
    let saved = saved_path(&model.metadata.target_directory);
    let json = serde_json::to_vec_pretty(report).unwrap_or_default();
    if let Some(dir) = saved.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = crate::fsutil::write_atomic(&saved, &json) {
        events.warning(&format!("failed to write {}: {e}", saved.display()));
    }
}

/// What a report depends on beyond the unit graphs: the request, the timings it predicts from
/// (path and stamp), cargo hack where it is installed (path and stamp), and cargo-tune's own binary.
fn report_key(request: &FeaturesRequest, model: &WorkspaceModel) -> String {
    let timings = match &request.timings {
        Some(p) => request.invocation.cwd.join(p),
        None => crate::timings::report::saved_path(&model.metadata.target_directory),
    };
    let hack = crate::exec::which::find_on_path("cargo-hack", std::env::var_os("PATH").as_deref());
    let stamp = |p: &std::path::Path| crate::fsutil::file_stamp(p);
    // This very build of cargo-tune: another one may report differently.
    let exe = std::env::current_exe().ok();
    format!(
        "{} {:?} {:?} {:?} {:?} {} {} {:?} {:?} {:?}",
        env!("CARGO_PKG_VERSION"),
        exe.as_deref().and_then(stamp),
        request.packages,
        request.max_sets,
        request.dev_features,
        request.ci_subcommand,
        timings.display(),
        stamp(&timings),
        hack,
        hack.as_deref().and_then(stamp),
    )
}

/// The user's cargo options with what the load found: wrappers that are not installed set
/// empty, a lockfile resolved aside, the toolchain used in place of a pin that is not installed.
fn cargo_options(user: &CargoOptions, model: &WorkspaceModel) -> CargoOptions {
    let mut cargo = user.clone();
    cargo.env.extend(model.cargo_env());
    cargo.lockfile_aside = model.lockfile_aside.clone();
    if let Some(toolchain) = &model.toolchain_fallback {
        cargo
            .env
            .push(("RUSTUP_TOOLCHAIN".to_owned(), toolchain.clone()));
    }
    cargo
}

/// The groups of the root manifest's `[workspace.metadata.tune.features]`, then each member's
/// `[package.metadata.tune.features]`, then `--dev-features` as the group `dev`.
fn declared_groups(
    model: &WorkspaceModel,
    request: &FeaturesRequest,
) -> Result<Vec<Group>, Failure> {
    let bad = |e: String| Failure::setup(format!("failed to read the feature groups: {e}"));
    let mut groups = sets::groups_in(&model.root_manifest, "workspace", None).map_err(bad)?;
    for member in &model.members {
        groups
            .extend(sets::groups_in(&member.manifest, "package", Some(&member.name)).map_err(bad)?);
    }
    if let Some(features) = &request.dev_features {
        groups.retain(|g| g.name != "dev");
        groups.push(Group {
            name: "dev".to_owned(),
            features: features.clone(),
            declared_at: sets::DEV_FEATURES_FLAG.to_owned(),
            package: None,
        });
    }
    Ok(groups)
}

/// The timings document the costs are predicted from; without one the report says how to
/// make it.
fn read_basis(
    request: &FeaturesRequest,
    model: &WorkspaceModel,
    events: &mut dyn Events,
) -> Option<Basis> {
    let (path, named) = match &request.timings {
        Some(p) => (request.invocation.cwd.join(p), true),
        None => (
            crate::timings::report::saved_path(&model.metadata.target_directory),
            false,
        ),
    };
    match crate::timings::report::read_saved(&path) {
        Ok(report) => {
            let basis = Basis::new(&report, &path.display().to_string());
            if basis.is_none() {
                events.warning(&format!("{} has no units to predict from", path.display()));
            }
            basis
        }
        Err(ReadError::Absent) if !named => {
            events.note("no costs: run `cargo tune timings` first (or pass --timings FILE); the sets' builds are shown without them");
            None
        }
        Err(e) => {
            events.warning(&format!("no costs: {}: {e}", path.display()));
            None
        }
    }
}

/// A set's build for the matrix.
fn item<'a>(a: &'a Analysed<'_>, id: String, predicted_s: Option<f64>) -> Option<matrix::Item<'a>> {
    a.build.as_ref().ok().map(|b| matrix::Item {
        id,
        package: &a.spec.package,
        flags: a.spec.flags(),
        unit_ids: &b.unit_ids,
        build_id: b.id,
        predicted_s,
    })
}

/// One graph of a set, with what follows from it.
struct Analysed<'s> {
    spec: &'s SetSpec,
    build: Result<GraphFacts<'s>, String>,
    test: Result<GraphFacts<'s>, String>,
}

struct GraphFacts<'g> {
    graph: &'g UnitGraph,
    unit_ids: Vec<u64>,
    id: u64,
    facts: graphs::Facts,
    compiled_twice: Vec<String>,
}

impl<'s> Analysed<'s> {
    fn new(
        spec: &'s SetSpec,
        build: &'s Result<UnitGraph, String>,
        test: &'s Result<UnitGraph, String>,
        model: &WorkspaceModel,
    ) -> Self {
        let facts = |g: &'s Result<UnitGraph, String>| {
            g.as_ref().map_err(Clone::clone).map(|graph| {
                let unit_ids = graph.identities();
                GraphFacts {
                    id: graphs::build_id(&unit_ids),
                    facts: graphs::facts(graph),
                    compiled_twice: libraries_compiled_twice(graph, &model.metadata)
                        .into_keys()
                        .collect(),
                    unit_ids,
                    graph,
                }
            })
        };
        Analysed {
            spec,
            build: facts(build),
            test: facts(test),
        }
    }
}

impl GraphFacts<'_> {
    fn units(&self, baseline: Option<&GraphFacts<'_>>) -> Units {
        let base_units: HashSet<u64> = baseline
            .map(|b| b.unit_ids.iter().copied().collect())
            .unwrap_or_default();
        let empty = BTreeSet::new();
        let base_packages = baseline.map_or(&empty, |b| &b.facts.packages);
        Units {
            count: self.graph.units.len(),
            packages: self.facts.packages.iter().cloned().collect(),
            added_packages: self
                .facts
                .packages
                .difference(base_packages)
                .cloned()
                .collect(),
            added_units: self
                .unit_ids
                .iter()
                .filter(|id| !base_units.contains(id))
                .count(),
            duplicates: self
                .facts
                .duplicates
                .iter()
                .map(|(name, versions)| Duplicate {
                    name: name.clone(),
                    versions: versions.iter().cloned().collect(),
                })
                .collect(),
            compiled_twice: self.compiled_twice.clone(),
            proc_macros: self.facts.proc_macros.iter().cloned().collect(),
        }
    }
}

/// A dev loop per member with a `dev` (or `dev-…`) group, declared or `--dev-features`, that
/// builds fewer units than the default features.
fn dev_loops(
    analysed: &[Analysed<'_>],
    report: &[FeatureSet],
    basis: Option<&Basis>,
) -> Vec<DevLoop> {
    let mut out = Vec::new();
    for dev in analysed.iter().filter(|a| {
        matches!(a.spec.kind, SetKind::Group | SetKind::Dev)
            && (a.spec.name() == "@dev" || a.spec.name().starts_with("@dev-"))
    }) {
        let Some(default) = analysed
            .iter()
            .find(|a| a.spec.package == dev.spec.package && a.spec.kind == SetKind::Default)
        else {
            continue;
        };
        let (Ok(d), Ok(f)) = (&dev.build, &default.build) else {
            continue;
        };
        let dev_ids: HashSet<u64> = d.unit_ids.iter().copied().collect();
        let default_ids: HashSet<u64> = f.unit_ids.iter().copied().collect();
        let saved = f.unit_ids.iter().filter(|id| !dev_ids.contains(id)).count();
        let to_dev = d
            .unit_ids
            .iter()
            .filter(|id| !default_ids.contains(id))
            .count();
        let predicted = |id: &str| {
            report
                .iter()
                .find(|s| s.spec.id == id)
                .and_then(|s| s.predicted_s)
        };
        let (default_s, dev_s) = (predicted(&default.spec.id), predicted(&dev.spec.id));
        if saved == 0 || matches!((default_s, dev_s), (Some(a), Some(b)) if b >= a) {
            continue;
        }
        let switch_s = basis.map(|b| {
            let built: Vec<bool> = f.unit_ids.iter().map(|id| dev_ids.contains(id)).collect();
            b.predict(f.graph, &built).wall_s
        });
        let alias_name = dev.spec.name().trim_start_matches('@').to_owned();
        let flags = dev.spec.flags();
        out.push(DevLoop {
            package: dev.spec.package.clone(),
            set: dev.spec.id.clone(),
            alias: format!("[alias]\n{alias_name} = \"build {flags}\""),
            alias_name,
            default_predicted_s: default_s,
            dev_predicted_s: dev_s,
            units_saved: saved,
            switch: Switch {
                units_to_default: saved,
                units_to_dev: to_dev,
                predicted_s: switch_s,
                measured_s: None,
            },
            measured_default_s: None,
            measured_dev_s: None,
        });
    }
    out
}
