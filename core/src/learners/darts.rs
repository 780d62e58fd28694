//! DARTS on one task (Liu, Simonyan & Yang 2019, first-order bi-level): the "DARTS from
//! scratch" baseline of BASE's Figure 4, which adapting a meta-network is compared against.
//!
//! A fresh supernet of the space (no meta-training) searches one task: each step first moves
//! the architecture logits φ by Adam on the loss of a validation half, then the weights by SGD
//! with momentum on the loss of a training half, with the architecture as the softmax mixture
//! and the weights at their means (DARTS has no weight distribution). First order: the
//! architecture gradient is taken at the current weights (DARTS' ξ = 0).
//!
//! `relaxation = "single_path"` turns the search into GDAS (Dong & Yang 2019): each loss
//! runs one Gumbel-sampled op per edge with a straight-through gradient to φ, and the
//! supernet is evaluated on the path of every edge's most probable op.
//!
//! Choices where DARTS' setting (a whole dataset, 50 epochs of mini-batches) does not carry
//! over, written down here:
//! - the halves split the task's support set: within each class the examples alternate
//!   between training (1st, 3rd, ...) and validation (2nd, 4th, ...); a class with a single
//!   example (1-shot) gives it to both halves. Regression tasks alternate by position. The
//!   query set is only evaluated, never trained on — as in adaptation;
//! - one step uses each half whole (as an adaptation step uses the whole support set), so a
//!   step of DARTS and a step of adaptation see the same examples;
//! - the weights' learning rate follows DARTS' cosine schedule from `lr_weights` to
//!   `lr_weights_min` over the steps of the search;
//! - DARTS' other settings are its defaults: momentum 0.9, weight decay 3e-4, the weights'
//!   gradient clipped to norm 5, architecture
//!   Adam at 3e-4 with β = (0.5, 0.999) and weight decay 1e-3, logits initialised at
//!   1e-3 · N(0, 1); the initial values are seeded per task (`seed`), so M tasks average over
//!   M initialisations.

use std::collections::HashMap;
use std::f64::consts::PI;

use burn::module::ParamId;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use super::adam::Adam;
use super::fit::{check_shape, stem_for};
use super::grads::{
    axpy, clip_norm_of, grads_of, negated, param_ids, shifted, uniform_scale, ParamGrads,
};
use super::meta_gradient::missing_stem;
use super::objective::task_loss;
use super::report::{derived_genotype, evaluate_posterior, tables, weight_sketch};
use super::schedule::TemperatureSchedule;
use super::types::{splitmix64, Adaptation, AdaptationLog, LearnerError};
use super::update::{flat_params, trainable};
use crate::nn::WeightMode;
use crate::posterior::{ArchUse, Posterior, PosteriorInit, Relaxation};
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::{Batch, Episode, Targets};

/// Settings of a DARTS search (defaults: DARTS' CIFAR-10 search).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DartsConfig {
    /// Weights' SGD learning rate at the first step.
    pub lr_weights: f64,
    /// Weights' learning rate at the end of the cosine schedule.
    pub lr_weights_min: f64,
    /// SGD momentum.
    pub momentum: f64,
    /// L2 weight decay of the weights.
    pub weight_decay: f64,
    /// The weights' gradient is scaled down to this Euclidean norm when longer (0: never).
    pub grad_clip: f64,
    /// Architecture Adam learning rate.
    pub lr_arch: f64,
    /// L2 weight decay of the architecture logits.
    pub arch_weight_decay: f64,
    /// Initial values; the seed is mixed with each search's own seed.
    pub init: PosteriorInit,
    /// `softmax` (the default: DARTS' mixture of every op) or a sampled architecture, e.g.
    /// `single_path` (GDAS: one Gumbel-sampled op per edge runs; the search is then
    /// evaluated on the path of each edge's most probable op).
    pub relaxation: Relaxation,
    /// τ from `start` to `end` over each search (sampled relaxations only; its `steps` is
    /// not used: the anneal spans the search's steps).
    pub temperature: TemperatureSchedule,
}

