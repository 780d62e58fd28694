//! What a retrain trains: a genotype's evaluation network or the hand-designed Conv-4
//! baseline, behind one module.

use burn::module::Module;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::eval_net::{EvalNetwork, EvalOutput, NetIo, NetShape};
use super::plain_net::PlainNet;
use crate::genotype::{Genotype, GenotypeError};
use crate::nn::WeightSampler;
use crate::supernet::learned_values;

/// The architecture of a retrain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Architecture {
    /// The evaluation network of a genotype (size from the config's `network`).
    Cells {
        /// The genotype.
        genotype: Genotype,
        /// Where it came from (a file, a run, `random seed 3`), for reports.
        source: String,
    },
    /// Four blocks of 3x3 convolution, batch norm, ReLU and max pooling.
    Conv4 {
        /// Channels of every block (few-shot papers: 64).
        channels: usize,
    },
}

impl Architecture {
    /// A short description for tables.
    pub fn describe(&self) -> String {
        match self {
            Architecture::Cells { source, .. } => source.clone(),
            Architecture::Conv4 { channels } => format!("Conv-4 ({channels} channels)"),
        }
    }

    /// The genotype, if it is one.
    pub fn genotype(&self) -> Option<&Genotype> {
        match self {
            Architecture::Cells { genotype, .. } => Some(genotype),
            Architecture::Conv4 { .. } => None,
        }
    }
}

/// The network of an [`Architecture`].
// Built once per run; Burn modules cannot be boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum RetrainNet<B: Backend> {
    /// A genotype's evaluation network.
    Cells(EvalNetwork<B>),
    /// Conv-4.
    Plain(PlainNet<B>),
}

impl<B: Backend> RetrainNet<B> {
    /// Builds `arch` (`shape` sizes a genotype's network) for `io`, weights from `seed`.
    pub fn new(
        arch: &Architecture,
        shape: NetShape,
        io: NetIo,
        seed: u64,
        device: &B::Device,
    ) -> Result<Self, GenotypeError> {
        Ok(match arch {
            Architecture::Cells { genotype, .. } => {
                RetrainNet::Cells(EvalNetwork::new(genotype, shape, io, seed, device)?)
            }
            Architecture::Conv4 { channels } => RetrainNet::Plain(PlainNet::new(
                io.channels,
                *channels,
                io.classes,
                seed,
                device,
            )),
        })
    }

    /// Logits (and the auxiliary head's, when asked and present).
    pub fn forward(
        &self,
        x: Tensor<B, 4>,
        sampler: &mut WeightSampler,
        with_aux: bool,
    ) -> EvalOutput<B> {
        match self {
            RetrainNet::Cells(net) => net.forward(x, sampler, with_aux),
            RetrainNet::Plain(net) => EvalOutput {
                logits: net.forward(x, sampler),
                aux_logits: None,
            },
        }
    }

    /// Learned values without an auxiliary head.
    pub fn num_params(&self) -> usize {
        match self {
            RetrainNet::Cells(net) => net.num_params(),
            RetrainNet::Plain(net) => learned_values(net),
        }
    }

    /// Learned values of the auxiliary head.
    pub fn num_aux_params(&self) -> usize {
        match self {
            RetrainNet::Cells(net) => net.num_aux_params(),
            RetrainNet::Plain(_) => 0,
        }
    }

    /// Multiply-accumulates of one image of size `hw`.
    pub fn macs(&self, hw: [usize; 2]) -> u64 {
        match self {
            RetrainNet::Cells(net) => net.macs(hw),
            RetrainNet::Plain(net) => net.macs(hw),
        }
    }
}
