//! Where output goes and how it looks, decided once at the edge: colour from `--color`,
//! `CARGO_TERM_COLOR`, `NO_COLOR` and whether the stream is a terminal.

mod progress;

use std::io::{IsTerminal, Write};
use std::path::Path;

use cargo_tune_core::report::RenderOptions;

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
    /// Whether to colour a stream.
    pub(crate) fn should_colorize(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
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
    pub(crate) fn new(color: ColorChoice) -> Self {
        let stderr_is_terminal = std::io::stderr().is_terminal();
        OutputContext {
            color,
            stdout_color: color.should_colorize(std::io::stdout().is_terminal()),
            stderr_color: color.should_colorize(stderr_is_terminal),
            stderr_is_terminal,
        }
    }

    /// Render options for the report: coloured only when going to a colouring stdout.
    pub(crate) fn render_options(&self, to_file: bool) -> RenderOptions {
        RenderOptions::new(self.stdout_color && !to_file)
    }

    /// Writes `error: …` to stderr.
    pub(crate) fn print_error(&self, text: &str) {
        let style = if self.stderr_color {
            anstyle::AnsiColor::Red.on_default().bold()
        } else {
            anstyle::Style::new()
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{style}error{style:#}: {text}");
    }

    /// Writes `note: …` to stderr.
    pub(crate) fn print_note(&self, text: &str) {
        let style = if self.stderr_color {
            anstyle::AnsiColor::Cyan.on_default().bold()
        } else {
            anstyle::Style::new()
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{style}note{style:#}: {text}");
    }

    /// Writes a cargo-style status line (`   Measuring …`) to stderr.
    pub(crate) fn print_status(&self, status: &str, text: &str) {
        let style = if self.stderr_color {
            anstyle::AnsiColor::Green.on_default().bold()
        } else {
            anstyle::Style::new()
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{style}{status:>12}{style:#} {text}");
    }

    /// Writes `warning: …` to stderr.
    pub(crate) fn print_warning(&self, text: &str) {
        let style = if self.stderr_color {
            anstyle::AnsiColor::Yellow.on_default().bold()
        } else {
            anstyle::Style::new()
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{style}warning{style:#}: {text}");
    }
}

/// Renders into a buffer and sends it to stdout or, atomically, to `--output PATH`.
pub(crate) fn deliver(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExpectedError> {
    let mut buf = Vec::new();
    render(&mut buf).map_err(|source| ExpectedError::Output {
        path: "the report".to_owned(),
        source,
    })?;
    match output {
        Some(path) => cargo_tune_core::fsutil::write_atomic(path, &buf).map_err(|source| {
            ExpectedError::Output {
                path: path.display().to_string(),
                source,
            }
        }),
        None => {
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
