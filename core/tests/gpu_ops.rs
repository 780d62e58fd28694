//! The GPU backends' own autodiff ops and kernel choices (`core/src/nn/gpu_*.rs`), op by op:
//! each against the CPU backend's kernels in value and gradients, and by the kernel launches
//! the device counters see, on the backend under test (wgpu on lavapipe in CI; see
//! `gpu_backend.rs`).
#![cfg(any(feature = "wgpu", feature = "cuda"))]

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use metanas_core::run::BackendKind;

#[macro_use]
mod gpu_common;
use gpu_common::{counted_when_warm, gpu, relative_difference, side_by_side, DEVICE};

/// Values in [-1, 1) that differ from element to element, the same for every backend.
fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 7919 + seed * 104729) % 1000) as f32 / 500.0) - 1.0)
        .collect()
}

/// A tensor of [`values`] that autodiff tracks.
fn tracked<B: AutodiffBackend, const D: usize>(
    shape: [usize; D],
    seed: usize,
    device: &B::Device,
) -> Tensor<B, D> {
    let len = shape.iter().product();
    Tensor::from_data(TensorData::new(values(len, seed), shape), device).require_grad()
}

/// The values of a tensor.
fn vec<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

/// `Σ y · r` for a fixed `r` of [`values`]: a loss whose gradient with respect to `y` is `r`.
fn loss<B: Backend, const D: usize>(y: Tensor<B, D>) -> Tensor<B, 1> {
    let r = Tensor::<B, D>::from_data(
        TensorData::new(values(y.dims().iter().product(), 3), y.dims()),
        &y.device(),
    );
    (y * r).sum()
}

/// Compares each named output of the CPU backend's run with the GPU backend's.
fn assert_close(what: &str, cpu: &[Vec<f32>], gpu: &[Vec<f32>], names: &[&str], tolerance: f64) {
    for (name, (a, b)) in names.iter().zip(cpu.iter().zip(gpu)) {
        let d = relative_difference(a, b);
        assert!(d < tolerance, "{what}, {name}: relative difference {d}");
    }
}

/// Kernel launches of `run`, warmed up ([`counted_when_warm`]).
fn launches(run: impl Fn()) -> u64 {
    counted_when_warm(run).1.launches
}

/// A depthwise convolution's output and its gradients with respect to the input and the
/// kernel, on autodiff backend `B`.
fn depthwise_and_gradients<B: AutodiffBackend>(
    device: &B::Device,
    [n, c, h, w]: [usize; 4],
    k: usize,
    stride: usize,
    dilation: usize,
) -> Vec<Vec<f32>> {
    let x = tracked::<B, 4>([n, c, h, w], 1, device);
    let weight = tracked::<B, 4>([c, 1, k, k], 2, device);
    let pad = dilation * (k - 1) / 2;
    let y = metanas_core::nn::depthwise::depthwise_conv2d(
        x.clone(),
        weight.clone(),
        [stride; 2],
        [pad; 2],
        [dilation; 2],
        false,
    );
    let grads = loss(y.clone()).backward();
    vec![
        vec(y),
        vec(x.grad(&grads).unwrap()),
        vec(weight.grad(&grads).unwrap()),
    ]
}

#[test]
fn the_gpu_depthwise_kernel_gradient_is_the_cpu_one() {
    let _shared = side_by_side();
    // Plain, strided (a reduction edge), dilated, and 5x5 dilated and strided.
    for (k, stride, dilation) in [(3, 1, 1), (3, 2, 1), (3, 1, 2), (5, 2, 2)] {
        let shape = [3, 5, 9, 8];
        let cpu = depthwise_and_gradients::<metanas_core::CpuAutodiff>(
            &Default::default(),
            shape,
            k,
            stride,
            dilation,
        );
        let on_device = on_gpu!(autodiff depthwise_and_gradients(shape, k, stride, dilation));
        assert_close(
            &format!("{k}x{k} kernel, stride {stride}, dilation {dilation}"),
            &cpu,
            &on_device,
            &["output", "input gradient", "kernel gradient"],
            1e-5,
        );
    }
}

