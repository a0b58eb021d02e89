//! Which dependencies `hint-mostly-unused=PKG` or `dylib=PKG` may pay for, from one timed build:
//! how long each took to compile, and how much of the workspace's binaries its code makes up
//! (the binaries' symbol sizes, read with `nm`).
//!
//! - A dependency whose compilation is a large share of the build's CPU time while its code is
//!   a small share of every binary is built mostly for nothing: the hint defers its code
//!   generation to the crates that use it.
//! - A dependency whose code is a large share of a member's binary is what every edit of that
//!   member relinks: a dylib links it once.
//!
//! Both are suggestions to measure, never to apply blindly: the finding's help is a `try`.

use std::collections::{BTreeMap, BTreeSet};

use cargo_tune_schema::{
    BinaryCode, CrateBytes, Finding, FindingCode, SuggestedChange, Suggestion, TimingsReport,
};
use serde_json::json;

use super::BuildTimings;
use super::analysis::cost;

/// Compile-time share above which a dependency's build counts as large.
const LARGE_BUILD: f64 = 0.10;
/// Code share below which its use counts as small, in every binary.
const SMALL_USE: f64 = 0.02;
/// Code share of one binary above which a dependency dominates its link.
const DOMINANT: f64 = 0.20;
/// Crates kept per binary in the report.
const KEPT: usize = 15;

