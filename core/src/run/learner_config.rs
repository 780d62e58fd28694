//! The `[learner]` table of a run config: which meta-learner, with its settings, and what
//! runs it.

use serde::{Deserialize, Serialize};

use crate::learners::{
    Architecture, BaseConfig, BaseFewShotConfig, MamlConfig, MetaGradient, MnasConfig, Plan,
    ReptileConfig,
};
use crate::posterior::Relaxation;
use crate::value_error::FieldError;

/// The meta-learner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LearnerConfig {
    /// BASE, multi-task variant (paper 000, Algorithm 1).
    Base(BaseConfig),
    /// BASE, few-shot variant (paper 002, appendix A).
    BaseFewShot(BaseFewShotConfig),
    /// MAML, first or second order, on the supernet or a genotype's fixed network.
    Maml(MamlConfig),
    /// Reptile, on the supernet or a genotype's fixed network.
    Reptile(ReptileConfig),
    /// M-NAS (paper 003), M-NAS-Shared or M-NAS-NM (`variant`).
    Mnas(MnasConfig),
}

/// What runs a learner config: a plan of the gradient-based engine, or M-NAS.
#[derive(Clone, Debug, PartialEq)]
pub enum Engine {
    /// BASE, MAML, Reptile.
    Gradient(Plan),
    /// M-NAS and its ablations.
    Mnas(MnasConfig),
}

impl Engine {
    /// The meta-gradient method, when the outer update uses one.
    pub fn meta_gradient(&self) -> Option<MetaGradient> {
        match self {
            Engine::Gradient(plan) => plan.meta_gradient(),
            Engine::Mnas(c) => Some(c.meta_gradient),
        }
    }
}

impl LearnerConfig {
    /// Sets how the learner relaxes its architecture samples; refused (with the reason) for
    /// MAML and Reptile, which search no architecture.
    pub fn set_relaxation(&mut self, relaxation: Relaxation) -> Result<(), FieldError> {
        match self {
            Self::Base(c) => c.relaxation = relaxation,
            Self::BaseFewShot(c) => c.relaxation = relaxation,
            Self::Mnas(c) => c.relaxation = relaxation,
            Self::Maml(_) | Self::Reptile(_) => {
                return Err(FieldError::new(
                    "learner.relaxation",
                    "MAML and Reptile search no architecture: a relaxation applies to BASE \
                     and M-NAS",
                ))
            }
        }
        Ok(())
    }

    /// The learner's short name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Base(_) => "base",
            Self::BaseFewShot(_) => "base_few_shot",
            Self::Maml(_) => "maml",
            Self::Reptile(_) => "reptile",
            Self::Mnas(c) => c.variant.name(),
        }
    }

    /// What runs this learner, with the learner's seeds derived from the run's `seed`.
    pub fn engine(&self, seed: u64) -> Result<Engine, FieldError> {
        let noise = crate::learners::splitmix64(seed ^ 0x6261_7365);
        let init = crate::learners::splitmix64(seed ^ 0x696e_6974);
        let mut plan = match self {
            Self::Base(c) => Plan::base(c),
            Self::BaseFewShot(c) => Plan::base_few_shot(c),
            Self::Maml(c) => Plan::maml(c)?,
            Self::Reptile(c) => Plan::reptile(c)?,
            Self::Mnas(c) => {
                let mut c = c.clone();
                c.seed = noise;
                c.init.seed = init;
                return Ok(Engine::Mnas(c));
            }
        };
        plan.seed = noise;
        plan.init.seed = init;
        Ok(Engine::Gradient(plan))
    }

    /// The task threads the learner asks for (`learner.threads`; 0: one per core), which
    /// adaptation and evaluation use too.
    pub fn threads(&self) -> usize {
        match self.engine(0) {
            Ok(Engine::Gradient(p)) => p.threads,
            Ok(Engine::Mnas(m)) => m.threads,
            Err(_) => 1,
        }
    }

    pub(super) fn architecture_mut(&mut self) -> Option<&mut Architecture> {
        match self {
            Self::Maml(c) => Some(&mut c.architecture),
            Self::Reptile(c) => Some(&mut c.architecture),
            Self::Base(_) | Self::BaseFewShot(_) | Self::Mnas(_) => None,
        }
    }
}
