//! Burn's own convolution and pooling kernels on the GPU backends.
//!
//! On the CPU backend the windowed ops run our loops ([`super::cpu_kernel`]); elsewhere they
//! fall back to tensor-op versions built from shifted views ([`super::taps`]), which nested
//! autodiff can differentiate twice (exact second-order meta-gradients) but which launch a
//! handful of kernels per tap on a GPU: a 5x5 depthwise convolution was about 75 launches
//! forward and several times that backward. On Burn's wgpu and CUDA backends, and their
//! first-order autodiff, the ops take Burn's own `conv2d` (grouped for depthwise),
//! `max_pool2d` and `avg_pool2d` instead: one kernel each way, chosen and tuned by Burn,
//! except the depthwise kernel gradient, which Burn computes one channel at a time and
//! `gpu_depthwise` (built with the GPU features) computes for all channels at once.
//! Nested autodiff keeps the tensor-op versions, since Burn's convolution and pooling
//! backward passes cannot be differentiated again.

use std::any::TypeId;

use burn::prelude::*;
use burn::tensor::module;
use burn::tensor::ops::ConvOptions;

use super::cpu_kernel;

/// Whether `B` is a GPU backend or its first-order autodiff (and the kernels are not switched
/// off on this thread by [`cpu_kernel::without_kernels`]).
pub fn applies<B: Backend>() -> bool {
    if cpu_kernel::switched_off() {
        return false;
    }
    let id = TypeId::of::<B>();
    #[cfg(feature = "wgpu")]
    {
        use burn::backend::{Autodiff, Wgpu};
        if id == TypeId::of::<Wgpu>() || id == TypeId::of::<Autodiff<Wgpu>>() {
            return true;
        }
    }
    #[cfg(feature = "cuda")]
    {
        use burn::backend::{Autodiff, Cuda};
        if id == TypeId::of::<Cuda>() || id == TypeId::of::<Autodiff<Cuda>>() {
            return true;
        }
    }
    let _ = id;
    false
}

/// Convolution of `x` with `weight [o, c / groups, kh, kw]`, no bias, by Burn's kernel (a
/// depthwise one through `gpu_depthwise` in builds with the GPU features).
pub fn conv2d<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
) -> Tensor<B, 4> {
    let options = ConvOptions::new(stride, padding, dilation, groups);
    #[cfg(any(feature = "wgpu", feature = "cuda"))]
    if groups > 1 && groups == x.dims()[1] && weight.dims()[1] == 1 {
        return super::gpu_depthwise::depthwise(x, weight, options);
    }
    module::conv2d(x, weight, None, options)
}

/// 3x3 max pooling, padding 1, by Burn's kernel (the padding never wins).
pub fn max_pool_3x3<B: Backend>(x: Tensor<B, 4>, stride: usize) -> Tensor<B, 4> {
    module::max_pool2d(x, [3, 3], [stride, stride], [1, 1], [1, 1], false)
}

/// 3x3 average pooling, padding 1 and left out of the count (DARTS' `count_include_pad =
/// False`), by Burn's kernel.
pub fn avg_pool_3x3<B: Backend>(x: Tensor<B, 4>, stride: usize) -> Tensor<B, 4> {
    module::avg_pool2d(x, [3, 3], [stride, stride], [1, 1], false, false)
}
