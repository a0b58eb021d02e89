//! `cargo tune report` end to end: the page made from what `timings`, `bench`, `plan` and the
//! history left, drawn by Chromium with one chart element per datum fed in; every text escaped;
//! sections without data saying which command fills them; and the errors (a bad named file, an
//! unwritable destination, no browser to open the page with).

#![expect(
    clippy::disallowed_methods,
    reason = "the tests write the files the other commands would have saved"
)]

use std::collections::BTreeMap;
use std::path::Path;

use cargo_tune_schema::{
    Comparison, HistoryEntry, Interval, MeasureReport, PlanCandidate, PlanMeasurement, PlanRecord,
    PlanStep, TimingsReport, Verdict, WorkloadComparison, exit_codes,
};
use cargo_tune_test_support::{TempWorkspace, toolchain_bin_dir};

use crate::browser;
use crate::{cli, read_json};

/// Text that would become markup if any were written unescaped.
const HOSTILE: &str = "<img src=x onerror=alert(1)>&amp;\"'</td></table><script>alert(2)</script>";

fn history(path: &Path) -> Vec<HistoryEntry> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A decision record of two steps, each measured in one scenario.
fn plan_record(scenario: &str) -> PlanRecord {
    let step = |id: &str, ratio: f64| PlanStep {
        candidate: id.to_owned(),
        measurements: vec![PlanMeasurement {
            candidate: id.to_owned(),
            scenario: scenario.to_owned(),
            verdict: Verdict::Faster,
            ratio: Some(ratio),
            interval: Some(Interval {
                low: ratio - 0.05,
                high: ratio + 0.03,
                confidence: 0.95,
            }),
            baseline_s: Some(2.0),
            cache_bytes: None,
            pairs: Some(3),
            workload: WorkloadComparison::default(),
        }],
    };
    let candidate = |id: &str| PlanCandidate {
        id: id.to_owned(),
        summary: format!("summary of {id} {HOSTILE}"),
        phase: 1,
        cost: HOSTILE.to_owned(),
        risk: "low".to_owned(),
        slot: id.to_owned(),
        changes: Vec::new(),
        predicted: Vec::new(),
        measured: Vec::new(),
    };
    PlanRecord {
        elapsed_s: 10,
        candidates: vec![candidate("dev-debug-0"), candidate("linker-mold")],
        steps: vec![step("dev-debug-0", 0.8), step("linker-mold", 0.9)],
        ..PlanRecord::new(
            "0.0.0",
            cargo_tune_schema::Goal::Dev,
            cargo_tune_test_support::fingerprint(),
            vec![scenario.to_owned()],
            3,
            60,
        )
    }
}

/// `bench`'s document made into a `try` one: the baseline and a candidate named with markup,
/// measured 10 % faster with an interval.
fn as_try(bench: &MeasureReport) -> MeasureReport {
    let mut t = bench.clone();
    t.command = "try".to_owned();
    let mut candidate = t.variants[0].clone();
    candidate.name = "candidate-1".to_owned();
    candidate.changes = vec![HOSTILE.to_owned()];
    t.variants.push(candidate);
    for s in &mut t.scenarios {
        let mut outcome = s.variants[0].clone();
        outcome.variant = "candidate-1".to_owned();
        for run in &mut outcome.runs {
            run.wall_s *= 0.9;
        }
        if let Some(m) = &mut outcome.summary {
            m.wall_s.median *= 0.9;
            m.wall_s.min *= 0.9;
            m.wall_s.max *= 0.9;
        }
        s.variants.push(outcome);
        s.comparisons.push(Comparison {
            candidate: "candidate-1".to_owned(),
            baseline_median: None,
            candidate_median: None,
            ratio: Some(0.9),
            interval: Some(Interval {
                low: 0.85,
                high: 0.95,
                confidence: 0.95,
            }),
            verdict: Verdict::Faster,
            pairs: 3,
            faster_pairs: 3,
            more_runs: None,
            best: true,
            workload: WorkloadComparison::default(),
        });
    }
    t
}

