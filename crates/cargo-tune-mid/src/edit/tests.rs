//! The transaction and the journal, driven by operations directly.

use std::path::{Path, PathBuf};

use super::*;
use crate::cargo::CargoOptions;

use crate::test_util::write;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

const ROOT: &str = "# the workspace\n[workspace]\nmembers = [\"a\", \"b\"]\n\n[profile.dev]\ndebug = true   # slow links\n";
const A: &str = "[package]\nname = \"a\"\n\n[dependencies]\n# pinned on purpose\nrand = { version = \"0.8\", features = [\"small_rng\"] } # keep\n";
const B: &str = "[package]\nname = \"b\"\n\n[dependencies]\nrand = { version = \"0.8\", default-features = false }\n";

struct Ws {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Ws {
    fn new() -> Ws {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        write(&root.join("Cargo.toml"), ROOT);
        write(&root.join("a/Cargo.toml"), A);
        write(&root.join("b/Cargo.toml"), B);
        Ws { _dir: dir, root }
    }

    fn journal(&self) -> Journal {
        Journal::in_target_dir(&self.root.join("target"))
    }

    /// Every file is as it was in `before`, and the journal holds nothing to undo: a refused or
    /// rolled-back apply leaves no trace.
    #[track_caller]
    fn assert_untouched(&self, before: &[(String, Option<String>)]) {
        assert_eq!(self.snapshot(), before);
        assert!(matches!(
            undo(&self.journal(), &self.root),
            Err(UndoError::NothingToUndo { .. })
        ));
    }

    fn snapshot(&self) -> Vec<(String, Option<String>)> {
        [
            "Cargo.toml",
            "a/Cargo.toml",
            "b/Cargo.toml",
            ".cargo/config.toml",
        ]
        .iter()
        .map(|p| {
            (
                (*p).to_owned(),
                std::fs::read_to_string(self.root.join(p)).ok(),
            )
        })
        .collect()
    }

    fn ops(&self) -> Vec<EditOp> {
        let r = &self.root;
        vec![
            EditOp::ProfileSet {
                manifest: r.join("Cargo.toml"),
                profile: "dev".into(),
                package: None,
                build_override: false,
                key: "debug".into(),
                value: serde_json::json!("line-tables-only"),
            },
            EditOp::ProfileSet {
                manifest: r.join("Cargo.toml"),
                profile: "dev".into(),
                package: Some("*".into()),
                build_override: false,
                key: "debug".into(),
                value: serde_json::json!(false),
            },
            EditOp::ConfigSet {
                file: r.join(".cargo/config.toml"),
                key: vec!["build".into(), "jobs".into()],
                value: serde_json::json!(2),
            },
            EditOp::WorkspaceDependencySet {
                manifest: r.join("Cargo.toml"),
                key: "rand".into(),
                fields: vec![
                    ("version".into(), serde_json::json!("0.8")),
                    ("default-features".into(), serde_json::json!(false)),
                ],
            },
            EditOp::InheritDependency {
                manifest: r.join("a/Cargo.toml"),
                table: vec!["dependencies".into()],
                key: "rand".into(),
                default_features: Some(true),
            },
            EditOp::InheritDependency {
                manifest: r.join("b/Cargo.toml"),
                table: vec!["dependencies".into()],
                key: "rand".into(),
                default_features: None,
            },
        ]
    }

    fn plan(&self) -> EditPlan {
        EditPlan::from_ops(&self.root, self.ops()).unwrap()
    }

    /// A transaction of `plan` journaled in this workspace, with cargo's default options.
    fn transaction<'a>(&self, plan: &'a EditPlan, verification: Verification) -> Transaction<'a> {
        Transaction::new(plan, self.journal(), verification, CargoOptions::default())
    }

    fn execute(&self, plan: &EditPlan, verification: Verification) -> Result<Applied, ApplyError> {
        self.transaction(plan, verification).execute()
    }
}

