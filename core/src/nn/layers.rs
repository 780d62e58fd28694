//! Layers with Gaussian weights: convolution, a matmul-based linear layer, and batch norm
//! from batch statistics.
//!
//! The linear layer is a plain matmul (not `burn::nn::Linear`), because the backward of
//! `nn::Linear` cannot be nested in Burn 0.21's autodiff, which second-order meta-gradients
//! need. Batch norm always uses the statistics of the batch and has no affine part and no
//! running averages (DARTS search nets use `affine=False`; M-NAS: "we always use batch
//! statistics ... since the training task is varying").

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::activation;
use burn::tensor::ops::ConvOptions;

use super::cpu_kernel;
use super::gaussian::{GaussianParam, WeightSampler};
use super::norm_kernel::BatchNorm;
use crate::rng::SeededRng;

/// Initial weight scale σ and the seeded stream that draws the initial means.
pub struct Init<'a> {
    /// Initial σ of every Gaussian weight.
    pub sigma: f64,
    /// Stream for the initial means.
    pub rng: &'a mut SeededRng,
    /// Batch norms get a learned scale and shift and running statistics
    /// ([`super::AffineNorm`], evaluation networks) instead of none (search networks).
    pub affine_norm: bool,
}

impl Init<'_> {
    /// The affine part of a batch norm over `channels`, when this network has them.
    pub fn norm<B: Backend>(
        &self,
        channels: usize,
        device: &B::Device,
    ) -> Option<super::AffineNorm<B>> {
        self.affine_norm
            .then(|| super::AffineNorm::new(channels, device))
    }
}

/// Added to the variance in batch norm.
pub const BN_EPS: f64 = 1e-5;

/// Batch norm over every dimension but the channels (dim 1), without affine parameters: the
/// CPU backend's own loops ([`super::norm_kernel`]) where they apply, an autodiff op with the
/// closed-form gradient on the GPU backends (`gpu_norm`, in builds with them), else
/// [`batch_norm_ops`].
pub fn batch_norm<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    let kernel = BatchNorm {
        shape: x.dims(),
        eps: BN_EPS,
    };
    let x = match cpu_kernel::run(kernel, [x]) {
        Ok(y) => return y,
        Err([x]) => x,
    };
    #[cfg(any(feature = "wgpu", feature = "cuda"))]
    let x = match super::gpu_norm::batch_norm(x) {
        Ok(y) => return y,
        Err(x) => x,
    };
    batch_norm_ops(x)
}

/// Batch norm as tensor ops (every backend, nested autodiff).
pub fn batch_norm_ops<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    standardised(x.reshape([n, c, h * w]))
        .0
        .reshape([n, c, h, w])
}

/// `x [n, c, h·w]` standardised per channel with the statistics of the batch, and the
/// standard deviation sqrt(variance + ε) `[1, c, 1]` it was divided by. Each statistic is two
/// reductions (over a plane, then over the images) and each broadcast's gradient two sums, not
/// three as over `[n, c, h, w]`: on the GPU backends each is a kernel launch.
pub(super) fn standardised<B: Backend>(x: Tensor<B, 3>) -> (Tensor<B, 3>, Tensor<B, 3>) {
    let mean = x.clone().mean_dim(2).mean_dim(0);
    let centred = x - mean;
    let var = centred.clone().powi_scalar(2).mean_dim(2).mean_dim(0);
    let sd = (var + BN_EPS).sqrt();
    (centred / sd.clone(), sd)
}

/// A 2-D convolution without bias whose kernel is Gaussian.
#[derive(Module, Debug)]
pub struct GaussianConv2d<B: Backend> {
    /// Kernel `[out, in / groups, kh, kw]`.
    pub weight: GaussianParam<B, 4>,
    /// Stride (h, w).
    pub stride: [usize; 2],
    /// Symmetric padding (h, w).
    pub padding: [usize; 2],
    /// Dilation (h, w).
    pub dilation: [usize; 2],
    /// Groups (channels for depthwise).
    pub groups: usize,
}

/// Shape and options of a [`GaussianConv2d`].
#[derive(Clone, Copy, Debug)]
pub struct ConvSpec {
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Kernel (h, w).
    pub kernel: [usize; 2],
    /// Stride (h, w).
    pub stride: [usize; 2],
    /// Padding (h, w).
    pub padding: [usize; 2],
    /// Dilation (h, w).
    pub dilation: [usize; 2],
    /// Groups.
    pub groups: usize,
}

