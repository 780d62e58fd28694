//! Loops of our own behind Burn tensors on the default CPU backend, each with an autodiff
//! node of its own.
//!
//! The supernet is generic over Burn backends, and Burn 0.21's CPU backend is slow at the
//! search cells' many small windowed ops. A [`CpuKernel`] is a forward loop on plain `f32`
//! buffers and its backward loop; [`run`] applies it when the backend is the CPU backend
//! (`f32`) or its first-order autodiff, chosen by type at run time, and hands the inputs back
//! for every other backend, for `f64` and for nested autodiff (exact second-order
//! meta-gradients need a backward that is itself differentiable), where the callers use
//! their tensor-op versions. Each kernel is tested against that version and Burn's own op.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::fmt::Debug;

use burn::prelude::*;
use burn::tensor::{TensorMetadata, TensorPrimitive};
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops};
use burn_ndarray::NdArrayTensor;

use super::autodiff_step::record;

use crate::{CpuAutodiff, CpuBackend};

/// A 4-D op with `N` inputs, as loops on row-major `f32` buffers.
pub trait CpuKernel<const N: usize>: Clone + Send + Debug + 'static {
    /// What the forward pass keeps for the backward pass besides the inputs.
    type Saved: Clone + Send + Debug + 'static;

    /// The output and its shape, and what the backward pass needs.
    fn forward(&self, inputs: [&[f32]; N]) -> (Vec<f32>, [usize; 4], Self::Saved);

    /// Gradients of the inputs whose `wanted` flag is set (`None` for the others), from the
    /// gradient `grad` of the output.
    fn backward(
        &self,
        inputs: [&[f32]; N],
        saved: &Self::Saved,
        grad: &[f32],
        wanted: [bool; N],
    ) -> [Option<Vec<f32>>; N];
}

thread_local! {
    static OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the loops switched off on this thread: every op takes its tensor-op
/// version (for comparing the two on a whole network).
pub fn without_kernels<R>(f: impl FnOnce() -> R) -> R {
    let before = OFF.with(|off| off.replace(true));
    let result = f();
    OFF.with(|off| off.set(before));
    result
}

/// Whether [`without_kernels`] switched the loops off on this thread (Burn's own kernels on
/// the GPU backends too, see [`super::gpu_native`]).
pub fn switched_off() -> bool {
    OFF.with(|off| off.get())
}

/// `kernel` applied to `inputs` when `B` is the CPU backend or its autodiff, else the
/// inputs back.
pub fn run<B: Backend, K: CpuKernel<N>, const N: usize>(
    kernel: K,
    inputs: [Tensor<B, 4>; N],
) -> Result<Tensor<B, 4>, [Tensor<B, 4>; N]> {
    if switched_off() {
        return Err(inputs);
    }
    if TypeId::of::<B>() == TypeId::of::<CpuBackend>() {
        let inputs: [Tensor<CpuBackend, 4>; N] = cast(inputs);
        let primitives = inputs.map(|t| t.into_primitive().tensor());
        let (y, _) = forward(&kernel, &primitives);
        return Ok(cast(Tensor::<CpuBackend, 4>::from_primitive(
            TensorPrimitive::Float(y),
        )));
    }
    if TypeId::of::<B>() == TypeId::of::<CpuAutodiff>() {
        let inputs: [Tensor<CpuAutodiff, 4>; N] = cast(inputs);
        return Ok(cast(tracked(kernel, inputs)));
    }
    Err(inputs)
}

/// A value of type `A` as type `T`; only called where the two are the same type.
pub(super) fn cast<A: 'static, T: 'static>(value: A) -> T {
    let boxed: Box<dyn Any> = Box::new(value);
    *boxed
        .downcast::<T>()
        .expect("cast between identical types (checked by TypeId)")
}

/// The values of `t` in row-major order, borrowed when they are contiguous (Burn's own
/// `into_data` copies a shared buffer element by element).
fn values(t: &NdArrayTensor) -> Cow<'_, [f32]> {
    if let NdArrayTensor::F32(storage) = t {
        let view = storage.view();
        return match view.to_slice() {
            Some(values) => Cow::Borrowed(values),
            None => Cow::Owned(view.iter().copied().collect()),
        };
    }
    let data = Tensor::<CpuBackend, 4>::from_primitive(TensorPrimitive::Float(t.clone()))
        .into_data()
        .convert::<f32>();
    Cow::Owned(data.to_vec::<f32>().expect("f32 data after convert"))
}

fn primitive(values: Vec<f32>, shape: [usize; 4]) -> NdArrayTensor {
    Tensor::<CpuBackend, 4>::from_data(TensorData::new(values, shape), &Default::default())
        .into_primitive()
        .tensor()
}

fn forward<K: CpuKernel<N>, const N: usize>(
    kernel: &K,
    inputs: &[NdArrayTensor; N],
) -> (NdArrayTensor, K::Saved) {
    let values = inputs.each_ref().map(values);
    let (y, shape, saved) = kernel.forward(values.each_ref().map(|v| &**v));
    (primitive(y, shape), saved)
}

/// The autodiff node of a [`CpuKernel`]: its backward loop on the saved inputs.
#[derive(Debug)]
struct KernelBackward<K>(std::marker::PhantomData<K>);

impl<K: CpuKernel<N>, const N: usize> Backward<CpuBackend, N> for KernelBackward<K> {
    type State = (K, [NdArrayTensor; N], K::Saved);

    fn backward(
        self,
        ops: Ops<Self::State, N>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad = grads.consume::<CpuBackend>(&ops.node);
        let (kernel, inputs, saved) = ops.state;
        let wanted = ops.parents.each_ref().map(Option::is_some);
        let values_in = inputs.each_ref().map(values);
        let results = kernel.backward(
            values_in.each_ref().map(|v| &**v),
            &saved,
            &values(&grad),
            wanted,
        );
        for ((parent, result), input) in ops.parents.into_iter().zip(results).zip(&inputs) {
            if let (Some(node), Some(values)) = (parent, result) {
                let shape = input.shape();
                let shape: [usize; 4] = std::array::from_fn(|d| shape[d]);
                grads.register::<CpuBackend>(node.id, primitive(values, shape));
            }
        }
    }
}

fn tracked<K: CpuKernel<N>, const N: usize>(
    kernel: K,
    inputs: [Tensor<CpuAutodiff, 4>; N],
) -> Tensor<CpuAutodiff, 4> {
    let inputs = inputs.map(|t| t.into_primitive().tensor());
    let primitives = inputs.each_ref().map(|t| t.primitive.clone());
    let (y, saved) = forward(&kernel, &primitives);
    let out = record(
        KernelBackward::<K>(std::marker::PhantomData),
        inputs.each_ref(),
        (kernel, primitives, saved),
        y,
    );
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::norm_kernel::BatchNorm;

    #[test]
    fn only_the_cpu_backend_and_its_first_order_autodiff_take_the_loops() {
        fn taken<B: Backend>() -> bool {
            let x = Tensor::<B, 4>::ones([1, 2, 2, 2], &Default::default());
            let kernel = BatchNorm {
                shape: [1, 2, 2, 2],
                eps: 1e-5,
            };
            run(kernel, [x]).is_ok()
        }
        assert!(taken::<CpuBackend>());
        assert!(taken::<CpuAutodiff>());
        assert!(!taken::<burn::backend::NdArray<f64>>());
        assert!(!taken::<burn::backend::Autodiff<CpuAutodiff>>());
    }
}
