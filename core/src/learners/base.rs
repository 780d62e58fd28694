//! BASE, multi-task variant (paper 000, Algorithm 1).
//!
//! For each task of a meta-batch, a copy of the shared W = (μ, σ, α) takes T plain SGD steps
//! on the reparameterised objective of eq. (9): the task loss of a Gumbel-softmax sample of
//! the architecture and a Gaussian sample of the weights, plus the KL terms against W scaled
//! by `kl_scale / n` (n = examples in the step's batch: "scaled per sample"). Then
//! `W ← W + λ · mean_c(W_c^T − W)`, the finite-difference (Reptile-style) approximation the
//! paper prescribes instead of unrolling. Tasks of a meta-batch are independent and run on
//! named threads (one by default, see [`BaseConfig::threads`]).
//!
//! Choices where the paper is silent, written down here:
//! - each inner step uses all of the task's examples (support and query; Algorithm 1 samples
//!   a batch per step from the task, and a few-shot task is one batch);
//! - σ is parameterised as softplus(ρ) and updated through ρ;
//! - evaluation and reported predictions use the posterior mean of the weights and
//!   softmax(φ) for the architecture (no noise);
//! - during `arch_warmup_steps` meta-steps the architecture logits are not trained (their
//!   inner learning rate is zero).

use burn::module::{AutodiffModule, Module};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use super::learner::MetaLearner;
use super::objective::{evaluate_outputs, task_loss, TaskMetrics};
use super::schedule::TemperatureSchedule;
use super::types::{count_sketch, splitmix64, Adaptation, ArchTables, LearnerError, StepReport};
use super::update::{interpolate_towards_mean, param_values, sgd_step, trainable};
use crate::genotype::Genotype;
use crate::nn::WeightMode;
use crate::posterior::{
    GaussianTensors, Posterior, PosteriorInit, PriorTensors, Relaxation, SampleSpec,
};
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::{Batch, Episode};

/// A task's adapted posterior and its last task loss.
type TaskResult<B> = Result<(Posterior<<B as AutodiffBackend>::InnerBackend>, f64), LearnerError>;

/// Size of the weight sketch reported for the PCA view.
pub const SKETCH_DIM: usize = 256;

/// Settings of BASE (multi-task).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BaseConfig {
    /// T: inner SGD steps per task during meta-training.
    pub inner_steps: usize,
    /// Inner learning rate of the weights ψ = (μ, ρ).
    ///
    /// The KL term pulls μ back to the prior with curvature `kl_scale / (n σ²)` (n examples
    /// per step), so plain SGD is stable only while `lr_weights < 2 n σ² / kl_scale`: with
    /// σ = 0.05 and a 10-shot task that is 0.05. Larger rates need a larger σ or `kl_scale`.
    pub lr_weights: f64,
    /// Inner learning rate of the architecture logits φ.
    pub lr_arch: f64,
    /// λ: step size of the meta-update towards the mean task posterior.
    pub meta_lr: f64,
    /// Gumbel-softmax, plain softmax (the ablation) or hard straight-through.
    pub relaxation: Relaxation,
    /// τ over meta-steps.
    pub temperature: TemperatureSchedule,
    /// Reparameterised weight samples, or the mean (deterministic weights).
    pub weights: WeightMode,
    /// Multiplier of the per-sample KL terms (1 = eq. 9).
    pub kl_scale: f64,
    /// Meta-steps during which α is frozen.
    pub arch_warmup_steps: usize,
    /// Initial values.
    pub init: PosteriorInit,
    /// Seed of all sampling noise.
    pub seed: u64,
    /// Worker threads for the tasks of a meta-batch (0: one per core).
    ///
    /// The default is 1: tasks run one after another and every operation uses all cores
    /// inside Burn's ndarray backend. With more than one task thread the results are no
    /// longer reproducible to the last bit (measured on burn 0.21: two task threads gave
    /// different low bits in 2 of 8 identical runs; one thread never did), which breaks
    /// bit-for-bit resuming. Raise it for speed only when that does not matter.
    pub threads: usize,
}

