//! The one engine behind BASE (multi-task and few-shot), MAML and Reptile: a meta-network
//! W = (μ, σ, φ), task copies adapted by inner SGD steps, and the meta-update of the
//! learner's [`Plan`].
//!
//! Choices where the papers are silent, written down here:
//! - multi-task BASE and Reptile train each task on its support set by default: the task's
//!   training set (Algorithm 1 samples its batches from the task's data; Nichol et al.'s
//!   inner loop runs on the task's training set) and what adaptation to a new task trains
//!   on; `inner_examples = "support_and_query"` trains on both (until 2026-11-24 the only
//!   behaviour, which left adaptation diverging after long runs);
//!   BASE few-shot and MAML train on the support set and take the outer loss on the query set;
//! - σ is parameterised as softplus(ρ) and updated through ρ; MAML and Reptile use the means
//!   only (ρ gets no gradient);
//! - the KL terms are scaled by `kl_scale / n`, n the examples of the step ("per sample");
//! - evaluation and reported predictions use the posterior mean of the weights and
//!   softmax(φ) for the architecture (no noise);
//! - during `arch_warmup_steps` meta-steps φ is not trained (inner and outer rates zero);
//! - MAML and Reptile on the supernet keep φ at its initial values (zero by default: the
//!   uniform mixture); the genotype they report is derived from those values and means
//!   nothing; on a genotype's fixed network they report that genotype.

use std::time::Instant;

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use super::adam::Adam;
use super::devices::{mean_of_sum, Contribution, DeviceGroup};
use super::fit::{check_shape, stem_for};
use super::grads::{mean_grads, ParamGrads};
use super::head_init::HeadInit;
use super::learner::MetaLearner;
use super::meta_gradient::{inner_loop, meta_gradient, missing_stem, step_sizes};
use super::objective::{evaluate_outputs, Predictions, TaskMetrics};
use super::parallel::run_tasks;
use super::plan::{ArchPlan, Outer, Plan};
use super::report::{
    adaptation_start, checked_mean_loss, derived_genotype, evaluate_posterior, posterior_features,
    step_report, summed_report, tables, weight_sketch,
};
use super::schedule::meta_lr_at;
use super::state;
use super::types::{
    splitmix64, Adaptation, AdaptationLog, ArchTables, InnerStepTimes, LearnerError, StepReport,
    TaskFeatures,
};
use super::unroll::TaskObjective;
use super::update::{flat_params, interpolate_towards, mean_params, param_values, trainable};
use crate::device_counts::counted;
use crate::genotype::Genotype;
use crate::memory_use::{device_memory, MemoryProbe};
use crate::posterior::{ArchUse, Posterior, PriorTensors};
use crate::space::SearchSpace;
use crate::tasks::{Batch, Episode};

/// A gradient-based meta-learner on an autodiff backend.
pub struct GradientLearner<B: AutodiffBackend> {
    space: SearchSpace,
    plan: Plan,
    meta: Posterior<B::InnerBackend>,
    adam: Adam<B::InnerBackend>,
    steps_done: usize,
    devices: Option<DeviceGroup<B::InnerBackend>>,
    head_init: HeadInit,
}

/// One prepared task of a meta-batch: its stem and inner training set.
struct Prepared<'a> {
    stem: usize,
    inner: Batch,
    task: &'a Episode,
}

/// What one task of a meta-step gives back.
struct TaskOutcome<B: Backend> {
    adapted: Option<Posterior<B>>,
    grads: Option<ParamGrads<B>>,
    loss: f64,
    metrics: Option<TaskMetrics>,
}

impl<B: Backend> TaskOutcome<B> {
    /// What the task adds to the sum over a meta-batch: its adapted parameters or its
    /// meta-gradient.
    fn contribution(self) -> Contribution<B> {
        let vector = match (self.adapted, self.grads) {
            (Some(q), _) => flat_params(&q),
            (None, grads) => grads.unwrap_or_default(),
        };
        Contribution {
            vector,
            loss: self.loss,
            metrics: self.metrics,
        }
    }
}

