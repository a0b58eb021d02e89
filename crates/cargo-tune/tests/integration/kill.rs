//! SIGKILL during `cargo tune apply --execute`: every file holds its old or its new bytes, and
//! `cargo tune undo` brings back the old state.

use std::time::{Duration, Instant};

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::TempWorkspace;

use crate::apply::{FILES, apply, snapshot};
use crate::cli;

/// Number of kills; each lands at a different point of the apply.
const KILLS: usize = 100;
/// The kills made however long they take.
const MIN_KILLS: usize = 20;

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn sigkill_at_random_points_leaves_old_or_new_files_and_undo_recovers() {
    // The new bytes, and how long a whole apply takes, from one uninterrupted run.
    let reference = TempWorkspace::fixture("showcase");
    let old = snapshot(reference.root());
    let started = Instant::now();
    apply(&reference, &["--execute"])
        .run()
        .assert_code(exit_codes::OK);
    let full = started.elapsed();
    let new = snapshot(reference.root());

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Lcg(seed);
    let (mut before_journal, mut interrupted, mut finished) = (0, 0, 0);
    // A loaded machine runs fewer kills in the time, never fewer than MIN_KILLS: the test's
    // verdict never depends on how fast the machine is.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut kills = 0;
    for kill in 0..KILLS {
        if kill >= MIN_KILLS && Instant::now() > deadline {
            break;
        }
        kills += 1;
        let ws = TempWorkspace::fixture("showcase");
        // A SIGKILL leaves the linker test's temporary directory behind: keep it in the copy.
        let tmp = ws.path("target/tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let mut child = apply(&ws, &["--execute"])
            .env("TMPDIR", &tmp)
            .command()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Half the kills land anywhere in the run; the other half right after the journal
        // appears, where the files are being written and verified.
        let delay = if kill % 2 == 0 {
            let delay = Duration::from_micros(rng.below(full.as_micros() as u64 * 11 / 10));
            std::thread::sleep(delay);
            delay
        } else {
            let journal = ws.path("target/cargo-tune/journal");
            let waited = Instant::now();
            while child.try_wait().unwrap().is_none()
                && !std::fs::read_dir(&journal).is_ok_and(|d| {
                    d.flatten()
                        .any(|e| e.path().extension().is_some_and(|x| x == "json"))
                })
            {
                std::thread::sleep(Duration::from_micros(100));
            }
            let extra = Duration::from_micros(rng.below(20_000));
            std::thread::sleep(extra);
            waited.elapsed()
        };
        let _ = child.kill();
        child.wait().unwrap();

        let now = snapshot(ws.root());
        for (i, file) in FILES.iter().enumerate() {
            assert!(
                now[i] == old[i] || now[i] == new[i],
                "seed {seed}, kill {kill} after {delay:?}: {file} is neither old nor new"
            );
        }
        let undo = cli(&ws)
            .args(["undo", "--offline", "--format", "json"])
            .run();
        match undo.code() {
            exit_codes::OK => {
                if undo.json()["interrupted_apply"] == true {
                    interrupted += 1;
                } else {
                    finished += 1;
                }
            }
            exit_codes::SETUP if undo.stderr().contains("nothing to undo") => {
                before_journal += 1;
            }
            code => panic!(
                "seed {seed}, kill {kill}: undo exited {code}: {}",
                undo.stderr()
            ),
        }
        assert_eq!(
            snapshot(ws.root()),
            old,
            "seed {seed}, kill {kill} after {delay:?}: undo did not recover"
        );
        assert!(!ws.path(".cargo").exists(), "seed {seed}, kill {kill}");
        for dir in ["", "crates/app", "crates/engine"] {
            let stray: Vec<_> = std::fs::read_dir(ws.path(dir))
                .unwrap()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().contains(".cargo-tune."))
                .collect();
            assert!(
                stray.is_empty(),
                "seed {seed}, kill {kill}: temporary files left: {stray:?}"
            );
        }
    }
    eprintln!(
        "{kills} kills (apply takes {full:?}): {before_journal} before the journal, {interrupted} mid-apply, {finished} after commit"
    );
    assert_eq!(before_journal + interrupted + finished, kills);
}