impl Default for DartsConfig {
    fn default() -> Self {
        Self {
            lr_weights: 0.025,
            lr_weights_min: 0.001,
            momentum: 0.9,
            weight_decay: 3e-4,
            grad_clip: 5.0,
            lr_arch: 3e-4,
            arch_weight_decay: 1e-3,
            init: PosteriorInit::default(),
            relaxation: Relaxation::Softmax,
            temperature: TemperatureSchedule::default(),
        }
    }
}

impl DartsConfig {
    /// How the architecture enters the loss at step `t` of `steps`.
    fn arch_use(&self, t: usize, steps: usize) -> ArchUse {
        // The anneal spans each search, whatever its length.
        let schedule = TemperatureSchedule {
            steps,
            ..self.temperature
        };
        ArchUse::searching(self.relaxation, schedule.at(t))
    }

    /// The weights' learning rate of step `t` of `steps` (cosine annealing).
    pub fn lr_at(&self, t: usize, steps: usize) -> f64 {
        let progress = t as f64 / steps.max(1) as f64;
        self.lr_weights_min
            + 0.5 * (self.lr_weights - self.lr_weights_min) * (1.0 + (PI * progress).cos())
    }
}

/// DARTS' two halves of a support set: (training, validation), as described in the module
/// documentation.
pub fn darts_halves(support: &Batch) -> (Batch, Batch) {
    let (mut train, mut val) = (Vec::new(), Vec::new());
    match &support.targets {
        Targets::Classes(labels) => {
            let mut seen: HashMap<usize, usize> = HashMap::new();
            let counts = labels.iter().fold(HashMap::new(), |mut c, &l| {
                *c.entry(l).or_insert(0usize) += 1;
                c
            });
            for (i, &label) in labels.iter().enumerate() {
                let k = seen.entry(label).or_insert(0);
                if counts[&label] == 1 {
                    train.push(i);
                    val.push(i);
                } else if (*k).is_multiple_of(2) {
                    train.push(i);
                } else {
                    val.push(i);
                }
                *k += 1;
            }
        }
        Targets::Values(v) if v.len() == 1 => {
            train.push(0);
            val.push(0);
        }
        Targets::Values(v) => (0..v.len()).for_each(|i| {
            if i.is_multiple_of(2) {
                train.push(i)
            } else {
                val.push(i)
            }
        }),
    }
    (support.select(&train), support.select(&val))
}

/// A DARTS search in progress: the supernet and both optimisers' state.
pub struct DartsState<B: Backend> {
    /// The supernet (weight means and architecture logits).
    pub q: Posterior<B>,
    momentum: ParamGrads<B>,
    adam: Adam<B>,
    /// The architecture samples' noise (sampled relaxations).
    noise: SeededRng,
}

/// DARTS from scratch on single tasks, over a search space.
pub struct DartsSearch<B: AutodiffBackend> {
    space: SearchSpace,
    config: DartsConfig,
    device: B::Device,
}

impl<B: AutodiffBackend> DartsSearch<B> {
    /// Searches of `space` with `config` on `device`.
    pub fn new(space: SearchSpace, config: DartsConfig, device: B::Device) -> Self {
        Self {
            space,
            config,
            device,
        }
    }

    /// The settings.
    pub fn config(&self) -> &DartsConfig {
        &self.config
    }

    /// A fresh supernet for the search with seed `seed`.
    pub fn start(&self, seed: u64) -> DartsState<B::InnerBackend> {
        let init = PosteriorInit {
            seed: splitmix64(self.config.init.seed ^ splitmix64(seed)),
            ..self.config.init
        };
        DartsState {
            q: Posterior::new(&self.space, init, &self.device),
            momentum: HashMap::new(),
            adam: Adam::with_betas(0.5, 0.999),
            noise: SeededRng::new(splitmix64(init.seed ^ 0x6764_6173)),
        }
    }

    /// The gradient of the task loss of `batch` for every parameter of `q` (mean weights,
    /// the architecture as `arch`, its noise from `noise`).
    fn gradient(
        &self,
        q: &Posterior<B::InnerBackend>,
        batch: &Batch,
        (shape, stem): (&[usize], usize),
        arch: ArchUse,
        noise: &mut SeededRng,
    ) -> Result<ParamGrads<B::InnerBackend>, LearnerError> {
        let leaf: Posterior<B> = trainable(q.clone());
        let x = batch.input_tensor::<B>(shape, &self.device);
        let out = leaf
            .forward_with(x, stem, arch, WeightMode::Mean, noise)
            .ok_or_else(|| missing_stem(stem))?;
        let loss = task_loss(out, batch);
        Ok(grads_of(&leaf, &mut loss.backward()))
    }

