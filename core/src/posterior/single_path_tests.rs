//! Single-path search against the all-ops straight-through estimator it abbreviates: the
//! same hard sample, the same forward values, and a gradient to the logits that is the
//! all-ops one restricted to the sampled op (checked against the softmax Jacobian in closed
//! form).

use burn::backend::Autodiff;
use burn::prelude::*;

use super::*;
use crate::nn::WeightSampler;
use crate::rng::SeededRng;
use crate::space::{InputSpec, Op, SearchSpace};
use crate::supernet::ArchWeights;
use crate::CpuBackend as B;

type AD = Autodiff<B>;

const TAU: f64 = 0.7;
const SEED: u64 = 11;

/// none, skip_connect, both 3x3 pools, sep_conv_3x3 and dil_conv_3x3 in 2-node cells.
fn space() -> SearchSpace {
    SearchSpace {
        ops: [&Op::ALL[..5], &[Op::DilConv3x3]].concat(),
        nodes: 2,
        channels: 4,
        stem_multiplier: 1,
        inputs: vec![InputSpec::grey("g8", 8)],
        num_outputs: 3,
        ..SearchSpace::default_image()
    }
}

/// Logits far from uniform, so that the softmax Jacobian is not degenerate.
fn posterior() -> Posterior<AD> {
    let init = PosteriorInit {
        arch_scale: 1.0,
        seed: 3,
        ..Default::default()
    };
    Posterior::new(&space(), init, &Default::default())
}

fn host<const D: usize, Bk: Backend>(t: Tensor<Bk, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec::<f32>().unwrap()
}

fn images() -> Tensor<AD, 4> {
    let mut rng = SeededRng::new(5);
    let values: Vec<f32> = (0..2 * 64).map(|_| rng.normal() as f32).collect();
    Tensor::from_data(TensorData::new(values, [2, 1, 8, 8]), &Default::default())
}

/// A loss that weighs every output differently.
fn loss(out: Tensor<AD, 2>) -> Tensor<AD, 1> {
    let w = Tensor::<AD, 2>::from_data(
        TensorData::new(vec![0.3f32, -1.1, 0.7, 1.3, 0.2, -0.6], [2, 3]),
        &Default::default(),
    );
    (out * w).sum()
}

fn argmax(row: &[f32]) -> usize {
    (0..row.len())
        .max_by(|&a, &b| row[a].total_cmp(&row[b]))
        .unwrap()
}

#[test]
fn a_single_path_sample_is_the_hard_gumbel_sample_and_names_its_columns() {
    let q = posterior();
    let single = q
        .arch
        .sample(Relaxation::SinglePath, TAU, &mut SeededRng::new(SEED));
    let hard = q
        .arch
        .sample(Relaxation::HardGumbel, TAU, &mut SeededRng::new(SEED));
    assert!(hard.paths.is_none());
    let paths = single.paths.clone().unwrap();
    let ops = space().ops.len();
    for (z, h, path) in [
        (single.normal, hard.normal, paths.normal),
        (
            single.reduce.unwrap(),
            hard.reduce.unwrap(),
            paths.reduce.unwrap(),
        ),
    ] {
        let (z, h) = (host(z), host(h));
        assert_eq!(z, h);
        let rows: Vec<_> = z.chunks(ops).map(argmax).collect();
        assert_eq!(rows, path);
    }
}

#[test]
fn the_most_probable_path_is_each_rows_largest_logit() {
    let q = posterior();
    let p = q.arch.most_probable_path();
    let phi = host(q.arch.normal.val());
    let ops = space().ops.len();
    let expect: Vec<_> = phi.chunks(ops).map(argmax).collect();
    assert_eq!(p.paths.unwrap().normal, expect);
    for (row, &k) in host(p.normal).chunks(ops).zip(&expect) {
        let one_hot: Vec<f32> = (0..ops).map(|j| f32::from(j == k)).collect();
        assert_eq!(row, one_hot.as_slice());
    }
}

#[test]
fn single_path_runs_the_all_ops_forward_and_restricts_its_logit_gradient_to_the_sample() {
    let device = Default::default();
    let q = posterior();
    let ops = space().ops.len();

    // Single path: only the sampled op of each edge runs.
    let single = q
        .arch
        .sample(Relaxation::SinglePath, TAU, &mut SeededRng::new(SEED));
    let paths = single.paths.clone().unwrap();
    let out_single = q
        .net
        .forward(images(), 0, Some(&single), &mut WeightSampler::mean())
        .unwrap();
    let grads = loss(out_single.clone()).backward();
    let grad_phi = [
        host(q.arch.normal.val().grad(&grads).unwrap()),
        host(q.arch.reduce.as_ref().unwrap().val().grad(&grads).unwrap()),
    ];

    // All ops with the same hard sample as a leaf: a[r][k] = dL/dz[r][k] for every op.
    let hard = q
        .arch
        .sample(Relaxation::HardGumbel, TAU, &mut SeededRng::new(SEED));
    let leaf = |z: Tensor<AD, 2>| Tensor::<AD, 2>::from_data(z.into_data(), &device).require_grad();
    let (zn, zr) = (leaf(hard.normal), leaf(hard.reduce.unwrap()));
    let all = ArchWeights {
        normal: zn.clone(),
        reduce: Some(zr.clone()),
        paths: None,
    };
    let out_all = q
        .net
        .forward(images(), 0, Some(&all), &mut WeightSampler::mean())
        .unwrap();
    for (a, b) in host(out_single).iter().zip(host(out_all.clone())) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let grads = loss(out_all).backward();
    let a = [
        host(zn.grad(&grads).unwrap()),
        host(zr.grad(&grads).unwrap()),
    ];

    // The relaxed sample s = softmax((φ + g) / τ) on the host, with the same Gumbel noise.
    let mut noise = SeededRng::new(SEED);
    let phi = [
        host(q.arch.normal.val()),
        host(q.arch.reduce.as_ref().unwrap().val()),
    ];
    let mut checked = 0;
    for (t, path) in [paths.normal, paths.reduce.unwrap()].iter().enumerate() {
        let g = noise.gumbel_vec(phi[t].len());
        for (r, &k) in path.iter().enumerate() {
            let row: Vec<f64> = (0..ops)
                .map(|j| (phi[t][r * ops + j] as f64 + g[r * ops + j] as f64) / TAU)
                .collect();
            let max = row.iter().cloned().fold(f64::MIN, f64::max);
            let e: Vec<f64> = row.iter().map(|v| (v - max).exp()).collect();
            let sum: f64 = e.iter().sum();
            let s: Vec<f64> = e.iter().map(|v| v / sum).collect();
            assert_eq!(
                k,
                argmax(&row.iter().map(|&v| v as f32).collect::<Vec<_>>())
            );
            let a_k = a[t][r * ops + k] as f64;
            for j in 0..ops {
                // ∂s_k/∂φ_j = s_k (δ_kj − s_j) / τ, times the sampled op's a alone.
                let expect = a_k * s[k] * (f64::from(j == k) - s[j]) / TAU;
                let got = grad_phi[t][r * ops + j] as f64;
                assert!(
                    (got - expect).abs() <= 1e-4 * (1e-3 + expect.abs()),
                    "table {t} edge {r} op {j} (sampled {k}): {got} vs {expect}"
                );
                checked += usize::from(expect.abs() > 1e-6);
            }
        }
    }
    // Most edges sampled an op that carries a gradient (`none` has none).
    assert!(checked > 10, "{checked}");
}
