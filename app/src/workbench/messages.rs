//! The messages between the workbench's UI and its worker thread: the commands the UI sends,
//! the events the worker answers with.

use std::path::PathBuf;

use super::adaptations::{AdaptRequest, AdaptResult};
use super::comparison::Comparison;
use super::dataset_info::DatasetInfo;
use crate::plots::RunHistory;
use metanas_core::genotype::Genotype;
use metanas_core::run::{ArchRecord, MetricRecord, RunConfig, SnapshotRecord, ValidationRecord};

/// What the UI asks the worker to do.
#[derive(Debug)]
pub enum Command {
    /// Create a run directory from a config and open it.
    Create {
        /// The new run directory (must not hold a run).
        dir: PathBuf,
        /// The config.
        config: Box<RunConfig>,
        /// Then meta-train it to this many steps (only when it was created).
        train_to: Option<usize>,
    },
    /// Open an existing run directory (one trained headless too).
    Open(PathBuf),
    /// Meta-train the open run until this many meta-steps are done (or the stop flag rises).
    Train {
        /// Target meta-steps.
        until: usize,
    },
    /// Adapt the open run's meta-network to one task.
    Adapt(AdaptRequest),
    /// Load a dataset to show what it holds.
    Inspect(PathBuf),
    /// Write the export files of the open run into a folder.
    Export(PathBuf),
    /// Evaluate the open run on held-out tasks beside the baselines.
    Compare {
        /// Held-out tasks.
        tasks: usize,
        /// Adaptation steps.
        steps: usize,
    },
    /// Panics inside the worker: checks (in tests) that a panic is caught and reported.
    Panic,
}

/// What the worker reports.
#[derive(Debug)]
pub enum Event {
    /// It started something that takes a while.
    Busy(String),
    /// A dataset file is loading: `(done, total)` items.
    Loading {
        /// The file.
        path: String,
        /// Items done.
        done: usize,
        /// Items in all.
        total: usize,
    },
    /// A run is open: everything it holds so far.
    Opened(Box<RunHistory>),
    /// One meta-step is done.
    Step {
        /// Its metrics.
        metrics: MetricRecord,
        /// The shared architecture after it.
        arch: ArchRecord,
        /// Task posteriors sampled at it.
        snapshots: Vec<SnapshotRecord>,
        /// The validation result of its checkpoint, at a checkpoint step.
        validation: Option<ValidationRecord>,
    },
    /// Training stopped: the target was reached, or pause/stop was asked for.
    TrainEnded {
        /// Meta-steps done.
        steps: usize,
        /// Whether the stop flag ended it.
        stopped: bool,
        /// The shared genotype now.
        genotype: Option<Genotype>,
        /// Every validation result of the run (the final checkpoint's included).
        validation: Vec<ValidationRecord>,
    },
    /// An adaptation is done.
    Adapted(Box<AdaptResult>),
    /// The held-out comparison with the baselines is done.
    Compared(Box<Comparison>),
    /// A dataset was inspected.
    Inspected(Box<DatasetInfo>),
    /// Export files were written.
    Exported {
        /// Where.
        dir: PathBuf,
        /// The files.
        files: Vec<PathBuf>,
    },
    /// Something failed; `message` says what and what to do next.
    Failed {
        /// What was being done.
        what: String,
        /// Whether the command was one that trains (creating a run and training it, or
        /// training the open one): training has stopped.
        trains: bool,
        /// The error and the way out.
        message: String,
    },
    /// The worker finished the command and waits for the next.
    Idle,
}

impl Command {
    /// Whether it trains (creating a run may train it too).
    pub fn trains(&self) -> bool {
        matches!(self, Command::Create { .. } | Command::Train { .. })
    }

    /// What it does, for the status bar and error messages.
    pub fn describe(&self) -> String {
        match self {
            Command::Create { dir, .. } => format!("creating {}", dir.display()),
            Command::Open(dir) => format!("opening {}", dir.display()),
            Command::Train { until } => format!("training to step {until}"),
            Command::Adapt(r) => {
                let how = r.method.label();
                match &r.dataset {
                    Some(d) => format!("adapting ({how}) to task {} of {}", r.task, d.display()),
                    None => format!("adapting ({how}) to task {}", r.task),
                }
            }
            Command::Inspect(p) => format!("loading {}", p.display()),
            Command::Export(p) => format!("exporting to {}", p.display()),
            Command::Compare { tasks, .. } => {
                format!("comparing with the baselines on {tasks} tasks")
            }
            Command::Panic => "a deliberate panic".into(),
        }
    }
}
