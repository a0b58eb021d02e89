use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
            env: Vec::new(),
            cwd: None,
        }
    }

    /// Appends one argument after the subcommand.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments after the subcommand.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Adds a `--config KEY=VALUE` override (after the user's own).
    pub fn config(mut self, override_: impl Into<String>) -> Self {
        self.options.config.push(override_.into());
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    /// Runs the child in `dir`.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

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

    /// Runs to completion with stdout and stderr captured; a non-zero exit is an error.
    pub fn output(&self) -> Result<Output, CommandError> {
        run_captured(self.to_command(), || self.display())
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

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.argv.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.argv
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// Runs the child in `dir`.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// The command line as a user could paste it into a shell.
    pub fn display(&self) -> String {
        display_command(&self.env, &self.argv)
    }

    /// A `std::process::Command` ready to spawn.
    pub fn to_command(&self) -> Command {
        build_command(&self.argv, &self.env, self.cwd.as_deref())
    }

    /// Runs to completion with stdout and stderr captured; a non-zero exit is an error.
    pub fn output(&self) -> Result<Output, CommandError> {
        run_captured(self.to_command(), || self.display())
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
        return Err(CommandError::Failed {
            command: display(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(output)
}

fn display_command(env: &[(OsString, Option<OsString>)], argv: &[OsString]) -> String {
    let mut words = Vec::new();
    for (key, value) in env {
        if let Some(value) = value {
            words.push(format!(
                "{}={}",
                key.to_string_lossy(),
                shell_quote(&value.to_string_lossy())
            ));
        }
    }
    words.extend(argv.iter().map(|a| shell_quote(&a.to_string_lossy())));
    words.join(" ")
}

fn shell_quote(word: &str) -> String {
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
}
