//! The baselines beside an adaptation in the workbench (the same ones `metanas adapt` and
//! `eval` report, see `metanas_core::baselines`): on the one task just adapted to, and on
//! many held-out tasks with 95% CIs. Runs on the worker thread.

use std::path::{Path, PathBuf};

use super::error::WorkbenchError;
use metanas_core::baselines::{task_baselines, Baseline, Learners, Pixels};
use metanas_core::learners::MeanCi;
use metanas_core::run::{
    native_pixels, BackendKind, DatasetConfig, HeldOut, Session, TaskDistribution,
};
use metanas_core::tasks::Episode;

/// The baselines on one task.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskBaselines {
    /// Each baseline's query metric.
    pub scores: Vec<(Baseline, f64)>,
    /// What the raw-pixel baselines saw (e.g. `105x105 grey`).
    pub pixels: String,
}

/// The adapted meta-network beside the baselines on many held-out tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Held-out tasks.
    pub tasks: usize,
    /// Adaptation steps.
    pub steps: usize,
    /// The meta-step of the meta-network.
    pub step: usize,
    /// `accuracy` or `mse`.
    pub metric: String,
    /// The adapted meta-network's final query metric.
    pub adapted: MeanCi,
    /// Each baseline's.
    pub baselines: Vec<(Baseline, MeanCi)>,
    /// What the raw-pixel baselines saw.
    pub pixels: String,
}

/// The raw pixels for the baselines, loaded once per source of tasks (the run's own, or a
/// dataset from outside it) and kept until another is asked for.
#[derive(Default)]
pub struct PixelCache {
    /// `None`: the run's own tasks; `Some(path)`: a dataset given in the workbench.
    key: Option<Option<PathBuf>>,
    pixels: Pixels,
}

impl PixelCache {
    /// Forgets what was loaded (another run was opened).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// The raw pixels of tasks drawn from `foreign` (a dataset at `path`) or, without one,
    /// from the run's own datasets.
    pub fn get(
        &mut self,
        session: &Session,
        foreign: Option<(&Path, &TaskDistribution)>,
    ) -> &Pixels {
        let key = foreign.map(|(p, _)| p.to_path_buf());
        if self.key.as_ref() != Some(&key) {
            // Why a source keeps the network-size inputs shows in the size the bars name.
            let (pixels, _) = match foreign {
                Some((path, tasks)) => {
                    let input = session
                        .config
                        .space
                        .inputs
                        .first()
                        .map(|i| i.name.clone())
                        .unwrap_or_default();
                    native_pixels(tasks, &[DatasetConfig::at(path, &input)])
                }
                None => session.native_pixels(),
            };
            self.pixels = pixels;
            self.key = Some(key);
        }
        &self.pixels
    }
}

/// The baselines on `task`, with the steps and seed its adaptation used.
pub fn on_task(
    session: &Session,
    backend: BackendKind,
    pixels: &Pixels,
    task: &Episode,
    steps: usize,
    seed: u64,
) -> Result<TaskBaselines, WorkbenchError> {
    let fresh = session.fresh_learner(backend)?;
    let learners = Learners {
        meta: &*session.learner,
        fresh: &*fresh,
    };
    let scores = task_baselines(task, &learners, pixels, steps, seed)?;
    Ok(TaskBaselines {
        scores,
        pixels: pixels.describe(task),
    })
}

/// The evaluation protocol of `metanas eval` on `tasks` held-out tasks, with the baselines.
pub fn on_held_out(
    session: &Session,
    backend: BackendKind,
    pixels: &Pixels,
    tasks: usize,
    steps: usize,
) -> Result<Comparison, WorkbenchError> {
    let held_out = HeldOut::Sampled(tasks);
    let fix = "the run's held-out tasks cannot be evaluated";
    let report = session
        .evaluate(&held_out, steps)
        .map_err(|e| WorkbenchError::run(e, fix))?;
    let scores = session
        .evaluate_baselines(&held_out, steps, backend, pixels)
        .map_err(|e| WorkbenchError::run(e, fix))?;
    let adapted = report.last().ok_or(WorkbenchError::NothingEvaluated)?;
    Ok(Comparison {
        tasks,
        steps,
        step: session.steps_done(),
        metric: report.metric,
        adapted,
        baselines: scores.summary(),
        pixels: scores.pixels.unwrap_or_default(),
    })
}
