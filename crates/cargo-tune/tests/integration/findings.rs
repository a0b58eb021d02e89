//! The finding codes of the schema: unique, stable names that round-trip through JSON, and the
//! committed table of them in `docs/findings.md`.

use cargo_tune_schema::{Finding, FindingCode, Severity, findings_table};

#[test]
fn codes_are_unique_kebab_case_and_round_trip() {
    let mut names: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
    for code in FindingCode::ALL {
        let name = code.as_str();
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{name}"
        );
        assert_eq!(FindingCode::parse(name), Some(*code));
        assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(name));
        assert!(!code.description().is_empty());
    }
    for (alias, code) in FindingCode::ALIASES {
        assert_eq!(FindingCode::parse(alias), Some(*code));
        // Reports saved before the rename still load.
        let read: FindingCode = serde_json::from_value(serde_json::json!(alias)).unwrap();
        assert_eq!(read, *code);
        assert!(!names.contains(alias), "an alias shadows a code: {alias}");
    }
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate finding code names");
}

#[test]
fn finding_ids_combine_code_and_subject() {
    let f = Finding::new(FindingCode::DuplicateVersion, "syn", "two versions");
    assert_eq!(f.id, "duplicate-version:syn");
    assert_eq!(f.severity, Severity::Warning);
    let json = serde_json::to_value(&f).unwrap();
    assert!(
        json.get("location").is_none(),
        "absent optional fields are omitted"
    );
}

#[test]
fn findings_doc_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/findings.md");
    let expected = findings_table();
    if std::env::var_os("CARGO_TUNE_BLESS").is_some() {
        #[expect(
            clippy::disallowed_methods,
            reason = "regenerating a committed doc in a test"
        )]
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "docs/findings.md is stale: run CARGO_TUNE_BLESS=1 cargo test --test integration findings"
    );
}
