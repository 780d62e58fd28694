//! Kernel launches and host transfers of the GPU backends, counted by cubecl's compute
//! clients (`patches/cubecl-runtime` adds the counters; see its PATCH.md).
//!
//! The counts are process-wide and cover every client: read them before and after a piece
//! of work that waits for the device at its end (`Backend::sync`) and take the difference.
//! A build without the `wgpu` and `cuda` features has no GPU client and counts nothing.

use serde::{Deserialize, Serialize};

/// What the GPU clients were asked to do in some stretch of work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCounts {
    /// Kernel launches.
    pub launches: u64,
    /// Host-to-device writes (one per request, however many buffers it fills).
    pub uploads: u64,
    /// Bytes those writes carried.
    pub upload_bytes: u64,
    /// Device-to-host reads.
    pub reads: u64,
}

impl DeviceCounts {
    /// The counts since the process started, or `None` in a build without GPU backends.
    pub fn now() -> Option<Self> {
        #[cfg(any(feature = "wgpu", feature = "cuda"))]
        {
            let c = cubecl_runtime::counters::counts();
            Some(Self {
                launches: c.launches,
                uploads: c.uploads,
                upload_bytes: c.upload_bytes,
                reads: c.reads,
            })
        }
        #[cfg(not(any(feature = "wgpu", feature = "cuda")))]
        None
    }

    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: Self) -> Self {
        Self {
            launches: self.launches.saturating_sub(earlier.launches),
            uploads: self.uploads.saturating_sub(earlier.uploads),
            upload_bytes: self.upload_bytes.saturating_sub(earlier.upload_bytes),
            reads: self.reads.saturating_sub(earlier.reads),
        }
    }

    /// The sum of two stretches.
    pub fn plus(self, other: Self) -> Self {
        Self {
            launches: self.launches + other.launches,
            uploads: self.uploads + other.uploads,
            upload_bytes: self.upload_bytes + other.upload_bytes,
            reads: self.reads + other.reads,
        }
    }

    /// Each count multiplied by `n` (the same work done `n` times).
    pub fn times(self, n: u64) -> Self {
        Self {
            launches: self.launches * n,
            uploads: self.uploads * n,
            upload_bytes: self.upload_bytes * n,
            reads: self.reads * n,
        }
    }

    /// Each count divided by `n`, rounded to the nearest (a mean over `n` repetitions).
    pub fn per(self, n: u64) -> Self {
        let div = |v: u64| (v + n / 2) / n.max(1);
        Self {
            launches: div(self.launches),
            uploads: div(self.uploads),
            upload_bytes: div(self.upload_bytes),
            reads: div(self.reads),
        }
    }
}

/// The counts of running `f`, with `f`'s result (`None` counts without GPU backends).
pub fn counted<R>(f: impl FnOnce() -> R) -> (R, Option<DeviceCounts>) {
    let before = DeviceCounts::now();
    let result = f();
    let counts = DeviceCounts::now()
        .zip(before)
        .map(|(after, before)| after.since(before));
    (result, counts)
}
