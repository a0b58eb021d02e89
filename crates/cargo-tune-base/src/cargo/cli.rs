use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;

use crate::errors::CommandError;

/// When cargo should colour its own output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Color {
    /// Colour when the stream is a terminal.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Color {
    fn as_arg(self) -> &'static str {
        match self {
            Color::Auto => "auto",
            Color::Always => "always",
            Color::Never => "never",
        }
    }
}

/// The cargo flags every cargo-tune command forwards to every cargo it runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CargoOptions {
    /// `--manifest-path`.
    pub manifest_path: Option<PathBuf>,
    /// `--color` for cargo's own output.
    pub color: Option<Color>,
    /// `--locked`.
    pub locked: bool,
    /// `--offline`.
    pub offline: bool,
    /// `--frozen`.
    pub frozen: bool,
    /// `--config KEY=VALUE` or `--config PATH`, in order.
    pub config: Vec<String>,
    /// Environment overrides for every cargo run with these options: a configured rustc wrapper
    /// that is not installed is set empty, so that cargo can still ask rustc what it needs.
    pub env: Vec<(String, String)>,
    /// Where cargo's read-only calls (metadata, unit graphs) resolve a workspace that has no
    /// `Cargo.lock`, instead of writing one into it. Builds never use it.
    pub lockfile_aside: Option<PathBuf>,
}

/// Path of the cargo to run: `$CARGO` when cargo-tune runs as a cargo subcommand, so that the
/// same toolchain's cargo is used, else `cargo` from `PATH`.
fn cargo_path() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// Path of the rustc to run: `$RUSTC` if set, else `rustc` from `PATH`.
pub fn rustc_path() -> OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"))
}

/// The argument, environment and directory setters of a builder with `env` and `cwd` fields
/// and its arguments in `$args` (for cargo, those after the subcommand), and its captured run,
/// so that cargo and every other tool are started alike.
macro_rules! child_methods {
    ($args:ident) => {
        /// Appends one argument.
        pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
            self.$args.push(arg.as_ref().to_owned());
            self
        }

        /// Appends arguments.
        pub fn args<I, S>(mut self, args: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: AsRef<OsStr>,
        {
            self.$args
                .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
            self
        }

        /// Runs to completion with stdout and stderr captured; a non-zero exit is an error.
        pub fn output(&self) -> Result<Output, CommandError> {
            run_captured(self.to_command(), || self.display())
        }

        /// Sets an environment variable for the child, in place of an earlier setting of it.
        pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
            let key = key.as_ref().to_owned();
            self.env.retain(|(k, _)| *k != key);
            self.env.push((key, Some(value.as_ref().to_owned())));
            self
        }

        /// Removes an environment variable for the child.
        pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
            self.env.push((key.as_ref().to_owned(), None));
            self
        }

        /// Runs the child in `dir`.
        pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
            self.cwd = Some(dir.into());
            self
        }
    };
}

/// Builder for one cargo invocation: `cargo [global flags] <subcommand> [args] [--manifest-path]`.
#[derive(Clone, Debug)]
pub struct CargoCli {
    program: OsString,
    subcommand: Vec<OsString>,
    args: Vec<OsString>,
    options: CargoOptions,
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
}

impl CargoCli {
    /// `cargo <subcommand>` with the given shared options. `subcommand` may hold several words
    /// (`["nextest", "run"]`).
    pub fn new<S: AsRef<OsStr>>(subcommand: &[S], options: &CargoOptions) -> Self {
        CargoCli {
            program: cargo_path(),
            subcommand: subcommand.iter().map(|s| s.as_ref().to_owned()).collect(),
            args: Vec::new(),
            options: options.clone(),
            env: options
                .env
                .iter()
                .map(|(k, v)| (OsString::from(k), Some(OsString::from(v))))
                .collect(),
            cwd: None,
        }
    }

    /// Runs this cargo instead of `$CARGO` or the one on `PATH` (another toolchain's).
    pub fn program(mut self, cargo: impl AsRef<OsStr>) -> Self {
        self.program = cargo.as_ref().to_owned();
        self
    }

