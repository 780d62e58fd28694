//! Principal component analysis of task posteriors: each adapted task is one row (its
//! architecture probabilities, a sketch of its adapted weights, or both), projected on the two
//! directions of largest variance.
//!
//! The decomposition is linfa's symmetric eigensolver (`linfa-linalg`) on the smaller of the
//! centred scatter matrix XᵀX and the Gram matrix XXᵀ, which is exact for any number of tasks.
//! `linfa_reduction::Pca` was tried first: its randomized truncated SVD (LOBPCG) returned a
//! first component with less than half the true variance for 4 tasks in 3 dimensions (0.84
//! against 1.84), and a handful of adapted tasks is a normal case here.

use linfa_linalg::eigh::{EigSort, Eigh};
use linfa_linalg::Order;
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

/// What goes into a task's row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PosteriorFeatures {
    /// The adapted architecture probabilities.
    Architecture,
    /// The count sketch of the adapted weight means.
    Weights,
    /// Both, each block scaled to unit total variance so that neither dominates by its units.
    #[default]
    Both,
}

/// Why a projection could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PcaError {
    /// Fewer than three tasks.
    #[error("the PCA needs at least 3 tasks, there are {0}")]
    TooFewRows(usize),
    /// Rows of different lengths.
    #[error("task {row} has {got} features, the first task has {expected}")]
    Ragged {
        /// Row index.
        row: usize,
        /// Its length.
        got: usize,
        /// The first row's length.
        expected: usize,
    },
    /// Fewer than two features.
    #[error("the PCA needs at least 2 features per task, there are {0}")]
    TooFewFeatures(usize),
    /// A NaN or infinite value.
    #[error("task {row} has a value that is not finite (feature {feature})")]
    NotFinite {
        /// Row index.
        row: usize,
        /// Feature index.
        feature: usize,
    },
    /// Every task is the same point.
    #[error("every task has the same features: there is no variance to project")]
    NoVariance,
    /// linfa refused.
    #[error("PCA failed: {0}")]
    Linfa(String),
}

/// Tasks projected on their first two principal components.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// One point per task, `[pc1, pc2]`.
    pub points: Vec<[f64; 2]>,
    /// Fraction of the total variance along each component.
    pub explained: [f64; 2],
}

/// The rows of tasks given as `(architecture, weight sketch)` pairs, per `features`. For
/// [`PosteriorFeatures::Both`] each block is scaled to unit total variance over the tasks.
pub fn posterior_features(rows: &[(&[f32], &[f32])], features: PosteriorFeatures) -> Vec<Vec<f32>> {
    let pick = |arch: &[f32], weights: &[f32]| -> Vec<f32> {
        match features {
            PosteriorFeatures::Architecture => arch.to_vec(),
            PosteriorFeatures::Weights => weights.to_vec(),
            PosteriorFeatures::Both => arch.iter().chain(weights).copied().collect(),
        }
    };
    let mut out: Vec<Vec<f32>> = rows.iter().map(|(a, w)| pick(a, w)).collect();
    if features == PosteriorFeatures::Both {
        if let Some(&(a, _)) = rows.first() {
            let split = a.len();
            let scale_a = block_scale(&out, 0..split);
            let scale_w = block_scale(&out, split..out[0].len());
            for row in &mut out {
                let len = row.len();
                for (j, v) in row.iter_mut().enumerate() {
                    if j < split.min(len) {
                        *v *= scale_a;
                    } else {
                        *v *= scale_w;
                    }
                }
            }
        }
    }
    out
}

/// 1 / sqrt(total variance) of the columns in `cols` (1 when they do not vary).
fn block_scale(rows: &[Vec<f32>], cols: std::ops::Range<usize>) -> f32 {
    let n = rows.len() as f64;
    let mut total = 0.0;
    for j in cols {
        let values: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.get(j))
            .map(|&v| v as f64)
            .collect();
        let mean = values.iter().sum::<f64>() / n;
        total += values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    }
    if total > 0.0 && total.is_finite() {
        (1.0 / total.sqrt()) as f32
    } else {
        1.0
    }
}

