//! `cargo tune plan` as text: the chosen steps by phase with their ratios and costs, then what
//! was rejected and why.

use std::io::{self, Write};

use cargo_tune_schema::{PlanMeasurement, PlanRecord};

use super::RenderOptions;
use crate::text::markdown::cell;

fn ratio(m: &PlanMeasurement) -> String {
    let mut s = format!(
        "{} {}",
        m.scenario,
        m.ratio
            .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"))
    );
    if let Some(i) = m.interval {
        s.push_str(&format!(" {}", crate::text::interval(&i)));
    }
    s.push_str(&format!(" {}", m.verdict.as_str()));
    if let Some(n) = m.pairs {
        s.push_str(&format!(" ({n} pairs)"));
    }
    s
}

pub(crate) fn header(record: &PlanRecord) -> String {
    format!(
        "plan for goal {}: {} step(s) chosen from {} candidate(s) in {} round(s), {} runs per variant, {}s of a {}s budget ({}){}",
        record.goal.as_str(),
        record.steps.len(),
        record.candidates.len(),
        record.rounds.len(),
        record.runs,
        record.elapsed_s,
        record.budget_s,
        match record.end {
            cargo_tune_schema::PlanEnd::Converged => "no remaining candidate was faster",
            cargo_tune_schema::PlanEnd::Budget => "stopped: the next round would exceed the budget",
            _ => "interrupted",
        },
        if record.partial { "; PARTIAL" } else { "" }
    )
}

/// The phase a step belongs to.
pub(crate) fn phase_name(phase: u8) -> &'static str {
    if phase <= 1 { "quick wins" } else { "advanced" }
}

/// The human form.
pub fn render_plan_human(
    record: &PlanRecord,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let bold = options.styles.bold;
    writeln!(out, "{}", header(record))?;
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
        writeln!(out, "\n{bold}{}{bold:#}", phase_name(phase))?;
        for (i, step) in steps {
            let c = record.candidates.iter().find(|c| c.id == step.candidate);
            writeln!(
                out,
                "  {}. {bold}{}{bold:#}: {}",
                i + 1,
                step.candidate,
                c.map_or("", |c| c.summary.as_str())
            )?;
            for m in &step.measurements {
                let cumulative = step
                    .cumulative
                    .iter()
                    .find(|r| r.scenario == m.scenario)
                    .map_or_else(String::new, |r| format!(", cumulative {:.3}", r.ratio));
                writeln!(out, "     {}{cumulative}", ratio(m))?;
            }
            if let Some(c) = c {
                writeln!(out, "     risk {}; cost: {}", c.risk, c.cost)?;
            }
        }
    }
    if !record.rejected.is_empty() {
        writeln!(out, "\n{bold}rejected{bold:#}")?;
        for r in &record.rejected {
            let ms: Vec<String> = r.measurements.iter().map(ratio).collect();
            writeln!(
                out,
                "  {}: {}{}",
                r.candidate,
                r.reason,
                if ms.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ms.join("; "))
                }
            )?;
        }
    }
    if let Some(ci) = &record.ci {
        writeln!(out, "\n{bold}CI cache settings{bold:#}")?;
        for e in &ci.env {
            writeln!(out, "  {e}")?;
        }
        if let Some(key) = &ci.target_cache_key {
            writeln!(out, "  target directory cached under: {key}")?;
        }
        for n in &ci.needs {
            writeln!(out, "  needs: {n}")?;
        }
        writeln!(out, "\n{bold}GitHub Actions{bold:#}\n{}", ci.github_actions)?;
    }
    Ok(())
}

/// The Markdown form, for a PR comment.
pub fn render_plan_markdown(
    record: &PlanRecord,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "### cargo tune plan\n\n{}\n", header(record))?;
    if !record.steps.is_empty() {
        writeln!(
            out,
            "| # | step | phase | ratio per scenario | cumulative | risk | cost |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for (i, step) in record.steps.iter().enumerate() {
            let c = record.candidates.iter().find(|c| c.id == step.candidate);
            let ms: Vec<String> = step.measurements.iter().map(ratio).collect();
            let cum: Vec<String> = step
                .cumulative
                .iter()
                .map(|r| format!("{} {:.3}", r.scenario, r.ratio))
                .collect();
            writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} |",
                i + 1,
                step.candidate,
                phase_name(c.map_or(1, |c| c.phase)),
                ms.join("<br>"),
                cum.join("<br>"),
                cell(c.map_or("", |c| c.risk.as_str())),
                cell(c.map_or("", |c| c.cost.as_str()))
            )?;
        }
    }
    if !record.rejected.is_empty() {
        writeln!(out, "\nRejected:\n")?;
        for r in &record.rejected {
            let ms: Vec<String> = r.measurements.iter().map(ratio).collect();
            writeln!(out, "- `{}`: {} {}", r.candidate, r.reason, ms.join("; "))?;
        }
    }
    if let Some(ci) = &record.ci {
        writeln!(out, "\nCI cache settings:\n")?;
        for e in &ci.env {
            writeln!(out, "- `{e}`")?;
        }
        if let Some(key) = &ci.target_cache_key {
            writeln!(out, "- target directory cached under `{key}`")?;
        }
        for n in &ci.needs {
            writeln!(out, "- needs: {n}")?;
        }
        writeln!(out, "\n```yaml\n{}```", ci.github_actions)?;
    }
    Ok(())
}
