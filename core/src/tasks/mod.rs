//! Task distributions: class splits, N-way K-shot episodes from one or several datasets,
//! whole-dataset tasks, the M-NAS regression families, and fixed episodes (Lake et al.'s
//! one-shot runs). Deterministic from a seed.

mod episode;
mod few_shot;
mod one_shot_runs;
mod regression;
mod rotations;
mod split;
mod whole;

pub use episode::{Batch, Episode, Targets};
pub use few_shot::{EpisodeSpec, FewShotTasks, TaskSource};
pub use one_shot_runs::load_one_shot_runs;
pub use regression::{Family, Function, QueryPoints, RegressionTasks, SupportPoints};
pub use rotations::{rotate_plane, with_rotated_training_classes};
pub use split::{ClassSplit, Split, SplitSpec};
pub use whole::{sample_whole_task, WholeTask, WholeTaskSpec};

#[cfg(test)]
mod one_shot_runs_tests;
#[cfg(test)]
mod tests;