#[test]
fn apply_writes_new_bytes_and_undo_restores_the_exact_old_ones() {
    let ws = Ws::new();
    let old = ws.snapshot();
    let plan = ws.plan();
    assert_eq!(plan.files.len(), 4);
    let applied = ws.execute(&plan, Verification::Skip).unwrap();
    assert_eq!(
        applied.files,
        [
            "Cargo.toml",
            ".cargo/config.toml",
            "a/Cargo.toml",
            "b/Cargo.toml"
        ]
    );
    assert_eq!(
        read(&ws.root.join("Cargo.toml")),
        "# the workspace\n[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.dependencies]\nrand = { version = \"0.8\", default-features = false }\n\n\
         [profile.dev]\n# was `debug = true`: slow links\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n"
    );
    assert_eq!(
        read(&ws.root.join("a/Cargo.toml")),
        "[package]\nname = \"a\"\n\n[dependencies]\n# pinned on purpose\nrand = { workspace = true, features = [\"small_rng\"], default-features = true } # keep\n"
    );
    assert_eq!(
        read(&ws.root.join("b/Cargo.toml")),
        "[package]\nname = \"b\"\n\n[dependencies]\nrand = { workspace = true }\n"
    );

    let undone = undo(&ws.journal(), &ws.root).unwrap();
    assert_eq!(undone.removed, [".cargo/config.toml"]);
    assert!(!undone.interrupted_apply);
    ws.assert_untouched(&old);
    assert!(!ws.root.join(".cargo").exists());
}

#[test]
fn applying_twice_is_applying_once_and_the_plan_of_an_applied_workspace_is_empty() {
    let ws = Ws::new();
    ws.execute(&ws.plan(), Verification::Skip).unwrap();
    let once = ws.snapshot();
    let again = ws.plan();
    assert!(again.is_empty(), "{}", again.unified_diff());
    assert!(again.steps.is_empty());
    assert_eq!(ws.snapshot(), once);
}

#[test]
fn undo_walks_back_through_earlier_applies_in_order() {
    let ws = Ws::new();
    let v0 = ws.snapshot();
    let ops = ws.ops();
    EditPlan::from_ops(&ws.root, ops[..2].to_vec())
        .map(|p| ws.execute(&p, Verification::Skip).unwrap())
        .unwrap();
    let v1 = ws.snapshot();
    EditPlan::from_ops(&ws.root, ops[2..].to_vec())
        .map(|p| ws.execute(&p, Verification::Skip).unwrap())
        .unwrap();
    assert_ne!(ws.snapshot(), v1);
    assert_eq!(undo(&ws.journal(), &ws.root).unwrap().remaining, 1);
    assert_eq!(ws.snapshot(), v1);
    assert_eq!(undo(&ws.journal(), &ws.root).unwrap().remaining, 0);
    assert_eq!(ws.snapshot(), v0);
}

#[test]
fn failed_verification_restores_every_file_and_leaves_nothing_to_undo() {
    let ws = Ws::new();
    let old = ws.snapshot();
    let err = ws
        .execute(
            &ws.plan(),
            Verification::Custom(Box::new(|| Err("cargo says no".into()))),
        )
        .unwrap_err();
    assert!(
        matches!(err, ApplyError::RolledBack(StepError::Verify(_))),
        "{err:?}"
    );
    ws.assert_untouched(&old);
    assert!(
        !ws.root.join(".cargo").exists(),
        "the directory created for the config file is removed"
    );
}

#[test]
fn read_only_file_midway_restores_the_files_written_before_it() {
    let ws = Ws::new();
    let old = ws.snapshot();
    let b = ws.root.join("b/Cargo.toml");
    let mut perms = std::fs::metadata(&b).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&b, perms).unwrap();
    let err = ws.execute(&ws.plan(), Verification::Skip).unwrap_err();
    assert!(
        matches!(&err, ApplyError::RolledBack(StepError::ReadOnly { path }) if *path == b),
        "{err:?}"
    );
    assert_eq!(ws.snapshot(), old);
}

#[test]
fn full_disk_midway_restores_the_files_written_before_it() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    // The second file finds the disk full, after the first was written for real.
    fn fill_up(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        if WRITES.fetch_add(1, Ordering::SeqCst) >= 1 {
            return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
        }
        crate::fsutil::write_atomic(path, bytes)
    }
    let ws = Ws::new();
    let old = ws.snapshot();
    let plan = ws.plan();
    assert!(plan.files.len() >= 2, "the plan must span several files");
    let err = ws
        .transaction(&plan, Verification::Skip)
        .with_writer(fill_up)
        .execute()
        .unwrap_err();
    assert!(
        matches!(&err, ApplyError::RolledBack(StepError::Write { source, .. }) if source.kind() == std::io::ErrorKind::StorageFull),
        "{err:?}"
    );
    assert_eq!(
        WRITES.load(Ordering::SeqCst),
        2,
        "one file was written before the failure"
    );
    ws.assert_untouched(&old);
}

