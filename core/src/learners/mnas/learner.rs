//! The M-NAS meta-learner (paper 003, Algorithm 1) and its ablations M-NAS-Shared and
//! M-NAS-NM.
//!
//! Per task of a meta-batch: the support pairs are embedded and encoded into z_i, the
//! controller generates α_i (path dropout applied during meta-training), the modulator τ_i,
//! and the inner loop takes S SGD steps on the weights only (eq. 8) from w̃_i = τ_i ⊙ w̃ with
//! the architecture fixed at the mixture softmax(α_i). The outer loss is the query loss of the
//! adapted network plus β times the reconstruction loss (eq. 9), minimised by Adam over
//! Θ = (W_E, W_A, W_M, w̃): ρ_outer for w̃, the encoder and the modulator, the smaller ρ_A
//! for the controller (and for the shared logits).
//!
//! The gradient of the query loss with respect to the task's starting point (α_i, w̃_i) is
//! the same meta-gradient MAML uses ([`crate::learners::meta_gradient`]: exact second order
//! through the inner steps, finite-difference Hessian-vector products, or first order);
//! it is carried back to Θ through the encoder, controller and modulator by one more
//! backward pass of ⟨g, start(Θ)⟩ + β L_r.
//!
//! Choices where the paper is silent: weights are deterministic (the means of the supernet's
//! weights; σ is unused); α_i = shared logits + A(z_i) (the shared table is the controller's
//! output bias, which is what [`MetaLearner::arch_probabilities`] reports); A's output layer
//! and M start at zero, so at first every task gets the shared α and τ = 1.

use burn::module::AutodiffModule;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use super::config::MnasConfig;
use super::encoder::{pair_rows, permuted};
use super::params::{dot_with, path_dropout, MnasParams};
use crate::genotype::Genotype;
use crate::learners::devices::{mean_of_sum, Contribution, DeviceGroup};
use crate::learners::grads::{grads_of, mean_grads, param_ids, uniform_scale, ParamGrads};
use crate::learners::meta_gradient::{inner_loop, meta_gradient, missing_stem, step_sizes};
use crate::learners::report::{
    adaptation_start, checked_mean_loss, derived_genotype, evaluate_posterior, posterior_features,
    step_report, summed_report, support_prototypes, tables, weight_sketch,
};
use crate::learners::types::AdaptationLog;
use crate::learners::update::param_values;
use crate::learners::{
    check_shape, evaluate_outputs, run_tasks, splitmix64, state, stem_for, trainable, Adam,
    Adaptation, ArchTables, HeadInit, LearnerError, MetaGradientSpec, MetaLearner, StepReport,
    TaskFeatures, TaskMetrics, TaskObjective,
};
use crate::nn::WeightMode;
use crate::posterior::{ArchUse, Posterior};
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::Episode;

/// M-NAS on an autodiff backend.
pub struct MnasLearner<B: AutodiffBackend> {
    space: SearchSpace,
    config: MnasConfig,
    spec: MetaGradientSpec,
    params: MnasParams<B::InnerBackend>,
    adam: Adam<B::InnerBackend>,
    steps_done: usize,
    devices: Option<DeviceGroup<B::InnerBackend>>,
    head_init: HeadInit,
}

/// One task made ready for the encoder.
struct TaskInput {
    stem: usize,
    rows: Vec<Vec<f32>>,
    dropped: Option<(Vec<bool>, Vec<bool>)>,
}

/// What one task of a meta-step gives back.
struct TaskOutcome<B: Backend> {
    grads: ParamGrads<B>,
    loss: f64,
    metrics: TaskMetrics,
}

impl<B: AutodiffBackend> MnasLearner<B> {
    /// A fresh M-NAS for a validated space.
    pub fn new(
        space: SearchSpace,
        config: MnasConfig,
        device: B::Device,
    ) -> Result<Self, LearnerError> {
        config.check()?;
        let spec = MetaGradientSpec {
            mode: config.meta_gradient.resolve(&space),
            fd_scale: config.fd_scale,
        };
        let params = MnasParams::new(&space, &config, &device);
        Ok(Self {
            space,
            config,
            spec,
            params,
            adam: Adam::default(),
            steps_done: 0,
            head_init: HeadInit::Meta,
            devices: None,
        })
    }

