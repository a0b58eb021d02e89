//! Ctrl-C during a measurement or an apply (and SIGTERM or SIGHUP, so that a closed terminal or
//! a CI timeout does not leave an edited file behind): the handler only raises a flag; the
//! engine polls it, stops the build or rolls the edit back, restores what it changed and
//! returns, and the command exits with 130.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Once};

static INTERRUPTED: LazyLock<Arc<AtomicBool>> = LazyLock::new(Arc::default);

/// The flag the signals raise.
pub(crate) fn flag() -> &'static AtomicBool {
    &INTERRUPTED
}

/// Clears the flag and routes SIGINT, SIGTERM and SIGHUP to it from now on.
pub(crate) fn install() {
    INTERRUPTED.store(false, Ordering::SeqCst);
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
}