#[test]
fn the_page_draws_one_mark_per_datum_of_what_the_commands_saved() {
    let ws = TempWorkspace::fixture("timings");
    let timings_json = ws.path("timings.json");
    let bench_json = ws.path("bench.json");
    cli(&ws)
        .args(["timings", "--format", "json", "-o"])
        .args([timings_json.to_str().unwrap()])
        .run()
        .assert_code(0);
    cli(&ws)
        .line("bench --scenario check --runs 1 --format json")
        .args(["-o", bench_json.to_str().unwrap()])
        .run()
        .assert_code(0);
    // Two more history lines from the real one: a newer toolchain, and another scenario.
    let history_path = ws.path("target/cargo-tune/history.jsonl");
    let real = history(&history_path).pop().unwrap();
    let mut later = real;
    later.finished_at += 86_400;
    later.context.rustc = "rustc 1.96.0 (0000000 2026-06-01)".to_owned();
    later.context.git_revision = Some(HOSTILE.to_owned());
    let mut other = later.clone();
    other.finished_at += 60;
    for r in &mut other.results {
        r.scenario = "dev-clean".to_owned();
    }
    let mut text = std::fs::read_to_string(&history_path).unwrap();
    for e in [&later, &other] {
        text.push_str(&serde_json::to_string(e).unwrap());
        text.push('\n');
    }
    std::fs::write(&history_path, text).unwrap();
    ws.write(
        "cargo-tune-plan.toml",
        &cargo_tune_core::plan::record::to_toml(&plan_record("dev-clean")),
    );
    let bench: MeasureReport = read_json(&bench_json);
    let try_json = ws.path("try.json");
    std::fs::write(&try_json, serde_json::to_string(&as_try(&bench)).unwrap()).unwrap();

    let page = ws.path("report.html");
    cli(&ws)
        .args(["report", "-o", page.to_str().unwrap()])
        .args(["--measure", "bench.json", "--measure", "try.json"])
        .run()
        .assert_code(0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "unescaped text"
    );
    let dom = browser::dom(&page);
    let paths = browser::svg_paths(&dom);
    let count = |class: &str| {
        paths
            .iter()
            .filter(|(c, d)| {
                assert!(!d.trim().is_empty(), "an empty path: {c}");
                c == class || c.starts_with(&format!("{class} "))
            })
            .count()
    };

    // History: one line per scenario, one point per baseline measured in it.
    let mut points: BTreeMap<String, usize> = BTreeMap::new();
    for e in history(&history_path) {
        for r in e
            .results
            .iter()
            .filter(|r| r.variant == "baseline" && r.summary.is_some())
        {
            *points.entry(r.scenario.clone()).or_default() += 1;
        }
    }
    assert_eq!(points.len(), 2);
    assert_eq!(count("trend-line"), points.len());
    assert_eq!(count("trend-point"), points.values().sum::<usize>());
    assert_eq!(count("trend-range"), points.values().sum::<usize>());
    // The toolchain changed once in the check scenario's history.
    assert_eq!(dom.matches("class=\"toolchain-change\"").count(), 1);

    // Bench and try: one bar per variant measured, in each file named.
    let measures: Vec<MeasureReport> = [bench_json.as_path(), try_json.as_path()]
        .into_iter()
        .map(read_json)
        .collect();
    let scenarios = || measures.iter().flat_map(|m| &m.scenarios);
    let measured = scenarios()
        .flat_map(|s| &s.variants)
        .filter(|v| v.summary.is_some())
        .count();
    assert_eq!(count("bar wall"), measured);
    // And one ratio bar per candidate compared with the baseline.
    let compared = scenarios()
        .flat_map(|s| &s.comparisons)
        .filter(|c| c.ratio.is_some())
        .count();
    assert!(compared > 0);
    assert_eq!(count("bar vs"), compared);

    // The plan: one bar per step and scenario with a ratio.
    let plan = plan_record("dev-clean");
    let ratios = plan
        .steps
        .iter()
        .flat_map(|s| &s.measurements)
        .filter(|m| m.ratio.is_some())
        .count();
    assert_eq!(count("bar ratio"), ratios);

    // Findings: ranked as `audit --costs` ranks them with the same timings, a bar for each
    // one costed.
    let audit = cli(&ws)
        .args(["audit", "--costs", "--format", "json"])
        .run_json(0);
    // (id, costed at more than nothing): a finding whose units the timed build did not compile
    // is costed at zero, and gets no bar.
    let ids = |findings: &serde_json::Value| -> Vec<(String, bool)> {
        findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let cost = &f["cost"];
                let paid = cost.is_object()
                    && (cost["cpu_s"].as_f64().unwrap() > 0.0
                        || cost["critical_path_s"].as_f64().unwrap() > 0.0);
                (f["id"].as_str().unwrap().to_owned(), paid)
            })
            .collect()
    };
    let report = cli(&ws).args(["report", "--format", "json"]).run_json(0);
    assert_eq!(ids(&report["audit"]["findings"]), ids(&audit["findings"]));
    let costed = ids(&audit["findings"]).iter().filter(|(_, c)| *c).count();
    // The duplicate `fmt`'s older version is compiled in this build, so at least it costs.
    assert!(costed > 0);
    assert_eq!(count("bar cost"), costed);
    assert_eq!(count("beneath"), costed, "the CPU time under each");

    // The Gantt chart of the last timings run: a bar per unit, its critical path marked.
    let last: TimingsReport = read_json(&ws.path("target/cargo-tune/timings/last.json"));
    let rects = browser::rect_classes(&dom);
    let units = rects.iter().filter(|c| c[0] == "unit").count();
    let critical = rects
        .iter()
        .filter(|c| c[0] == "unit" && c.iter().any(|x| x == "critical"))
        .count();
    assert_eq!(units, last.units.len());
    assert_eq!(critical, last.critical_path.steps.len());

    // The markup fed in is text on the page, not elements.
    assert!(!dom.contains("<img") && !dom.contains("<script"));
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));

    browser::screenshot(&page, &ws.path("report.png"), 1300, 3000);
}

