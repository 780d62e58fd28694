//! The meta-gradient through unrolled inner steps against central differences of the outer
//! loss itself, in f64 on tiny networks.
//!
//! A test binary of its own: burn 0.21 keeps the default float type of the ndarray device
//! per process, so f64 tensors made next to f32 ones (the unit tests) come out in whichever
//! float type the process used first.

use std::collections::HashMap;

use metanas_core::learners::*;
use metanas_core::nn::WeightMode;
use metanas_core::posterior::{ArchUse, Posterior, PosteriorInit, PriorTensors, Relaxation};
use metanas_core::rng::SeededRng;
use metanas_core::space::{CellKind, Op, SearchSpace};
use metanas_core::tasks::{Batch, Episode, Targets};

mod common;
use common::*;

/// `ℓ_out(q_S(W))`, forward only.
fn outer_loss_after(
    meta: &Posterior<F64>,
    objective: &TaskObjective<'_>,
    steps: usize,
    lrs: &HashMap<burn::module::ParamId, f64>,
) -> f64 {
    let (q, _) = inner_loop::<AD64>(meta, meta, objective, (steps, None), lrs, |_| {}).unwrap();
    let prior = PriorTensors::of(meta);
    let (loss, _) = objective.outer_loss(&q, &prior).unwrap();
    loss.total.into_scalar()
}

/// Relative error of the meta-gradient's directional derivative against central
/// differences of the outer loss, worst over three directions. Finite-difference HVPs use a
/// small step here: these tiny networks batch-normalise 4 or 5 examples, and units whose
/// inputs are nearly constant over the batch make the loss very curved at the scale of
/// DARTS's default step.
fn worst_relative_error(
    meta: &Posterior<F64>,
    objective: &TaskObjective<'_>,
    steps: usize,
    lrs: &HashMap<burn::module::ParamId, f64>,
    mode: MetaGradient,
) -> f64 {
    let spec = MetaGradientSpec {
        mode,
        fd_scale: 1e-6,
    };
    let g = meta_gradient::<AD64>(meta, objective, steps, lrs, spec)
        .unwrap()
        .grads;
    let ids = param_ids(meta);
    let h = 1e-5;
    (0..3)
        .map(|seed| {
            let d = direction(meta, 100 + seed);
            let at = |s: f64| {
                let w = shifted(meta.clone(), &[(&d, &uniform_scale(&ids, s))]);
                outer_loss_after(&w, objective, steps, lrs)
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            let analytic = dot(&g, &d);
            (analytic - numeric).abs() / numeric.abs().max(1e-8)
        })
        .fold(0.0, f64::max)
}

fn posterior(space: &SearchSpace) -> Posterior<F64> {
    let init = PosteriorInit {
        sigma: 0.05,
        arch_scale: 0.5,
        seed: 11,
    };
    Posterior::new(space, init, &Default::default())
}

fn objective<'a>(task: &'a Episode, bayes: bool) -> TaskObjective<'a> {
    TaskObjective {
        inner: &task.support,
        outer: &task.query,
        shape: &task.input_shape,
        stem: 0,
        arch: if bayes {
            ArchUse::Sampled {
                relaxation: Relaxation::Gumbel,
                tau: 1.0,
            }
        } else {
            ArchUse::Mixture
        },
        weights: if bayes {
            WeightMode::Sample
        } else {
            WeightMode::Mean
        },
        kl_scale: bayes.then_some(0.2),
        seed: 5,
    }
}

#[test]
fn exact_meta_gradient_of_base_few_shot_matches_central_differences() {
    // Gumbel architecture samples, sampled weights, KL terms against W: W enters the outer
    // loss through q_0, through every step's prior and through the outer KL terms.
    let space = tiny_vector_space();
    let meta = posterior(&space);
    let task = regression_task();
    let obj = objective(&task, true);
    let lrs = step_sizes(&meta, 0.05, 0.1);
    let err = worst_relative_error(&meta, &obj, 3, &lrs, MetaGradient::Exact);
    assert!(err < 1e-5, "relative error {err:e}");
}

