//! Test helpers shared by cargo-tune's test suites: fixture workspaces copied into temporary
//! directories, and a runner for the `cargo-tune` binary with a scrubbed environment.

#![expect(
    clippy::disallowed_methods,
    reason = "test helpers write fixtures and spawn the binary directly"
)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod comments;

pub use comments::comment_problems;

/// The repository's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The text of `fixtures/<path>`; a file that cannot be read fails the test, naming it.
pub fn read_fixture(path: &str) -> String {
    let path = fixtures_dir().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Build-affecting variables that leak from the outer `cargo test` and must not reach the
/// cargo that a test runs.
pub const SCRUBBED_VARS: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_JOBS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_INCREMENTAL",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_MANIFEST_DIR",
    "CARGO_PKG_NAME",
    "CARGO_TERM_COLOR",
    "CLICOLOR_FORCE",
    "NO_COLOR",
    "GITHUB_STEP_SUMMARY",
];

/// Removes [`SCRUBBED_VARS`] and every `CARGO_PROFILE_*` variable from `cmd`'s environment.
pub fn scrub_env(cmd: &mut Command) {
    for var in SCRUBBED_VARS {
        cmd.env_remove(var);
    }
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CARGO_PROFILE_") {
            cmd.env_remove(key);
        }
    }
}

/// The active toolchain's `bin` directory (cargo, rustc, rustdoc): a `PATH` made of it alone
/// hides every other tool, so toolchain findings become predictable.
pub fn toolchain_bin_dir() -> PathBuf {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc");
    assert!(out.status.success(), "rustc --print sysroot failed");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("bin")
}

/// Runs the toolchain's cargo (`$CARGO`) in `cwd` with a scrubbed environment; panics unless it
/// succeeds. Tests use it to ask cargo itself for the answer cargo-tune must match.
pub fn cargo(cwd: &Path, args: &[&str]) -> String {
    cargo_with_env(cwd, args, &[])
}

/// As [`cargo`], with `env` set on top of the scrubbed environment.
pub fn cargo_with_env(cwd: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> String {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(args).current_dir(cwd);
    scrub_env(&mut cmd);
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs the toolchain's cargo (`$CARGO`) in `cwd` with a scrubbed environment and returns what
/// it did, failure included: tests compare cargo's own refusals with cargo-tune's words.
pub fn cargo_output(cwd: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(args).current_dir(cwd);
    scrub_env(&mut cmd);
    cmd.output().expect("run cargo")
}

/// cargo's unit graph of `cargo build <args>` in `cwd` (`--locked --offline`), with `env` set on
/// top of a scrubbed environment: what cargo would build, and with which profile, without
/// building anything. The flag is unstable, so this call alone sets `RUSTC_BOOTSTRAP=1`.
pub fn unit_graph(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    unit_graph_of(cwd, &["build"], args, env)
}

/// As [`unit_graph`], of `cargo <subcommand> <args>` (`["test", "--no-run"]`).
pub fn unit_graph_of(
    cwd: &Path,
    subcommand: &[&str],
    args: &[&str],
    env: &[(&str, &str)],
) -> serde_json::Value {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(subcommand)
        .args(args)
        .args([
            "--unit-graph",
            "-Z",
            "unstable-options",
            "--locked",
            "--offline",
        ])
        .current_dir(cwd);
    scrub_env(&mut cmd);
    cmd.env("RUSTC_BOOTSTRAP", "1").envs(env.iter().copied());
    let out = cmd.output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo {subcommand:?} {args:?} --unit-graph failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a unit graph")
}

/// The fingerprint of a plan record that tests build by hand: no commit, lockfile or manifest
/// to compare against.
pub fn fingerprint() -> cargo_tune_schema::Fingerprint {
    cargo_tune_schema::Fingerprint {
        rustc: "1.95.0".to_owned(),
        host: "x86_64-unknown-linux-gnu".to_owned(),
        commit: None,
        lockfile: None,
        root_manifest: "0".to_owned(),
    }
}

/// The first element of the JSON array `list` whose `field` is `value`.
#[track_caller]
pub fn find_by<'a, T: ?Sized>(
    list: &'a serde_json::Value,
    field: &str,
    value: &T,
) -> Option<&'a serde_json::Value>
where
    serde_json::Value: PartialEq<T>,
{
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item[field] == *value)
}

/// The string `field` of every element of the JSON array `list`.
#[track_caller]
pub fn field_strs<'a>(list: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
}

