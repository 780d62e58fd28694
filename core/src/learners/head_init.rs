//! How adaptation starts its classifier head: from the meta-network's, or from the class
//! prototypes of the task's support set in the meta-network's features (Proto-MAML,
//! Triantafillou et al., "Meta-Dataset", ICLR 2020, section 3.2).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Where adaptation's classifier head starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadInit {
    /// The meta-network's own head.
    #[default]
    Meta,
    /// Class prototypes: the head that ranks classes as nearest class mean does in the
    /// meta-network's penultimate features, W_c = 2 μ_c and b_c = −‖μ_c‖², where μ_c is the
    /// mean feature of class c's support examples (logit_c(x) = ‖x‖² − ‖x − μ_c‖²). Only the
    /// weight means change; their scales stay the meta-network's. Regression tasks keep the
    /// meta-network's head.
    Prototypes,
}

impl HeadInit {
    /// The name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            HeadInit::Meta => "meta",
            HeadInit::Prototypes => "prototypes",
        }
    }
}

impl std::str::FromStr for HeadInit {
    type Err = crate::value_error::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "meta" => Ok(HeadInit::Meta),
            "prototypes" => Ok(HeadInit::Prototypes),
            other => Err(crate::value_error::UnknownName {
                what: "head",
                given: other.into(),
                expected: "`meta` or `prototypes`".into(),
            }),
        }
    }
}

/// The mean of the rows of each class: `rows` holds `labels.len()` rows of `dim` values;
/// returns the means `[classes, dim]` row-major and each class's row count (a class without
/// rows has mean 0 and count 0; labels of `classes` or more, and rows past the end, are
/// skipped).
pub fn class_means(
    rows: &[f32],
    dim: usize,
    labels: &[usize],
    classes: usize,
) -> (Vec<f64>, Vec<usize>) {
    let mut means = vec![0.0f64; classes * dim];
    let mut counts = vec![0usize; classes];
    for (i, &c) in labels.iter().enumerate() {
        let Some(row) = rows.get(i * dim..(i + 1) * dim) else {
            break;
        };
        if c >= classes {
            continue;
        }
        counts[c] += 1;
        for (m, &x) in means[c * dim..(c + 1) * dim].iter_mut().zip(row) {
            *m += x as f64;
        }
    }
    for (c, &n) in counts.iter().enumerate() {
        for m in &mut means[c * dim..(c + 1) * dim] {
            *m /= n.max(1) as f64;
        }
    }
    (means, counts)
}

/// A classifier head's weight means `[dim, outputs]` and bias means `[outputs]`.
pub type HeadMeans<B> = (Tensor<B, 2>, Tensor<B, 1>);

/// The bias of an output that no support example has: this far below every other output's
/// bias, whatever the features.
const ABSENT_MARGIN: f32 = 1e3;

/// The prototype head for a network with `outputs` outputs, from the support set's features
/// `[n, dim]` with `labels`: weights `[dim, outputs]` and biases `[outputs]`, differentiable
/// in the features (so a meta-gradient can reach the network through the prototypes). An
/// output that no support example has (more outputs than the task's classes) gets zero
/// weights and a bias of −2 max_c ‖μ_c‖² − 1000, below every other, so it is never predicted
/// (that offset is a constant: no gradient flows through it). Labels of `outputs` or more,
/// and labels past the features' rows, are skipped.
pub fn prototype_head<B: Backend>(
    features: Tensor<B, 2>,
    labels: &[usize],
    outputs: usize,
) -> HeadMeans<B> {
    let [n, _] = features.dims();
    let device = features.device();
    let mut counts = vec![0usize; outputs];
    for &c in labels.iter().take(n).filter(|&&c| c < outputs) {
        counts[c] += 1;
    }
    // Row c of `average` holds 1 / count_c at the columns of class c's examples.
    let mut average = vec![0.0f32; outputs * n];
    for (i, &c) in labels
        .iter()
        .take(n)
        .enumerate()
        .filter(|(_, &c)| c < outputs)
    {
        average[c * n + i] = 1.0 / counts[c] as f32;
    }
    let average = Tensor::<B, 2>::from_data(TensorData::new(average, [outputs, n]), &device);
    let means = average.matmul(features); // [outputs, dim]
    let norms = means.clone().powi_scalar(2).sum_dim(1).reshape([outputs]);
    let absent: Vec<f32> = counts.iter().map(|&k| f32::from(k == 0)).collect();
    let absent = Tensor::<B, 1>::from_data(TensorData::new(absent, [outputs]), &device);
    let floor = (norms.clone().max().detach() * -2.0 - ABSENT_MARGIN).expand([outputs]);
    let bias = norms.neg() + absent * floor;
    (means.transpose() * 2.0, bias)
}