#[test]
fn finite_difference_meta_gradient_is_close_and_first_order_is_not() {
    let space = tiny_vector_space();
    let meta = posterior(&space);
    let task = regression_task();
    let obj = objective(&task, true);
    let lrs = step_sizes(&meta, 0.05, 0.1);
    let fd = worst_relative_error(&meta, &obj, 3, &lrs, MetaGradient::FiniteDifference);
    assert!(fd < 1e-4, "finite-difference HVPs: relative error {fd:e}");
    // First order drops every Hessian term, and the KL's dependence on W: visibly wrong.
    let fo = worst_relative_error(&meta, &obj, 3, &lrs, MetaGradient::FirstOrder);
    assert!(fo > 1e-2, "first order unexpectedly exact: {fo:e}");
}

/// 2-way task of 6x6 single-channel images, 2 shots and 2 queries per class.
fn image_task() -> Episode {
    let mut rng = SeededRng::new(9);
    let batch = |n: usize, rng: &mut SeededRng| Batch {
        inputs: rng.normal_vec(n * 36),
        targets: Targets::Classes((0..n).map(|i| i % 2).collect()),
        sample_ids: Vec::new(),
    };
    Episode {
        source: 0,
        source_name: "grey6".into(),
        input_shape: vec![1, 6, 6],
        classes: vec![0, 1],
        support: batch(4, &mut rng),
        query: batch(4, &mut rng),
        function: None,
    }
}

fn tiny_image_space(ops: Vec<Op>) -> SearchSpace {
    let mut space = SearchSpace::default_image();
    space.ops = ops;
    space.nodes = 2;
    space.channels = 2;
    space.stem_multiplier = 1;
    space.cells = vec![CellKind::Normal];
    space.num_outputs = 2;
    space.inputs[0].height = 6;
    space.inputs[0].width = 6;
    space
}

#[test]
fn second_order_maml_on_a_convolutional_cell_matches_central_differences() {
    // Exact nested autodiff through separable convolutions and batch norm.
    let space = tiny_image_space(vec![Op::None, Op::SkipConnect, Op::SepConv3x3]);
    space.validate().unwrap();
    let meta = posterior(&space);
    let task = image_task();
    let obj = objective(&task, false);
    let lrs = step_sizes(&meta, 0.1, 0.0);
    let err = worst_relative_error(&meta, &obj, 2, &lrs, MetaGradient::Exact);
    assert!(err < 1e-5, "relative error {err:e}");
}

#[test]
fn exact_and_finite_difference_meta_gradients_through_pooling_match_central_differences() {
    // Pooling built from strided views of the input is twice differentiable on nested
    // autodiff (Burn's own pooling backward is not); finite differences work with every op.
    let space = tiny_image_space(vec![
        Op::None,
        Op::MaxPool3x3,
        Op::AvgPool3x3,
        Op::DilConv3x3,
    ]);
    space.validate().unwrap();
    let meta = posterior(&space);
    let task = image_task();
    let obj = objective(&task, false);
    let lrs = step_sizes(&meta, 0.1, 0.0);
    let exact = worst_relative_error(&meta, &obj, 2, &lrs, MetaGradient::Exact);
    assert!(exact < 1e-5, "exact: relative error {exact:e}");
    let fd = worst_relative_error(&meta, &obj, 2, &lrs, MetaGradient::FiniteDifference);
    assert!(fd < 1e-4, "finite differences: relative error {fd:e}");
}

#[test]
fn auto_is_exact_for_vector_spaces_and_finite_differences_for_image_spaces() {
    let vector = SearchSpace::default_vector();
    assert_eq!(MetaGradient::Auto.resolve(&vector), MetaGradient::Exact);
    let image = SearchSpace::default_image();
    assert_eq!(
        MetaGradient::Auto.resolve(&image),
        MetaGradient::FiniteDifference
    );
    let no_pool = tiny_image_space(vec![Op::None, Op::SkipConnect, Op::SepConv3x3]);
    assert_eq!(
        MetaGradient::Auto.resolve(&no_pool),
        MetaGradient::FiniteDifference
    );
    assert_eq!(MetaGradient::Exact.resolve(&image), MetaGradient::Exact);
    assert_eq!(
        MetaGradient::FirstOrder.resolve(&image),
        MetaGradient::FirstOrder
    );
}
