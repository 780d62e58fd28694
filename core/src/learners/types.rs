//! What learners report: meta-step summaries, adaptations, architecture tables, errors.

use serde::{Deserialize, Serialize};

use super::objective::{Predictions, TaskMetrics};
use crate::data::DataError;
use crate::genotype::Genotype;

/// Architecture probabilities `[edge][op]` of normal and (if any) reduction cells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArchTables {
    /// Normal cells.
    pub normal: Vec<Vec<f32>>,
    /// Reduction cells.
    pub reduce: Option<Vec<Vec<f32>>>,
}

impl ArchTables {
    /// All probabilities in one vector (normal then reduce), for the PCA of architectures.
    pub fn flatten(&self) -> Vec<f32> {
        self.normal
            .iter()
            .chain(self.reduce.iter().flatten())
            .flatten()
            .copied()
            .collect()
    }
}

/// Summary of one meta-step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// Meta-steps done after this one.
    pub step: usize,
    /// Mean task loss over the meta-batch at the end of the inner loops: the query loss
    /// after them for the learners whose meta-gradient is the query loss's (MAML, BASE
    /// few-shot, M-NAS), the task loss of the last inner step on the inner steps' own
    /// examples for Reptile and multi-task BASE.
    pub loss: f64,
    /// Mean query accuracy of the tasks' networks after their inner loops (classification).
    pub accuracy: Option<f64>,
    /// Mean query MSE of the tasks' networks after their inner loops (regression).
    pub mse: Option<f64>,
    /// Gumbel-softmax temperature used (learners that sample no architecture have none).
    pub temperature: Option<f64>,
    /// Tasks in the meta-batch.
    pub tasks: usize,
}

/// Where one inner step's time goes (seconds).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct InnerStepTimes {
    /// The forward pass and the loss (KL terms included).
    pub forward: f64,
    /// The backward pass.
    pub backward: f64,
    /// Kernel launches and host transfers of the forward pass and the loss, on GPU
    /// backends (`None` without them; zeros on the CPU backend).
    pub forward_counts: Option<crate::device_counts::DeviceCounts>,
    /// The same of the backward pass.
    pub backward_counts: Option<crate::device_counts::DeviceCounts>,
    /// The most memory the step held above what was held before it
    /// ([`crate::memory_use::MemoryProbe`]): heap bytes on the CPU backend (when the binary
    /// counts them), device bytes in use after the forward and after the backward pass on
    /// the GPU backends. `None` where neither can be read.
    pub memory_bytes: Option<u64>,
    /// GPU backends: the device bytes the backend's memory pools hold (reserved) after the
    /// step.
    pub device_reserved_bytes: Option<u64>,
}

/// The meta-network's penultimate features of one task (see [`super::MetaLearner::features`]).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskFeatures {
    /// Features per example.
    pub dim: usize,
    /// The support set's, `[support, dim]` row-major.
    pub support: Vec<f32>,
    /// The query set's, `[query, dim]` row-major.
    pub query: Vec<f32>,
}

/// The result of adapting the meta-network to one task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adaptation {
    /// Adaptation steps taken.
    pub steps: usize,
    /// Query metrics before any step and after each step (`steps + 1` entries).
    pub per_step: Vec<TaskMetrics>,
    /// Query predictions before adaptation.
    pub before: Predictions,
    /// Query predictions after adaptation.
    pub after: Predictions,
    /// Architecture probabilities before and after each step (`steps + 1` entries): the
    /// prior's, then the task posterior's as it moves.
    pub arch_history: Vec<ArchTables>,
    /// A compact sketch of the adapted weight means (count sketch of ψ_μ − W_μ), for the PCA
    /// of task posteriors.
    pub weight_sketch: Vec<f32>,
    /// The genotype derived from the adapted architecture.
    pub genotype: Genotype,
}

