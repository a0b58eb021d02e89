//! The engine's [`Events`] on a terminal or in a CI log: builds as a progress bar (or status
//! lines), notes and warnings on stderr, and Ctrl-C (SIGINT, SIGTERM, SIGHUP) as the flag the
//! engine polls.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use cargo_tune_core::vocab::{Events, Progress};

use super::{OutputContext, ProgressBar};

/// What the user sees while a command works.
pub(crate) struct Terminal {
    ctx: OutputContext,
    bar: ProgressBar,
}

impl Terminal {
    pub(crate) fn new(ctx: &OutputContext) -> Terminal {
        Terminal {
            ctx: *ctx,
            bar: ProgressBar::new(ctx),
        }
    }
}

impl Events for Terminal {
    fn progress(&mut self, event: &Progress<'_>) {
        self.bar.event(event);
    }

    fn idle(&mut self) {
        self.bar.finish();
    }

    fn status(&mut self, verb: &str, text: &str) {
        self.ctx.print_status(verb, text);
    }

    fn note(&mut self, text: &str) {
        self.ctx.print_note(text);
    }

    fn warning(&mut self, text: &str) {
        self.ctx.print_warning(text);
    }

    fn error(&mut self, text: &str) {
        self.ctx.print_error(text);
    }

    fn cancel(&self) -> Arc<AtomicBool> {
        super::interrupt::flag()
    }
}
