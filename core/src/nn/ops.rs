//! The candidate operations as Burn modules (DARTS/BASE definitions, ReLU-Conv-BN order).

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::affine_norm::{normalise, AffineNorm};
use super::gaussian::WeightSampler;
use super::layers::{batch_norm, ConvSpec, GaussianConv2d, GaussianLinear, Init};
use crate::space::Op;

/// ReLU, a convolution, batch norm (DARTS `ReLUConvBN`; also the cell preprocessing).
#[derive(Module, Debug)]
pub struct ReluConvBn<B: Backend> {
    /// The convolution.
    pub conv: GaussianConv2d<B>,
    /// The batch norm's affine part and running statistics (evaluation networks only).
    pub norm: Option<AffineNorm<B>>,
}

impl<B: Backend> ReluConvBn<B> {
    /// A ReLU-Conv-BN block.
    pub fn new(spec: ConvSpec, init: &mut Init<'_>, device: &B::Device) -> Self {
        Self {
            conv: spec.init(init, device),
            norm: init.norm(spec.c_out, device),
        }
    }

    /// Applies the block.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        normalise(self.conv.forward_relu(x, sampler), &self.norm)
    }

    /// Multiply-accumulates for one sample of size `hw`, and the output size.
    pub fn macs(&self, hw: [usize; 2]) -> (u64, [usize; 2]) {
        (self.conv.macs(hw), self.conv.out_hw(hw))
    }
}

/// ReLU, depthwise (optionally dilated) conv, 1x1 conv, batch norm: DARTS `DilConv`. No batch
/// norm between the depthwise and the 1x1 convolution (BASE Appendix A).
#[derive(Module, Debug)]
pub struct DilConv<B: Backend> {
    /// Depthwise convolution.
    pub depthwise: GaussianConv2d<B>,
    /// Pointwise convolution.
    pub pointwise: GaussianConv2d<B>,
    /// The batch norm's affine part and running statistics (evaluation networks only).
    pub norm: Option<AffineNorm<B>>,
}

impl<B: Backend> DilConv<B> {
    /// `k`x`k` depthwise conv with `dilation`, padding chosen to keep the resolution.
    pub fn new(
        c_in: usize,
        c_out: usize,
        k: usize,
        stride: usize,
        dilation: usize,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Self {
        let pad = dilation * (k - 1) / 2;
        let depthwise = ConvSpec {
            c_in,
            c_out: c_in,
            kernel: [k, k],
            stride: [stride, stride],
            padding: [pad, pad],
            dilation: [dilation, dilation],
            groups: c_in,
        };
        Self {
            depthwise: depthwise.init(init, device),
            pointwise: ConvSpec::square(c_in, c_out, 1, 1, 0).init(init, device),
            norm: init.norm(c_out, device),
        }
    }

    /// Applies the block.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        let x = self.depthwise.forward_relu(x, sampler);
        normalise(self.pointwise.forward(x, sampler), &self.norm)
    }

    /// Multiply-accumulates for one sample of size `hw`, and the output size.
    pub fn macs(&self, hw: [usize; 2]) -> (u64, [usize; 2]) {
        let mid = self.depthwise.out_hw(hw);
        (self.depthwise.macs(hw) + self.pointwise.macs(mid), mid)
    }
}

/// A depthwise-separable convolution applied twice (DARTS `SepConv`); the stride is on the
/// first application.
#[derive(Module, Debug)]
pub struct SepConv<B: Backend> {
    /// First application (carries the stride).
    pub first: DilConv<B>,
    /// Second application.
    pub second: DilConv<B>,
}

impl<B: Backend> SepConv<B> {
    /// A `k`x`k` separable convolution.
    pub fn new(
        c_in: usize,
        c_out: usize,
        k: usize,
        stride: usize,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Self {
        Self {
            first: DilConv::new(c_in, c_in, k, stride, 1, init, device),
            second: DilConv::new(c_in, c_out, k, 1, 1, init, device),
        }
    }

    /// Applies the block.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        let x = self.first.forward(x, sampler);
        self.second.forward(x, sampler)
    }

    /// Multiply-accumulates for one sample of size `hw`, and the output size.
    pub fn macs(&self, hw: [usize; 2]) -> (u64, [usize; 2]) {
        let (m1, mid) = self.first.macs(hw);
        let (m2, out) = self.second.macs(mid);
        (m1 + m2, out)
    }
}

/// ReLU, a 1x7 then a 7x1 convolution, batch norm (DARTS `conv_7x1_1x7`).
#[derive(Module, Debug)]
pub struct Conv7x1x7<B: Backend> {
    /// The 1x7 convolution (stride on the width).
    pub conv_1x7: GaussianConv2d<B>,
    /// The 7x1 convolution (stride on the height).
    pub conv_7x1: GaussianConv2d<B>,
    /// The batch norm's affine part and running statistics (evaluation networks only).
    pub norm: Option<AffineNorm<B>>,
}

