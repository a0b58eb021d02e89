//! `cargo tune plan`'s pure parts: the candidates of a goal, the decision of one round of the
//! greedy forward selection, the budget estimate, the fingerprint that ties a record to its
//! workspace and toolchain, and the record's TOML form.
//!
//! The search itself (building variants, measuring) belongs to the caller; every function here
//! takes values and returns values.

use cargo_tune_schema::{
    Fingerprint, Goal, PlanCandidate, PlanMeasurement, PlanRecord, PlanRejection, ScenarioResult,
    SuggestedChange, Verdict,
};
use serde_json::json;

use crate::edit::ops::LinkerSetup;
use crate::measure::Scenario;

/// The scenarios a goal is measured in.
pub fn scenarios(goal: Goal) -> Vec<Scenario> {
    match goal {
        Goal::Dev => vec![Scenario::DevIncremental, Scenario::DevClean],
        Goal::Release => vec![Scenario::ReleaseClean],
        _ => vec![Scenario::CiWarm],
    }
}

/// The linkers a plan may propose, faster ones first.
pub const LINKERS: &[&str] = &["mold", "lld", "wild"];

fn profile_set(
    profile: &str,
    package: Option<&str>,
    key: &str,
    value: serde_json::Value,
) -> SuggestedChange {
    SuggestedChange::ProfileSet {
        profile: profile.to_owned(),
        package: package.map(str::to_owned),
        build_override: false,
        key: key.to_owned(),
        value,
    }
}

fn candidate(
    id: &str,
    summary: &str,
    phase: u8,
    risk: &str,
    cost: &str,
    slot: &str,
    changes: Vec<SuggestedChange>,
) -> PlanCandidate {
    PlanCandidate {
        id: id.to_owned(),
        summary: summary.to_owned(),
        phase,
        cost: cost.to_owned(),
        risk: risk.to_owned(),
        slot: slot.to_owned(),
        changes,
    }
}

