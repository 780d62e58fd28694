//! What an inner loop optimises on one task, written once for every backend so that the same
//! objective runs under plain autodiff (first order, finite differences) and nested autodiff
//! (exact second order).

use burn::prelude::*;

use super::objective::task_loss;
use super::types::splitmix64;
use crate::nn::WeightMode;
use crate::posterior::{ArchUse, Posterior, PriorTensors};
use crate::rng::SeededRng;
use crate::tasks::Batch;

/// A loss: the total that is differentiated and its task part.
pub struct InnerLoss<B: Backend> {
    /// Task loss plus any KL terms.
    pub total: Tensor<B, 1>,
    /// Task loss alone (reported).
    pub task: Tensor<B, 1>,
}

/// One task's inner and outer objectives.
pub struct TaskObjective<'a> {
    /// Examples of every inner step.
    pub inner: &'a Batch,
    /// Examples of the outer loss (the query set).
    pub outer: &'a Batch,
    /// Shape of one example.
    pub shape: &'a [usize],
    /// Input stem.
    pub stem: usize,
    /// How the architecture enters each forward pass.
    pub arch: ArchUse,
    /// Mean or sampled weights.
    pub weights: WeightMode,
    /// `Some(s)`: add `s / n · (KL_weights + KL_arch)` against the prior to the inner and to
    /// the outer loss, n the examples of that batch (BASE eq. 9 and eq. 10, scaled per
    /// sample); `None`: plain task losses (MAML, Reptile).
    pub kl_scale: Option<f64>,
    /// Seed of the noise; inner step k and the outer loss each get their own stream, so
    /// re-evaluating a step (finite differences) sees the same noise.
    pub seed: u64,
}

/// The noise stream of the outer loss (inner steps use their index).
const OUTER_STREAM: u64 = u64::MAX;

impl TaskObjective<'_> {
    fn rng(&self, stream: u64) -> SeededRng {
        SeededRng::new(splitmix64(self.seed ^ splitmix64(stream)))
    }

    /// Outputs of `q` on `batch` with the noise of `stream`. `None` if the stem is missing.
    pub fn outputs<B: Backend>(
        &self,
        q: &Posterior<B>,
        batch: &Batch,
        stream: u64,
    ) -> Option<Tensor<B, 2>> {
        let device = q.arch.normal.val().device();
        let x = batch.input_tensor::<B>(self.shape, &device);
        q.forward_with(x, self.stem, self.arch, self.weights, &mut self.rng(stream))
    }

    /// The loss of inner step `step` of `q` against `prior`.
    pub fn inner_loss<B: Backend>(
        &self,
        q: &Posterior<B>,
        prior: &PriorTensors<B>,
        step: usize,
    ) -> Option<InnerLoss<B>> {
        let out = self.outputs(q, self.inner, step as u64)?;
        Some(self.with_kl(task_loss(out, self.inner), q, prior, self.inner.len()))
    }

    fn with_kl<B: Backend>(
        &self,
        task: Tensor<B, 1>,
        q: &Posterior<B>,
        prior: &PriorTensors<B>,
        n: usize,
    ) -> InnerLoss<B> {
        let total = match self.kl_scale {
            Some(scale) => {
                let kl = q.kl_to(prior);
                task.clone() + (kl.weights + kl.arch) * (scale / n.max(1) as f64)
            }
            None => task.clone(),
        };
        InnerLoss { total, task }
    }

    /// The outer loss of the adapted `q` (query loss plus the KL terms of eq. 10) and the
    /// outputs on the outer batch.
    pub fn outer_loss<B: Backend>(
        &self,
        q: &Posterior<B>,
        prior: &PriorTensors<B>,
    ) -> Option<(InnerLoss<B>, Tensor<B, 2>)> {
        let out = self.outputs(q, self.outer, OUTER_STREAM)?;
        let loss = self.with_kl(
            task_loss(out.clone(), self.outer),
            q,
            prior,
            self.outer.len(),
        );
        Some((loss, out))
    }
}
