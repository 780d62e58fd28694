//! The run directory: config, format marker, class split, checkpoints and streams.
//!
//! ```text
//! run.json           the manifest: format version, metanas version, learner, creation
//!                    time, the config it was created with (written first)
//! writer.lock        the writer's lock (pid and command of the process training it)
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

use super::atomic::{sync_dir, write_atomic, TMP_SUFFIX};
use super::checkpoint::Checkpoints;
use super::config::RunConfig;
use super::config_diff::{unresumable_changes, RESUMABLE_FIELDS};
use super::error::RunError;
use super::lock::{RunLock, LOCK_FILE};
use super::stream::Stream;
use crate::tasks::ClassSplit;

/// The run-directory format this version writes and reads.
pub const RUN_FORMAT_VERSION: u32 = 2;

/// `run.json`, the run's manifest: written first, atomically, when a run is created. A folder
/// is a run exactly when it holds a readable manifest.
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
    /// The resolved config the run was created with (TOML). `config.toml` may differ from it
    /// only in [`RESUMABLE_FIELDS`](super::config_diff::RESUMABLE_FIELDS). Absent in runs
    /// created before metanas kept it (their `config.toml` is taken as it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
}

/// A run directory on disk.
#[derive(Clone, Debug)]
pub struct RunDir {
    root: PathBuf,
}

/// The files a run owns besides `checkpoints/` and the lock (what `--force` replaces).
/// The files a run owns that record times or machine details besides its results.
const TIMED_FILES: [&str; 2] = ["run.json", "metrics.jsonl"];

/// The files a run owns that hold no times or machine details: the same config and seed
/// write them byte for byte, however often the run was interrupted and resumed (with the
/// checkpoints; `run.json` and `metrics.jsonl` record times too).
pub const REPRODUCIBLE_FILES: [&str; 6] = [
    "config.toml",
    "split.json",
    "arch.jsonl",
    "posteriors.jsonl",
    "genotypes.jsonl",
    "validation.jsonl",
];

/// Every file a run owns: the timed ones, then the reproducible ones.
fn owned_files() -> impl Iterator<Item = &'static str> {
    TIMED_FILES.into_iter().chain(REPRODUCIBLE_FILES)
}