    /// Step `t` of `steps`: the architecture on `val`, then the weights on `train`.
    pub fn step(
        &self,
        state: DartsState<B::InnerBackend>,
        (train, val): (&Batch, &Batch),
        shape: &[usize],
        stem: usize,
        (t, steps): (usize, usize),
    ) -> Result<DartsState<B::InnerBackend>, LearnerError> {
        let DartsState {
            q,
            mut momentum,
            mut adam,
            mut noise,
        } = state;
        let arch_ids = param_ids(&q.arch);
        let net_ids = param_ids(&q.net);
        let arch = self.config.arch_use(t, steps);
        let g = self.gradient(&q, val, (shape, stem), arch, &mut noise)?;
        let g = with_decay(&only(g, &arch_ids), &q, self.config.arch_weight_decay);
        let q = adam.step(q, &g, &uniform_scale(&arch_ids, self.config.lr_arch));
        let g = self.gradient(&q, train, (shape, stem), arch, &mut noise)?;
        let g = only(clip_norm_of(g, &net_ids, self.config.grad_clip), &net_ids);
        let g = with_decay(&g, &q, self.config.weight_decay);
        // PyTorch's SGD: v ← μ·v + g, θ ← θ − lr·v (v = g at the first step).
        let velocity: ParamGrads<_> = g
            .into_iter()
            .map(|(id, g)| {
                let v = match momentum.remove(&id) {
                    Some(v) => v * self.config.momentum + g,
                    None => g,
                };
                (id, v)
            })
            .collect();
        let lr = uniform_scale(&net_ids, self.config.lr_at(t, steps));
        let q = shifted(q, &[(&velocity, &negated(&lr))]);
        Ok(DartsState {
            q,
            momentum: velocity,
            adam,
            noise,
        })
    }

    /// `steps` DARTS steps on `task`'s support set from a fresh supernet seeded by `seed`,
    /// reported like an adaptation: query metrics before and after each step, the
    /// architecture probabilities as they move, and the derived genotype.
    pub fn search(
        &self,
        task: &Episode,
        steps: usize,
        seed: u64,
    ) -> Result<Adaptation, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        let (train, val) = darts_halves(&task.support);
        let start = self.start(seed);
        let first = evaluate_posterior(
            &start.q,
            task,
            stem,
            ArchUse::evaluating(self.config.relaxation),
        );
        let mut log = AdaptationLog::new(steps, first, tables(&start.q));
        let initial = start.q.clone();
        let mut state = start;
        for t in 0..steps {
            crate::interrupt::check()?;
            state = self.step(state, (&train, &val), &task.input_shape, stem, (t, steps))?;
            let metrics = evaluate_posterior(
                &state.q,
                task,
                stem,
                ArchUse::evaluating(self.config.relaxation),
            )
            .1;
            log.step(metrics, tables(&state.q));
        }
        let (after, _) = evaluate_posterior(
            &state.q,
            task,
            stem,
            ArchUse::evaluating(self.config.relaxation),
        );
        Ok(log.finish(
            after,
            weight_sketch(&state.q, &initial),
            derived_genotype(&self.space, &state.q),
        ))
    }
}

/// The entries of `g` for `ids` only.
fn only<B: Backend>(mut g: ParamGrads<B>, ids: &[ParamId]) -> ParamGrads<B> {
    ids.iter()
        .filter_map(|id| g.remove(id).map(|t| (*id, t)))
        .collect()
}

/// `g + decay · θ` for the parameters in `g` (L2 weight decay as PyTorch's optimisers add it).
fn with_decay<B: Backend>(g: &ParamGrads<B>, q: &Posterior<B>, decay: f64) -> ParamGrads<B> {
    if decay == 0.0 {
        return g.clone();
    }
    let values: ParamGrads<B> = flat_params(q)
        .into_iter()
        .filter(|(id, _)| g.contains_key(id))
        .collect();
    axpy(g, decay, &values)
}
