//! How the Adapt view adapts to a task: the meta-network as its learner adapts, the same with
//! the architecture frozen at the meta-network's (BASE Figure 4, "arch params frozen"), or
//! DARTS from scratch on the task alone (no meta-training: the baseline of BASE Figure 4).
//! The same choices as `metanas eval`'s columns, on one task at a time.

use metanas_core::learners::{Adaptation, DartsConfig, LearnerError};
use metanas_core::run::{build_darts, BackendKind, Session};
use metanas_core::tasks::Episode;

/// How to adapt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdaptMethod {
    /// The meta-network, architecture and weights as its learner adapts them.
    #[default]
    MetaNetwork,
    /// The meta-network's weights only; the architecture stays at the meta-network's.
    FrozenArch,
    /// First-order DARTS over the run's space from a fresh network (default settings).
    Darts,
}

impl AdaptMethod {
    /// Every method, in menu order.
    pub const ALL: [Self; 3] = [Self::MetaNetwork, Self::FrozenArch, Self::Darts];

    /// The menu label.
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

    /// Adapts to `task` for `steps` steps with `seed`.
    pub fn adapt(
        self,
        session: &Session,
        backend: BackendKind,
        task: &Episode,
        steps: usize,
        seed: u64,
    ) -> Result<Adaptation, LearnerError> {
        match self {
            Self::MetaNetwork => session.learner.adapt(task, steps, seed),
            Self::FrozenArch => session.learner.adapt_frozen_arch(task, steps, seed),
            Self::Darts => build_darts(&session.config.space, DartsConfig::default(), backend)(
                task, steps, seed,
            ),
        }
    }
}