impl<B: AutodiffBackend> GradientLearner<B> {
    /// A fresh meta-network for a validated space. Fails when the plan does not fit the
    /// space (a genotype of another space).
    pub fn new(space: SearchSpace, plan: Plan, device: B::Device) -> Result<Self, LearnerError> {
        let mut plan = plan;
        if let Outer::Gradient { spec, .. } = &mut plan.outer {
            spec.mode = spec.mode.resolve(&space);
        }
        let meta = match &plan.arch {
            ArchPlan::Fixed(genotype) => Posterior::fixed(&space, genotype, plan.init, &device)
                .map_err(|e| LearnerError::Task(format!("fixed architecture: {e}")))?,
            _ => Posterior::new(&space, plan.init, &device),
        };
        Ok(Self {
            space,
            plan,
            meta,
            adam: Adam::default(),
            steps_done: 0,
            head_init: HeadInit::Meta,
            devices: None,
        })
    }

    /// Spreads the tasks of every meta-step over `group`'s devices (and processes); the
    /// meta-network stays on the group's first device, which must be this learner's.
    pub fn on_devices(mut self, group: DeviceGroup<B::InnerBackend>) -> Self {
        self.meta = self.meta.to_device(&group.devices()[0]);
        self.devices = Some(group);
        self
    }

    /// The meta-update from the mean over the meta-batch of the tasks' contributions: their
    /// adapted parameters (interpolation) or their meta-gradients (Adam).
    fn update(&mut self, mean: ParamGrads<B::InnerBackend>, train_arch: bool) {
        match self.plan.outer {
            Outer::Interpolate { meta_lr, anneal } => {
                let meta_lr = meta_lr_at(meta_lr, anneal.as_ref(), self.steps_done);
                self.meta = interpolate_towards(self.meta.clone(), &mean, meta_lr);
            }
            Outer::Gradient {
                lr_weights,
                lr_arch,
                ..
            } => {
                let lr_arch = if train_arch { lr_arch } else { 0.0 };
                let lrs = step_sizes(&self.meta, lr_weights, lr_arch);
                self.meta = self.adam.step(self.meta.clone(), &mean, &lrs);
            }
        }
    }

    /// The plan (with `auto` resolved).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The shared meta-network W.
    pub fn meta(&self) -> &Posterior<B::InnerBackend> {
        &self.meta
    }

    fn arch_use(&self, tau: Option<f64>) -> ArchUse {
        match &self.plan.arch {
            ArchPlan::Sampled { relaxation, .. } => ArchUse::Sampled {
                relaxation: *relaxation,
                tau: tau.unwrap_or(1.0),
            },
            ArchPlan::Mixture => ArchUse::Mixture,
            ArchPlan::Fixed(_) => ArchUse::Ignored,
        }
    }

