//! Which findings an `apply` selection names.

use cargo_tune_schema::{Finding, FindingCode};

/// One word of an `apply` selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// Every finding of a code.
    Code(FindingCode),
    /// One finding, by its id (`<code>:<subject>`).
    Id(String),
    /// `dylib=PKG`: a dylib facade for one dependency, written behind a feature.
    Dylib(String),
}

impl Selector {
    /// Parses a code name or a finding id.
    pub fn parse(word: &str) -> Result<Selector, String> {
        if let Some(code) = FindingCode::parse(word) {
            return Ok(Selector::Code(code));
        }
        if let Some(package) = word.strip_prefix("dylib=")
            && !package.is_empty()
        {
            return Ok(Selector::Dylib(package.to_owned()));
        }
        match word.split_once(':') {
            Some((code, _)) if FindingCode::parse(code).is_some() => {
                Ok(Selector::Id(word.to_owned()))
            }
            _ => Err(not_a_selection(word)),
        }
    }

    /// Whether it names `finding`.
    pub fn matches(&self, finding: &Finding) -> bool {
        match self {
            Selector::Code(code) => finding.code == *code,
            Selector::Id(id) => finding.id == *id,
            Selector::Dylib(_) => false,
        }
    }
}

/// Why `word` selects nothing; a change `cargo tune try` measures is answered for what it is.
fn not_a_selection(word: &str) -> String {
    use crate::change::{Change, ChangeSpec, parse_combined};
    let changes: Vec<Change> = parse_combined(word)
        .map(|parts| {
            parts
                .into_iter()
                .filter_map(|arg| match arg.spec {
                    ChangeSpec::Changes(c) => Some(c),
                    _ => None,
                })
                .flatten()
                .collect()
        })
        .unwrap_or_default();
    if let Some(package) = changes.iter().find_map(|c| match c {
        Change::HintMostlyUnused(p) => Some(p.as_str()),
        _ => None,
    }) {
        return format!(
            "`{word}`: {}; `cargo tune try {word}` measures it",
            crate::change::edits::hint_per_command(package)
        );
    }
    let toolchain = changes.iter().find_map(|c| match c {
        Change::Toolchain(t) => Some(t.as_str()),
        _ => None,
    });
    if let Some(toolchain) = toolchain {
        let flags: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Rustflags(f) => Some(f.iter().map(String::as_str)),
                _ => None,
            })
            .flatten()
            .collect();
        let usage = if flags.is_empty() {
            format!("cargo +{toolchain} build")
        } else {
            format!("RUSTFLAGS=\"{}\" cargo +{toolchain} build", flags.join(" "))
        };
        return format!(
            "`{word}` builds with the {toolchain} toolchain, and apply writes nothing that only {toolchain} accepts: a stable cargo or rustc reading it would fail every build. Measure it with `cargo tune try {word}`, and use it per command: {usage}"
        );
    }
    if !changes.is_empty() {
        return format!(
            "`{word}` is a change `cargo tune try` measures; apply takes the finding codes or ids that `cargo tune audit` prints"
        );
    }
    format!("`{word}` is neither a finding code nor a finding id (`<code>:<subject>`)")
}

/// The findings `selectors` name, in report order, and the selectors that named nothing. With
/// `all`, every warning and error: notes (severity `info`) are opportunities to measure with
/// `cargo tune try` first, such as another linker, so they are applied only when named.
pub fn select<'f>(
    findings: &'f [Finding],
    selectors: &[Selector],
    all: bool,
) -> (Vec<&'f Finding>, Vec<Selector>) {
    let chosen = findings
        .iter()
        .filter(|f| {
            (all && f.severity >= cargo_tune_schema::Severity::Warning)
                || selectors.iter().any(|s| s.matches(f))
        })
        .collect();
    let unmatched = selectors
        .iter()
        .filter(|s| !findings.iter().any(|f| s.matches(f)))
        .cloned()
        .collect();
    (chosen, unmatched)
}

/// The finding id closest to `word`, if one is close enough to be what was meant (a typo or a
/// wrong subject after the right code).
pub fn closest_id<'f>(word: &str, findings: &'f [Finding]) -> Option<&'f str> {
    crate::text::suggest::closest(word, findings.iter().map(|f| f.id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_codes_and_ids_and_reject_the_rest() {
        assert_eq!(
            Selector::parse("slow-linker"),
            Ok(Selector::Code(FindingCode::SlowLinker))
        );
        assert_eq!(
            Selector::parse("debuginfo-in-dev:dev"),
            Ok(Selector::Id("debuginfo-in-dev:dev".into()))
        );
        assert!(Selector::parse("no-such-code").is_err());
        assert!(Selector::parse("no-such-code:x").is_err());
    }
}
