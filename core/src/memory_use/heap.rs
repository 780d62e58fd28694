//! The heap bytes of the process, counted by a global allocator that wraps the system's.
//!
//! A global allocator is `unsafe` code by its nature (it hands out raw memory); this one
//! passes every call on unchanged to [`System`] and only adds to and subtracts from two
//! counters.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static IN_USE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// Whether a peak is being kept: only after [`reset_heap_peak`], so that a process that never
/// asks for one (training, the workbench) pays one atomic addition an allocation, not two.
static KEEP_PEAK: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting the bytes it has handed out and not yet had back, and,
/// once [`reset_heap_peak`] has been called, the most of them at any moment since. Install it with
/// `#[global_allocator] static A: CountingAllocator = CountingAllocator;`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAllocator;

fn grew(bytes: usize) {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    let now = IN_USE.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
    if KEEP_PEAK.load(Ordering::Relaxed) {
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

fn shrank(bytes: usize) {
    IN_USE.fetch_sub(bytes as u64, Ordering::Relaxed);
}

// SAFETY: every call is passed on unchanged to the system allocator; the counters only
// observe sizes.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are the system allocator's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from the system allocator, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller guarantees `new_size` is valid for `layout`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Heap bytes handed out and not yet freed, when [`CountingAllocator`] is installed.
pub fn heap_in_use() -> Option<u64> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| IN_USE.load(Ordering::Relaxed))
}

/// The most heap bytes in use at any moment since the last [`reset_heap_peak`], when
/// [`CountingAllocator`] is installed and a peak has been started.
pub fn heap_peak() -> Option<u64> {
    (INSTALLED.load(Ordering::Relaxed) && KEEP_PEAK.load(Ordering::Relaxed))
        .then(|| PEAK.load(Ordering::Relaxed))
}

/// Starts a new peak at the bytes in use now (and from then on keeps it).
pub fn reset_heap_peak() {
    PEAK.store(IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
    KEEP_PEAK.store(true, Ordering::Relaxed);
}
