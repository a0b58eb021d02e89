//! Elapsed time from the monotonic clock, with the wall-clock start kept only for display.

use std::time::{Duration, Instant, SystemTime};

/// Started when created.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    started: Instant,
    started_at: SystemTime,
}

impl Stopwatch {
    /// Starts now.
    pub fn start() -> Self {
        Stopwatch {
            started: Instant::now(),
            started_at: SystemTime::now(),
        }
    }

    /// Monotonic time since the start.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// When it started, by the wall clock (may jump; display only).
    pub fn started_at(&self) -> SystemTime {
        self.started_at
    }
}
