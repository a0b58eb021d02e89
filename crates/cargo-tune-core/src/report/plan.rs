//! `cargo tune plan` as text: what the predictions came from, the chosen steps by phase with
//! their measured and predicted ratios and costs, the confirmation of the composed plan, then
//! what was rejected or left unmeasured and why.

use std::fmt::Write;

use cargo_tune_schema::{PlanCandidate, PlanMeasurement, PlanRecord, ReleaseDecision};

use super::RenderOptions;
use crate::plan::predict::prediction_text;
use crate::text::markdown::cell;
use crate::text::opt_ratio;

fn ratio(m: &PlanMeasurement) -> String {
    let mut s = format!("{} {}", m.scenario, opt_ratio(m.ratio));
    if let Some(i) = m.interval {
        s.push_str(&format!(" {}", crate::text::interval(&i)));
    }
    s.push_str(&format!(" {}", m.verdict.as_str()));
    if let Some(n) = m.pairs {
        s.push_str(&format!(" ({n} pairs)"));
    }
    let w = &m.workload;
    if let Some(v) = w.runtime_verdict {
        s.push_str(&format!("; run time {}", opt_ratio(w.runtime_ratio)));
        if let Some(i) = w.runtime_interval {
            s.push_str(&format!(" {}", crate::text::interval(&i)));
        }
        s.push_str(&format!(" {}", v.as_str()));
        if let Some(n) = w.runtime_pairs {
            s.push_str(&format!(" ({n} pairs)"));
        }
    }
    if let Some(r) = w.size_ratio {
        s.push_str(&format!("; size {r:.3}"));
    }
    s
}

/// Candidates taken together, as the release front and its choice name them.
fn combination(candidates: &[String]) -> String {
    if candidates.is_empty() {
        "the workspace as it is".to_owned()
    } else {
        candidates.join(" + ")
    }
}

/// The release decision: the front of what was measured, one row per point.
fn front_rows(d: &ReleaseDecision) -> Vec<[String; 6]> {
    d.front
        .iter()
        .map(|p| {
            let chosen = p.candidates.len() == d.chosen.len()
                && d.chosen.iter().all(|c| p.candidates.contains(c));
            [
                combination(&p.candidates),
                format!(
                    "{:.3}{}",
                    p.build_ratio,
                    if p.within_build_limit {
                        ""
                    } else {
                        " (over the limit)"
                    }
                ),
                format!(
                    "{:.3}{}",
                    p.runtime_ratio,
                    p.runtime_interval
                        .map_or_else(String::new, |i| format!(" {}", crate::text::interval(&i)))
                ),
                format!("{:.3}", p.size_ratio),
                if p.non_portable {
                    "non-portable (this CPU only)".to_owned()
                } else {
                    String::new()
                },
                if chosen {
                    "chosen".to_owned()
                } else {
                    String::new()
                },
            ]
        })
        .collect()
}

const FRONT_HEADER: [&str; 6] = [
    "point",
    "build ratio",
    "run time ratio",
    "size ratio",
    "",
    "",
];

pub(crate) fn header(record: &PlanRecord) -> String {
    let built = record
        .candidates
        .iter()
        .filter(|c| !c.measured.is_empty())
        .count();
    format!(
        "plan for goal {}: {} step(s) chosen from {} candidate(s), {built} built in {} race stage(s), {}s of a {}s budget ({}){}",
        record.goal.as_str(),
        record.steps.len(),
        record.candidates.len(),
        record.stages.len(),
        record.elapsed_s,
        record.budget_s,
        match record.end {
            cargo_tune_schema::PlanEnd::Converged => "every candidate decided",
            cargo_tune_schema::PlanEnd::Budget => "stopped: the budget ran out",
            _ => "interrupted",
        },
        if record.partial { "; PARTIAL" } else { "" }
    )
}

/// A candidate's predictions, one scenario after the other.
fn predicted(c: &PlanCandidate) -> String {
    c.predicted
        .iter()
        .map(prediction_text)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where the predictions came from, in one line.
fn evidence(record: &PlanRecord) -> String {
    let e = &record.evidence;
    let base: Vec<String> = e
        .baseline
        .iter()
        .map(|b| format!("{} {:.2}s", b.scenario, b.seconds))
        .collect();
    let predictions = match (&e.instrumented, &e.predictions_unavailable) {
        (_, Some(why)) => format!("no predictions: {why}"),
        (Some(i), None) => format!(
            "predictions from cargo's timings and one instrumented build ({})",
            i.flags.join(" ")
        ),
        (None, None) => "no predictions".to_owned(),
    };
    format!("baseline {}; {predictions}", base.join(", "))
}

/// The phase a step belongs to.
pub(crate) fn phase_name(phase: u8) -> &'static str {
    if phase <= 1 { "quick wins" } else { "advanced" }
}

