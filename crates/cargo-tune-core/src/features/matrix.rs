//! The builds CI should run: one per distinct unit graph among the sets `cargo hack
//! --each-feature` checks plus `--no-default-features` and `--all-features`, costed beside what
//! cargo hack would run; and cargo hack's own lists, read from it when it is installed.

use std::collections::HashSet;
use std::path::Path;

use cargo_tune_schema::{MatrixBuild, MatrixCost, SetSpec};

use super::predict::{Basis, Work};
use super::sets::{MemberFeatures, set_from_flags};
use crate::cargo::unit_graph::UnitGraph;
use crate::cargo::{CargoCli, CargoOptions};
use crate::timings::analysis::round;

/// A set's build as the matrix needs it.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    /// The set's id.
    pub id: String,
    /// Its member.
    pub package: &'a str,
    /// Its cargo flags.
    pub flags: String,
    /// Its units' identities.
    pub unit_ids: &'a [u64],
    /// Its build's identity.
    pub build_id: u64,
    /// Its predicted wall time from clean.
    pub predicted_s: Option<f64>,
}

/// The fewest builds (greedily) that check every one of `required`: a build checks a set when
/// it compiles every unit of the set's build, which cargo then compiles once, as one artifact
/// (equal builds first of all, and a member's set inside a build of another member that
/// depends on it with the same features). `candidates` are the builds to choose from, every
/// required set among them; ties go to the cheaper build, then the one listed first.
pub fn propose(
    required: &[Item<'_>],
    candidates: &[Item<'_>],
    subcommand: &str,
) -> Vec<MatrixBuild> {
    // Equal required builds are one requirement, named by every set.
    let mut needs: Vec<(Vec<String>, HashSet<u64>, u64)> = Vec::new();
    for r in required {
        match needs.iter_mut().find(|n| n.2 == r.build_id) {
            Some(n) => {
                if !n.0.contains(&r.id) {
                    n.0.push(r.id.clone());
                }
            }
            None => needs.push((
                vec![r.id.clone()],
                r.unit_ids.iter().copied().collect(),
                r.build_id,
            )),
        }
    }
    let offers: Vec<HashSet<u64>> = candidates
        .iter()
        .map(|c| c.unit_ids.iter().copied().collect())
        .collect();
    let mut open: Vec<bool> = vec![true; needs.len()];
    let mut out = Vec::new();
    while open.iter().any(|o| *o) {
        let covered = |c: usize| -> Vec<usize> {
            (0..needs.len())
                .filter(|&n| open[n] && needs[n].1.is_subset(&offers[c]))
                .collect()
        };
        let best = (0..candidates.len())
            .map(|c| (c, covered(c).len()))
            .filter(|(_, k)| *k > 0)
            .max_by(|a, b| {
                a.1.cmp(&b.1).then_with(|| {
                    let cost = |c: usize| {
                        candidates[c]
                            .predicted_s
                            .unwrap_or(candidates[c].unit_ids.len() as f64)
                    };
                    cost(b.0).total_cmp(&cost(a.0)).then(b.0.cmp(&a.0))
                })
            });
        let Some((c, _)) = best else {
            break;
        };
        let cand = &candidates[c];
        let mut covers = Vec::new();
        for n in covered(c) {
            open[n] = false;
            covers.extend(needs[n].0.iter().cloned());
        }
        out.push(MatrixBuild {
            package: cand.package.to_owned(),
            flags: cand.flags.clone(),
            command: format!("cargo {subcommand} {}", cand.flags),
            covers,
            predicted_s: cand.predicted_s,
        });
    }
    out
}

/// The cost of running `builds` (each a unit graph with its unit identities): each from clean
/// on its own runner, and one after another in one target directory.
pub fn cost(
    source: &str,
    builds: &[Option<(&UnitGraph, &[u64], u64)>],
    rejected: Vec<String>,
    basis: Option<&Basis>,
    work: Work,
) -> MatrixCost {
    let accepted: Vec<(&UnitGraph, &[u64], u64)> = builds.iter().flatten().copied().collect();
    let distinct: HashSet<u64> = accepted.iter().map(|b| b.2).collect();
    let (total, sequential) = match basis {
        Some(basis) => {
            let mut total = 0.0;
            let mut sequential = 0.0;
            let mut seen: HashSet<u64> = HashSet::new();
            for (graph, ids, _) in &accepted {
                total += basis.predict_for(graph, &[], work).wall_s;
                let built: Vec<bool> = ids.iter().map(|id| seen.contains(id)).collect();
                sequential += basis.predict_for(graph, &built, work).wall_s;
                seen.extend(ids.iter().copied());
            }
            (Some(round(total)), Some(round(sequential)))
        }
        None => (None, None),
    };
    MatrixCost {
        source: source.to_owned(),
        builds: builds.len(),
        distinct_builds: Some(distinct.len()),
        not_costed: None,
        predicted_total_s: total,
        predicted_sequential_s: sequential,
        rejected,
    }
}

/// A list of `builds` builds that was not costed, and why.
pub fn not_costed(source: &str, builds: usize, why: String) -> MatrixCost {
    MatrixCost {
        source: source.to_owned(),
        builds,
        distinct_builds: None,
        predicted_total_s: None,
        predicted_sequential_s: None,
        rejected: Vec::new(),
        not_costed: Some(why),
    }
}

/// Which of cargo hack's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HackList {
    /// `--each-feature`.
    EachFeature,
    /// `--feature-powerset --depth 2`.
    PowersetDepth2,
}

impl HackList {
    fn args(self) -> &'static [&'static str] {
        match self {
            HackList::EachFeature => &["--each-feature"],
            HackList::PowersetDepth2 => &["--feature-powerset", "--depth", "2"],
        }
    }

    /// The list as the user would run it.
    pub fn display(self, subcommand: &str) -> String {
        format!(
            "cargo hack {} {subcommand} --workspace",
            self.args().join(" ")
        )
    }
}