impl Default for BaseConfig {
    fn default() -> Self {
        Self {
            inner_steps: 5,
            lr_weights: 0.01,
            lr_arch: 0.01,
            meta_lr: 1.0,
            relaxation: Relaxation::Gumbel,
            temperature: TemperatureSchedule::default(),
            weights: WeightMode::Sample,
            kl_scale: 1.0,
            arch_warmup_steps: 0,
            init: PosteriorInit::default(),
            seed: 0,
            threads: 1,
        }
    }
}

/// BASE (multi-task) on an autodiff backend.
pub struct BaseLearner<B: AutodiffBackend> {
    space: SearchSpace,
    config: BaseConfig,
    prior: Posterior<B::InnerBackend>,
    steps_done: usize,
    device: B::Device,
}

/// The stem a task uses: the input named like its source, or the only input.
pub fn stem_for(space: &SearchSpace, task: &Episode) -> Result<usize, LearnerError> {
    if let Some(i) = space.inputs.iter().position(|s| s.name == task.source_name) {
        return Ok(i);
    }
    if space.inputs.len() == 1 {
        return Ok(0);
    }
    let names: Vec<&str> = space.inputs.iter().map(|s| s.name.as_str()).collect();
    Err(LearnerError::Task(format!(
        "source `{}` matches none of the space's inputs ({})",
        task.source_name,
        names.join(", ")
    )))
}

/// Checks that a task's inputs have the shape of the stem's input.
pub fn check_shape(space: &SearchSpace, stem: usize, task: &Episode) -> Result<(), LearnerError> {
    let input = &space.inputs[stem];
    let expect = match space.domain {
        crate::space::Domain::Image => vec![input.channels, input.height, input.width],
        crate::space::Domain::Vector => vec![input.channels],
    };
    if task.input_shape != expect {
        return Err(LearnerError::Task(format!(
            "input `{}` expects examples of shape {expect:?}, the task has {:?}",
            input.name, task.input_shape
        )));
    }
    Ok(())
}

impl<B: AutodiffBackend> BaseLearner<B> {
    /// A fresh meta-network for a validated space.
    pub fn new(space: SearchSpace, config: BaseConfig, device: B::Device) -> Self {
        let prior = Posterior::new(&space, config.init, &device);
        Self {
            space,
            config,
            prior,
            steps_done: 0,
            device,
        }
    }

    /// The settings.
    pub fn config(&self) -> &BaseConfig {
        &self.config
    }

    /// The shared W.
    pub fn prior(&self) -> &Posterior<B::InnerBackend> {
        &self.prior
    }

    fn spec(&self, tau: f64) -> SampleSpec {
        SampleSpec {
            relaxation: self.config.relaxation,
            tau,
            weights: self.config.weights,
        }
    }

    /// T (or S) SGD steps on `batch` from the prior. Calls `after_step` with the posterior
    /// after each step.
    fn inner_loop(
        &self,
        batch: &Batch,
        shape: &[usize],
        stem: usize,
        steps: usize,
        tau: f64,
        train_arch: bool,
        rng: &mut SeededRng,
        mut after_step: impl FnMut(&Posterior<B::InnerBackend>),
    ) -> Result<(Posterior<B>, f64), LearnerError> {
        let prior = PriorTensors::<B>::constant(&self.prior);
        let mut q: Posterior<B> = trainable(self.prior.clone());
        let x = batch.input_tensor::<B>(shape, &self.device);
        let per_sample = self.config.kl_scale / batch.len().max(1) as f64;
        let lr_arch = if train_arch { self.config.lr_arch } else { 0.0 };
        let mut last = f64::NAN;
        for _ in 0..steps {
            let out = q
                .forward(x.clone(), stem, self.spec(tau), rng)
                .ok_or_else(|| LearnerError::Task(format!("no stem {stem}")))?;
            let task = task_loss(out, batch);
            let kl = q.kl_to(&prior);
            let loss = task.clone() + (kl.weights + kl.arch) * per_sample;
            last = scalar(task);
            let mut grads = loss.backward();
            let mut g_arch = GradientsParams::from_module(&mut grads, &q.arch);
            let mut g_net = GradientsParams::from_module(&mut grads, &q.net);
            q = Posterior {
                arch: sgd_step(q.arch, &mut g_arch, lr_arch),
                net: sgd_step(q.net, &mut g_net, self.config.lr_weights),
            };
            after_step(&q.valid());
        }
        Ok((q, last))
    }

