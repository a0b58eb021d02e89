//! `cargo tune pgo` as a terminal table and as Markdown.

use std::fmt::Write as _;

use cargo_tune_schema::{PgoComparison, PgoReport, Verdict};

use super::measure_text::table;
use super::{RenderOptions, title};
use crate::text::paint;
use crate::text::{bytes, opt_ratio, secs};

fn header(report: &PgoReport) -> String {
    let workload = report.workload.join(" ");
    format!("-p {} --bin {} -- {workload}", report.package, report.bin)
}

fn context_line(report: &PgoReport) -> String {
    let c = &report.context;
    let mut line = format!(
        "{} (LLVM {}), {} ({} cores); {} training run(s), {} measured runs per binary after one warm-up, interleaved; profdata: {}",
        c.rustc, c.llvm_version, c.host, c.cores, c.training_runs, c.runs, c.profdata
    );
    if let Some(bolt) = &c.bolt {
        let _ = write!(line, "; bolt: {bolt}");
    }
    if !c.rustflags.is_empty() {
        let _ = write!(line, "; rustflags: {}", c.rustflags.join(" "));
    }
    line
}

fn interval_text(c: &PgoComparison) -> String {
    c.interval.map_or_else(
        || "-".to_owned(),
        |i| {
            crate::text::interval(&i)
                .confidence()
                .of(c.pairs, "pair")
                .to_string()
        },
    )
}

/// One row per binary: runtime, ratio, interval, verdict, build cost, size.
fn rows(report: &PgoReport, verdict: &dyn Fn(Verdict) -> String) -> Vec<[String; 7]> {
    report
        .variants
        .iter()
        .map(|v| {
            let runtime = v.summary.map_or_else(
                || "-".to_owned(),
                |s| format!("{} [{} – {}]", secs(s.median), secs(s.min), secs(s.max)),
            );
            let cmp = report.comparisons.iter().find(|c| c.variant == v.name);
            let (ratio, interval, verdict, build, size) = match cmp {
                Some(c) => (
                    opt_ratio(c.ratio),
                    interval_text(c),
                    verdict(c.verdict),
                    format!("{} ({:.2}x)", secs(v.build_s), c.build_ratio),
                    format!("{} ({:.2}x)", bytes(v.binary_bytes), c.size_ratio),
                ),
                None => (
                    "-".to_owned(),
                    "-".to_owned(),
                    "-".to_owned(),
                    secs(v.build_s),
                    bytes(v.binary_bytes),
                ),
            };
            [
                v.name.clone(),
                runtime,
                ratio,
                interval,
                verdict,
                build,
                size,
            ]
        })
        .collect()
}

const HEADER: [&str; 7] = [
    "binary",
    "runtime median [min – max]",
    "ratio",
    "interval",
    "verdict",
    "build time",
    "size",
];

fn profile_line(report: &PgoReport) -> String {
    let p = &report.profile;
    let mut line = format!(
        "profile: {} .profraw file(s), {}, merged into {} ({}); ",
        p.raw_files,
        bytes(p.raw_bytes),
        p.merged,
        bytes(p.merged_bytes)
    );
    if p.missing_profile_warnings == 0 {
        line.push_str("rustc reported no missing profile data");
    } else {
        let _ = write!(
            line,
            "rustc reported {} function(s) without matching profile data (the profile and the build differ), e.g. {}",
            p.missing_profile_warnings,
            p.missing_profile_examples
                .first()
                .map_or("", String::as_str)
        );
    }
    if let Some(applied) = report.bolt_applied {
        let _ = write!(
            line,
            "; BOLT {}",
            if applied {
                "rewrote the binary (.note.bolt_info present)"
            } else {
                "did not rewrite the binary"
            }
        );
    }
    line
}

/// The terminal report of a `pgo` run.
pub fn render_pgo_human(report: &PgoReport, options: &RenderOptions) -> String {
    let st = &options.styles;
    let mut text = String::new();
    let _ = writeln!(text, "{}", title(st, "cargo tune pgo", header(report)));
    let _ = writeln!(text, "{}\n", paint(st.dim, context_line(report)));
    let verdict = |v: Verdict| {
        let style = match v {
            Verdict::Faster => st.good,
            Verdict::Slower | Verdict::Failed => st.error,
            _ => st.dim,
        };
        paint(style, v.as_str())
    };
    table(&mut text, HEADER, &rows(report, &verdict), &[1, 2, 5, 6]);
    let warn = report.profile.missing_profile_warnings > 0;
    let _ = writeln!(
        text,
        "\n{}",
        if warn {
            paint(st.warning, profile_line(report))
        } else {
            profile_line(report)
        }
    );
    let _ = writeln!(text, "\n{}", paint(st.bold, "Steps"));
    let steps: Vec<[String; 3]> = report
        .steps
        .iter()
        .map(|s| [s.name.clone(), secs(s.wall_s), s.command.clone()])
        .collect();
    table(&mut text, ["step", "wall", "command"], &steps, &[1]);
    let _ = writeln!(
        text,
        "\n{}",
        paint(
            st.dim,
            "ratio = geometric mean of optimised/baseline workload time over interleaved pairs, with a t-interval; a verdict needs the interval to exclude 1; build time counts every step a binary needs"
        )
    );
    text
}

/// A `pgo` run as GitHub-flavoured Markdown.
pub fn render_pgo_markdown(report: &PgoReport, _options: &RenderOptions) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## cargo tune pgo `{}`\n\n{}\n",
        header(report),
        context_line(report)
    );
    let _ = writeln!(
        md,
        "| {} |\n|---|---:|---:|---|---|---:|---:|",
        HEADER.join(" | ")
    );
    let verdict = |v: Verdict| format!("**{}**", v.as_str());
    for row in rows(report, &verdict) {
        let _ = writeln!(md, "| {} |", row.join(" | "));
    }
    let _ = writeln!(md, "\n{}\n", profile_line(report));
    let _ = writeln!(md, "| step | wall | command |\n|---|---:|---|");
    for s in &report.steps {
        let _ = writeln!(
            md,
            "| {} | {} | `{}` |",
            s.name,
            secs(s.wall_s),
            crate::text::markdown::cell(&s.command)
        );
    }
    md
}
