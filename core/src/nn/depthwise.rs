//! Depthwise convolution as a sum of shifted, channel-scaled slices.
//!
//! Burn 0.21's CPU backend runs a grouped convolution with one group per channel slowly (a
//! separate small product per channel), and the search cells are full of depthwise
//! convolutions. A `k`x`k` depthwise convolution is `k²` shifted views of the padded input,
//! each scaled per channel, summed: plain element-wise tensor ops, fast on every backend, and
//! differentiable (also nested) by autodiff. Strided views compute only the outputs a stride
//! keeps. [`burn::tensor::module::conv2d`] with `groups = channels` is
//! the reference it is tested against (outputs and gradients).

use burn::prelude::*;

use super::cpu_kernel;
use super::depthwise_kernel::Depthwise;
use super::gpu_native;
use super::taps::Taps;
use super::window::Window;

/// Depthwise convolution of `x [n, c, h, w]`, or of `relu(x)` when `relu`, with
/// `weight [c, 1, kh, kw]`, no bias: the CPU backend's own loops
/// ([`super::depthwise_kernel`], the ReLU fused) where they apply, Burn's grouped
/// convolution on the GPU backends ([`super::gpu_native`]), else [`depthwise_ops`].
pub fn depthwise_conv2d<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    relu: bool,
) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    let [_, _, kh, kw] = weight.dims();
    let window = Window {
        n,
        c,
        input: [h, w],
        kernel: [kh, kw],
        stride,
        padding,
        dilation,
    };
    match cpu_kernel::run(Depthwise { window, relu }, [x, weight]) {
        Ok(y) => y,
        Err([x, weight]) => {
            let x = if relu {
                burn::tensor::activation::relu(x)
            } else {
                x
            };
            if gpu_native::applies::<B>() {
                gpu_native::conv2d(x, weight, stride, padding, dilation, c)
            } else {
                depthwise_ops(x, weight, stride, padding, dilation)
            }
        }
    }
}

/// Depthwise convolution as tensor ops: works on every backend and under nested autodiff.
pub fn depthwise_ops<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Tensor<B, 4> {
    let [c, _, kh, kw] = weight.dims();
    let taps = Taps::new(x, [kh, kw], stride, padding, dilation, 0.0);
    (0..kh)
        .flat_map(|i| (0..kw).map(move |j| (i, j)))
        .map(|(i, j)| {
            let tap = weight
                .clone()
                .slice([0..c, 0..1, i..i + 1, j..j + 1])
                .reshape([1, c, 1, 1]);
            taps.view(i, j) * tap
        })
        .reduce(|acc, term| acc + term)
        .expect("a kernel has at least one tap")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_util::{assert_same_op, random};
    use burn::tensor::activation;
    use burn::tensor::ops::ConvOptions;

    #[test]
    fn both_paths_match_grouped_conv2d_outputs_and_gradients() {
        for ((k, s, d, size), relu) in [
            (3, 1, 1, 7),
            (3, 2, 1, 7),
            (3, 2, 1, 8),
            (5, 1, 1, 6),
            (5, 2, 1, 9),
            (3, 1, 2, 8),
            (3, 2, 2, 7),
            (5, 2, 2, 8),
        ]
        .into_iter()
        .flat_map(|case| [(case, false), (case, true)])
        {
            let c = 3;
            let pad = d * (k - 1) / 2;
            let x = random([2, c, size, size], 1);
            let w = random([c, 1, k, k], 2);
            // Built afresh for each use: a backward pass consumes the graph it runs over.
            let input = || {
                if relu {
                    activation::relu(x.clone())
                } else {
                    x.clone()
                }
            };
            let reference = || {
                burn::tensor::module::conv2d(
                    input(),
                    w.clone(),
                    None,
                    ConvOptions::new([s, s], [pad, pad], [d, d], c),
                )
            };
            let paths = [
                (
                    "CPU loops",
                    depthwise_conv2d(x.clone(), w.clone(), [s, s], [pad, pad], [d, d], relu),
                ),
                (
                    "tensor ops",
                    depthwise_ops(input(), w.clone(), [s, s], [pad, pad], [d, d]),
                ),
            ];
            for (path, ours) in paths {
                let what = format!("{path}: k{k} s{s} d{d} size{size} relu {relu}");
                assert_same_op(ours, reference(), &[("x", &x), ("w", &w)], 1e-4, &what);
            }
        }
    }
}
