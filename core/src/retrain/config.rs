//! What a retrain is: the genotype, the data, the network's size and the training protocol,
//! with the two presets (DARTS' CIFAR protocol, and a small one for a CPU) and the checks
//! that name the field at fault.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::architecture::Architecture;
use super::augment::Augment;
use super::eval_net::NetShape;

/// The training protocol (DARTS `train.py`, BASE Appendix A.1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Passes over the training images.
    pub epochs: usize,
    /// Images per step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// SGD learning rate at epoch 0, annealed by a cosine to `learning_rate_min` at the end
    /// (changed once per epoch, as PyTorch's `CosineAnnealingLR` stepped per epoch).
    pub learning_rate: f64,
    /// Learning rate at the last epoch's end.
    pub learning_rate_min: f64,
    /// SGD momentum.
    pub momentum: f64,
    /// L2 weight decay on every learned value.
    pub weight_decay: f64,
    /// Gradients are scaled to this Euclidean norm when longer (0 = no clipping).
    pub grad_clip: f64,
    /// Weight of the auxiliary head's loss (0 = no auxiliary head).
    pub auxiliary_weight: f64,
    /// Drop-path probability reached at the last epoch (it grows linearly from 0).
    pub drop_path: f64,
    /// Augmentation of the training images.
    pub augment: Augment,
    /// A checkpoint every this many steps (and at every epoch's end).
    pub checkpoint_every: usize,
}

/// A named protocol with its network size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// DARTS' CIFAR-10 protocol: 36 channels, 20 cells, 600 epochs, batch 96, lr 0.025
    /// cosine to 0, momentum 0.9, weight decay 3e-4, clip 5, auxiliary 0.4, drop-path 0.2,
    /// crop padding 4, flip, cutout 16. Days on a GPU.
    Darts,
    /// The same protocol scaled for a CPU: 16 channels, 8 cells, 10 epochs, batch 64, no
    /// flip or cutout, crop padding 2 (minutes to an hour on small images).
    Small,
}

impl Preset {
    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Darts => "darts",
            Preset::Small => "small",
        }
    }

    /// The network size of the preset.
    pub fn shape(self) -> NetShape {
        match self {
            Preset::Darts => NetShape {
                channels: 36,
                layers: 20,
                auxiliary: true,
            },
            Preset::Small => NetShape {
                channels: 16,
                layers: 8,
                auxiliary: true,
            },
        }
    }

    /// The protocol of the preset.
    pub fn protocol(self) -> Protocol {
        let darts = Protocol {
            epochs: 600,
            batch_size: 96,
            learning_rate: 0.025,
            learning_rate_min: 0.0,
            momentum: 0.9,
            weight_decay: 3e-4,
            grad_clip: 5.0,
            auxiliary_weight: 0.4,
            drop_path: 0.2,
            augment: Augment {
                crop_padding: 4,
                flip: true,
                cutout: 16,
            },
            checkpoint_every: 200,
        };
        match self {
            Preset::Darts => darts,
            Preset::Small => Protocol {
                epochs: 10,
                batch_size: 64,
                augment: Augment {
                    crop_padding: 2,
                    flip: false,
                    cutout: 0,
                },
                ..darts
            },
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = crate::value_error::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "darts" => Ok(Preset::Darts),
            "small" => Ok(Preset::Small),
            other => Err(crate::value_error::UnknownName {
                what: "retrain preset",
                given: other.into(),
                expected: "darts or small".into(),
            }),
        }
    }
}

/// Where the images come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrainData {
    /// The dataset (any format metanas reads); absolute.
    pub path: PathBuf,
    /// A separate test dataset, used when `path` has no test part of its own.
    pub test_path: Option<PathBuf>,
    /// Without either test part: the fraction of each class held out for testing.
    pub test_fraction: f64,
    /// Train on this many of the training images (a seeded choice); all when absent.
    pub train_limit: Option<usize>,
}

/// A retrain: everything that decides its result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrainConfig {
    /// Seed of the initial weights, the data order, augmentation and drop-path.
    pub seed: u64,
    /// The architecture.
    pub architecture: Architecture,
    /// The images.
    pub data: RetrainData,
    /// The network's size.
    pub network: NetShape,
    /// The protocol.
    pub protocol: Protocol,
}