    /// Adds a `--config KEY=VALUE` override (after the user's own).
    pub fn config(mut self, override_: impl Into<String>) -> Self {
        self.options.config.push(override_.into());
        self
    }

    /// Offline and locked, so that cargo fails rather than fetches, unpacks or rewrites the
    /// lockfile.
    pub(super) fn writing_nothing(mut self) -> Self {
        self.options.offline = true;
        self.options.locked = true;
        self
    }

    /// For a read-only call: resolve into [`CargoOptions::lockfile_aside`], when set, rather
    /// than beside the manifest. cargo's `resolver.lockfile-path` is unstable, so this call alone
    /// runs with `RUSTC_BOOTSTRAP=1`; a build never does, since it would change what crates
    /// detect about the compiler.
    pub fn read_only_resolve(self) -> Self {
        match self.options.lockfile_aside.clone() {
            Some(path) => self
                .args(["-Z", "lockfile-path"])
                .config(format!(
                    "resolver.lockfile-path={}",
                    toml_edit::Value::from(path.display().to_string())
                ))
                .env("RUSTC_BOOTSTRAP", "1"),
            None => self,
        }
    }

    child_methods!(args);

    /// The full argv, program first.
    pub fn argv(&self) -> Vec<OsString> {
        let o = &self.options;
        let mut argv = vec![self.program.clone()];
        if let Some(color) = o.color {
            argv.push("--color".into());
            argv.push(color.as_arg().into());
        }
        for (flag, on) in [
            ("--locked", o.locked),
            ("--offline", o.offline),
            ("--frozen", o.frozen),
        ] {
            if on {
                argv.push(flag.into());
            }
        }
        for c in &o.config {
            argv.push("--config".into());
            argv.push(c.into());
        }
        argv.extend(self.subcommand.iter().cloned());
        argv.extend(self.args.iter().cloned());
        if let Some(path) = &o.manifest_path {
            argv.push("--manifest-path".into());
            argv.push(path.into());
        }
        argv
    }

    /// The command line as a user could paste it into a shell, environment overrides first.
    pub fn display(&self) -> String {
        display_command(&self.env, &self.argv())
    }

    /// A `std::process::Command` ready to spawn.
    pub fn to_command(&self) -> Command {
        build_command(&self.argv(), &self.env, self.cwd.as_deref())
    }

    /// Starts the command and returns once stdout holds a complete first line (or ends), while
    /// the process may still be running. cargo prints a JSON document as one line and then
    /// spends milliseconds freeing its memory before it exits; a caller can parse the line in
    /// that time and then [`FirstLine::finish`] for the exit status.
    pub fn first_line(&self) -> Result<FirstLine, CommandError> {
        first_line(self.to_command(), self.display())
    }
}

/// Builder for a tool that is neither cargo nor rustc (`mold --version`, `git status`).
#[derive(Clone, Debug)]
pub struct ToolCommand {
    argv: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
}

impl ToolCommand {
    /// `program` with no arguments yet.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        ToolCommand {
            argv: vec![program.as_ref().to_owned()],
            env: Vec::new(),
            cwd: None,
        }
    }

    /// `rustc` (honouring `$RUSTC`).
    pub fn rustc() -> Self {
        ToolCommand::new(rustc_path())
    }

    child_methods!(argv);

    /// The command line as a user could paste it into a shell.
    pub fn display(&self) -> String {
        display_command(&self.env, &self.argv)
    }

    /// A `std::process::Command` ready to spawn.
    pub fn to_command(&self) -> Command {
        build_command(&self.argv, &self.env, self.cwd.as_deref())
    }

    /// As [`CargoCli::first_line`]; only tests run other tools this way.
    #[cfg(test)]
    pub(crate) fn first_line(&self) -> Result<FirstLine, CommandError> {
        first_line(self.to_command(), self.display())
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "the one place that turns a recorded argv into a process"
)]
fn build_command(
    argv: &[OsString],
    env: &[(OsString, Option<OsString>)],
    cwd: Option<&Path>,
) -> Command {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    for (key, value) in env {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd
}

fn run_captured(mut cmd: Command, display: impl Fn() -> String) -> Result<Output, CommandError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = cmd.output().map_err(|source| CommandError::Spawn {
        command: display(),
        source,
    })?;
    if !output.status.success() {
        return Err(failed(display(), output.status, &output.stderr));
    }
    Ok(output)
}

