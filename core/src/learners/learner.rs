//! The trait every meta-learner implements, so that training, adaptation, evaluation, the
//! views and the run directory work with any of them.

use super::head_init::HeadInit;
use super::types::{
    Adaptation, ArchTables, InnerStepTimes, LearnerError, StepReport, TaskFeatures,
};
use crate::genotype::Genotype;
use crate::space::SearchSpace;
use crate::tasks::Episode;

/// A meta-learner over a search space.
pub trait MetaLearner: Send + Sync {
    /// A short name (`base`, `mnas`, `maml`, ...).
    fn name(&self) -> &'static str;

    /// The search space.
    fn space(&self) -> &SearchSpace;

    /// Meta-steps done.
    fn steps_done(&self) -> usize;

    /// One meta-update on a batch of tasks.
    fn meta_step(&mut self, tasks: &[Episode]) -> Result<StepReport, LearnerError>;

    /// Adapts the meta-network to one task for `steps` steps on its support set; `seed` fixes
    /// the noise. Does not change the learner.
    fn adapt(&self, task: &Episode, steps: usize, seed: u64) -> Result<Adaptation, LearnerError>;

    /// [`MetaLearner::adapt`] with the architecture held at the meta-network's: only the
    /// weights take steps (BASE's Figure 4, "arch params frozen", which shows what adapting
    /// the architecture adds). Learners whose adaptation never steps the architecture (MAML
    /// and Reptile on the fixed mixture; M-NAS, whose task architecture comes from its
    /// controller before the weight steps of eq. 8) adapt as usual.
    fn adapt_frozen_arch(
        &self,
        task: &Episode,
        steps: usize,
        seed: u64,
    ) -> Result<Adaptation, LearnerError> {
        self.adapt(task, steps, seed)
    }

    /// The meta-network's penultimate features (what its head sees) of `task`'s support and
    /// query sets, before any adaptation: mean weights, and the architecture it is evaluated
    /// with (M-NAS: the task network its controller generates, `seed` fixing its noise). For
    /// the nearest-class-mean baseline on meta-features. `None` for learners whose network
    /// has no such features.
    fn features(&self, _task: &Episode, _seed: u64) -> Result<Option<TaskFeatures>, LearnerError> {
        Ok(None)
    }

    /// Where adaptation ([`MetaLearner::adapt`]) starts its classifier head; meta-training is
    /// unchanged.
    fn set_head_init(&mut self, head: HeadInit);

    /// Where adaptation starts its classifier head.
    fn head_init(&self) -> HeadInit;

    /// The shared architecture probabilities (for the cell views).
    fn arch_probabilities(&self) -> ArchTables;

    /// The genotype of the shared architecture, when the learner has one: MAML and Reptile on
    /// the supernet hold the architecture at a fixed mixture and have none.
    fn genotype(&self) -> Option<Genotype>;

    /// Every parameter value of the shared meta-network, flattened (for comparing states and
    /// for analyses; parameter ids are not part of it).
    fn parameter_values(&self) -> Vec<f32>;

    /// The complete state (parameters, optimiser state, step counter) as bytes.
    fn state_bytes(&self) -> Result<Vec<u8>, LearnerError>;

    /// Restores a state written by [`MetaLearner::state_bytes`].
    fn load_state_bytes(&mut self, bytes: &[u8]) -> Result<(), LearnerError>;

    /// Times one inner step of meta-training on `task` from the meta-network (its forward
    /// pass with the loss, and its backward pass, each waited for on the device), for
    /// `metanas bench`. `None` for learners whose inner step is not one objective's
    /// forward and backward (M-NAS runs its task encoder and controller first).
    fn time_inner_step(&self, _task: &Episode) -> Result<Option<InnerStepTimes>, LearnerError> {
        Ok(None)
    }
}
