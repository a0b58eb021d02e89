//! What macro expansion costs the workspace's crates: per crate, every macro's invocations and
//! the code they generate (rustc's `-Z macro-stats`), the time each proc-macro took to expand
//! (rustc's `-Z self-profile` with arguments, see [`super::self_profile`]) and the whole
//! expansion pass (`-Z time-passes`); then the top macros, which proc-macro package each comes
//! from, and which crates call them.
//!
//! Parsers take text and never do I/O: cargo replays the stored output of fresh units one unit
//! at a time, and that replay is what [`parse_replay`] reads.

use std::collections::{BTreeMap, BTreeSet};

use cargo_tune_schema::{CrateMacros, ExpansionCost, MacroExpansion, MacroTotal, MacroUse};

/// One row of a `-Z macro-stats` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroRow {
    /// As rustc prints it: `#[derive(Serialize)]`, `#[tokio::main]`, `println!`.
    pub name: String,
    /// Invocations.
    pub uses: u64,
    /// Lines of code generated.
    pub lines: u64,
    /// Bytes of code generated.
    pub bytes: u64,
}

/// What the replay of an instrumented build says about one crate (summed over its units when
/// several share a crate name, such as a library and a binary).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrateStats {
    /// The macro-stats rows, by name.
    pub rows: BTreeMap<String, MacroRow>,
    /// `macro_expand_crate` of `-Z time-passes`, seconds; `None` when it was not printed.
    pub expansion_pass_s: Option<f64>,
}

const PREFIX: &str = "macro-stats ";

fn number(text: &str) -> Option<u64> {
    text.replace('_', "").parse().ok()
}

fn decimal(text: &str) -> Option<f64> {
    text.replace('_', "").parse().ok()
}

/// The row in `rest` (a line without its prefix): the name, then five numbers (uses, lines,
/// average lines, bytes, average bytes). A name too long for its column stands alone on the
/// line before, and `pending` holds it.
fn row(rest: &str, pending: &mut Option<String>) -> Option<MacroRow> {
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    if tokens.len() >= 5 {
        let n = tokens.len();
        let numbers = (
            number(tokens[n - 5]),
            number(tokens[n - 4]),
            decimal(tokens[n - 3]),
            number(tokens[n - 2]),
            decimal(tokens[n - 1]),
        );
        if let (Some(uses), Some(lines), Some(_), Some(bytes), Some(_)) = numbers {
            let name = tokens[..n - 5].join(" ");
            let name = if name.is_empty() {
                pending.take()?
            } else {
                name
            };
            *pending = None;
            return Some(MacroRow {
                name,
                uses,
                lines,
                bytes,
            });
        }
    }
    let text = rest.trim();
    if !text.is_empty() {
        *pending = Some(text.to_owned());
    }
    None
}

/// Reads the replay of an instrumented build: for each unit (after cargo's `Fresh`,
/// `Compiling` or `Running` line), its macro-stats table (`MACRO EXPANSION STATS: <crate>`) and
/// the `macro_expand_crate` line of `-Z time-passes` (JSON form). Other lines are ignored.
pub fn parse_replay<'a>(lines: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, CrateStats> {
    let mut out: BTreeMap<String, CrateStats> = BTreeMap::new();
    // The crate of the current unit's table, its rows, and its expansion pass.
    let mut krate: Option<String> = None;
    let mut rows: Vec<MacroRow> = Vec::new();
    let mut pass: Option<f64> = None;
    let mut pending: Option<String> = None;
    let mut in_table = false;
    let mut flush =
        |krate: &mut Option<String>, rows: &mut Vec<MacroRow>, pass: &mut Option<f64>| {
            if let Some(name) = krate.take() {
                let stats = out.entry(name).or_default();
                for r in rows.drain(..) {
                    let slot = stats.rows.entry(r.name.clone()).or_insert(MacroRow {
                        name: r.name.clone(),
                        uses: 0,
                        lines: 0,
                        bytes: 0,
                    });
                    slot.uses += r.uses;
                    slot.lines += r.lines;
                    slot.bytes += r.bytes;
                }
                if let Some(p) = pass.take() {
                    *stats.expansion_pass_s.get_or_insert(0.0) += p;
                }
            }
            rows.clear();
            *pass = None;
        };
    for line in lines {
        let status = line.trim_start();
        if ["Fresh ", "Compiling ", "Running "]
            .iter()
            .any(|s| status.starts_with(s))
            && line.starts_with(' ')
        {
            flush(&mut krate, &mut rows, &mut pass);
            in_table = false;
            continue;
        }
        if let Some(json) = line.strip_prefix("time: ") {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(json.trim())
                && v["pass"] == "macro_expand_crate"
            {
                pass = v["time"].as_f64();
            }
            continue;
        }
        let Some(rest) = line.strip_prefix(PREFIX) else {
            continue;
        };
        if let Some(name) = rest.trim().strip_prefix("MACRO EXPANSION STATS: ") {
            // A second table in one unit's output would be another unit's: keep them apart.
            if krate.is_some() {
                flush(&mut krate, &mut rows, &mut pass);
            }
            krate = Some(name.trim().to_owned());
            in_table = true;
            pending = None;
            continue;
        }
        let trimmed = rest.trim();
        if !in_table
            || trimmed.starts_with("Macro Name")
            || trimmed.chars().all(|c| c == '=' || c == '-')
        {
            continue;
        }
        if let Some(r) = row(rest, &mut pending) {
            rows.push(r);
        }
    }
    flush(&mut krate, &mut rows, &mut pass);
    out
}