impl<B: Backend> Conv7x1x7<B> {
    /// The block on `c` channels.
    pub fn new(c: usize, stride: usize, init: &mut Init<'_>, device: &B::Device) -> Self {
        let spec = |kernel: [usize; 2], stride: [usize; 2], padding: [usize; 2]| ConvSpec {
            c_in: c,
            c_out: c,
            kernel,
            stride,
            padding,
            dilation: [1, 1],
            groups: 1,
        };
        Self {
            conv_1x7: spec([1, 7], [1, stride], [0, 3]).init(init, device),
            conv_7x1: spec([7, 1], [stride, 1], [3, 0]).init(init, device),
            norm: init.norm(c, device),
        }
    }

    /// Applies the block.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        let x = self.conv_1x7.forward_relu(x, sampler);
        normalise(self.conv_7x1.forward(x, sampler), &self.norm)
    }

    /// Multiply-accumulates for one sample of size `hw`, and the output size.
    pub fn macs(&self, hw: [usize; 2]) -> (u64, [usize; 2]) {
        let mid = self.conv_1x7.out_hw(hw);
        (
            self.conv_1x7.macs(hw) + self.conv_7x1.macs(mid),
            self.conv_7x1.out_hw(mid),
        )
    }
}

/// ReLU, two 1x1 stride-2 convolutions on the input and on the input shifted by one pixel,
/// concatenated, batch norm (DARTS `FactorizedReduce`). The shifted input is zero-padded at
/// the end of an odd size so that both halves have the same size.
#[derive(Module, Debug)]
pub struct FactorizedReduce<B: Backend> {
    /// 1x1 stride-2 conv on the input.
    pub conv_a: GaussianConv2d<B>,
    /// 1x1 stride-2 conv on the shifted input.
    pub conv_b: GaussianConv2d<B>,
    /// The batch norm's affine part and running statistics (evaluation networks only).
    pub norm: Option<AffineNorm<B>>,
}

impl<B: Backend> FactorizedReduce<B> {
    /// Reduces `c_in` channels at size `hw` to `c_out` channels at half size.
    pub fn new(c_in: usize, c_out: usize, init: &mut Init<'_>, device: &B::Device) -> Self {
        let half = c_out / 2;
        Self {
            conv_a: ConvSpec::square(c_in, half, 1, 2, 0).init(init, device),
            conv_b: ConvSpec::square(c_in, c_out - half, 1, 2, 0).init(init, device),
            norm: init.norm(c_out, device),
        }
    }

    /// Applies the block.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        // The ReLU goes into each convolution (relu(0) = 0, so shifting and padding commute
        // with it).
        let [n, c, h, w] = x.dims();
        let shifted = if h > 1 && w > 1 {
            let cut = x.clone().slice([0..n, 0..c, 1..h, 1..w]);
            // The stride-2 convolution reads every other pixel from the first, so the padded
            // end is read only along an odd size: pad only there (a padded tensor is a new
            // buffer, on the GPU an upload).
            match (w % 2, h % 2) {
                (0, 0) => cut,
                (right, bottom) => cut.pad(
                    (0, right, 0, bottom),
                    burn::tensor::ops::PadMode::Constant(0.0),
                ),
            }
        } else {
            x.clone()
        };
        let a = self.conv_a.forward_relu(x, sampler);
        let b = self.conv_b.forward_relu(shifted, sampler);
        normalise(Tensor::cat(vec![a, b], 1), &self.norm)
    }

    /// Multiply-accumulates for one sample of size `hw`, and the output size.
    pub fn macs(&self, hw: [usize; 2]) -> (u64, [usize; 2]) {
        (
            self.conv_a.macs(hw) + self.conv_b.macs(hw),
            self.conv_a.out_hw(hw),
        )
    }
}

/// Linear, ReLU, batch norm on vectors held as `[n, c, 1, 1]` (M-NAS's `linear` op).
#[derive(Module, Debug)]
pub struct LinearReluBn<B: Backend> {
    /// The linear layer.
    pub linear: GaussianLinear<B>,
    /// The batch norm's affine part and running statistics (evaluation networks only).
    pub norm: Option<AffineNorm<B>>,
}

impl<B: Backend> LinearReluBn<B> {
    /// A `c_in` to `c_out` block.
    pub fn new(c_in: usize, c_out: usize, init: &mut Init<'_>, device: &B::Device) -> Self {
        Self {
            linear: GaussianLinear::new(c_in, c_out, init, device),
            norm: init.norm(c_out, device),
        }
    }

    /// Applies the block to `[n, c, 1, 1]`.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        normalise(relu(self.linear.forward_nchw(x, sampler)), &self.norm)
    }
}

/// Which pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PoolKind {
    /// Max pooling.
    Max,
    /// Average pooling, padding not counted.
    Avg,
}

/// 3x3 pooling with padding 1; in the supernet followed by batch norm as in DARTS' MixedOp.
#[derive(Module, Clone, Debug)]
pub struct Pool {
    /// Max or average.
    pub kind: PoolKind,
    /// Stride (1 or 2).
    pub stride: usize,
    /// Batch norm after pooling (supernet only).
    pub with_bn: bool,
}