/// Whether the folder entry `name` belongs to a run (its files, checkpoints, lock, or a
/// temporary file of one of them).
fn is_run_entry(name: &str) -> bool {
    let base = name.strip_suffix(TMP_SUFFIX).unwrap_or(name);
    owned_files().any(|f| f == base) || base == "checkpoints" || base == LOCK_FILE
}

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

    /// The run files in `path` (besides the lock; a `checkpoints/` folder counts when it holds
    /// anything): what makes a folder more than an empty one.
    pub fn run_files(path: &Path) -> Vec<String> {
        let mut found: Vec<String> = owned_files()
            .filter(|f| path.join(f).exists())
            .map(|f| f.to_string())
            .collect();
        let ck = path.join("checkpoints");
        if std::fs::read_dir(&ck).is_ok_and(|mut d| d.next().is_some()) {
            found.push("checkpoints/".into());
        }
        found
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

    /// Meta-validation results per checkpoint (see [`super::ValidationRecord`]).
    pub fn validation(&self) -> Stream {
        Stream::new(self.root.join("validation.jsonl"))
    }

    /// All streams.
    pub fn streams(&self) -> [Stream; 5] {
        [
            self.metrics(),
            self.arch(),
            self.posteriors(),
            self.genotypes(),
            self.validation(),
        ]
    }

    /// Creates a run at `path` for `config` and returns it with its writer's lock. A folder
    /// that holds a run, or files of one without a manifest, is refused unless `force`, which
    /// first moves the old run's files aside and deletes them: an interrupted `--force` leaves
    /// the old run or an empty folder, never a mix. Files of the folder that are not the
    /// run's are kept.
    pub fn create(
        path: &Path,
        config: &RunConfig,
        force: bool,
    ) -> Result<(Self, RunLock), RunError> {
        if path.exists() && !path.is_dir() {
            return Err(RunError::dir(path, "is a file, not a run directory"));
        }
        std::fs::create_dir_all(path).map_err(|e| RunError::io(path, e))?;
        let mut lock = RunLock::acquire(path)?;
        let present = Self::run_files(path);
        if !present.is_empty() {
            if !force {
                return Err(if Self::exists(path) {
                    RunError::dir(
                        path,
                        "already holds a run; `train` resumes it when given no --config, or pass --force to replace it",
                    )
                } else {
                    Self::no_manifest(path, &present)
                });
            }
            lock = replace_aside(path, lock)?;
        }
        let dir = Self::at(path);
        let config_text = config.to_toml_string()?;
        let info = RunInfo {
            format_version: RUN_FORMAT_VERSION,
            metanas_version: env!("CARGO_PKG_VERSION").into(),
            learner: config.learner.name().into(),
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            config: Some(config_text.clone()),
        };
        let json = serde_json::to_vec_pretty(&info).map_err(|e| RunError::io(path, e))?;
        // The manifest first: from here on the folder is this run, whatever else is missing.
        write_atomic(&dir.info_path(), &json)?;
        write_atomic(&dir.config_path(), config_text.as_bytes())?;
        std::fs::create_dir_all(dir.checkpoints().dir())
            .map_err(|e| RunError::io(dir.checkpoints().dir(), e))?;
        Ok((dir, lock))
    }

    /// The error for a folder with run files but no manifest.
    fn no_manifest(path: &Path, present: &[String]) -> RunError {
        RunError::dir(
            path,
            format!(
                "holds files of a run ({}) but no run.json, so they cannot be told apart from \
                 another run's (a deleted run.json, or a `--force` that was interrupted); move \
                 them elsewhere to keep them, or pass --force (with --config) to replace them",
                present.join(", ")
            ),
        )
    }

    /// Opens the run at `path`: checks its format, reads its config and checks it against the
    /// manifest's (only [`RESUMABLE_FIELDS`](super::config_diff::RESUMABLE_FIELDS) may have
    /// been edited).
    pub fn open(path: &Path) -> Result<(Self, RunInfo, RunConfig), RunError> {
        let dir = Self::at(path);
        if path.is_file() {
            return Err(RunError::dir(path, "is a file, not a run directory"));
        }
        if !path.is_dir() {
            return Err(RunError::dir(path, "no such run directory"));
        }
        let info_path = dir.info_path();
        let text = match std::fs::read_to_string(&info_path) {
            Ok(t) => t,
            Err(_) => {
                let present = Self::run_files(path);
                return Err(if present.is_empty() {
                    RunError::dir(path, "is not a metanas run (no run.json); create one with `metanas train --config FILE --run DIR`")
                } else {
                    Self::no_manifest(path, &present)
                });
            }
        };
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
            match std::fs::read_to_string(&config_path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RunError::dir(
                    path,
                    "has a run.json but no config.toml: it was interrupted while being created; \
                     start it again with `metanas train --config FILE --run DIR --force`",
                )),
                Err(e) => return Err(RunError::io(&config_path, e)),
            };
        let config = RunConfig::from_resolved(&text, &config_path)?;
        if let Some(stored) = &info.config {
            let stored = RunConfig::from_resolved(stored, &info_path)?;
            let changed = unresumable_changes(&stored, &config);
            if !changed.is_empty() {
                return Err(RunError::dir(
                    &config_path,
                    format!(
                        "was edited after the run was created ({} changed); a run may change \
                         only {} when it resumes. Undo the edit, or start a new run from the \
                         edited config",
                        changed.join(", "),
                        RESUMABLE_FIELDS.join(", ")
                    ),
                ));
            }
        }
        Ok((dir, info, config))
    }

    /// Replaces `config.toml` by `config`, which may differ from the run's only in
    /// [`RESUMABLE_FIELDS`](super::config_diff::RESUMABLE_FIELDS) (e.g. a longer
    /// `training.max_steps` for a resumed run).
    pub fn update_config(&self, info: &RunInfo, config: &RunConfig) -> Result<(), RunError> {
        if let Some(stored) = &info.config {
            let stored = RunConfig::from_resolved(stored, &self.info_path())?;
            let changed = unresumable_changes(&stored, config);
            if !changed.is_empty() {
                return Err(RunError::dir(
                    &self.root,
                    format!(
                        "already holds a run with a different config ({} differ; only {} may \
                         change on resume); leave out --config to resume it, or pass --force to \
                         replace it",
                        changed.join(", "),
                        RESUMABLE_FIELDS.join(", ")
                    ),
                ));
            }
        }
        write_atomic(&self.config_path(), config.to_toml_string()?.as_bytes())
    }

    /// The class splits `split.json` holds (`None` when it is missing).
    pub fn read_split(&self) -> Result<Option<Vec<(String, ClassSplit)>>, RunError> {
        let path = self.split_path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(RunError::io(&path, e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| RunError::dir(&path, format!("unreadable: {e}")))
    }

    /// Writes the class split of each source.
    pub fn write_split(&self, splits: &[(String, ClassSplit)]) -> Result<(), RunError> {
        let json =
            serde_json::to_vec_pretty(splits).map_err(|e| RunError::io(&self.split_path(), e))?;
        write_atomic(&self.split_path(), &json)
    }
}

/// Moves the run files of `path` aside (one rename of the whole folder, so an interruption
/// leaves the old run or nothing), re-creates `path` with its other entries and a new lock,
/// and deletes the old run. `old` is the lock held on the old folder.
fn replace_aside(path: &Path, old: RunLock) -> Result<RunLock, RunError> {
    let name = path
        .file_name()
        .filter(|n| *n != "." && *n != "..")
        .ok_or_else(|| {
            RunError::dir(
                path,
                "cannot be replaced in place; give the run directory by its name",
            )
        })?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut aside_name = std::ffi::OsString::from(".");
    aside_name.push(name);
    aside_name.push(format!(".replaced-{}", std::process::id()));
    let aside = parent.join(aside_name);
    if aside.exists() {
        std::fs::remove_dir_all(&aside).map_err(|e| RunError::io(&aside, e))?;
    }
    std::fs::rename(path, &aside).map_err(|e| RunError::io(path, e))?;
    sync_dir(&parent)?;
    std::fs::create_dir(path).map_err(|e| RunError::io(path, e))?;
    let lock = RunLock::acquire(path)?;
    drop(old);
    let entries = std::fs::read_dir(&aside).map_err(|e| RunError::io(&aside, e))?;
    for e in entries.filter_map(Result::ok) {
        let entry = e.file_name();
        if !is_run_entry(&entry.to_string_lossy()) {
            let to = path.join(&entry);
            std::fs::rename(e.path(), &to).map_err(|err| RunError::io(&to, err))?;
        }
    }
    std::fs::remove_dir_all(&aside).map_err(|e| RunError::io(&aside, e))?;
    sync_dir(&parent)?;
    Ok(lock)
}