/// Every candidate for `goal` on a host (`host` triple), with the linkers that test-linked
/// here. The caller prunes those already in effect.
pub fn candidates(goal: Goal, host: &str, linkers: &[LinkerSetup]) -> Vec<PlanCandidate> {
    let mut out = Vec::new();
    let profile = if goal == Goal::Release {
        "release"
    } else {
        "dev"
    };
    if goal == Goal::Release {
        out.push(candidate(
            "release-lto-off",
            "turn LTO off in release (`lto = \"off\"`)",
            1,
            "medium",
            "no link-time optimisation, not even thin-local: the code can be slower",
            "profile.release.lto",
            vec![profile_set("release", None, "lto", json!("off"))],
        ));
        out.push(candidate(
            "release-codegen-units-256",
            "split release crates into 256 codegen units",
            1,
            "medium",
            "fewer cross-function optimisations inside a crate: the code can be slower",
            "profile.release.codegen-units",
            vec![profile_set("release", None, "codegen-units", json!(256))],
        ));
        out.push(candidate(
            "release-incremental",
            "build release incrementally",
            1,
            "low",
            "a larger target directory and slightly slower code",
            "profile.release.incremental",
            vec![profile_set("release", None, "incremental", json!(true))],
        ));
    }
    out.push(candidate(
        &format!("{profile}-debug-0"),
        &format!("no debuginfo for workspace crates in {profile} (`debug = 0`)"),
        1,
        "low",
        "debuggers see no lines or variables in workspace code; panics' backtraces keep function names but lose file:line",
        &format!("profile.{profile}.debug"),
        vec![profile_set(profile, None, "debug", json!(0))],
    ));
    out.push(candidate(
        &format!("{profile}-debug-line-tables-only"),
        &format!("line tables only for workspace crates in {profile}"),
        1,
        "low",
        "debuggers see lines and backtraces keep file:line, but no variables or types",
        &format!("profile.{profile}.debug"),
        vec![profile_set(
            profile,
            None,
            "debug",
            json!("line-tables-only"),
        )],
    ));
    out.push(candidate(
        &format!("{profile}-deps-debug-0"),
        &format!("no debuginfo for dependencies in {profile}"),
        1,
        "low",
        "stepping into dependency code in a debugger shows no lines or variables",
        &format!("profile.{profile}.package.\"*\".debug"),
        vec![profile_set(profile, Some("*"), "debug", json!(0))],
    ));
    if host.contains("linux") {
        out.push(candidate(
            &format!("{profile}-split-debuginfo-unpacked"),
            &format!("leave debuginfo in the object files in {profile} (`split-debuginfo = \"unpacked\"`)"),
            1,
            "low",
            "a binary copied out of target/ loses its debuginfo",
            &format!("profile.{profile}.split-debuginfo"),
            vec![profile_set(profile, None, "split-debuginfo", json!("unpacked"))],
        ));
    }
    if goal == Goal::Ci {
        let env = |var: &str, value: &str| SuggestedChange::Env {
            var: var.to_owned(),
            value: value.to_owned(),
        };
        out.push(candidate(
            "ci-target-cache",
            "cache the target directory in CI, keyed by toolchain, Cargo.lock and profile",
            2,
            "low",
            "cache storage and a restore step; a stale cache only costs time, since cargo rebuilds what changed",
            "ci.target-cache",
            vec![SuggestedChange::CiCache {
                layer: "target-dir".to_owned(),
            }],
        ));
        // Alone, checksum freshness only adds hashing; it pays with a restored target
        // directory, so it is proposed with one, in the same slot.
        out.push(candidate(
            "ci-target-cache-checksum-freshness",
            "cache the target directory in CI and judge freshness by content hash, not mtime (`-Z checksum-freshness`), so the restored directory survives a fresh checkout",
            2,
            "medium",
            "an unstable cargo feature: a nightly toolchain, or RUSTC_BOOTSTRAP=1 on stable, which unlocks every unstable feature for the build",
            "ci.target-cache",
            vec![
                SuggestedChange::CiCache {
                    layer: "target-dir".to_owned(),
                },
                env("CARGO_UNSTABLE_CHECKSUM_FRESHNESS", "true"),
                env("RUSTC_BOOTSTRAP", "1"),
            ],
        ));
        out.push(candidate(
            "ci-sccache",
            "compile through sccache with incremental compilation off, so workspace members are cached too",
            2,
            "medium",
            "sccache on every runner and a cache backend (its directory in the CI cache, or a shared Redis)",
            "ci.sccache",
            vec![env("RUSTC_WRAPPER", "sccache"), env("CARGO_INCREMENTAL", "0")],
        ));
        out.push(candidate(
            "dev-incremental-off",
            "build dev without incremental compilation (CI builds start from scratch)",
            1,
            "low",
            "local edit-build cycles rebuild whole crates if developers use the same profile",
            "profile.dev.incremental",
            vec![profile_set("dev", None, "incremental", json!(false))],
        ));
    }
    for setup in linkers.iter().filter(|l| l.flags.is_ok()) {
        if !LINKERS.contains(&setup.linker.as_str()) {
            continue;
        }
        out.push(candidate(
            &format!("linker-{}", setup.linker),
            &format!("link with {}", setup.linker),
            2,
            "medium",
            &format!(
                "{} must be installed on every machine that builds",
                setup.linker
            ),
            "linker",
            vec![SuggestedChange::UseLinker {
                linker: setup.linker.clone(),
            }],
        ));
    }
    out
}

/// The CI cache layers of the chosen steps; `sccache` says where sccache's cache lives in CI.
pub fn ci_layers(
    chosen: &[&PlanCandidate],
    sccache: &crate::cache::Backend,
) -> crate::cache::ci::CiLayers {
    let mut layers = crate::cache::ci::CiLayers::default();
    for change in chosen.iter().flat_map(|c| &c.changes) {
        match change {
            SuggestedChange::CiCache { layer } if layer == "target-dir" => {
                layers.target_dir = true;
            }
            SuggestedChange::Env { var, value } => match (var.as_str(), value.as_str()) {
                ("CARGO_UNSTABLE_CHECKSUM_FRESHNESS", "true") => layers.checksum_freshness = true,
                ("RUSTC_WRAPPER", "sccache") => layers.sccache = Some(sccache.clone()),
                ("CARGO_INCREMENTAL", "0") => layers.incremental_off = true,
                _ => {}
            },
            SuggestedChange::ProfileSet { key, value, .. }
                if key == "incremental" && *value == json!(false) =>
            {
                layers.incremental_off = true;
            }
            _ => {}
        }
    }
    layers
}

