//! The shifted, strided views of a padded input that a sliding window reads: one per kernel
//! tap. Convolution ([`super::conv`], [`super::depthwise`]) and pooling ([`super::pool`]) are
//! built from them with plain tensor ops, which Burn's CPU backend runs far faster than its
//! own windowed kernels and which autodiff differentiates, nested too.

use burn::prelude::*;
use burn::tensor::ops::PadMode;
use burn::tensor::Slice;

/// A padded input `[n, c, hp, wp]` and the geometry of a window sliding over it.
pub struct Taps<B: Backend> {
    padded: Tensor<B, 4>,
    stride: [usize; 2],
    dilation: [usize; 2],
    /// Output height and width.
    pub out: [usize; 2],
}

impl<B: Backend> Taps<B> {
    /// The windows of a `kernel` over `x [n, c, h, w]`, padded by `padding` on every side
    /// with `fill`.
    pub fn new(
        x: Tensor<B, 4>,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        fill: f32,
    ) -> Self {
        let [_, _, h, w] = x.dims();
        let padded = if padding == [0, 0] {
            x
        } else {
            x.pad(
                (padding[1], padding[1], padding[0], padding[0]),
                PadMode::Constant(fill),
            )
        };
        let stride = stride.map(|s| s.max(1));
        let mut out = [0; 2];
        for d in 0..2 {
            let span = dilation[d] * (kernel[d].max(1) - 1) + 1;
            let size = [h, w][d] + 2 * padding[d];
            out[d] = size.saturating_sub(span) / stride[d] + 1;
        }
        Self {
            padded,
            stride,
            dilation,
            out,
        }
    }

    /// The input each output position sees at kernel tap `(i, j)`: `[n, c, out_h, out_w]`.
    pub fn view(&self, i: usize, j: usize) -> Tensor<B, 4> {
        let [n, c, hp, wp] = self.padded.dims();
        let [ho, wo] = self.out;
        let (oi, oj) = (i * self.dilation[0], j * self.dilation[1]);
        if (oi, oj, ho, wo, self.stride) == (0, 0, hp, wp, [1, 1]) {
            return self.padded.clone();
        }
        let along = |start: usize, len: usize, step: usize| {
            Slice::with_step(
                start as isize,
                Some((start + (len - 1) * step + 1) as isize),
                step as isize,
            )
        };
        self.padded.clone().slice([
            Slice::from(0..n),
            Slice::from(0..c),
            along(oi, ho, self.stride[0]),
            along(oj, wo, self.stride[1]),
        ])
    }
}
