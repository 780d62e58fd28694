//! Task losses and metrics: cross-entropy and accuracy for classification, mean squared
//! error for regression. Written with plain tensor ops so that they also run under nested
//! autodiff.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use serde::{Deserialize, Serialize};

use crate::tasks::{Batch, Targets};

/// Mean cross-entropy of `logits [n, classes]` against `labels`.
pub fn cross_entropy<B: Backend>(logits: Tensor<B, 2>, labels: &[usize]) -> Tensor<B, 1> {
    let [n, classes] = logits.dims();
    let device = logits.device();
    let mut onehot = vec![0f32; n * classes];
    for (i, &l) in labels.iter().enumerate().take(n) {
        if l < classes {
            onehot[i * classes + l] = 1.0;
        }
    }
    let onehot = Tensor::<B, 2>::from_data(TensorData::new(onehot, [n, classes]), &device);
    (log_softmax(logits, 1) * onehot).sum().neg() / n.max(1) as f64
}

/// Mean squared error of `outputs [n, 1]` against `values`.
pub fn mean_squared_error<B: Backend>(outputs: Tensor<B, 2>, values: &[f32]) -> Tensor<B, 1> {
    let [n, _] = outputs.dims();
    let device = outputs.device();
    let target =
        Tensor::<B, 2>::from_data(TensorData::new(values.to_vec(), [values.len(), 1]), &device);
    (outputs - target).powi_scalar(2).sum() / n.max(1) as f64
}

/// The task loss of a batch's outputs.
pub fn task_loss<B: Backend>(outputs: Tensor<B, 2>, batch: &Batch) -> Tensor<B, 1> {
    match &batch.targets {
        Targets::Classes(labels) => cross_entropy(outputs, labels),
        Targets::Values(values) => mean_squared_error(outputs, values),
    }
}

/// Predictions for a batch: argmax classes or values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Predictions {
    /// Predicted class of each example.
    Classes(Vec<usize>),
    /// Predicted value of each example.
    Values(Vec<f32>),
}

/// Loss and accuracy (classification) or MSE (regression) of predictions on a batch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskMetrics {
    /// The task loss (cross-entropy or MSE).
    pub loss: f64,
    /// Fraction correct (classification).
    pub accuracy: Option<f64>,
    /// Mean squared error (regression).
    pub mse: Option<f64>,
}

/// Predictions and metrics of `outputs` on `batch`.
pub fn evaluate_outputs<B: Backend>(
    outputs: Tensor<B, 2>,
    batch: &Batch,
) -> (Predictions, TaskMetrics) {
    let loss = task_loss(outputs.clone(), batch)
        .into_data()
        .convert::<f64>()
        .to_vec::<f64>()
        .unwrap_or_default();
    let loss = loss.first().copied().unwrap_or(f64::NAN);
    let [_, cols] = outputs.dims();
    let values = outputs
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default();
    match &batch.targets {
        Targets::Classes(labels) => {
            let predicted: Vec<usize> = values
                .chunks(cols.max(1))
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .fold(
                            (0, f32::NEG_INFINITY),
                            |b, (i, &v)| if v > b.1 { (i, v) } else { b },
                        )
                        .0
                })
                .collect();
            let correct = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
            let accuracy = correct as f64 / labels.len().max(1) as f64;
            (
                Predictions::Classes(predicted),
                TaskMetrics {
                    loss,
                    accuracy: Some(accuracy),
                    mse: None,
                },
            )
        }
        Targets::Values(_) => (
            Predictions::Values(values),
            TaskMetrics {
                loss,
                accuracy: None,
                mse: Some(loss),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend as B;

    #[test]
    fn cross_entropy_and_mse_match_hand_values() {
        let device = Default::default();
        // Row 0: logits (0, ln 3) → p = (1/4, 3/4), label 1: −ln(3/4). Row 1: (0, 0), label 0: ln 2.
        let logits = Tensor::<B, 2>::from_data(
            TensorData::new(vec![0.0f32, 3f32.ln(), 0.0, 0.0], [2, 2]),
            &device,
        );
        let ce = cross_entropy(logits, &[1, 0])
            .into_data()
            .to_vec::<f32>()
            .unwrap()[0];
        let expect = (-(0.75f32).ln() + 2f32.ln()) / 2.0;
        assert!((ce - expect).abs() < 1e-6);
        let out = Tensor::<B, 2>::from_data(TensorData::new(vec![1.0f32, 3.0], [2, 1]), &device);
        let mse = mean_squared_error(out, &[0.0, 1.0])
            .into_data()
            .to_vec::<f32>()
            .unwrap()[0];
        assert!((mse - 2.5).abs() < 1e-6);
    }
}
