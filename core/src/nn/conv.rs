//! Dense convolution as one matrix product over shifted views of the input.
//!
//! Burn 0.21's CPU backend convolves directly (a loop per output plane, input channel and
//! kernel tap, with a row-slicing overhead that dominates at the search cells' small sizes),
//! and its backward runs a transposed convolution that indexes every element through dynamic
//! dimensions: together half the time of a BASE inner step on the DARTS search net. Here a
//! `kh`x`kw` convolution gathers its `kh·kw` shifted, strided views of the padded input into
//! the columns of a matrix and multiplies them by the kernel in one batched product
//! (`im2col`). Every step is a plain tensor op (pad, strided slice, concatenation, reshape,
//! matmul), fast on every backend and differentiable by autodiff, nested too, so exact
//! second-order meta-gradients go through it. A 1x1 convolution is the product alone.
//! [`burn::tensor::module::conv2d`] is the reference it is tested against (outputs and
//! gradients).

use burn::prelude::*;
use burn::tensor::activation;

use super::cpu_kernel;
use super::gpu_native;
use super::pointwise_kernel::Pointwise;
use super::taps::Taps;

/// 1x1 convolution (stride `stride`, no padding) of `x [n, c, h, w]`, or of `relu(x)` when
/// `relu`, with `weight [o, c, 1, 1]`: the CPU backend's own loops
/// ([`super::pointwise_kernel`], the ReLU fused) where they apply, else [`conv2d`].
pub fn conv1x1<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    relu: bool,
) -> Tensor<B, 4> {
    let kernel = Pointwise {
        shape: x.dims(),
        out_channels: weight.dims()[0],
        stride,
        relu,
    };
    match cpu_kernel::run(kernel, [x, weight]) {
        Ok(y) => y,
        Err([x, weight]) => {
            let x = if relu { activation::relu(x) } else { x };
            conv2d(x, weight, stride, [0, 0], [1, 1])
        }
    }
}

/// Convolution of `x [n, c, h, w]` with `weight [o, c, kh, kw]` (one group), no bias: Burn's
/// kernel on the GPU backends ([`super::gpu_native`]), else [`conv2d_ops`].
pub fn conv2d<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Tensor<B, 4> {
    if gpu_native::applies::<B>() {
        gpu_native::conv2d(x, weight, stride, padding, dilation, 1)
    } else {
        conv2d_ops(x, weight, stride, padding, dilation)
    }
}

/// [`conv2d`] as tensor ops (every backend, nested autodiff): the kernel times the input's
/// shifted views gathered as columns.
pub fn conv2d_ops<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Tensor<B, 4> {
    let [n, c, _, _] = x.dims();
    let [o, _, kh, kw] = weight.dims();
    let taps = Taps::new(x, [kh, kw], stride, padding, dilation, 0.0);
    let [ho, wo] = taps.out;
    // Columns ordered (tap, channel), so the kernel is laid out as [o, kh, kw, c].
    let mut views: Vec<Tensor<B, 4>> = (0..kh)
        .flat_map(|i| (0..kw).map(move |j| (i, j)))
        .map(|(i, j)| taps.view(i, j))
        .collect();
    let columns = if views.len() == 1 {
        views.remove(0)
    } else {
        Tensor::cat(views, 1)
    };
    let k = kh * kw * c;
    let kernel = weight.permute([0, 2, 3, 1]).reshape([1, o, k]);
    kernel
        .matmul(columns.reshape([n, k, ho * wo]))
        .reshape([n, o, ho, wo])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_util::{assert_same_op, random};
    use burn::tensor::ops::ConvOptions;

    #[test]
    fn matches_burn_conv2d_outputs_and_gradients() {
        // (kernel, stride, padding, dilation, size, channels in, out)
        for (k, s, p, d, size, c, o) in [
            (1, 1, 0, 1, 5, 3, 4),
            (1, 2, 0, 1, 7, 3, 2),
            (1, 2, 0, 1, 6, 4, 4),
            (3, 1, 1, 1, 7, 2, 3),
            (3, 2, 1, 1, 8, 3, 5),
            (3, 1, 0, 1, 6, 2, 2),
            (5, 1, 2, 1, 6, 2, 3),
            (3, 1, 2, 2, 8, 3, 3),
            (5, 2, 4, 2, 9, 2, 4),
        ] {
            let x = random([2, c, size, size], 1);
            let w = random([o, c, k, k], 2);
            let ours = conv2d(x.clone(), w.clone(), [s, s], [p, p], [d, d]);
            let reference = burn::tensor::module::conv2d(
                x.clone(),
                w.clone(),
                None,
                ConvOptions::new([s, s], [p, p], [d, d], 1),
            );
            let what = format!("k{k} s{s} p{p} d{d} size{size}");
            assert_same_op(ours, reference, &[("x", &x), ("w", &w)], 1e-4, &what);
        }
    }

    #[test]
    fn conv1x1_matches_burn_conv2d_of_relu_outputs_and_gradients() {
        for (stride, size, relu) in [(1, 5, false), (1, 6, true), (2, 7, true), (2, 6, false)] {
            let x = random([2, 3, size, size], 4);
            let w = random([4, 3, 1, 1], 5);
            let input = if relu {
                activation::relu(x.clone())
            } else {
                x.clone()
            };
            let reference = burn::tensor::module::conv2d(
                input,
                w.clone(),
                None,
                ConvOptions::new([stride, stride], [0, 0], [1, 1], 1),
            );
            let what = format!("1x1 stride {stride} size {size} relu {relu}");
            let ours = conv1x1(x.clone(), w.clone(), [stride, stride], relu);
            assert_same_op(ours, reference, &[("x", &x), ("w", &w)], 1e-4, &what);
        }
    }
}
