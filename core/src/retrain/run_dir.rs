//! A retrain run's folder: its files, the manifest and the per-epoch records, and how a
//! folder is made ready for a new run.
//!
//! ```text
//! retrain.json       the manifest: format, metanas version, creation time, the config
//! writer.lock        the writer's lock (as in meta-training runs)
//! checkpoints/       step-00000200.ckpt ... (progress, SGD state, network; with checksums)
//! epochs.jsonl       one EpochRecord per finished epoch
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::config::RetrainConfig;
use crate::run::{RunError, RunLock, RunStream};

/// The manifest's format version.
pub const RETRAIN_FORMAT_VERSION: u32 = 1;

/// `retrain.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetrainManifest {
    /// Always "retrain".
    pub kind: String,
    /// [`RETRAIN_FORMAT_VERSION`].
    pub format_version: u32,
    /// The metanas version that created the run.
    pub metanas_version: String,
    /// Seconds since the Unix epoch.
    pub created_unix: u64,
    /// The config.
    pub config: RetrainConfig,
}

/// What one epoch gave (a line of `epochs.jsonl`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epochs done (1 after the first).
    pub epoch: usize,
    /// Steps done at its end.
    pub step: usize,
    /// Mean training loss over the epoch's steps (the classifier's, without the auxiliary
    /// term).
    pub train_loss: f64,
    /// Training accuracy over the epoch's (augmented) images.
    pub train_accuracy: f64,
    /// Test top-1 accuracy at its end.
    pub test_top1: f64,
    /// Test top-5 accuracy (more than 5 classes only).
    pub test_top5: Option<f64>,
    /// Learning rate used in the epoch.
    pub learning_rate: f64,
    /// Drop-path probability used in the epoch.
    pub drop_path: f64,
    /// Training seconds since the run began (all sessions).
    pub elapsed_seconds: f64,
}

pub(super) fn epochs_stream(dir: &Path) -> RunStream {
    RunStream::new(dir.join("epochs.jsonl"))
}

/// Reads `retrain.json`, or says why the folder is not a retrain run this version can open.
pub fn read_manifest(dir: &Path) -> Result<RetrainManifest, RunError> {
    let path = dir.join("retrain.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if crate::run::RunDir::exists(dir) {
            RunError::dir(
                dir,
                "is a meta-training run, not a retrain run; retrain its genotype into a new \
                 folder with `metanas retrain --run DIR --out NEW_DIR ...`",
            )
        } else {
            RunError::io(&path, e)
        }
    })?;
    let manifest: RetrainManifest =
        serde_json::from_str(&text).map_err(|e| RunError::config(&path, e.to_string()))?;
    if manifest.kind != "retrain" || manifest.format_version > RETRAIN_FORMAT_VERSION {
        return Err(RunError::dir(
            dir,
            format!(
                "retrain.json has kind `{}` and format {}; this metanas reads retrain runs of \
                 format {RETRAIN_FORMAT_VERSION}",
                manifest.kind, manifest.format_version
            ),
        ));
    }
    Ok(manifest)
}

/// Whether `dir` holds a retrain run.
pub fn is_retrain_run(dir: &Path) -> bool {
    dir.join("retrain.json").is_file()
}

/// Makes `dir` ready for a new run: missing or empty, or (with `force`) a retrain run whose
/// files are removed. Anything else is refused.
pub(super) fn prepare_dir(dir: &Path, force: bool) -> Result<(), RunError> {
    if dir.is_file() {
        return Err(RunError::dir(dir, "is a file; give a folder for the run"));
    }
    let entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(d) => d.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    };
    if !entries.is_empty() {
        if !(force && is_retrain_run(dir)) {
            return Err(RunError::dir(
                dir,
                if is_retrain_run(dir) {
                    "holds a retrain run; resume it with `metanas retrain --out DIR`, or \
                     replace it with --force"
                } else {
                    "is not empty and holds no retrain run; give an empty or new folder"
                },
            ));
        }
        let _lock = RunLock::acquire(dir)?;
        for name in ["retrain.json", "epochs.jsonl"] {
            let _ = std::fs::remove_file(dir.join(name));
        }
        let _ = std::fs::remove_dir_all(dir.join("checkpoints"));
    }
    std::fs::create_dir_all(dir).map_err(|e| RunError::io(dir, e))
}