/// The call printing cargo hack's own list of commands (`--print-command-list`).
pub fn cargo_hack_cli(
    list: HackList,
    options: &CargoOptions,
    root: &Path,
    subcommand: &str,
) -> CargoCli {
    let mut args: Vec<&str> = list.args().to_vec();
    args.extend(["--print-command-list", subcommand, "--workspace"]);
    CargoCli::new(&["hack"], options)
        .args(args)
        .current_dir(root)
}

/// cargo hack's list as sets of the members its commands build; `None` when it lists none.
pub fn parse_cargo_hack(
    text: &str,
    root: &Path,
    members: &[(String, std::path::PathBuf)],
) -> Option<Vec<SetSpec>> {
    let sets: Vec<SetSpec> = text
        .lines()
        .filter_map(|line| parse_command(line, root, members))
        .collect();
    (!sets.is_empty()).then_some(sets)
}

/// One line of cargo hack's list: `cargo check --manifest-path a/Cargo.toml
/// --no-default-features --features x,y`.
fn parse_command(
    line: &str,
    root: &Path,
    members: &[(String, std::path::PathBuf)],
) -> Option<SetSpec> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.first() != Some(&"cargo") {
        return None;
    }
    let mut package = None;
    let mut features = Vec::new();
    let mut no_default = false;
    let mut all = false;
    let mut i = 2;
    while i < words.len() {
        match words[i] {
            "--manifest-path" => {
                let path = root.join(words.get(i + 1)?);
                let path = std::fs::canonicalize(&path).unwrap_or(path);
                package = members
                    .iter()
                    .find(|(_, m)| std::fs::canonicalize(m).unwrap_or_else(|_| m.clone()) == path)
                    .map(|(n, _)| n.clone());
                i += 1;
            }
            "-p" | "--package" => {
                package = words.get(i + 1).map(|s| (*s).to_owned());
                i += 1;
            }
            "--features" | "-F" => {
                features.extend(
                    words
                        .get(i + 1)?
                        .split(',')
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned),
                );
                i += 1;
            }
            "--no-default-features" => no_default = true,
            "--all-features" => all = true,
            _ => {}
        }
        i += 1;
    }
    Some(set_from_flags(&package?, features, no_default, all))
}

/// cargo hack's lists as cargo-tune models them, for when it is not installed: per member,
/// `--no-default-features`, then each feature (`default` among them, the features of optional
/// dependencies without `dep:` left out) alone or, with `depth` 2, every pair where neither
/// turns the other on, then `--all-features`: with `--each-feature` for more than one
/// feature, with the powerset when an optional dependency is left out of it. A
/// member without features is built once as it is.
pub fn model(list: HackList, members: &[MemberFeatures]) -> Vec<SetSpec> {
    let mut out = Vec::new();
    for m in members {
        let features: Vec<&str> = m
            .features
            .keys()
            .map(String::as_str)
            .filter(|f| !m.is_implicit(f))
            .collect();
        if features.is_empty() {
            out.push(set_from_flags(&m.name, Vec::new(), false, false));
            continue;
        }
        out.push(set_from_flags(&m.name, Vec::new(), true, false));
        let mut combos: Vec<Vec<&str>> = features.iter().map(|f| vec![*f]).collect();
        if list == HackList::PowersetDepth2 {
            for (i, a) in features.iter().enumerate() {
                for b in &features[i + 1..] {
                    if !enables(m, a, b) && !enables(m, b, a) {
                        combos.push(vec![*a, *b]);
                    }
                }
            }
        }
        for combo in combos {
            out.push(set_from_flags(
                &m.name,
                combo.iter().map(|f| (*f).to_owned()).collect(),
                true,
                false,
            ));
        }
        let add_all = match list {
            HackList::EachFeature => features.len() > 1,
            HackList::PowersetDepth2 => m.features.keys().any(|f| m.is_implicit(f)),
        };
        if add_all {
            out.push(set_from_flags(&m.name, Vec::new(), false, true));
        }
    }
    out
}

