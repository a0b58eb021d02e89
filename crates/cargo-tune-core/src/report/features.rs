//! `cargo tune features` as a terminal table and as Markdown.

use std::fmt::Write as _;

use cargo_tune_schema::{FeatureSet, FeaturesReport, MatrixCost, SetKind};

use super::RenderOptions;
use crate::text::markdown::{cell, row};
use crate::text::{count, opt_secs, paint, secs};

/// Features listed under "heaviest features".
const HEAVIEST: usize = 10;

/// The member's `--no-default-features` set, which the others are compared with.
fn baseline<'r>(r: &'r FeaturesReport, set: &FeatureSet) -> Option<&'r FeatureSet> {
    r.sets
        .iter()
        .find(|s| s.spec.package == set.spec.package && s.spec.kind == SetKind::NoDefault)
}

/// The duplicate versions a set has that its member's `--no-default-features` set has not, as
/// `reqwest 0.11/0.12`.
fn added_duplicates(r: &FeaturesReport, set: &FeatureSet) -> Vec<String> {
    let Some(units) = &set.units else {
        return Vec::new();
    };
    let before: Vec<&str> = baseline(r, set)
        .and_then(|b| b.units.as_ref())
        .map(|u| u.duplicates.iter().map(|d| d.name.as_str()).collect())
        .unwrap_or_default();
    units
        .duplicates
        .iter()
        .filter(|d| !before.contains(&d.name.as_str()))
        .map(|d| format!("{} {}", d.name, d.versions.join("/")))
        .collect()
}

/// One sentence per feature, heaviest first: what it adds over none.
pub(crate) fn heaviest(r: &FeaturesReport) -> Vec<String> {
    let mut features: Vec<&FeatureSet> = r
        .sets
        .iter()
        .filter(|s| {
            matches!(
                s.spec.kind,
                SetKind::Feature | SetKind::Group | SetKind::Dev
            )
        })
        .filter(|s| s.units.as_ref().is_some_and(|u| u.added_units > 0))
        .collect();
    let weight = |s: &FeatureSet| s.prediction.as_ref().map_or(0.0, |p| p.added_cpu_s);
    features.sort_by(|a, b| {
        weight(b).total_cmp(&weight(a)).then_with(|| {
            let units = |s: &FeatureSet| s.units.as_ref().map_or(0, |u| u.added_units);
            units(b).cmp(&units(a))
        })
    });
    features
        .iter()
        .take(HEAVIEST)
        .map(|s| {
            let units = s.units.as_ref().map_or(0, |u| u.added_units);
            let what = match s.spec.kind {
                SetKind::Feature => format!(
                    "feature `{}` of {}",
                    s.spec.features.join(","),
                    s.spec.package
                ),
                _ => format!(
                    "group `{}` of {}",
                    s.spec
                        .id
                        .rsplit_once(":@")
                        .map_or(s.spec.id.as_str(), |(_, g)| g),
                    s.spec.package
                ),
            };
            let mut line = format!("{what} adds {}", count(units, "unit"));
            if let Some(p) = &s.prediction {
                let _ = write!(line, ", {} of CPU", secs(p.added_cpu_s));
            }
            let dups = added_duplicates(r, s);
            if !dups.is_empty() {
                let _ = write!(
                    line,
                    ", {} ({})",
                    count(dups.len(), "duplicate version"),
                    dups.join(", ")
                );
            }
            if let Some(u) = &s.units
                && !u.added_packages.is_empty()
            {
                let _ = write!(line, "; {}", count(u.added_packages.len(), "package"));
            }
            line
        })
        .collect()
}

/// The timed command as a user would type it: without the environment cargo-tune set, its own
/// `--color` and message format.
pub(crate) fn basis_command(command: &str) -> String {
    let from_cargo = command.find("cargo ").map_or(command, |i| &command[i..]);
    let mut words: Vec<&str> = Vec::new();
    let mut skip = false;
    for w in from_cargo.split_whitespace() {
        if skip {
            skip = false;
            continue;
        }
        match w {
            "--color" => skip = true,
            _ if w.starts_with("--message-format") => {}
            _ => words.push(w),
        }
    }
    words.join(" ")
}

fn headline(r: &FeaturesReport) -> String {
    let members: std::collections::BTreeSet<&str> =
        r.sets.iter().map(|s| s.spec.package.as_str()).collect();
    let mut s = format!(
        "{} of {}: unit graphs from cargo ({} asked, {} kept from an earlier run)",
        count(r.sets.len(), "feature set"),
        count(members.len(), "member"),
        r.resolves.cargo_calls,
        r.resolves.from_memo
    );
    match &r.basis {
        Some(b) => {
            let _ = write!(
                s,
                "; costs predicted from `{}` ({} wall, {} jobs)",
                basis_command(&b.command),
                secs(b.wall_s),
                b.jobs
            );
        }
        None => s.push_str("; no costs (run `cargo tune timings` first)"),
    }
    s
}