/// Asserts how a spawned command exited, showing its stderr otherwise.
#[track_caller]
pub fn assert_exit_code(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Fails with the install command when a tool the test needs is missing: a test never skips
/// silently.
#[track_caller]
pub fn require_tool(tool: &str, install: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    assert!(
        std::env::split_paths(&path).any(|d| d.join(tool).is_file()),
        "this test needs `{tool}` on PATH: {install} (or run .ci/setup)"
    );
}

/// A registry index cache file in cargo's layout, for `(version, json line)` pairs.
pub fn index_cache(entries: &[(&str, String)]) -> Vec<u8> {
    let mut bytes = vec![3u8];
    bytes.extend_from_slice(&2u32.to_le_bytes());
    bytes.extend_from_slice(b"etag: \"abc\"\0");
    for (version, json) in entries {
        bytes.extend_from_slice(version.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(json.as_bytes());
        bytes.push(0);
    }
    bytes
}

/// A tarball checksum: every index line has one, of 64 hex digits.
pub const INDEX_CKSUM: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One registry index line for `name@vers` with `(dep, req)` normal dependencies.
pub fn index_line(name: &str, vers: &str, deps: &[(&str, &str)], yanked: bool) -> String {
    let deps: Vec<serde_json::Value> = deps
        .iter()
        .map(|(dep, req)| {
            serde_json::json!({"name": dep, "req": req, "features": [], "optional": false,
                "default_features": true, "target": null, "kind": "normal"})
        })
        .collect();
    serde_json::json!({"name": name, "vers": vers, "deps": deps, "cksum": INDEX_CKSUM, "features": {},
        "yanked": yanked})
    .to_string()
}

/// Writes a fixture file, creating its directory.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a file in a directory")).expect("mkdir");
    std::fs::write(path, text).expect("write fixture");
}

/// Writes an executable shell script whose body is `body`, and returns once it can be run.
///
/// Tests run in threads of one process: a child forked by another thread while the file was
/// open for writing holds it open until that child execs, and running the script in that
/// moment fails with "Text file busy". The script answers a first run at once
/// (`CARGO_TUNE_SCRIPT_READY` set), and is run until that run succeeds; after it, nothing can
/// hold the file open for writing any more.
pub fn write_script(path: &Path, body: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(
        path,
        format!("#!/bin/sh\n[ -n \"$CARGO_TUNE_SCRIPT_READY\" ] && exit 0\n{body}"),
    )
    .expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    for _ in 0..200 {
        match Command::new(path)
            .env("CARGO_TUNE_SCRIPT_READY", "1")
            .status()
        {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => {
                other.expect("run the script");
                return;
            }
        }
    }
    panic!("{} stayed busy", path.display());
}

/// A directory of fake executables (shell scripts that exit 0, or run their arguments), for tests that need a tool to
/// be "installed" without depending on the machine. Returns the directory.
pub fn fake_tools(dir: &Path, names: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    for name in names {
        // Acting as a pass-through lets a fake wrapper such as sccache still run rustc.
        write_script(
            &dir.join(name),
            "if [ $# -gt 0 ] && command -v \"$1\" >/dev/null 2>&1; then exec \"$@\"; fi\nexit 0\n",
        );
    }
    dir.to_owned()
}

/// A copy of a fixture workspace in a temporary directory, deleted on drop unless the test
/// panicked (then its path is printed for inspection).
pub struct TempWorkspace {
    dir: Option<tempfile::TempDir>,
    root: PathBuf,
}

impl TempWorkspace {
    /// Copies `fixtures/workspaces/<name>`.
    pub fn fixture(name: &str) -> Self {
        TempWorkspace::copy_of(&fixtures_dir().join("workspaces").join(name))
    }

    /// Copies any directory (skipping `target/`).
    pub fn copy_of(src: &Path) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("cargo-tune-test-")
            .tempdir()
            .expect("tempdir");
        let root = dir.path().join(src.file_name().expect("named dir"));
        copy_dir(src, &root);
        TempWorkspace {
            dir: Some(dir),
            root,
        }
    }

    /// An empty directory.
    pub fn empty() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("cargo-tune-test-")
            .tempdir()
            .expect("tempdir");
        let root = dir.path().join("ws");
        std::fs::create_dir_all(&root).expect("mkdir");
        TempWorkspace {
            dir: Some(dir),
            root,
        }
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `root/rel`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Reads `root/rel`.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Writes `root/rel`, creating parent directories.
    pub fn write(&self, rel: &str, text: &str) {
        write(&self.path(rel), text);
    }
}