/// What kind of macro a proc-macro function defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MacroKind {
    /// `#[derive(Name)]`.
    Derive,
    /// `#[name]`.
    Attribute,
    /// `name!(…)`.
    Bang,
}

/// The macros a proc-macro crate's root (`lib.rs`) defines: rustc requires every
/// `#[proc_macro*]` function there.
pub fn exported_macros(lib_rs: &str) -> Vec<(MacroKind, String)> {
    let mut out = Vec::new();
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = lib_rs;
    while let Some(at) = rest.find("#[proc_macro") {
        let after = &rest[at + "#[proc_macro".len()..];
        let (kind, body) = if let Some(b) = after.strip_prefix("_derive") {
            (MacroKind::Derive, b)
        } else if let Some(b) = after.strip_prefix("_attribute") {
            (MacroKind::Attribute, b)
        } else {
            (MacroKind::Bang, after)
        };
        let name = if kind == MacroKind::Derive {
            body.trim_start()
                .strip_prefix('(')
                .map(ident)
                .unwrap_or_default()
        } else if body.trim_start().starts_with(']') {
            body.find("fn ")
                .map(|f| ident(&body[f + 3..]))
                .unwrap_or_default()
        } else {
            String::new()
        };
        if !name.is_empty() && !out.contains(&(kind, name.clone())) {
            out.push((kind, name));
        }
        rest = after;
    }
    out
}

/// The kind and the last path segment of a macro as `-Z macro-stats` names it.
pub fn invoked(name: &str) -> Option<(MacroKind, String)> {
    let last = |path: &str| path.rsplit("::").next().unwrap_or(path).trim().to_owned();
    if let Some(inner) = name
        .strip_prefix("#[derive(")
        .and_then(|s| s.strip_suffix(")]"))
    {
        return Some((MacroKind::Derive, last(inner)));
    }
    if let Some(inner) = name.strip_prefix("#[").and_then(|s| s.strip_suffix(']')) {
        return Some((MacroKind::Attribute, last(inner)));
    }
    name.strip_suffix('!').map(|p| (MacroKind::Bang, last(p)))
}

/// The proc-macro packages, each with the macros its root defines.
pub type Exporters = Vec<(String, Vec<(MacroKind, String)>)>;

/// The proc-macro package that defines `name`, when exactly one does.
fn source_of(name: &str, exporters: &Exporters) -> Option<String> {
    let wanted = invoked(name)?;
    let mut found = exporters
        .iter()
        .filter(|(_, macros)| macros.contains(&wanted))
        .map(|(package, _)| package.clone());
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Expansion times of one crate, from its self-profile: nanoseconds and invocations per macro.
pub type CrateTimes = BTreeMap<String, (u64, u64)>;

/// Where the inputs of [`assemble`] came from.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// The instrumented cargo command.
    pub command: String,
    /// What gave the times (`rustc -Z self-profile (measureme format 9)`), or `None`.
    pub times: Option<String>,
    /// Why times are missing, or anything else the reader should know.
    pub note: Option<String>,
}

