//! Ctrl-C during a measurement or an apply (and SIGTERM or SIGHUP, so that a closed terminal or
//! a CI timeout does not leave an edited file behind): the handler only raises a flag; the
//! engine polls it, stops the build or rolls the edit back, restores what it changed and
//! returns, and the command exits with 130.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, LazyLock, Once};

static INTERRUPTED: LazyLock<Arc<AtomicBool>> = LazyLock::new(Arc::default);

/// The flag the signals raise. From the first call on, SIGINT, SIGTERM and SIGHUP are routed to
/// it instead of ending the process: a command that never asks (an audit) stays stoppable by
/// Ctrl-C as any program is, and one that polls never loses a signal between two phases.
pub(crate) fn flag() -> Arc<AtomicBool> {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        use signal_hook::consts::signal::{SIGINT, SIGTERM};
        #[cfg(unix)]
        let signals = [SIGINT, SIGTERM, signal_hook::consts::signal::SIGHUP];
        #[cfg(not(unix))]
        let signals = [SIGINT, SIGTERM];
        for signal in signals {
            // Only fails for signals that must not be caught; these three may be.
            let _ = signal_hook::flag::register(signal, Arc::clone(&INTERRUPTED));
        }
    });
    Arc::clone(&INTERRUPTED)
}
