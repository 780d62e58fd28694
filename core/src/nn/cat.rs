//! Concatenation that is safe while other threads run backward passes.
//!
//! After every backward pass, Burn 0.21's autodiff frees the recorded steps of *every* graph
//! of the process that no tensor references any more, not only of the graph it
//! differentiated (burn issue #5573, fixed after 0.21). `Tensor::cat` takes its inputs by
//! value and lets go of them before it records its output: for that moment its inputs look
//! unreferenced, a backward pass on another thread (another task of the meta-batch) can free
//! them, and the gradient through them is then silently missing. Holding a clone of every
//! input until the output is recorded closes that window.
//!
//! Every concatenation in metanas goes through [`cat`]: clippy's `disallowed_methods`
//! (`clippy.toml`) refuses `Tensor::cat` and `Tensor::stack` (which concatenates too).

use burn::prelude::*;

/// `Tensor::cat(tensors, dim)`, with every input held until the output is recorded.
pub fn cat<B: Backend, const D: usize>(tensors: Vec<Tensor<B, D>>, dim: usize) -> Tensor<B, D> {
    let held = tensors.clone();
    #[allow(clippy::disallowed_methods)]
    let out = Tensor::cat(tensors, dim);
    drop(held);
    out
}