fn cost_line(c: &MatrixCost) -> String {
    let mut s = count(c.builds, "build");
    if let Some(d) = c.distinct_builds {
        let _ = write!(s, " ({d} distinct)");
    }
    if let Some(why) = &c.not_costed {
        let _ = write!(s, "; not costed: {why}");
    }
    if let (Some(t), Some(q)) = (c.predicted_total_s, c.predicted_sequential_s) {
        let _ = write!(
            s,
            ", predicted {} on separate runners, {} one after another",
            secs(t),
            secs(q)
        );
    }
    if !c.rejected.is_empty() {
        let _ = write!(s, ", {} rejected by cargo", c.rejected.len());
    }
    s
}

/// The terminal table.
pub fn render_features_human(r: &FeaturesReport, options: &RenderOptions) -> String {
    let st = &options.styles;
    let mut s = String::new();
    let _ = writeln!(s, "{}", headline(r));
    let mut package = "";
    for set in &r.sets {
        if set.spec.package != package {
            package = &set.spec.package;
            let _ = writeln!(s, "\n{}", paint(st.bold, package));
            let _ = writeln!(
                s,
                "  {:<22} {:>6} {:>6} {:>6} {:>5} {:>6} {:>10} {:>10}  same build as",
                "set", "units", "+units", "+pkgs", "dups", "tests", "predicted", "measured",
            );
        }
        let name = set.spec.name();
        match (&set.units, &set.rejected) {
            (Some(u), _) => {
                let _ = writeln!(
                    s,
                    "  {:<22} {:>6} {:>6} {:>6} {:>5} {:>6} {:>10} {:>10}  {}",
                    name,
                    u.count,
                    u.added_units,
                    u.added_packages.len(),
                    u.duplicates.len(),
                    set.test_units
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), |t| t.count.to_string()),
                    opt_secs(set.predicted_s),
                    opt_secs(set.measured_s),
                    set.same_build_as.as_deref().unwrap_or("")
                );
            }
            (None, Some(why)) => {
                let _ = writeln!(s, "  {:<22} {} {why}", name, paint(st.error, "rejected:"));
            }
            (None, None) => {}
        }
        if let Some(f) = set.measured.as_ref().and_then(|m| m.failure.as_ref()) {
            let _ = writeln!(
                s,
                "  {:<22} {} {} ({})",
                "",
                paint(st.error, "failed:"),
                f.command,
                f.status
            );
            for line in f.last_lines.iter().rev().take(3).rev() {
                let _ = writeln!(s, "  {:<22}   {}", "", paint(st.dim, line));
            }
        }
    }
    for l in &r.left_out {
        let _ = writeln!(
            s,
            "\n{} {}: {} left out by the cap ({}); --all-sets looks at them",
            paint(st.warning, "note:"),
            l.package,
            count(l.features.len(), "one-feature set"),
            l.features.join(", ")
        );
    }
    let heavy = heaviest(r);
    if !heavy.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            paint(st.bold, "heaviest features (over --no-default-features)")
        );
        for line in heavy {
            let _ = writeln!(s, "  {line}");
        }
    }
    let m = &r.matrix;
    let _ = writeln!(
        s,
        "\n{} {} cover the default, --no-default-features, each feature alone and --all-features{}",
        paint(st.bold, "CI matrix:"),
        count(m.builds.len(), "build"),
        if m.covers_every_feature {
            ""
        } else {
            " (not every feature: see the sets left out)"
        }
    );
    for b in &m.builds {
        let _ = writeln!(
            s,
            "  {:<64} {:>10}  {}",
            b.command,
            opt_secs(b.predicted_s),
            b.covers.join(" = ")
        );
    }
    let _ = writeln!(s, "  {:<12} {}", "proposed", cost_line(&m.proposed));
    let _ = writeln!(
        s,
        "  {:<12} {}  [{}]",
        "each-feature",
        cost_line(&m.each_feature),
        m.each_feature.source
    );
    if let Some(p) = &m.powerset {
        let _ = writeln!(s, "  {:<12} {}  [{}]", "powerset", cost_line(p), p.source);
    }
    let _ = writeln!(s, "\n{}", paint(st.bold, "GitHub Actions"));
    for line in m.github_actions.lines() {
        let _ = writeln!(s, "  {line}");
    }
    for d in &r.dev_loop {
        let _ = writeln!(s, "\n{} {}", paint(st.bold, "dev loop:"), d.package);
        let _ = writeln!(
            s,
            "  `cargo {}` builds {} fewer than the default features (predicted {} instead of {}{})",
            d.alias_name,
            count(d.units_saved, "unit"),
            opt_secs(d.dev_predicted_s),
            opt_secs(d.default_predicted_s),
            match (d.measured_dev_s, d.measured_default_s) {
                (Some(a), Some(b)) => format!("; measured {} instead of {}", secs(a), secs(b)),
                _ => String::new(),
            }
        );
        let _ = writeln!(
            s,
            "  cost: the first switch to the default features (`cargo test`, the editor's check) rebuilds {} (predicted {}{}); cargo keeps both builds, so switching back is free, and a loop started after a default build compiles {} of its own",
            count(d.switch.units_to_default, "unit"),
            opt_secs(d.switch.predicted_s),
            d.switch
                .measured_s
                .map(|m| format!(", measured {}", secs(m)))
                .unwrap_or_default(),
            count(d.switch.units_to_dev, "unit")
        );
        let _ = writeln!(s, "  add to .cargo/config.toml:");
        for line in d.alias.lines() {
            let _ = writeln!(s, "    {line}");
        }
    }
    s
}

