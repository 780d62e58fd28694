//! A retrain running on its own thread beside the meta-training worker: it owns the retrain
//! run (the network never reaches the UI thread) and reports progress over a channel that the
//! UI drains every frame. Stop raises a flag that the run checks between steps; it then writes
//! a checkpoint, so the run resumes from there (`metanas retrain --out DIR`, or Resume here).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use metanas_core::genotype::Genotype;
use metanas_core::retrain::{self, EpochRecord, NetworkSize, RetrainConfig, StepProgress};
use metanas_core::run::BackendKind;

/// How a retrain starts.
#[derive(Clone, Debug)]
pub enum RetrainStart {
    /// A new run in `dir`.
    New {
        /// The run directory (new or empty).
        dir: PathBuf,
        /// What it trains.
        config: Box<RetrainConfig>,
    },
    /// The retrain run in this directory, from its last checkpoint.
    Resume(PathBuf),
}

/// What the retrain thread reports.
#[derive(Clone, Debug)]
pub enum RetrainEvent {
    /// The data is loaded and the network built.
    Started {
        /// The run's config.
        config: Box<RetrainConfig>,
        /// Steps done (non-zero when resumed).
        steps_done: usize,
        /// Steps of the whole run.
        total_steps: usize,
        /// Parameters and multiply-accumulates.
        size: NetworkSize,
        /// Training and test images, and where the test images came from.
        images: (usize, usize, String),
        /// Epochs finished before (when resumed).
        epochs: Vec<EpochRecord>,
    },
    /// A step finished.
    Step(StepProgress),
    /// An epoch finished (tested).
    Epoch(EpochRecord),
    /// Training ended: every epoch done, or stopped with a checkpoint.
    Ended {
        /// Stopped before the end.
        stopped: bool,
    },
    /// It could not start or went wrong; the message names the cause.
    Failed(String),
}

/// Where a retrain stands.
#[derive(Clone, Debug, PartialEq)]
pub enum JobStatus {
    /// Loading the data and building the network.
    Loading,
    /// Training.
    Running,
    /// Stop was pressed; the current step finishes and a checkpoint is written.
    Stopping,
    /// Stopped with a checkpoint; it can be resumed.
    Stopped,
    /// Every epoch done.
    Done,
    /// Failed with this message.
    Failed(String),
}

/// A retrain and what it reported so far.
pub struct RetrainJob {
    /// The run directory.
    pub dir: PathBuf,
    /// The config, once started.
    pub config: Option<RetrainConfig>,
    /// Where it stands.
    pub status: JobStatus,
    /// Steps done and of the whole run.
    pub steps: (usize, usize),
    /// Step when this session started (for the rate).
    pub start_step: usize,
    /// When this session started.
    pub since: std::time::Instant,
    /// The last step's loss.
    pub loss: Option<f64>,
    /// Finished epochs.
    pub epochs: Vec<EpochRecord>,
    /// Parameters and multiply-accumulates.
    pub size: Option<NetworkSize>,
    /// Training images, test images, where the test images came from.
    pub images: Option<(usize, usize, String)>,
    stop: Arc<AtomicBool>,
    events: Receiver<RetrainEvent>,
}

