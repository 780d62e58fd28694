use super::*;

fn ex<'a>(inputs: &'a [f32], labels: &'a [usize]) -> Examples<'a> {
    Examples::new(inputs, labels)
}

/// Class means (1, 0) and (0, 5), by hand: (1, 1) is at squared distance 1 and 17, (0, 3) at
/// 10 and 4, (1, 2.5) at 6.25 and 7.25; the last is labelled 1, so 2 of 3 are right.
#[test]
fn nearest_class_mean_by_hand() {
    let support = [0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 6.0];
    let query = [1.0, 1.0, 0.0, 3.0, 1.0, 2.5];
    let acc = nearest_class_mean(ex(&support, &[0, 0, 1, 1]), ex(&query, &[0, 1, 1]), 2);
    assert!((acc - 2.0 / 3.0).abs() < 1e-12, "{acc}");
}

/// Equidistant means go to the lower label; a class without support is never chosen (here
/// class 0, whose empty mean would sit at the query).
#[test]
fn nearest_class_mean_ties_and_empty_classes() {
    let support = [-1.0, 1.0];
    assert_eq!(
        nearest_class_mean(ex(&support, &[0, 1]), ex(&[0.0, 0.0], &[0, 1]), 2),
        0.5
    );
    assert_eq!(
        nearest_class_mean(ex(&support, &[1, 2]), ex(&[0.0, 5.0], &[1, 2]), 3),
        1.0
    );
    assert!(nearest_class_mean(ex(&support, &[0, 1]), ex(&[], &[]), 2).is_nan());
}

/// One step by hand: rows x̃ = (1, 1) and (-1, 1) (the 1 is the bias), mean ‖x̃‖² = 2, step
/// 1/2. From W = 0 both classes have probability 1/2, so the gradient on W is
/// ((p - y)ᵀ X̃) / 2 = [[-1/2, 0], [1/2, 0]] and W becomes [[1/4, 0], [-1/4, 0]]: at x = 0.5
/// the logits are 1/8 and -1/8.
#[test]
fn softmax_regression_one_step_by_hand() {
    let logits =
        softmax_regression_logits(ex(&[1.0, -1.0], &[0, 1]), ex(&[0.5], &[0]), 2, 1).unwrap();
    assert!((logits[0] - 0.125).abs() < 1e-12, "{logits:?}");
    assert!((logits[1] + 0.125).abs() < 1e-12, "{logits:?}");
}

/// The same steps taken on the weights themselves (W of shape `[ways, d + 1]`) give the same
/// query logits as the support-span form.
#[test]
fn softmax_regression_matches_gradient_descent_on_the_weights() {
    let (n, d, ways, steps) = (7, 5, 3, 40);
    let support: Vec<f32> = (0..n * d)
        .map(|i| ((i * 37 % 11) as f32 - 5.0) / 3.0)
        .collect();
    let labels: Vec<usize> = (0..n).map(|i| i % ways).collect();
    let query: Vec<f32> = (0..4 * d)
        .map(|i| ((i * 13 % 7) as f32 - 3.0) / 2.0)
        .collect();
    let qlabels = [0, 1, 2, 0];
    let dual = softmax_regression_logits(ex(&support, &labels), ex(&query, &qlabels), ways, steps)
        .unwrap();
    // Centred on the support mean, scaled to unit mean squared norm, then a 1 for the bias.
    let mean: Vec<f64> = (0..d)
        .map(|k| (0..n).map(|i| support[i * d + k] as f64).sum::<f64>() / n as f64)
        .collect();
    let spread: f64 = (0..n * d)
        .map(|j| (support[j] as f64 - mean[j % d]).powi(2))
        .sum::<f64>()
        / n as f64;
    let row = |x: &[f32], i: usize| -> Vec<f64> {
        let mut r: Vec<f64> = (0..d)
            .map(|k| (x[i * d + k] as f64 - mean[k]) / spread.sqrt())
            .collect();
        r.push(1.0);
        r
    };
    let rows: Vec<Vec<f64>> = (0..n).map(|i| row(&support, i)).collect();
    let lr = n as f64 / rows.iter().flatten().map(|v| v * v).sum::<f64>();
    let mut w = vec![vec![0.0f64; d + 1]; ways];
    for _ in 0..steps {
        let mut grad = vec![vec![0.0f64; d + 1]; ways];
        for (i, x) in rows.iter().enumerate() {
            let mut p: Vec<f64> = w
                .iter()
                .map(|wc| wc.iter().zip(x).map(|(a, b)| a * b).sum())
                .collect();
            softmax(&mut p);
            for c in 0..ways {
                let err = p[c] - if labels[i] == c { 1.0 } else { 0.0 };
                for k in 0..=d {
                    grad[c][k] += err * x[k] / n as f64;
                }
            }
        }
        for c in 0..ways {
            for k in 0..=d {
                w[c][k] -= lr * grad[c][k];
            }
        }
    }
    for q in 0..4 {
        let x = row(&query, q);
        for c in 0..ways {
            let primal: f64 = w[c].iter().zip(&x).map(|(a, b)| a * b).sum();
            let got = dual[q * ways + c];
            assert!(
                (primal - got).abs() < 1e-9 * primal.abs().max(1.0),
                "{primal} {got}"
            );
        }
    }
}

/// Two separable classes, far apart: the classifier gets every query right even at a large
/// input scale (the step size follows the scale).
#[test]
fn softmax_regression_separates_separable_classes_at_any_scale() {
    for scale in [1.0f32, 255.0] {
        let support: Vec<f32> = [0.0, 0.1, 0.9, 1.0].iter().map(|v| v * scale).collect();
        let query: Vec<f32> = [0.05, 0.2, 0.8, 0.95].iter().map(|v| v * scale).collect();
        let acc = softmax_regression(ex(&support, &[0, 0, 1, 1]), ex(&query, &[0, 0, 1, 1]), 2);
        assert_eq!(acc, 1.0, "scale {scale}");
    }
}