/// The crate a demangled symbol's code belongs to: the first path segment (`tokio` in
/// `<tokio::runtime::Runtime>::block_on::<…>`, `core` in `<[u8] as core::fmt::Debug>::fmt`);
/// `None` for symbols that are not Rust paths (C functions, linker symbols).
pub fn crate_of_symbol(symbol: &str) -> Option<&str> {
    let bytes = symbol.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            // `to_vec_in::<u8>` is a function's generic arguments, not a path below it.
            if symbol[i..].starts_with("::") && !symbol[i..].starts_with("::<") {
                return Some(&symbol[start..i]);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Code bytes per crate in one binary, from `nm -C --print-size --defined-only` (text symbols
/// only): the total, and the crates largest first.
pub fn code_by_crate(nm: &str) -> (u64, Vec<CrateBytes>) {
    let mut total = 0;
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for line in nm.lines() {
        let mut parts = line.splitn(4, ' ');
        let (Some(_addr), Some(size), Some(kind), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !matches!(kind, "t" | "T" | "W" | "w") {
            continue;
        }
        let Ok(size) = u64::from_str_radix(size, 16) else {
            continue;
        };
        total += size;
        let krate = crate_of_symbol(name).unwrap_or("(not Rust)");
        *by.entry(krate.to_owned()).or_default() += size;
    }
    let mut list: Vec<CrateBytes> = by
        .into_iter()
        .map(|(crate_name, bytes)| CrateBytes { crate_name, bytes })
        .collect();
    list.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.crate_name.cmp(&b.crate_name)));
    list.truncate(KEPT);
    (total, list)
}

/// The one binary's share of code that `krate` makes up.
fn share(binary: &BinaryCode, krate: &str) -> f64 {
    let bytes = binary
        .by_crate
        .iter()
        .find(|c| c.crate_name == krate)
        .map_or(0, |c| c.bytes);
    if binary.bytes == 0 {
        0.0
    } else {
        bytes as f64 / binary.bytes as f64
    }
}

/// `heavy-dependency` findings from a saved timings report: each non-member library whose build
/// is large and use small (suggesting `hint-mostly-unused=PKG`) or whose code dominates a
/// member's binary (suggesting `dylib=PKG`, when a member depends on it directly).
/// `members` are the workspace's package names, `direct` the packages members depend on.
pub fn findings(
    report: &TimingsReport,
    t: &BuildTimings,
    spread: Option<f64>,
    members: &BTreeSet<String>,
    direct: &BTreeSet<String>,
) -> Vec<Finding> {
    if report.binaries.is_empty() {
        return Vec::new();
    }
    let total_cpu = report.shares.total_cpu_s.max(f64::MIN_POSITIVE);
    let mut out = Vec::new();
    let libs: BTreeSet<&str> = t
        .units
        .iter()
        .filter(|u| u.kind == "lib" && !members.contains(&u.name))
        .map(|u| u.name.as_str())
        .collect();
    for name in libs {
        let units: Vec<usize> = t
            .units
            .iter()
            .filter(|u| u.name == name && u.kind == "lib")
            .map(|u| u.index)
            .collect();
        let cpu: f64 = t
            .units
            .iter()
            .filter(|u| units.contains(&u.index))
            .map(|u| u.duration_s)
            .sum();
        let krate = name.replace('-', "_");
        let shares: Vec<(String, f64)> = report
            .binaries
            .iter()
            .map(|b| (b.target.clone(), share(b, &krate)))
            .collect();
        let largest = shares
            .iter()
            .cloned()
            .fold((String::new(), 0.0), |a, b| if b.1 > a.1 { b } else { a });
        let build_share = cpu / total_cpu;
        let mut suggestions = Vec::new();
        let mut why = Vec::new();
        if build_share >= LARGE_BUILD && shares.iter().all(|(_, s)| *s <= SMALL_USE) {
            why.push(format!(
                "its build takes {:.0}% of the build's CPU time ({cpu:.1} s), and its code is at most {:.1}% of any binary",
                build_share * 100.0,
                largest.1 * 100.0
            ));
            suggestions.push(Suggestion::new(
                format!("measure rustc's hint that most of {name} goes unused (unstable): `cargo tune try hint-mostly-unused={name}`"),
                SuggestedChange::HintMostlyUnused {
                    package: name.to_owned(),
                },
            ));
        }
        if largest.1 >= DOMINANT && direct.contains(name) {
            why.push(format!(
                "its code is {:.0}% of the binary {}, which every edit relinks",
                largest.1 * 100.0,
                largest.0
            ));
            suggestions.push(Suggestion::new(
                format!("measure linking it as a Rust dylib in dev builds: `cargo tune try dylib={name} --scenario dev-incremental`"),
                SuggestedChange::DylibFacade {
                    package: name.to_owned(),
                },
            ));
        }
        if suggestions.is_empty() {
            continue;
        }
        let mut finding = Finding::new(
            FindingCode::HeavyDependency,
            name,
            format!("{name}: {}", why.join("; ")),
        )
        .with_evidence(json!({
            "cpu_s": super::analysis::round(cpu),
            "build_share": super::analysis::round(build_share),
            "binary_share": shares
                .iter()
                .map(|(b, s)| json!({ "binary": b, "share": super::analysis::round(*s) }))
                .collect::<Vec<_>>(),
        }));
        for s in suggestions {
            finding = finding.with_suggestion(s);
        }
        finding.cost = Some(cost(t, &units, spread));
        out.push(finding);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_belong_to_the_first_crate_of_their_path() {
        assert_eq!(
            crate_of_symbol("<tokio::runtime::Runtime>::block_on::<app::main::{closure#0}>"),
            Some("tokio")
        );
        assert_eq!(
            crate_of_symbol("<[u8] as core::fmt::Debug>::fmt"),
            Some("core")
        );
        assert_eq!(
            crate_of_symbol("miniz_oxide::inflate::core::decompress"),
            Some("miniz_oxide")
        );
        assert_eq!(crate_of_symbol("memcpy"), None);
        assert_eq!(crate_of_symbol("to_vec_in::<u8>"), None);
        assert_eq!(crate_of_symbol("_start"), None);
    }

    #[test]
    fn only_text_symbols_count_and_crates_sum() {
        let nm = "\
0000000000001000 0000000000000100 T app::main
0000000000002000 0000000000000300 t <tokio::runtime::Runtime>::new
0000000000003000 0000000000000200 t tokio::spawn
0000000000004000 0000000000000050 D tokio::DATA
0000000000005000 0000000000000010 T memcpy
";
        let (total, by) = code_by_crate(nm);
        assert_eq!(total, 0x100 + 0x300 + 0x200 + 0x10);
        assert_eq!(by[0].crate_name, "tokio");
        assert_eq!(by[0].bytes, 0x500);
        assert_eq!(by.last().unwrap().crate_name, "(not Rust)");
    }
}
