//! Architecture evaluation: a genotype's full-size network (DARTS/BASE evaluation network)
//! trained from scratch on a labelled image dataset with the protocol of DARTS and BASE
//! Appendix A.1, as a run that checkpoints and resumes bit for bit.

mod architecture;
mod augment;
mod checkpoint_state;
mod config;
mod eval_net;
mod on_backend;
mod plain_net;
mod run;
mod run_dir;
mod sgd;
mod split;

pub use architecture::{Architecture, RetrainNet};
pub use augment::{crop, cutout, flip, Augment, Shape};
pub use config::{Preset, Protocol, RetrainConfig, RetrainData};
pub use eval_net::{reduction_cells, AuxHead, EvalNetwork, EvalOutput, NetIo, NetShape};
pub use on_backend::{create, open, Retrain};
pub use plain_net::{PlainBlock, PlainNet, PLAIN_BLOCKS};
pub use run::{NetworkSize, RetrainRun, StepProgress};
pub use run_dir::{
    is_retrain_run, read_manifest, EpochRecord, RetrainManifest, RETRAIN_FORMAT_VERSION,
};
pub use sgd::Sgd;
pub use split::{channel_stats, is_test_file, split, standardise, Images, TrainTest};

/// DARTS' second-order CIFAR-10 cell (`DARTS_V2` in DARTS' `genotypes.py`), in DARTS text.
pub const DARTS_V2: &str = include_str!("../../../assets/genotypes/darts_v2.txt");

/// DARTS' first-order CIFAR-10 cell (`DARTS_V1`), in DARTS text.
pub const DARTS_V1: &str = include_str!("../../../assets/genotypes/darts_v1.txt");

#[cfg(test)]
mod tests;