#[test]
fn cargo_metadata_failing_after_the_edit_rolls_back() {
    let ws = Ws::new();
    write(&ws.root.join("a/src/lib.rs"), "");
    write(&ws.root.join("b/src/lib.rs"), "");
    let old = ws.snapshot();
    let plan = EditPlan::from_ops(
        &ws.root,
        vec![EditOp::ProfileSet {
            manifest: ws.root.join("Cargo.toml"),
            profile: "dev".into(),
            package: None,
            build_override: false,
            key: "opt-level".into(),
            value: serde_json::json!("fast"),
        }],
    )
    .unwrap();
    let verification = Verification::CargoMetadata {
        options: CargoOptions {
            offline: true,
            ..CargoOptions::default()
        },
        locked: false,
        no_deps: true,
    };
    let err = ws.execute(&plan, verification).unwrap_err();
    match &err {
        ApplyError::RolledBack(StepError::Verify(VerifyError::Cargo(e))) => {
            assert!(e.to_string().contains("opt-level"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ws.snapshot(), old);
}

#[test]
fn a_file_changed_since_planning_is_refused_before_anything_is_written() {
    let ws = Ws::new();
    let plan = ws.plan();
    write(
        &ws.root.join("b/Cargo.toml"),
        &format!("{B}# edited meanwhile\n"),
    );
    let before = ws.snapshot();
    let err = ws.execute(&plan, Verification::Skip).unwrap_err();
    assert!(
        matches!(&err, ApplyError::ChangedSincePlan { path } if path == "b/Cargo.toml"),
        "{err:?}"
    );
    ws.assert_untouched(&before);
}

#[test]
fn undo_refuses_when_a_file_changed_after_the_apply() {
    let ws = Ws::new();
    ws.execute(&ws.plan(), Verification::Skip).unwrap();
    let a = ws.root.join("a/Cargo.toml");
    write(&a, &format!("{}# my own change\n", read(&a)));
    let before = ws.snapshot();
    let err = undo(&ws.journal(), &ws.root).unwrap_err();
    assert!(
        matches!(&err, UndoError::ChangedSinceApply { path } if path == "a/Cargo.toml"),
        "{err:?}"
    );
    assert_eq!(ws.snapshot(), before, "nothing written");
}

#[test]
fn an_interrupted_apply_is_recovered_by_undo_and_blocks_new_applies() {
    let ws = Ws::new();
    let old = ws.snapshot();
    let plan = ws.plan();
    // What a kill after the journal and the first two files leaves behind.
    let files = plan
        .files
        .iter()
        .map(|f| journal::JournalFile {
            path: f.path.clone(),
            before: f.before.clone(),
            after: Some(f.after.clone()),
        })
        .collect();
    ws.journal()
        .begin(&journal::JournalEntry::pending(
            &ws.root,
            files,
            vec![ws.root.join(".cargo")],
        ))
        .unwrap();
    std::fs::create_dir_all(ws.root.join(".cargo")).unwrap();
    for f in &plan.files[..2] {
        write(&f.path, &f.after);
    }
    let err = ws.execute(&ws.plan(), Verification::Skip).unwrap_err();
    assert!(
        matches!(err, ApplyError::InterruptedEarlier { .. }),
        "{err:?}"
    );
    let undone = undo(&ws.journal(), &ws.root).unwrap();
    assert!(undone.interrupted_apply);
    assert_eq!(ws.snapshot(), old);
    assert!(!ws.root.join(".cargo").exists());
}

/// One `[profile.*]` edit: profile, where (0: the profile itself, 1: `package."*"`, 2:
/// build-override), key and value (`null` removes the key).
fn profile_edit(rng: &mut fastrand::Rng) -> (&'static str, u8, &'static str, serde_json::Value) {
    let values = [
        serde_json::json!(0),
        serde_json::json!(true),
        serde_json::json!("thin"),
        serde_json::Value::Null,
    ];
    (
        ["dev", "release", "test", "bench"][rng.usize(..4)],
        rng.u8(..3),
        PROFILE_KEYS[rng.usize(..PROFILE_KEYS.len())],
        values[rng.usize(..values.len())].clone(),
    )
}

const PROFILE_KEYS: [&str; 6] = [
    "debug",
    "opt-level",
    "lto",
    "codegen-units",
    "incremental",
    "strip",
];

/// 200 random lists of one to four profile edits. The seed is fixed so that a failing case
/// comes back on every run; `CARGO_TUNE_TEST_SEED` explores others.
#[test]
fn random_profile_edits_touch_only_their_keys_and_are_idempotent() {
    let seed = std::env::var("CARGO_TUNE_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7a5e_11ed);
    let mut rng = fastrand::Rng::with_seed(seed);
    for case in 0..200 {
        let edits: Vec<_> = (0..rng.usize(1..5))
            .map(|_| profile_edit(&mut rng))
            .collect();
        let ws = Ws::new();
        // The planner gives each slot one value (the first finding wins); a list that sets a
        // key twice, say removing then re-adding it, is not idempotent as a list and never
        // reaches a transaction.
        let mut seen = std::collections::HashSet::new();
        let ops: Vec<EditOp> = edits
            .iter()
            .filter(|(profile, place, key, _)| seen.insert((*profile, *place, *key)))
            .map(|(profile, place, key, value)| EditOp::ProfileSet {
                manifest: ws.root.join("Cargo.toml"),
                profile: (*profile).into(),
                build_override: *place == 2,
                package: (*place == 1).then(|| "*".to_owned()),
                key: (*key).into(),
                value: value.clone(),
            })
            .collect();
        let plan = EditPlan::from_ops(&ws.root, ops.clone()).unwrap();
        let Some(change) = plan.files.first() else {
            continue;
        };
        let before = change.before.as_deref().unwrap();
        let diff = similar::TextDiff::from_lines(before, change.after.as_str());
        for removed in diff
            .iter_all_changes()
            .filter(|c| c.tag() == similar::ChangeTag::Delete)
        {
            // Only the edited keys' own lines may go or change.
            assert!(
                PROFILE_KEYS.iter().any(|k| removed.value().starts_with(k)),
                "seed {seed} case {case}: {:?} removed by {ops:?}",
                removed.value()
            );
        }
        ws.execute(&plan, Verification::Skip).unwrap();
        assert!(
            EditPlan::from_ops(&ws.root, ops.clone())
                .unwrap()
                .is_empty(),
            "seed {seed} case {case}: {ops:?} plans again after it was applied"
        );
    }
}

#[test]
fn a_live_lock_refuses_a_second_editor_and_a_stale_one_is_taken_over() {
    let ws = Ws::new();
    let journal = ws.journal();
    let held = journal.lock().unwrap();
    // This process holds it: a second apply in the same workspace must wait its turn. The lock
    // records the pid of its holder, so pretend another live process (pid 1) holds it.
    let lock_path = journal.dir().parent().unwrap().join("edit.lock");
    std::mem::forget(held);
    write(&lock_path, "1");
    let err = ws.execute(&ws.plan(), Verification::Skip).unwrap_err();
    assert!(
        matches!(
            &err,
            ApplyError::Journal(crate::edit::JournalError::Busy { pid: 1, .. })
        ),
        "{err:?}"
    );
    // A pid no process has (killed mid-apply): taken over.
    write(&lock_path, &u32::MAX.to_string());
    ws.execute(&ws.plan(), Verification::Skip).unwrap();
    assert!(!lock_path.exists(), "released after the apply");
}

#[test]
fn an_interrupt_before_commit_restores_every_file_and_leaves_nothing_to_undo() {
    let ws = Ws::new();
    let old = ws.snapshot();
    let plan = ws.plan();
    let flag = std::sync::atomic::AtomicBool::new(true);
    let err = ws
        .transaction(&plan, Verification::Skip)
        .with_interrupt(&flag)
        .execute()
        .unwrap_err();
    assert!(
        matches!(&err, ApplyError::RolledBack(StepError::Interrupted)),
        "{err:?}"
    );
    ws.assert_untouched(&old);
    // Not interrupted: the same transaction commits.
    flag.store(false, std::sync::atomic::Ordering::SeqCst);
    ws.transaction(&plan, Verification::Skip)
        .with_interrupt(&flag)
        .execute()
        .unwrap();
}
