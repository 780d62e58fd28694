//! The CPU backend's depthwise convolution: [`super::depthwise_kernel`]'s loops behind Burn
//! tensors, with an autodiff node of their own for `Autodiff<CpuBackend>`.
//!
//! The supernet is generic over Burn backends; only the default CPU backend (`f32`) and its
//! first-order autodiff take this path, chosen by type at run time. Every other backend,
//! `f64` tests and nested autodiff (exact second-order meta-gradients, whose backward must
//! itself be differentiable) use the tensor-op version in [`super::depthwise`], against
//! which this one is tested.

use std::any::{Any, TypeId};

use burn::prelude::*;
use burn::tensor::TensorPrimitive;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::strategy::NoCheckpointing;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_ndarray::NdArrayTensor;

use super::depthwise_kernel::{self as kernel, Geometry};
use crate::{CpuAutodiff, CpuBackend};

/// `Some(y)` when `B` is the CPU backend or its autodiff, else the inputs back.
pub fn try_depthwise<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Result<Tensor<B, 4>, (Tensor<B, 4>, Tensor<B, 4>)> {
    let [n, c, h, w] = x.dims();
    let [_, _, kh, kw] = weight.dims();
    let geometry = Geometry {
        n,
        c,
        input: [h, w],
        kernel: [kh, kw],
        stride,
        padding,
        dilation,
    };
    if TypeId::of::<B>() == TypeId::of::<CpuBackend>() {
        let y = plain(cast(x), cast(weight), geometry);
        return Ok(cast(y));
    }
    if TypeId::of::<B>() == TypeId::of::<CpuAutodiff>() {
        let y = tracked(cast(x), cast(weight), geometry);
        return Ok(cast(y));
    }
    Err((x, weight))
}

/// A value of type `A` as type `T`; only called where the two are the same type.
fn cast<A: 'static, T: 'static>(value: A) -> T {
    let boxed: Box<dyn Any> = Box::new(value);
    *boxed
        .downcast::<T>()
        .expect("cast between identical types (checked by TypeId)")
}

/// Calls `f` with the values of `t` in row-major order, without a copy when they are
/// contiguous (Burn's own `into_data` copies a shared buffer element by element).
fn with_values<R>(t: &NdArrayTensor, f: impl FnOnce(&[f32]) -> R) -> R {
    if let NdArrayTensor::F32(storage) = t {
        let view = storage.view();
        if let Some(values) = view.as_slice() {
            return f(values);
        }
        return f(&view.iter().copied().collect::<Vec<f32>>());
    }
    let data = Tensor::<CpuBackend, 4>::from_primitive(TensorPrimitive::Float(t.clone()))
        .into_data()
        .convert::<f32>();
    f(&data.to_vec::<f32>().expect("f32 data after convert"))
}

fn primitive(values: Vec<f32>, shape: [usize; 4]) -> NdArrayTensor {
    Tensor::<CpuBackend, 4>::from_data(TensorData::new(values, shape), &Default::default())
        .into_primitive()
        .tensor()
}

fn out_shape(g: &Geometry) -> [usize; 4] {
    let [ho, wo] = g.output();
    [g.n, g.c, ho, wo]
}

fn forward(x: &NdArrayTensor, weight: &NdArrayTensor, g: &Geometry) -> NdArrayTensor {
    let y = with_values(x, |x| with_values(weight, |w| kernel::forward(g, x, w)));
    primitive(y, out_shape(g))
}

fn plain(
    x: Tensor<CpuBackend, 4>,
    weight: Tensor<CpuBackend, 4>,
    g: Geometry,
) -> Tensor<CpuBackend, 4> {
    let y = forward(
        &x.into_primitive().tensor(),
        &weight.into_primitive().tensor(),
        &g,
    );
    Tensor::from_primitive(TensorPrimitive::Float(y))
}

/// The backward of one depthwise convolution: the kernel's input-gradient and
/// weight-gradient loops on the saved input and kernel.
#[derive(Debug)]
struct DepthwiseBackward;