#[test]
fn sections_without_data_say_which_command_fills_them_and_paths_are_escaped() {
    // A workspace whose path is markup: it appears in the page, as text.
    let outer = tempfile::tempdir().unwrap();
    let hostile = outer.path().join("ws <img src=x onerror=alert(1)> & \"'");
    let fixture = cargo_tune_test_support::fixtures_dir().join("workspaces/timings");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&fixture)
        .arg(&hostile)
        .status()
        .unwrap();
    assert!(status.success());
    let ws = TempWorkspace::copy_of(&hostile);
    let run = cli(&ws).args(["report"]).run().assert_code(0);
    let page = ws.path("target/cargo-tune/report.html");
    run.assert_stderr_has(&["Wrote"]);
    let html = std::fs::read_to_string(&page).unwrap();
    for empty in [
        "No history yet: run <code>cargo tune bench</code>",
        "No timings yet: run <code>cargo tune timings</code>",
        "No plan yet: run <code>cargo tune plan --goal dev</code>",
        "No bench or try results yet",
        "No feature sets yet: run <code>cargo tune features</code>",
    ] {
        assert!(html.contains(empty), "{empty}");
    }
    assert!(!html.contains("<img"));
    let dom = browser::dom(&page);
    assert!(!dom.contains("<img"));
    assert!(dom.contains("ws &lt;img src=x onerror=alert(1)&gt; &amp; \"'"));

    // The JSON is the document the page draws: nothing read, everything said absent.
    let json = cli(&ws).args(["report", "--format", "json"]).run_json(0);
    assert_eq!(json["format_version"], cargo_tune_schema::FORMAT_VERSION);
    let states: Vec<(&str, &str)> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("timings", "absent"),
            ("plan", "absent"),
            ("history", "absent"),
            ("features", "absent")
        ]
    );
    assert!(json["audit"]["findings"].as_array().unwrap().len() > 1);
}

#[test]
fn bad_inputs_an_unwritable_destination_and_no_browser_are_clear_errors() {
    let ws = TempWorkspace::fixture("timings");
    // Found before any work: nothing is written.
    let run = cli(&ws)
        .args(["report", "-o", "no/such/dir/report.html"])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["no/such/dir/report.html"]);
    let run = cli(&ws)
        .args(["report", "--plan", "missing.toml"])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["failed to read --plan", "missing.toml"]);
    ws.write("bad.json", "{\"format_version\": 2}");
    let run = cli(&ws)
        .args(["report", "--measure", "bad.json"])
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["not a `cargo tune bench`"]);
    cli(&ws)
        .args(["report", "--open", "--format", "json"])
        .run()
        .assert_code(exit_codes::USAGE);
    assert!(!ws.path("target/cargo-tune/report.html").exists());

    // A default input that is not readable is left out with a warning, not an error.
    ws.write("target/cargo-tune/history.jsonl", "not json\n");
    ws.write("target/cargo-tune/timings/last.json", "{}");
    let run = cli(&ws).args(["report"]).run().assert_code(0);
    run.assert_stderr_has(&["left out", "last.json"]);

    // No $BROWSER that runs and no xdg-open: the page is written, the error says so.
    let run = cli(&ws)
        .args(["report", "--open"])
        .env("BROWSER", "/nonexistent/browser")
        .env("PATH", toolchain_bin_dir())
        .run()
        .assert_code(exit_codes::SETUP);
    run.assert_stderr_has(&["failed to open", "/nonexistent/browser", "xdg-open"])
        .assert_stderr_lacks(&["panicked"]);
    assert!(ws.path("target/cargo-tune/report.html").is_file());
}