/// An adaptation as it is recorded: the query metrics and architecture tables at the start
/// and after every step, then [`AdaptationLog::finish`] with the end state.
#[derive(Debug)]
pub(crate) struct AdaptationLog {
    steps: usize,
    before: Predictions,
    per_step: Vec<TaskMetrics>,
    arch_history: Vec<ArchTables>,
}

impl AdaptationLog {
    /// Starts a log of `steps` steps from the query `(predictions, metrics)` before any step
    /// and the starting architecture.
    pub(crate) fn new(
        steps: usize,
        (before, first): (Predictions, TaskMetrics),
        start: ArchTables,
    ) -> Self {
        Self {
            steps,
            before,
            per_step: vec![first],
            arch_history: vec![start],
        }
    }

    /// Records the state after one more step.
    pub(crate) fn step(&mut self, metrics: TaskMetrics, arch: ArchTables) {
        self.per_step.push(metrics);
        self.arch_history.push(arch);
    }

    /// The adaptation, given the query predictions after the last step, the weight sketch
    /// and the derived genotype.
    pub(crate) fn finish(
        self,
        after: Predictions,
        weight_sketch: Vec<f32>,
        genotype: Genotype,
    ) -> Adaptation {
        Adaptation {
            steps: self.steps,
            per_step: self.per_step,
            before: self.before,
            after,
            arch_history: self.arch_history,
            weight_sketch,
            genotype,
        }
    }
}

impl Adaptation {
    /// The adapted architecture probabilities.
    pub fn arch(&self) -> Option<&ArchTables> {
        self.arch_history.last()
    }
}

/// What can stop a learner.
#[derive(Debug, thiserror::Error)]
pub enum LearnerError {
    /// The task does not fit the network (input size, source, outputs).
    #[error("task does not fit the network: {0}")]
    Task(String),
    /// Loading or sampling data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A setting of the learner is out of its range (names the field).
    #[error(transparent)]
    Config(#[from] crate::value_error::FieldError),
    /// The loss became NaN or infinite.
    #[error("training diverged at meta-step {step}: loss is {loss}; lower the learning rates")]
    Diverged {
        /// Meta-step.
        step: usize,
        /// The loss seen.
        loss: f64,
    },
    /// The parameters became NaN or infinite (the loss may still have been finite).
    #[error("training diverged at meta-step {step}: {count} parameter values are not finite; lower the learning rates")]
    NonFiniteParameters {
        /// Meta-step.
        step: usize,
        /// How many parameter values are NaN or infinite.
        count: usize,
    },
    /// The meta-optimiser's moments hold NaN or infinite values (a meta-gradient overflowed,
    /// see [`super::Adam::non_finite_moments`]) while the parameters may still be finite.
    #[error(
        "training diverged by meta-step {step}: the meta-optimiser's (Adam's) moments hold \
         {count} values that are not finite, so the parameters they update have stopped \
         moving (a meta-gradient above about 1.8e19); lower the learning rates"
    )]
    OptimiserOverflow {
        /// Meta-step.
        step: usize,
        /// How many moment values are NaN or infinite.
        count: usize,
    },
    /// A stop was requested ([`crate::interrupt`]) before the computation finished; nothing
    /// was changed.
    #[error("interrupted")]
    Interrupted,
    /// A saved learner state could not be written or read.
    #[error("learner state {path}: {message}")]
    State {
        /// File.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// A count sketch of `values` into `k` buckets: bucket and sign of each index from a seeded
/// hash. Inner products (and so PCA geometry) are preserved in expectation.
pub fn count_sketch(values: &[f32], k: usize, seed: u64) -> Vec<f32> {
    let k = k.max(1);
    let mut out = vec![0.0f32; k];
    for (i, &v) in values.iter().enumerate() {
        let h = splitmix64(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let bucket = (h % k as u64) as usize;
        let sign = if (h >> 63) == 1 { -1.0 } else { 1.0 };
        out[bucket] += sign * v;
    }
    out
}

/// SplitMix64: a fast, well-mixed 64-bit hash (used to derive per-step and per-task seeds).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