    /// Θ.
    pub fn params(&self) -> &MnasParams<B::InnerBackend> {
        &self.params
    }

    /// The settings (meta-gradient as configured).
    pub fn config(&self) -> &MnasConfig {
        &self.config
    }

    /// The meta-gradient method in use (`auto` resolved).
    pub fn meta_gradient_spec(&self) -> MetaGradientSpec {
        self.spec
    }

    fn objective<'a>(&self, task: &'a Episode, stem: usize, seed: u64) -> TaskObjective<'a> {
        TaskObjective {
            inner: &task.support,
            outer: &task.query,
            shape: &task.input_shape,
            stem,
            arch: ArchUse::searching(
                self.config.relaxation,
                self.config.temperature.at(self.steps_done),
            ),
            weights: WeightMode::Mean,
            kl_scale: None,
            seed,
        }
    }

    fn evaluation(&self) -> ArchUse {
        ArchUse::evaluating(self.config.relaxation)
    }

    /// The encoder's input rows of a task's support set, in the order seed `seed` gives.
    pub fn task_rows(&self, task: &Episode, seed: u64) -> Vec<Vec<f32>> {
        permuted(
            pair_rows(&self.space, &task.support, &task.input_shape),
            seed,
        )
    }

    /// A task's stem (its shape checked), its encoder rows and its path-dropout mask, with
    /// the noise of `seed`.
    fn task_input(&self, task: &Episode, seed: u64) -> Result<TaskInput, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        Ok(TaskInput {
            stem,
            rows: self.task_rows(task, seed),
            dropped: self.dropped(seed),
        })
    }

    /// One task of a meta-step from Θ = `params` (the learner's own, or its copy on another
    /// device).
    fn run_task(
        &self,
        params: &MnasParams<B::InnerBackend>,
        task: &Episode,
        seed: u64,
    ) -> Result<TaskOutcome<B::InnerBackend>, LearnerError> {
        let input = self.task_input(task, seed)?;
        // The start point is generated once, tracked from Θ; the inner loop runs on its value.
        let theta: MnasParams<B> = trainable(params.clone());
        let device = theta.meta.arch.normal.val().device();
        let at = theta.task_start(&input.rows, input.dropped.as_ref());
        // Proto-MAML: the head starts at the support's prototypes, which are functions of Θ.
        let prototypes = support_prototypes(
            &at.start,
            task,
            input.stem,
            self.evaluation(),
            self.config.inner_head,
        )?;
        let mut start = at.start.valid();
        if let Some((w, b)) = &prototypes {
            start.net = start
                .net
                .with_head_means(w.clone().inner(), b.clone().inner());
        }
        let objective = self.objective(task, input.stem, seed);
        let lrs = step_sizes(&start, self.config.lr_inner, 0.0);
        let u = meta_gradient::<B>(&start, &objective, self.config.inner_steps, &lrs, self.spec)?;
        let (_, metrics) = evaluate_outputs(u.outputs, &task.query);
        // Carry d(query loss)/d(start) back to Θ, with β L_r.
        let mut lifted: ParamGrads<B> = u
            .grads
            .into_iter()
            .map(|(id, g)| (id, Tensor::from_inner(g)))
            .collect();
        // The head's share goes through the prototypes instead of the meta-network's head.
        let through_prototypes = prototypes.map(|(w, b)| {
            let head = &at.start.net.head;
            let mut through = |id, t: Tensor<B, 1>| match lifted.remove(&id) {
                Some(g) => (t * g).sum(),
                None => Tensor::zeros([1], &device),
            };
            let n = w.dims().iter().product::<usize>();
            through(head.weight.mu.id, w.reshape([n])) + through(head.bias.mu.id, b)
        });
        let surrogate = dot_with(&at.start, &lifted, &device) + at.recon * self.config.beta;
        let surrogate = match through_prototypes {
            Some(t) => surrogate + t,
            None => surrogate,
        };
        let grads = grads_of(&theta, &mut surrogate.backward());
        Ok(TaskOutcome {
            grads,
            loss: u.outer_loss,
            metrics,
        })
    }

    /// Adam's learning rate of every parameter: ρ_A for the logits and the controller, ρ_outer
    /// for the rest.
    fn outer_rates(&self) -> std::collections::HashMap<burn::module::ParamId, f64> {
        let mut lrs = uniform_scale(&param_ids(&self.params), self.config.lr_outer);
        lrs.extend(uniform_scale(
            &param_ids(&self.params.meta.arch),
            self.config.lr_arch,
        ));
        if let Some(c) = &self.params.controller {
            lrs.extend(uniform_scale(&param_ids(c), self.config.lr_arch));
        }
        lrs
    }

    /// Adam on Θ with the mean meta-gradient of a meta-batch.
    fn update(&mut self, mean: &ParamGrads<B::InnerBackend>) {
        let lrs = self.outer_rates();
        self.params = self.adam.step(self.params.clone(), mean, &lrs);
        self.steps_done += 1;
    }

    /// Spreads the tasks of every meta-step over `group`'s devices (and processes); Θ stays
    /// on the group's first device.
    pub fn on_devices(mut self, group: DeviceGroup<B::InnerBackend>) -> Self {
        self.params = self.params.to_device(&group.devices()[0]);
        self.devices = Some(group);
        self
    }

    /// Replaces Θ (the optimiser state is kept).
    pub fn set_params(&mut self, params: MnasParams<B::InnerBackend>) {
        self.params = params;
    }

    /// One task's contribution to the meta-gradient, d(query loss + β L_r)/dΘ, with the noise
    /// (permutation, path dropout) of `seed`, and its query loss.
    pub fn task_gradient(
        &self,
        task: &Episode,
        seed: u64,
    ) -> Result<(ParamGrads<B::InnerBackend>, f64), LearnerError> {
        self.run_task(&self.params, task, seed)
            .map(|o| (o.grads, o.loss))
    }

    /// The outer objective of eq. 9 for one task, query loss + β L_r, computed forward only
    /// with the noise of `seed` (for checking [`MnasLearner::task_gradient`]).
    pub fn outer_objective(&self, task: &Episode, seed: u64) -> Result<f64, LearnerError> {
        let input = self.task_input(task, seed)?;
        let at = self.params.task_start(&input.rows, input.dropped.as_ref());
        let start = adaptation_start(
            &at.start,
            task,
            input.stem,
            self.evaluation(),
            self.config.inner_head,
        )?;
        let objective = self.objective(task, input.stem, seed);
        let lrs = step_sizes(&start, self.config.lr_inner, 0.0);
        let steps = self.config.inner_steps;
        let (q, _) = inner_loop::<B>(&start, &start, &objective, (steps, None), &lrs, |_| {})?;
        let prior = crate::posterior::PriorTensors::of(&q);
        let (loss, _) = objective
            .outer_loss(&q, &prior)
            .ok_or_else(|| missing_stem(input.stem))?;
        Ok(crate::learners::grads::host_scalar(loss.total)
            + self.config.beta * crate::learners::grads::host_scalar(at.recon))
    }

    fn dropped(&self, seed: u64) -> Option<(Vec<bool>, Vec<bool>)> {
        (self.config.path_dropout > 0.0).then(|| {
            let mut rng = SeededRng::new(splitmix64(seed ^ 0xd40));
            path_dropout(
                &self.params.meta.arch,
                self.space.ops.len(),
                self.config.path_dropout,
                &mut rng,
            )
        })
    }

    fn adapted_start(&self, task: &Episode, seed: u64) -> Posterior<B::InnerBackend> {
        let rows = self.task_rows(task, seed);
        self.params.task_start(&rows, None).start
    }
}

