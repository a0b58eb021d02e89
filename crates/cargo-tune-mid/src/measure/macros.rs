//! `cargo tune timings --macros`: one instrumented build of the workspace's crates, in a
//! target directory of its own, that asks rustc for `-Z macro-stats`, `-Z time-passes` and
//! `-Z self-profile` with arguments; then cargo's replay of that build, which prints each
//! unit's stored output one unit at a time (a live parallel build interleaves lines of
//! several rustc processes).
//!
//! The flags reach the workspace members only, through cargo's per-package profile rustflags
//! (`-Z profile-rustflags`): dependencies are built as usual and are not profiled. Both are
//! unstable, so this build alone runs with `RUSTC_BOOTSTRAP=1`; the timed builds never do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use cargo_tune_schema::MacroExpansion;

use super::MeasurePlan;
use super::runner;
use crate::cargo::CargoCli;
use crate::change::variant::Variant;
use crate::exec::{self, Keep, Supervision};
use crate::timings::macros::{self, CrateTimes, Exporters, Provenance};
use crate::timings::self_profile;
use crate::vocab::Scenario;
use crate::workspace::WorkspaceModel;

/// The labels of rustc's self-profile that time one proc-macro invocation: a derive's outer
/// event also covers parsing what it generated, so it is preferred where there is one.
const DERIVE_OUTER: &str = "expand_derive_proc_macro_outer";
const EXPAND: &str = "expand_proc_macro";

/// Where the instrumented build keeps its target directory and profiles.
fn dir(plan: &MeasurePlan) -> PathBuf {
    plan.bench_dir.join("timings-macros")
}

/// The rustc flags of the instrumented build.
fn flags(profiles: &Path) -> Vec<String> {
    vec![
        "-Zmacro-stats".to_owned(),
        "-Ztime-passes".to_owned(),
        "-Ztime-passes-format=json".to_owned(),
        format!("-Zself-profile={}", profiles.display()),
        "-Zself-profile-events=generic-activity,args".to_owned(),
    ]
}

/// The instrumented build's cargo command: the scenario's, in its own target directory, with
/// the flags for every member.
pub fn command(
    plan: &MeasurePlan,
    scenario: Scenario,
    variant: &Variant,
    members: &[String],
) -> CargoCli {
    let mut plan = plan.clone();
    plan.extra_args.clear();
    let base = dir(&plan);
    let flags = toml_edit::Value::from_iter(flags(&base.join("self-profile")));
    let mut cli = runner::command(&plan, scenario, variant)
        .args(["-Z", "profile-rustflags"])
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", base.join("target"));
    for member in members {
        cli = cli.config(format!(
            "profile.{}.package.{}.rustflags={flags}",
            scenario.profile(),
            toml_edit::Value::from(member.as_str())
        ));
    }
    cli
}

/// Runs `cli` to its end; its whole stderr, or the reason it failed.
fn run(cli: &CargoCli, cancel: &AtomicBool) -> Result<Vec<String>, String> {
    let how = Supervision {
        stderr: Keep::All,
        memory: false,
        ..Supervision::new(cancel)
    };
    let done = exec::run(cli.to_command(), &how, None)
        .map_err(|e| format!("`{}` could not start: {e}", cli.display()))?;
    if done.interrupted {
        return Err("interrupted".to_owned());
    }
    if !done.success() {
        return Err(format!(
            "`{}` failed ({}):\n{}",
            cli.display(),
            done.status_text(),
            done.tail(15).join("\n")
        ));
    }
    Ok(done.stderr)
}

/// The proc-macro packages of the workspace's graph and the macros each defines, read from
/// their crate roots; a root that cannot be read defines nothing that can be matched.
pub fn exporters(model: &WorkspaceModel) -> Exporters {
    model
        .metadata
        .packages
        .iter()
        .filter(|p| p.is_proc_macro())
        .filter_map(|p| {
            let target = p
                .targets
                .iter()
                .find(|t| t.is_kind(crate::cargo::metadata::TargetKind::ProcMacro))?;
            let text = std::fs::read_to_string(&target.src_path).ok()?;
            Some((p.name.clone(), macros::exported_macros(&text)))
        })
        .collect()
}

