//! Terminal styles: cargo's palette, or plain when colour is off.

use anstyle::{AnsiColor, Style};
use cargo_tune_schema::Severity;

/// The styles renderers use; all plain by default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Styles {
    /// Errors.
    pub error: Style,
    /// Warnings.
    pub warning: Style,
    /// Informational notes.
    pub info: Style,
    /// Headings and emphasis.
    pub bold: Style,
    /// Paths, commands and other literals.
    pub literal: Style,
    /// Secondary text.
    pub dim: Style,
    /// Good news (faster).
    pub good: Style,
}

impl Styles {
    /// cargo's palette.
    pub fn colored() -> Self {
        Styles {
            error: AnsiColor::Red.on_default().bold(),
            warning: AnsiColor::Yellow.on_default().bold(),
            info: AnsiColor::Cyan.on_default().bold(),
            bold: Style::new().bold(),
            literal: AnsiColor::Cyan.on_default(),
            dim: Style::new().dimmed(),
            good: AnsiColor::Green.on_default().bold(),
        }
    }

    /// The style of a severity.
    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }
}

/// `text` wrapped in `style` (nothing added when the style is plain).
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}
