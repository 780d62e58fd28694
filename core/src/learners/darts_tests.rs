//! DARTS from scratch: the halves, one step against finite differences of the two losses,
//! and a search on a regression task.

use std::collections::HashMap;

use burn::backend::Autodiff;
use burn::module::ParamId;
use burn::prelude::*;

use super::grads::host_scalar;
use super::*;
use crate::nn::WeightMode;
use crate::posterior::{ArchUse, Posterior, Relaxation};
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::{Batch, RegressionTasks, Targets};
use crate::CpuBackend;

type AD = Autodiff<CpuBackend>;
type Q = Posterior<CpuBackend>;

fn tiny_space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.channels = 4;
    space
}

#[test]
fn halves_alternate_within_each_class_and_share_single_examples() {
    let support = Batch {
        inputs: (0..12).map(|v| v as f32).collect(),
        targets: Targets::Classes(vec![0, 0, 1, 1, 1, 2]),
        sample_ids: vec![10, 11, 12, 13, 14, 15],
    };
    let (train, val) = darts_halves(&support);
    assert_eq!(train.targets, Targets::Classes(vec![0, 1, 1, 2]));
    assert_eq!(train.inputs, vec![0., 1., 4., 5., 8., 9., 10., 11.]);
    assert_eq!(train.sample_ids, vec![10, 12, 14, 15]);
    assert_eq!(val.targets, Targets::Classes(vec![0, 1, 2]));
    assert_eq!(val.inputs, vec![2., 3., 6., 7., 10., 11.]);
    let values = Batch {
        inputs: vec![0.5, 1.5, 2.5, 3.5, 4.5],
        targets: Targets::Values(vec![1., 2., 3., 4., 5.]),
        sample_ids: vec![],
    };
    let (train, val) = darts_halves(&values);
    assert_eq!(train.inputs, vec![0.5, 2.5, 4.5]);
    assert_eq!(val.targets, Targets::Values(vec![2., 4.]));
}

fn loss(q: &Q, batch: &Batch) -> f64 {
    let x = batch.input_tensor::<CpuBackend>(&[1], &Default::default());
    let out = q
        .forward_with(
            x,
            0,
            ArchUse::Mixture,
            WeightMode::Mean,
            &mut SeededRng::new(0),
        )
        .unwrap();
    host_scalar(task_loss(out, batch))
}

fn values(t: &Tensor<CpuBackend, 1>) -> Vec<f32> {
    t.clone().into_data().convert::<f32>().to_vec().unwrap()
}

/// The central difference of `loss(batch)` in entry `k` of parameter `id`.
fn fd(q: &Q, id: ParamId, k: usize, batch: &Batch) -> f64 {
    let n = flat_params(q)[&id].dims()[0];
    let mut one = vec![0.0f32; n];
    one[k] = 1.0;
    let dir: ParamGrads<CpuBackend> = HashMap::from([(
        id,
        Tensor::from_data(TensorData::new(one, [n]), &Default::default()),
    )]);
    let h = 1e-3;
    let at = |s: f64| {
        loss(
            &shifted(q.clone(), &[(&dir, &HashMap::from([(id, s)]))]),
            batch,
        )
    };
    (at(h) - at(-h)) / (2.0 * h)
}

/// The supernet before and after the first of 10 steps on a regression task, and the halves.
fn one_step(config: &DartsConfig) -> (Q, Q, Batch, Batch) {
    let search = DartsSearch::<AD>::new(tiny_space(), config.clone(), Default::default());
    let task = RegressionTasks::default().sample(&mut SeededRng::new(3));
    let (train, val) = darts_halves(&task.support);
    let start = search.start(1);
    let q0 = start.q.clone();
    let q1 = search
        .step(start, (&train, &val), &[1], 0, (0, 10))
        .unwrap()
        .q;
    (q0, q1, train, val)
}

