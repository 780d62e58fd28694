//! Runs that survive crashes: the run directory (config, checkpoints with checksums, metric
//! and history streams), atomic writes, and training sessions that resume bit for bit.

mod adapt_method;
mod atomic;
mod backend;
mod bench;
mod checkpoint;
mod config;
mod config_bounds;
mod config_diff;
mod config_upgrade;
mod dataset_path;
mod error;
mod evaluation;
mod export;
mod learner_config;
mod lock;
mod native_pixels;
mod orchestrator;
mod process_stats;
mod records;
mod restore;
mod run_dir;
mod session;
mod stand_in_images;
mod stream;
mod tasks;
mod validation;

pub use adapt_method::AdaptMethod;
pub use atomic::{write_atomic, TMP_SUFFIX};
pub use backend::{build_darts, build_learner, BackendChoiceError, BackendKind, Compute, DartsFn};
pub use bench::{
    bench, peak_gflops, Arithmetic, BenchOptions, BenchReport, InnerStepCounts, Spread,
};
pub use checkpoint::{
    decode as decode_checkpoint, encode as encode_checkpoint, Checkpoints, CHECKPOINT_VERSION,
};
pub use config::{
    DatasetConfig, Engine, FewShotConfig, LearnerConfig, RunConfig, TaskConfig, TrainingConfig,
    BUNDLED_DIGITS, BUNDLED_OMNIGLOT,
};
pub use config_bounds::{check_bounds, estimate_training_bytes, limits, machine_memory_bytes};
pub use config_diff::{changed_fields, unresumable_changes, RESUMABLE_FIELDS};
pub use dataset_path::DatasetPath;
pub use error::RunError;
pub use evaluation::HeldOut;
pub use lock::{RunLock, LOCK_FILE};
pub use native_pixels::native_pixels;
pub use orchestrator::serve_orchestrator;
pub use process_stats::peak_resident_bytes;
pub use records::{ArchRecord, GenotypeRecord, MetricRecord, SnapshotRecord};
pub use run_dir::{RunDir, RunInfo, REPRODUCIBLE_FILES, RUN_FORMAT_VERSION};
pub use session::{metric_value, LoadProgressFn, Session, StepEvent, TrainEnd};
pub use stream::{Stream as RunStream, StreamRead};
pub use tasks::{
    load_at, load_dataset, load_source, stream_rng, Stream as SeedStream, TaskDistribution,
};
pub use validation::{best_validation, CheckpointChoice, CheckpointUsed, ValidationRecord};

#[cfg(test)]
mod dataset_path_tests;
#[cfg(test)]
mod reliability_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod validation_tests;
