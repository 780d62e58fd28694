//! The evaluation protocol shared by every learner: adapt to M held-out tasks and report the
//! mean and 95% confidence interval of the query metric after each adaptation step.

use serde::{Deserialize, Serialize};

use super::learner::MetaLearner;
use super::types::{Adaptation, LearnerError};
use crate::tasks::Episode;

/// A mean with its 95% confidence half-width (1.96 standard errors).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanCi {
    /// Mean.
    pub mean: f64,
    /// 95% half-width.
    pub ci95: f64,
    /// Number of values.
    pub n: usize,
}

impl MeanCi {
    /// Mean and 95% CI of `values` (sample standard deviation).
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self {
                mean: f64::NAN,
                ci95: f64::NAN,
                n,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Self {
            mean,
            ci95: 1.96 * (var / n as f64).sqrt(),
            n,
        }
    }
}

/// The protocol's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// `accuracy` or `mse`.
    pub metric: String,
    /// The metric before adaptation (entry 0) and after each step.
    pub per_step: Vec<MeanCi>,
    /// Tasks evaluated.
    pub tasks: usize,
}

impl EvalReport {
    /// The metric after the last step.
    pub fn last(&self) -> Option<MeanCi> {
        self.per_step.last().copied()
    }
}

/// Adapts `learner` to `tasks` held-out tasks drawn by `next_task(i)` for `steps` steps each
/// (task i with seed `seed + i`) and summarises the query metric per step.
pub fn evaluate<L: MetaLearner + ?Sized>(
    learner: &L,
    tasks: usize,
    steps: usize,
    seed: u64,
    next_task: impl FnMut(usize) -> Result<Episode, LearnerError>,
) -> Result<EvalReport, LearnerError> {
    evaluate_with(
        |task, seed| learner.adapt(task, steps, seed),
        tasks,
        seed,
        next_task,
    )
}

/// The protocol for any way of adapting to a task (a meta-learner's adaptation, a DARTS
/// search from scratch): `adapt(task_i, seed + i)` on `tasks` tasks drawn by `next_task(i)`,
/// the query metric summarised per step.
pub fn evaluate_with(
    mut adapt: impl FnMut(&Episode, u64) -> Result<Adaptation, LearnerError>,
    tasks: usize,
    seed: u64,
    mut next_task: impl FnMut(usize) -> Result<Episode, LearnerError>,
) -> Result<EvalReport, LearnerError> {
    let mut per_step: Vec<Vec<f64>> = Vec::new();
    let mut metric = "accuracy";
    for i in 0..tasks {
        let task = next_task(i)?;
        let a = adapt(&task, seed.wrapping_add(i as u64))?;
        per_step.resize(per_step.len().max(a.per_step.len()), Vec::new());
        for (s, m) in a.per_step.iter().enumerate() {
            let value = match (m.accuracy, m.mse) {
                (Some(acc), _) => acc,
                (None, Some(mse)) => {
                    metric = "mse";
                    mse
                }
                _ => f64::NAN,
            };
            per_step[s].push(value);
        }
    }
    Ok(EvalReport {
        metric: metric.into(),
        per_step: per_step.iter().map(|v| MeanCi::of(v)).collect(),
        tasks,
    })
}
