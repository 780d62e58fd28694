//! The form behind "Train this architecture…": the architecture, the dataset, the preset
//! protocol and the few values people change, and the run folder; it becomes a
//! [`RetrainConfig`] with the same checks as `metanas retrain`.

use std::path::{Path, PathBuf};

use metanas_core::retrain::{Architecture, Preset, RetrainConfig, RetrainData};
use metanas_core::run::{RunConfig, TaskConfig, BUNDLED_DIGITS};

/// What the retrain form holds.
#[derive(Clone, Debug, PartialEq)]
pub struct RetrainSetup {
    /// What is trained.
    pub architecture: Architecture,
    /// The dataset (any format metanas reads, or `bundled:uci-digits`).
    pub data: String,
    /// The protocol and network size to start from.
    pub preset: Preset,
    /// Epochs.
    pub epochs: usize,
    /// C: channels of the first cell.
    pub channels: usize,
    /// L: cells.
    pub layers: usize,
    /// Zero padding of the random crop (0 = no crop).
    pub crop_padding: usize,
    /// Train on this many training images (0 = all).
    pub train_limit: usize,
    /// The run folder.
    pub out: String,
    /// Why the form cannot start, after Start was pressed.
    pub error: Option<String>,
}

impl RetrainSetup {
    /// A form for `architecture` with the `small` preset, the first image dataset of `config`
    /// (the bundled digits when it has none) and a new folder under `runs_folder`.
    pub fn new(architecture: Architecture, config: Option<&RunConfig>, runs_folder: &Path) -> Self {
        let data = config
            .and_then(|c| match &c.tasks {
                TaskConfig::FewShot(f) => f.datasets.first(),
                _ => None,
            })
            .and_then(|d| d.path.paths().first().cloned())
            .unwrap_or_else(|| BUNDLED_DIGITS.to_string());
        let preset = Preset::Small;
        let shape = preset.shape();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self {
            architecture,
            data,
            preset,
            epochs: preset.protocol().epochs,
            channels: shape.channels,
            layers: shape.layers,
            crop_padding: preset.protocol().augment.crop_padding,
            train_limit: 0,
            out: runs_folder
                .join(format!("retrain-{stamp}"))
                .display()
                .to_string(),
            error: None,
        }
    }

    /// Takes the preset's size and schedule.
    pub fn set_preset(&mut self, preset: Preset) {
        self.preset = preset;
        let shape = preset.shape();
        self.channels = shape.channels;
        self.layers = shape.layers;
        self.epochs = preset.protocol().epochs;
        self.crop_padding = preset.protocol().augment.crop_padding;
    }

    /// The run folder.
    pub fn out_dir(&self) -> PathBuf {
        PathBuf::from(self.out.trim())
    }

    /// The config, or what is wrong with the form (naming the field).
    pub fn config(&self) -> Result<RetrainConfig, String> {
        let data = self.data.trim();
        if data.is_empty() {
            return Err("choose a dataset".into());
        }
        if self.out.trim().is_empty() {
            return Err("choose a folder for the run".into());
        }
        let path = if data.starts_with("bundled:") {
            PathBuf::from(data)
        } else {
            let p = PathBuf::from(data);
            if !p.exists() {
                return Err(format!("dataset {data}: no such file or folder"));
            }
            std::path::absolute(&p).unwrap_or(p)
        };
        let mut network = self.preset.shape();
        network.channels = self.channels;
        network.layers = self.layers;
        let mut protocol = self.preset.protocol();
        protocol.epochs = self.epochs;
        protocol.augment.crop_padding = self.crop_padding;
        let config = RetrainConfig {
            seed: 0,
            architecture: self.architecture.clone(),
            data: RetrainData {
                path,
                test_path: None,
                test_fraction: 0.2,
                train_limit: (self.train_limit > 0).then_some(self.train_limit),
            },
            network,
            protocol,
        };
        config.check()?;
        Ok(config)
    }
}
