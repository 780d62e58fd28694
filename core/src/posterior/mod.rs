//! The BASE posterior: Gumbel-softmax architecture samples over φ, Gaussian weights ψ, and
//! the KL terms against the shared prior W.

mod arch;
mod kl;
#[allow(clippy::module_inception)]
mod posterior;

pub use arch::{to_table, ArchLogits, Relaxation};
pub use kl::{categorical_kl, concrete_log_density, gaussian_kl};
pub use posterior::{
    ArchUse, GaussianTensors, KlTerms, Posterior, PosteriorInit, PriorTensors, SampleSpec,
};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod single_path_tests;