/// Kernel launches of one depthwise convolution of `c` channels and its gradients: through
/// metanas's op, or with `burn_own` through Burn's grouped convolution directly.
fn depthwise_launches<B: AutodiffBackend>(device: &B::Device, c: usize, burn_own: bool) -> u64 {
    launches(|| {
        if burn_own {
            let x = Tensor::<B, 4>::ones([4, c, 12, 12], device).require_grad();
            let w = Tensor::<B, 4>::ones([c, 1, 3, 3], device).require_grad();
            let options = burn::tensor::ops::ConvOptions::new([1, 1], [1, 1], [1, 1], c);
            let y = burn::tensor::module::conv2d(x.clone(), w.clone(), None, options);
            let grads = y.sum().backward();
            let _ = w.grad(&grads).unwrap().into_data();
        } else {
            depthwise_and_gradients::<B>(device, [4, c, 12, 12], 3, 1, 1);
        }
    })
}

#[test]
fn a_depthwise_kernel_gradient_launches_as_many_kernels_at_any_channel_count() {
    let _alone = DEVICE.write().unwrap_or_else(|e| e.into_inner());
    let launches = |c, burn_own| on_gpu!(autodiff depthwise_launches(c, burn_own));
    let (few, many) = (launches(2, false), launches(16, false));
    // The same handful at 2 and 16 channels (autotune may choose another variant of a kernel
    // for another shape, so a launch or two either way).
    assert!(
        few.abs_diff(many) <= 4 && many < 40,
        "2 channels: {few}, 16 channels: {many}"
    );
    // Burn's own kernel gradient takes about five launches a channel: 70 more at 16 than at 2.
    let (burn_few, burn_many) = (launches(2, true), launches(16, true));
    assert!(
        burn_many >= burn_few + 50,
        "Burn's own: {burn_few} and {burn_many}"
    );
}

/// Batch norm's output and input gradient on autodiff backend `B`: metanas's
/// (`nn::batch_norm`: the CPU kernel on the CPU, the closed-form op on a GPU backend), or
/// with `ops` the tensor-op version autodiff differentiates step by step.
fn batch_norm_and_gradient<B: AutodiffBackend>(
    device: &B::Device,
    shape: [usize; 4],
    ops: bool,
) -> Vec<Vec<f32>> {
    let x = tracked::<B, 4>(shape, 1, device);
    // Away from zero mean and unit variance per channel, as activations are.
    let x_in = x.clone() * 3.0 + 0.5;
    let y = if ops {
        metanas_core::nn::layers::batch_norm_ops(x_in)
    } else {
        metanas_core::nn::batch_norm(x_in)
    };
    let grads = loss(y.clone()).backward();
    vec![vec(y), vec(x.grad(&grads).unwrap())]
}

#[test]
fn the_gpu_batch_norm_gradient_is_the_cpu_one() {
    let _shared = side_by_side();
    for shape in [[3, 5, 9, 8], [30, 8, 7, 7], [1, 2, 1, 1]] {
        let cpu =
            batch_norm_and_gradient::<metanas_core::CpuAutodiff>(&Default::default(), shape, false);
        let on_device = on_gpu!(autodiff batch_norm_and_gradient(shape, false));
        // The CPU kernel is the reference: its gradient is tested against the tensor ops'
        // (core/src/nn/layers.rs) and the tensor ops against finite differences.
        assert_close(
            &format!("batch norm of {shape:?}"),
            &cpu,
            &on_device,
            &["output", "input gradient"],
            1e-5,
        );
    }
}