impl<B: AutodiffBackend> MetaLearner for MnasLearner<B> {
    fn name(&self) -> &'static str {
        self.config.variant.name()
    }

    fn space(&self) -> &SearchSpace {
        &self.space
    }

    fn steps_done(&self) -> usize {
        self.steps_done
    }

    fn meta_step(&mut self, tasks: &[Episode]) -> Result<StepReport, LearnerError> {
        let step = self.steps_done;
        let step_seed = splitmix64(self.config.seed ^ splitmix64(step as u64));
        let this = &*self;
        let run = |params: &MnasParams<B::InnerBackend>, i: usize| {
            this.run_task(params, &tasks[i], splitmix64(step_seed ^ i as u64))
        };
        if let Some(group) = &self.devices {
            let summed =
                group.sum_tasks(&self.params, tasks.len(), self.config.threads, |p, i| {
                    run(p, i).map(|o| Contribution {
                        vector: o.grads,
                        loss: o.loss,
                        metrics: Some(o.metrics),
                    })
                })?;
            let report = summed_report(step, &summed, tasks, None)?;
            self.update(&mean_of_sum(&summed));
            return Ok(report);
        }
        let outcomes = run_tasks(tasks.len(), self.config.threads, |i| run(&self.params, i))
            .into_iter()
            .collect::<Result<Vec<_>, LearnerError>>()?;
        let loss = checked_mean_loss(step, outcomes.iter().map(|o| o.loss))?;
        self.update(&mean_grads(outcomes.iter().map(|o| &o.grads)));
        let metrics: Vec<TaskMetrics> = outcomes.iter().map(|o| o.metrics).collect();
        Ok(step_report(self.steps_done, loss, &metrics, tasks, None))
    }

    /// The architecture is generated from the support set before the first step and stays
    /// fixed through the steps (eq. 8 adapts weights only): `arch_history` starts with the
    /// shared logits' table and holds α_i's after every step.
    fn adapt(&self, task: &Episode, steps: usize, seed: u64) -> Result<Adaptation, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        let start = adaptation_start(
            &self.adapted_start(task, seed),
            task,
            stem,
            self.evaluation(),
            self.head_init,
        )?;
        let first = evaluate_posterior(&start, task, stem, self.evaluation());
        let mut log = AdaptationLog::new(steps, first, tables(&self.params.meta));
        let objective = self.objective(task, stem, seed);
        let lrs = step_sizes(&start, self.config.lr_inner, 0.0);
        let (q, _) = inner_loop::<B>(&start, &start, &objective, (steps, None), &lrs, |q| {
            log.step(
                evaluate_posterior(q, task, stem, self.evaluation()).1,
                tables(q),
            );
        })?;
        let (after, _) = evaluate_posterior(&q, task, stem, self.evaluation());
        Ok(log.finish(
            after,
            weight_sketch(&q, &self.params.meta),
            derived_genotype(&self.space, &q),
        ))
    }

    fn features(&self, task: &Episode, seed: u64) -> Result<Option<TaskFeatures>, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        let start = self.adapted_start(task, seed);
        posterior_features(&start, task, stem, self.evaluation()).map(Some)
    }

    fn set_head_init(&mut self, head: HeadInit) {
        self.head_init = head;
    }

    fn head_init(&self) -> HeadInit {
        self.head_init
    }

    fn arch_probabilities(&self) -> ArchTables {
        tables(&self.params.meta)
    }

    /// Derived from the shared logits: M-NAS-Shared's architecture; for M-NAS and M-NAS-NM
    /// the controller's task-independent part (each task adds its own change).
    fn genotype(&self) -> Option<Genotype> {
        Some(derived_genotype(&self.space, &self.params.meta))
    }

    fn parameter_values(&self) -> Vec<f32> {
        param_values(&self.params)
    }

    fn state_bytes(&self) -> Result<Vec<u8>, LearnerError> {
        state::encode(self.steps_done, &self.adam, &self.params)
    }

    fn load_state_bytes(&mut self, bytes: &[u8]) -> Result<(), LearnerError> {
        let device = self.params.meta.arch.normal.val().device();
        let (steps, adam, params) = state::decode(bytes, &self.params, &device)?;
        self.params = params;
        self.adam = adam;
        self.steps_done = steps;
        Ok(())
    }
}