/// The measurements of `candidate` in one round (`results` of a `compare_candidates` run whose
/// variant for it is named by its id).
pub fn measurements(results: &[ScenarioResult], candidate: &str) -> Vec<PlanMeasurement> {
    results
        .iter()
        .filter_map(|s| {
            let c = s.comparisons.iter().find(|c| c.candidate == candidate)?;
            Some(PlanMeasurement {
                candidate: candidate.to_owned(),
                scenario: s.scenario.clone(),
                verdict: c.verdict,
                ratio: c.ratio,
                interval: c.interval,
                baseline_s: c.baseline_median,
            })
        })
        .collect()
}

/// What one round decided.
#[derive(Debug, Default, PartialEq)]
pub struct RoundDecision {
    /// The candidate to take: faster in a scenario, slower or failed in none, and of those the
    /// lowest mean log ratio.
    pub chosen: Option<String>,
    /// Candidates out of the search for good: failed, slower, or an alternative for the slot
    /// just taken.
    pub rejected: Vec<PlanRejection>,
}

/// Decides a round from each remaining candidate's measurements. Candidates that are neither
/// taken nor rejected (noise, inconclusive) stay for the next round.
pub fn decide(remaining: &[&PlanCandidate], measured: &[Vec<PlanMeasurement>]) -> RoundDecision {
    let mut decision = RoundDecision::default();
    let mut best: Option<(f64, usize)> = None;
    for (i, (candidate, ms)) in remaining.iter().zip(measured).enumerate() {
        let reject = |reason: String| PlanRejection {
            candidate: candidate.id.clone(),
            reason,
            measurements: ms.clone(),
        };
        if let Some(m) = ms.iter().find(|m| m.verdict == Verdict::Failed) {
            decision
                .rejected
                .push(reject(format!("failed to build in {}", m.scenario)));
            continue;
        }
        if let Some(m) = ms.iter().find(|m| m.verdict == Verdict::Slower) {
            decision.rejected.push(reject(format!(
                "slower in {} ({})",
                m.scenario,
                m.ratio.map_or_else(String::new, |r| format!("{r:.3}"))
            )));
            continue;
        }
        if !ms.iter().any(|m| m.verdict == Verdict::Faster) {
            continue;
        }
        let score = ms.iter().filter_map(|m| m.ratio).map(f64::ln).sum::<f64>() / ms.len() as f64;
        if best.is_none_or(|(b, _)| score < b) {
            best = Some((score, i));
        }
    }
    if let Some((_, i)) = best {
        let chosen = remaining[i];
        decision.chosen = Some(chosen.id.clone());
        for (other, ms) in remaining.iter().zip(measured) {
            if other.id != chosen.id
                && other.slot == chosen.slot
                && !decision.rejected.iter().any(|r| r.candidate == other.id)
            {
                decision.rejected.push(PlanRejection {
                    candidate: other.id.clone(),
                    reason: format!(
                        "an alternative for {} to {}, which measured faster",
                        other.slot, chosen.id
                    ),
                    measurements: ms.clone(),
                });
            }
        }
    }
    decision
}

/// Estimated seconds of one round of `variants` (baseline included): each variant costs what
/// the probe of the baseline cost (`probe_s`: a warm-up and one run in every scenario) plus
/// `runs - 1` more runs of `run_s` (the sum over scenarios of one measured build).
pub fn round_estimate(variants: usize, runs: usize, probe_s: f64, run_s: f64) -> f64 {
    variants as f64 * (probe_s + runs.saturating_sub(1) as f64 * run_s)
}