    /// Query metrics and predictions of a posterior with mean weights and softmax(φ).
    fn evaluate(
        q: &Posterior<B::InnerBackend>,
        task: &Episode,
        stem: usize,
        device: &burn::tensor::Device<B::InnerBackend>,
    ) -> (super::objective::Predictions, TaskMetrics) {
        let x = task
            .query
            .input_tensor::<B::InnerBackend>(&task.input_shape, device);
        let spec = SampleSpec {
            relaxation: Relaxation::Softmax,
            tau: 1.0,
            weights: WeightMode::Mean,
        };
        // Softmax and mean weights draw no noise.
        let out = q.forward(x, stem, spec, &mut SeededRng::new(0));
        match out {
            Some(out) => evaluate_outputs(out, &task.query),
            None => (
                super::objective::Predictions::Classes(Vec::new()),
                TaskMetrics {
                    loss: f64::NAN,
                    accuracy: None,
                    mse: None,
                },
            ),
        }
    }
}

fn scalar<B: Backend>(t: Tensor<B, 1>) -> f64 {
    t.into_data()
        .convert::<f64>()
        .to_vec::<f64>()
        .ok()
        .and_then(|v| v.first().copied())
        .unwrap_or(f64::NAN)
}

fn tables<B: Backend>(q: &Posterior<B>) -> ArchTables {
    let (normal, reduce) = q.arch.probability_tables();
    ArchTables { normal, reduce }
}

