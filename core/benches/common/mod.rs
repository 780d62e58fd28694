//! What the benches share: 5-way 1-shot tasks from the bundled digits at 28x28 (4 per
//! meta-batch) and the process's peak memory.

use std::path::Path;

use metanas_core::rng::SeededRng;
use metanas_core::run::{TaskDistribution, BUNDLED_DIGITS};
use metanas_core::space::SearchSpace;
use metanas_core::tasks::{Episode, EpisodeSpec, Split};

/// `count` meta-batches of 4 tasks for `space` (whose first input is 28x28 grey, `grey28`):
/// 5-way 1-shot with 5 queries per class, the bundled UCI digits scaled to 28x28 grey
/// (every class drawable), seeded.
pub fn digit_batches(space: &SearchSpace, count: usize) -> Vec<Vec<Episode>> {
    let spec = EpisodeSpec {
        ways: 5,
        shots: 1,
        queries: 5,
    };
    let digits = Path::new(BUNDLED_DIGITS);
    let tasks = TaskDistribution::from_dataset(space, digits, "grey28", spec, &mut |_, _, _| {})
        .expect("bundled digits");
    let mut rng = SeededRng::new(1);
    (0..count)
        .map(|_| {
            (0..4)
                .map(|_| tasks.sample(Split::Train, &mut rng).expect("task"))
                .collect()
        })
        .collect()
}

/// Peak resident memory of this process so far (Linux), in MiB.
pub fn peak_rss_mb() -> Option<f64> {
    metanas_core::run::peak_resident_bytes().map(|b| b as f64 / (1024.0 * 1024.0))
}
