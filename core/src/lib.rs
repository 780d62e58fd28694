//! metanas-core: the engine of metanas, generic over Burn backends, with no GUI code.
//!
//! - [`space`]: the search space (ops, cells, network motif, constraints).
//! - [`nn`]: layers with Gaussian weights and the candidate ops.
//! - [`supernet`]: mixed op, cell and network modules (supernet or fixed from a genotype).
//! - [`posterior`]: the BASE posterior: Gumbel-softmax architecture samples, KL terms.
//! - [`genotype`]: discrete architectures, derived from logits, in JSON and DARTS text.
//! - [`rng`]: seeded random streams that give the same numbers on every backend.

pub mod analysis;
pub mod baselines;
pub mod data;
pub mod device_counts;
pub mod figure;
pub mod genotype;
pub mod interrupt;
pub mod learners;
pub mod memory_use;
pub mod nn;
pub mod posterior;
pub mod retrain;
pub mod rng;
pub mod run;
pub mod space;
pub mod supernet;
pub mod tasks;
pub mod value_error;

/// The default CPU backend.
pub type CpuBackend = burn::backend::NdArray<f32>;
/// The default CPU backend with autodiff.
pub type CpuAutodiff = burn::backend::Autodiff<CpuBackend>;
