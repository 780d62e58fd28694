use burn::backend::Autodiff;
use burn::module::{AutodiffModule, Module, Param};
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

/// The initial values of the learning tests' networks.
fn seeded_init() -> crate::posterior::PosteriorInit {
    crate::posterior::PosteriorInit {
        seed: 5,
        sigma: 0.05,
        ..Default::default()
    }
}

/// The regression space at 16 channels (the shorter learning tests).
fn narrow_regression_space() -> SearchSpace {
    let mut space = regression_space();
    space.channels = 16;
    space
}

fn regression_space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.channels = 32;
    space
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

/// Post-adaptation query MSE (5 steps) on 30 held-out tasks of a fresh learner and of the same
/// learner after `steps` meta-steps of 4 tasks: the meta-trained mean must be below
/// `max_ratio` times the untrained one. The paired per-task gain is printed too (its CI is
/// wide: a meta-learned offset helps most tasks and hurts a few).
pub(crate) fn meta_training_lowers_regression_mse<L: MetaLearner>(
    make: impl Fn() -> L,
    steps: usize,
    max_ratio: f64,
) {
    let tasks = RegressionTasks::default();
    let held_out: Vec<_> = (0..30)
        .map(|i| tasks.sample(&mut SeededRng::new(50_000 + i)))
        .collect();
    let mse_after = |learner: &L| -> Vec<f64> {
        held_out
            .iter()
            .enumerate()
            .map(|(i, task)| {
                let a = learner.adapt(task, 5, 1000 + i as u64).unwrap();
                a.per_step.last().and_then(|m| m.mse).unwrap_or(f64::NAN)
            })
            .collect()
    };
    let untrained = MeanCi::of(&mse_after(&make()));
    let mut learner = make();
    // METANAS_LEARNING_SEED changes the meta-training tasks: these inner loops amplify a
    // last-bit difference a long way, so a run on another CPU (or beside other tests in one
    // process) behaves like another seed; thresholds are set from several seeds.
    let seed = std::env::var("METANAS_LEARNING_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(77);
    let mut rng = SeededRng::new(seed);
    for _ in 0..steps {
        let batch: Vec<_> = (0..4).map(|_| tasks.sample(&mut rng)).collect();
        learner.meta_step(&batch).unwrap();
    }
    let trained = MeanCi::of(&mse_after(&learner));
    eprintln!(
        "{}: post-adaptation MSE untrained {untrained:?}, meta-trained {trained:?}",
        learner.name(),
    );
    // The same network, the same adaptation (5 SGD steps on the 10 support points), the same
    // held-out tasks (queries on the [-5, 5] grid): meta-training must lower the query MSE.
    assert!(
        trained.mean < max_ratio * untrained.mean,
        "meta-trained {trained:?} vs untrained {untrained:?}"
    );
}

#[test]
fn short_base_meta_training_lowers_post_adaptation_mse_on_regression() {
    // 16 channels and kl_scale 0.1: with σ = 0.05 the full per-sample KL (curvature
    // 1/(n σ²) = 20 on 20 examples) holds each task posterior close to W during its 10 inner
    // steps, so 60 meta-steps would barely move W. Measured here: 15.5 → 10.9 (0.70×) when
    // the test runs alone, 15.5 → 13.6 (0.875×) once among the whole suite: Burn's CPU
    // kernels round differently when other tests run in the same process, and these inner
    // loops amplify a last-bit difference a long way (see core/tests/devices.rs). Over
    // METANAS_LEARNING_SEED = 1, 2, 3: 0.76, 0.73, 0.64. Hence 0.9.
    let make = || {
        let config = BaseConfig {
            inner_steps: 10,
            lr_weights: 0.01,
            kl_scale: 0.1,
            meta_lr: 0.5,
            init: seeded_init(),
            seed: 5,
            ..Default::default()
        };
        GradientLearner::<AD>::new(
            narrow_regression_space(),
            Plan::base(&config),
            Default::default(),
        )
        .unwrap()
    };
    meta_training_lowers_regression_mse(make, 60, 0.9);
}

#[test]
fn short_maml_meta_training_lowers_post_adaptation_mse_on_regression() {
    let config = MamlConfig {
        inner_steps: 5,
        lr_weights: 0.005,
        outer_lr: 1e-2,
        ..Default::default()
    };
    let plan = Plan::maml(&config).unwrap();
    assert_eq!(plan.meta_gradient(), Some(MetaGradient::Auto));
    let make = || GradientLearner::<AD>::new(regression_space(), plan.clone(), Default::default());
    assert_eq!(
        make().unwrap().plan().meta_gradient(),
        Some(MetaGradient::Exact)
    );
    // Measured over METANAS_LEARNING_SEED = 77, 1, 2, 3: 0.77, 0.78, 0.91, 0.82 of the
    // untrained MSE (outer rate 5e-3 was no steadier: 0.86, 0.88, 0.77 on seeds 1-3).
    meta_training_lowers_regression_mse(|| make().unwrap(), 150, 0.95);
}

#[test]
fn short_reptile_meta_training_lowers_post_adaptation_mse_on_regression() {
    let config = ReptileConfig {
        inner_steps: 10,
        // Inner rate 0.01 diverged on training seeds 77, 1 and 4 once the CPU loops changed
        // the last bits (up to 1e13x the untrained MSE); 0.005 (the example config's rate)
        // gives 0.80, 0.78, 0.81, 0.82, 0.90 on seeds 77, 1, 2, 3, 4.
        lr_weights: 0.005,
        // λ = 1 diverged on some training seeds (METANAS_LEARNING_SEED 1: 1.38x the untrained
        // MSE, 2: NaN).
        meta_lr: 0.5,
        ..Default::default()
    };
    let plan = Plan::reptile(&config).unwrap();
    meta_training_lowers_regression_mse(
        || {
            GradientLearner::<AD>::new(regression_space(), plan.clone(), Default::default())
                .unwrap()
        },
        100,
        0.95,
    );
}

#[test]
fn short_base_few_shot_meta_training_lowers_post_adaptation_mse_on_regression() {
    // 002 appendix A: Adam on the query loss plus KL through 5 inner steps. Plain softmax
    // and mean weights (the paper's ablation settings) keep the gradient noise low enough
    // for a short run. Measured over METANAS_LEARNING_SEED = 77, 1, 2, 3, 4 (a CI machine's
    // rounding acts like another seed): 0.74, 0.79, 0.84, 0.82, 0.86 of the untrained MSE
    // with kl_scale 0.01 (with 0.1: up to 0.93, one CI run 0.91).
    let make = || {
        let config = BaseFewShotConfig {
            inner_steps: 5,
            lr_weights: 0.005,
            lr_arch: 0.01,
            outer_lr_weights: 1e-2,
            outer_lr_arch: 3e-3,
            relaxation: crate::posterior::Relaxation::Softmax,
            weights: crate::nn::WeightMode::Mean,
            kl_scale: 0.01,
            init: seeded_init(),
            seed: 5,
            ..Default::default()
        };
        let plan = Plan::base_few_shot(&config);
        GradientLearner::<AD>::new(narrow_regression_space(), plan, Default::default()).unwrap()
    };
    meta_training_lowers_regression_mse(make, 150, 0.92);
}
