//! The settings of M-NAS and its ablations as a user writes them (`[learner] kind = "mnas"`).

use serde::{Deserialize, Serialize};

use crate::learners::{HeadInit, MetaGradient, TemperatureSchedule, FD_SCALE};
use crate::posterior::{PosteriorInit, Relaxation};
use crate::value_error::FieldError;

/// Which M-NAS (paper 003's ablation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MnasVariant {
    /// Task-aware controller α_i = A(z_i) and modulation w̃_i = τ_i ⊙ w̃.
    Full,
    /// M-NAS-Shared: α free parameters shared by all tasks (no controller), modulation kept.
    Shared,
    /// M-NAS-NM: controller kept, no modulation (w̃_i = w̃).
    NoModulation,
}

impl MnasVariant {
    /// The learner's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            MnasVariant::Full => "mnas",
            MnasVariant::Shared => "mnas_shared",
            MnasVariant::NoModulation => "mnas_nm",
        }
    }

    /// Whether α comes from the controller.
    pub fn has_controller(self) -> bool {
        self != MnasVariant::Shared
    }

    /// Whether the meta-weights are modulated.
    pub fn has_modulator(self) -> bool {
        self != MnasVariant::NoModulation
    }
}

/// Settings of M-NAS (paper 003, Algorithm 1). Defaults are the paper's toy-regression ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MnasConfig {
    /// Full M-NAS or an ablation.
    pub variant: MnasVariant,
    /// S: inner SGD steps on the support set (eq. 8).
    pub inner_steps: usize,
    /// ρ_inner: inner learning rate of the weights.
    pub lr_inner: f64,
    /// ρ_outer: Adam's learning rate for w̃, the encoder and the modulator (eq. 9).
    pub lr_outer: f64,
    /// ρ_A: Adam's (smaller) learning rate for the controller, or for the shared α of
    /// M-NAS-Shared.
    pub lr_arch: f64,
    /// β: weight of the reconstruction loss in eq. 9.
    pub beta: f64,
    /// Width of F's embeddings (and of the decoder's state).
    pub embed_dim: usize,
    /// Width of the encoder's state, i.e. of the task embedding z.
    pub task_dim: usize,
    /// Hidden width of the controller MLP.
    pub controller_hidden: usize,
    /// Probability of dropping each candidate op of the generated α during meta-training
    /// (path dropout; an edge keeps at least one live op). Never applied when adapting.
    pub path_dropout: f64,
    /// `softmax` (the default: the paper's mixture of every op, weighted by α_i) or a
    /// sampled architecture, e.g. `single_path` (one Gumbel-sampled op per edge runs, with
    /// a straight-through gradient; evaluated on the path of each edge's most probable op).
    pub relaxation: Relaxation,
    /// τ over meta-steps (sampled relaxations only).
    pub temperature: TemperatureSchedule,
    /// How the outer gradient through the inner steps is computed.
    pub meta_gradient: MetaGradient,
    /// Where the head of every inner loop of meta-training starts: `meta` (the meta-network's
    /// own head, the paper's) or `prototypes` (Proto-MAML's: the class prototypes of the task
    /// network's support features, with the meta-gradient carried back through them;
    /// classification only). With `prototypes` the meta-network trains no head of its own,
    /// so adaptation must start from the prototypes too (`training.adapt_head`).
    pub inner_head: HeadInit,
    /// Finite-difference step scale (when finite differences are used).
    pub fd_scale: f64,
    /// Initial values of w̃ and of the shared logits (σ is not used: M-NAS weights are
    /// deterministic).
    pub init: PosteriorInit,
    /// Seed of the encoder's initial values, the permutations and the path dropout.
    pub seed: u64,
    /// Worker threads for the tasks of a meta-batch (see [`crate::learners::BaseConfig`]).
    pub threads: usize,
}

impl Default for MnasConfig {
    fn default() -> Self {
        Self {
            variant: MnasVariant::Full,
            inner_steps: 5,
            lr_inner: 0.001,
            lr_outer: 0.001,
            lr_arch: 1e-4,
            beta: 0.01,
            embed_dim: 32,
            task_dim: 32,
            controller_hidden: 64,
            path_dropout: 0.1,
            relaxation: Relaxation::Softmax,
            temperature: TemperatureSchedule::default(),
            meta_gradient: MetaGradient::Auto,
            inner_head: HeadInit::Meta,
            fd_scale: FD_SCALE,
            init: PosteriorInit::default(),
            seed: 0,
            threads: 0,
        }
    }
}

impl MnasConfig {
    /// Checks what the types do not; the message names the field.
    pub fn check(&self) -> Result<(), FieldError> {
        for (field, v) in [
            ("embed_dim", self.embed_dim),
            ("task_dim", self.task_dim),
            ("controller_hidden", self.controller_hidden),
        ] {
            if v == 0 {
                return Err(FieldError::new(
                    format!("learner.{field}"),
                    "must be at least 1",
                ));
            }
        }
        for (field, v) in [
            ("lr_inner", self.lr_inner),
            ("lr_outer", self.lr_outer),
            ("lr_arch", self.lr_arch),
            ("beta", self.beta),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(FieldError::new(
                    format!("learner.{field}"),
                    format!("must be a finite number ≥ 0, not {v}"),
                ));
            }
        }
        if !(0.0..1.0).contains(&self.path_dropout) {
            return Err(FieldError::new(
                "learner.path_dropout",
                format!("must be in [0, 1), not {}", self.path_dropout),
            ));
        }
        Ok(())
    }
}
