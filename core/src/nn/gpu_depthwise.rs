//! Depthwise convolution on the GPU backends' first-order autodiff, with a kernel gradient
//! whose number of kernel launches does not grow with the channels.
//!
//! Burn 0.21's GPU backends compute a grouped convolution's kernel gradient one group at a
//! time (burn-cubecl's `conv_weight_backward_fallback`: per group a slice of the input, a
//! slice of the output gradient, a convolution and a slice-assign), so a depthwise
//! convolution over `c` channels costs about `5c` launches backward; in the reference
//! meta-step's cells (8 and 16 channels) that was about 7,000 of an inner step's 23,000
//! launches (docs/speed.md, "The GPU path so far"). Here the kernel
//! gradient is one grouped convolution over every (channel, image) pair at once, summed over
//! the images:
//!
//! `dW[c, i, j] = Σ_n Σ_{p, q} g[n, c, p, q] · x_pad[n, c, p·s + i·d, q·s + j·d]`
//!
//! is, for each pair (c, n), the correlation of the padded input plane with the output
//! gradient's plane used as a kernel dilated by the stride `s`, stepped by the dilation `d`.
//! The forward pass and the input gradient are Burn's own (one launch each).

use burn::prelude::*;
use burn::tensor::module;
use burn::tensor::ops::ConvOptions;
use burn::tensor::TensorPrimitive;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops};
use burn_autodiff::Autodiff;

use super::autodiff_step::record;

/// Depthwise convolution of `x [n, c, h, w]` by `weight [c, 1, kh, kw]` (no bias) on a GPU
/// backend: the op of this module under the backend's first-order autodiff, Burn's grouped
/// convolution otherwise.
pub fn depthwise<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    options: ConvOptions<2>,
) -> Tensor<B, 4> {
    on_gpu_autodiff!(B, std::convert::identity, tracked(x, weight; options));
    module::conv2d(x, weight, None, options)
}

/// The kernel gradient `[c, 1, kh, kw]` of a depthwise convolution of `x [n, c, h, w]` from
/// the output gradient `grad [n, c, ho, wo]`, as one grouped convolution and a sum.
fn kernel_gradient<B: Backend>(
    x: Tensor<B, 4>,
    grad: Tensor<B, 4>,
    [kh, kw]: [usize; 2],
    options: &ConvOptions<2>,
) -> Tensor<B, 4> {
    let [n, c, h, w] = x.dims();
    let [_, _, ho, wo] = grad.dims();
    let planes = c * n;
    // Plane (c, n) at index c·n_images + n in both.
    let input = x.swap_dims(0, 1).reshape([1, planes, h, w]);
    let kernel = grad.swap_dims(0, 1).reshape([planes, 1, ho, wo]);
    let swapped = ConvOptions::new(options.dilation, options.padding, options.stride, planes);
    let per_plane = module::conv2d(input, kernel, None, swapped);
    // Its size is at least the kernel's; rows and columns past it come from input positions
    // that the forward stride never reached.
    let [_, _, rows, cols] = per_plane.dims();
    let per_plane = if [rows, cols] == [kh, kw] {
        per_plane
    } else {
        per_plane.slice([0..1, 0..planes, 0..kh, 0..kw])
    };
    per_plane.reshape([c, n, kh, kw]).sum_dim(1)
}

/// The autodiff node: Burn's input gradient and [`kernel_gradient`].
#[derive(Debug)]
struct DepthwiseBackward;

impl<I: Backend> Backward<I, 2> for DepthwiseBackward {
    type State = (
        burn::tensor::ops::FloatTensor<I>,
        burn::tensor::ops::FloatTensor<I>,
        ConvOptions<2>,
    );

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad = grads.consume::<I>(&ops.node);
        let (x, weight, options) = ops.state;
        let [node_x, node_weight] = ops.parents;
        if let Some(node) = node_x {
            let g = I::conv2d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone());
            grads.register::<I>(node.id, g);
        }
        if let Some(node) = node_weight {
            let tensor = |p| Tensor::<I, 4>::from_primitive(TensorPrimitive::Float(p));
            let weight = tensor(weight);
            let [_, _, kh, kw] = weight.dims();
            let g = kernel_gradient(tensor(x), tensor(grad), [kh, kw], &options);
            grads.register::<I>(node.id, g.into_primitive().tensor());
        }
    }
}

fn tracked<I: Backend>(
    x: Tensor<Autodiff<I>, 4>,
    weight: Tensor<Autodiff<I>, 4>,
    options: ConvOptions<2>,
) -> Tensor<Autodiff<I>, 4> {
    let x = x.into_primitive().tensor();
    let weight = weight.into_primitive().tensor();
    let y = I::conv2d(
        x.primitive.clone(),
        weight.primitive.clone(),
        None,
        options.clone(),
    );
    let state = (x.primitive.clone(), weight.primitive.clone(), options);
    let out = record(DepthwiseBackward, [&x, &weight], state, y);
    Tensor::from_primitive(TensorPrimitive::Float(out))
}