/// Seconds to the microsecond: one derive often takes well under a millisecond.
fn micro(s: f64) -> f64 {
    (s * 1e6).round() / 1e6 + 0.0
}

fn secs(ns: u64) -> f64 {
    micro(ns as f64 / 1e9)
}

/// The report section: per crate (with the package it belongs to), the top macros over all
/// crates with their callers, and the total per proc-macro package. Ranked by expansion time
/// when there are times, else by generated bytes.
pub fn assemble(
    stats: &BTreeMap<String, CrateStats>,
    times: &BTreeMap<String, CrateTimes>,
    exporters: &Exporters,
    package_of: &BTreeMap<String, String>,
    provenance: Provenance,
) -> MacroExpansion {
    let timed = provenance.times.is_some();
    let mut crates = Vec::new();
    let mut totals: BTreeMap<String, MacroTotal> = BTreeMap::new();
    for (krate, s) in stats {
        let crate_times = times.get(krate);
        let mut macros: Vec<MacroUse> = s
            .rows
            .values()
            .map(|r| MacroUse {
                name: r.name.clone(),
                proc_macro: source_of(&r.name, exporters),
                uses: r.uses,
                lines: r.lines,
                bytes: r.bytes,
                expansion_s: crate_times
                    .and_then(|t| t.get(&r.name))
                    .map(|(ns, _)| secs(*ns)),
            })
            .collect();
        sort_by_cost(&mut macros, timed, cost_key);
        let proc_macro_ns: Option<u64> = crate_times
            .filter(|t| !t.is_empty())
            .map(|t| t.values().map(|(ns, _)| ns).sum());
        for m in &macros {
            let total = totals.entry(m.name.clone()).or_insert_with(|| MacroTotal {
                summed: MacroUse {
                    uses: 0,
                    lines: 0,
                    bytes: 0,
                    expansion_s: None,
                    ..m.clone()
                },
                callers: Vec::new(),
            });
            let sum = &mut total.summed;
            sum.uses += m.uses;
            sum.lines += m.lines;
            sum.bytes += m.bytes;
            if let Some(t) = m.expansion_s {
                *sum.expansion_s.get_or_insert(0.0) += t;
            }
            total.callers.push(krate.clone());
        }
        crates.push(CrateMacros {
            crate_name: krate.clone(),
            package: package_of.get(krate).cloned(),
            expansion_pass_s: s.expansion_pass_s.map(micro),
            proc_macro_expansion_s: proc_macro_ns.map(secs),
            macros,
        });
    }
    let mut top: Vec<MacroTotal> = totals.into_values().collect();
    for t in &mut top {
        t.summed.expansion_s = t.summed.expansion_s.map(micro);
    }
    sort_by_cost(&mut top, timed, |t| cost_key(&t.summed));
    crates.sort_by(|a, b| {
        let key = |c: &CrateMacros| {
            if timed {
                c.proc_macro_expansion_s.unwrap_or(0.0)
            } else {
                c.macros.iter().map(|m| m.bytes).sum::<u64>() as f64
            }
        };
        key(b)
            .total_cmp(&key(a))
            .then(a.crate_name.cmp(&b.crate_name))
    });
    let mut proc_macros: BTreeMap<String, ExpansionCost> = BTreeMap::new();
    for t in &top {
        if let Some(package) = &t.summed.proc_macro {
            let cost = proc_macros.entry(package.clone()).or_default();
            add(cost, t);
        }
    }
    let mut proc_macros: Vec<(String, ExpansionCost)> = proc_macros.into_iter().collect();
    proc_macros.sort_by(|a, b| {
        let key = |c: &ExpansionCost| c.expansion_s.unwrap_or(0.0);
        key(&b.1)
            .total_cmp(&key(&a.1))
            .then(b.1.bytes.cmp(&a.1.bytes))
            .then(a.0.cmp(&b.0))
    });
    MacroExpansion {
        command: provenance.command,
        times: provenance.times,
        ranked_by: if timed {
            "expansion-time"
        } else {
            "generated-bytes"
        }
        .to_owned(),
        note: provenance.note,
        crates,
        top,
        proc_macros: proc_macros
            .into_iter()
            .map(|(package, cost)| cargo_tune_schema::ProcMacroExpansion { package, cost })
            .collect(),
    }
}