    fn objective<'a>(
        &self,
        inner: &'a Batch,
        task: &'a Episode,
        stem: usize,
        tau: Option<f64>,
        seed: u64,
    ) -> TaskObjective<'a> {
        TaskObjective {
            inner,
            outer: &task.query,
            shape: &task.input_shape,
            stem,
            arch: self.arch_use(tau),
            weights: self.plan.weights,
            kl_scale: self.plan.kl_scale,
            seed,
        }
    }

    /// How a network is evaluated: without noise, on softmax(φ) (or the most probable path).
    fn evaluation_arch(&self) -> ArchUse {
        match self.plan.arch {
            ArchPlan::Fixed(_) => ArchUse::Ignored,
            ArchPlan::Sampled { relaxation, .. } => ArchUse::evaluating(relaxation),
            ArchPlan::Mixture => ArchUse::Mixture,
        }
    }

    /// Query predictions and metrics of `q` with mean weights and softmax(φ) (no noise).
    fn evaluate(
        &self,
        q: &Posterior<B::InnerBackend>,
        task: &Episode,
        stem: usize,
    ) -> (Predictions, TaskMetrics) {
        evaluate_posterior(q, task, stem, self.evaluation_arch())
    }

    fn genotype_of(&self, q: &Posterior<B::InnerBackend>) -> Genotype {
        match &self.plan.arch {
            ArchPlan::Fixed(g) => g.clone(),
            _ => derived_genotype(&self.space, q),
        }
    }

    /// A task made ready for meta-training: its stem (checked against its shape) and the
    /// examples of its inner steps.
    fn prepare<'a>(&self, task: &'a Episode) -> Result<Prepared<'a>, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        let inner = if self.plan.inner_on_query_too {
            task.support.concat(&task.query)
        } else {
            task.support.clone()
        };
        Ok(Prepared { stem, inner, task })
    }

    /// One task of a meta-step from the meta-network `meta` (the learner's own, or its copy
    /// on another device).
    fn run_task(
        &self,
        meta: &Posterior<B::InnerBackend>,
        p: &Prepared<'_>,
        seed: u64,
        tau: Option<f64>,
        train_arch: bool,
    ) -> Result<TaskOutcome<B::InnerBackend>, LearnerError> {
        let objective = self.objective(&p.inner, p.task, p.stem, tau, seed);
        let lr_arch = if train_arch { self.plan.lr_arch } else { 0.0 };
        let lrs = step_sizes(meta, self.plan.lr_weights, lr_arch);
        let steps = self.plan.inner_steps;
        match self.plan.outer {
            Outer::Interpolate { .. } => {
                let (q, loss) = inner_loop::<B>(
                    meta,
                    meta,
                    &objective,
                    (steps, self.plan.inner_grad_clip),
                    &lrs,
                    |_| {},
                )?;
                // The update never looks at the query set; its metrics are reported so that
                // training curves show every learner's post-inner-loop query accuracy / MSE.
                let (_, metrics) = self.evaluate(&q, p.task, p.stem);
                Ok(TaskOutcome {
                    adapted: Some(q),
                    grads: None,
                    loss,
                    metrics: Some(metrics),
                })
            }
            Outer::Gradient { spec, .. } => {
                let u = meta_gradient::<B>(meta, &objective, steps, &lrs, spec)?;
                let (_, metrics) = evaluate_outputs(u.outputs, &p.task.query);
                Ok(TaskOutcome {
                    adapted: None,
                    grads: Some(u.grads),
                    loss: u.outer_loss,
                    metrics: Some(metrics),
                })
            }
        }
    }

    /// An adaptation whose architecture steps at rate `lr_arch` (0: frozen).
    fn adapt_at(
        &self,
        task: &Episode,
        steps: usize,
        seed: u64,
        lr_arch: f64,
    ) -> Result<Adaptation, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        let tau = self.plan.temperature(self.steps_done);
        let begin = adaptation_start(
            &self.meta,
            task,
            stem,
            self.evaluation_arch(),
            self.head_init,
        )?;
        let start = self.evaluate(&begin, task, stem);
        let mut log = AdaptationLog::new(steps, start, tables(&begin));
        let objective = self.objective(&task.support, task, stem, tau, seed);
        let lrs = step_sizes(&begin, self.plan.lr_weights, lr_arch);
        let (q, _) = inner_loop::<B>(
            &begin,
            &begin,
            &objective,
            (steps, self.plan.inner_grad_clip),
            &lrs,
            |q| {
                log.step(self.evaluate(q, task, stem).1, tables(q));
            },
        )?;
        let (after, _) = self.evaluate(&q, task, stem);
        Ok(log.finish(after, weight_sketch(&q, &self.meta), self.genotype_of(&q)))
    }
}

