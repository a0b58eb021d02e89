//! Ctrl-C during a measurement (and SIGTERM or SIGHUP, so that a closed terminal or a CI
//! timeout does not leave the edited file behind): the handler only raises a flag; the engine
//! polls it, stops the build, restores the edited file and returns, and the command exits
//! with 130.

use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    // An atomic store is async-signal-safe; nothing else happens here.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Routes SIGINT, SIGTERM and SIGHUP to [`INTERRUPTED`] from now on.
pub(crate) fn install() {
    INTERRUPTED.store(false, Ordering::SeqCst);
    #[cfg(unix)]
    // SAFETY: the handler only performs an atomic store, which is async-signal-safe.
    unsafe {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
}