fn add(cost: &mut ExpansionCost, t: &MacroTotal) {
    let m = &t.summed;
    cost.uses += m.uses;
    cost.lines += m.lines;
    cost.bytes += m.bytes;
    if let Some(s) = m.expansion_s {
        let sum = cost.expansion_s.unwrap_or(0.0) + s;
        cost.expansion_s = Some(micro(sum));
    }
    cost.macros.push(m.name.clone());
    for c in &t.callers {
        if !cost.callers.contains(c) {
            cost.callers.push(c.clone());
        }
    }
    cost.callers.sort();
}

/// What [`sort_by_cost`] ranks a macro by.
fn cost_key(m: &MacroUse) -> (Option<f64>, u64, &str) {
    (m.expansion_s, m.bytes, m.name.as_str())
}

/// Costliest first: by expansion time where it was timed, then by the code generated, then by
/// name.
fn sort_by_cost<T>(
    items: &mut [T],
    timed: bool,
    key: impl for<'a> Fn(&'a T) -> (Option<f64>, u64, &'a str),
) {
    let time = |t: Option<f64>| if timed { t.unwrap_or(0.0) } else { 0.0 };
    items.sort_by(|a, b| {
        let (a_s, a_bytes, a_name) = key(a);
        let (b_s, b_bytes, b_name) = key(b);
        time(b_s)
            .total_cmp(&time(a_s))
            .then(b_bytes.cmp(&a_bytes))
            .then(a_name.cmp(b_name))
    });
}

