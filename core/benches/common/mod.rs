//! What the benches share: 5-way 1-shot tasks from the bundled digits at 28x28 (4 per
//! meta-batch) and the process's peak memory.

use std::sync::Arc;

use metanas_core::data::{uci_digits, ImageSpec, LoadOptions};
use metanas_core::rng::SeededRng;
use metanas_core::tasks::{
    ClassSplit, Episode, EpisodeSpec, FewShotTasks, Split, SplitSpec, TaskSource,
};

/// `count` meta-batches of 4 tasks: 5-way 1-shot with 5 queries per class, the bundled UCI
/// digits scaled to 28x28 grey (every class drawable), seeded.
pub fn digit_batches(count: usize) -> Vec<Vec<Episode>> {
    let mut opts = LoadOptions {
        image: Some(ImageSpec {
            channels: 1,
            height: 28,
            width: 28,
        }),
        ..LoadOptions::default()
    };
    let data = Arc::new(uci_digits(&mut opts).expect("bundled digits"));
    let source = TaskSource {
        name: "grey28".into(),
        split: ClassSplit::new(
            data.num_classes(),
            SplitSpec {
                train: 1.0,
                val: 0.0,
                seed: 0,
            },
        ),
        dataset: data,
        weight: 1.0,
    };
    let spec = EpisodeSpec {
        ways: 5,
        shots: 1,
        queries: 5,
    };
    let tasks = FewShotTasks::new(vec![source], spec).expect("tasks");
    let mut rng = SeededRng::new(1);
    (0..count)
        .map(|_| {
            (0..4)
                .map(|_| tasks.sample(Split::Train, &mut rng).expect("task"))
                .collect()
        })
        .collect()
}

/// Peak resident memory of this process so far (Linux), in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
