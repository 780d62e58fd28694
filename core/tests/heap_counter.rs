//! The heap counter of `metanas bench`'s memory per task, installed as this test binary's
//! global allocator as `metanas` installs it, checked against buffers of known size.
//!
//! One test function only: the counters are process-wide, and the test harness runs the
//! functions of one binary side by side.

use metanas_core::memory_use::{
    heap_in_use, heap_peak, reset_heap_peak, CountingAllocator, MemoryProbe,
};
use metanas_core::CpuBackend;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const MB: u64 = 1 << 20;
/// What the harness's own threads may allocate or free meanwhile.
const SLACK: u64 = 256 * 1024;

fn within(value: u64, expected: u64) -> bool {
    value.abs_diff(expected) <= SLACK
}

#[test]
fn the_heap_counter_sees_each_buffer_at_its_size() {
    let before = heap_in_use().expect("the counting allocator is installed");
    // No peak is kept until one is started.
    assert_eq!(heap_peak(), None);

    // 8 MiB handed out, then back: in use rises by its size and falls back.
    let buffer = vec![1u8; 8 * MB as usize];
    let with = heap_in_use().unwrap();
    assert!(
        within(with - before, 8 * MB),
        "{} bytes more",
        with - before
    );
    drop(buffer);
    assert!(within(heap_in_use().unwrap(), before));

    // Growing a buffer in place or by moving it (realloc) counts its new size.
    let mut grown: Vec<u8> = Vec::with_capacity(MB as usize);
    grown.resize(3 * MB as usize, 0);
    grown.shrink_to_fit();
    assert!(within(heap_in_use().unwrap() - before, 3 * MB));
    drop(grown);

    // The peak since a reset: two buffers alive together, then freed.
    reset_heap_peak();
    let start = heap_in_use().unwrap();
    assert!(within(heap_peak().unwrap(), start));
    let a = vec![2u8; 4 * MB as usize];
    let b = vec![3u8; 2 * MB as usize];
    drop((a, b));
    let c = vec![4u8; MB as usize];
    drop(c);
    assert!(within(heap_peak().unwrap() - start, 6 * MB));

    // The probe `metanas bench` uses on the CPU backend: the same peak above its start.
    let mut probe = MemoryProbe::start::<CpuBackend>(&Default::default())
        .expect("the CPU backend's heap can be probed");
    let a = vec![5u8; 5 * MB as usize];
    probe.sample::<CpuBackend>(&Default::default());
    drop(a);
    let b = vec![6u8; MB as usize];
    drop(b);
    assert!(
        within(probe.peak_above_start(), 5 * MB),
        "{}",
        probe.peak_above_start()
    );
}
