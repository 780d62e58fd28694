//! Process-wide counts of what compute clients submit (added by metanas): kernel launches,
//! host-to-device writes and device-to-host reads, counted when a client is asked for them.
//! Read them before and after a piece of work and subtract.

use core::sync::atomic::{AtomicU64, Ordering};

static LAUNCHES: AtomicU64 = AtomicU64::new(0);
static UPLOADS: AtomicU64 = AtomicU64::new(0);
static UPLOAD_BYTES: AtomicU64 = AtomicU64::new(0);
static READS: AtomicU64 = AtomicU64::new(0);

/// The counts since the process started, over every client and device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Kernels launched (`launch`, `launch_unchecked`).
    pub launches: u64,
    /// Host-to-device writes (`create*`): one per call, however many buffers it fills.
    pub uploads: u64,
    /// Bytes those writes carried.
    pub upload_bytes: u64,
    /// Device-to-host reads (`read*`): one per call.
    pub reads: u64,
}

impl Counts {
    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: Counts) -> Counts {
        Counts {
            launches: self.launches - earlier.launches,
            uploads: self.uploads - earlier.uploads,
            upload_bytes: self.upload_bytes - earlier.upload_bytes,
            reads: self.reads - earlier.reads,
        }
    }
}

/// The counts now.
pub fn counts() -> Counts {
    Counts {
        launches: LAUNCHES.load(Ordering::Relaxed),
        uploads: UPLOADS.load(Ordering::Relaxed),
        upload_bytes: UPLOAD_BYTES.load(Ordering::Relaxed),
        reads: READS.load(Ordering::Relaxed),
    }
}

pub(crate) fn launched() {
    LAUNCHES.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn uploaded(bytes: usize) {
    UPLOADS.fetch_add(1, Ordering::Relaxed);
    UPLOAD_BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
}

pub(crate) fn read() {
    READS.fetch_add(1, Ordering::Relaxed);
}
