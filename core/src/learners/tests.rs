use burn::backend::Autodiff;
use burn::module::{AutodiffModule, Module, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::*;
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::RegressionTasks;
use crate::CpuBackend;

type AD = Autodiff<CpuBackend>;

#[derive(Module, Debug)]
struct Point<B: Backend> {
    w: Param<Tensor<B, 1>>,
}

fn point<B: Backend>(v: &[f32]) -> Point<B> {
    Point {
        w: Param::from_tensor(Tensor::from_data(
            TensorData::new(v.to_vec(), [v.len()]),
            &Default::default(),
        )),
    }
}

fn values<B: Backend>(p: &Point<B>) -> Vec<f32> {
    p.w.val()
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap()
}

#[test]
fn reptile_update_matches_its_closed_form_on_quadratic_tasks() {
    // Task c: L_c(w) = ½‖w − c‖². T SGD steps of rate η from W give
    // w_T = c + (1 − η)^T (W − c), so W ← W + λ · mean_c (1 − (1 − η)^T)(c − W).
    let (eta, steps, lambda) = (0.3f64, 4, 0.5f64);
    let w0 = [1.0f32, -2.0];
    let targets = [[3.0f32, 0.0], [-1.0, 4.0], [0.5, 0.5]];
    let w = point::<CpuBackend>(&w0);
    let mut copies = Vec::new();
    for c in &targets {
        // Task copies come from W, so their parameters keep W's ids.
        let mut q: Point<AD> = trainable(w.clone());
        let target =
            Tensor::<AD, 1>::from_data(TensorData::new(c.to_vec(), [2]), &Default::default());
        for _ in 0..steps {
            let loss = (q.w.val() - target.clone()).powi_scalar(2).sum() * 0.5;
            let mut grads = loss.backward();
            let mut g = GradientsParams::from_module(&mut grads, &q);
            q = sgd_step(q, &mut g, eta);
        }
        copies.push(q.valid());
    }
    let updated = interpolate_towards_mean(w, &copies, lambda);
    let shrink = 1.0 - (1.0 - eta).powi(steps);
    for (d, got) in values(&updated).iter().enumerate() {
        let mean_c: f64 = targets.iter().map(|c| c[d] as f64).sum::<f64>() / 3.0;
        let expect = w0[d] as f64 + lambda * shrink * (mean_c - w0[d] as f64);
        assert!(
            (*got as f64 - expect).abs() < 1e-5,
            "dim {d}: {got} vs {expect}"
        );
    }
}

fn regression_space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.channels = 32;
    space
}

fn reptile(config: &ReptileConfig) -> GradientLearner<AD> {
    GradientLearner::new(
        regression_space(),
        Plan::reptile(config).unwrap(),
        Default::default(),
    )
    .unwrap()
}

fn regression_learner(seed: u64) -> GradientLearner<AD> {
    let config = BaseConfig {
        inner_steps: 10,
        lr_weights: 0.005,
        lr_arch: 0.01,
        init: crate::posterior::PosteriorInit {
            seed,
            sigma: 0.05,
            ..Default::default()
        },
        meta_lr: 1.0,
        seed,
        threads: 2,
        ..Default::default()
    };
    GradientLearner::new(regression_space(), Plan::base(&config), Default::default()).unwrap()
}

#[test]
fn adaptation_reports_every_step_and_leaves_the_learner_unchanged() {
    let learner = regression_learner(1);
    let task = RegressionTasks::default().sample(&mut SeededRng::new(4));
    let before = learner.arch_probabilities();
    let a = learner.adapt(&task, 3, 7).unwrap();
    assert_eq!(a.per_step.len(), 4);
    assert_eq!(a.arch_history.len(), 4);
    assert_eq!(a.arch_history[0], before);
    assert_ne!(
        a.arch_history[3], before,
        "the architecture should move during adaptation"
    );
    assert_eq!(learner.arch_probabilities(), before);
    assert_eq!(a.weight_sketch.len(), SKETCH_DIM);
    a.genotype.validate_for(learner.space()).unwrap();
    assert!(a.per_step.iter().all(|m| m.mse.is_some_and(f64::is_finite)));
    // Same seed, same adaptation.
    assert_eq!(learner.adapt(&task, 3, 7).unwrap(), a);
}