impl RetrainJob {
    /// Starts the thread; `wake` asks the UI for a frame.
    pub fn spawn(
        backend: BackendKind,
        start: RetrainStart,
        wake: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        let dir = match &start {
            RetrainStart::New { dir, .. } | RetrainStart::Resume(dir) => dir.clone(),
        };
        let (tx, events) = std::sync::mpsc::sync_channel(4096);
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = stop.clone();
        std::thread::Builder::new()
            .name("metanas-retrain".into())
            .spawn(move || {
                let send = |e: RetrainEvent| {
                    let _ = tx.send(e);
                    wake();
                };
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    run_job(backend, start, &thread_stop, &send)
                }));
                match outcome {
                    Ok(Ok(stopped)) => send(RetrainEvent::Ended { stopped }),
                    Ok(Err(message)) => send(RetrainEvent::Failed(message)),
                    Err(_) => send(RetrainEvent::Failed(
                        "the retrain stopped on an internal error; its last checkpoint is kept"
                            .into(),
                    )),
                }
            })?;
        Ok(Self {
            dir,
            config: None,
            status: JobStatus::Loading,
            steps: (0, 0),
            start_step: 0,
            since: std::time::Instant::now(),
            loss: None,
            epochs: Vec::new(),
            size: None,
            images: None,
            stop,
            events,
        })
    }

    /// Applies what the thread reported since the last frame; returns the status when the
    /// retrain ended (finished, stopped or failed) in this batch.
    pub fn drain(&mut self) -> Option<&JobStatus> {
        let was_active = self.active();
        while let Ok(event) = self.events.try_recv() {
            match event {
                RetrainEvent::Started {
                    config,
                    steps_done,
                    total_steps,
                    size,
                    images,
                    epochs,
                } => {
                    self.config = Some(*config);
                    self.steps = (steps_done, total_steps);
                    self.start_step = steps_done;
                    self.since = std::time::Instant::now();
                    self.size = Some(size);
                    self.images = Some(images);
                    self.epochs = epochs;
                    if self.status == JobStatus::Loading {
                        self.status = JobStatus::Running;
                    }
                }
                RetrainEvent::Step(p) => {
                    self.steps = (p.step, p.total_steps);
                    self.loss = Some(p.loss);
                }
                RetrainEvent::Epoch(e) => self.epochs.push(e),
                RetrainEvent::Ended { stopped } => {
                    self.status = if stopped {
                        JobStatus::Stopped
                    } else {
                        JobStatus::Done
                    };
                }
                RetrainEvent::Failed(m) => self.status = JobStatus::Failed(m),
            }
        }
        (was_active && !self.active()).then_some(&self.status)
    }

    /// Asks the run to stop after the current step (with a checkpoint).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if matches!(self.status, JobStatus::Loading | JobStatus::Running) {
            self.status = JobStatus::Stopping;
        }
    }

    /// Whether the thread is still working.
    pub fn active(&self) -> bool {
        matches!(
            self.status,
            JobStatus::Loading | JobStatus::Running | JobStatus::Stopping
        )
    }

    /// The genotype it trains (none for Conv-4, or before it started).
    pub fn genotype(&self) -> Option<&Genotype> {
        self.config.as_ref()?.architecture.genotype()
    }

    /// Seconds to the end at this session's rate, once it has one.
    pub fn eta_seconds(&self) -> Option<f64> {
        let done = self.steps.0.checked_sub(self.start_step)?;
        if done == 0 {
            return None;
        }
        let rate = done as f64 / self.since.elapsed().as_secs_f64().max(1e-9);
        Some(self.steps.1.saturating_sub(self.steps.0) as f64 / rate)
    }
}

/// The thread's work: open or create the run, train it, report; true when stopped.
fn run_job(
    backend: BackendKind,
    start: RetrainStart,
    stop: &AtomicBool,
    send: &dyn Fn(RetrainEvent),
) -> Result<bool, String> {
    let mut run = match start {
        RetrainStart::New { dir, config } => retrain::create(backend, &dir, *config, false),
        RetrainStart::Resume(dir) => retrain::open(backend, &dir),
    }
    .map_err(|e| e.to_string())?;
    let data = run.data();
    send(RetrainEvent::Started {
        config: Box::new(run.config().clone()),
        steps_done: run.steps_done(),
        total_steps: run.total_steps(),
        size: run.size(),
        images: (data.train.len(), data.test.len(), data.test_source.clone()),
        epochs: run.epochs().map_err(|e| e.to_string())?,
    });
    run.train(stop, &mut |p| send(RetrainEvent::Step(p)), &mut |e| {
        send(RetrainEvent::Epoch(e.clone()))
    })
    .map_err(|e| format!("{e}; the retrain keeps its last checkpoint"))
}
