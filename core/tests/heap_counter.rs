//! The heap counter of `metanas bench`'s memory per task, installed as this test binary's
//! global allocator as `metanas` installs it, checked against buffers of known size.
//!
//! One test function only: the counters are process-wide, and the test harness runs the
//! functions of one binary side by side.

use metanas_core::memory_use::{
    heap_peak_since_start, heap_since_start, start_heap_count, CountingAllocator, MemoryProbe,
};
use metanas_core::CpuBackend;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const MB: i64 = 1 << 20;
/// What the harness's own threads may allocate or free meanwhile.
const SLACK: i64 = 256 * 1024;

fn within(value: i64, expected: i64) -> bool {
    value.abs_diff(expected) <= SLACK as u64
}

#[test]
fn the_heap_counter_sees_each_buffer_at_its_size() {
    // Nothing is counted until a count is started.
    let old = vec![7u8; 2 * MB as usize];
    assert_eq!(heap_since_start(), None);
    assert_eq!(heap_peak_since_start(), None);
    assert!(start_heap_count(), "the counting allocator is installed");
    assert!(within(heap_since_start().unwrap(), 0));

    // 8 MiB handed out, then back: the count rises by its size and falls back.
    let buffer = vec![1u8; 8 * MB as usize];
    assert!(within(heap_since_start().unwrap(), 8 * MB));
    drop(buffer);
    assert!(within(heap_since_start().unwrap(), 0));

    // Growing a buffer in place or by moving it (realloc) counts its new size.
    let mut grown: Vec<u8> = Vec::with_capacity(MB as usize);
    grown.resize(3 * MB as usize, 0);
    grown.shrink_to_fit();
    assert!(within(heap_since_start().unwrap(), 3 * MB));
    drop(grown);

    // Memory handed out before the start counts negative when it is freed.
    drop(old);
    assert!(within(heap_since_start().unwrap(), -2 * MB));

    // The peak since a new start: two buffers alive together, then freed.
    assert!(start_heap_count());
    let a = vec![2u8; 4 * MB as usize];
    let b = vec![3u8; 2 * MB as usize];
    drop((a, b));
    let c = vec![4u8; MB as usize];
    drop(c);
    assert!(within(heap_peak_since_start().unwrap() as i64, 6 * MB));

    // The probe `metanas bench` uses on the CPU backend: the same peak above its start.
    let mut probe = MemoryProbe::start::<CpuBackend>(&Default::default())
        .expect("the CPU backend's heap can be probed");
    let a = vec![5u8; 5 * MB as usize];
    probe.sample::<CpuBackend>(&Default::default());
    drop(a);
    let b = vec![6u8; MB as usize];
    drop(b);
    assert!(
        within(probe.peak_above_start() as i64, 5 * MB),
        "{}",
        probe.peak_above_start()
    );
}
