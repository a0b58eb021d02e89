//! The progress of a measurement on stderr: one redrawn line with a bar and an ETA when stderr
//! is a terminal, plain cargo-style status lines otherwise (CI logs, pipes).

use std::io::Write;
use std::time::{Duration, Instant};

use cargo_tune_core::measure::Progress;
use cargo_tune_core::text::secs;

use super::OutputContext;

pub(crate) struct ProgressBar {
    terminal: bool,
    color: bool,
    total: usize,
    done: usize,
    started: Instant,
    current: String,
}

impl ProgressBar {
    pub(crate) fn new(ctx: &OutputContext) -> Self {
        ProgressBar {
            terminal: ctx.stderr_is_terminal,
            color: ctx.stderr_color,
            total: 0,
            done: 0,
            started: Instant::now(),
            current: String::new(),
        }
    }

    pub(crate) fn event(&mut self, event: &Progress<'_>) {
        let mut err = std::io::stderr().lock();
        match *event {
            // Each batch of runs (a plan measures several) counts from zero again.
            Progress::Planned { total } => {
                self.total = total;
                self.done = 0;
                self.started = Instant::now();
            }
            Progress::Started {
                scenario,
                variant,
                label,
            } => {
                self.current = format!("{scenario} {variant} {label}");
                if self.terminal {
                    let _ = write!(err, "\r\x1b[2K{}", self.bar_line());
                } else {
                    let _ = writeln!(
                        err,
                        "{} {} ({}/{})",
                        self.status("Measuring"),
                        self.current,
                        self.done + 1,
                        self.total
                    );
                }
            }
            Progress::Finished { wall, ok } => {
                self.done += 1;
                if self.terminal {
                    let _ = write!(err, "\r\x1b[2K{}", self.bar_line());
                } else {
                    let word = if ok { "Finished" } else { "Failed" };
                    let _ = writeln!(
                        err,
                        "{} {} in {}",
                        self.status(word),
                        self.current,
                        secs(wall.as_secs_f64())
                    );
                }
            }
        }
        let _ = err.flush();
    }

    /// Clears the bar so the report (or an error) starts on a clean line.
    pub(crate) fn finish(&self) {
        if self.terminal {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }

    fn status(&self, word: &str) -> String {
        let style = if self.color {
            anstyle::AnsiColor::Green.on_default().bold()
        } else {
            anstyle::Style::new()
        };
        format!("{style}{word:>12}{style:#}")
    }

    fn eta(&self) -> Option<Duration> {
        if self.done == 0 {
            return None;
        }
        let per_run = self.started.elapsed() / u32::try_from(self.done).ok()?;
        Some(per_run * u32::try_from(self.total.saturating_sub(self.done)).ok()?)
    }

    fn bar_line(&self) -> String {
        const WIDTH: usize = 24;
        let filled = (self.done * WIDTH).checked_div(self.total).unwrap_or(0);
        let eta = self.eta().map_or_else(
            || "ETA -".to_owned(),
            |d| format!("ETA {}", human_duration(d)),
        );
        format!(
            "{} [{}{}] {}/{} {}  {}",
            self.status("Measuring"),
            "=".repeat(filled),
            " ".repeat(WIDTH - filled),
            self.done,
            self.total,
            eta,
            self.current
        )
    }
}

fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