/// The human form.
pub fn render_plan_human(record: &PlanRecord, options: &RenderOptions) -> String {
    let mut out = String::new();
    let bold = options.styles.bold;
    let _ = writeln!(out, "{}", header(record));
    let _ = writeln!(out, "{}", evidence(record));
    for phase in [1u8, 2] {
        let steps: Vec<_> = record
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                record
                    .candidates
                    .iter()
                    .find(|c| c.id == s.candidate)
                    .is_some_and(|c| (c.phase <= 1) == (phase == 1))
            })
            .collect();
        if steps.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{bold}{}{bold:#}", phase_name(phase));
        for (i, step) in steps {
            let c = record.candidates.iter().find(|c| c.id == step.candidate);
            let _ = writeln!(
                out,
                "  {}. {bold}{}{bold:#}: {}",
                i + 1,
                step.candidate,
                c.map_or("", |c| c.summary.as_str())
            );
            for m in &step.measurements {
                let _ = writeln!(out, "     {}", ratio(m));
            }
            if let Some(c) = c {
                if !c.predicted.is_empty() {
                    let _ = writeln!(out, "     predicted {}", predicted(c));
                }
                let _ = writeln!(out, "     risk {}; cost: {}", c.risk, c.cost);
            }
        }
    }
    if let Some(c) = &record.confirmation {
        let _ = writeln!(
            out,
            "\n{bold}confirmed together{bold:#}: {} (kept: {})",
            c.candidates.join(" + "),
            c.kept
        );
        for m in &c.measurements {
            let _ = writeln!(out, "  against the workspace as it is: {}", ratio(m));
        }
        for m in &c.against_best {
            let _ = writeln!(out, "  against {} alone: {}", m.candidate, ratio(m));
        }
    }
    if !record.rejected.is_empty() {
        let _ = writeln!(out, "\n{bold}rejected{bold:#}");
        for r in &record.rejected {
            let ms: Vec<String> = r.measurements.iter().map(ratio).collect();
            let _ = writeln!(
                out,
                "  {}: {}{}",
                r.candidate,
                r.reason,
                if ms.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ms.join("; "))
                }
            );
        }
    }
    for u in &record.unmeasured {
        let _ = writeln!(
            out,
            "  {}: not measured: {} (about {}s more of budget would measure it)",
            u.candidate, u.reason, u.more_budget_s
        );
    }
    if let Some(d) = &record.release {
        let _ = writeln!(
            out,
            "\n{bold}release: run time of `{}` against build time and size{bold:#} (ratios to the workspace as it is; the Pareto front of what was measured, fastest program first)",
            d.workload.command.join(" ")
        );
        let mut text = String::new();
        super::measure_text::table(&mut text, FRONT_HEADER, &front_rows(d), &[1, 2, 3]);
        for line in text.lines() {
            let _ = writeln!(out, "  {}", line.trim_end());
        }
        let _ = writeln!(out, "  chosen: {}: {}", combination(&d.chosen), d.reason);
        for l in &d.left_out {
            let _ = writeln!(out, "  left out: {l}");
        }
    }
    if let Some(ci) = &record.ci {
        let _ = writeln!(out, "\n{bold}CI cache settings{bold:#}");
        for e in &ci.env {
            let _ = writeln!(out, "  {e}");
        }
        if let Some(key) = &ci.target_cache_key {
            let _ = writeln!(out, "  target directory cached under: {key}");
        }
        for n in &ci.needs {
            let _ = writeln!(out, "  needs: {n}");
        }
        let _ = writeln!(out, "\n{bold}GitHub Actions{bold:#}\n{}", ci.github_actions);
    }
    out
}

