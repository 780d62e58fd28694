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
use metanas_core::rng::SeededRng;
use metanas_core::tasks::{Batch, Episode, Targets};

#[test]
fn mnas_gradient_through_encoder_controller_and_modulator_matches_central_differences() {
    // Eq. 9 for one task: query loss after S inner steps from (α_i, τ_i ⊙ w̃) plus β L_r, as a
    // function of each part of Θ, with path dropout on (its mask is fixed by the seed).
    let space = tiny_vector_space();
    let config = tiny_config(11);
    let mut learner = MnasLearner::<AD64>::new(space, config, Default::default()).unwrap();
    let params = moved_params(&mut learner, 1);
    let task = regression_task();
    let (g, _) = learner.task_gradient(&task, 9).unwrap();
    assert_matches_central_differences(&mut learner, &params, &g, &task, (9, 200));
}

/// With `inner_head = "prototypes"` (Proto-MAML) the head of the inner loop's start is made
/// from the support's class prototypes in the task network's features, so eq. 9's query loss
/// depends on Θ through them as well: the meta-gradient must match central differences of
/// that objective, and the meta-network's own head (overwritten at every start) gets none.
#[test]
fn mnas_gradient_through_the_prototype_head_matches_central_differences() {
    let mut space = tiny_vector_space();
    space.inputs[0].channels = 2;
    space.num_outputs = 3;
    let config = MnasConfig {
        inner_head: HeadInit::Prototypes,
        ..tiny_config(12)
    };
    let mut learner = MnasLearner::<AD64>::new(space, config, Default::default()).unwrap();
    let params = moved_params(&mut learner, 2);
    let task = classification_task();
    let (g, _) = learner.task_gradient(&task, 5).unwrap();
    let head = &params.meta.net.head;
    assert!(!g.contains_key(&head.weight.mu.id) && !g.contains_key(&head.bias.mu.id));
    assert_matches_central_differences(&mut learner, &params, &g, &task, (5, 300));
}

/// A tiny M-NAS with exact meta-gradients and path dropout on (its mask is fixed by the
/// seed), initial values of seed `init_seed`.
fn tiny_config(init_seed: u64) -> MnasConfig {
    MnasConfig {
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
            seed: init_seed,
        },
        ..Default::default()
    }
}

/// Moves Θ off its initial values (the controller's output and the modulator start at zero)
/// along a random direction of seed `seed`, and returns the moved Θ.
fn moved_params(learner: &mut MnasLearner<AD64>, seed: u64) -> MnasParams<F64> {
    let start = learner.params().clone();
    let ids = param_ids(&start);
    let params = shifted(
        start,
        &[(
            &direction(learner.params(), seed),
            &uniform_scale(&ids, 0.5),
        )],
    );
    learner.set_params(params.clone());
    params
}

/// For each part of Θ: the meta-gradient `g` (of the task's outer objective with the noise of
/// seeds.0) along a random direction (seed seeds.1) within that part, against central
/// differences of the objective.
fn assert_matches_central_differences(
    learner: &mut MnasLearner<AD64>,
    params: &MnasParams<F64>,
    g: &ParamGrads<F64>,
    task: &Episode,
    (seed, direction_seed): (u64, u64),
) {
    let ids = param_ids(params);
    let parts = [
        ("meta-weights", param_ids(&params.meta.net)),
        ("shared logits", param_ids(&params.meta.arch)),
        ("encoder", param_ids(&params.encoder)),
        ("controller", param_ids(params.controller.as_ref().unwrap())),
        ("modulator", param_ids(params.modulator.as_ref().unwrap())),
    ];
    let h = 1e-5;
    for (name, part) in parts {
        let d: ParamGrads<F64> = direction(params, direction_seed)
            .into_iter()
            .filter(|(id, _)| part.contains(id))
            .collect();
        let mut at = |s: f64| {
            learner.set_params(shifted(params.clone(), &[(&d, &uniform_scale(&ids, s))]));
            learner.outer_objective(task, seed).unwrap()
        };
        let numeric = (at(h) - at(-h)) / (2.0 * h);
        let analytic = dot(g, &d);
        let err = (analytic - numeric).abs() / numeric.abs().max(1e-8);
        assert!(
            err < 1e-5,
            "{name}: {analytic} vs {numeric}, relative error {err:e}"
        );
    }
}

/// A 3-way task of 2-feature inputs, 2 support and 2 query examples a class, drawn around
/// three centres.
fn classification_task() -> Episode {
    let mut rng = SeededRng::new(8);
    let centres = [[1.0f32, 0.0], [-0.5, 0.8], [-0.5, -0.8]];
    let mut batch = || {
        let labels: Vec<usize> = (0..6).map(|i| i % 3).collect();
        let noise = rng.normal_vec(12);
        let inputs = labels
            .iter()
            .enumerate()
            .flat_map(|(i, &c)| {
                [
                    centres[c][0] + 0.3 * noise[2 * i],
                    centres[c][1] + 0.3 * noise[2 * i + 1],
                ]
            })
            .collect();
        Batch {
            inputs,
            targets: Targets::Classes(labels),
            sample_ids: Vec::new(),
        }
    };
    let (support, query) = (batch(), batch());
    Episode {
        source: 0,
        source_name: "x".into(),
        input_shape: vec![2],
        classes: vec![0, 1, 2],
        support,
        query,
        function: None,
    }
}
