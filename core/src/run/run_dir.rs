//! The run directory: config, format marker, class split, checkpoints and streams.
//!
//! ```text
//! run.json           format version, metanas version, learner, creation time
//! config.toml        the resolved config (space inline, absolute dataset paths)
//! split.json         the class split of each dataset
//! checkpoints/       step-00000050.ckpt ... (the newest few, each with a checksum)
//! metrics.jsonl      one MetricRecord per meta-step
//! arch.jsonl         one ArchRecord per meta-step
//! posteriors.jsonl   SnapshotRecords (task posteriors, for the PCA view)
//! genotypes.jsonl    one GenotypeRecord per checkpoint
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::write_atomic;
use super::checkpoint::Checkpoints;
use super::config::RunConfig;
use super::error::RunError;
use super::stream::Stream;
use crate::tasks::ClassSplit;

/// The run-directory format this version writes and reads.
pub const RUN_FORMAT_VERSION: u32 = 2;

/// `run.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Format of the directory.
    pub format_version: u32,
    /// The metanas version that created it.
    pub metanas_version: String,
    /// The learner's name.
    pub learner: String,
    /// Creation time, seconds since the Unix epoch.
    pub created_unix: u64,
}

/// A run directory on disk.
#[derive(Clone, Debug)]
pub struct RunDir {
    root: PathBuf,
}

/// The files a run owns (removed by `--force`).
const OWNED: [&str; 7] = [
    "run.json",
    "config.toml",
    "split.json",
    "metrics.jsonl",
    "arch.jsonl",
    "posteriors.jsonl",
    "genotypes.jsonl",
];

impl RunDir {
    fn at(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `path` holds a run (its `run.json`).
    pub fn exists(path: &Path) -> bool {
        path.join("run.json").is_file()
    }

    /// `run.json`.
    pub fn info_path(&self) -> PathBuf {
        self.root.join("run.json")
    }

    /// `config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// `split.json`.
    pub fn split_path(&self) -> PathBuf {
        self.root.join("split.json")
    }

    /// The checkpoints.
    pub fn checkpoints(&self) -> Checkpoints {
        Checkpoints::new(self.root.join("checkpoints"))
    }

    /// Metrics per meta-step.
    pub fn metrics(&self) -> Stream {
        Stream::new(self.root.join("metrics.jsonl"))
    }

    /// Architecture probabilities per meta-step.
    pub fn arch(&self) -> Stream {
        Stream::new(self.root.join("arch.jsonl"))
    }

    /// Task posterior snapshots.
    pub fn posteriors(&self) -> Stream {
        Stream::new(self.root.join("posteriors.jsonl"))
    }

    /// Genotypes per checkpoint.
    pub fn genotypes(&self) -> Stream {
        Stream::new(self.root.join("genotypes.jsonl"))
    }

    /// All streams.
    pub fn streams(&self) -> [Stream; 4] {
        [
            self.metrics(),
            self.arch(),
            self.posteriors(),
            self.genotypes(),
        ]
    }

    /// Creates a run at `path` for `config`. An existing run there is an error unless `force`,
    /// which removes the run's own files (nothing else in the folder).
    pub fn create(path: &Path, config: &RunConfig, force: bool) -> Result<Self, RunError> {
        let dir = Self::at(path);
        if Self::exists(path) {
            if !force {
                return Err(RunError::dir(
                    path,
                    "already holds a run; `train` resumes it when given no --config, or pass --force to replace it",
                ));
            }
            for f in OWNED {
                let p = path.join(f);
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| RunError::io(&p, e))?;
                }
            }
            let ck = dir.checkpoints();
            for step in ck.steps()? {
                let p = ck.path(step);
                std::fs::remove_file(&p).map_err(|e| RunError::io(&p, e))?;
            }
        }
        std::fs::create_dir_all(path).map_err(|e| RunError::io(path, e))?;
        std::fs::create_dir_all(dir.checkpoints().dir())
            .map_err(|e| RunError::io(dir.checkpoints().dir(), e))?;
        write_atomic(&dir.config_path(), config.to_toml_string()?.as_bytes())?;
        let info = RunInfo {
            format_version: RUN_FORMAT_VERSION,
            metanas_version: env!("CARGO_PKG_VERSION").into(),
            learner: config.learner.name().into(),
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let json = serde_json::to_vec_pretty(&info).map_err(|e| RunError::io(path, e))?;
        // run.json last: a folder without it is not (yet) a run.
        write_atomic(&dir.info_path(), &json)?;
        Ok(dir)
    }

    /// Opens the run at `path`: checks its format and reads its config.
    pub fn open(path: &Path) -> Result<(Self, RunInfo, RunConfig), RunError> {
        let dir = Self::at(path);
        if !path.is_dir() {
            return Err(RunError::dir(path, "no such run directory"));
        }
        let info_path = dir.info_path();
        let text = std::fs::read_to_string(&info_path).map_err(|_| {
            RunError::dir(path, "is not a metanas run (no run.json); create one with `metanas train --config FILE --run DIR`")
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| RunError::dir(&info_path, format!("unreadable: {e}")))?;
        let version = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64);
        let writer = value
            .get("metanas_version")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("an unknown version");
        match version {
            Some(v) if v == RUN_FORMAT_VERSION as u64 => {}
            Some(v) => {
                return Err(RunError::dir(
                    path,
                    format!(
                        "was written by metanas {writer} in run format {v}; this metanas {} reads format {RUN_FORMAT_VERSION}{}",
                        env!("CARGO_PKG_VERSION"),
                        if v > RUN_FORMAT_VERSION as u64 { " (upgrade metanas to open it)" } else { "" }
                    ),
                ))
            }
            None => {
                return Err(RunError::dir(
                    &info_path,
                    "has no `format_version`: not a metanas run, or damaged",
                ))
            }
        }
        let info: RunInfo = serde_json::from_value(value)
            .map_err(|e| RunError::dir(&info_path, format!("unreadable: {e}")))?;
        let config_path = dir.config_path();
        let text =
            std::fs::read_to_string(&config_path).map_err(|e| RunError::io(&config_path, e))?;
        let config = RunConfig::from_resolved(&text, &config_path)?;
        Ok((dir, info, config))
    }

    /// Writes the class split of each source.
    pub fn write_split(&self, splits: &[(String, ClassSplit)]) -> Result<(), RunError> {
        let json =
            serde_json::to_vec_pretty(splits).map_err(|e| RunError::io(&self.split_path(), e))?;
        write_atomic(&self.split_path(), &json)
    }
}
