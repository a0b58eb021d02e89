//! `cargo tune timings` end to end on the `timings` fixture: the critical path against an
//! independent reconstruction from cargo's own report and unit graph, the Gantt chart as
//! Chromium draws it, costs read back by `audit --costs`, and the bad inputs (a failing build, a
//! report of an unknown schema, Ctrl-C).

#![expect(
    clippy::disallowed_methods,
    reason = "the tests run cargo and kill themselves, as a user would"
)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cargo_tune_test_support::{
    CargoTuneCli, RunResult, TempWorkspace, assert_exit_code, cargo_with_env, find_by,
};
use serde_json::Value;

use crate::browser;
use crate::{LoggingCargo, cli, read_json};

/// Runs `cargo tune timings --format json -o <path>` with `cli`, expecting exit `code`, and
/// reads the report it wrote.
#[track_caller]
fn timings_json(cli: CargoTuneCli, path: &Path, code: i32) -> (RunResult, Value) {
    let run = cli
        .args(["timings", "--format", "json", "-o", path.to_str().unwrap()])
        .run()
        .assert_code(code);
    (run, read_json(path))
}

/// `UNIT_DATA` of cargo's report, read with nothing from cargo-tune.
fn unit_data(html: &str) -> Vec<Value> {
    let start = html.find("const UNIT_DATA = ").expect("UNIT_DATA") + 18;
    let end = start + html[start..].find("\n];").expect("end of UNIT_DATA") + 2;
    serde_json::from_str(&html[start..end]).unwrap()
}

/// `cargo build --unit-graph` of the fixture, as cargo prints it.
fn unit_graph(root: &Path) -> Value {
    let args: Vec<&str> = "build --workspace --unit-graph -Z unstable-options"
        .split_whitespace()
        .collect();
    serde_json::from_str(&cargo_with_env(
        root,
        &args,
        &[("RUSTC_BOOTSTRAP", "1".as_ref())],
    ))
    .unwrap()
}

/// `cli(ws)` with every cargo call going through a `$CARGO` that logs its nice value and
/// arguments, then runs the real cargo; the calls are read back with [`cargo_calls`].
#[cfg(unix)]
fn logged_cli(ws: &TempWorkspace) -> (CargoTuneCli, LoggingCargo) {
    let cargo = LoggingCargo::new(ws, "$(nice) $*", "");
    (cli(ws).env("CARGO", cargo.path()), cargo)
}

