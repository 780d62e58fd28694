//! The ways of adapting an opened run to a task, compared side by side by `metanas eval` (its
//! columns) and by the workbench's Adapt view (one task at a time): the meta-network as its
//! learner adapts, the same with the architecture frozen at the meta-network's (BASE Figure 4,
//! "arch params frozen"), or DARTS from scratch on the task alone (no meta-training: the
//! baseline of BASE Figure 4).

use serde::{Deserialize, Serialize};

use super::backend::{build_darts, BackendKind};
use super::session::Session;
use crate::learners::{Adaptation, DartsConfig, LearnerError};
use crate::tasks::Episode;

/// How to adapt to a task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdaptMethod {
    /// The meta-network, architecture and weights as its learner adapts them.
    #[default]
    MetaNetwork,
    /// The meta-network's weights only; the architecture stays at the meta-network's.
    FrozenArch,
    /// First-order DARTS over the run's space from a fresh network.
    Darts,
}

impl AdaptMethod {
    /// Every method, in menu order.
    pub const ALL: [Self; 3] = [Self::MetaNetwork, Self::FrozenArch, Self::Darts];

    /// Its label in menus and tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::MetaNetwork => "meta-network",
            Self::FrozenArch => "meta-network, architecture frozen",
            Self::Darts => "DARTS from scratch",
        }
    }

    /// Whether it starts from the meta-network (DARTS starts from a fresh one).
    pub fn uses_meta_network(self) -> bool {
        self != Self::Darts
    }
}

impl Session {
    /// Adapts to `task` by `method` for `steps` steps with `seed`; DARTS searches with
    /// `darts` on `backend`.
    pub fn adapt_by(
        &self,
        method: AdaptMethod,
        darts: &DartsConfig,
        backend: BackendKind,
        task: &Episode,
        steps: usize,
        seed: u64,
    ) -> Result<Adaptation, LearnerError> {
        match method {
            AdaptMethod::MetaNetwork => self.learner.adapt(task, steps, seed),
            AdaptMethod::FrozenArch => self.learner.adapt_frozen_arch(task, steps, seed),
            AdaptMethod::Darts => {
                build_darts(&self.config.space, darts.clone(), backend)(task, steps, seed)
            }
        }
    }
}