#[test]
fn the_gpu_batch_norm_gradient_takes_fewer_launches_than_the_tensor_ops() {
    let _alone = DEVICE.write().unwrap_or_else(|e| e.into_inner());
    let run = |ops| on_gpu!(autodiff batch_norm_launches(ops));
    let (closed_form, ops) = (run(false), run(true));
    // Measured on lavapipe: 22 against 34 (the input, the loss and the reads included).
    assert!(
        closed_form + 8 <= ops,
        "closed form {closed_form}, tensor ops {ops}"
    );
}

fn batch_norm_launches<B: AutodiffBackend>(device: &B::Device, ops: bool) -> u64 {
    launches(|| {
        batch_norm_and_gradient::<B>(device, [4, 8, 12, 12], ops);
    })
}

/// A mixed op's weighted sum of `k` terms and its gradients with respect to each term and to
/// the architecture weights `z [3, 9]` (row 1, from `first` on), on autodiff backend `B`.
fn weighted_sum_and_gradients<B: AutodiffBackend>(
    device: &B::Device,
    k: usize,
    first: usize,
) -> Vec<Vec<f32>> {
    let shape = [3, 4, 5, 6];
    let z = tracked::<B, 2>([3, 9], 9, device);
    let terms: Vec<Tensor<B, 4>> = (0..k).map(|i| tracked(shape, 10 + i, device)).collect();
    let columns: Vec<usize> = (first..first + k).collect();
    let y = metanas_core::nn::weighted_sum::weighted_sum(&z, 1, &columns, terms.clone())
        .expect("terms");
    let grads = loss(y.clone()).backward();
    let mut out = vec![vec(y), vec(z.grad(&grads).unwrap())];
    out.extend(terms.iter().map(|t| vec(t.grad(&grads).unwrap())));
    out
}

#[test]
fn the_gpu_weighted_sum_and_its_gradients_are_the_cpu_ones() {
    let _shared = side_by_side();
    // 7 ops after `none` (the DARTS space), one op (a single path), 5 ops from column 3.
    for (k, first) in [(7, 1), (1, 4), (5, 3)] {
        let cpu =
            weighted_sum_and_gradients::<metanas_core::CpuAutodiff>(&Default::default(), k, first);
        let on_device = on_gpu!(autodiff weighted_sum_and_gradients(k, first));
        let mut names = vec!["sum".to_string(), "architecture weights' gradient".into()];
        names.extend((0..k).map(|i| format!("term {i}'s gradient")));
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_close(&format!("{k} terms"), &cpu, &on_device, &names, 1e-5);
    }
}

/// Launches of a weighted sum of 7 terms of the reference meta-step's size with its
/// gradients, less those of the same computation without the sum (the terms' sum taken as
/// plain additions), so that what the sum itself costs remains.
fn weighted_sum_launches<B: AutodiffBackend>(device: &B::Device) -> u64 {
    let z = tracked::<B, 2>([14, 8], 9, device);
    let x = tracked::<B, 4>([30, 8, 28, 28], 1, device);
    let terms = || (1..8).map(|i| x.clone() * i as f64).collect::<Vec<_>>();
    let columns: Vec<usize> = (1..8).collect();
    let with_sum = launches(|| {
        let y = metanas_core::nn::weighted_sum::weighted_sum(&z, 3, &columns, terms()).unwrap();
        let _ = y.sum().backward();
        B::sync(device).unwrap();
    });
    let plain = launches(|| {
        let y = terms().into_iter().reduce(|a, b| a + b).unwrap();
        let _ = y.sum().backward();
        B::sync(device).unwrap();
    });
    with_sum.saturating_sub(plain)
}

#[test]
fn a_gpu_weighted_sum_of_seven_terms_takes_a_few_launches_per_term() {
    let _alone = DEVICE.write().unwrap_or_else(|e| e.into_inner());
    let extra = on_gpu!(autodiff weighted_sum_launches());
    // Concatenating the terms is one launch each and the backward pass a few in all; the
    // per-term products, sums and slices of z took 79 (lavapipe: 14 now).
    assert!(extra <= 24, "{extra} launches for the sum");
}