impl<B: AutodiffBackend> MetaLearner for GradientLearner<B> {
    fn name(&self) -> &'static str {
        self.plan.name
    }

    fn space(&self) -> &SearchSpace {
        &self.space
    }

    fn steps_done(&self) -> usize {
        self.steps_done
    }

    fn meta_step(&mut self, tasks: &[Episode]) -> Result<StepReport, LearnerError> {
        let step = self.steps_done;
        let tau = self.plan.temperature(step);
        let train_arch = step >= self.plan.arch_warmup_steps;
        let step_seed = splitmix64(self.plan.seed ^ splitmix64(step as u64));
        let prepared: Vec<Prepared<'_>> = tasks
            .iter()
            .map(|task| self.prepare(task))
            .collect::<Result<_, LearnerError>>()?;
        let this = &*self;
        let run = |meta: &Posterior<B::InnerBackend>, i: usize| {
            let seed = splitmix64(step_seed ^ i as u64);
            this.run_task(meta, &prepared[i], seed, tau, train_arch)
        };
        if let Some(group) = &self.devices {
            let summed =
                group.sum_tasks(&self.meta, prepared.len(), self.plan.threads, |m, i| {
                    run(m, i).map(TaskOutcome::contribution)
                })?;
            let report = summed_report(step, &summed, tasks, tau)?;
            let mean = mean_of_sum(&summed);
            self.update(mean, train_arch);
            self.steps_done += 1;
            return Ok(report);
        }
        let outcomes = run_tasks(prepared.len(), self.plan.threads, |i| run(&self.meta, i))
            .into_iter()
            .collect::<Result<Vec<_>, LearnerError>>()?;
        let loss = checked_mean_loss(step, outcomes.iter().map(|o| o.loss))?;
        let mean = match self.plan.outer {
            Outer::Interpolate { .. } => {
                let adapted: Vec<_> = outcomes.iter().filter_map(|o| o.adapted.clone()).collect();
                mean_params(&self.meta, &adapted)
            }
            Outer::Gradient { .. } => mean_grads(
                outcomes
                    .iter()
                    .filter_map(|o| o.grads.as_ref())
                    .collect::<Vec<_>>()
                    .into_iter(),
            ),
        };
        self.update(mean, train_arch);
        self.steps_done += 1;
        let metrics: Vec<TaskMetrics> = outcomes.iter().filter_map(|o| o.metrics).collect();
        Ok(step_report(self.steps_done, loss, &metrics, tasks, tau))
    }

    fn adapt(&self, task: &Episode, steps: usize, seed: u64) -> Result<Adaptation, LearnerError> {
        self.adapt_at(task, steps, seed, self.plan.lr_arch)
    }

    fn adapt_frozen_arch(
        &self,
        task: &Episode,
        steps: usize,
        seed: u64,
    ) -> Result<Adaptation, LearnerError> {
        self.adapt_at(task, steps, seed, 0.0)
    }

    fn features(&self, task: &Episode, _seed: u64) -> Result<Option<TaskFeatures>, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        posterior_features(&self.meta, task, stem, self.evaluation_arch()).map(Some)
    }

    fn set_head_init(&mut self, head: HeadInit) {
        self.head_init = head;
    }

    fn head_init(&self) -> HeadInit {
        self.head_init
    }

    fn arch_probabilities(&self) -> ArchTables {
        tables(&self.meta)
    }

    fn genotype(&self) -> Option<Genotype> {
        match self.plan.arch {
            ArchPlan::Mixture => None,
            _ => Some(self.genotype_of(&self.meta)),
        }
    }

    fn parameter_values(&self) -> Vec<f32> {
        param_values(&self.meta)
    }

    fn state_bytes(&self) -> Result<Vec<u8>, LearnerError> {
        state::encode(self.steps_done, &self.adam, &self.meta)
    }

    fn time_inner_step(&self, task: &Episode) -> Result<Option<InnerStepTimes>, LearnerError> {
        let p = self.prepare(task)?;
        let tau = self.plan.temperature(self.steps_done);
        let objective = self.objective(&p.inner, task, p.stem, tau, 0);
        let device = self.meta.arch.normal.val().device();
        let wait = || B::sync(&device).map_err(|e| LearnerError::Task(format!("{e:?}")));
        let prior = PriorTensors::<B>::constant(&self.meta);
        let leaf: Posterior<B> = trainable(self.meta.clone());
        wait()?;
        let mut memory = MemoryProbe::start::<B>(&device);
        let started = Instant::now();
        let (loss, forward_counts) = counted(|| -> Result<_, LearnerError> {
            let loss = objective
                .inner_loss(&leaf, &prior, 0)
                .ok_or_else(|| missing_stem(p.stem))?;
            wait()?;
            Ok(loss)
        });
        let loss = loss?;
        let forward = started.elapsed().as_secs_f64();
        if let Some(m) = &mut memory {
            m.sample::<B>(&device);
        }
        let started = Instant::now();
        let (grads, backward_counts) = counted(|| -> Result<_, LearnerError> {
            let grads = loss.total.backward();
            wait()?;
            Ok(grads)
        });
        let grads = grads?;
        let backward = started.elapsed().as_secs_f64();
        if let Some(m) = &mut memory {
            m.sample::<B>(&device);
        }
        drop(grads);
        Ok(Some(InnerStepTimes {
            forward,
            backward,
            forward_counts,
            backward_counts,
            memory_bytes: memory.map(|m| m.peak_above_start()),
            device_reserved_bytes: device_memory::<B>(&device).map(|(_, reserved)| reserved),
        }))
    }

    fn load_state_bytes(&mut self, bytes: &[u8]) -> Result<(), LearnerError> {
        let device = self.meta.arch.normal.val().device();
        let (steps, adam, meta) = state::decode(bytes, &self.meta, &device)?;
        self.meta = meta;
        self.adam = adam;
        self.steps_done = steps;
        Ok(())
    }
}
