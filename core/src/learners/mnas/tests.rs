use burn::backend::Autodiff;
use burn::module::{Module, Param};
use burn::prelude::*;

use super::*;
use crate::learners::MetaLearner;
use crate::posterior::GaussianTensors;
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::{Episode, RegressionTasks};
use crate::CpuBackend;

type AD = Autodiff<CpuBackend>;

fn small_space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.channels = 8;
    space
}

fn host(t: Tensor<CpuBackend, 1>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec::<f32>().unwrap()
}

fn learner(variant: MnasVariant) -> MnasLearner<AD> {
    let config = MnasConfig {
        variant,
        ..Default::default()
    };
    MnasLearner::new(small_space(), config, Default::default()).unwrap()
}

fn task(seed: u64) -> Episode {
    RegressionTasks::default().sample(&mut SeededRng::new(seed))
}

fn embedding(l: &MnasLearner<AD>, rows: &[Vec<f32>]) -> Vec<f32> {
    let (z, _) = l.params().encoder.encode(rows, &Default::default());
    let n = z.dims()[1];
    host(z.reshape([n]))
}

#[test]
fn the_task_embedding_does_not_depend_on_the_order_of_the_support_set() {
    let l = learner(MnasVariant::Full);
    let t = task(3);
    let mut reversed = t.clone();
    let n = t.support.len();
    reversed.support.inputs.reverse();
    if let crate::tasks::Targets::Values(v) = &mut reversed.support.targets {
        v.reverse();
    }
    assert_ne!(reversed.support, t.support);
    let a = embedding(&l, &l.task_rows(&t, 42));
    let b = embedding(&l, &l.task_rows(&reversed, 42));
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
    }
    // Without the permutation step the GRU does see the order: the same pairs fed in two
    // orders give different embeddings (so the check above can fail).
    let rows = pair_rows(l.space(), &t.support, &t.input_shape);
    let backwards: Vec<_> = rows.iter().rev().cloned().collect();
    let (c, d) = (embedding(&l, &rows), embedding(&l, &backwards));
    assert!(c.iter().zip(&d).any(|(x, y)| (x - y).abs() > 1e-4));
    // Another seed, another order (a fresh permutation each meta-step).
    assert_ne!(l.task_rows(&t, 42), l.task_rows(&t, 43));
    assert_eq!(l.task_rows(&t, 42).len(), n);
}

#[test]
fn modulation_multiplies_every_meta_weight_by_its_own_factor() {
    let mut params = learner(MnasVariant::Full).params().clone();
    // Give the modulator a bias that differs per weight, so τ_k differs per k.
    let device = Default::default();
    let modulator = params.modulator.as_mut().unwrap();
    let count = modulator.bias.val().dims()[0];
    let bias = SeededRng::new(5).symmetric_vec(count, 2.0);
    modulator.bias = Param::from_tensor(Tensor::from_data(TensorData::new(bias, [count]), &device));
    let rows = pair_rows(&small_space(), &task(1).support, &[1]);
    let (z, _) = params.encoder.encode(&rows, &device);
    let tau = host(params.modulation(z).unwrap());
    let start = params.task_start(&rows, None).start;
    let before = GaussianTensors::of(&params.meta.net);
    let after = GaussianTensors::of(&start.net);
    let (w, m) = (host(before.mu), host(after.mu));
    assert_eq!(w.len(), count, "one factor per meta-weight");
    assert_eq!(m.len(), count);
    for k in 0..count {
        assert!(
            (m[k] - tau[k] * w[k]).abs() <= 1e-6 * w[k].abs().max(1.0),
            "weight {k}"
        );
        assert!(tau[k] > 0.0 && tau[k] < 2.0);
    }
    assert!(tau.iter().any(|&t| (t - 1.0).abs() > 0.1));
    // σ is untouched, and so is the architecture (no controller change yet: its output
    // layer starts at zero).
    assert_eq!(host(after.sigma), host(before.sigma));
    assert_eq!(
        start.arch.probability_tables(),
        params.meta.arch.probability_tables()
    );
    // Ids are kept, so gradients at the start point are gradients for Θ's meta-network.
    assert_eq!(
        crate::learners::param_ids(&start),
        crate::learners::param_ids(&params.meta)
    );
    let _ = start.num_params();
}