/// The Markdown form, for a PR comment.
pub fn render_plan_markdown(record: &PlanRecord, _options: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### cargo tune plan\n\n{}\n\n{}\n",
        header(record),
        cell(&evidence(record))
    );
    if !record.steps.is_empty() {
        let _ = writeln!(
            out,
            "| # | step | phase | measured per scenario | predicted | risk | cost |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for (i, step) in record.steps.iter().enumerate() {
            let c = record.candidates.iter().find(|c| c.id == step.candidate);
            let ms: Vec<String> = step.measurements.iter().map(ratio).collect();
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} |",
                i + 1,
                step.candidate,
                phase_name(c.map_or(1, |c| c.phase)),
                ms.join("<br>"),
                cell(&c.map_or_else(String::new, predicted)),
                cell(c.map_or("", |c| c.risk.as_str())),
                cell(c.map_or("", |c| c.cost.as_str()))
            );
        }
    }
    if let Some(c) = &record.confirmation {
        let ms: Vec<String> = c.measurements.iter().map(ratio).collect();
        let _ = writeln!(
            out,
            "\nConfirmed together ({}; kept: {}): {}",
            c.candidates.join(" + "),
            c.kept,
            ms.join("; ")
        );
    }
    if !record.rejected.is_empty() {
        let _ = writeln!(out, "\nRejected:\n");
        for r in &record.rejected {
            let ms: Vec<String> = r.measurements.iter().map(ratio).collect();
            let _ = writeln!(out, "- `{}`: {} {}", r.candidate, r.reason, ms.join("; "));
        }
    }
    for u in &record.unmeasured {
        let _ = writeln!(
            out,
            "- `{}`: not measured: {} (about {}s more of budget would measure it)",
            u.candidate, u.reason, u.more_budget_s
        );
    }
    if let Some(d) = &record.release {
        let _ = writeln!(
            out,
            "\nRelease: run time of `{}` against build time and size (ratios to the workspace as it is; the Pareto front, fastest program first):\n",
            d.workload.command.join(" ")
        );
        let _ = writeln!(
            out,
            "| point | build ratio | run time ratio | size ratio | | |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---|---|");
        for row in front_rows(d) {
            let _ = writeln!(out, "{}", crate::text::markdown::row(&row));
        }
        let _ = writeln!(
            out,
            "\nChosen: {}: {}",
            combination(&d.chosen),
            cell(&d.reason)
        );
        for l in &d.left_out {
            let _ = writeln!(out, "\n- left out: {}", cell(l));
        }
    }
    if let Some(ci) = &record.ci {
        let _ = writeln!(out, "\nCI cache settings:\n");
        for e in &ci.env {
            let _ = writeln!(out, "- `{e}`");
        }
        if let Some(key) = &ci.target_cache_key {
            let _ = writeln!(out, "- target directory cached under `{key}`");
        }
        for n in &ci.needs {
            let _ = writeln!(out, "- needs: {n}");
        }
        let _ = writeln!(out, "\n```yaml\n{}```", ci.github_actions);
    }
    out
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{FrontPoint, Goal, Interval, ReleaseDecision, WorkloadInfo};

    use super::*;
    use crate::plan::test_support::empty_record;

    fn point(ids: &[&str], build: f64, runtime: f64, limit: bool, native: bool) -> FrontPoint {
        FrontPoint {
            candidates: ids.iter().map(|s| (*s).to_owned()).collect(),
            build_ratio: build,
            runtime_ratio: runtime,
            runtime_interval: (!ids.is_empty()).then_some(Interval {
                low: runtime * 0.95,
                high: runtime * 1.05,
                confidence: 0.95,
            }),
            size_ratio: 0.9,
            within_build_limit: limit,
            non_portable: native,
        }
    }

    fn record() -> PlanRecord {
        let mut record = empty_record(Goal::Release);
        record.release = Some(ReleaseDecision {
            workload: WorkloadInfo {
                name: "bin:rg".to_owned(),
                command: vec!["rg".to_owned(), "-c".to_owned(), "fn".to_owned()],
                bin: Some("rg".to_owned()),
                cwd: "/ws".to_owned(),
                runs: 10,
                timeout_s: 600.0,
            },
            max_build_ratio: 1.5,
            front: vec![
                point(&["release-lto-fat"], 1.9, 0.85, false, false),
                point(&["release-target-cpu-native"], 1.0, 0.9, true, true),
                point(&["release-lto-thin"], 1.2, 0.93, true, false),
                point(&[], 1.0, 1.0, true, false),
            ],
            chosen: vec!["release-target-cpu-native".to_owned()],
            reason: "the fastest run time shown faster".to_owned(),
            left_out: vec!["PGO: measure it with `cargo tune pgo`".to_owned()],
        });
        record
    }

    fn line_of<'a>(text: &'a str, needle: &str) -> &'a str {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}:\n{text}"))
    }

    #[test]
    fn the_release_front_marks_the_limit_the_portability_and_the_choice() {
        let text = render_plan_human(&record(), &RenderOptions::new(false));
        assert!(text.contains("release: run time of `rg -c fn`"), "{text}");
        let fat = line_of(&text, "release-lto-fat ");
        assert!(
            fat.contains("1.900 (over the limit)") && !fat.contains("chosen"),
            "{fat}"
        );
        let native = line_of(&text, "release-target-cpu-native ");
        assert!(
            native.contains("non-portable") && native.ends_with("chosen"),
            "{native}"
        );
        let thin = line_of(&text, "release-lto-thin ");
        assert!(
            thin.contains("0.930 [0.883, 0.977]") && !thin.contains("chosen"),
            "{thin}"
        );
        assert!(line_of(&text, "the workspace as it is ").contains("1.000"));
        assert!(
            text.contains("chosen: release-target-cpu-native: the fastest run time shown faster"),
            "{text}"
        );
        assert!(text.contains("left out: PGO"), "{text}");

        let md = render_plan_markdown(&record(), &RenderOptions::new(false));
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| release-")).collect();
        assert_eq!(rows.len(), 3, "{md}");
        assert!(
            rows[1].contains("non-portable") && rows[1].contains("chosen"),
            "{md}"
        );
        assert!(md.contains("Chosen: release-target-cpu-native"), "{md}");
    }
}
