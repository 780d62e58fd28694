//! Task distributions: class splits, N-way K-shot episodes from one or several datasets,
//! whole-dataset tasks, and the M-NAS regression families. Deterministic from a seed.

mod episode;
mod few_shot;
mod regression;
mod split;
mod whole;

pub use episode::{Batch, Episode, Targets};
pub use few_shot::{EpisodeSpec, FewShotTasks, TaskSource};
pub use regression::{Family, Function, RegressionTasks};
pub use split::{ClassSplit, Split, SplitSpec};
pub use whole::{sample_whole_task, WholeTask, WholeTaskSpec};

#[cfg(test)]
mod tests;