impl Drop for TempWorkspace {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            eprintln!("kept workspace of failed test: {}", dir.keep().display());
        }
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let from = entry.path();
        let to = dst.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&from, &to);
        } else {
            std::fs::copy(&from, &to).expect("copy");
        }
    }
}

/// Runs the `cargo-tune` binary as `cargo-tune tune <args>` (the way cargo invokes it).
pub struct CargoTuneCli {
    cmd: Command,
    display: String,
}

impl CargoTuneCli {
    /// `bin tune` with a scrubbed environment, no colour and the test's workspace as working
    /// directory.
    pub fn new(bin: &str, cwd: &Path) -> Self {
        let mut cmd = Command::new(bin);
        cmd.arg("tune").current_dir(cwd);
        scrub_env(&mut cmd);
        cmd.env("NO_COLOR", "1");
        CargoTuneCli {
            cmd,
            display: "cargo tune".to_owned(),
        }
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Self {
        for a in args {
            self.display.push(' ');
            self.display.push_str(a.as_ref());
            self.cmd.arg(a.as_ref());
        }
        self
    }

    /// Appends the words of `line`, split at whitespace (`"bench --runs 1"`): for arguments
    /// that hold no space themselves.
    pub fn line(self, line: &str) -> Self {
        self.args(line.split_whitespace())
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    /// The underlying command, for tests that need to spawn it themselves.
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Starts the command, waits (at most `within`) until `ready` holds, sends SIGINT as a
    /// terminal's Ctrl-C would, and returns what the command printed and how it exited.
    #[track_caller]
    pub fn interrupt_when(
        mut self,
        within: std::time::Duration,
        ready: impl Fn() -> bool,
    ) -> Output {
        let mut child = self
            .cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn cargo-tune");
        let deadline = std::time::Instant::now() + within;
        while !ready() {
            assert!(
                std::time::Instant::now() < deadline,
                "the point to interrupt at was not reached"
            );
            assert!(child.try_wait().expect("wait").is_none(), "exited early");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success());
        child.wait_with_output().expect("wait for cargo-tune")
    }

    /// Runs to completion, asserts the exit code and parses stdout as JSON.
    #[track_caller]
    pub fn run_json(self, code: i32) -> serde_json::Value {
        self.run().assert_code(code).json()
    }

    /// Runs to completion.
    pub fn run(mut self) -> RunResult {
        let output = self
            .cmd
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.display));
        RunResult {
            display: self.display,
            output,
        }
    }
}

/// The outcome of a [`CargoTuneCli`] run.
pub struct RunResult {
    display: String,
    /// The raw output.
    pub output: Output,
}

impl RunResult {
    /// Stdout as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Stderr as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The exit code (panics if killed by a signal).
    pub fn code(&self) -> i32 {
        self.output.status.code().expect("exited normally")
    }

    /// Asserts the exit code, showing both streams otherwise.
    #[track_caller]
    pub fn assert_code(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "{} exited {}\n--- stdout\n{}\n--- stderr\n{}",
            self.display,
            self.code(),
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Asserts that stderr holds every one of `needles`, showing it otherwise.
    #[track_caller]
    pub fn assert_stderr_has(&self, needles: &[&str]) -> &Self {
        assert_has("stderr", &self.stderr(), needles);
        self
    }

    /// Asserts that stderr holds none of `needles`, showing it otherwise.
    #[track_caller]
    pub fn assert_stderr_lacks(&self, needles: &[&str]) -> &Self {
        let stderr = self.stderr();
        for needle in needles {
            assert!(!stderr.contains(needle), "`{needle}` in stderr:\n{stderr}");
        }
        self
    }

    /// Asserts that stdout holds every one of `needles`, showing it otherwise.
    #[track_caller]
    pub fn assert_stdout_has(&self, needles: &[&str]) -> &Self {
        assert_has("stdout", &self.stdout(), needles);
        self
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout).unwrap_or_else(|e| {
            panic!("{} printed no JSON ({e}):\n{}", self.display, self.stdout())
        })
    }
}

/// Asserts that `text`, the output named `stream`, holds every one of `needles`, showing it
/// otherwise.
#[track_caller]
fn assert_has(stream: &str, text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "no `{needle}` in {stream}:\n{text}");
    }
}
