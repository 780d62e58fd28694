use super::*;

fn v<'a>(inputs: &'a [f32], values: &'a [f32]) -> Values<'a> {
    Values::new(inputs, values)
}

/// x = 0, 1, 2 with y = 0, 1, 3, by hand: slope Σ(x − x̄)(y − ȳ) / Σ(x − x̄)² = 3 / 2,
/// intercept ȳ − 3/2 x̄ = −1/6. At x = 3 and −1 the line gives 13/3 and −5/3; against targets
/// 4 and −2 both errors are 1/3, so the MSE is 1/9. The support mean 4/3 misses them by 8/3
/// and 10/3: MSE (64 + 100) / 18 = 82/9.
#[test]
fn least_squares_and_support_mean_by_hand() {
    let (s, q) = (
        v(&[0.0, 1.0, 2.0], &[0.0, 1.0, 3.0]),
        v(&[3.0, -1.0], &[4.0, -2.0]),
    );
    let p = least_squares_predictions(s, q).unwrap();
    assert!((p[0] - 13.0 / 3.0).abs() < 1e-6, "{p:?}");
    assert!((p[1] + 5.0 / 3.0).abs() < 1e-6, "{p:?}");
    assert!((least_squares(s, q) - 1.0 / 9.0).abs() < 1e-6);
    assert!((support_mean(s, q) - 82.0 / 9.0).abs() < 1e-12);
}

/// Points of the plane y = 2 x1 − x2 + 3 are fitted exactly: a query on the plane far from
/// the support is predicted to within the ridge's bias.
#[test]
fn a_plane_is_recovered_in_two_dimensions() {
    let xs = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 3.0, -1.0, 4.0];
    let ys: Vec<f32> = xs.chunks(2).map(|x| 2.0 * x[0] - x[1] + 3.0).collect();
    let q = v(&[10.0, -5.0], &[28.0]);
    let p = least_squares_predictions(v(&xs, &ys), q).unwrap();
    assert!((p[0] - 28.0).abs() < 1e-4, "{p:?}");
}

/// With more inputs than support rows the fit interpolates the support (the ridge keeps the
/// system solvable), and a support whose rows are all equal predicts its mean value.
#[test]
fn few_rows_interpolate_and_equal_rows_predict_the_mean() {
    let xs = [1.0, 0.0, 2.0, 0.0, 1.0, -1.0];
    let ys = [5.0, -3.0];
    let p = least_squares_predictions(v(&xs, &ys), v(&xs, &ys)).unwrap();
    assert!(
        (p[0] - 5.0).abs() < 1e-4 && (p[1] + 3.0).abs() < 1e-4,
        "{p:?}"
    );
    let same = [2.0, 2.0, 2.0];
    let p = least_squares_predictions(v(&same, &[1.0, 2.0, 6.0]), v(&[7.0], &[0.0])).unwrap();
    assert_eq!(p, vec![3.0]);
}

/// Nothing to fit or nothing to score gives NaN, not a panic.
#[test]
fn empty_sets_give_nan() {
    let s = v(&[1.0, 2.0], &[1.0, 2.0]);
    assert!(least_squares(v(&[], &[]), s).is_nan());
    assert!(support_mean(v(&[], &[]), s).is_nan());
    assert!(least_squares(s, v(&[], &[])).is_nan());
    assert!(support_mean(s, v(&[], &[])).is_nan());
}

/// [[4, 2], [2, 3]] x = [2, 1] has x = [1/2, 0] (the inverse is [[3, −2], [−2, 4]] / 8); a
/// matrix with a negative eigenvalue has no Cholesky factor.
#[test]
fn cholesky_solves_by_hand_and_refuses_indefinite_matrices() {
    let x = cholesky_solve(vec![4.0, 2.0, 2.0, 3.0], 2, &[2.0, 1.0]).unwrap();
    assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
    assert!(cholesky_solve(vec![1.0, 2.0, 2.0, 1.0], 2, &[1.0, 1.0]).is_none());
}