/// rustc's crate name of every member target, with its package.
fn package_of(model: &WorkspaceModel) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for p in model.metadata.workspace_packages() {
        for t in &p.targets {
            out.insert(t.name.replace('-', "_"), p.name.clone());
        }
        // rustc names a build script's crate after its package in macro-stats.
        out.insert(format!("{} build script", p.name), p.name.clone());
    }
    out
}

/// Expansion times per crate from the profiles in `profiles`, or why there are none.
fn times(profiles: &Path) -> Result<BTreeMap<String, CrateTimes>, String> {
    let mut out: BTreeMap<String, CrateTimes> = BTreeMap::new();
    let entries = std::fs::read_dir(profiles)
        .map_err(|e| format!("rustc wrote no self-profile ({}: {e})", profiles.display()))?;
    let mut read = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(krate) = self_profile::crate_of_file(&name) else {
            continue;
        };
        let bytes = std::fs::read(entry.path()).map_err(|e| format!("read {name}: {e}"))?;
        let intervals = self_profile::intervals(&bytes, &[DERIVE_OUTER, EXPAND])
            .map_err(|e| format!("rustc's self-profile {name} cannot be read: {e}"))?;
        read += 1;
        let slot = out.entry(krate.to_owned()).or_default();
        let outer = intervals.get(DERIVE_OUTER);
        for (label, times) in &intervals {
            for (arg, (ns, n)) in &times.by_arg {
                let covered = label == EXPAND && outer.is_some_and(|o| o.by_arg.contains_key(arg));
                if arg.is_empty() || covered {
                    continue;
                }
                let t = slot.entry(arg.clone()).or_default();
                t.0 += ns;
                t.1 += n;
            }
        }
    }
    if read == 0 {
        return Err(format!(
            "rustc wrote no self-profile into {}",
            profiles.display()
        ));
    }
    Ok(out)
}

/// The instrumented build and what it tells about macro expansion. Every failure is a reason
/// the report gives instead of the section.
pub fn measure(
    plan: &MeasurePlan,
    scenario: Scenario,
    variant: &Variant,
    model: &WorkspaceModel,
    cancel: &AtomicBool,
) -> Result<MacroExpansion, String> {
    let members: Vec<String> = model
        .metadata
        .workspace_packages()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let base = dir(plan);
    let profiles = base.join("self-profile");
    exec::checkout::remove(&profiles).map_err(|e| format!("empty {}: {e}", profiles.display()))?;
    std::fs::create_dir_all(&profiles)
        .map_err(|e| format!("create {}: {e}", profiles.display()))?;
    // The members are compiled anew so that rustc profiles them; dependencies stay built.
    let mut clean = CargoCli::new(&["clean"], &plan.cargo)
        .env("CARGO_TARGET_DIR", base.join("target"))
        .env("RUSTC_BOOTSTRAP", "1");
    for m in &members {
        clean = clean.args(["-p", m]);
    }
    run(&clean, cancel)?;
    let build = command(plan, scenario, variant, &members);
    run(&build, cancel)?;
    let replay = run(&build.clone().arg("-v"), cancel)?;
    let stats = macros::parse_replay(replay.iter().map(String::as_str));
    if stats.is_empty() {
        return Err(
            "rustc printed no macro-stats table: the toolchain does not know `-Z macro-stats`"
                .to_owned(),
        );
    }
    let (times, provenance) = match times(&profiles) {
        Ok(t) => (
            t,
            Provenance {
                command: build.display(),
                times: Some(format!(
                    "rustc -Z self-profile (measureme format {}), one instrumented build",
                    self_profile::FORMAT_VERSION
                )),
                note: None,
            },
        ),
        Err(why) => (
            BTreeMap::new(),
            Provenance {
                command: build.display(),
                times: None,
                note: Some(format!(
                    "{why}; macros are ranked by the code they generate"
                )),
            },
        ),
    };
    Ok(macros::assemble(
        &stats,
        &times,
        &exporters(model),
        &package_of(model),
        provenance,
    ))
}