impl Backward<CpuBackend, 2> for DepthwiseBackward {
    type State = (NdArrayTensor, NdArrayTensor, Geometry);

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<CpuBackend>(&ops.node);
        let (x, weight, g) = ops.state;
        if let Some(node) = node_x {
            let dx = with_values(&grad, |gy| {
                with_values(&weight, |w| kernel::grad_input(&g, gy, w))
            });
            let shape = [g.n, g.c, g.input[0], g.input[1]];
            grads.register::<CpuBackend>(node.id, primitive(dx, shape));
        }
        if let Some(node) = node_weight {
            let dw = with_values(&grad, |gy| {
                with_values(&x, |x| kernel::grad_weight(&g, gy, x))
            });
            let shape = [g.c, 1, g.kernel[0], g.kernel[1]];
            grads.register::<CpuBackend>(node.id, primitive(dw, shape));
        }
    }
}

fn tracked(
    x: Tensor<CpuAutodiff, 4>,
    weight: Tensor<CpuAutodiff, 4>,
    g: Geometry,
) -> Tensor<CpuAutodiff, 4> {
    let x = x.into_primitive().tensor();
    let weight = weight.into_primitive().tensor();
    let y = forward(&x.primitive, &weight.primitive, &g);
    let out = match DepthwiseBackward
        .prepare::<NoCheckpointing>([x.node.clone(), weight.node.clone()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish((x.primitive, weight.primitive, g), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn random<B: Backend>(shape: [usize; 4], seed: u64) -> Tensor<B, 4> {
        let n = shape.iter().product();
        Tensor::from_data(
            TensorData::new(SeededRng::new(seed).normal_vec(n), shape),
            &Default::default(),
        )
    }

    fn close(a: Tensor<CpuBackend, 4>, b: Tensor<CpuBackend, 4>, what: &str) {
        assert_eq!(a.dims(), b.dims(), "{what}");
        let a = a.into_data().to_vec::<f32>().unwrap();
        let b = b.into_data().to_vec::<f32>().unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-4 * (1.0 + y.abs()), "{what}: {x} vs {y}");
        }
    }

    #[test]
    fn matches_the_tensor_op_version_with_gradients() {
        for (k, s, d) in [(3, 1, 1), (3, 2, 1), (5, 1, 2), (5, 2, 1)] {
            let p = d * (k - 1) / 2;
            let x = random::<CpuAutodiff>([2, 4, 9, 8], 1).require_grad();
            let w = random::<CpuAutodiff>([4, 1, k, k], 2).require_grad();
            let fast = try_depthwise(x.clone(), w.clone(), [s, s], [p, p], [d, d])
                .expect("the CPU autodiff backend takes the fast path");
            let reference = super::super::depthwise::depthwise_ops(
                x.clone(),
                w.clone(),
                [s, s],
                [p, p],
                [d, d],
            );
            let what = format!("k{k} s{s} d{d}");
            close(fast.clone().inner(), reference.clone().inner(), &what);
            let probe = Tensor::<CpuAutodiff, 4>::from_inner(random(fast.dims(), 3));
            let g1 = (fast * probe.clone()).sum().backward();
            let g2 = (reference * probe).sum().backward();
            close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), &what);
            close(w.grad(&g1).unwrap(), w.grad(&g2).unwrap(), &what);
            // Inference on the plain backend takes the same loops.
            let plain = try_depthwise(x.inner(), w.inner(), [s, s], [p, p], [d, d])
                .expect("the CPU backend takes the fast path");
            close(plain, fast_inner_reference(k, s, d), &what);
        }
    }

    fn fast_inner_reference(k: usize, s: usize, d: usize) -> Tensor<CpuBackend, 4> {
        let p = d * (k - 1) / 2;
        super::super::depthwise::depthwise_ops(
            random::<CpuBackend>([2, 4, 9, 8], 1),
            random::<CpuBackend>([4, 1, k, k], 2),
            [s, s],
            [p, p],
            [d, d],
        )
    }

    #[test]
    fn other_backends_are_handed_back() {
        type F64 = burn::backend::NdArray<f64>;
        let x = random::<F64>([1, 2, 4, 4], 1);
        let w = random::<F64>([2, 1, 3, 3], 2);
        assert!(try_depthwise(x, w, [1, 1], [1, 1], [1, 1]).is_err());
    }
}