#[test]
fn state_round_trips() {
    let mut learner = regression_learner(2);
    let tasks: Vec<_> = (0..2)
        .map(|i| RegressionTasks::default().sample(&mut SeededRng::new(i)))
        .collect();
    learner.meta_step(&tasks).unwrap();
    let bytes = learner.state_bytes().unwrap();
    let mut fresh = regression_learner(99);
    fresh.load_state_bytes(&bytes).unwrap();
    assert_eq!(fresh.steps_done(), 1);
    assert_eq!(fresh.arch_probabilities(), learner.arch_probabilities());
    assert!(fresh.load_state_bytes(&bytes[..20]).is_err());
}

#[test]
fn a_task_from_an_unknown_source_with_the_wrong_shape_is_refused() {
    let learner = regression_learner(3);
    let mut task = RegressionTasks::default().sample(&mut SeededRng::new(0));
    task.input_shape = vec![2];
    let err = learner.adapt(&task, 1, 0).unwrap_err().to_string();
    assert!(
        err.contains("input `x` expects examples of shape [1], the task has [2]"),
        "{err}"
    );
}

#[test]
fn frozen_arch_adaptation_steps_the_weights_only() {
    let learner = regression_learner(1);
    let task = RegressionTasks::default().sample(&mut SeededRng::new(4));
    let free = learner.adapt(&task, 2, 7).unwrap();
    let frozen = learner.adapt_frozen_arch(&task, 2, 7).unwrap();
    // The architecture stays at the meta-network's through every step...
    assert!(frozen
        .arch_history
        .iter()
        .all(|t| *t == learner.arch_probabilities()));
    assert_ne!(free.arch_history[2], free.arch_history[0]);
    // ...while the weights take the same steps as long as the architecture agrees: the
    // first step starts from the same point with the same noise in both.
    let one = |a: fn(&GradientLearner<AD>, &_, usize, u64) -> Result<Adaptation, _>| {
        a(&learner, &task, 1, 7).unwrap()
    };
    assert_eq!(
        one(GradientLearner::adapt).weight_sketch,
        one(GradientLearner::adapt_frozen_arch).weight_sketch
    );
    assert_ne!(free.weight_sketch, frozen.weight_sketch);
    assert_eq!(free.per_step[0], frozen.per_step[0]);
}

#[test]
fn an_annealed_meta_step_size_scales_the_interpolation() {
    // Reptile's update W + λ (mean_c W_c − W) is linear in λ for a fixed W and batch, so the
    // second meta-step of a run annealing λ from 1 to 0 over 2 steps (λ = ½) must move W half
    // as far as a constant λ = 1 from the same state, and the third (λ = 0) not at all.
    let reptile = |anneal| {
        let config = ReptileConfig {
            inner_steps: 3,
            lr_weights: 0.005,
            meta_lr: 1.0,
            meta_lr_anneal: anneal,
            threads: 1,
            ..Default::default()
        };
        GradientLearner::<AD>::new(
            regression_space(),
            Plan::reptile(&config).unwrap(),
            Default::default(),
        )
        .unwrap()
    };
    let batch = |seed: u64| -> Vec<_> {
        (0..2)
            .map(|i| RegressionTasks::default().sample(&mut SeededRng::new(seed * 10 + i)))
            .collect()
    };
    let mut annealed = reptile(Some(MetaLrAnneal { end: 0.0, steps: 2 }));
    annealed.meta_step(&batch(0)).unwrap();
    let state = annealed.state_bytes().unwrap();
    let start = annealed.parameter_values();
    let mut constant = reptile(None);
    constant.load_state_bytes(&state).unwrap();
    annealed.meta_step(&batch(1)).unwrap();
    constant.meta_step(&batch(1)).unwrap();
    let (half, full) = (annealed.parameter_values(), constant.parameter_values());
    let mut moved = 0.0f64;
    for ((s, h), f) in start.iter().zip(&half).zip(&full) {
        let (dh, df) = ((h - s) as f64, (f - s) as f64);
        assert!(
            (dh - 0.5 * df).abs() < 1e-6 + 1e-4 * df.abs(),
            "{dh} vs ½·{df}"
        );
        moved += df.abs();
    }
    assert!(moved > 1e-3, "the constant-λ step should move W");
    annealed.meta_step(&batch(2)).unwrap();
    assert_eq!(annealed.parameter_values(), half);
}

