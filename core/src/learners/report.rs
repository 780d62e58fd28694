//! What every learner reports about a posterior, written once: its query predictions and
//! metrics without noise, its architecture tables and the sketch of how far its weights moved.

use burn::prelude::*;

use super::devices::Summed;
use super::head_init::{prototype_head, HeadInit, HeadMeans};
use super::meta_gradient::missing_stem;
use super::objective::{evaluate_outputs, Predictions, TaskMetrics};
use super::types::{count_sketch, ArchTables, LearnerError, StepReport, TaskFeatures};
use crate::genotype::Genotype;
use crate::nn::{WeightMode, WeightSampler};
use crate::posterior::{ArchUse, GaussianTensors, Posterior};
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::{Batch, Episode, Targets};

/// Size of the weight sketch reported for the PCA view.
pub const SKETCH_DIM: usize = 256;

/// Query predictions and metrics of `q` with mean weights and the architecture used as
/// `arch` says (no noise). A missing stem gives no predictions and a NaN loss.
pub fn evaluate_posterior<B: Backend>(
    q: &Posterior<B>,
    task: &Episode,
    stem: usize,
    arch: ArchUse,
) -> (Predictions, TaskMetrics) {
    let x = task
        .query
        .input_tensor::<B>(&task.input_shape, &q.arch.normal.val().device());
    match q.forward_with(x, stem, arch, WeightMode::Mean, &mut SeededRng::new(0)) {
        Some(out) => evaluate_outputs(out, &task.query),
        None => (
            Predictions::Classes(Vec::new()),
            TaskMetrics {
                loss: f64::NAN,
                accuracy: None,
                mse: None,
            },
        ),
    }
}

/// The penultimate features of `q` (mean weights, `arch`) on `task`'s support and query sets.
pub fn posterior_features<B: Backend>(
    q: &Posterior<B>,
    task: &Episode,
    stem: usize,
    arch: ArchUse,
) -> Result<TaskFeatures, LearnerError> {
    let (support, dim) = batch_features(q, &task.support, &task.input_shape, stem, arch)?;
    let (query, _) = batch_features(q, &task.query, &task.input_shape, stem, arch)?;
    Ok(TaskFeatures {
        dim,
        support,
        query,
    })
}

/// The penultimate features `[n, dim]` of `q` (mean weights, `arch`, no noise) on one batch of
/// inputs of `shape`, as a tensor (tracked, on an autodiff backend).
pub fn feature_tensor<B: Backend>(
    q: &Posterior<B>,
    batch: &Batch,
    shape: &[usize],
    stem: usize,
    arch: ArchUse,
) -> Result<Tensor<B, 2>, LearnerError> {
    let x = batch.input_tensor::<B>(shape, &q.arch.normal.val().device());
    // Noise-free: mean weights, and no architecture sample is drawn for evaluation.
    let mut rng = SeededRng::new(0);
    let z = q.arch_weights(arch, &mut rng);
    let mut sampler = WeightSampler::new(WeightMode::Mean, rng.next_u64());
    q.net
        .features(x, stem, z.as_ref(), &mut sampler)
        .ok_or_else(|| missing_stem(stem))
}

/// [`feature_tensor`] read back: the rows and their length.
fn batch_features<B: Backend>(
    q: &Posterior<B>,
    batch: &Batch,
    shape: &[usize],
    stem: usize,
    arch: ArchUse,
) -> Result<(Vec<f32>, usize), LearnerError> {
    let out = feature_tensor(q, batch, shape, stem, arch)?;
    let [_, dim] = out.dims();
    let values = out
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .map_err(|e| LearnerError::Task(format!("reading features: {e:?}")))?;
    Ok((values, dim))
}

/// The head `q` starts a task with under `head`: `None` to keep `q`'s own head
/// ([`HeadInit::Meta`], or a regression task), else the prototype head of `task`'s support
/// set (features with mean weights and `arch`): weights `[dim, outputs]` and biases, tracked
/// to `q` on an autodiff backend.
pub fn support_prototypes<B: Backend>(
    q: &Posterior<B>,
    task: &Episode,
    stem: usize,
    arch: ArchUse,
    head: HeadInit,
) -> Result<Option<HeadMeans<B>>, LearnerError> {
    let (HeadInit::Prototypes, Targets::Classes(labels)) = (head, &task.support.targets) else {
        return Ok(None);
    };
    let features = feature_tensor(q, &task.support, &task.input_shape, stem, arch)?;
    let [_, outputs] = q.net.head.weight.mu.val().dims();
    Ok(Some(prototype_head(features, labels, outputs)))
}

