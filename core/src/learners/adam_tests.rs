//! Adam's overflow: a gradient whose square is beyond f32 freezes the parameter it updates
//! (hand-computed), and a learner state with such moments is never encoded.

use std::collections::HashMap;

use burn::module::{Param, ParamId};
use burn::prelude::*;

use super::adam::Adam;
use super::state;
use super::types::LearnerError;
use crate::CpuBackend;

type B = CpuBackend;

/// One scalar parameter at 0, stepped `steps` times by Adam at rate 0.1 with gradient `g`.
fn after(g: f32, steps: usize) -> (f32, Adam<B>, Param<Tensor<B, 1>>) {
    let device = Default::default();
    let id = ParamId::new();
    let mut p = Param::initialized(id, Tensor::<B, 1>::from_floats([0.0], &device));
    let mut adam = Adam::<B>::default();
    let lrs = HashMap::from([(id, 0.1)]);
    for _ in 0..steps {
        let grads = HashMap::from([(id, Tensor::<B, 1>::from_floats([g], &device))]);
        p = adam.step(p, &grads, &lrs);
    }
    let value = p.val().into_data().to_vec::<f32>().unwrap()[0];
    (value, adam, p)
}

#[test]
fn a_constant_gradient_moves_the_parameter_by_the_rate_each_step() {
    // m̂ = g and v̂ = g² for a constant g, so each step is 0.1 · g / (|g| + 1e-8) = -0.1.
    for g in [1.0f32, 1e10, 1e18] {
        let (value, adam, _) = after(g, 3);
        assert!((value + 0.3).abs() < 1e-5, "g = {g}: {value}");
        assert_eq!(adam.non_finite_moments(), 0);
    }
}

#[test]
fn a_gradient_whose_square_overflows_freezes_the_parameter_and_is_never_saved() {
    // g = 1e20: (1 - β₂) g² = 1e37 fits f32, but g² = 1e40 does not: the second moment is
    // infinite from the first step, so every update is m̂ / ∞ = 0.
    let (value, adam, p) = after(1e20, 3);
    assert_eq!(value, 0.0);
    assert_eq!(adam.non_finite_moments(), 1, "the second moment only");
    match state::encode(3, &adam, &p) {
        Err(LearnerError::OptimiserOverflow { step: 3, count: 1 }) => {}
        other => panic!("{:?}", other.map(|b| b.len())),
    }
    // The same parameter with a representable gradient is saved.
    let (_, adam, p) = after(1e18, 3);
    assert!(state::encode(3, &adam, &p).is_ok());
}
