//! A task instance: support and query sets, with where they came from.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// What a task predicts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Targets {
    /// Class labels re-mapped to `0..ways`.
    Classes(Vec<usize>),
    /// Real values (regression).
    Values(Vec<f32>),
}

impl Targets {
    /// Number of targets.
    pub fn len(&self) -> usize {
        match self {
            Targets::Classes(v) => v.len(),
            Targets::Values(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A set of examples: inputs `[n, shape...]` flattened, and their targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Inputs, `len * shape.product()` values.
    pub inputs: Vec<f32>,
    /// Targets.
    pub targets: Targets,
    /// Dataset sample indices of the inputs (empty for generated regression data).
    pub sample_ids: Vec<usize>,
}

impl Batch {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// This batch followed by `other` (a task's support and query as one training set).
    pub fn concat(&self, other: &Batch) -> Batch {
        let targets = match (&self.targets, &other.targets) {
            (Targets::Classes(x), Targets::Classes(y)) => {
                Targets::Classes(x.iter().chain(y).copied().collect())
            }
            (Targets::Values(x), Targets::Values(y)) => {
                Targets::Values(x.iter().chain(y).copied().collect())
            }
            (t, _) => t.clone(),
        };
        Batch {
            inputs: self.inputs.iter().chain(&other.inputs).copied().collect(),
            targets,
            sample_ids: self
                .sample_ids
                .iter()
                .chain(&other.sample_ids)
                .copied()
                .collect(),
        }
    }

    /// The examples at `indices`, in that order (indices past the end are skipped).
    pub fn select(&self, indices: &[usize]) -> Batch {
        let per = self.inputs.len() / self.len().max(1);
        let keep: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|&i| i < self.len())
            .collect();
        let targets = match &self.targets {
            Targets::Classes(v) => Targets::Classes(keep.iter().map(|&i| v[i]).collect()),
            Targets::Values(v) => Targets::Values(keep.iter().map(|&i| v[i]).collect()),
        };
        Batch {
            inputs: keep
                .iter()
                .flat_map(|&i| self.inputs[i * per..(i + 1) * per].iter().copied())
                .collect(),
            targets,
            sample_ids: keep
                .iter()
                .filter_map(|&i| self.sample_ids.get(i).copied())
                .collect(),
        }
    }

    /// Inputs as a `[n, c, h, w]` tensor (vectors as `[n, features, 1, 1]`).
    pub fn input_tensor<B: Backend>(&self, shape: &[usize], device: &B::Device) -> Tensor<B, 4> {
        let dims = match shape {
            [c, h, w] => [self.len(), *c, *h, *w],
            [f] => [self.len(), *f, 1, 1],
            _ => [self.len(), shape.iter().product(), 1, 1],
        };
        Tensor::from_data(TensorData::new(self.inputs.clone(), dims), device)
    }

    /// Class labels as an int tensor `[n]` (empty for regression).
    pub fn class_tensor<B: Backend>(&self, device: &B::Device) -> Tensor<B, 1, Int> {
        let labels: Vec<i64> = match &self.targets {
            Targets::Classes(v) => v.iter().map(|&l| l as i64).collect(),
            Targets::Values(_) => Vec::new(),
        };
        let n = labels.len();
        Tensor::from_data(TensorData::new(labels, [n]), device)
    }

    /// Regression targets as a `[n, 1]` tensor (empty for classification).
    pub fn value_tensor<B: Backend>(&self, device: &B::Device) -> Tensor<B, 2> {
        let values = match &self.targets {
            Targets::Values(v) => v.clone(),
            Targets::Classes(_) => Vec::new(),
        };
        let n = values.len();
        Tensor::from_data(TensorData::new(values, [n, 1]), device)
    }
}

/// One task: a support set to adapt on and a query set to evaluate on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Index of the source (dataset / image size / regression family) it came from.
    pub source: usize,
    /// Name of that source (for stems, heads and PCA colouring).
    pub source_name: String,
    /// Shape of one input: `[c, h, w]` or `[features]`.
    pub input_shape: Vec<usize>,
    /// Classes of the task in label order: `classes[k]` is the dataset class behind label k
    /// (empty for regression).
    pub classes: Vec<usize>,
    /// Support set.
    pub support: Batch,
    /// Query set.
    pub query: Batch,
    /// Regression function parameters, when generated (family name and values).
    pub function: Option<(String, Vec<f64>)>,
}
