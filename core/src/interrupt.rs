//! A process-wide stop request (Ctrl-C, SIGTERM) that long computations check between their
//! inner steps, so that a meta-step, an adaptation or an evaluation ends within about one
//! inner step of being asked to, instead of at the end of the whole meta-step.
//!
//! A learner that sees the request returns [`crate::learners::LearnerError::Interrupted`]
//! before it changes any state: an interrupted meta-step leaves the learner exactly as it was
//! before the step began, so the checkpoint written afterwards is the state of the last
//! completed meta-step.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::learners::LearnerError;

static REQUESTED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// How many [`uninterruptible`] scopes the current thread is inside.
    static SHIELDED: Cell<usize> = const { Cell::new(0) };
}

/// Asks every running computation of this process to stop (async-signal-safe: one atomic
/// store).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop has been requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Withdraws the request (tests; a UI that resumes after a stop).
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// Runs `f` with [`check`] ignoring the request on this thread: for work that belongs to a
/// step already recorded (a training snapshot), which must finish for the run's files to stay
/// whole. The request stays pending and is seen by the next check outside the scope.
pub fn uninterruptible<T>(f: impl FnOnce() -> T) -> T {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            SHIELDED.with(|s| s.set(s.get() - 1));
        }
    }
    SHIELDED.with(|s| s.set(s.get() + 1));
    let _leave = Leave;
    f()
}

/// Whether the current thread is inside [`uninterruptible`]: work it hands to other threads
/// carries the shield with [`shielded_if`].
pub fn is_shielded() -> bool {
    SHIELDED.with(Cell::get) > 0
}

/// Runs `f` inside [`uninterruptible`] when `shielded` (the shield of the thread that handed
/// this work over), else as it is.
pub fn shielded_if<T>(shielded: bool, f: impl FnOnce() -> T) -> T {
    if shielded {
        uninterruptible(f)
    } else {
        f()
    }
}

/// `Err(Interrupted)` when a stop has been requested (and the current thread is not inside
/// [`uninterruptible`]): `interrupt::check()?` at the top of a loop body.
pub fn check() -> Result<(), LearnerError> {
    if requested() && SHIELDED.with(Cell::get) == 0 {
        Err(LearnerError::Interrupted)
    } else {
        Ok(())
    }
}
