//! Depthwise convolution as a sum of shifted, channel-scaled slices.
//!
//! Burn 0.21's CPU backend runs a grouped convolution with one group per channel slowly (a
//! separate small product per channel), and the search cells are full of depthwise
//! convolutions. A `k`x`k` depthwise convolution is `k²` shifted views of the padded input,
//! each scaled per channel, summed: plain element-wise tensor ops, fast on every backend, and
//! differentiable (also nested) by autodiff. Strides compute the stride-1 result and keep
//! every `s`-th row and column. [`burn::tensor::module::conv2d`] with `groups = channels` is
//! the reference it is tested against (outputs and gradients).

use burn::prelude::*;
use burn::tensor::ops::PadMode;

/// Depthwise convolution of `x [n, c, h, w]` with `weight [c, 1, kh, kw]`, no bias.
pub fn depthwise_conv2d<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    let [_, _, kh, kw] = weight.dims();
    let x = if padding == [0, 0] {
        x
    } else {
        x.pad(
            (padding[1], padding[1], padding[0], padding[0]),
            PadMode::Constant(0.0),
        )
    };
    let (hp, wp) = (h + 2 * padding[0], w + 2 * padding[1]);
    // Stride-1 output size.
    let h1 = hp + 1 - (dilation[0] * (kh - 1) + 1).min(hp + 1);
    let w1 = wp + 1 - (dilation[1] * (kw - 1) + 1).min(wp + 1);
    let mut acc: Option<Tensor<B, 4>> = None;
    for i in 0..kh {
        for j in 0..kw {
            let (oi, oj) = (i * dilation[0], j * dilation[1]);
            let view = x.clone().slice([0..n, 0..c, oi..oi + h1, oj..oj + w1]);
            let tap = weight
                .clone()
                .slice([0..c, 0..1, i..i + 1, j..j + 1])
                .reshape([1, c, 1, 1]);
            let term = view * tap;
            acc = Some(match acc {
                Some(a) => a + term,
                None => term,
            });
        }
    }
    let full = acc.unwrap_or_else(|| Tensor::zeros([n, c, h1, w1], &weight.device()));
    subsample(full, stride)
}

/// Keeps rows and columns `0, s, 2s, ...`.
fn subsample<B: Backend>(x: Tensor<B, 4>, stride: [usize; 2]) -> Tensor<B, 4> {
    if stride == [1, 1] {
        return x;
    }
    let [n, c, h, w] = x.dims();
    let (sh, sw) = (stride[0].max(1), stride[1].max(1));
    let (ho, wo) = (h.div_ceil(sh), w.div_ceil(sw));
    let x = x.pad((0, wo * sw - w, 0, ho * sh - h), PadMode::Constant(0.0));
    x.reshape([n * c * ho, sh, wo, sw])
        .slice([0..n * c * ho, 0..1, 0..wo, 0..1])
        .reshape([n, c, ho, wo])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;
    use burn::backend::Autodiff;
    use burn::tensor::ops::ConvOptions;

    type B = Autodiff<crate::CpuBackend>;

    fn random(shape: [usize; 4], seed: u64) -> Tensor<B, 4> {
        let n = shape.iter().product();
        Tensor::from_data(
            TensorData::new(SeededRng::new(seed).normal_vec(n), shape),
            &Default::default(),
        )
        .require_grad()
    }

    fn close(a: Tensor<crate::CpuBackend, 4>, b: Tensor<crate::CpuBackend, 4>, what: &str) {
        assert_eq!(a.dims(), b.dims(), "{what}");
        let a = a.into_data().to_vec::<f32>().unwrap();
        let b = b.into_data().to_vec::<f32>().unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-4 * (1.0 + y.abs()), "{what}: {x} vs {y}");
        }
    }

    #[test]
    fn matches_grouped_conv2d_outputs_and_gradients() {
        for (k, s, d, size) in [
            (3, 1, 1, 7),
            (3, 2, 1, 7),
            (3, 2, 1, 8),
            (5, 1, 1, 6),
            (5, 2, 1, 9),
            (3, 1, 2, 8),
            (3, 2, 2, 7),
            (5, 2, 2, 8),
        ] {
            let c = 3;
            let pad = d * (k - 1) / 2;
            let x = random([2, c, size, size], 1);
            let w = random([c, 1, k, k], 2);
            let ours = depthwise_conv2d(x.clone(), w.clone(), [s, s], [pad, pad], [d, d]);
            let reference = burn::tensor::module::conv2d(
                x.clone(),
                w.clone(),
                None,
                ConvOptions::new([s, s], [pad, pad], [d, d], c),
            );
            let what = format!("k{k} s{s} d{d} size{size}");
            close(ours.clone().inner(), reference.clone().inner(), &what);
            // Gradients of a weighted sum, so every output position matters differently.
            let probe = random(ours.dims(), 3).inner();
            let probe = Tensor::<B, 4>::from_inner(probe);
            let g1 = (ours * probe.clone()).sum().backward();
            let g2 = (reference * probe).sum().backward();
            close(
                x.grad(&g1).unwrap(),
                x.grad(&g2).unwrap(),
                &format!("{what} dx"),
            );
            close(
                w.grad(&g1).unwrap(),
                w.grad(&g2).unwrap(),
                &format!("{what} dw"),
            );
        }
    }
}
