//! A small regression run (a 2-node vector space, 8 channels) for the test binaries that
//! compare backends and devices, with any `[learner]` table.

use std::path::Path;

use metanas_core::run::{stream_rng, RunConfig, SeedStream, TaskDistribution};
use metanas_core::tasks::{Episode, Split};

/// The small vector space the test configs share.
const SPACE: &str = include_str!("../fixtures/small_vector_space.toml");

/// The run config with `learner` as its `[learner]` table body, `meta_batch` tasks per step.
pub fn config(seed: u64, learner: &str, meta_batch: usize) -> RunConfig {
    let text = format!(
        r#"
seed = {seed}

{SPACE}

[tasks]
kind = "regression"
shots = 5
queries = 10

[learner]
{learner}

[training]
meta_batch = {meta_batch}
checkpoint_every = 2
snapshot_every = 2
snapshot_tasks = 2
validation_tasks = 3
adapt_steps = 2
"#
    );
    RunConfig::parse(&text, Path::new("small.toml"), Path::new(".")).unwrap()
}

/// The tasks of meta-step `step` of a run of `config`, as the run draws them.
pub fn meta_batch(config: &RunConfig, step: u64) -> Vec<Episode> {
    let tasks = TaskDistribution::build(&config.tasks, &config.space, None).unwrap();
    let mut rng = stream_rng(config.seed, SeedStream::Train, step);
    (0..config.training.meta_batch)
        .map(|_| tasks.sample(Split::Train, &mut rng).unwrap())
        .collect()
}
