//! Where output goes and how it looks, decided once at the edge: colour from `--color` (or
//! `CARGO_TERM_COLOR`), then anstream's reading of `NO_COLOR`, `CLICOLOR_FORCE`, `CLICOLOR`,
//! `TERM` and whether the stream is a terminal, as cargo does.

mod events;
mod interrupt;
mod progress;

use std::io::{IsTerminal, Write};

use anstyle::AnsiColor;
use std::path::{Path, PathBuf};

use cargo_tune_core::fsutil::PendingWrite;
use cargo_tune_core::report::RenderOptions;

pub(crate) use events::Terminal;
pub(crate) use progress::ProgressBar;

use crate::errors::ExpectedError;

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    fn to_anstream(self) -> anstream::ColorChoice {
        match self {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        }
    }

    pub(crate) fn to_cargo(self) -> cargo_tune_core::cargo::Color {
        match self {
            ColorChoice::Auto => cargo_tune_core::cargo::Color::Auto,
            ColorChoice::Always => cargo_tune_core::cargo::Color::Always,
            ColorChoice::Never => cargo_tune_core::cargo::Color::Never,
        }
    }
}

/// Decided once per run and passed down.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutputContext {
    pub(crate) color: ColorChoice,
    pub(crate) stdout_color: bool,
    pub(crate) stderr_color: bool,
    pub(crate) stderr_is_terminal: bool,
}

impl OutputContext {
    /// Settles colour the way cargo does, through anstream: `--color`, then `NO_COLOR`,
    /// `CLICOLOR_FORCE`, `CLICOLOR`, `TERM` and whether the stream is a terminal.
    pub(crate) fn new(color: ColorChoice) -> Self {
        color.to_anstream().write_global();
        let colors = |choice| choice != anstream::ColorChoice::Never;
        OutputContext {
            color,
            stdout_color: colors(anstream::AutoStream::choice(&std::io::stdout())),
            stderr_color: colors(anstream::AutoStream::choice(&std::io::stderr())),
            stderr_is_terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Render options for the report: coloured only when going to a colouring stdout.
    pub(crate) fn render_options(&self, to_file: bool) -> RenderOptions {
        RenderOptions::new(self.stdout_color && !to_file)
    }

    /// Writes `error: …` to stderr.
    pub(crate) fn print_error(&self, text: &str) {
        status_line(AnsiColor::Red, "error", text);
    }

    /// Writes `note: …` to stderr.
    pub(crate) fn print_note(&self, text: &str) {
        status_line(AnsiColor::Cyan, "note", text);
    }

    /// Writes a cargo-style status line (`     Running step`) to stderr.
    pub(crate) fn print_status(&self, verb: &str, text: &str) {
        let style = AnsiColor::Green.on_default().bold();
        let _ = writeln!(
            anstream::stderr().lock(),
            "{style}{verb:>12}{style:#} {text}"
        );
    }

    /// Writes `warning: …` to stderr.
    pub(crate) fn print_warning(&self, text: &str) {
        status_line(AnsiColor::Yellow, "warning", text);
    }
}

/// `label: text` on stderr, the label styled; anstream drops the style where colour is off.
fn status_line(color: AnsiColor, label: &str, text: &str) {
    let style = color.on_default().bold();
    let _ = writeln!(anstream::stderr().lock(), "{style}{label}{style:#}: {text}");
}

/// Where the report goes, settled before any work: a file destination is opened (as a
/// temporary file beside it) at once, so that an unwritable `--output` fails before a build runs
/// or a file is edited.
#[derive(Debug)]
pub(crate) enum Destination {
    Stdout,
    File(PendingWrite),
}

impl Destination {
    /// Opens `output`, or stdout when there is none.
    pub(crate) fn open(output: Option<&Path>) -> Result<Destination, ExpectedError> {
        match output {
            None => Ok(Destination::Stdout),
            Some(path) => PendingWrite::create(path)
                .map(Destination::File)
                .map_err(|source| ExpectedError::Output {
                    path: path.display().to_string(),
                    source,
                }),
        }
    }
}

/// Sends a rendered report to stdout or, atomically, to the `--output` file.
pub(crate) fn deliver(destination: Destination, text: String) -> Result<(), ExpectedError> {
    let buf = text.into_bytes();
    match destination {
        Destination::File(pending) => {
            let path = pending.path().display().to_string();
            pending
                .commit(&buf)
                .map_err(|source| ExpectedError::Output { path, source })
        }
        Destination::Stdout => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&buf).and_then(|()| stdout.flush()) {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(source) => Err(ExpectedError::Output {
                    path: "stdout".to_owned(),
                    source,
                }),
                Ok(()) => Ok(()),
            }
        }
    }
}

/// The directory of `path` exists and accepts a new file.
pub(crate) fn check_writable(path: &Path, flag: &str) -> Result<(), ExpectedError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let fail = |why: String| ExpectedError::Setup {
        message: format!("failed to use {flag} {}: {why}", path.display()),
        source: None,
    };
    if path.is_dir() {
        return Err(fail("it is a directory".to_owned()));
    }
    if !dir.is_dir() {
        return Err(fail(format!("{} is not a directory", dir.display())));
    }
    let probe = dir.join(format!(".cargo-tune.probe.{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(fail(format!(
            "cannot create a file in {}: {e}",
            dir.display()
        ))),
    }
}

/// Appends a rendered report to `path` (created if missing): a CI job summary that other steps
/// write to as well.
pub(crate) fn append_to(path: &Path, text: &str) -> Result<(), ExpectedError> {
    let err = |source| ExpectedError::Output {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(err)?;
    file.write_all(text.as_bytes()).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unwritable_output_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(&dir.path().join("report.xml"), "--output").is_ok());
        let err = check_writable(&dir.path().join("missing/report.xml"), "--output").unwrap_err();
        assert!(err.render().unwrap().contains("is not a directory"));
        let err = check_writable(dir.path(), "--output").unwrap_err();
        assert!(err.render().unwrap().contains("it is a directory"));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no probe left"
        );
    }
}