#[cfg(test)]
mod tests {
    use burn::backend::Autodiff;

    use super::*;
    use crate::CpuBackend;

    type AD = Autodiff<CpuBackend>;

    /// The hand-worked support set of both tests: class 0 at (1, 0) and (3, 0), class 1 at
    /// (0, 1), as rows `[3, 2]`.
    const SUPPORT: [f32; 6] = [1.0, 0.0, 0.0, 1.0, 3.0, 0.0];
    const LABELS: [usize; 3] = [0, 1, 0];

    fn features<B: Backend>() -> Tensor<B, 2> {
        Tensor::from_data(
            TensorData::new(SUPPORT.to_vec(), [3, 2]),
            &Default::default(),
        )
    }

    fn host<B: Backend>(t: Tensor<B, 1>) -> Vec<f32> {
        t.into_data().convert::<f32>().to_vec().unwrap()
    }

    /// The same support set; the gradient of Σ W + Σ b (every output) with respect to each
    /// support row, by hand: ∂/∂μ_c = 2·(1, 1) − 2 μ_c, and x_i's share is 1 / count_c of its
    /// class's. Class 0 (μ = (2, 0), 2 rows): (−1, 1) each; class 1 (μ = (0, 1), 1 row): (2, 0).
    /// The absent output's bias is a constant and adds nothing.
    #[test]
    fn the_gradient_reaches_the_support_features_through_the_prototypes() {
        let features = features::<AD>().require_grad();
        let (w, b) = prototype_head(features.clone(), &LABELS, 3);
        let grads = (w.sum() + b.sum()).backward();
        let g = features.grad(&grads).unwrap();
        assert_eq!(host(g.reshape([6])), vec![-1.0, 1.0, 2.0, 0.0, -1.0, 1.0]);
    }

    /// Two classes in 2-D: class 0 at (1, 0) and (3, 0), mean (2, 0); class 1 at (0, 1), mean
    /// (0, 1). By hand: W = [[4, 0], [0, 2]] (columns are classes), b = (−4, −1); the third
    /// output has no example.
    #[test]
    fn prototype_head_by_hand() {
        let (w, b): HeadMeans<CpuBackend> = prototype_head(features(), &LABELS, 3);
        let (w, b) = (host(w.reshape([6])), host(b));
        assert_eq!(w, vec![4.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
        assert_eq!(&b[..2], &[-4.0, -1.0]);
        // −2 · max(4, 1) − 1000.
        assert_eq!(b[2], -1008.0);
        // At x = (1.5, 0.5): logits 6 − 4 = 2 and 1 − 1 = 0; ‖x − μ‖² is 0.5 and 2.5.
        let x = [1.5f32, 0.5];
        let logit = |c: usize| x[0] * w[c] + x[1] * w[3 + c] + b[c];
        assert_eq!((logit(0), logit(1)), (2.0, 0.0));
        assert_eq!(
            HeadInit::Prototypes.name().parse(),
            Ok(HeadInit::Prototypes)
        );
        assert!("proto".parse::<HeadInit>().is_err());
    }
}