impl<B: AutodiffBackend> MetaLearner for BaseLearner<B> {
    fn name(&self) -> &'static str {
        "base"
    }

    fn space(&self) -> &SearchSpace {
        &self.space
    }

    fn steps_done(&self) -> usize {
        self.steps_done
    }

    fn meta_step(&mut self, tasks: &[Episode]) -> Result<StepReport, LearnerError> {
        let step = self.steps_done;
        let tau = self.config.temperature.at(step);
        let train_arch = step >= self.config.arch_warmup_steps;
        let step_seed = splitmix64(self.config.seed ^ splitmix64(step as u64));
        let prepared: Vec<(usize, Batch, &Episode)> = tasks
            .iter()
            .map(|t| {
                let stem = stem_for(&self.space, t)?;
                check_shape(&self.space, stem, t)?;
                Ok((stem, t.support.concat(&t.query), t))
            })
            .collect::<Result<_, LearnerError>>()?;
        let threads = match self.config.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .clamp(1, prepared.len().max(1));
        let this = &*self;
        let prepared = &prepared;
        let count = prepared.len();
        let run = |i: usize| -> TaskResult<B> {
            let (stem, batch, task) = &prepared[i];
            let mut rng = SeededRng::new(splitmix64(step_seed ^ i as u64));
            let (q, loss) = this.inner_loop(
                batch,
                &task.input_shape,
                *stem,
                this.config.inner_steps,
                tau,
                train_arch,
                &mut rng,
                |_| {},
            )?;
            Ok((q.valid(), loss))
        };
        // Task i goes to worker i % threads; results are put back in task order.
        let mut results: Vec<Option<TaskResult<B>>> = (0..count).map(|_| None).collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|w| {
                    let run = &run;
                    std::thread::Builder::new()
                        .name(format!("metanas-task-{w}"))
                        .spawn_scoped(scope, move || {
                            (w..count)
                                .step_by(threads)
                                .map(|i| (i, run(i)))
                                .collect::<Vec<_>>()
                        })
                })
                .collect();
            for h in handles {
                match h {
                    Ok(h) => {
                        // A worker that panicked leaves its tasks empty: reported below.
                        if let Ok(done) = h.join() {
                            done.into_iter().for_each(|(i, r)| results[i] = Some(r));
                        }
                    }
                    Err(e) => {
                        results.iter_mut().filter(|r| r.is_none()).for_each(|r| {
                            *r = Some(Err(LearnerError::Task(format!(
                                "cannot start a worker thread: {e}"
                            ))))
                        });
                    }
                }
            }
        });
        let mut posteriors = Vec::with_capacity(results.len());
        let mut losses = Vec::new();
        for r in results {
            let (q, loss) =
                r.unwrap_or_else(|| Err(LearnerError::Task("a task worker panicked".into())))?;
            posteriors.push(q);
            losses.push(loss);
        }
        let loss = losses.iter().sum::<f64>() / losses.len().max(1) as f64;
        if !loss.is_finite() {
            return Err(LearnerError::Diverged { step, loss });
        }
        self.prior = interpolate_towards_mean(self.prior.clone(), &posteriors, self.config.meta_lr);
        self.steps_done += 1;
        let regression = tasks
            .first()
            .is_some_and(|t| matches!(t.query.targets, crate::tasks::Targets::Values(_)));
        Ok(StepReport {
            step: self.steps_done,
            loss,
            accuracy: None,
            mse: regression.then_some(loss),
            temperature: tau,
            tasks: tasks.len(),
        })
    }

    fn adapt(&self, task: &Episode, steps: usize, seed: u64) -> Result<Adaptation, LearnerError> {
        let stem = stem_for(&self.space, task)?;
        check_shape(&self.space, stem, task)?;
        let tau = self.config.temperature.at(self.steps_done);
        let inner_device = self.prior.arch.normal.val().device();
        let (before, first) = Self::evaluate(&self.prior, task, stem, &inner_device);
        let mut per_step = vec![first];
        let mut arch_history = vec![tables(&self.prior)];
        let mut rng = SeededRng::new(seed);
        let (q, _) = self.inner_loop(
            &task.support,
            &task.input_shape,
            stem,
            steps,
            tau,
            true,
            &mut rng,
            |q| {
                per_step.push(Self::evaluate(q, task, stem, &inner_device).1);
                arch_history.push(tables(q));
            },
        )?;
        let q = q.valid();
        let (after, _) = Self::evaluate(&q, task, stem, &inner_device);
        let delta = GaussianTensors::of(&q.net).mu - GaussianTensors::of(&self.prior.net).mu;
        let delta = delta
            .into_data()
            .convert::<f32>()
            .to_vec::<f32>()
            .unwrap_or_default();
        let (normal, reduce) = q.arch.probability_tables();
        let genotype = Genotype::derive(&self.space, &normal, reduce.as_deref());
        Ok(Adaptation {
            steps,
            per_step,
            before,
            after,
            arch_history,
            weight_sketch: count_sketch(&delta, SKETCH_DIM, 0x5eed),
            genotype,
        })
    }

    fn arch_probabilities(&self) -> ArchTables {
        tables(&self.prior)
    }

    fn parameter_values(&self) -> Vec<f32> {
        param_values(&self.prior)
    }

    fn state_bytes(&self) -> Result<Vec<u8>, LearnerError> {
        let record = NamedMpkBytesRecorder::<FullPrecisionSettings>::new()
            .record(self.prior.clone().into_record(), ())
            .map_err(|e| LearnerError::State {
                path: "<memory>".into(),
                message: e.to_string(),
            })?;
        let mut out = (self.steps_done as u64).to_le_bytes().to_vec();
        out.extend(record);
        Ok(out)
    }

    fn load_state_bytes(&mut self, bytes: &[u8]) -> Result<(), LearnerError> {
        let bad = |message: String| LearnerError::State {
            path: "<memory>".into(),
            message,
        };
        if bytes.len() < 8 {
            return Err(bad("state is shorter than its header".into()));
        }
        let steps = u64::from_le_bytes(
            bytes[..8]
                .try_into()
                .map_err(|_| bad("bad header".into()))?,
        ) as usize;
        let record = NamedMpkBytesRecorder::<FullPrecisionSettings>::new()
            .load(bytes[8..].to_vec(), &self.prior.arch.normal.val().device())
            .map_err(|e| bad(format!("cannot read the parameters: {e}")))?;
        self.prior = self.prior.clone().load_record(record);
        self.steps_done = steps;
        Ok(())
    }
}
