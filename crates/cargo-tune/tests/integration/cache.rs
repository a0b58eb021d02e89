//! `cargo tune cache` against a real sccache and a real `redis-server` started here on a
//! loopback port: hits on the warm build, the reasons sccache gave for what it did not cache,
//! the target-directory cache rebuilt by mtime, and every kind of bad input (sccache missing or
//! too old, Redis down or locked) a clear error naming the fix, with the password masked and no
//! server left running.

#![expect(
    clippy::disallowed_methods,
    reason = "tests start redis-server and read /proc directly"
)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cargo_tune_schema::exit_codes;
use cargo_tune_test_support::{
    TempWorkspace, assert_exit_code, cargo, fake_tools, find_by, require_tool,
};

use crate::{cli, fixture_json};

const PASSWORD: &str = "hunter2-cache";

fn require_sccache() {
    require_tool("sccache", "cargo install --locked sccache");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` on a loopback port, killed when dropped.
struct Redis {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Redis {
    fn start(password: Option<&str>) -> Redis {
        require_tool("redis-server", "apt-get install redis-server");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(pw) = password {
            cmd.args(["--requirepass", pw]);
        }
        let child = cmd.spawn().expect("start redis-server");
        let redis = Redis {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn url(&self, password: Option<&str>) -> String {
        match password {
            Some(pw) => format!("redis://:{pw}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// Keys in database 0, asked with a raw RESP exchange.
    fn dbsize(&self, password: Option<&str>) -> u64 {
        use std::io::{BufRead, BufReader, Write};
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut w = stream.try_clone().unwrap();
        let mut r = BufReader::new(stream);
        let mut line = String::new();
        if let Some(pw) = password {
            write!(w, "*2\r\n$4\r\nAUTH\r\n${}\r\n{pw}\r\n", pw.len()).unwrap();
            r.read_line(&mut line).unwrap();
            assert_eq!(line.trim(), "+OK");
            line.clear();
        }
        w.write_all(b"*1\r\n$6\r\nDBSIZE\r\n").unwrap();
        r.read_line(&mut line).unwrap();
        line.trim().trim_start_matches(':').parse().unwrap()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fails with `why` while an sccache server whose command line names `needle` still runs.
#[track_caller]
fn assert_no_server_with(needle: &str, why: &str) {
    assert_eq!(sccache_servers_with(needle), Vec::<String>::new(), "{why}");
}

/// sccache processes whose environment names `needle` (a cache directory or a Redis port)
/// after the run: a stopped server may take a moment to exit, so this waits up to ten seconds
/// for them to go.
fn sccache_servers_with(needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = sccache_processes_with(needle);
        if found.is_empty() || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// sccache processes whose environment names `needle`, now.
fn sccache_processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let is_sccache = std::fs::read_link(entry.path().join("exe"))
            .is_ok_and(|exe| exe.file_name().is_some_and(|n| n == "sccache"));
        if !is_sccache {
            continue;
        }
        if let Ok(env) = std::fs::read(entry.path().join("environ"))
            && String::from_utf8_lossy(&env).contains(needle)
        {
            found.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

/// Library units cargo compiles for the workspace: what sccache can cache.
fn library_units(ws: &TempWorkspace) -> u64 {
    let metadata: serde_json::Value = serde_json::from_str(&cargo_tune_test_support::cargo(
        ws.root(),
        &["metadata", "--format-version", "1", "--offline"],
    ))
    .unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "lib"))
        })
        .count() as u64
}

fn build<'a>(report: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    find_by(&report["builds"], "label", label)
        .unwrap_or_else(|| panic!("no {label} build in {report}"))
}

#[test]
fn a_local_cache_serves_every_library_on_the_warm_build_and_says_why_binaries_miss() {
    require_sccache();
    let ws = TempWorkspace::fixture("cache-ci");
    let cache_dir = ws.path("../sccache-cache");
    // The user's own sccache settings must not redirect the private server.
    let users_dir = ws.path("../users-sccache");
    let report = cli(&ws)
        .args(["cache", "verify", "--offline", "--format", "json"])
        .args([format!("--backend=local={}", cache_dir.display())])
        .env("SCCACHE_DIR", &users_dir)
        .env("SCCACHE_REDIS_ENDPOINT", "redis://127.0.0.1:1")
        .run_json(exit_codes::OK);
    let libs = library_units(&ws);
    let cold = &build(&report, "cold")["stats"];
    let warm = &build(&report, "warm")["stats"];
    assert_eq!(cold["hits"], 0, "{report}");
    assert_eq!(cold["misses"], libs, "{report}");
    assert_eq!(warm["hits"], libs, "{report}");
    assert_eq!(warm["misses"], 0, "{report}");
    assert_eq!(warm["hit_rate"], 1.0);
    // The binary links: sccache says so, and the report explains it.
    let reasons = warm["not_cached"].as_array().unwrap();
    let crate_type = reasons
        .iter()
        .find(|r| r["reason"].as_str().unwrap().starts_with("crate-type"))
        .unwrap_or_else(|| panic!("no crate-type reason: {report}"));
    assert!(crate_type["count"].as_u64().unwrap() >= 1);
    assert!(
        crate_type["explanation"]
            .as_str()
            .unwrap()
            .contains("linked")
    );
    assert!(std::fs::read_dir(&cache_dir).unwrap().count() > 0);
    assert!(!users_dir.exists());
    assert_no_server_with(
        &cache_dir.display().to_string(),
        "the private server was left running",
    );
}

#[test]
fn redis_serves_the_warm_build_and_the_password_is_never_shown() {
    require_sccache();
    let redis = Redis::start(Some(PASSWORD));
    let ws = TempWorkspace::fixture("cache-ci");
    let run = cli(&ws)
        .args(["cache", "verify", "--offline", "--format", "json"])
        .args([format!("--backend={}", redis.url(Some(PASSWORD)))])
        .run()
        .assert_code(exit_codes::OK);
    let report = run.json();
    let libs = library_units(&ws);
    assert_eq!(build(&report, "warm")["stats"]["hits"], libs, "{report}");
    assert!(redis.dbsize(Some(PASSWORD)) >= libs);
    assert_eq!(
        report["backend"],
        format!("redis://:***@127.0.0.1:{}", redis.port)
    );
    for text in [run.stdout(), run.stderr()] {
        assert!(!text.contains(PASSWORD), "{text}");
    }
    let human = cli(&ws)
        .args(["cache", "status"])
        .args([format!("--backend={}", redis.url(Some(PASSWORD)))])
        .run()
        .assert_code(exit_codes::OK);
    human.assert_stdout_has(&["answers PING"]);
    assert!(!human.stdout().contains(PASSWORD));
    assert_no_server_with(
        &format!("127.0.0.1:{}", redis.port),
        "a private sccache server was left running",
    );
}

#[test]
fn a_restored_target_dir_is_rebuilt_by_mtime_after_a_fresh_checkout() {
    let (_, report) = fixture_json(
        "cache-ci",
        "cache verify --offline --backend target-dir --format json",
        exit_codes::OK,
    );
    let warm = build(&report, "warm");
    // Every unit of this workspace is a path package, so cargo checks each one by mtime, and
    // the checkout made every mtime new.
    assert_eq!(warm["units_compiled"], warm["units_total"], "{report}");
    assert!(warm["stats"].is_null());
    let causes = warm["miss_causes"].to_string();
    assert!(
        causes.contains("mtime") && causes.contains("checksum-freshness"),
        "{causes}"
    );
}

#[test]
fn a_down_redis_is_a_setup_error_naming_the_url_with_the_password_masked() {
    let ws = TempWorkspace::fixture("cache-ci");
    let port = free_port();
    let run = status_setup_error(
        &ws,
        &format!("redis://:{PASSWORD}@127.0.0.1:{port}"),
        &fake_sccache(&ws, "0.10.0"),
    );
    run.assert_stderr_has(&[
        &format!("redis://:***@127.0.0.1:{port}"),
        &format!("redis-server --port {port}"),
    ]);
    assert!(!run.stderr().contains(PASSWORD) && !run.stdout().contains(PASSWORD));
}

#[test]
fn redis_needing_auth_says_where_the_password_goes_and_a_wrong_one_is_refused() {
    let redis = Redis::start(Some(PASSWORD));
    let ws = TempWorkspace::fixture("cache-ci");
    let path = fake_sccache(&ws, "0.10.0");
    status_setup_error(&ws, &redis.url(None), &path)
        .assert_stderr_has(&["requires a password", "redis://[USER]:PASSWORD@HOST:PORT"]);
    status_setup_error(&ws, &redis.url(Some("wrong-one")), &path)
        .assert_stderr_has(&["refused"])
        .assert_stderr_lacks(&["wrong-one"]);
}

/// `cache status --backend <backend>` with nothing but `path` on PATH, expecting a setup error.
#[track_caller]
fn status_setup_error(
    ws: &TempWorkspace,
    backend: &str,
    path: &Path,
) -> cargo_tune_test_support::RunResult {
    cli(ws)
        .args(["cache", "status", "--backend", backend])
        .env("PATH", path)
        .run()
        .assert_code(exit_codes::SETUP)
}

/// A directory holding only a fake `sccache` that reports `version`.
fn fake_sccache(ws: &TempWorkspace, version: &str) -> PathBuf {
    let dir = ws.path("../fake-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("sccache");
    std::fs::write(&exe, format!("#!/bin/sh\necho 'sccache {version}'\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn sccache_missing_or_too_old_names_the_install_command() {
    let ws = TempWorkspace::fixture("cache-ci");
    let empty = fake_tools(&ws.path("../no-tools"), &[]);
    status_setup_error(&ws, "local=cache", &empty)
        .assert_stderr_has(&["cargo install --locked sccache"]);
    let run = status_setup_error(&ws, "local=cache", &fake_sccache(&ws, "0.3.0"));
    run.assert_stderr_has(&["0.3.0", "0.8.0 or later", "cargo install --locked sccache"]);
    // The checks made are reported on stdout too.
    run.assert_stdout_has(&["FAILED"]);
}

#[test]
fn an_unknown_backend_is_a_usage_error() {
    let ws = TempWorkspace::fixture("cache-ci");
    let run = cli(&ws)
        .args(["cache", "status", "--backend", "s3://bucket"])
        .run()
        .assert_code(exit_codes::USAGE);
    run.assert_stderr_has(&["target-dir"]);
}

/// Per variant of the `ci-warm` scenario of a `try` report: (units rebuilt, units total) of
/// each measured run.
fn ci_warm_units(report: &serde_json::Value) -> Vec<(String, Vec<(u64, u64)>)> {
    let scenario = find_by(&report["scenarios"], "scenario", "ci-warm")
        .unwrap_or_else(|| panic!("no ci-warm scenario: {report}"));
    scenario["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let runs = v["runs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["units_rebuilt"].as_u64().unwrap(),
                        r["units_total"].as_u64().unwrap(),
                    )
                })
                .collect();
            (v["variant"].as_str().unwrap().to_owned(), runs)
        })
        .collect()
}

/// The units cargo itself compiles again after the edit `ci-warm` makes to one member, on a
/// build of the workspace as it was: cargo's own count, in a scratch copy.
fn units_cargo_rebuilds_after_editing(ws: &TempWorkspace, file: &str) -> u64 {
    let scratch = TempWorkspace::fixture("cache-ci");
    let target = scratch.path("target");
    let target = target.to_str().unwrap();
    cargo(
        scratch.root(),
        &["build", "--offline", "--workspace", "--target-dir", target],
    );
    let original = ws.read(file);
    scratch.write(
        file,
        &format!("// cargo-tune ci-warm edit run 1\n{original}"),
    );
    let out = cargo(
        scratch.root(),
        &[
            "build",
            "--offline",
            "--workspace",
            "--message-format=json",
            "--target-dir",
            target,
        ],
    );
    out.lines()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\"") && l.contains("\"fresh\":false"))
        .count() as u64
}

#[test]
fn ci_warm_rebuilds_every_member_from_a_restored_target_unless_freshness_is_by_checksum() {
    let (ws, report) = fixture_json(
        "cache-ci",
        "try --offline --scenario ci-warm --runs 2 --format json target-cache --vs target-cache+checksum-freshness --vs target-cache=deps",
        exit_codes::OK,
    );
    let units = ci_warm_units(&report);
    let of = |name: &str| &units.iter().find(|(n, _)| n == name).unwrap().1;
    // Units cargo builds, as cargo itself counts them in the warm-up's fresh checkout.
    let total = of("baseline")[0].1;
    assert!(total >= 4, "{report}");
    // Without a cache everything is built; with the target directory restored and freshness
    // by mtime, every member is built again (the checkout's files are all new), whatever the
    // layout of the cache.
    for (rebuilt, all) in of("baseline")
        .iter()
        .chain(of("candidate-1"))
        .chain(of("candidate-3"))
    {
        assert_eq!(*all, total, "{report}");
        assert!(*rebuilt >= 3, "{report}");
    }
    for (rebuilt, _) in of("baseline") {
        assert_eq!(*rebuilt, total, "{report}");
    }
    // By checksum, only what the pull request's edit of one member touches: what cargo itself
    // rebuilds after that edit.
    let edited = report["context"]["touched_file"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = units_cargo_rebuilds_after_editing(&ws, &edited);
    assert!(expected > 0 && expected < total, "{expected} of {total}");
    for (rebuilt, _) in of("candidate-2") {
        assert_eq!(*rebuilt, expected, "{report}");
    }
    let variants = report["variants"].to_string();
    assert!(variants.contains("RUSTC_BOOTSTRAP=1"), "{variants}");
    assert!(
        variants.contains("CARGO_UNSTABLE_CHECKSUM_FRESHNESS=true"),
        "{variants}"
    );
    // Every restored cache has a compressed size, charged to each run at 100 MB/s; the
    // dependencies' layout is the smaller; the baseline restores nothing.
    let outcomes = report["scenarios"][0]["variants"].as_array().unwrap();
    let bytes = |name: &str| {
        outcomes.iter().find(|v| v["variant"] == name).unwrap()["cache_bytes"].as_u64()
    };
    assert_eq!(bytes("baseline"), None);
    let (whole, deps) = (bytes("candidate-1").unwrap(), bytes("candidate-3").unwrap());
    assert!(deps > 0 && deps < whole, "{deps} vs {whole}");
    for v in outcomes.iter().filter(|v| v["variant"] != "baseline") {
        let b = v["cache_bytes"].as_f64().unwrap();
        for r in v["runs"].as_array().unwrap() {
            let charged = r["cache_restore_s"].as_f64().unwrap();
            assert!((charged - b / 1e8).abs() < 1e-9, "{r}");
        }
    }
    // The checkout is one path, reused; the workspace itself is untouched.
    assert!(
        ws.path("target/cargo-tune/ci-warm/checkout/Cargo.toml")
            .is_file()
    );
    assert!(
        !ws.path("target/cargo-tune/ci-warm/checkout/target")
            .exists()
    );
    assert_eq!(
        ws.read(&edited),
        TempWorkspace::fixture("cache-ci").read(&edited)
    );
}

#[test]
fn ci_warm_charges_the_restore_of_a_cache_at_the_bandwidth_given() {
    let ws = TempWorkspace::fixture("cache-ci");
    // At a kilobyte a second, restoring even a tiny target directory takes longer than
    // building everything from scratch.
    let report = cli(&ws)
        .line("try --offline --scenario ci-warm --runs 2 --cache-bandwidth 1KB/s --format json target-cache")
        .run_json(exit_codes::OK);
    let c = &report["scenarios"][0]["comparisons"][0];
    assert!(c["ratio"].as_f64().unwrap() > 10.0, "{c}");
    assert_eq!(c["verdict"], "slower", "{c}");
}

#[test]
fn ci_warm_with_sccache_compiles_through_a_private_server_that_is_stopped() {
    require_sccache();
    let (ws, report) = fixture_json(
        "cache-ci",
        "try --offline --scenario ci-warm --runs 1 --format json sccache+CARGO_INCREMENTAL=0",
        exit_codes::OK,
    );
    let cache = ws.path("target/cargo-tune/ci-warm/candidate-1.sccache");
    assert!(
        std::fs::read_dir(&cache).is_ok_and(|d| d.count() > 0),
        "sccache wrote nothing: {report}"
    );
    // The warm-up filled the cache; the measured run, from a fresh checkout, is served every
    // library cargo compiles, by sccache's own counters. The baseline has no cache to count.
    let variant =
        |name: &str| find_by(&report["scenarios"][0]["variants"], "variant", name).unwrap();
    let counts = &variant("candidate-1")["runs"][0]["compiler_cache"];
    assert_eq!(counts["hits"], library_units(&ws), "{report}");
    assert_eq!(counts["misses"], 0, "{report}");
    assert_eq!(
        variant("candidate-1")["summary"]["compiler_cache_hit_rate"]["median"],
        1.0
    );
    assert!(variant("baseline")["runs"][0]["compiler_cache"].is_null());
    assert_no_server_with(
        &cache.display().to_string(),
        "the private server was left running",
    );
}

#[test]
fn ctrl_c_during_a_ci_warm_run_stops_the_private_sccache_server() {
    require_sccache();
    let ws = TempWorkspace::fixture("cache-ci");
    let cache = ws.path("target/cargo-tune/ci-warm/candidate-1.sccache");
    let needle = cache.display().to_string();
    let output = cli(&ws)
        .line("try --offline --scenario ci-warm --runs 50 sccache+CARGO_INCREMENTAL=0")
        // Once the private server is up and the warm-up has written to its cache.
        .interrupt_when(Duration::from_secs(120), || {
            !sccache_processes_with(&needle).is_empty()
                && std::fs::read_dir(&cache).is_ok_and(|d| d.count() > 0)
        });
    assert_exit_code(&output, exit_codes::INTERRUPTED);
    assert_no_server_with(&needle, "the private server outlived Ctrl-C");
}