/// GitHub-flavoured Markdown.
pub fn render_features_markdown(r: &FeaturesReport, _options: &RenderOptions) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## cargo tune features\n\n{}\n", cell(&headline(r)));
    let _ = writeln!(
        s,
        "{}",
        row(&[
            "set",
            "flags",
            "units",
            "+units",
            "+packages",
            "duplicates",
            "test units",
            "predicted",
            "measured",
            "same build as"
        ])
    );
    let _ = writeln!(
        s,
        "{}",
        row(&[
            "---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"
        ])
    );
    for set in &r.sets {
        let code = |t: &str| format!("`{t}`");
        match &set.units {
            Some(u) => {
                let _ = writeln!(
                    s,
                    "{}",
                    row(&[
                        set.spec.id.clone(),
                        code(&set.flags),
                        u.count.to_string(),
                        u.added_units.to_string(),
                        u.added_packages.len().to_string(),
                        u.duplicates.len().to_string(),
                        set.test_units
                            .as_ref()
                            .map_or_else(|| "-".to_owned(), |t| t.count.to_string()),
                        opt_secs(set.predicted_s),
                        opt_secs(set.measured_s),
                        set.same_build_as.clone().unwrap_or_default(),
                    ])
                );
            }
            None => {
                let why = set.rejected.as_deref().unwrap_or_default();
                let _ = writeln!(
                    s,
                    "{}",
                    row(&[
                        set.spec.id.clone(),
                        code(&set.flags),
                        cell(&format!("rejected: {why}")),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new()
                    ])
                );
            }
        }
    }
    let heavy = heaviest(r);
    if !heavy.is_empty() {
        let _ = writeln!(s, "\n### Heaviest features\n");
        for line in heavy {
            let _ = writeln!(s, "- {}", cell(&line));
        }
    }
    let m = &r.matrix;
    let _ = writeln!(s, "\n### CI matrix\n");
    let _ = writeln!(s, "{}", row(&["command", "predicted", "covers"]));
    let _ = writeln!(s, "{}", row(&["---", "---:", "---"]));
    for b in &m.builds {
        let _ = writeln!(
            s,
            "{}",
            row(&[
                format!("`{}`", b.command),
                opt_secs(b.predicted_s),
                b.covers.join(" = ")
            ])
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", row(&["list", "cost", "source"]));
    let _ = writeln!(s, "{}", row(&["---", "---", "---"]));
    let lists = [("proposed", &m.proposed), ("each-feature", &m.each_feature)]
        .into_iter()
        .chain(m.powerset.as_ref().map(|p| ("powerset --depth 2", p)));
    for (name, list) in lists {
        let _ = writeln!(
            s,
            "{}",
            row(&[name.to_owned(), cost_line(list), list.source.clone()])
        );
    }
    let _ = writeln!(
        s,
        "\n<details><summary>GitHub Actions job</summary>\n\n```yaml\n{}```\n\n</details>",
        m.github_actions
    );
    for d in &r.dev_loop {
        let _ = writeln!(
            s,
            "\n### Dev loop: {}\n\n`cargo {}` builds {} fewer than the default features (predicted {} instead of {}); switching to the default features rebuilds {} the first time (predicted {}).\n\n```toml\n{}\n```",
            cell(&d.package),
            d.alias_name,
            count(d.units_saved, "unit"),
            opt_secs(d.dev_predicted_s),
            opt_secs(d.default_predicted_s),
            count(d.switch.units_to_default, "unit"),
            opt_secs(d.switch.predicted_s),
            d.alias
        );
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_timed_command_reads_as_typed() {
        assert_eq!(
            super::basis_command(
                "CARGO_TARGET_DIR=/t/x RUSTC_WRAPPER='' cargo --color never build --message-format=json-render-diagnostics --timings --workspace"
            ),
            "cargo build --timings --workspace"
        );
    }
}
