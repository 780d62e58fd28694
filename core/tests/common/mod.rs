//! Helpers of the f64 gradient-check test binaries.

use burn::backend::{Autodiff, NdArray};
use burn::prelude::*;

use metanas_core::learners::*;
use metanas_core::rng::SeededRng;
use metanas_core::space::SearchSpace;
use metanas_core::tasks::{Episode, RegressionTasks};

pub type F64 = NdArray<f64>;
pub type AD64 = Autodiff<F64>;

/// A random direction over every parameter of `meta`, unit norm; drawn in the module's
/// visiting order, so the same seed gives the same direction in every process.
pub fn direction<M: burn::module::Module<F64>>(meta: &M, seed: u64) -> ParamGrads<F64> {
    let mut rng = SeededRng::new(seed);
    let values = flat_params(meta);
    let d: ParamGrads<F64> = param_ids(meta)
        .into_iter()
        .filter_map(|id| {
            let t = values.get(&id)?;
            let n = t.dims()[0];
            let v: Vec<f64> = rng.normal_vec(n).into_iter().map(f64::from).collect();
            Some((id, Tensor::from_data(TensorData::new(v, [n]), &t.device())))
        })
        .collect();
    let size = norm(&d);
    scaled(
        &d,
        &uniform_scale(&d.keys().copied().collect::<Vec<_>>(), 1.0 / size),
    )
}

pub fn dot(a: &ParamGrads<F64>, b: &ParamGrads<F64>) -> f64 {
    a.iter()
        .filter_map(|(id, x)| {
            b.get(id)
                .map(|y| (x.clone() * y.clone()).sum().into_scalar())
        })
        .sum()
}

pub fn tiny_vector_space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.channels = 6;
    space.nodes = 2;
    space
}

pub fn regression_task() -> Episode {
    let tasks = RegressionTasks {
        shots: 5,
        queries: 7,
        ..Default::default()
    };
    tasks.sample(&mut SeededRng::new(3))
}