/// Projects `rows` (one per task) on their first two principal components.
pub fn pca_2d(rows: &[Vec<f32>]) -> Result<Projection, PcaError> {
    if rows.len() < 3 {
        return Err(PcaError::TooFewRows(rows.len()));
    }
    let width = rows[0].len();
    if width < 2 {
        return Err(PcaError::TooFewFeatures(width));
    }
    let mut x = Array2::<f64>::zeros((rows.len(), width));
    for (i, row) in rows.iter().enumerate() {
        if row.len() != width {
            return Err(PcaError::Ragged {
                row: i,
                got: row.len(),
                expected: width,
            });
        }
        for (j, &v) in row.iter().enumerate() {
            if !v.is_finite() {
                return Err(PcaError::NotFinite { row: i, feature: j });
            }
            x[[i, j]] = v as f64;
        }
    }
    let mean = x.mean_axis(Axis(0)).ok_or(PcaError::TooFewRows(0))?;
    let c = &x - &mean;
    let total: f64 = c.mapv(|v| v * v).sum();
    if total <= 1e-12 * (rows.len() * width) as f64 {
        return Err(PcaError::NoVariance);
    }
    let (n, d) = c.dim();
    // Eigenvectors of CᵀC are the components; those of CCᵀ are the projected coordinates
    // scaled to unit length (C v = σ u), whichever matrix is smaller.
    let scatter = if d <= n { c.t().dot(&c) } else { c.dot(&c.t()) };
    let (values, vectors) = scatter
        .eigh()
        .map(|e| e.sort_eig(Order::Largest))
        .map_err(|e| PcaError::Linfa(e.to_string()))?;
    let mut coords: Vec<Array1<f64>> = Vec::with_capacity(2);
    for k in 0..2 {
        let lambda = values.get(k).copied().unwrap_or(0.0).max(0.0);
        let v = vectors.column(k);
        let mut col = if d <= n {
            c.dot(&v)
        } else {
            v.mapv(|u| u * lambda.sqrt())
        };
        // A deterministic sign: the coordinate largest in size is positive.
        let flip = col
            .iter()
            .fold(0.0f64, |m, &v| if v.abs() > m.abs() { v } else { m })
            < 0.0;
        if flip {
            col.mapv_inplace(|v| -v);
        }
        coords.push(col);
    }
    let explained =
        [0, 1].map(|k| (values.get(k).copied().unwrap_or(0.0).max(0.0) / total).min(1.0));
    let points = (0..n).map(|i| [coords[0][i], coords[1][i]]).collect();
    Ok(Projection { points, explained })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points (±2, 0, 0) and (0, ±1, 0), shifted: variances 2 and 0.5 along x and y, so the
    /// first component explains 0.8 of the variance, the second 0.2; coordinates are ±2 / ±1
    /// on the first / second component (up to sign).
    #[test]
    fn projection_of_a_cross_matches_the_hand_computed_one() {
        let rows: Vec<Vec<f32>> = [
            [2.0, 0.0, 0.0],
            [-2.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, -1.0, 0.0],
        ]
        .iter()
        .map(|r| r.iter().map(|v| v + 5.0).collect())
        .collect();
        let p = pca_2d(&rows).unwrap();
        assert!((p.explained[0] - 0.8).abs() < 1e-6, "{:?}", p.explained);
        assert!((p.explained[1] - 0.2).abs() < 1e-6, "{:?}", p.explained);
        let expect: [[f64; 2]; 4] = [[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
        for (got, want) in p.points.iter().zip(expect) {
            assert!(
                (got[0].abs() - want[0].abs()).abs() < 1e-6,
                "{got:?} vs {want:?}"
            );
            assert!(
                (got[1].abs() - want[1].abs()).abs() < 1e-6,
                "{got:?} vs {want:?}"
            );
        }
        // Opposite points stay opposite.
        assert!((p.points[0][0] + p.points[1][0]).abs() < 1e-6);
        // More features than tasks goes through the Gram matrix: same answer.
        let wide: Vec<Vec<f32>> = rows
            .iter()
            .map(|r| r.iter().copied().chain([0.0; 7]).collect())
            .collect();
        let q = pca_2d(&wide).unwrap();
        for (a, b) in p.points.iter().zip(&q.points) {
            assert!(
                (a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6,
                "{a:?} {b:?}"
            );
        }
        assert!((q.explained[0] - 0.8).abs() < 1e-6);
    }

    #[test]
    fn bad_rows_are_refused_with_the_row_named() {
        let ok = vec![0.0, 1.0];
        assert_eq!(
            pca_2d(&[ok.clone(), ok.clone()]),
            Err(PcaError::TooFewRows(2))
        );
        assert_eq!(
            pca_2d(&[ok.clone(), ok.clone(), vec![1.0]]),
            Err(PcaError::Ragged {
                row: 2,
                got: 1,
                expected: 2
            })
        );
        assert_eq!(
            pca_2d(&[ok.clone(), vec![0.0, f32::NAN], ok.clone()]),
            Err(PcaError::NotFinite { row: 1, feature: 1 })
        );
        assert_eq!(
            pca_2d(&[ok.clone(), ok.clone(), ok]),
            Err(PcaError::NoVariance)
        );
    }

    #[test]
    fn both_blocks_are_scaled_to_unit_variance() {
        // The weight block varies a hundred times more than the architecture block.
        let arch = [[0.0f32, 1.0], [1.0, 0.0], [0.5, 0.5], [0.0, 1.0]];
        let weights = [[100.0f32], [-100.0], [0.0], [100.0]];
        let rows: Vec<(&[f32], &[f32])> = arch
            .iter()
            .zip(&weights)
            .map(|(a, w)| (a.as_slice(), w.as_slice()))
            .collect();
        let out = posterior_features(&rows, PosteriorFeatures::Both);
        assert_eq!(out[0].len(), 3);
        let var = |cols: std::ops::Range<usize>| {
            let n = out.len() as f64;
            cols.map(|j| {
                let m = out.iter().map(|r| r[j] as f64).sum::<f64>() / n;
                out.iter().map(|r| (r[j] as f64 - m).powi(2)).sum::<f64>() / n
            })
            .sum::<f64>()
        };
        assert!((var(0..2) - 1.0).abs() < 1e-5);
        assert!((var(2..3) - 1.0).abs() < 1e-5);
        assert_eq!(
            posterior_features(&rows, PosteriorFeatures::Weights)[1],
            vec![-100.0]
        );
    }
}
