//! The C allocator's settings for the engine's allocation pattern.
//!
//! A meta-step allocates and frees thousands of activation buffers of a few hundred kB to a
//! few MB each. With glibc's defaults, buffers above its mmap threshold (128 kB at first) are
//! mapped and unmapped one by one, and freed memory at the top of a heap is handed back to
//! the kernel; the next buffer of that size faults its pages in again, and a page first read
//! as the kernel's zero page and then written costs a copy and a TLB
//! shootdown on the other cores. Measured on the reference meta-step (docs/speed.md, "The
//! allocator keeps freed memory"): the whole `metanas bench` took about 700,000 minor page
//! faults and 3.5 s of system time with the defaults, 309,000 (each page of its peak memory
//! about once) and 1.1 s with these settings. Nothing of the arithmetic changes: the same
//! bits. The price: memory the process has freed stays with it (up to 1 GiB free at the top
//! of a heap) instead of going back to the system.
#![allow(unsafe_code)]

/// Buffers up to this size come from the heap, where freed memory is reused (glibc's
/// largest allowed mmap threshold on 64-bit systems).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;
/// Free memory at the top of a heap is kept up to this size instead of handed back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 1 << 30;
/// Each growth of a heap asks for this much more, so that growth is rare.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: libc::c_int = 64 << 20;

/// Applies the settings above; returns the names of any that the C library refused (none on
/// glibc). Elsewhere (other C libraries, other systems) it does nothing.
pub fn keep_freed_memory() -> Vec<&'static str> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let settings = [
            ("M_MMAP_THRESHOLD", libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            ("M_TRIM_THRESHOLD", libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            ("M_TOP_PAD", libc::M_TOP_PAD, TOP_PAD),
        ];
        settings
            .into_iter()
            // SAFETY: mallopt only sets the allocator's parameters; glibc takes its own lock
            // and returns 0 for a value it refuses.
            .filter(|&(_, param, value)| unsafe { libc::mallopt(param, value) } != 1)
            .map(|(name, _, _)| name)
            .collect()
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn glibc_accepts_every_setting() {
        // A value out of glibc's range (an mmap threshold above 32 MiB, say) is refused
        // silently by mallopt; this names it.
        assert_eq!(super::keep_freed_memory(), Vec::<&str>::new());
    }
}