fn failed(command: String, status: std::process::ExitStatus, stderr: &[u8]) -> CommandError {
    CommandError::Failed {
        command,
        status,
        stderr: String::from_utf8_lossy(stderr).into_owned(),
    }
}

fn first_line(mut cmd: Command, command: String) -> Result<FirstLine, CommandError> {
    let spawn_error = |source| CommandError::Spawn {
        command: command.clone(),
        source,
    };
    let (mut stdout, writer) = std::io::pipe().map_err(spawn_error)?;
    grow_pipe(&stdout);
    cmd.stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(spawn_error)?;
    // The parent's copy of the write end must go, or the read end never sees the output end.
    drop(cmd);
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    // Read stderr alongside, so that a chatty process never blocks on a full pipe.
    let stderr = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        buf
    });
    let mut line = Vec::new();
    let mut chunk = vec![0; 1 << 16];
    loop {
        let n = match stdout.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(spawn_error(source));
            }
        };
        line.extend_from_slice(&chunk[..n]);
        if chunk[..n].contains(&b'\n') {
            break;
        }
    }
    Ok(FirstLine {
        line,
        child,
        stdout,
        stderr,
        command,
    })
}

/// Raises a pipe's capacity from 64 KiB towards 1 MiB (Linux's default limit for unprivileged
/// processes). A writer that prints megabytes at once otherwise stops at every 64 KiB until the
/// reader is scheduled; for `cargo metadata` on a thousand packages that cost more than parsing
/// its output. Best effort: under a lower limit the pipe stays as it was.
#[cfg(target_os = "linux")]
fn grow_pipe(pipe: &std::io::PipeReader) {
    use std::os::fd::AsRawFd;
    // SAFETY: F_SETPIPE_SZ takes an int and touches nothing but the pipe behind the descriptor,
    // which `pipe` keeps open for the duration of the call.
    let _ = unsafe { libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
}

#[cfg(not(target_os = "linux"))]
fn grow_pipe(_: &std::io::PipeReader) {}

/// A process whose first line of stdout has been read; see [`CargoCli::first_line`].
#[derive(Debug)]
pub struct FirstLine {
    /// Stdout as read so far: through the first newline, possibly a little beyond it.
    pub line: Vec<u8>,
    child: Child,
    stdout: std::io::PipeReader,
    stderr: JoinHandle<Vec<u8>>,
    command: String,
}

impl FirstLine {
    /// Waits for the process to exit; returns the rest of its stdout. A non-zero exit is an
    /// error carrying stderr.
    pub fn finish(mut self) -> Result<Vec<u8>, CommandError> {
        let mut rest = Vec::new();
        let read = self.stdout.read_to_end(&mut rest);
        let status = self.child.wait();
        let stderr = self.stderr.join().unwrap_or_default();
        let spawn_error = |source| CommandError::Spawn {
            command: self.command.clone(),
            source,
        };
        let status = status.map_err(spawn_error)?;
        if !status.success() {
            return Err(failed(self.command, status, &stderr));
        }
        read.map_err(spawn_error)?;
        Ok(rest)
    }
}

fn display_command(env: &[(OsString, Option<OsString>)], argv: &[OsString]) -> String {
    let mut words = Vec::new();
    for (key, value) in env {
        if let Some(value) = value {
            // A Redis URL for sccache carries a password; a shown command never does.
            words.push(format!(
                "{}={}",
                key.to_string_lossy(),
                if super::is_secret_var(&key.to_string_lossy()) {
                    "***".to_owned()
                } else {
                    shell_quote(&super::mask_secrets(&value.to_string_lossy()))
                }
            ));
        }
    }
    words.extend(
        argv.iter()
            .map(|a| shell_quote(&super::mask_secrets(&a.to_string_lossy()))),
    );
    words.join(" ")
}

fn shell_quote(word: &str) -> String {
    // Control characters (the 0x1f separator of CARGO_ENCODED_RUSTFLAGS) would be invisible,
    // and the line could not be pasted back: bash's $'…' spells them out.
    if word.chars().any(char::is_control) {
        let mut quoted = String::from("$'");
        for c in word.chars() {
            match c {
                '\\' | '\'' => {
                    quoted.push('\\');
                    quoted.push(c);
                }
                c if c.is_control() => quoted.push_str(&format!("\\x{:02x}", u32::from(c))),
                c => quoted.push(c),
            }
        }
        quoted.push('\'');
        return quoted;
    }
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_puts_global_flags_first_and_manifest_path_last() {
        let options = CargoOptions {
            manifest_path: Some("ws/Cargo.toml".into()),
            color: Some(Color::Never),
            locked: true,
            offline: true,
            frozen: false,
            config: vec!["build.jobs=1".into()],
            env: Vec::new(),
            lockfile_aside: None,
        };
        let cli = CargoCli::new(&["metadata"], &options)
            .arg("--format-version=1")
            .config("profile.dev.debug=0")
            .env("CARGO_TARGET_DIR", "/tmp/t x");
        let argv: Vec<String> = cli
            .argv()
            .iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            argv,
            [
                "--color",
                "never",
                "--locked",
                "--offline",
                "--config",
                "build.jobs=1",
                "--config",
                "profile.dev.debug=0",
                "metadata",
                "--format-version=1",
                "--manifest-path",
                "ws/Cargo.toml"
            ]
        );
        assert!(cli.display().starts_with("CARGO_TARGET_DIR='/tmp/t x' "));
        let encoded = CargoCli::new(&["build"], &CargoOptions::default())
            .env("CARGO_ENCODED_RUSTFLAGS", "-Ca=1\x1f-Cb='x'");
        assert!(
            encoded
                .display()
                .starts_with(r"CARGO_ENCODED_RUSTFLAGS=$'-Ca=1\x1f-Cb=\'x\'' "),
            "{}",
            encoded.display()
        );
    }

    #[test]
    fn failed_command_carries_its_command_line_and_stderr() {
        let err = ToolCommand::new("sh")
            .args(["-c", "echo boom >&2; exit 3"])
            .output()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sh -c"), "{text}");
        assert!(text.contains("boom"), "{text}");
    }

    fn sh_first_line(script: &str) -> FirstLine {
        ToolCommand::new("sh")
            .args(["-c", script])
            .first_line()
            .unwrap()
    }

    #[test]
    fn first_line_returns_while_the_process_still_runs() {
        let running = sh_first_line("printf '{\"a\":1}\\n'; exec sleep 30");
        assert_eq!(running.line, b"{\"a\":1}\n");
        let mut child = running.child;
        assert!(child.try_wait().unwrap().is_none(), "still sleeping");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn first_line_finish_reports_the_exit_and_the_rest_of_stdout() {
        let running = sh_first_line("echo one; echo two; echo three");
        assert!(running.line.starts_with(b"one\n"));
        let mut all = running.line.clone();
        all.extend(running.finish().unwrap());
        assert_eq!(all, b"one\ntwo\nthree\n");

        let running = sh_first_line("echo '{}'; echo broken >&2; exit 3");
        assert_eq!(running.line, b"{}\n");
        let err = running.finish().unwrap_err();
        assert!(
            matches!(&err, CommandError::Failed { stderr, .. } if stderr.contains("broken")),
            "{err:?}"
        );
    }

    #[test]
    fn first_line_without_a_newline_is_all_of_stdout() {
        let running = sh_first_line("printf abc");
        assert_eq!(running.line, b"abc");
        assert!(running.finish().unwrap().is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn first_line_reads_through_a_grown_pipe() {
        use std::os::fd::AsRawFd;
        let running = sh_first_line("echo x; exec sleep 30");
        // SAFETY: F_GETPIPE_SZ only reads the size of the pipe `running` holds open.
        let size = unsafe { libc::fcntl(running.stdout.as_raw_fd(), libc::F_GETPIPE_SZ) };
        let mut child = running.child;
        child.kill().unwrap();
        child.wait().unwrap();
        let limit: i32 = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
            .map_or(1 << 20, |s| s.trim().parse().unwrap());
        assert_eq!(size, limit.min(1 << 20));
    }
}
