//! Recording an autodiff step of our own (the CPU kernels' and the GPU backends' ops): the
//! output of a computation done on the inner backend, with the step that gives its parents'
//! gradients in the backward pass.

use burn::prelude::*;
use burn::tensor::ops::FloatTensor;
use burn_autodiff::checkpoint::strategy::NoCheckpointing;
use burn_autodiff::ops::{Backward, OpsKind};
use burn_autodiff::Autodiff;

/// `out`, computed on the inner backend from `parents`, as a tensor autodiff tracks through
/// `step`; `state` is kept for the backward pass when a parent is tracked, else dropped.
pub(super) fn record<I: Backend, T: Backward<I, N>, const N: usize>(
    step: T,
    parents: [&FloatTensor<Autodiff<I>>; N],
    state: T::State,
    out: FloatTensor<I>,
) -> FloatTensor<Autodiff<I>> {
    match step
        .prepare::<NoCheckpointing>(parents.map(|p| p.node.clone()))
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(state, out),
        OpsKind::UnTracked(prep) => prep.finish(out),
    }
}
