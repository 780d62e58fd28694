//! The heap bytes of the process, counted by a global allocator that wraps the system's.
//!
//! A global allocator is `unsafe` code by its nature (it hands out raw memory); this one
//! passes every call on unchanged to [`System`] and only adds to and subtracts from two
//! counters.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Bytes handed out less bytes taken back since [`start_heap_count`] (negative when more
/// was freed than handed out: memory from before the start).
static NET: AtomicI64 = AtomicI64::new(0);
/// The most of [`NET`] since the start.
static PEAK: AtomicI64 = AtomicI64::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// Whether a count is running: only after [`start_heap_count`], so that a process that never
/// asks for one (training, the workbench) pays a load of a flag an allocation, not atomic
/// additions on a counter both cores write (which cost about 1% of a meta-step's CPU time).
static COUNTING: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting, once [`start_heap_count`] has been called, the bytes it
/// hands out and takes back and the most it has handed out net at any moment since. Install
/// it with `#[global_allocator] static A: CountingAllocator = CountingAllocator;`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAllocator;

fn grew(bytes: usize) {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    if COUNTING.load(Ordering::Relaxed) {
        let now = NET.fetch_add(bytes as i64, Ordering::Relaxed) + bytes as i64;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

fn shrank(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        NET.fetch_sub(bytes as i64, Ordering::Relaxed);
    }
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

/// Starts a count of heap bytes at zero (and from then on keeps counting), when
/// [`CountingAllocator`] is installed; whether it is.
pub fn start_heap_count() -> bool {
    // Any allocation marks the allocator installed; make sure one has happened.
    drop(std::hint::black_box(Box::new(0u8)));
    if !INSTALLED.load(Ordering::Relaxed) {
        return false;
    }
    COUNTING.store(false, Ordering::Relaxed);
    NET.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    true
}

/// Heap bytes handed out less those taken back since [`start_heap_count`]; `None` before
/// a count is started or without [`CountingAllocator`].
pub fn heap_since_start() -> Option<i64> {
    COUNTING
        .load(Ordering::Relaxed)
        .then(|| NET.load(Ordering::Relaxed))
}

/// The most of [`heap_since_start`] at any moment since the start (at least 0).
pub fn heap_peak_since_start() -> Option<u64> {
    COUNTING
        .load(Ordering::Relaxed)
        .then(|| PEAK.load(Ordering::Relaxed).max(0) as u64)
}
