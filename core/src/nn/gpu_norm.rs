//! Batch norm on the GPU backends' first-order autodiff, with its closed-form gradient.
//!
//! As tensor ops ([`super::layers::batch_norm_ops`]) batch norm's backward pass is autodiff's
//! walk back through the mean, the centring, the square, the variance, the root and the
//! division, with the gradient of every broadcast summed back to its statistic: about 20
//! kernel launches on Burn's GPU backends, and a cell of the reference meta-step holds over a
//! hundred batch norms. Here the forward pass is the same tensor ops (on the inner backend, so
//! autodiff records nothing of them) and the backward pass is the closed form for a
//! standardisation `y = (x − mean) / s` with `s = sqrt(var + ε)` over the batch:
//!
//! `dx = (g − mean(g) − y · mean(g · y)) / s`
//!
//! with the means over every dimension but the channels: two statistics of two reductions
//! each and one element-wise pass.

use burn::prelude::*;
use burn::tensor::TensorPrimitive;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops};
use burn_autodiff::Autodiff;

use super::autodiff_step::record;

use super::layers::standardised;

/// Batch norm of `x [n, c, h, w]` (statistics of the batch, no affine part) by the op of
/// this module when `B` is a GPU backend's first-order autodiff; `x` back otherwise.
pub fn batch_norm<B: Backend>(x: Tensor<B, 4>) -> Result<Tensor<B, 4>, Tensor<B, 4>> {
    on_gpu_autodiff!(B, Ok, tracked(x;));
    Err(x)
}

/// `(g − mean(g) − y · mean(g · y)) / s` over `[n, c, h·w]`, means per channel.
fn input_gradient<I: Backend>(g: Tensor<I, 3>, y: Tensor<I, 3>, sd: Tensor<I, 3>) -> Tensor<I, 3> {
    let mean = |t: Tensor<I, 3>| t.mean_dim(2).mean_dim(0);
    let mean_g = mean(g.clone());
    let mean_gy = mean(g.clone() * y.clone());
    (g - mean_g - y * mean_gy) / sd
}

/// The autodiff node: [`input_gradient`] from the output and the standard deviation.
#[derive(Debug)]
struct NormBackward;

impl<I: Backend> Backward<I, 1> for NormBackward {
    /// The output `[n, c, h·w]`, the standard deviation `[1, c, 1]`, the input's shape.
    type State = (
        burn::tensor::ops::FloatTensor<I>,
        burn::tensor::ops::FloatTensor<I>,
        [usize; 4],
    );

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad = grads.consume::<I>(&ops.node);
        let (y, sd, [n, c, h, w]) = ops.state;
        let [Some(node)] = ops.parents else {
            return;
        };
        let tensor = |p| Tensor::<I, 3>::from_primitive(TensorPrimitive::Float(p));
        let g = Tensor::<I, 4>::from_primitive(TensorPrimitive::Float(grad)).reshape([n, c, h * w]);
        let dx = input_gradient(g, tensor(y), tensor(sd)).reshape([n, c, h, w]);
        grads.register::<I>(node.id, dx.into_primitive().tensor());
    }
}

fn tracked<I: Backend>(x: Tensor<Autodiff<I>, 4>) -> Tensor<Autodiff<I>, 4> {
    let shape = x.dims();
    let [n, c, h, w] = shape;
    let x = x.into_primitive().tensor();
    let inner = Tensor::<I, 4>::from_primitive(TensorPrimitive::Float(x.primitive.clone()));
    let (y, sd) = standardised(inner.reshape([n, c, h * w]));
    let out = y.clone().reshape(shape).into_primitive().tensor();
    let primitive = |t: Tensor<I, 3>| t.into_primitive().tensor();
    let out = record(
        NormBackward,
        [&x],
        (primitive(y), primitive(sd), shape),
        out,
    );
    Tensor::from_primitive(TensorPrimitive::Float(out))
}
