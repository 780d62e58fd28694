//! Helpers of the op tests: seeded tensors and comparing two results value by value.

use burn::backend::Autodiff;
use burn::prelude::*;

use crate::rng::SeededRng;
use crate::CpuBackend;

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
