//! Adaptations asked for in the workbench and their results (the meta-network's, or a
//! baseline method's, on one task). Plain data, sent between the views and the worker.

use std::path::PathBuf;

use metanas_core::genotype::Genotype;
use metanas_core::learners::Adaptation;
use metanas_core::tasks::{Episode, Split};

use super::comparison::TaskBaselines;
use metanas_core::run::AdaptMethod;

/// Which task to adapt to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdaptRequest {
    /// A dataset the run was not configured with, all of whose classes can be drawn; `None`:
    /// the run's own tasks.
    pub dataset: Option<PathBuf>,
    /// The split of the run's tasks the task's classes come from (Test: classes never
    /// meta-trained on); ignored with `dataset`.
    pub split: Split,
    /// Task number: the same number gives the same task.
    pub task: u64,
    /// Adaptation steps.
    pub steps: usize,
    /// How to adapt (the meta-network, its weights only, or DARTS from scratch).
    pub method: AdaptMethod,
}

/// One adaptation, with the task it adapted to.
#[derive(Clone, Debug)]
pub struct AdaptResult {
    /// What was asked for.
    pub request: AdaptRequest,
    /// The meta-step of the meta-network it started from.
    pub step: usize,
    /// The shared genotype (the prior's), when the learner has one.
    pub prior_genotype: Option<Genotype>,
    /// The task.
    pub episode: Episode,
    /// What adapting did.
    pub adaptation: Adaptation,
    /// The baselines on the same task.
    pub baselines: TaskBaselines,
}
