//! Ctrl-C (SIGINT) and SIGTERM raise a flag that training checks between meta-steps, and
//! metanas-core's [`interrupt`](metanas_core::interrupt) request that the learners check
//! between inner steps: the meta-step under way is abandoned (the learner is left at the last
//! completed step), a checkpoint is written and the process exits with 130, within about an
//! inner step. A second signal ends the process at once.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

/// Raised by SIGINT / SIGTERM.
pub static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(sig: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
    metanas_core::interrupt::request();
    // SAFETY: `signal` is async-signal-safe; restoring the default action lets a second
    // Ctrl-C end the process immediately.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// Installs the handlers.
pub fn install() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic and calls `signal`, both async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}
