//! How adaptation starts its classifier head: from the meta-network's, or from the class
//! prototypes of the task's support set in the meta-network's features (Proto-MAML,
//! Triantafillou et al., "Meta-Dataset", ICLR 2020, section 3.2).

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

/// The prototype head for a network with `outputs` outputs: weights `[dim, outputs]`
/// row-major and biases `[outputs]`, from the support set's features (`dim` a row) with
/// `labels`. An output that no support example has (more outputs than the task's classes)
/// gets zero weights and a bias far below every other, so it is never predicted.
pub fn prototype_head(
    support: &[f32],
    dim: usize,
    labels: &[usize],
    outputs: usize,
) -> (Vec<f32>, Vec<f32>) {
    let (means, counts) = class_means(support, dim, labels, outputs);
    let mut weight = vec![0.0f32; dim * outputs];
    let mut bias = vec![0.0f32; outputs];
    let mut lowest = 0.0f64;
    for c in (0..outputs).filter(|&c| counts[c] > 0) {
        let mut norm = 0.0;
        for (k, m) in means[c * dim..(c + 1) * dim].iter().enumerate() {
            weight[k * outputs + c] = (2.0 * m) as f32;
            norm += m * m;
        }
        bias[c] = -norm as f32;
        lowest = lowest.min(-norm);
    }
    for c in (0..outputs).filter(|&c| counts[c] == 0) {
        bias[c] = (lowest * 2.0 - 1e3) as f32;
    }
    (weight, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes in 2-D: class 0 at (1, 0) and (3, 0), mean (2, 0); class 1 at (0, 1), mean
    /// (0, 1). By hand: W = [[4, 0], [0, 2]] (columns are classes), b = (−4, −1); the third
    /// output has no example.
    #[test]
    fn prototype_head_by_hand() {
        let support = [1.0, 0.0, 0.0, 1.0, 3.0, 0.0];
        let (w, b) = prototype_head(&support, 2, &[0, 1, 0], 3);
        assert_eq!(w, vec![4.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
        assert_eq!(&b[..2], &[-4.0, -1.0]);
        assert!(b[2] < -1000.0);
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