/// FNV-1a, 64 bits, in hex: enough to notice that a file changed, without a dependency.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// What differs between the fingerprint a record was measured on and the current one, in
/// words; empty when nothing does.
pub fn differences(recorded: &Fingerprint, now: &Fingerprint) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, a: Option<&str>, b: Option<&str>| {
        if a != b {
            out.push(format!(
                "{what}: {} in the plan, {} now",
                a.unwrap_or("none"),
                b.unwrap_or("none")
            ));
        }
    };
    check("rustc", Some(&recorded.rustc), Some(&now.rustc));
    check("host", Some(&recorded.host), Some(&now.host));
    check("commit", recorded.commit.as_deref(), now.commit.as_deref());
    check(
        "Cargo.lock",
        recorded.lockfile.as_deref(),
        now.lockfile.as_deref(),
    );
    check(
        "root Cargo.toml",
        Some(&recorded.root_manifest),
        Some(&now.root_manifest),
    );
    out
}

/// A record's TOML form (nulls are left out, as TOML has none).
pub fn to_toml(record: &PlanRecord) -> String {
    let value = serde_json::to_value(record).unwrap_or_default();
    let mut doc = toml_edit::DocumentMut::new();
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            if let Some(item) = item_of(&v) {
                doc.insert(&k, item);
            }
        }
    }
    doc.to_string()
}

fn value_of(v: &serde_json::Value) -> Option<toml_edit::Value> {
    Some(match v {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(b) => (*b).into(),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64()?.into(),
        },
        serde_json::Value::String(s) => s.as_str().into(),
        serde_json::Value::Array(items) => {
            toml_edit::Value::Array(items.iter().filter_map(value_of).collect())
        }
        serde_json::Value::Object(map) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, v) in map {
                if let Some(v) = value_of(v) {
                    t.insert(k, v);
                }
            }
            toml_edit::Value::InlineTable(t)
        }
    })
}

/// Objects become tables and arrays of objects arrays of tables, so the file reads well.
fn item_of(v: &serde_json::Value) -> Option<toml_edit::Item> {
    match v {
        serde_json::Value::Object(map) => {
            let mut t = toml_edit::Table::new();
            for (k, v) in map {
                if let Some(v) = value_of(v) {
                    t.insert(k, toml_edit::Item::Value(v));
                }
            }
            Some(toml_edit::Item::Table(t))
        }
        serde_json::Value::Array(items)
            if !items.is_empty() && items.iter().all(serde_json::Value::is_object) =>
        {
            let mut a = toml_edit::ArrayOfTables::new();
            for item in items {
                if let Some(toml_edit::Item::Table(t)) = item_of(item) {
                    a.push(t);
                }
            }
            Some(toml_edit::Item::ArrayOfTables(a))
        }
        other => value_of(other).map(toml_edit::Item::Value),
    }
}