/// Where adaptation starts from `q` on `task`: `q` with the head of [`support_prototypes`].
pub fn adaptation_start<B: Backend>(
    q: &Posterior<B>,
    task: &Episode,
    stem: usize,
    arch: ArchUse,
    head: HeadInit,
) -> Result<Posterior<B>, LearnerError> {
    let mut start = q.clone();
    if let Some((w, b)) = support_prototypes(q, task, stem, arch, head)? {
        start.net = start.net.with_head_means(w, b);
    }
    Ok(start)
}

/// The architecture probabilities softmax(φ) of `q` as host tables.
pub fn tables<B: Backend>(q: &Posterior<B>) -> ArchTables {
    let (normal, reduce) = q.arch.probability_tables();
    ArchTables { normal, reduce }
}

/// The genotype derived from `q`'s architecture probabilities in `space`.
pub fn derived_genotype<B: Backend>(space: &SearchSpace, q: &Posterior<B>) -> Genotype {
    let (normal, reduce) = q.arch.probability_tables();
    Genotype::derive(space, &normal, reduce.as_deref())
}

/// A count sketch of the weight means' displacement `adapted.μ − start.μ` (for the PCA view).
pub fn weight_sketch<B: Backend>(adapted: &Posterior<B>, start: &Posterior<B>) -> Vec<f32> {
    let delta = GaussianTensors::of(&adapted.net).mu - GaussianTensors::of(&start.net).mu;
    let delta = delta
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default();
    count_sketch(&delta, SKETCH_DIM, 0x5eed)
}

/// The mean of some values, `None` when there are none.
pub fn mean_of(values: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = values.collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The summary of a meta-step after `steps` steps: the mean loss, and the mean accuracy or
/// MSE of the tasks that reported metrics (regression falls back to the loss).
pub fn step_report(
    steps: usize,
    loss: f64,
    metrics: &[TaskMetrics],
    tasks: &[Episode],
    temperature: Option<f64>,
) -> StepReport {
    let accuracy = mean_of(metrics.iter().filter_map(|m| m.accuracy));
    let mse = mean_of(metrics.iter().filter_map(|m| m.mse));
    report_of(steps, loss, accuracy, mse, tasks, temperature)
}

/// The summary of meta-step `step` (0-based) from the sums over its tasks on several devices,
/// or the divergence error when the mean loss is not finite.
pub fn summed_report<B: Backend>(
    step: usize,
    summed: &Summed<B>,
    tasks: &[Episode],
    temperature: Option<f64>,
) -> Result<StepReport, super::types::LearnerError> {
    let loss = checked_mean_loss(step, std::iter::once(summed.loss))?;
    Ok(report_of(
        step + 1,
        loss,
        summed.accuracy,
        summed.mse,
        tasks,
        temperature,
    ))
}

fn report_of(
    steps: usize,
    loss: f64,
    accuracy: Option<f64>,
    mse: Option<f64>,
    tasks: &[Episode],
    temperature: Option<f64>,
) -> StepReport {
    let regression = tasks
        .first()
        .is_some_and(|t| matches!(t.query.targets, Targets::Values(_)));
    StepReport {
        step: steps,
        loss,
        accuracy,
        mse: regression.then(|| mse.unwrap_or(loss)),
        temperature,
        tasks: tasks.len(),
    }
}

/// The mean task loss of meta-step `step`, or the divergence error when it is not finite.
pub fn checked_mean_loss(
    step: usize,
    losses: impl Iterator<Item = f64>,
) -> Result<f64, super::types::LearnerError> {
    let loss = mean_of(losses).unwrap_or(f64::NAN);
    if loss.is_finite() {
        Ok(loss)
    } else {
        Err(super::types::LearnerError::Diverged { step, loss })
    }
}