impl ConvSpec {
    /// A square `k`x`k` convolution with stride `s`, padding `p`, no dilation, no groups.
    pub fn square(c_in: usize, c_out: usize, k: usize, s: usize, p: usize) -> Self {
        Self {
            c_in,
            c_out,
            kernel: [k, k],
            stride: [s, s],
            padding: [p, p],
            dilation: [1, 1],
            groups: 1,
        }
    }

    /// Builds the layer.
    pub fn init<B: Backend>(self, init: &mut Init<'_>, device: &B::Device) -> GaussianConv2d<B> {
        let fan_in = self.c_in / self.groups * self.kernel[0] * self.kernel[1];
        let shape = [
            self.c_out,
            self.c_in / self.groups,
            self.kernel[0],
            self.kernel[1],
        ];
        GaussianConv2d {
            weight: GaussianParam::init_uniform(
                shape,
                1.0 / (fan_in as f64).sqrt(),
                init.sigma,
                init.rng,
                device,
            ),
            stride: self.stride,
            padding: self.padding,
            dilation: self.dilation,
            groups: self.groups,
        }
    }
}

impl<B: Backend> GaussianConv2d<B> {
    /// Convolves `x` with a kernel drawn by `sampler`.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        self.apply(x, sampler, false)
    }

    /// Convolves `relu(x)` (DARTS' ReLU-Conv order): on the CPU backend the ReLU is fused
    /// into the loops of depthwise and 1x1 convolutions.
    pub fn forward_relu(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        self.apply(x, sampler, true)
    }

    /// Depthwise convolutions (one group per channel) run as shifted slices
    /// ([`super::depthwise`]), 1x1 ones as loops or one matrix product ([`super::conv`]),
    /// other dense ones as one matrix product: all far faster on Burn's CPU backend than its
    /// own conv2d.
    fn apply(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler, relu: bool) -> Tensor<B, 4> {
        let w = self.weight.sample(sampler);
        let [c_out, c_in_per_group, kh, kw] = w.dims();
        if self.groups > 1 && c_in_per_group == 1 && c_out == self.groups {
            return super::depthwise::depthwise_conv2d(
                x,
                w,
                self.stride,
                self.padding,
                self.dilation,
                relu,
            );
        }
        if self.groups == 1 && [kh, kw] == [1, 1] && self.padding == [0, 0] {
            return super::conv::conv1x1(x, w, self.stride, relu);
        }
        let x = if relu { activation::relu(x) } else { x };
        if self.groups == 1 {
            return super::conv::conv2d(x, w, self.stride, self.padding, self.dilation);
        }
        let options = ConvOptions::new(self.stride, self.padding, self.dilation, self.groups);
        burn::tensor::module::conv2d(x, w, None, options)
    }

    /// Output spatial size for an input of size `hw`.
    pub fn out_hw(&self, hw: [usize; 2]) -> [usize; 2] {
        let [_, _, kh, kw] = self.weight.mu.dims();
        let k = [kh, kw];
        let mut out = [0; 2];
        for d in 0..2 {
            let span = self.dilation[d] * (k[d] - 1) + 1;
            out[d] = (hw[d] + 2 * self.padding[d]).saturating_sub(span) / self.stride[d] + 1;
        }
        out
    }

    /// Multiply-accumulates for one sample of spatial size `hw`.
    pub fn macs(&self, hw: [usize; 2]) -> u64 {
        let [c_out, c_in_per_group, kh, kw] = self.weight.mu.dims();
        let [oh, ow] = self.out_hw(hw);
        (c_out * c_in_per_group * kh * kw * oh * ow) as u64
    }
}

/// A linear layer `y = x W + b` with Gaussian `W [in, out]` and `b [out]`, as a matmul.
#[derive(Module, Debug)]
pub struct GaussianLinear<B: Backend> {
    /// Weight `[in, out]`.
    pub weight: GaussianParam<B, 2>,
    /// Bias `[out]`.
    pub bias: GaussianParam<B, 1>,
}

