//! Real manifests written by others: the `Cargo.toml.orig` of the registry packages the
//! real-world fixture resolves to, as cargo fetches them. Each gets a representative plan (profile keys, a centralized dependency),
//! applied through the transaction and verified by cargo, then undone; the bytes must come back
//! exactly.

use std::path::{Path, PathBuf};

use cargo_tune_core::cargo::CargoOptions;
use cargo_tune_core::change::{Change, PlanInputs};
use cargo_tune_core::edit::{
    ApplyError, EditOp, EditPlan, Journal, StepError, Transaction, Verification, undo,
};
use cargo_tune_core::fsutil::write_atomic;
use cargo_tune_core::workspace::{CargoConfig, DependencyKind, ManifestDoc};
use cargo_tune_test_support::{TempWorkspace, cargo};

/// Manifests that cargo must read after the edit; the test fails below this.
const REQUIRED: usize = 300;

/// The original manifests of the real-world fixture's registry packages. cargo fetches their
/// sources (the network reaches crates.io, so a fresh machine fills its own cache) and says
/// where each one lives; nothing here assumes a layout of cargo's home.
fn registry_manifests() -> Vec<(String, PathBuf)> {
    let ws = TempWorkspace::fixture("realworld");
    cargo(ws.root(), &["fetch", "--locked"]);
    let metadata: serde_json::Value = serde_json::from_str(&cargo(
        ws.root(),
        &["metadata", "--format-version", "1", "--locked", "--offline"],
    ))
    .expect("cargo metadata JSON");
    let mut out: Vec<(String, PathBuf)> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| {
            p["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("registry+") || s.starts_with("sparse+"))
        })
        .map(|p| {
            let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest_path"));
            let stem = format!(
                "{}-{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            );
            (stem, manifest.with_file_name("Cargo.toml.orig"))
        })
        .collect();
    out.sort();
    out
}

fn metadata_ok(root: &Path) -> bool {
    Verification::CargoMetadata {
        options: offline(),
        locked: false,
        no_deps: true,
    }
    .run(&root.join("Cargo.toml"))
    .is_ok()
}

fn offline() -> CargoOptions {
    CargoOptions {
        offline: true,
        ..CargoOptions::default()
    }
}

fn plan_for(root: &Path, text: String) -> Result<(EditPlan, bool), String> {
    let doc =
        ManifestDoc::parse(&root.join("Cargo.toml"), root, text).map_err(|e| e.to_string())?;
    let profile = |profile: &str, package: Option<&str>, build_override: bool, key: &str, value| {
        EditOp::ProfileSet {
            manifest: doc.path.clone(),
            profile: profile.into(),
            package: package.map(Into::into),
            build_override,
            key: key.into(),
            value,
        }
    };
    let mut ops = vec![
        profile(
            "dev",
            None,
            false,
            "debug",
            serde_json::json!("line-tables-only"),
        ),
        profile("dev", Some("*"), false, "debug", serde_json::json!(false)),
        profile("release", None, true, "opt-level", serde_json::json!(0)),
        profile(
            "release",
            None,
            false,
            "incremental",
            serde_json::Value::Null,
        ),
    ];
    // Centralize the first plain registry dependency, as a one-member workspace.
    let mut centralized = false;
    let members = [&doc];
    let inputs = PlanInputs {
        root,
        root_manifest: &doc,
        members: &members,
        config: &CargoConfig::default(),
        locked: &[],
        host: "x86_64-unknown-linux-gnu",
        host_cfg: &[],
        linkers: &[],
    };
    // Centralizing makes the package a workspace root, and a workspace root loads its path
    // dependencies, which the archive does not contain.
    let has_workspace =
        doc.doc.get("workspace").is_some() || doc.dependencies().iter().any(|d| d.path.is_some());
    if let Some(dep) = doc.dependencies().iter().find(|d| {
        d.kind == DependencyKind::Normal
            && d.path.is_none()
            && d.git.is_none()
            && d.req.is_some()
            && !d.workspace
    }) && !has_workspace
    {
        let change = Change::Centralize {
            name: dep.package.clone(),
            requirement: None,
            source: None,
        };
        if let Ok(more) = change.edits(&inputs) {
            centralized = !more.is_empty();
            ops.extend(more);
        }
    }
    EditPlan::from_ops(root, ops)
        .map(|p| (p, centralized))
        .map_err(|e| e.to_string())
}

#[test]
fn real_manifests_survive_apply_verify_and_undo_byte_for_byte() {
    let manifests = registry_manifests();
    assert!(
        manifests.len() >= REQUIRED,
        "cargo resolves only {} registry packages in the real-world fixture",
        manifests.len()
    );
    let scratch = tempfile::tempdir().unwrap();
    let (mut verified, mut not_standalone, mut no_orig, mut centralized) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut seen = 0;
    for (stem, orig) in &manifests {
        if verified >= REQUIRED {
            break;
        }
        seen += 1;
        let dir = scratch.path().join(stem);
        if !orig.is_file() {
            no_orig += 1;
            continue;
        }
        let root = dir.join("ws");
        let original = std::fs::read(orig).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        write_atomic(&root.join("Cargo.toml"), &original).unwrap();
        write_atomic(&root.join("src/lib.rs"), b"").unwrap();

        let Ok(text) = String::from_utf8(original.clone()) else {
            failures.push(format!("{stem}: not UTF-8"));
            continue;
        };
        let (plan, did_centralize) = match plan_for(&root, text) {
            Ok(plan) => plan,
            Err(e) => {
                failures.push(format!("{stem}: plan: {e}"));
                continue;
            }
        };
        let journal = Journal::in_target_dir(&root.join("target"));
        let verification = Verification::CargoMetadata {
            options: offline(),
            locked: false,
            no_deps: true,
        };
        let result = Transaction::new(&plan, journal.clone(), verification, offline()).execute();
        let now = std::fs::read(root.join("Cargo.toml")).unwrap();
        match result {
            Ok(_) => {
                match plan_for(&root, String::from_utf8(now).unwrap()) {
                    Ok((again, _)) if again.is_empty() => {}
                    Ok((again, _)) => failures.push(format!(
                        "{stem}: second plan not empty:\n{}",
                        again.unified_diff()
                    )),
                    Err(e) => failures.push(format!("{stem}: re-plan: {e}")),
                }
                if let Err(e) = undo(&journal, &root) {
                    failures.push(format!("{stem}: undo: {e}"));
                }
                if std::fs::read(root.join("Cargo.toml")).unwrap() != original {
                    failures.push(format!("{stem}: undo did not restore the bytes"));
                }
                verified += 1;
                centralized += usize::from(did_centralize);
            }
            Err(ApplyError::RolledBack(StepError::Verify(e))) => {
                if now != original {
                    failures.push(format!("{stem}: rollback did not restore the bytes"));
                } else if metadata_ok(&root) {
                    failures.push(format!(
                        "{stem}: cargo rejects the edit: {e:?}\n{}",
                        plan.unified_diff()
                    ));
                } else {
                    // Inherits from its own workspace or names files not in the archive: cargo
                    // cannot read it alone, before or after the edit. The edit and undo are
                    // still checked, with toml_edit reading the result.
                    not_standalone += 1;
                    let manifest = root.join("Cargo.toml");
                    let parses = Verification::Custom(Box::new(move || {
                        let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
                        text.parse::<toml_edit::DocumentMut>()
                            .map(drop)
                            .map_err(|e| e.to_string())
                    }));
                    if let Err(e) =
                        Transaction::new(&plan, journal.clone(), parses, offline()).execute()
                    {
                        failures.push(format!("{stem}: {e}"));
                    } else if let Err(e) = undo(&journal, &root) {
                        failures.push(format!("{stem}: undo: {e}"));
                    } else if std::fs::read(root.join("Cargo.toml")).unwrap() != original {
                        failures.push(format!("{stem}: undo did not restore the bytes"));
                    }
                }
            }
            Err(e) => failures.push(format!("{stem}: {e}")),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    eprintln!(
        "corpus: {seen} packages read, {verified} manifests edited, verified by cargo and undone \
         ({centralized} with a centralized dependency), {not_standalone} not readable by cargo on their own (edited, parsed and undone), \
         {no_orig} without Cargo.toml.orig"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        verified >= REQUIRED,
        "only {verified} manifests could be verified by cargo"
    );
}