#[test]
fn state_round_trips_with_the_optimiser() {
    let mut l = learner(MnasVariant::Full);
    let batch: Vec<_> = (0..2).map(task).collect();
    l.meta_step(&batch).unwrap();
    let bytes = l.state_bytes().unwrap();
    let mut fresh = learner(MnasVariant::Full);
    fresh.load_state_bytes(&bytes).unwrap();
    assert_eq!(fresh.steps_done(), 1);
    assert_eq!(fresh.parameter_values(), l.parameter_values());
    // The next step is the same from both (Adam's moments came along).
    let next: Vec<_> = (2..4).map(task).collect();
    l.meta_step(&next).unwrap();
    fresh.meta_step(&next).unwrap();
    assert_eq!(fresh.parameter_values(), l.parameter_values());
    assert!(fresh.load_state_bytes(&bytes[..20]).is_err());
    // Another variant's state does not fit.
    let mut other = learner(MnasVariant::Shared);
    assert!(other.load_state_bytes(&bytes).is_err());
}

#[test]
fn adaptation_generates_a_task_architecture_and_leaves_the_learner_unchanged() {
    let mut l = learner(MnasVariant::Full);
    let batch: Vec<_> = (0..4).map(task).collect();
    for _ in 0..3 {
        l.meta_step(&batch).unwrap();
    }
    let before = l.parameter_values();
    let t = task(9);
    let a = l.adapt(&t, 3, 1).unwrap();
    assert_eq!(a.per_step.len(), 4);
    assert_eq!(a.arch_history.len(), 4);
    assert_eq!(a.arch_history[0], l.arch_probabilities());
    // The controller has moved away from zero: the task's α differs from the shared one and
    // stays fixed through the steps (eq. 8 adapts the weights only).
    assert_ne!(a.arch_history[1], a.arch_history[0]);
    assert_eq!(a.arch_history[3], a.arch_history[1]);
    assert!(a.per_step.iter().all(|m| m.mse.is_some_and(f64::is_finite)));
    a.genotype.validate_for(l.space()).unwrap();
    assert_eq!(l.parameter_values(), before);
    assert_eq!(l.adapt(&t, 3, 1).unwrap(), a);
}

#[test]
fn bad_settings_are_refused_with_the_field_named() {
    for (config, field) in [
        (
            MnasConfig {
                embed_dim: 0,
                ..Default::default()
            },
            "learner.embed_dim",
        ),
        (
            MnasConfig {
                path_dropout: 1.0,
                ..Default::default()
            },
            "learner.path_dropout",
        ),
        (
            MnasConfig {
                lr_outer: f64::NAN,
                ..Default::default()
            },
            "learner.lr_outer",
        ),
    ] {
        let err = MnasLearner::<AD>::new(small_space(), config, Default::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(field), "{err}");
    }
}

#[test]
fn single_path_meta_training_moves_the_controller_and_stays_reproducible() {
    let make = || {
        let config = MnasConfig {
            relaxation: crate::posterior::Relaxation::SinglePath,
            ..Default::default()
        };
        MnasLearner::<AD>::new(small_space(), config, Default::default()).unwrap()
    };
    let batch: Vec<_> = (0..4).map(task).collect();
    let (mut a, mut b) = (make(), make());
    let start = a.parameter_values();
    for _ in 0..3 {
        let ra = a.meta_step(&batch).unwrap();
        let rb = b.meta_step(&batch).unwrap();
        assert!(ra.loss.is_finite());
        assert_eq!(ra.loss.to_bits(), rb.loss.to_bits());
    }
    assert_ne!(a.parameter_values(), start);
    assert_eq!(a.parameter_values(), b.parameter_values());
    // The mixture learner takes other steps from the same start.
    let mut mixture = learner(MnasVariant::Full);
    for _ in 0..3 {
        mixture.meta_step(&batch).unwrap();
    }
    assert_ne!(mixture.parameter_values(), a.parameter_values());
    let adapted = a.adapt(&task(9), 3, 1).unwrap();
    assert!(adapted
        .per_step
        .iter()
        .all(|m| m.mse.is_some_and(f64::is_finite)));
}
