//! Classifiers on raw inputs (or on any fixed features) trained on a task's support set only:
//! nearest class mean, and softmax regression. They need no meta-learning, so an adapted
//! meta-network that loses to them has learnt nothing a user could not get for free.

use super::examples::{centred_dot, Examples};
use crate::learners::class_means;

/// Fraction of `query` rows whose prediction equals its label (`NaN` without queries).
fn accuracy(query: Examples, predict: impl Fn(usize) -> usize) -> f64 {
    if query.len() == 0 {
        return f64::NAN;
    }
    let right = (0..query.len())
        .filter(|&i| predict(i) == query.targets[i])
        .count();
    right as f64 / query.len() as f64
}

/// The index of the largest value; the first of equal ones.
fn argmax(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// Nearest class mean: each query row goes to the class whose support mean is nearest in
/// Euclidean distance (the lower label on a tie; a class without support rows is never
/// chosen). Returns the query accuracy.
pub fn nearest_class_mean(support: Examples, query: Examples, ways: usize) -> f64 {
    let d = support.dim();
    let (means, counts) = class_means(support.inputs, d, support.targets, ways);
    accuracy(query, |i| {
        let x = query.row(i);
        argmax((0..ways).map(|c| {
            if counts[c] == 0 {
                return f64::NEG_INFINITY;
            }
            let dist: f64 = means[c * d..(c + 1) * d]
                .iter()
                .zip(x)
                .map(|(m, &v)| (m - v as f64).powi(2))
                .sum();
            -dist
        }))
    })
}

/// Full-batch gradient steps of [`softmax_regression`].
pub const LINEAR_STEPS: usize = 100;

/// Softmax regression (a linear classifier with a bias) trained on the support rows: inputs
/// centred on the support mean and scaled so that their mean squared norm is 1, weights from
/// zero, [`LINEAR_STEPS`] full-batch gradient steps on the mean cross-entropy, step size
/// 1 / mean ‖x̃‖² where x̃ is a scaled row with a constant 1 appended for the bias (the loss's
/// curvature is at most half that mean, so the steps are stable). Returns the query accuracy.
///
/// Computed in the span of the support rows, which is where gradient descent from zero keeps
/// the weights: W = Aᵀ X̃ with A of shape `[support, ways]`, so only the support Gram matrix
/// and the query-support products are formed (the same steps as on W itself, at a cost that
/// does not grow with the steps times the input size).
pub fn softmax_regression(support: Examples, query: Examples, ways: usize) -> f64 {
    match softmax_regression_logits(support, query, ways, LINEAR_STEPS) {
        Some(logits) => accuracy(query, |q| {
            argmax(logits[q * ways..(q + 1) * ways].iter().copied())
        }),
        None => f64::NAN,
    }
}

/// The query logits `[query, ways]` of [`softmax_regression`] after `steps` steps; `None`
/// without support rows or classes.
pub(crate) fn softmax_regression_logits(
    support: Examples,
    query: Examples,
    ways: usize,
    steps: usize,
) -> Option<Vec<f64>> {
    let n = support.len();
    if n == 0 || ways == 0 {
        return None;
    }
    // Centred on the support mean and scaled to unit mean squared norm: an affine change of
    // the inputs (the same linear classifiers), which makes the bias and the weights equally
    // easy to move whatever the pixels' offset and scale.
    let centre = support.mean_row();
    let spread = (0..n)
        .map(|i| centred_dot(support.row(i), support.row(i), &centre))
        .sum::<f64>()
        / n as f64;
    let scale = if spread > 0.0 { 1.0 / spread } else { 1.0 };
    let dot = |a: &[f32], b: &[f32]| 1.0 + centred_dot(a, b, &centre) * scale;
    let gram = support.gram(dot);
    let mean_norm = (0..n).map(|i| gram[i * n + i]).sum::<f64>() / n as f64;
    let lr = 1.0 / mean_norm;
    let mut a = vec![0.0f64; n * ways];
    let mut probs = vec![0.0f64; ways];
    let mut grad = vec![0.0f64; n * ways];
    for _ in 0..steps {
        for i in 0..n {
            for (c, p) in probs.iter_mut().enumerate() {
                *p = (0..n).map(|j| gram[i * n + j] * a[j * ways + c]).sum();
            }
            softmax(&mut probs);
            for (c, p) in probs.iter().enumerate() {
                let target = if support.targets[i] == c { 1.0 } else { 0.0 };
                grad[i * ways + c] = (p - target) / n as f64;
            }
        }
        for (w, g) in a.iter_mut().zip(&grad) {
            *w -= lr * g;
        }
    }
    let mut logits = Vec::with_capacity(query.len() * ways);
    for q in 0..query.len() {
        let cross: Vec<f64> = (0..n).map(|j| dot(query.row(q), support.row(j))).collect();
        logits.extend((0..ways).map(|c| (0..n).map(|j| cross[j] * a[j * ways + c]).sum::<f64>()));
    }
    Some(logits)
}

fn softmax(v: &mut [f64]) {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        total += *x;
    }
    for x in v.iter_mut() {
        *x /= total;
    }
}

#[cfg(test)]
#[path = "pixels_tests.rs"]
mod tests;