fn json_of_value(v: &toml_edit::Value) -> serde_json::Value {
    match v {
        toml_edit::Value::String(s) => json!(s.value()),
        toml_edit::Value::Integer(i) => json!(i.value()),
        toml_edit::Value::Float(f) => json!(f.value()),
        toml_edit::Value::Boolean(b) => json!(b.value()),
        toml_edit::Value::Datetime(d) => json!(d.value().to_string()),
        toml_edit::Value::Array(a) => a.iter().map(json_of_value).collect(),
        toml_edit::Value::InlineTable(t) => t
            .iter()
            .map(|(k, v)| (k.to_owned(), json_of_value(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

fn json_of_item(item: &toml_edit::Item) -> serde_json::Value {
    match item {
        toml_edit::Item::None => serde_json::Value::Null,
        toml_edit::Item::Value(v) => json_of_value(v),
        toml_edit::Item::Table(t) => t
            .iter()
            .map(|(k, v)| (k.to_owned(), json_of_item(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        toml_edit::Item::ArrayOfTables(a) => a
            .iter()
            .map(|t| json_of_item(&toml_edit::Item::Table(t.clone())))
            .collect(),
    }
}

/// Reads a record written by [`to_toml`]; the error says what is wrong.
pub fn from_toml(text: &str) -> Result<PlanRecord, String> {
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("not TOML: {e}"))?;
    let value = json_of_item(doc.as_item());
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(cargo_tune_schema::PLAN_FORMAT_VERSION)) {
        return Err(format!(
            "format_version {} is not {} (the version this cargo-tune reads)",
            version.map_or_else(|| "missing".to_owned(), |v| v.to_string()),
            cargo_tune_schema::PLAN_FORMAT_VERSION
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("not a cargo-tune plan record: {e}"))
}

#[cfg(test)]
mod tests {
    use cargo_tune_schema::{Interval, PlanEnd, ToolInfo};

    use super::*;

    fn m(candidate: &str, scenario: &str, verdict: Verdict, ratio: f64) -> PlanMeasurement {
        PlanMeasurement {
            candidate: candidate.to_owned(),
            scenario: scenario.to_owned(),
            verdict,
            ratio: Some(ratio),
            interval: Some(Interval {
                low: ratio * 0.9,
                high: ratio * 1.1,
                confidence: 0.99,
            }),
            baseline_s: Some(2.0),
        }
    }

    fn linker(name: &str, ok: bool) -> LinkerSetup {
        LinkerSetup {
            linker: name.to_owned(),
            flags: if ok {
                Ok(vec!["-Clink-arg=-fuse-ld=x".to_owned()])
            } else {
                Err("not installed".to_owned())
            },
        }
    }

    #[test]
    fn candidates_follow_the_goal_and_only_usable_linkers() {
        let linkers = [linker("mold", true), linker("wild", false)];
        let dev = candidates(Goal::Dev, "x86_64-unknown-linux-gnu", &linkers);
        let ids: Vec<&str> = dev.iter().map(|c| c.id.as_str()).collect();
        assert!(ids.contains(&"dev-debug-0") && ids.contains(&"linker-mold"));
        assert!(
            !ids.iter()
                .any(|i| i.contains("wild") || i.starts_with("release"))
        );
        let release = candidates(Goal::Release, "x86_64-unknown-linux-gnu", &[]);
        assert!(release.iter().any(|c| c.id == "release-lto-off"));
        assert!(release.iter().all(|c| c.changes.iter().all(|ch| matches!(
            ch,
            SuggestedChange::ProfileSet { profile, .. } if profile == "release"
        ))));
        let ci = candidates(Goal::Ci, "aarch64-apple-darwin", &[]);
        assert!(ci.iter().any(|c| c.id == "dev-incremental-off"));
        assert!(!ci.iter().any(|c| c.id.contains("split-debuginfo")));
        // Every candidate is something `try` can measure.
        for c in dev.iter().chain(&release).chain(&ci) {
            for change in &c.changes {
                assert!(
                    crate::changes::from_suggestion(change).is_some(),
                    "{}",
                    c.id
                );
            }
        }
    }

    #[test]
    fn the_ci_goal_proposes_cache_layers_and_reads_them_back_from_the_chosen_steps() {
        let ci = candidates(Goal::Ci, "x86_64-unknown-linux-gnu", &[]);
        let by_id = |id: &str| ci.iter().find(|c| c.id == id).unwrap();
        // The two target caches are alternatives: one slot.
        assert_eq!(
            by_id("ci-target-cache").slot,
            by_id("ci-target-cache-checksum-freshness").slot
        );
        assert_eq!(scenarios(Goal::Ci), [Scenario::CiWarm]);
        let backend = crate::cache::Backend::Local("sccache".into());
        let layers = ci_layers(
            &[
                by_id("ci-target-cache-checksum-freshness"),
                by_id("ci-sccache"),
            ],
            &backend,
        );
        assert_eq!(
            layers,
            crate::cache::ci::CiLayers {
                sccache: Some(backend.clone()),
                target_dir: true,
                checksum_freshness: true,
                incremental_off: true,
            }
        );
        assert!(ci_layers(&[by_id("dev-debug-0")], &backend).is_empty());
    }

    #[test]
    fn a_round_takes_the_best_faster_candidate_and_never_a_slower_or_noisy_one() {
        let all = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("mold", true)],
        );
        let pick = |id: &str| all.iter().find(|c| c.id == id).unwrap();
        let remaining = [
            pick("dev-debug-0"),
            pick("dev-debug-line-tables-only"),
            pick("dev-deps-debug-0"),
            pick("linker-mold"),
            pick("dev-split-debuginfo-unpacked"),
        ];
        let measured = vec![
            vec![
                m("dev-debug-0", "a", Verdict::Faster, 0.8),
                m("dev-debug-0", "b", Verdict::Noise, 1.0),
            ],
            vec![
                m("x", "a", Verdict::Faster, 0.9),
                m("x", "b", Verdict::Faster, 0.95),
            ],
            // Much faster in one scenario, slower in the other: never taken.
            vec![
                m("x", "a", Verdict::Faster, 0.5),
                m("x", "b", Verdict::Slower, 1.1),
            ],
            vec![m("x", "a", Verdict::Failed, 1.0)],
            vec![
                m("x", "a", Verdict::Noise, 0.99),
                m("x", "b", Verdict::Inconclusive, 0.7),
            ],
        ];
        let d = decide(&remaining, &measured);
        assert_eq!(d.chosen.as_deref(), Some("dev-debug-0"));
        let rejected: Vec<(&str, &str)> = d
            .rejected
            .iter()
            .map(|r| (r.candidate.as_str(), r.reason.as_str()))
            .collect();
        assert!(
            rejected
                .iter()
                .any(|(c, r)| *c == "dev-deps-debug-0" && r.starts_with("slower in b"))
        );
        assert!(
            rejected
                .iter()
                .any(|(c, r)| *c == "linker-mold" && r.starts_with("failed"))
        );
        // The other debug level is an alternative for the slot just taken.
        assert!(
            rejected
                .iter()
                .any(|(c, r)| *c == "dev-debug-line-tables-only" && r.contains("alternative"))
        );
        // Noise and inconclusive stay for the next round.
        assert!(
            !rejected
                .iter()
                .any(|(c, _)| *c == "dev-split-debuginfo-unpacked")
        );

        let none = decide(&remaining[4..], &measured[4..]);
        assert_eq!(none, RoundDecision::default());
    }

    #[test]
    fn the_record_round_trips_through_toml_and_fingerprints_compare() {
        let cands = candidates(
            Goal::Dev,
            "x86_64-unknown-linux-gnu",
            &[linker("lld", true)],
        );
        let fp = Fingerprint {
            rustc: "1.95.0".to_owned(),
            host: "x86_64-unknown-linux-gnu".to_owned(),
            commit: Some("abc".to_owned()),
            lockfile: Some(content_hash(b"lock")),
            root_manifest: content_hash(b"[workspace]"),
        };
        let record = PlanRecord {
            format_version: cargo_tune_schema::PLAN_FORMAT_VERSION,
            tool: ToolInfo::current("0.1.0"),
            goal: Goal::Dev,
            partial: true,
            end: PlanEnd::Interrupted,
            fingerprint: fp.clone(),
            scenarios: vec!["dev-incremental".to_owned()],
            runs: 5,
            budget_s: 900,
            elapsed_s: 12,
            candidates: cands,
            rounds: vec![cargo_tune_schema::PlanRound {
                on_top_of: Vec::new(),
                measurements: vec![m("dev-debug-0", "dev-incremental", Verdict::Faster, 0.8125)],
                chosen: Some("dev-debug-0".to_owned()),
            }],
            steps: vec![cargo_tune_schema::PlanStep {
                candidate: "dev-debug-0".to_owned(),
                measurements: vec![m("dev-debug-0", "dev-incremental", Verdict::Faster, 0.8125)],
                cumulative: vec![cargo_tune_schema::ScenarioRatio {
                    scenario: "dev-incremental".to_owned(),
                    ratio: 0.8125,
                }],
            }],
            rejected: Vec::new(),
            ci: None,
        };
        let text = to_toml(&record);
        assert_eq!(from_toml(&text).unwrap(), record);
        assert!(
            from_toml("format_version = 7")
                .unwrap_err()
                .contains("format_version 7")
        );

        assert!(differences(&fp, &fp).is_empty());
        let moved = Fingerprint {
            rustc: "1.96.0".to_owned(),
            commit: None,
            ..fp.clone()
        };
        let d = differences(&fp, &moved);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("rustc: 1.95.0 in the plan, 1.96.0 now"));
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
    }

    #[test]
    fn a_round_is_estimated_from_the_probe() {
        // 3 variants, each a warm-up plus one run (the probe, 10 s) and 4 more runs of 2 s.
        assert_eq!(round_estimate(3, 5, 10.0, 2.0), 3.0 * (10.0 + 4.0 * 2.0));
        assert_eq!(round_estimate(2, 1, 10.0, 2.0), 20.0);
    }
}
