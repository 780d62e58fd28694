//! The records of a run's streams, one JSON object per line.

use serde::{Deserialize, Serialize};

use crate::genotype::Genotype;
use crate::learners::StepReport;

/// One meta-step's metrics (`metrics.jsonl`): the learner's report plus timings, as one flat
/// JSON object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricRecord {
    /// What the learner reported (step, loss, accuracy or MSE, temperature, tasks).
    #[serde(flatten)]
    pub report: StepReport,
    /// Wall time of this meta-step, seconds.
    pub step_seconds: f64,
    /// Training wall time of the run so far (over all sessions), seconds.
    pub elapsed_seconds: f64,
}

/// The shared architecture probabilities after a meta-step (`arch.jsonl`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArchRecord {
    /// Meta-step.
    pub step: usize,
    /// `[edge][op]` of normal cells.
    pub normal: Vec<Vec<f32>>,
    /// `[edge][op]` of reduction cells.
    pub reduce: Option<Vec<Vec<f32>>>,
}

/// A task posterior sampled during training (`posteriors.jsonl`), for the PCA view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    /// Meta-step.
    pub step: usize,
    /// Task number within the snapshot.
    pub task: usize,
    /// Source index of the task.
    pub source: usize,
    /// Source name (dataset or regression family).
    pub source_name: String,
    /// Query metric (accuracy or MSE) before adaptation.
    pub before: Option<f64>,
    /// Query metric after adaptation.
    pub after: Option<f64>,
    /// Count sketch of the adapted weight means minus the shared ones.
    pub weight_sketch: Vec<f32>,
    /// Adapted architecture probabilities, flattened (normal then reduce).
    pub arch: Vec<f32>,
    /// The adapted genotype.
    pub genotype: Genotype,
}

/// The genotype derived from the shared architecture at a checkpoint (`genotypes.jsonl`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenotypeRecord {
    /// Meta-step.
    pub step: usize,
    /// The genotype.
    pub genotype: Genotype,
}
