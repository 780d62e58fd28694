//! The task distribution of a run, built from its config: generated regression tasks, or
//! few-shot tasks from loaded datasets (converted to the size of the stem they feed).

use std::path::Path;
use std::sync::Arc;

use super::config::{DatasetConfig, TaskConfig};
use super::error::RunError;
use super::session::LoadProgressFn;
use crate::data::{
    bundled_dataset, is_bundled, load_image_folders, load_path, CsvOptions, Dataset, ImageSpec,
    LoadOptions,
};
use crate::learners::splitmix64;
use crate::rng::SeededRng;
use crate::space::{Domain, SearchSpace};
use crate::tasks::{
    with_rotated_training_classes, ClassSplit, Episode, EpisodeSpec, FewShotTasks, RegressionTasks,
    Split, SplitSpec, TaskSource,
};

/// Tasks of a run.
#[derive(Clone, Debug)]
pub enum TaskDistribution {
    /// Generated regression functions (no class split: each split is its own seed stream).
    Regression(RegressionTasks),
    /// N-way K-shot tasks from datasets.
    FewShot(FewShotTasks),
}

/// Seed streams kept apart so that no two uses of the run's seed draw the same tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Meta-training batches.
    Train = 1,
    /// Posterior snapshots during training.
    Snapshot = 2,
    /// The evaluation protocol.
    Eval = 3,
    /// `adapt` on the run's own distribution.
    Adapt = 4,
    /// The meta-validation tasks adapted at each checkpoint.
    Validation = 5,
}

/// The random stream of item `index` (a meta-step, a task) in `stream`.
pub fn stream_rng(seed: u64, stream: Stream, index: u64) -> SeededRng {
    SeededRng::new(splitmix64(
        splitmix64(seed ^ (stream as u64).wrapping_mul(0xA24B_AED4_963E_E407)) ^ index,
    ))
}

impl TaskDistribution {
    /// Builds the distribution of `config` for `space`, loading datasets (with `progress`
    /// called as items are read).
    pub fn build(
        config: &TaskConfig,
        space: &SearchSpace,
        progress: LoadProgressFn<'_>,
    ) -> Result<Self, RunError> {
        let mut noop = |_: &str, _: usize, _: usize| {};
        let progress: &mut dyn FnMut(&str, usize, usize) = match progress {
            Some(p) => p,
            None => &mut noop,
        };
        match config {
            TaskConfig::Regression(r) => Ok(Self::Regression(r.clone())),
            TaskConfig::FewShot(f) => {
                let mut sources = Vec::with_capacity(f.datasets.len());
                for d in &f.datasets {
                    let name = input_name(space, d);
                    let dataset = load_source(space, d, &name, &mut *progress)?;
                    let split = ClassSplit::new(dataset.num_classes(), d.split.unwrap_or(f.split));
                    let (dataset, split) = if d.rotations {
                        with_rotated_training_classes(dataset, split)?
                    } else {
                        (dataset, split)
                    };
                    sources.push(TaskSource {
                        split,
                        dataset: Arc::new(dataset),
                        name,
                        weight: d.weight,
                    });
                }
                let spec = EpisodeSpec {
                    ways: f.ways,
                    shots: f.shots,
                    queries: f.queries,
                };
                Ok(Self::FewShot(FewShotTasks::new(sources, spec)?))
            }
        }
    }

    /// Tasks from a dataset the run was not configured with (adapting to new tasks): every
    /// class of the dataset at `path` can be drawn (all in the `Train` split), `spec`-shaped,
    /// its images converted to the space input `input`. Errors name the dataset.
    pub fn from_dataset(
        space: &SearchSpace,
        path: &Path,
        input: &str,
        spec: EpisodeSpec,
        progress: &mut dyn FnMut(&str, usize, usize),
    ) -> Result<Self, RunError> {
        let d = DatasetConfig::at(path, input);
        let dataset = load_source(space, &d, input, progress)?;
        let all_classes = SplitSpec {
            train: 1.0,
            val: 0.0,
            seed: 0,
        };
        let source = TaskSource {
            name: input.to_string(),
            split: ClassSplit::new(dataset.num_classes(), all_classes),
            dataset: Arc::new(dataset),
            weight: 1.0,
        };
        let tasks = FewShotTasks::new(vec![source], spec)
            .map_err(|e| RunError::config(path, e.to_string()))?;
        Ok(Self::FewShot(tasks))
    }

