//! The settings of each gradient-based meta-learner as a user writes them (`[learner]` in a
//! run config), and how each maps onto the one engine, [`super::GradientLearner`].

use serde::{Deserialize, Serialize};

use super::meta_gradient::{MetaGradient, FD_SCALE};
use super::schedule::{MetaLrAnneal, TemperatureSchedule};
use crate::genotype::Genotype;
use crate::nn::WeightMode;
use crate::posterior::{PosteriorInit, Relaxation};

/// The examples a task's inner steps train on, for the learners whose inner loop is all
/// there is to a task (BASE multi-task, Reptile); the few-shot learners train on the support
/// set and take their outer loss on the query set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InnerExamples {
    /// The support set only: what adaptation to a new task trains on.
    Support,
    /// Support and query together: a task is one training set, larger than what adaptation
    /// gets (Algorithm 1 on a few-shot task taken as one dataset; Nichol et al.'s larger
    /// meta-training shots).
    SupportAndQuery,
}

/// Settings of BASE, multi-task variant (paper 000, Algorithm 1).
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
    /// λ annealed linearly from `meta_lr` to `end` over `steps` meta-steps (absent: constant
    /// λ, the default), e.g. `meta_lr_anneal = { end = 0.0, steps = 2000 }` as Reptile does.
    pub meta_lr_anneal: Option<MetaLrAnneal>,
    /// The examples of the inner steps: `support` (the default: the task's training set,
    /// what adaptation to a new task trains on) or `support_and_query`. On the toy-regression
    /// families, 2000 meta-steps with `support_and_query` left a meta-network whose
    /// adaptation on 10 support points diverged on most held-out tasks (docs/results.md).
    pub inner_examples: InnerExamples,
    /// Scale each inner step's gradient of the weights ψ = (μ, ρ) to this Euclidean norm
    /// when it is longer (PyTorch's `clip_grad_norm_`, as DARTS's search does), in meta-training
    /// and in adaptation; the architecture's gradient is not clipped. Absent (the default):
    /// plain SGD, as the paper writes it. A task whose few support points lie far out can
    /// make a step overshoot and diverge; the mean update then carries it into W
    /// (docs/results.md: what `grad_clip` did on the toy regression).
    pub grad_clip: Option<f64>,
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
    /// Worker threads for the tasks of a meta-batch (0, the default: one per core).
    ///
    /// That many tasks run side by side on the thread pool the CPU kernels' loops use, which
    /// keeps the cores busy while Burn's single-threaded parts of a task run (the speed bench
    /// on 2 cores: 12.7 s per meta-step with 1, 7.2 s with 2). The results do not depend on
    /// it: each task computes alone, and their updates are combined in task order, so a run
    /// gives the same bits with any number of task threads (tested with four, while other
    /// threads run backward passes). Lower it to bound memory: each running task holds its
    /// own graph.
    pub threads: usize,
}

impl Default for BaseConfig {
    fn default() -> Self {
        Self {
            inner_steps: 5,
            lr_weights: 0.01,
            lr_arch: 0.01,
            meta_lr: 1.0,
            meta_lr_anneal: None,
            inner_examples: InnerExamples::Support,
            grad_clip: None,
            relaxation: Relaxation::Gumbel,
            temperature: TemperatureSchedule::default(),
            weights: WeightMode::Sample,
            kl_scale: 1.0,
            arch_warmup_steps: 0,
            init: PosteriorInit::default(),
            seed: 0,
            threads: 0,
        }
    }
}

/// Settings of BASE, few-shot variant (paper 002, appendix A): S inner steps on the support
/// set, then Adam on the query loss differentiated through the inner steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BaseFewShotConfig {
    /// S: inner SGD steps on the support set.
    pub inner_steps: usize,
    /// Inner learning rate of the weights ψ = (μ, ρ) (see [`BaseConfig::lr_weights`]).
    pub lr_weights: f64,
    /// Inner learning rate of the architecture logits φ.
    pub lr_arch: f64,
    /// Outer (Adam) learning rate of the weights.
    pub outer_lr_weights: f64,
    /// Outer (Adam) learning rate of the architecture logits.
    pub outer_lr_arch: f64,
    /// How the gradient through the inner steps is computed.
    pub meta_gradient: MetaGradient,
    /// Finite-difference step `ε = fd_scale / ‖u‖` (when finite differences are used).
    pub fd_scale: f64,
    /// Gumbel-softmax, plain softmax (the ablation) or hard straight-through.
    pub relaxation: Relaxation,
    /// τ over meta-steps.
    pub temperature: TemperatureSchedule,
    /// Reparameterised weight samples, or the mean.
    pub weights: WeightMode,
    /// Multiplier of the per-sample KL terms (1 = eq. 9).
    pub kl_scale: f64,
    /// Meta-steps during which α is frozen (inner and outer).
    pub arch_warmup_steps: usize,
    /// Initial values.
    pub init: PosteriorInit,
    /// Seed of all sampling noise.
    pub seed: u64,
    /// Worker threads for the tasks of a meta-batch (see [`BaseConfig::threads`]).
    pub threads: usize,
}

