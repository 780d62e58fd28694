//! Regressors on raw inputs fitted to a task's support set only: the support's mean value, and
//! a least-squares linear fit with an intercept. They need no meta-learning, so an adapted
//! meta-network whose query MSE is above theirs has learnt nothing a user could not get from a
//! line through the support points.

use super::examples::{centred_dot, Examples};

/// Regression examples: each row's target is its value.
pub type Values<'a> = Examples<'a, f32>;

/// The mean of `values` (0 for none).
fn mean(values: &[f32]) -> f64 {
    values.iter().map(|&v| v as f64).sum::<f64>() / values.len().max(1) as f64
}

/// The ridge added to the centred support Gram matrix, as a fraction of its mean diagonal:
/// small enough that the fit is the least-squares one to about 1e-7 of its size, large enough
/// that it exists when the support has fewer rows than inputs or repeats a row.
pub const RIDGE: f64 = 1e-6;

/// Mean squared error of `predictions` on the query's targets (`NaN` without queries).
fn query_mse(query: Values, predictions: &[f64]) -> f64 {
    if query.len() == 0 {
        return f64::NAN;
    }
    predictions
        .iter()
        .zip(query.targets)
        .map(|(p, &y)| (p - y as f64).powi(2))
        .sum::<f64>()
        / query.len() as f64
}

/// Query MSE of predicting the mean of the support's targets everywhere (`NaN` without
/// support rows or queries).
pub fn support_mean(support: Values, query: Values) -> f64 {
    if support.len() == 0 {
        return f64::NAN;
    }
    query_mse(query, &vec![mean(support.targets); query.len()])
}

/// Query MSE of the least-squares linear fit `y = w·x + b` to the support rows (inputs and
/// targets centred on the support's means, a ridge of [`RIDGE`] times the mean squared norm of
/// the centred rows; `NaN` without support rows or queries).
pub fn least_squares(support: Values, query: Values) -> f64 {
    match least_squares_predictions(support, query) {
        Some(p) => query_mse(query, &p),
        None => f64::NAN,
    }
}

/// The query predictions of the least-squares fit `y = w·x + b` to the support rows, with
/// inputs and targets centred on the support's means (so b is not shrunk) and a ridge of
/// [`RIDGE`] times the mean squared norm of the centred rows. Computed in the span of the
/// support rows (`ŷ = ȳ + K_q (K + λ I)⁻¹ (y − ȳ)`, K the centred support Gram matrix), so
/// its cost does not grow with the input size. Supports whose rows are all equal predict
/// their mean value. `None` without support rows.
pub(crate) fn least_squares_predictions(support: Values, query: Values) -> Option<Vec<f64>> {
    let n = support.len();
    if n == 0 {
        return None;
    }
    let centre = support.mean_row();
    let dot = |a: &[f32], b: &[f32]| centred_dot(a, b, &centre);
    let mean_y = mean(support.targets);
    let mut gram = support.gram(dot);
    let spread = (0..n).map(|i| gram[i * n + i]).sum::<f64>() / n as f64;
    if spread <= 0.0 || !spread.is_finite() {
        return Some(vec![mean_y; query.len()]);
    }
    for i in 0..n {
        gram[i * n + i] += RIDGE * spread;
    }
    let centred: Vec<f64> = support.targets.iter().map(|&y| y as f64 - mean_y).collect();
    let a = cholesky_solve(gram, n, &centred)?;
    Some(
        (0..query.len())
            .map(|q| {
                let x = query.row(q);
                mean_y + (0..n).map(|j| dot(x, support.row(j)) * a[j]).sum::<f64>()
            })
            .collect(),
    )
}

/// Solves `m x = b` for a symmetric positive definite `m` (`n × n`, row-major) by its
/// Cholesky factor; `None` if `m` is not positive definite.
fn cholesky_solve(mut m: Vec<f64>, n: usize, b: &[f64]) -> Option<Vec<f64>> {
    // m becomes L (lower triangle), m = L Lᵀ.
    for j in 0..n {
        let diag = m[j * n + j] - (0..j).map(|k| m[j * n + k].powi(2)).sum::<f64>();
        if diag <= 0.0 || !diag.is_finite() {
            return None;
        }
        let l = diag.sqrt();
        m[j * n + j] = l;
        for i in j + 1..n {
            let s = m[i * n + j] - (0..j).map(|k| m[i * n + k] * m[j * n + k]).sum::<f64>();
            m[i * n + j] = s / l;
        }
    }
    // L y = b, then Lᵀ x = y.
    let mut y = vec![0.0f64; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| m[i * n + k] * y[k]).sum::<f64>()) / m[i * n + i];
    }
    let mut x = vec![0.0f64; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| m[k * n + i] * x[k]).sum::<f64>()) / m[i * n + i];
    }
    Some(x)
}

#[cfg(test)]
#[path = "least_squares_tests.rs"]
mod tests;
