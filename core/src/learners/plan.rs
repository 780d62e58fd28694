//! What distinguishes the gradient-based meta-learners, as data: which parameters the inner
//! loop trains, with what objective, on which examples, and how the meta-parameters move.
//! BASE (both variants), MAML and Reptile are each one [`Plan`].

use super::configs::{
    Architecture, BaseConfig, BaseFewShotConfig, InnerExamples, MamlConfig, ReptileConfig,
};
use super::meta_gradient::{MetaGradient, MetaGradientSpec};
use super::schedule::{MetaLrAnneal, TemperatureSchedule};
use crate::genotype::Genotype;
use crate::nn::WeightMode;
use crate::posterior::{PosteriorInit, Relaxation};
use crate::value_error::FieldError;

/// How the architecture is treated.
#[derive(Clone, Debug, PartialEq)]
pub enum ArchPlan {
    /// Relaxed samples from φ, trained in the inner loop (BASE).
    Sampled {
        /// Relaxation.
        relaxation: Relaxation,
        /// τ over meta-steps.
        temperature: TemperatureSchedule,
    },
    /// The supernet at its mixture softmax(φ) with φ never trained (MAML, Reptile).
    Mixture,
    /// The fixed network of a genotype.
    Fixed(Genotype),
}

/// How the meta-parameters are updated from a meta-batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outer {
    /// `W ← W + λ · mean_c(W_c − W)` (BASE multi-task, Reptile).
    Interpolate {
        /// λ (at meta-step 0 when annealed).
        meta_lr: f64,
        /// λ's linear anneal, if any.
        anneal: Option<MetaLrAnneal>,
    },
    /// Adam on the mean meta-gradient of the query losses (BASE few-shot, MAML).
    Gradient {
        /// How the gradient through the inner loop is computed.
        spec: MetaGradientSpec,
        /// Adam's learning rate for the weights.
        lr_weights: f64,
        /// Adam's learning rate for the architecture logits.
        lr_arch: f64,
    },
}

/// One gradient-based meta-learner, as data.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Short name (`base`, `base_few_shot`, `maml`, `reptile`).
    pub name: &'static str,
    /// Inner steps per task in meta-training.
    pub inner_steps: usize,
    /// Inner learning rate of the weights.
    pub lr_weights: f64,
    /// Inner learning rate of the architecture logits (0: not trained).
    pub lr_arch: f64,
    /// The architecture.
    pub arch: ArchPlan,
    /// Mean or sampled weights.
    pub weights: WeightMode,
    /// Multiplier of the per-sample KL terms, `None` for a plain task loss.
    pub kl_scale: Option<f64>,
    /// Meta-steps during which φ is frozen.
    pub arch_warmup_steps: usize,
    /// The meta-update.
    pub outer: Outer,
    /// The inner loop trains on support and query (BASE multi-task and Reptile when asked)
    /// rather than on the support set alone (their default; few-shot learners: the query set
    /// is the outer loss).
    pub inner_on_query_too: bool,
    /// The inner steps' weight gradient is scaled to this norm when longer, in meta-training
    /// and adaptation (BASE multi-task and Reptile when asked; see
    /// [`BaseConfig::grad_clip`]).
    pub inner_grad_clip: Option<f64>,
    /// Initial values.
    pub init: PosteriorInit,
    /// Seed of all noise.
    pub seed: u64,
    /// Task worker threads.
    pub threads: usize,
}

fn fixed_architecture(architecture: &Architecture) -> Result<ArchPlan, FieldError> {
    match architecture {
        Architecture::Supernet => Ok(ArchPlan::Mixture),
        Architecture::Genotype(g) => Ok(ArchPlan::Fixed(g.clone())),
        Architecture::GenotypeFile(path) => Err(FieldError::new(
            "learner.architecture",
            format!(
                "the genotype file `{path}` has not been read (run configs read it when loaded)"
            ),
        )),
    }
}

