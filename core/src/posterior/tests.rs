use burn::backend::Autodiff;
use burn::prelude::*;

use super::*;
use crate::nn::WeightMode;
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::CpuBackend as B;

type AD = Autodiff<B>;

fn tensor1(values: &[f32]) -> Tensor<B, 1> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [values.len()]),
        &Default::default(),
    )
}

fn scalar<Bk: Backend>(t: Tensor<Bk, 1>) -> f64 {
    t.into_data().convert::<f64>().to_vec::<f64>().unwrap()[0]
}

/// `rows` copies of the logits `phi`, relaxed once.
fn draws(phi: &[f32], rows: usize, relaxation: Relaxation, tau: f64) -> Vec<Vec<f32>> {
    let values: Vec<f32> = (0..rows).flat_map(|_| phi.iter().copied()).collect();
    let logits = Tensor::<B, 2>::from_data(
        TensorData::new(values, [rows, phi.len()]),
        &Default::default(),
    );
    let dead = vec![false; rows * phi.len()];
    let z = ArchLogits::<B>::relax_one(logits, &dead, relaxation, tau, &mut SeededRng::new(42)).0;
    to_table(z)
}

fn softmax_host(phi: &[f32]) -> Vec<f64> {
    let m = phi.iter().cloned().fold(f32::MIN, f32::max) as f64;
    let e: Vec<f64> = phi.iter().map(|&v| (v as f64 - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[test]
fn gumbel_argmax_frequencies_match_softmax_at_small_tau() {
    let phi = [1.0f32, 0.0, -1.0, 0.5];
    let n = 40_000;
    let z = draws(&phi, n, Relaxation::Gumbel, 0.05);
    let mut counts = [0usize; 4];
    let mut max_mass = 0.0;
    for row in &z {
        let (arg, max) =
            row.iter().enumerate().fold(
                (0, f32::MIN),
                |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
            );
        counts[arg] += 1;
        max_mass += max as f64;
    }
    let expect = softmax_host(&phi);
    for k in 0..4 {
        let freq = counts[k] as f64 / n as f64;
        // Binomial standard error is at most 0.0025 here: allow 4 of them.
        assert!(
            (freq - expect[k]).abs() < 0.01,
            "op {k}: {freq} vs {}",
            expect[k]
        );
    }
    // At τ = 0.05 the samples are almost one-hot.
    assert!(max_mass / n as f64 > 0.97, "{}", max_mass / n as f64);
}

#[test]
fn gumbel_samples_approach_uniform_at_large_tau() {
    let phi = [2.0f32, 0.0, -2.0];
    for row in draws(&phi, 2_000, Relaxation::Gumbel, 1_000.0) {
        for v in row {
            assert!((v - 1.0 / 3.0).abs() < 0.01, "{v}");
        }
    }
}

#[test]
fn softmax_and_hard_relaxations() {
    let phi = [1.0f32, 0.0, -1.0];
    let expect = softmax_host(&phi);
    for row in draws(&phi, 3, Relaxation::Softmax, 0.1) {
        for k in 0..3 {
            assert!((row[k] as f64 - expect[k]).abs() < 1e-6);
        }
    }
    for row in draws(&phi, 50, Relaxation::HardGumbel, 1.0) {
        let mut sorted = row.clone();
        sorted.sort_by(f32::total_cmp);
        assert!(
            sorted[0].abs() < 1e-6 && sorted[1].abs() < 1e-6 && (sorted[2] - 1.0).abs() < 1e-6,
            "{row:?}"
        );
    }
}

#[test]
fn switched_off_ops_get_zero_probability() {
    let mut space = SearchSpace::default_image();
    space.constraints.push(crate::space::Constraint {
        cell: crate::space::CellKind::Normal,
        from: 0,
        to: 2,
        op: Some(crate::space::Op::SepConv3x3),
    });
    let arch = ArchLogits::<B>::init(&space, 1.0, &mut SeededRng::new(1), &Default::default());
    let col = space.op_index(crate::space::Op::SepConv3x3).unwrap();
    let z = to_table(
        arch.sample(Relaxation::Gumbel, 0.5, &mut SeededRng::new(2))
            .normal,
    );
    assert_eq!(z[0][col], 0.0);
    assert!((z[0].iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(z[1][col] > 0.0);
}

#[test]
fn gaussian_kl_matches_hand_computation() {
    // KL(N(1, 0.5²) ‖ N(0, 1)) = ln 2 + (0.25 + 1)/2 − 1/2 = 0.818147...
    // KL(N(0, 2²) ‖ N(1, 1)) = ln 0.5 + (4 + 1)/2 − 1/2 = 1.306853...
    let kl = gaussian_kl(
        tensor1(&[1.0, 0.0]),
        tensor1(&[0.5, 2.0]),
        tensor1(&[0.0, 1.0]),
        tensor1(&[1.0, 1.0]),
    );
    let expect = (2f64.ln() + 0.625 - 0.5) + (0.5f64.ln() + 2.5 - 0.5);
    assert!((scalar(kl) - expect).abs() < 1e-5);
}

#[test]
fn categorical_kl_matches_hand_computation() {
    // q = softmax([0, ln 3]) = [1/4, 3/4], p = [1/2, 1/2]:
    // KL = 1/4 ln(1/2) + 3/4 ln(3/2) = 0.130812...; a second identical row adds 0.
    let device = Default::default();
    let q = Tensor::<B, 2>::from_data(
        TensorData::new(vec![0.0f32, 3f32.ln(), 5.0, 5.0], [2, 2]),
        &device,
    );
    let p = Tensor::<B, 2>::from_data(
        TensorData::new(vec![0.0f32, 0.0, 1.0, 1.0], [2, 2]),
        &device,
    );
    let expect = 0.25 * 0.5f64.ln() + 0.75 * 1.5f64.ln();
    assert!((scalar(categorical_kl(q, p)) - expect).abs() < 1e-6);
}

#[test]
fn concrete_density_integrates_to_one() {
    // For two ops the concrete distribution lives on z = (t, 1 − t): integrate over t.
    let device = Default::default();
    for (phi, tau) in [([0.3f32, -0.4], 0.5), ([1.0, 0.0], 1.0), ([0.0, 0.0], 2.0)] {
        let n = 20_000;
        let ts: Vec<f32> = (0..n).map(|i| (i as f32 + 0.5) / n as f32).collect();
        let z: Vec<f32> = ts.iter().flat_map(|&t| [t, 1.0 - t]).collect();
        let logits: Vec<f32> = (0..n).flat_map(|_| phi).collect();
        let zt = Tensor::<B, 2>::from_data(TensorData::new(z, [n, 2]), &device);
        let lt = Tensor::<B, 2>::from_data(TensorData::new(logits, [n, 2]), &device);
        let log_density = concrete_log_density(zt, lt, tau)
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        let total: f64 = log_density
            .iter()
            .map(|&v| (v as f64).exp() / n as f64)
            .sum();
        assert!((total - 1.0).abs() < 0.01, "phi {phi:?} tau {tau}: {total}");
    }
}

#[test]
fn posterior_kl_against_itself_is_zero_and_a_shift_gives_the_closed_form() {
    let device = Default::default();
    let space = SearchSpace::default_vector();
    let init = PosteriorInit {
        sigma: 0.1,
        ..Default::default()
    };
    let prior = Posterior::<B>::new(&space, init, &device);
    let kl = prior.kl(&prior);
    assert!(scalar(kl.weights).abs() < 1e-6 && scalar(kl.arch).abs() < 1e-6);
    // Shift the head bias μ by 0.3: KL = 0.3² / (2 · 0.1²) = 4.5.
    let mut q = Posterior::<B>::new(&space, init, &device);
    let bias = q.net.head.bias.mu.val() + 0.3;
    q.net.head.bias.mu = burn::module::Param::from_tensor(bias);
    assert!((scalar(q.kl(&prior).weights) - 4.5).abs() < 1e-3);
    // Every weight is collected once: as many μ as the network has weights.
    let g = GaussianTensors::of(&q.net);
    assert_eq!(g.mu.dims()[0], q.net.num_weights());
}

#[test]
fn gradient_reaches_phi_mu_and_sigma_through_the_gumbel_sample() {
    let device = Default::default();
    // The default image space at 8x8, to keep the backward pass quick.
    let mut space = SearchSpace::default_image();
    space.inputs[0].height = 8;
    space.inputs[0].width = 8;
    let prior = Posterior::<AD>::new(&space, PosteriorInit::default(), &device);
    let q = Posterior::<AD>::new(
        &space,
        PosteriorInit {
            seed: 3,
            ..Default::default()
        },
        &device,
    );
    let x = Tensor::<AD, 4>::from_data(
        TensorData::new(SeededRng::new(5).normal_vec(4 * 8 * 8), [4, 1, 8, 8]),
        &device,
    );
    let spec = SampleSpec {
        relaxation: Relaxation::Gumbel,
        tau: 1.0,
        weights: WeightMode::Sample,
    };
    let logits = q.forward(x, 0, spec, &mut SeededRng::new(9)).unwrap();
    let targets =
        Tensor::<AD, 1, Int>::from_data(TensorData::new(vec![0i64, 1, 2, 3], [4]), &device);
    let loss = burn::nn::loss::CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits, targets);
    let kl = q.kl(&prior);
    let total = loss + kl.weights + kl.arch;
    let grads = total.backward();
    let check = |name: &str, g: Option<Tensor<B, 2>>| {
        let g = g.unwrap_or_else(|| panic!("no gradient for {name}"));
        let v = g.into_data().to_vec::<f32>().unwrap();
        assert!(
            v.iter().all(|x| x.is_finite()),
            "{name}: non-finite gradient"
        );
        assert!(v.iter().any(|x| *x != 0.0), "{name}: zero gradient");
    };
    check("phi_normal", q.arch.normal.grad(&grads));
    check("phi_reduce", q.arch.reduce.as_ref().unwrap().grad(&grads));
    check("head mu", q.net.head.weight.mu.grad(&grads));
    check("head rho", q.net.head.weight.rho.grad(&grads));
    let crate::supernet::Stem::Conv(stem) = &q.net.stems[0] else {
        panic!()
    };
    let g = stem
        .weight
        .rho
        .grad(&grads)
        .unwrap()
        .into_data()
        .to_vec::<f32>()
        .unwrap();
    assert!(
        g.iter().all(|x| x.is_finite()) && g.iter().any(|x| *x != 0.0),
        "stem rho"
    );
}

#[test]
fn same_seed_same_forward() {
    let device = Default::default();
    let space = SearchSpace::default_vector();
    let spec = SampleSpec {
        relaxation: Relaxation::Gumbel,
        tau: 1.0,
        weights: WeightMode::Sample,
    };
    let run = |seed: u64| {
        let p = Posterior::<B>::new(&space, PosteriorInit::default(), &device);
        let x = Tensor::<B, 4>::from_data(
            TensorData::new(vec![0.5f32, -1.0, 2.0], [3, 1, 1, 1]),
            &device,
        );
        p.forward(x, 0, spec, &mut SeededRng::new(seed))
            .unwrap()
            .into_data()
            .to_vec::<f32>()
            .unwrap()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}