/// What the macros of `packages` (proc-macro package names) cost in every crate that calls
/// them; `None` when none of them was called.
pub fn cost_of_packages(m: &MacroExpansion, packages: &BTreeSet<String>) -> Option<ExpansionCost> {
    let mut cost = ExpansionCost::default();
    for t in m.top.iter().filter(|t| {
        t.summed
            .proc_macro
            .as_ref()
            .is_some_and(|p| packages.contains(p))
    }) {
        add(&mut cost, t);
    }
    (!cost.macros.is_empty()).then_some(cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLAY: &str = "\
       Fresh serde v1.0.229
       Fresh app1 v0.1.0 (/tmp/app1)
time: {\"pass\":\"expand_crate\",\"time\":0.022356566,\"rss_start\":1,\"rss_end\":2}
time: {\"pass\":\"macro_expand_crate\",\"time\":0.02274994,\"rss_start\":1,\"rss_end\":2}
macro-stats ===================================================================================
macro-stats MACRO EXPANSION STATS: app1
macro-stats Macro Name                         Uses      Lines  Avg Lines      Bytes  Avg Bytes
macro-stats -----------------------------------------------------------------------------------
macro-stats #[derive(Deserialize)]                2        468      234.0     28_173   14_086.5
macro-stats #[derive(Parser)]                     1        191      191.0      9_570    9_570.0
macro-stats clap::value_parser!                   4         20        5.0        592      148.0
macro-stats _serde::__require_serde_not_serde_core!
macro-stats                                       4          4        1.0          0        0.0
macro-stats ===================================================================================
warning: unused variable: `x`
       Fresh app1 v0.1.0 (/tmp/app1)
macro-stats ===================================================================================
macro-stats MACRO EXPANSION STATS: app1
macro-stats Macro Name                         Uses      Lines  Avg Lines      Bytes  Avg Bytes
macro-stats -----------------------------------------------------------------------------------
macro-stats #[derive(Parser)]                     2        382      191.0     19_140    9_570.0
macro-stats ===================================================================================
    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.10s
";

    #[test]
    fn the_replay_gives_each_crate_its_rows_and_expansion_pass_with_wrapped_names() {
        let got = parse_replay(REPLAY.lines());
        assert_eq!(got.len(), 1);
        let app = &got["app1"];
        assert_eq!(app.expansion_pass_s, Some(0.02274994));
        assert_eq!(app.rows["#[derive(Deserialize)]"].bytes, 28_173);
        // Two units of one crate name are summed.
        assert_eq!(app.rows["#[derive(Parser)]"].uses, 3);
        assert_eq!(app.rows["#[derive(Parser)]"].lines, 573);
        let wrapped = &app.rows["_serde::__require_serde_not_serde_core!"];
        assert_eq!((wrapped.uses, wrapped.lines, wrapped.bytes), (4, 4, 0));
        assert_eq!(app.rows.len(), 4);
    }

    #[test]
    fn proc_macros_are_found_at_the_crate_root_and_matched_by_kind_and_name() {
        let lib = r#"
            #[proc_macro_derive(Serialize, attributes(serde))]
            pub fn derive_serialize(input: TokenStream) -> TokenStream { x }
            /// Docs.
            #[proc_macro_attribute]
            #[doc(hidden)]
            pub fn main(args: TokenStream, item: TokenStream) -> TokenStream { x }
            #[proc_macro]
            pub fn html(input: TokenStream) -> TokenStream { x }
        "#;
        let macros = exported_macros(lib);
        assert_eq!(
            macros,
            [
                (MacroKind::Derive, "Serialize".to_owned()),
                (MacroKind::Attribute, "main".to_owned()),
                (MacroKind::Bang, "html".to_owned()),
            ]
        );
        let exporters: Exporters = vec![
            ("serde_derive".into(), macros),
            ("other".into(), vec![(MacroKind::Bang, "main".into())]),
        ];
        assert_eq!(
            source_of("#[derive(Serialize)]", &exporters).as_deref(),
            Some("serde_derive")
        );
        assert_eq!(
            source_of("#[derive(serde::Serialize)]", &exporters).as_deref(),
            Some("serde_derive")
        );
        assert_eq!(
            source_of("#[tokio::main]", &exporters).as_deref(),
            Some("serde_derive")
        );
        assert_eq!(source_of("main!", &exporters).as_deref(), Some("other"));
        assert_eq!(source_of("#[derive(Debug)]", &exporters), None);
        assert_eq!(source_of("println!", &exporters), None);
    }

    fn provenance(times: bool) -> Provenance {
        Provenance {
            command: "cargo build".into(),
            times: times.then(|| "rustc -Z self-profile".into()),
            note: None,
        }
    }

    #[test]
    fn macros_rank_by_time_when_timed_and_by_bytes_otherwise() {
        let stats = parse_replay(REPLAY.lines());
        let exporters: Exporters = vec![
            (
                "serde_derive".into(),
                vec![(MacroKind::Derive, "Deserialize".into())],
            ),
            (
                "clap_derive".into(),
                vec![(MacroKind::Derive, "Parser".into())],
            ),
        ];
        let package_of = BTreeMap::from([("app1".to_owned(), "app1".to_owned())]);
        let untimed = assemble(
            &stats,
            &BTreeMap::new(),
            &exporters,
            &package_of,
            provenance(false),
        );
        assert_eq!(untimed.ranked_by, "generated-bytes");
        // Two tables of `app1` hold 28,710 bytes of `Parser` against 28,173 of `Deserialize`.
        assert_eq!(untimed.top[0].summed.name, "#[derive(Parser)]");
        assert_eq!(untimed.top[0].summed.bytes, 28_710);
        assert_eq!(untimed.crates[0].package.as_deref(), Some("app1"));
        let times = BTreeMap::from([(
            "app1".to_owned(),
            BTreeMap::from([
                ("#[derive(Deserialize)]".to_owned(), (5_000_000u64, 2u64)),
                ("#[derive(Parser)]".to_owned(), (1_000_000, 3)),
            ]),
        )]);
        let timed = assemble(&stats, &times, &exporters, &package_of, provenance(true));
        assert_eq!(timed.ranked_by, "expansion-time");
        assert_eq!(timed.top[0].summed.name, "#[derive(Deserialize)]");
        assert_eq!(timed.top[0].summed.expansion_s, Some(0.005));
        assert_eq!(timed.top[0].callers, ["app1"]);
        assert_eq!(timed.crates[0].proc_macro_expansion_s, Some(0.006));
        assert_eq!(timed.proc_macros[0].package, "serde_derive");
        let cost = cost_of_packages(&timed, &BTreeSet::from(["serde_derive".to_owned()])).unwrap();
        assert_eq!(
            (cost.uses, cost.bytes, cost.expansion_s),
            (2, 28_173, Some(0.005))
        );
        assert!(cost_of_packages(&timed, &BTreeSet::from(["none".to_owned()])).is_none());
    }
}