/// Largest values accepted (a typo, not a real wish, beyond them).
const MAX_CHANNELS: usize = 1024;
const MAX_LAYERS: usize = 100;
const MAX_EPOCHS: usize = 100_000;
const MAX_BATCH: usize = 65_536;

impl RetrainConfig {
    /// Checks every field; the error names the first bad one (`protocol.epochs`, ...).
    pub fn check(&self) -> Result<(), String> {
        let p = &self.protocol;
        let n = &self.network;
        let count = |field: &str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("`{field}` is {v}; it must be in {lo}..={hi}"))
            }
        };
        let real = |field: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!(
                    "`{field}` is {v}; it must be a number in [{lo}, {hi}]"
                ))
            }
        };
        count("network.channels", n.channels, 1, MAX_CHANNELS)?;
        count("network.layers", n.layers, 1, MAX_LAYERS)?;
        count("protocol.epochs", p.epochs, 1, MAX_EPOCHS)?;
        count("protocol.batch_size", p.batch_size, 2, MAX_BATCH)?;
        count(
            "protocol.checkpoint_every",
            p.checkpoint_every,
            1,
            usize::MAX,
        )?;
        real("protocol.learning_rate", p.learning_rate, 1e-12, 100.0)?;
        real(
            "protocol.learning_rate_min",
            p.learning_rate_min,
            0.0,
            p.learning_rate,
        )?;
        real("protocol.momentum", p.momentum, 0.0, 0.999_999)?;
        real("protocol.weight_decay", p.weight_decay, 0.0, 1.0)?;
        real("protocol.grad_clip", p.grad_clip, 0.0, 1e9)?;
        real("protocol.auxiliary_weight", p.auxiliary_weight, 0.0, 100.0)?;
        real("protocol.drop_path", p.drop_path, 0.0, 0.95)?;
        count(
            "protocol.augment.crop_padding",
            p.augment.crop_padding,
            0,
            64,
        )?;
        count("protocol.augment.cutout", p.augment.cutout, 0, 4096)?;
        real("data.test_fraction", self.data.test_fraction, 0.001, 0.99)?;
        if self.data.train_limit == Some(0) {
            return Err("`data.train_limit` is 0; leave it out to train on every image".into());
        }
        match &self.architecture {
            Architecture::Cells { genotype, source } => genotype
                .validate()
                .map_err(|e| format!("`architecture.genotype` ({source}): {e}")),
            Architecture::Conv4 { channels } => {
                count("architecture.channels", *channels, 1, MAX_CHANNELS)
            }
        }
    }

    /// The learning rate of `epoch` (cosine from `learning_rate` to `learning_rate_min`).
    pub fn learning_rate(&self, epoch: usize) -> f64 {
        let p = &self.protocol;
        let t = epoch as f64 / p.epochs.max(1) as f64;
        p.learning_rate_min
            + 0.5
                * (p.learning_rate - p.learning_rate_min)
                * (1.0 + (std::f64::consts::PI * t).cos())
    }

    /// The drop-path probability of `epoch` (DARTS: `drop_path * epoch / epochs`).
    pub fn drop_path(&self, epoch: usize) -> f64 {
        self.protocol.drop_path * epoch as f64 / self.protocol.epochs.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_darts() {
        let g = crate::genotype::Genotype::from_darts(super::super::DARTS_V2).unwrap();
        let mut c = RetrainConfig {
            seed: 0,
            architecture: Architecture::Cells {
                genotype: g,
                source: "DARTS_V2".into(),
            },
            data: RetrainData {
                path: "/x".into(),
                test_path: None,
                test_fraction: 0.2,
                train_limit: None,
            },
            network: Preset::Darts.shape(),
            protocol: Preset::Darts.protocol(),
        };
        assert_eq!(c.check(), Ok(()));
        assert!((c.learning_rate(0) - 0.025).abs() < 1e-12);
        assert!((c.learning_rate(300) - 0.0125).abs() < 1e-12);
        assert!(c.learning_rate(600).abs() < 1e-12);
        assert!((c.drop_path(150) - 0.05).abs() < 1e-12);
        c.protocol.momentum = 1.5;
        assert!(c.check().unwrap_err().contains("protocol.momentum"));
    }
}