impl Pool {
    /// A pooling op.
    pub fn new(kind: PoolKind, stride: usize, with_bn: bool) -> Self {
        Self {
            kind,
            stride,
            with_bn,
        }
    }

    /// Applies the pooling.
    pub fn forward<B: Backend>(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let y = if self.kind == PoolKind::Max {
            super::pool::max_pool_3x3(x, self.stride)
        } else {
            super::pool::avg_pool_3x3(x, self.stride)
        };
        if self.with_bn {
            batch_norm(y)
        } else {
            y
        }
    }

    /// Output size for input size `hw`.
    pub fn out_hw(&self, hw: [usize; 2]) -> [usize; 2] {
        hw.map(|d| (d + 2 - 3) / self.stride + 1)
    }
}

/// The identity (`skip_connect` with stride 1).
#[derive(Module, Clone, Debug)]
pub struct Identity;

/// One candidate op instantiated on an edge. `none` has no module: it contributes zero.
// Built once per edge and never moved in a hot loop; Burn modules cannot be boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum CandidateOp<B: Backend> {
    /// `skip_connect` with stride 2: a factorized reduction.
    Reduce(FactorizedReduce<B>),
    /// Pooling.
    Pool(Pool),
    /// `sep_conv_*`.
    Sep(SepConv<B>),
    /// `dil_conv_*`.
    Dil(DilConv<B>),
    /// `conv_7x1_1x7`.
    Conv7(Conv7x1x7<B>),
    /// `linear`.
    Linear(LinearReluBn<B>),
    /// `linear_relu`.
    LinearRelu(GaussianLinear<B>),
    /// `skip_connect` with stride 1.
    Identity(Identity),
}

impl<B: Backend> CandidateOp<B> {
    /// Builds `op` on `c` channels with `stride`; `None` for the `none` op.
    pub fn new(
        op: Op,
        c: usize,
        stride: usize,
        in_supernet: bool,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Option<Self> {
        Some(match op {
            Op::None => return None,
            Op::SkipConnect if stride == 1 => CandidateOp::Identity(Identity),
            Op::SkipConnect => CandidateOp::Reduce(FactorizedReduce::new(c, c, init, device)),
            Op::MaxPool3x3 => CandidateOp::Pool(Pool::new(PoolKind::Max, stride, in_supernet)),
            Op::AvgPool3x3 => CandidateOp::Pool(Pool::new(PoolKind::Avg, stride, in_supernet)),
            Op::SepConv3x3 => CandidateOp::Sep(SepConv::new(c, c, 3, stride, init, device)),
            Op::SepConv5x5 => CandidateOp::Sep(SepConv::new(c, c, 5, stride, init, device)),
            Op::SepConv7x7 => CandidateOp::Sep(SepConv::new(c, c, 7, stride, init, device)),
            Op::DilConv3x3 => CandidateOp::Dil(DilConv::new(c, c, 3, stride, 2, init, device)),
            Op::DilConv5x5 => CandidateOp::Dil(DilConv::new(c, c, 5, stride, 2, init, device)),
            Op::Conv7x1_1x7 => CandidateOp::Conv7(Conv7x1x7::new(c, stride, init, device)),
            Op::Linear => CandidateOp::Linear(LinearReluBn::new(c, c, init, device)),
            Op::LinearRelu => CandidateOp::LinearRelu(GaussianLinear::new(c, c, init, device)),
        })
    }

    /// Applies the op.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        match self {
            CandidateOp::Reduce(m) => m.forward(x, sampler),
            CandidateOp::Pool(m) => m.forward(x),
            CandidateOp::Sep(m) => m.forward(x, sampler),
            CandidateOp::Dil(m) => m.forward(x, sampler),
            CandidateOp::Conv7(m) => m.forward(x, sampler),
            CandidateOp::Linear(m) => m.forward(x, sampler),
            CandidateOp::LinearRelu(m) => relu(m.forward_nchw(x, sampler)),
            CandidateOp::Identity(_) => x,
        }
    }

    /// Multiply-accumulates for one sample of size `hw` (vectors: `[1, 1]`), and the output
    /// size. Pooling and batch norm count as free, as in the papers' FLOP counts.
    pub fn macs(&self, hw: [usize; 2]) -> (u64, [usize; 2]) {
        match self {
            CandidateOp::Reduce(m) => m.macs(hw),
            CandidateOp::Pool(m) => (0, m.out_hw(hw)),
            CandidateOp::Sep(m) => m.macs(hw),
            CandidateOp::Dil(m) => m.macs(hw),
            CandidateOp::Conv7(m) => m.macs(hw),
            CandidateOp::Linear(m) => (m.linear.macs(), hw),
            CandidateOp::LinearRelu(m) => (m.macs(), hw),
            CandidateOp::Identity(_) => (0, hw),
        }
    }
}