#[test]
fn reptiles_meta_step_reports_the_query_mse_its_inner_loop_reaches() {
    // Reptile's inner loop on a task is adaptation to that task (the same SGD steps on the
    // same support points from the same meta-network, nothing sampled), so the query MSE a
    // meta-step reports for a batch of one task must be the one `adapt` reaches after as many
    // steps from the state before that meta-step.
    let config = ReptileConfig {
        inner_steps: 3,
        lr_weights: 0.005,
        threads: 1,
        ..Default::default()
    };
    let mut learner = reptile(&config);
    let task = RegressionTasks::default().sample(&mut SeededRng::new(6));
    let adapted = learner.adapt(&task, 3, 0).unwrap();
    let (before, after) = (adapted.per_step[0].mse, adapted.per_step[3].mse);
    let report = learner.meta_step(std::slice::from_ref(&task)).unwrap();
    assert_eq!(report.mse, after);
    assert!(after < before, "{after:?} vs {before:?}");
    assert!(report.accuracy.is_none());
}

#[test]
fn clipping_scales_only_the_named_parameters_and_only_when_longer() {
    let d = Default::default();
    let t =
        |v: &[f32]| Tensor::<CpuBackend, 1>::from_data(TensorData::new(v.to_vec(), [v.len()]), &d);
    let (a, b) = (ParamId::new(), ParamId::new());
    let host = |g: &ParamGrads<CpuBackend>, id| g[&id].clone().into_data().to_vec::<f32>().unwrap();
    // (3, 4) has norm 5: clipped to 1 it is (0.6, 0.8); b is not named and keeps its value.
    let g = ParamGrads::from([(a, t(&[3.0, 4.0])), (b, t(&[100.0]))]);
    let c = grads::clip_norm_of(g, &[a], 1.0);
    let ca = host(&c, a);
    assert!(
        (ca[0] - 0.6).abs() < 1e-6 && (ca[1] - 0.8).abs() < 1e-6,
        "{ca:?}"
    );
    assert_eq!(host(&c, b), vec![100.0]);
    // Shorter than the bound: unchanged.
    let g = ParamGrads::from([(a, t(&[3.0, 4.0]))]);
    assert_eq!(host(&grads::clip_norm_of(g, &[a], 6.0), a), vec![3.0, 4.0]);
}

#[test]
fn a_clipped_inner_step_moves_the_weights_by_the_rate_times_the_bound() {
    // One inner step from W with λ = 1 lands the meta-network on W − lr · g; with the weight
    // gradient clipped to norm c, the weights move by exactly lr · c (when ‖g‖ > c).
    let (lr, clip) = (1.0, 0.5);
    let moved = |grad_clip| {
        let config = ReptileConfig {
            inner_steps: 1,
            lr_weights: lr,
            meta_lr: 1.0,
            grad_clip,
            threads: 1,
            ..Default::default()
        };
        let mut learner = reptile(&config);
        let before = learner.parameter_values();
        let task = RegressionTasks::default().sample(&mut SeededRng::new(6));
        learner.meta_step(std::slice::from_ref(&task)).unwrap();
        let after = learner.parameter_values();
        before
            .iter()
            .zip(&after)
            .map(|(x, y)| f64::from(x - y).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let free = moved(None);
    assert!(
        free > 4.0 * lr * clip,
        "the gradient must be longer than the bound: {free}"
    );
    let clipped = moved(Some(clip));
    assert!(
        (clipped - lr * clip).abs() < 1e-4 * lr * clip,
        "moved {clipped}, expected {}",
        lr * clip
    );
}