/// The features `feature` turns on in its own package, itself included.
fn closure<'m>(m: &'m MemberFeatures, feature: &'m str) -> HashSet<&'m str> {
    let mut seen = HashSet::new();
    let mut stack = vec![feature];
    while let Some(f) = stack.pop() {
        if !seen.insert(f) {
            continue;
        }
        for on in m.features.get(f).into_iter().flatten() {
            if !on.contains('/') && !on.starts_with("dep:") {
                stack.push(on.as_str());
            }
        }
    }
    seen
}

fn enables(m: &MemberFeatures, a: &str, b: &str) -> bool {
    closure(m, a).contains(b)
}

/// The builds as a GitHub Actions job: one matrix entry per build.
pub fn github_actions(builds: &[MatrixBuild], subcommand: &str) -> String {
    let mut yaml = String::from(
        "jobs:\n  features:\n    name: features (${{ matrix.name }})\n    runs-on: ubuntu-latest\n    strategy:\n      fail-fast: false\n      matrix:\n        include:\n",
    );
    for b in builds {
        let name = b.covers.join(" = ");
        yaml.push_str(&format!(
            "          - name: {}\n            flags: {}\n",
            quote(&name),
            quote(&b.flags)
        ));
    }
    yaml.push_str(&format!(
        "    steps:\n      - uses: actions/checkout@v4\n      - uses: dtolnay/rust-toolchain@stable\n      - run: cargo {subcommand} --locked ${{{{ matrix.flags }}}}\n"
    ));
    yaml
}

/// A YAML double-quoted scalar.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn member(features: &[(&str, &[&str])]) -> MemberFeatures {
        MemberFeatures {
            name: "m".to_owned(),
            features: features
                .iter()
                .map(|(f, on)| {
                    (
                        (*f).to_owned(),
                        on.iter().map(|s| (*s).to_owned()).collect(),
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            dependencies: Vec::new(),
        }
    }

    fn flags(sets: &[SetSpec]) -> Vec<String> {
        sets.iter().map(|s| s.flags()).collect()
    }

    #[test]
    fn the_model_follows_cargo_hack_lists() {
        // As cargo hack 0.6 lists grep-printer (`default = ["serde"]`) and grep (an implicit
        // feature for `grep-pcre2`).
        let printer = member(&[
            ("default", &["serde"]),
            ("serde", &["dep:serde", "dep:serde_json"]),
        ]);
        assert_eq!(
            flags(&model(
                HackList::EachFeature,
                std::slice::from_ref(&printer)
            )),
            [
                "-p m --no-default-features",
                "-p m",
                "-p m --no-default-features --features serde",
                "-p m --all-features"
            ]
        );
        assert_eq!(
            flags(&model(HackList::PowersetDepth2, &[printer])),
            [
                "-p m --no-default-features",
                "-p m",
                "-p m --no-default-features --features serde"
            ]
        );
        let grep = member(&[
            ("avx-accel", &[]),
            ("grep-pcre2", &["dep:grep-pcre2"]),
            ("pcre2", &["grep-pcre2"]),
            ("simd-accel", &[]),
        ]);
        let pairs = model(HackList::PowersetDepth2, &[grep]);
        assert_eq!(pairs.len(), 1 + 3 + 3 + 1);
        assert!(
            flags(&pairs)
                .contains(&"-p m --no-default-features --features avx-accel,pcre2".to_owned())
        );
        assert_eq!(
            flags(&model(HackList::EachFeature, &[member(&[])])),
            ["-p m"]
        );
    }

    #[test]
    fn cargo_hack_lines_become_sets_of_members() {
        let root = Path::new("/nonexistent-ws");
        let members = [("globset".to_owned(), root.join("crates/globset/Cargo.toml"))];
        let s = parse_command(
            "cargo check --manifest-path crates/globset/Cargo.toml --no-default-features --features arbitrary,default",
            root,
            &members,
        )
        .unwrap();
        // cargo resolves `--no-default-features --features default,x` as `--features x`.
        assert_eq!(s.flags(), "-p globset --features arbitrary");
        assert!(parse_command("warning: something", root, &members).is_none());
    }

    #[test]
    fn github_actions_quote_what_they_are_given() {
        let yaml = github_actions(
            &[MatrixBuild {
                package: "a".to_owned(),
                flags: "-p a --features \"x\"".to_owned(),
                command: String::new(),
                covers: vec!["a:x".to_owned(), "a:all-features".to_owned()],
                predicted_s: None,
            }],
            "check",
        );
        assert!(
            yaml.contains(
                "- name: \"a:x = a:all-features\"\n            flags: \"-p a --features \\\"x\\\"\""
            ),
            "{yaml}"
        );
        assert!(
            yaml.contains("run: cargo check --locked ${{ matrix.flags }}"),
            "{yaml}"
        );
    }
}