impl Default for BaseFewShotConfig {
    fn default() -> Self {
        let base = BaseConfig::default();
        Self {
            inner_steps: base.inner_steps,
            lr_weights: base.lr_weights,
            lr_arch: base.lr_arch,
            outer_lr_weights: 1e-3,
            outer_lr_arch: 3e-4,
            meta_gradient: MetaGradient::Auto,
            fd_scale: FD_SCALE,
            relaxation: base.relaxation,
            temperature: base.temperature,
            weights: base.weights,
            kl_scale: base.kl_scale,
            arch_warmup_steps: base.arch_warmup_steps,
            init: base.init,
            seed: base.seed,
            threads: base.threads,
        }
    }
}

/// The network MAML and Reptile meta-train: its architecture is held fixed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    /// The space's supernet with every edge the uniform mixture of its live ops (the
    /// architecture logits start at zero and are never trained).
    Supernet,
    /// The fixed network of a genotype (the "fixed architecture" baseline), e.g. one that
    /// `metanas export` wrote.
    Genotype(Genotype),
    /// A genotype file (JSON or DARTS text); replaced by the genotype itself when the run
    /// config is read.
    GenotypeFile(String),
}

/// Settings of MAML (Finn et al.): S inner SGD steps on the support set, Adam on the query
/// loss through them, second order by default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MamlConfig {
    /// S: inner SGD steps.
    pub inner_steps: usize,
    /// Inner learning rate.
    pub lr_weights: f64,
    /// Outer (Adam) learning rate.
    pub outer_lr: f64,
    /// Second order (`auto`, `exact`, `finite_difference`) or `first_order` (FOMAML).
    pub meta_gradient: MetaGradient,
    /// Finite-difference step `ε = fd_scale / ‖u‖`.
    pub fd_scale: f64,
    /// The network.
    pub architecture: Architecture,
    /// Initial values (σ is unused: MAML's weights are the means).
    pub init: PosteriorInit,
    /// Seed (unused by MAML's deterministic steps; kept for a uniform config).
    pub seed: u64,
    /// Worker threads for the tasks of a meta-batch (see [`BaseConfig::threads`]).
    pub threads: usize,
}

impl Default for MamlConfig {
    fn default() -> Self {
        Self {
            inner_steps: 5,
            lr_weights: 0.01,
            outer_lr: 1e-3,
            meta_gradient: MetaGradient::Auto,
            fd_scale: FD_SCALE,
            architecture: Architecture::Supernet,
            init: PosteriorInit {
                arch_scale: 0.0,
                ..PosteriorInit::default()
            },
            seed: 0,
            threads: 0,
        }
    }
}

/// Settings of Reptile (Nichol et al.): T inner SGD steps on each task's examples, then
/// `W ← W + λ · mean_c(W_c − W)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReptileConfig {
    /// T: inner SGD steps per task.
    pub inner_steps: usize,
    /// Inner learning rate.
    pub lr_weights: f64,
    /// λ: step size towards the mean adapted weights.
    pub meta_lr: f64,
    /// λ's linear anneal (see [`BaseConfig::meta_lr_anneal`]; absent by default). Nichol et
    /// al. anneal λ from 1 to 0 over the whole run.
    pub meta_lr_anneal: Option<MetaLrAnneal>,
    /// The examples of the inner steps (see [`BaseConfig::inner_examples`]; the default is
    /// `support` here too).
    pub inner_examples: InnerExamples,
    /// The inner steps' gradient clipped to this norm (see [`BaseConfig::grad_clip`];
    /// absent by default).
    pub grad_clip: Option<f64>,
    /// The network.
    pub architecture: Architecture,
    /// Initial values (σ is unused).
    pub init: PosteriorInit,
    /// Seed (unused by Reptile's deterministic steps; kept for a uniform config).
    pub seed: u64,
    /// Worker threads for the tasks of a meta-batch (see [`BaseConfig::threads`]).
    pub threads: usize,
}

impl Default for ReptileConfig {
    fn default() -> Self {
        Self {
            inner_steps: 5,
            lr_weights: 0.01,
            meta_lr: 1.0,
            meta_lr_anneal: None,
            inner_examples: InnerExamples::Support,
            grad_clip: None,
            architecture: Architecture::Supernet,
            init: MamlConfig::default().init,
            seed: 0,
            threads: 0,
        }
    }
}