    /// The same tasks at other ways, shots and queries (few-shot tasks only).
    pub fn with_spec(&self, spec: EpisodeSpec) -> Result<Self, RunError> {
        match self {
            Self::FewShot(f) => Ok(Self::FewShot(f.with_spec(spec)?)),
            Self::Regression(_) => Err(RunError::Learner(crate::learners::LearnerError::Task(
                "ways, shots and queries apply to few-shot tasks; these are regression functions"
                    .into(),
            ))),
        }
    }

    /// The same regression tasks changed by `edit` (regression tasks only; `what` names
    /// the setting in the error for few-shot tasks).
    pub fn with_regression(
        &self,
        what: &str,
        edit: impl FnOnce(&mut RegressionTasks),
    ) -> Result<Self, RunError> {
        match self {
            Self::Regression(r) => {
                let mut r = r.clone();
                edit(&mut r);
                Ok(Self::Regression(r))
            }
            Self::FewShot(_) => Err(RunError::Learner(crate::learners::LearnerError::Task(
                format!("{what} apply to regression tasks; these are few-shot tasks"),
            ))),
        }
    }

    /// The regression task distribution (`None` for few-shot tasks).
    pub fn regression(&self) -> Option<&RegressionTasks> {
        match self {
            Self::Regression(r) => Some(r),
            Self::FewShot(_) => None,
        }
    }

    /// Draws a task from `split`.
    pub fn sample(&self, split: Split, rng: &mut SeededRng) -> Result<Episode, RunError> {
        match self {
            Self::Regression(r) => Ok(r.sample(rng)),
            Self::FewShot(f) => Ok(f.sample(split, rng)?),
        }
    }

    /// Checks that tasks can be drawn from `split`.
    pub fn check(&self, split: Split) -> Result<(), RunError> {
        match self {
            Self::Regression(_) => Ok(()),
            Self::FewShot(f) => Ok(f.check(split)?),
        }
    }

    /// The class split of each source (empty for regression), for the run directory.
    pub fn splits(&self) -> Vec<(String, ClassSplit)> {
        match self {
            Self::Regression(_) => Vec::new(),
            Self::FewShot(f) => f
                .sources()
                .iter()
                .map(|s| (s.dataset.name.clone(), s.split.clone()))
                .collect(),
        }
    }

    /// Names of the sources (regression families or datasets), by source index.
    pub fn source_names(&self) -> Vec<String> {
        match self {
            Self::Regression(r) => r.families.iter().map(|f| f.name().to_string()).collect(),
            Self::FewShot(f) => f.sources().iter().map(|s| s.dataset.name.clone()).collect(),
        }
    }
}

/// The space input a dataset feeds.
fn input_name(space: &SearchSpace, d: &DatasetConfig) -> String {
    d.input
        .clone()
        .or_else(|| space.inputs.first().map(|i| i.name.clone()))
        .unwrap_or_default()
}

/// Loads one dataset at the size of its stem (several image roots as one dataset when the
/// entry's `path` is a list).
pub fn load_source(
    space: &SearchSpace,
    d: &DatasetConfig,
    input: &str,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<Dataset, RunError> {
    let spec = space
        .inputs
        .iter()
        .find(|i| i.name == input)
        .filter(|_| space.domain == Domain::Image)
        .map(|i| ImageSpec {
            channels: i.channels,
            height: i.height,
            width: i.width,
        });
    load_at(d, spec, progress)
}

/// Loads one dataset entry with its images converted to `spec` (`None`: the format's own
/// size; folders take their first image's size, grey).
pub fn load_at(
    d: &DatasetConfig,
    spec: Option<ImageSpec>,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<Dataset, RunError> {
    let label = d.path.to_string();
    let mut report = |lp: crate::data::LoadProgress| progress(&label, lp.done, lp.total);
    let mut opts = LoadOptions {
        image: spec,
        max_dataset_mb: d.max_dataset_mb,
        strict: false,
        progress: Some(&mut report),
    };
    let dataset = match d.path.paths() {
        [one] => load_dataset(Path::new(one), &mut opts)?,
        several => {
            let roots: Vec<_> = several.iter().map(std::path::PathBuf::from).collect();
            load_image_folders(&roots, &mut opts)?
        }
    };
    Ok(dataset)
}

/// Loads one dataset path as a config names it: a file or folder of any supported format, or
/// a built-in dataset (`bundled:uci-digits`, `bundled:omniglot-28`).
pub fn load_dataset(
    path: &Path,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, crate::data::DataError> {
    if let Some(name) = path.to_str().filter(|p| is_bundled(p)) {
        bundled_dataset(name, opts)
    } else {
        load_path(path, &CsvOptions::default(), opts)
    }
}
