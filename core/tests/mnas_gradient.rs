//! M-NAS's meta-gradient through the task encoder, controller and modulator against central
//! differences of eq. 9, in f64 on a tiny network.
//!
//! A test binary of its own: run in one process next to the finite-difference checks of
//! `meta_gradient.rs`, those became flaky (relative errors up to 1 in some runs; never with
//! one test thread). Burn 0.21's backward pass on one thread could free graph steps that
//! another thread still needed (burn issue #5573, closed by metanas's patched burn-autodiff), and f64
//! tensors come out as f32 in a process that made f32 ones first (the dtype note in
//! `meta_gradient.rs`).

mod common;

use common::*;
use metanas_core::learners::*;
use metanas_core::posterior::PosteriorInit;

#[test]
fn mnas_gradient_through_encoder_controller_and_modulator_matches_central_differences() {
    // Eq. 9 for one task: query loss after S inner steps from (α_i, τ_i ⊙ w̃) plus β L_r, as a
    // function of each part of Θ, with path dropout on (its mask is fixed by the seed).
    let space = tiny_vector_space();
    let config = MnasConfig {
        inner_steps: 2,
        lr_inner: 0.05,
        beta: 0.5,
        embed_dim: 4,
        task_dim: 3,
        controller_hidden: 5,
        path_dropout: 0.2,
        meta_gradient: MetaGradient::Exact,
        init: PosteriorInit {
            sigma: 0.05,
            arch_scale: 0.5,
            seed: 11,
        },
        ..Default::default()
    };
    let mut learner = MnasLearner::<AD64>::new(space, config, Default::default()).unwrap();
    // Move Θ off its initial values (the controller's output and the modulator start at zero).
    let start = learner.params().clone();
    let ids = param_ids(&start);
    let params = shifted(
        start,
        &[(&direction(learner.params(), 1), &uniform_scale(&ids, 0.5))],
    );
    learner.set_params(params.clone());
    let task = regression_task();
    let (g, _) = learner.task_gradient(&task, 9).unwrap();
    let parts = [
        ("meta-weights", param_ids(&params.meta.net)),
        ("shared logits", param_ids(&params.meta.arch)),
        ("encoder", param_ids(&params.encoder)),
        ("controller", param_ids(params.controller.as_ref().unwrap())),
        ("modulator", param_ids(params.modulator.as_ref().unwrap())),
    ];
    let h = 1e-5;
    for (name, part) in parts {
        let d: ParamGrads<F64> = direction(&params, 200)
            .into_iter()
            .filter(|(id, _)| part.contains(id))
            .collect();
        let mut at = |s: f64| {
            learner.set_params(shifted(params.clone(), &[(&d, &uniform_scale(&ids, s))]));
            learner.outer_objective(&task, 9).unwrap()
        };
        let numeric = (at(h) - at(-h)) / (2.0 * h);
        let analytic = dot(&g, &d);
        let err = (analytic - numeric).abs() / numeric.abs().max(1e-8);
        assert!(
            err < 1e-5,
            "{name}: {analytic} vs {numeric}, relative error {err:e}"
        );
    }
}
