//! M-NAS (paper 003): a task encoder, a task-aware architecture controller and a meta-weight
//! modulator over the supernet, meta-trained through a MAML inner loop; with its ablations
//! M-NAS-Shared and M-NAS-NM.

mod config;
mod encoder;
mod layers;
mod learner;
mod params;

pub use config::{MnasConfig, MnasVariant};
pub use encoder::{pair_rows, pair_width, permuted, TaskEncoder};
pub use layers::{Dense, GruCell};
pub use learner::MnasLearner;
pub use params::{dot_with, modulated, path_dropout, Controller, MnasParams, TaskStart};

#[cfg(test)]
mod tests;