impl Plan {
    /// BASE multi-task (000, Algorithm 1).
    pub fn base(c: &BaseConfig) -> Self {
        Self {
            name: "base",
            inner_steps: c.inner_steps,
            lr_weights: c.lr_weights,
            lr_arch: c.lr_arch,
            arch: ArchPlan::Sampled {
                relaxation: c.relaxation,
                temperature: c.temperature,
            },
            weights: c.weights,
            kl_scale: Some(c.kl_scale),
            arch_warmup_steps: c.arch_warmup_steps,
            outer: Outer::Interpolate {
                meta_lr: c.meta_lr,
                anneal: c.meta_lr_anneal,
            },
            inner_on_query_too: c.inner_examples == InnerExamples::SupportAndQuery,
            inner_grad_clip: c.grad_clip,
            init: c.init,
            seed: c.seed,
            threads: c.threads,
        }
    }

    /// BASE few-shot (002, appendix A).
    pub fn base_few_shot(c: &BaseFewShotConfig) -> Self {
        Self {
            name: "base_few_shot",
            inner_steps: c.inner_steps,
            lr_weights: c.lr_weights,
            lr_arch: c.lr_arch,
            arch: ArchPlan::Sampled {
                relaxation: c.relaxation,
                temperature: c.temperature,
            },
            weights: c.weights,
            kl_scale: Some(c.kl_scale),
            arch_warmup_steps: c.arch_warmup_steps,
            outer: Outer::Gradient {
                spec: MetaGradientSpec {
                    mode: c.meta_gradient,
                    fd_scale: c.fd_scale,
                },
                lr_weights: c.outer_lr_weights,
                lr_arch: c.outer_lr_arch,
            },
            inner_on_query_too: false,
            inner_grad_clip: None,
            init: c.init,
            seed: c.seed,
            threads: c.threads,
        }
    }

    /// MAML (first or second order) on the supernet or on a genotype's fixed network.
    pub fn maml(c: &MamlConfig) -> Result<Self, FieldError> {
        Ok(Self {
            name: "maml",
            inner_steps: c.inner_steps,
            lr_weights: c.lr_weights,
            lr_arch: 0.0,
            arch: fixed_architecture(&c.architecture)?,
            weights: WeightMode::Mean,
            kl_scale: None,
            arch_warmup_steps: 0,
            outer: Outer::Gradient {
                spec: MetaGradientSpec {
                    mode: c.meta_gradient,
                    fd_scale: c.fd_scale,
                },
                lr_weights: c.outer_lr,
                lr_arch: 0.0,
            },
            inner_on_query_too: false,
            inner_grad_clip: None,
            init: c.init,
            seed: c.seed,
            threads: c.threads,
        })
    }

    /// Reptile on the supernet or on a genotype's fixed network.
    pub fn reptile(c: &ReptileConfig) -> Result<Self, FieldError> {
        Ok(Self {
            name: "reptile",
            inner_steps: c.inner_steps,
            lr_weights: c.lr_weights,
            lr_arch: 0.0,
            arch: fixed_architecture(&c.architecture)?,
            weights: WeightMode::Mean,
            kl_scale: None,
            arch_warmup_steps: 0,
            outer: Outer::Interpolate {
                meta_lr: c.meta_lr,
                anneal: c.meta_lr_anneal,
            },
            inner_on_query_too: c.inner_examples == InnerExamples::SupportAndQuery,
            inner_grad_clip: c.grad_clip,
            init: c.init,
            seed: c.seed,
            threads: c.threads,
        })
    }

    /// The Gumbel-softmax temperature at a meta-step, when the architecture is sampled.
    pub fn temperature(&self, step: usize) -> Option<f64> {
        match &self.arch {
            ArchPlan::Sampled { temperature, .. } => Some(temperature.at(step)),
            _ => None,
        }
    }

    /// The meta-gradient method, when the outer update uses one.
    pub fn meta_gradient(&self) -> Option<MetaGradient> {
        match self.outer {
            Outer::Gradient { spec, .. } => Some(spec.mode),
            Outer::Interpolate { .. } => None,
        }
    }
}