impl<B: Backend> GaussianLinear<B> {
    /// A layer from `d_in` to `d_out` features.
    pub fn new(d_in: usize, d_out: usize, init: &mut Init<'_>, device: &B::Device) -> Self {
        let bound = 1.0 / (d_in as f64).sqrt();
        Self {
            weight: GaussianParam::init_uniform([d_in, d_out], bound, init.sigma, init.rng, device),
            bias: GaussianParam::init_uniform([d_out], bound, init.sigma, init.rng, device),
        }
    }

    /// `x [n, in]` to `[n, out]`.
    pub fn forward(&self, x: Tensor<B, 2>, sampler: &mut WeightSampler) -> Tensor<B, 2> {
        let w = self.weight.sample(sampler);
        let b = self.bias.sample(sampler);
        x.matmul(w) + b.unsqueeze::<2>()
    }

    /// Vectors held as `[n, in, 1, 1]` (the supernet's layout) to `[n, out, 1, 1]`.
    pub fn forward_nchw(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        let [n, c, _, _] = x.dims();
        let y = self.forward(x.reshape([n, c]), sampler);
        let [n, d] = y.dims();
        y.reshape([n, d, 1, 1])
    }

    /// Multiply-accumulates for one sample.
    pub fn macs(&self) -> u64 {
        let [d_in, d_out] = self.weight.mu.dims();
        (d_in * d_out) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gaussian::WeightSampler;
    use crate::nn::test_util::{mu_values, search_init};
    use burn::backend::NdArray;

    type B = NdArray<f32>;

    #[test]
    fn batch_norm_standardises_each_channel() {
        let device = Default::default();
        // Channel 0 holds 1..=8, channel 1 holds 10 everywhere.
        let mut values = Vec::new();
        for n in 0..2 {
            for c in 0..2 {
                for i in 0..4 {
                    values.push(if c == 0 { (n * 4 + i + 1) as f32 } else { 10.0 });
                }
            }
        }
        let x = Tensor::<B, 4>::from_data(TensorData::new(values, [2, 2, 2, 2]), &device);
        let y = batch_norm(x).into_data().to_vec::<f32>().unwrap();
        // Mean 4.5, biased variance 5.25 for 1..=8.
        let expect0 = (1.0 - 4.5) / (5.25f32 + 1e-5).sqrt();
        assert!((y[0] - expect0).abs() < 1e-5);
        assert!(y[4..8].iter().all(|v| v.abs() < 1e-6));
    }

    #[test]
    fn batch_norm_loops_match_tensor_ops_with_gradients() {
        // Image planes, odd planes longer than the eight lanes, and vectors (planes of one
        // value, as the regression cells hold them).
        for shape in [[2, 3, 4, 5], [3, 2, 5, 7], [10, 4, 1, 1]] {
            let x = crate::nn::test_util::random(shape, 4);
            crate::nn::test_util::assert_same_op(
                batch_norm(x.clone()),
                batch_norm_ops(x.clone()),
                &[("x", &x)],
                1e-4,
                &format!("batch norm {shape:?}"),
            );
        }
    }

    #[test]
    fn conv_output_size_and_macs() {
        let device = Default::default();
        let mut rng = SeededRng::new(0);
        let mut init = search_init(&mut rng);
        let conv: GaussianConv2d<B> = ConvSpec::square(3, 4, 3, 2, 1).init(&mut init, &device);
        let x = Tensor::<B, 4>::zeros([1, 3, 7, 7], &device);
        let y = conv.forward(x, &mut WeightSampler::mean());
        assert_eq!(y.dims(), [1, 4, 4, 4]);
        assert_eq!(conv.out_hw([7, 7]), [4, 4]);
        assert_eq!(conv.macs([7, 7]), 4 * 3 * 9 * 16);
    }

    #[test]
    fn linear_is_xw_plus_b() {
        let device = Default::default();
        let mut rng = SeededRng::new(0);
        let mut init = search_init(&mut rng);
        let lin = GaussianLinear::<B>::new(2, 1, &mut init, &device);
        let w = mu_values(&lin.weight);
        let b = mu_values(&lin.bias);
        let x = Tensor::<B, 2>::from_data(TensorData::new(vec![3.0f32, -1.0], [1, 2]), &device);
        let y = lin
            .forward(x, &mut WeightSampler::mean())
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert!((y[0] - (3.0 * w[0] - w[1] + b[0])).abs() < 1e-6);
    }
}
