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
