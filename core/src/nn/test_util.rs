//! Helpers of the op tests: seeded tensors and comparing two results value by value.

use burn::backend::Autodiff;
use burn::prelude::*;

use super::gaussian::GaussianParam;
use super::layers::Init;
use crate::rng::SeededRng;
use crate::CpuBackend;

/// The initialiser of a search network (no affine batch norms) with σ = 0.01, drawing from
/// `rng`.
pub fn search_init(rng: &mut SeededRng) -> Init<'_> {
    Init {
        sigma: 0.01,
        rng,
        affine_norm: false,
    }
}

/// The means of a Gaussian weight, as they are stored.
pub fn mu_values<B: Backend, const D: usize>(p: &GaussianParam<B, D>) -> Vec<f32> {
    p.mu.val().into_data().to_vec::<f32>().unwrap()
}

/// The CPU backend with autodiff.
pub type Ad = Autodiff<CpuBackend>;

/// A tensor of standard normal values drawn from `seed`, tracked for gradients.
pub fn random(shape: [usize; 4], seed: u64) -> Tensor<Ad, 4> {
    let n = shape.iter().product();
    Tensor::from_data(
        TensorData::new(SeededRng::new(seed).normal_vec(n), shape),
        &Default::default(),
    )
    .require_grad()
}

/// Asserts equal shapes and values within `tol` relative to `1 + |b|`.
pub fn close(a: Tensor<CpuBackend, 4>, b: Tensor<CpuBackend, 4>, tol: f32, what: &str) {
    assert_eq!(a.dims(), b.dims(), "{what}");
    let a = a.into_data().to_vec::<f32>().unwrap();
    let b = b.into_data().to_vec::<f32>().unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < tol * (1.0 + y.abs()), "{what}: {x} vs {y}");
    }
}

/// Asserts that `ours` and `reference`, both computed from `inputs`, agree within `tol` in
/// value and in the gradients, with respect to each input, of the same random weighted sum
/// (so every output position matters differently).
pub fn assert_same_op(
    ours: Tensor<Ad, 4>,
    reference: Tensor<Ad, 4>,
    inputs: &[(&str, &Tensor<Ad, 4>)],
    tol: f32,
    what: &str,
) {
    close(ours.clone().inner(), reference.clone().inner(), tol, what);
    let probe = Tensor::<Ad, 4>::from_inner(random(ours.dims(), 3).inner());
    let g1 = (ours * probe.clone()).sum().backward();
    let g2 = (reference * probe).sum().backward();
    for (name, input) in inputs {
        close(
            input.grad(&g1).expect("gradient of ours"),
            input.grad(&g2).expect("gradient of the reference"),
            tol,
            &format!("{what} d{name}"),
        );
    }
}

/// For an op linear in one input (the others held), checks `grad`, the op's gradient of
/// `<probe, y>` with respect to that input, against the definition: entry i must equal
/// `<probe, y_of(e_i)>` for the unit input e_i where `passes(i)` (a ReLU before the op lets
/// input i through), else 0; within 1e-4, relative to `1 + |want|` when `relative`.
pub fn assert_unit_gradients(
    grad: &[f32],
    probe: &[f32],
    y_of: impl Fn(&[f32]) -> Vec<f32>,
    passes: impl Fn(usize) -> bool,
    relative: bool,
    what: &str,
) {
    for i in 0..grad.len() {
        let mut e = vec![0.0; grad.len()];
        e[i] = 1.0;
        let want = if passes(i) {
            probe
                .iter()
                .zip(&y_of(&e))
                .map(|(p, y)| f64::from(*p) * f64::from(*y))
                .sum()
        } else {
            0.0
        };
        let bound = if relative {
            1e-4 * (1.0 + want.abs())
        } else {
            1e-4
        };
        assert!(
            (f64::from(grad[i]) - want).abs() < bound,
            "{what}[{i}]: {} vs {want}",
            grad[i]
        );
    }
}