#[test]
fn one_step_moves_the_architecture_on_validation_then_the_weights_on_training() {
    let config = DartsConfig {
        weight_decay: 0.01,
        grad_clip: 0.0,
        ..Default::default()
    };
    let (q0, q1, train, val) = one_step(&config);
    let (p0, p1) = (flat_params(&q0), flat_params(&q1));
    // Architecture: Adam's first step is lr · ĝ/(|ĝ| + 1e-8), ĝ = ∂L_val/∂φ + 1e-3 φ, so each
    // logit moves by 3e-4 against the sign of the validation gradient.
    let mut checked = 0;
    for id in param_ids(&q0.arch) {
        let (a0, a1) = (values(&p0[&id]), values(&p1[&id]));
        for k in 0..a0.len() {
            let g = fd(&q0, id, k, &val) + config.arch_weight_decay * a0[k] as f64;
            if g.abs() < 1e-3 {
                continue;
            }
            let moved = (a1[k] - a0[k]) as f64;
            assert!(
                (moved + config.lr_arch * g.signum()).abs() < 1e-6,
                "logit {k}: moved {moved}, validation gradient {g}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} logits had a clear gradient");
    // Weights: w ← w − lr · (∂L_train/∂w + decay · w), the gradient taken at the updated
    // architecture; checked on the entries with the largest steps.
    let at_new_arch = shifted(
        q0.clone(),
        &[(
            &axpy(&p1, -1.0, &p0),
            &uniform_scale(&param_ids(&q0.arch), 1.0),
        )],
    );
    let lr = config.lr_at(0, 10);
    assert_eq!(lr, config.lr_weights);
    let mut steps: Vec<(f64, ParamId, usize, f64)> = Vec::new();
    for id in param_ids(&q0.net) {
        let (w0, w1) = (values(&p0[&id]), values(&p1[&id]));
        for k in 0..w0.len() {
            steps.push((((w1[k] - w0[k]) as f64).abs(), id, k, w0[k] as f64));
        }
    }
    steps.sort_by(|a, b| b.0.total_cmp(&a.0));
    for &(size, id, k, w) in steps.iter().take(8) {
        let expected = lr * (fd(&at_new_arch, id, k, &train) + config.weight_decay * w);
        assert!(
            (size - expected.abs()).abs() < 0.02 * expected.abs() + 1e-6,
            "weight step {size} vs finite differences {expected}"
        );
    }
}

#[test]
fn the_weights_gradient_is_clipped_before_weight_decay() {
    let config = DartsConfig {
        weight_decay: 0.01,
        grad_clip: 0.5,
        lr_arch: 0.0,
        ..Default::default()
    };
    let (q0, q1, _, _) = one_step(&config);
    // Δw = −lr (ĝ + decay w) with ‖ĝ‖ = 0.5 (the unclipped gradient is longer). The σ
    // parameters get no gradient with mean weights and stay where they are.
    let (p0, p1) = (flat_params(&q0), flat_params(&q1));
    let mut sq = 0.0;
    for id in param_ids(&q0.net) {
        let (w0, w1) = (values(&p0[&id]), values(&p1[&id]));
        if w0 == w1 {
            continue;
        }
        for k in 0..w0.len() {
            let g = -((w1[k] - w0[k]) as f64) / config.lr_weights - 0.01 * w0[k] as f64;
            sq += g * g;
        }
    }
    assert!((sq.sqrt() - 0.5).abs() < 1e-3, "clipped norm {}", sq.sqrt());
}

#[test]
fn a_search_lowers_the_query_mse_of_a_regression_task_and_reports_every_step() {
    // DARTS' 0.025 is for cross-entropy; these targets reach ±5 and square errors of 50, and
    // a smaller rate settles within 40 steps.
    let config = DartsConfig {
        lr_weights: 0.002,
        lr_weights_min: 0.0,
        ..Default::default()
    };
    let search = DartsSearch::<AD>::new(tiny_space(), config, Default::default());
    let task = RegressionTasks::default().sample(&mut SeededRng::new(8));
    let a = search.search(&task, 40, 2).unwrap();
    assert_eq!(a.per_step.len(), 41);
    assert_eq!(a.arch_history.len(), 41);
    let first = a.per_step[0].mse.unwrap();
    let last = a.per_step[40].mse.unwrap();
    assert!(last < 0.5 * first, "query MSE {first} -> {last}");
    assert_ne!(a.arch_history[0], a.arch_history[40]);
    a.genotype.validate_for(&tiny_space()).unwrap();
    assert_eq!(
        search.search(&task, 40, 2).unwrap(),
        a,
        "same seed, same search"
    );
    let other = search.search(&task, 0, 3).unwrap();
    assert_ne!(
        other.per_step[0], a.per_step[0],
        "each seed its own initial values"
    );
    // The shared protocol takes it like any adaptation, with the same report whether its
    // tasks run one or two at a time.
    let report = |threads| {
        evaluate_with(
            |t, s| search.search(t, 3, s),
            3,
            0,
            threads,
            |i| Ok(RegressionTasks::default().sample(&mut SeededRng::new(i as u64))),
        )
        .unwrap()
    };
    let one = report(1);
    assert_eq!((one.metric.as_str(), one.per_step.len()), ("mse", 4));
    assert_eq!(report(2), one);
    let mut wrong = task.clone();
    wrong.input_shape = vec![3];
    let err = search.search(&wrong, 1, 0).unwrap_err().to_string();
    assert!(err.contains("expects examples of shape [1]"), "{err}");
}

#[test]
fn a_single_path_search_lowers_the_query_mse_and_is_reproducible() {
    // GDAS: one sampled op per edge; its weights get the whole gradient (z = 1), so the rate
    // is a third of the mixture's above over the tiny space's ops.
    let config = DartsConfig {
        lr_weights: 0.0007,
        lr_weights_min: 0.0,
        relaxation: Relaxation::SinglePath,
        ..Default::default()
    };
    let search = DartsSearch::<AD>::new(tiny_space(), config, Default::default());
    let task = RegressionTasks::default().sample(&mut SeededRng::new(8));
    let a = search.search(&task, 40, 2).unwrap();
    let first = a.per_step[0].mse.unwrap();
    let last = a.per_step[40].mse.unwrap();
    assert!(last < 0.5 * first, "query MSE {first} -> {last}");
    assert_ne!(a.arch_history[0], a.arch_history[40]);
    assert_eq!(
        search.search(&task, 40, 2).unwrap(),
        a,
        "same seed, same search"
    );
    // The same start values searched on the mixture end elsewhere.
    let mixture = DartsSearch::<AD>::new(
        tiny_space(),
        DartsConfig {
            relaxation: Relaxation::Softmax,
            ..search.config().clone()
        },
        Default::default(),
    )
    .search(&task, 40, 2)
    .unwrap();
    assert_ne!(mixture.per_step[40], a.per_step[40]);
}