/// `(nice value, arguments)` of every cargo call a [`logged_cli`] made, in order.
#[cfg(unix)]
fn cargo_calls(cargo: &LoggingCargo) -> Vec<(i32, String)> {
    cargo
        .lines()
        .iter()
        .map(|l| {
            let (nice, args) = l.split_once(' ').unwrap();
            (nice.parse().unwrap(), args.to_owned())
        })
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn the_critical_path_matches_an_independent_reconstruction_from_cargo_data() {
    let ws = TempWorkspace::fixture("timings");
    let (_, report) = timings_json(cli(&ws), &ws.path("timings.json"), 0);
    assert_eq!(report["source"]["durations"], "cargo-timings-html");
    assert_eq!(report["source"]["dependencies"], "unit-graph");
    let html = std::fs::read_to_string(report["source"]["report_path"].as_str().unwrap()).unwrap();
    let data = unit_data(&html);
    let graph = unit_graph(ws.root());

    // Every unit cargo timed is in the report with cargo's numbers.
    assert_eq!(report["units"].as_array().unwrap().len(), data.len());
    for d in &data {
        let u = report["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["index"] == d["i"])
            .unwrap();
        assert_eq!((&u["name"], &u["version"]), (&d["name"], &d["version"]));
        assert!((f(&u["duration_s"]) - f(&d["duration"])).abs() < 1e-9);
    }

    // Match cargo's timed units to the graph's by package and target kind; this fixture builds
    // no unit twice, so the match is one to one.
    let class = |target: &str| {
        if target.contains("(run)") {
            "run"
        } else if target.contains("build-script") {
            "custom-build"
        } else {
            "other"
        }
    };
    let graph_units = graph["units"].as_array().unwrap();
    let mut of_timed: HashMap<u64, usize> = HashMap::new();
    for d in &data {
        let target = d["target"].as_str().unwrap();
        let (name, version) = (d["name"].as_str().unwrap(), d["version"].as_str().unwrap());
        let matches: Vec<usize> = graph_units
            .iter()
            .enumerate()
            .filter(|(_, g)| {
                let id = g["pkg_id"].as_str().unwrap();
                let same_package = id.ends_with(&format!("#{name}@{version}"))
                    || id.ends_with(&format!("/{name}#{version}"));
                let g_class = match (
                    g["target"]["kind"][0].as_str().unwrap(),
                    g["mode"].as_str().unwrap(),
                ) {
                    ("custom-build", "run-custom-build") => "run",
                    ("custom-build", _) => "custom-build",
                    _ => "other",
                };
                same_package && g_class == class(target)
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(matches.len(), 1, "{d}");
        of_timed.insert(d["i"].as_u64().unwrap(), matches[0]);
    }
    let timed_of: HashMap<usize, u64> = of_timed.iter().map(|(t, g)| (*g, *t)).collect();
    let by_i: HashMap<u64, &Value> = data.iter().map(|d| (d["i"].as_u64().unwrap(), d)).collect();
    let metadata_at = |d: &Value| -> Option<f64> {
        d["sections"]
            .as_array()?
            .iter()
            .find_map(|s| (s[0] == "frontend").then(|| f(&s[1]["end"])))
    };
    let is_lib = |g: &Value| {
        let kind = g["target"]["kind"][0].as_str().unwrap();
        matches!(kind, "lib" | "rlib") && g["mode"] == "build"
    };
    // Dependencies of each timed unit, with what of the dependency it waits for.
    let mut waits: BTreeMap<u64, Vec<(u64, f64)>> = BTreeMap::new();
    for (&t, &g) in &of_timed {
        let node = &graph_units[g];
        let mut list = Vec::new();
        for dep in node["dependencies"].as_array().unwrap() {
            let gd = dep["index"].as_u64().unwrap() as usize;
            let td = timed_of[&gd];
            let d = by_i[&td];
            let wait = match metadata_at(d) {
                Some(m) if is_lib(node) && is_lib(&graph_units[gd]) => m,
                _ => f(&d["duration"]),
            };
            list.push((td, wait));
        }
        waits.insert(t, list);
    }
    // The longest chain, by trying every chain (the fixture is small).
    fn longest(
        at: u64,
        waits: &BTreeMap<u64, Vec<(u64, f64)>>,
        memo: &mut HashMap<u64, f64>,
    ) -> f64 {
        if let Some(v) = memo.get(&at) {
            return *v;
        }
        let best = waits[&at]
            .iter()
            .map(|(d, w)| longest(*d, waits, memo) + w)
            .fold(0.0, f64::max);
        memo.insert(at, best);
        best
    }
    let mut memo = HashMap::new();
    let expected = waits
        .keys()
        .map(|&t| longest(t, &waits, &mut memo) + f(&by_i[&t]["duration"]))
        .fold(0.0, f64::max);
    let path = &report["critical_path"];
    let length = f(&path["length_s"]);
    assert!((length - expected).abs() < 0.002, "{length} vs {expected}");

    // Consecutive steps are real dependencies, and their contributions add up to the length.
    let steps = path["steps"].as_array().unwrap();
    for pair in steps.windows(2) {
        let (a, b) = (
            pair[0]["unit"].as_u64().unwrap(),
            pair[1]["unit"].as_u64().unwrap(),
        );
        assert!(waits[&b].iter().any(|(d, _)| *d == a), "{a} → {b}");
    }
    let contributions: f64 = steps.iter().map(|s| f(&s["contribution_s"])).sum();
    assert!((contributions - length).abs() < 0.002);

    // The path's durations plus the time its units waited is the build's wall time: before the
    // first, between each unblocking and the next start, after the last.
    let wall = f(&report["wall_s"]);
    let last = by_i[&steps.last().unwrap()["unit"].as_u64().unwrap()];
    let tail = wall - (f(&last["start"]) + f(&last["duration"]));
    let waited: f64 = steps.iter().map(|s| f(&s["waited_s"])).sum();
    assert!(
        (contributions + waited + tail - wall).abs() < 0.02,
        "{contributions} + {waited} + {tail} != {wall}"
    );
    assert!((length + f(&path["idle_s"]) - wall).abs() < 0.002);
    // cargo rounds to 0.01 s; nothing on the path starts before it is unblocked.
    assert!(
        steps.iter().all(|s| f(&s["waited_s"]) > -0.015),
        "{steps:?}"
    );
    assert!(length <= wall + 0.01);
}

#[test]
fn chromium_draws_one_bar_per_unit_and_highlights_the_critical_path() {
    let ws = TempWorkspace::fixture("timings");
    let svg = ws.path("gantt.svg");
    let json = ws.path("timings.json");
    let html = ws.path("timings.html");
    cli(&ws)
        .args(["timings", "--format", "json", "-o", json.to_str().unwrap()])
        .args(["--svg", svg.to_str().unwrap()])
        .run()
        .assert_code(0);
    cli(&ws)
        .args(["timings", "--format", "html", "-o", html.to_str().unwrap()])
        .run()
        .assert_code(0);
    let report: Value = read_json(&json);
    let units = report["units"].as_array().unwrap().len();
    let steps = report["critical_path"]["steps"].as_array().unwrap();

    for file in [&svg, &html] {
        let dom = browser::dom(file);
        // Self-contained: no script, nothing fetched.
        assert!(!dom.contains("<script"), "{file:?}");
        assert!(
            !dom.contains("href=\"http") && !dom.contains("src=\"http"),
            "{file:?}"
        );
        let rects = browser::rect_classes(&dom);
        let bars: Vec<&Vec<String>> = rects.iter().filter(|c| c[0] == "unit").collect();
        let critical = bars
            .iter()
            .filter(|c| c.iter().any(|x| x == "critical"))
            .count();
        let links = dom.matches("class=\"critical-link\"").count();
        // One bar per unit cargo timed (the HTML is another build of the same units).
        assert_eq!(bars.len(), units, "{file:?}");
        assert!(critical >= 2, "{file:?}");
        assert_eq!(links, critical - 1, "{file:?}");
        if file == &svg {
            // The chart of the JSON's own run: its critical path, unit for unit.
            assert_eq!(critical, steps.len());
            for step in steps {
                let marked = format!("data-unit=\"{}\"", step["unit"]);
                let bar = dom.split("<rect ").find(|r| r.contains(&marked)).unwrap();
                assert!(bar.contains(" critical"), "{bar}");
            }
        }
    }
    // And what a person would see: a screenshot that is not blank.
    browser::screenshot(&svg, &ws.path("gantt.png"), 1300, 400);
}

#[test]
fn audit_costs_ranks_findings_by_what_their_units_took() {
    let ws = TempWorkspace::fixture("timings");
    let json = ws.path("timings.json");
    let (_, report) = timings_json(cli(&ws), &json, 0);
    // fmt is built in two versions; the older one's units are the extra ones.
    let fmt_old: f64 = report["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["name"] == "fmt" && u["version"] == "1.0.0")
        .map(|u| f(&u["duration_s"]))
        .sum();
    let costed = find_by(&report["findings"], "id", "duplicate-version:fmt")
        .expect("the duplicate is costed");
    assert!((f(&costed["cost"]["cpu_s"]) - fmt_old).abs() < 0.002);
    // One run has no spread to call anything noise.
    for finding in report["findings"].as_array().unwrap() {
        assert_eq!(finding["cost"]["within_noise"], false, "{finding:#}");
    }

    let audit = cli(&ws)
        .args([
            "audit",
            "--costs",
            json.to_str().unwrap(),
            "--format",
            "json",
        ])
        .run_json(0);
    let first = &audit["findings"][0];
    assert_eq!(first["id"], "duplicate-version:fmt");
    assert_eq!(first["cost"], costed["cost"]);
    // Without a file, the last run's report (the one just made) is used.
    let human = cli(&ws)
        .args(["audit", "--costs"])
        .run()
        .assert_code(0)
        .stdout();
    // The summary's levers are the measured ones, the costliest first.
    let mut lines = human.lines().skip_while(|l| !l.contains("largest levers"));
    let heading = lines.next().unwrap_or_default();
    assert!(heading.contains("by what they cost"), "{human}");
    let levers: Vec<&str> = lines.take_while(|l| !l.trim().is_empty()).collect();
    let seconds = |l: &str| -> f64 {
        l.split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('s')
            .parse()
            .unwrap()
    };
    assert!(
        levers.windows(2).all(|w| seconds(w[0]) >= seconds(w[1])),
        "{human}"
    );
    let lever = levers
        .iter()
        .find(|l| l.trim_end().ends_with("duplicate-version:fmt"))
        .unwrap_or_else(|| panic!("{human}"));
    assert!(lever.contains("off the critical path"), "{human}");

    std::fs::write(ws.path("bad.json"), "{\"format_version\": 1}").unwrap();
    cli(&ws)
        .args(["audit", "--costs", "bad.json"])
        .run()
        .assert_code(96)
        .assert_stderr_has(&["not a `cargo tune timings --format json` document"]);
}

#[test]
fn a_failing_build_reports_what_was_measured_and_exits_101() {
    let ws = TempWorkspace::fixture("timings");
    let lib = "crates/core-lib/src/lib.rs";
    ws.write(
        lib,
        &format!("{}\npub fn broken() -> u32 {{ \"x\" }}\n", ws.read(lib)),
    );
    let (run, report) = timings_json(cli(&ws), &ws.path("timings.json"), 101);
    run.assert_stderr_has(&["1 measured build failed"]);
    assert!(
        report["failure"]["last_lines"]
            .to_string()
            .contains("mismatched types")
    );
    // Partial units cost nothing: audit refuses them.
    let audit = cli(&ws).args(["audit", "--costs"]).run().assert_code(96);
    audit.assert_stderr_has(&["a build that failed"]);
    let units = report["units"].as_array().unwrap();
    assert!(
        units.iter().any(|u| u["finished"] == true),
        "something was measured"
    );
    assert!(
        units
            .iter()
            .any(|u| u["name"] == "core-lib" && u["kind"] == "lib" && u["finished"] == false)
    );
    // The build ran in cargo-tune's own directory, not in the user's target/debug.
    assert!(!ws.path("target/debug").exists());
    assert!(ws.path("target/cargo-tune/timings/dev-clean").is_dir());
}

/// A build that cargo refuses before resolving (here `--locked` with a dependency the lockfile
/// lacks) ends with cargo's reason and exit 101, and without the calls that would have run
/// beside it: each would only fail the same way.
#[cfg(unix)]
#[test]
fn a_build_refused_before_resolving_exits_101_with_cargos_reason() {
    let ws = TempWorkspace::fixture("timings");
    let manifest = "crates/app/Cargo.toml";
    ws.write(
        manifest,
        &format!(
            "{}\n[dependencies.serde]\nversion = \"1\"\n",
            ws.read(manifest)
        ),
    );
    let (cli, cargo) = logged_cli(&ws);
    let run = cli
        .args(["timings", "--locked", "--offline"])
        .run()
        .assert_code(101);
    run.assert_stderr_has(&["cannot update the lock file"]);
    assert!(run.stdout().is_empty());
    let calls = cargo_calls(&cargo);
    assert!(
        calls
            .iter()
            .all(|(_, a)| a.contains("--no-deps") || a.contains(" build --message-format")),
        "only the members were read and the build tried: {calls:#?}"
    );
}

#[test]
fn a_timings_report_of_an_unknown_schema_is_an_error_naming_the_field() {
    let ws = TempWorkspace::fixture("timings");
    // A cargo whose report renames `duration`, as a future cargo might.
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let shim = ws.path("cargo-shim.sh");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\n'{real}' \"$@\"\nrc=$?\nreport=\"$CARGO_TARGET_DIR/cargo-timings/cargo-timing.html\"\n[ -f \"$report\" ] && sed -i 's/\"duration\"/\"elapsed\"/' \"$report\"\nexit $rc\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = cli(&ws)
        .args(["timings"])
        .env("CARGO", &shim)
        .run()
        .assert_code(96);
    run.assert_stderr_has(&["unknown `UNIT_DATA` schema", "`duration`"]);
    assert!(run.stdout().is_empty());
}

#[test]
fn ctrl_c_leaves_nothing_behind() {
    let ws = TempWorkspace::fixture("timings");
    let json = ws.path("timings.json");
    let svg = ws.path("gantt.svg");
    // Wait until a build has written into the private target directory.
    let dir = ws.path("target/cargo-tune/timings/dev-clean/baseline");
    let output = cli(&ws)
        .args(["timings", "--runs", "50", "-o", json.to_str().unwrap()])
        .args(["--svg", svg.to_str().unwrap()])
        .interrupt_when(Duration::from_secs(120), || dir.join("debug").exists());
    assert_exit_code(&output, 130);
    assert!(output.stdout.is_empty());
    assert!(!json.exists() && !svg.exists(), "no report written");
    assert!(!dir.exists(), "the half-built target directory is removed");
    // No cargo or rustc of this build is left running.
    std::thread::sleep(Duration::from_millis(200));
    let ps = Command::new("ps").args(["-eo", "args"]).output().unwrap();
    let dir_text = dir.display().to_string();
    assert!(
        !String::from_utf8_lossy(&ps.stdout).contains(&dir_text),
        "a process still uses {dir_text}"
    );
}

/// Before the build starts, only `cargo metadata --no-deps`; the calls that resolve the
/// workspace (they take cargo's package cache lock) once the build has resolved, at the lowest
/// CPU priority, while the build keeps its own. Every cargo call goes through a logging `$CARGO`.
#[cfg(target_os = "linux")]
#[test]
fn what_only_the_report_needs_is_read_beside_the_build_at_idle_priority() {
    let ws = TempWorkspace::fixture("timings");
    let (cli, cargo) = logged_cli(&ws);
    let (_, report) = timings_json(cli, &ws.path("timings.json"), 0);

    let own: i32 = String::from_utf8(Command::new("nice").output().unwrap().stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let calls = cargo_calls(&cargo);
    let position = |what: &dyn Fn(&str) -> bool| {
        calls
            .iter()
            .position(|(_, args)| what(args))
            .unwrap_or_else(|| panic!("cargo calls: {calls:#?}"))
    };
    let build = position(&|a| a.contains(" build ") && !a.contains("--unit-graph"));
    let full_metadata = position(&|a| a.contains(" metadata ") && !a.contains("--no-deps"));
    let graph = position(&|a| a.contains("--unit-graph"));
    assert!(
        build > 0 && calls[..build].iter().all(|(_, a)| a.contains("--no-deps")),
        "only the members are read before the build: {calls:#?}"
    );
    assert_eq!(calls[build].0, own, "the build keeps its priority");
    for side in [full_metadata, graph] {
        assert!(side > build, "{calls:#?}");
        assert_eq!(calls[side].0, 19, "read at the lowest priority: {calls:#?}");
    }
    // What was read beside the build is in the report.
    assert!(
        report["context"]["cargo"]
            .as_str()
            .unwrap()
            .starts_with("cargo "),
        "{report:#}"
    );
    assert_eq!(report["source"]["dependencies"], "unit-graph", "{report:#}");
}
