//! The worker thread: it owns the run (the Burn model lives here, never on the UI thread),
//! takes [`Command`]s and answers with [`Event`]s over bounded channels. Training checks an
//! `AtomicBool` between meta-steps, so pause and stop take effect after the current step (and
//! write a checkpoint). A panic while handling a command is caught and reported; the run is
//! then reopened from its last checkpoint, the last good state.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use metanas_core::learners::DartsConfig;
use metanas_core::run::{
    stream_rng, write_atomic, BackendKind, RunConfig, RunError, SeedStream, Session, TaskConfig,
    TaskDistribution, TrainEnd,
};
use metanas_core::tasks::{EpisodeSpec, Split};

use super::adaptations::{AdaptRequest, AdaptResult};
use super::comparison::{self, PixelCache};
use super::dataset_info::DatasetInfo;
use super::error::WorkbenchError;
pub use super::messages::{Command, Event};
use crate::plots::{png_figures, RunHistory};

/// The UI's handle on the worker.
pub struct WorkerHandle {
    /// Commands in.
    pub commands: SyncSender<Command>,
    /// Events out.
    pub events: Receiver<Event>,
    /// Raised by pause and stop; training ends after the current meta-step.
    pub stop: Arc<AtomicBool>,
}

/// Capacity of the channels: the UI drains events every frame, so the worker only waits when
/// the window has not drawn for this many meta-steps.
const CHANNEL_CAPACITY: usize = 4096;

/// Starts the worker thread. `wake` asks the UI for a frame (egui's `request_repaint`), so
/// that core and this thread stay free of egui.
pub fn spawn(
    backend: BackendKind,
    wake: impl Fn() + Send + 'static,
) -> std::io::Result<WorkerHandle> {
    let (commands, command_rx) = std::sync::mpsc::sync_channel(64);
    let (event_tx, events) = std::sync::mpsc::sync_channel(CHANNEL_CAPACITY);
    let stop = Arc::new(AtomicBool::new(false));
    let worker_stop = stop.clone();
    std::thread::Builder::new()
        .name("metanas-worker".into())
        .spawn(move || {
            // Made on this thread: the model never crosses threads.
            let worker = Worker {
                backend,
                session: None,
                foreign: None,
                pixels: PixelCache::default(),
                events: event_tx,
                stop: worker_stop,
                wake: Box::new(wake),
            };
            worker.run(command_rx)
        })?;
    Ok(WorkerHandle {
        commands,
        events,
        stop,
    })
}

struct Worker {
    backend: BackendKind,
    session: Option<Session>,
    /// The dataset last adapted to from outside the run, with its tasks.
    foreign: Option<(PathBuf, TaskDistribution)>,
    /// The raw pixels of the baselines, for the tasks adapted to last.
    pixels: PixelCache,
    events: SyncSender<Event>,
    stop: Arc<AtomicBool>,
    wake: Box<dyn Fn() + Send>,
}

impl Worker {
    fn run(mut self, commands: Receiver<Command>) {
        for command in commands {
            let what = command.describe();
            let trains = command.trains();
            let result = catch_unwind(AssertUnwindSafe(|| self.handle(command)));
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => self.send(Event::Failed {
                    what,
                    trains,
                    message: e.to_string(),
                }),
                Err(panic) => {
                    let reason = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown cause".into());
                    let mut message = format!("internal error (a bug in metanas): {reason}.");
                    // The run may be half-updated: go back to its last checkpoint.
                    if let Some(dir) = self.session.take().map(|s| s.dir.root().to_path_buf()) {
                        match self.open(dir.clone()) {
                            Ok(()) => {
                                message += &format!(
                                    " The run was reopened at its last checkpoint ({}).",
                                    dir.display()
                                )
                            }
                            Err(e) => message += &format!(" Reopening the run failed: {e}"),
                        }
                    }
                    self.send(Event::Failed {
                        what,
                        trains,
                        message,
                    });
                }
            }
            self.send(Event::Idle);
        }
    }

    fn send(&self, event: Event) {
        // The UI is gone when this fails: nothing is left to tell.
        let _ = self.events.send(event);
        (self.wake)();
    }

    fn handle(&mut self, command: Command) -> Result<(), WorkbenchError> {
        match command {
            Command::Create {
                dir,
                config,
                train_to,
            } => {
                self.create(dir, *config)?;
                match train_to {
                    Some(until) => self.train(until),
                    None => Ok(()),
                }
            }
            Command::Open(dir) => self.open(dir),
            Command::Train { until } => self.train(until),
            Command::Adapt(request) => self.adapt(request),
            Command::Inspect(path) => {
                self.send(Event::Busy(format!("loading {}", path.display())));
                let info = DatasetInfo::load(&path, &mut self.loading_reporter())?;
                self.send(Event::Inspected(Box::new(info)));
                Ok(())
            }
            Command::Export(dir) => self.export(dir),
            Command::Compare { tasks, steps } => self.compare(tasks, steps),
            Command::Panic => panic!("the worker was asked to panic"),
        }
    }

    fn loading_reporter(&self) -> impl FnMut(&str, usize, usize) + '_ {
        let mut last = 0;
        move |path: &str, done: usize, total: usize| {
            // A few dozen updates per file are plenty for a progress bar.
            if done == total || done >= last + total.div_ceil(50).max(1) {
                last = done;
                self.send(Event::Loading {
                    path: path.to_string(),
                    done,
                    total,
                });
            }
        }
    }

    fn create(&mut self, dir: PathBuf, config: RunConfig) -> Result<(), WorkbenchError> {
        self.send(Event::Busy(format!("creating the run {}", dir.display())));
        self.session = None;
        let mut report = self.loading_reporter();
        let session = Session::create(&dir, config, self.backend, false, Some(&mut report))
            .map_err(|e| {
                WorkbenchError::run(e, "fix the setting it names and press Start again")
            })?;
        drop(report);
        self.opened(session)
    }

    fn open(&mut self, dir: PathBuf) -> Result<(), WorkbenchError> {
        self.send(Event::Busy(format!("opening {}", dir.display())));
        self.session = None;
        let mut report = self.loading_reporter();
        let session = match Session::open(&dir, self.backend, false, Some(&mut report)) {
            // Another process trains it: it can be watched and adapted, not trained here.
            Err(e @ RunError::Locked { .. }) => {
                let mut session = Session::open(&dir, self.backend, true, Some(&mut report))
                    .map_err(|e| WorkbenchError::run(e, "choose another run directory"))?;
                session.warnings.push(format!(
                    "opened read-only (training it here is refused; adapting and exporting work): {e}"
                ));
                session
            }
            other => other.map_err(|e| WorkbenchError::run(e, "choose another run directory"))?,
        };
        drop(report);
        self.opened(session)
    }

    fn opened(&mut self, session: Session) -> Result<(), WorkbenchError> {
        let history = RunHistory::read(&session)
            .map_err(|e| WorkbenchError::run(e, "the run's history files cannot be read"))?;
        self.session = Some(session);
        self.pixels.clear();
        self.send(Event::Opened(Box::new(history)));
        Ok(())
    }

    fn session(&self) -> Result<&Session, WorkbenchError> {
        self.session.as_ref().ok_or(WorkbenchError::NoRun)
    }

    fn train(&mut self, until: usize) -> Result<(), WorkbenchError> {
        self.stop.store(false, Ordering::SeqCst);
        let events = self.events.clone();
        let wake = &self.wake;
        let stop = self.stop.clone();
        let session = self.session.as_mut().ok_or(WorkbenchError::NoRun)?;
        let dir = session.dir.root().to_path_buf();
        let end = session.train(until, &stop, |e| {
            let _ = events.send(Event::Step {
                metrics: e.metrics.clone(),
                arch: e.arch.clone(),
                snapshots: e.snapshots.to_vec(),
                validation: e.validation.cloned(),
            });
            wake();
        });
        let steps = session.steps_done();
        let genotype = session.genotype();
        // Unreadable records leave the view's list as it is; the run's files are untouched.
        let validation = session.validation_records().unwrap_or_default();
        let end = end.map_err(|error| WorkbenchError::Training { error, dir });
        let stopped = end.as_ref().map_or(true, |e| *e == TrainEnd::Stopped);
        self.send(Event::TrainEnded {
            steps,
            stopped,
            genotype,
            validation,
        });
        end.map(|_| ())
    }

    fn adapt(&mut self, r: AdaptRequest) -> Result<(), WorkbenchError> {
        let session = self.session()?;
        self.send(Event::Busy(format!(
            "adapting ({}) to task {}",
            r.method.label(),
            r.task
        )));
        let mut rng = stream_rng(session.config.seed, SeedStream::Adapt, r.task);
        let episode = match &r.dataset {
            None => session
                .tasks
                .check(r.split)
                .and_then(|()| session.tasks.sample(r.split, &mut rng)),
            Some(path) => {
                let tasks = self.foreign_tasks(path)?;
                tasks.sample(Split::Train, &mut rng)
            }
        }
        .map_err(|e| WorkbenchError::run(e, "choose another split or dataset"))?;
        let backend = self.backend;
        let seed = rng.next_u64();
        let session = self.session()?;
        let darts = DartsConfig::default();
        let adaptation = session.adapt_by(r.method, &darts, backend, &episode, r.steps, seed)?;
        self.send(Event::Busy(format!("baselines on task {}", r.task)));
        let session = self.session.as_ref().ok_or(WorkbenchError::NoRun)?;
        let foreign = match (&r.dataset, &self.foreign) {
            (Some(path), Some((p, tasks))) if p == path => Some((p.as_path(), tasks)),
            _ => None,
        };
        let pixels = self.pixels.get(session, foreign);
        let baselines = comparison::on_task(session, backend, pixels, &episode, r.steps, seed)?;
        let result = AdaptResult {
            prior_genotype: session.genotype(),
            step: session.steps_done(),
            request: r,
            episode,
            adaptation,
            baselines,
        };
        self.send(Event::Adapted(Box::new(result)));
        Ok(())
    }

    /// Tasks from a dataset the open run was not configured with, shaped like the run's tasks
    /// and fed to its first input (loaded once per dataset).
    fn foreign_tasks(&mut self, path: &Path) -> Result<&TaskDistribution, WorkbenchError> {
        let session = self.session()?;
        let TaskConfig::FewShot(f) = &session.config.tasks else {
            return Err(WorkbenchError::RegressionRun);
        };
        let cached = self.foreign.as_ref().is_some_and(|(p, _)| p == path);
        if !cached {
            let space = session.config.space.clone();
            let input = space
                .inputs
                .first()
                .map(|i| i.name.clone())
                .unwrap_or_default();
            let spec = EpisodeSpec {
                ways: f.ways,
                shots: f.shots,
                queries: f.queries,
            };
            let mut report = self.loading_reporter();
            let tasks = TaskDistribution::from_dataset(&space, path, &input, spec, &mut report)
                .map_err(|e| WorkbenchError::run(e, "choose another dataset"))?;
            drop(report);
            self.foreign = Some((path.to_path_buf(), tasks));
        }
        match &self.foreign {
            Some((_, tasks)) => Ok(tasks),
            None => unreachable!("the dataset's tasks were stored just above"),
        }
    }

    fn compare(&mut self, tasks: usize, steps: usize) -> Result<(), WorkbenchError> {
        self.send(Event::Busy(format!(
            "evaluating on {tasks} held-out tasks beside the baselines"
        )));
        let session = self.session.as_ref().ok_or(WorkbenchError::NoRun)?;
        let pixels = self.pixels.get(session, None);
        let result = comparison::on_held_out(session, self.backend, pixels, tasks, steps)?;
        self.send(Event::Compared(Box::new(result)));
        Ok(())
    }

    fn export(&mut self, dir: PathBuf) -> Result<(), WorkbenchError> {
        let session = self.session()?;
        // One read of the run's records serves the metrics CSV and the figures.
        let history = RunHistory::read(session)
            .map_err(|e| WorkbenchError::run(e, "the run's history files cannot be read"))?;
        std::fs::create_dir_all(&dir).map_err(|e| WorkbenchError::Export {
            path: dir.clone(),
            message: format!("cannot create the folder: {e}"),
        })?;
        let mut files = Vec::new();
        let mut contents = session.export_files(&history.metrics);
        // PNG figures need a wgpu adapter; without one the other files are still written.
        let png_error = match png_figures(&history, 2.0) {
            Ok(f) => {
                contents.extend(f);
                None
            }
            Err(e) => Some(e.to_string()),
        };
        for (name, bytes) in contents {
            let path = dir.join(name);
            write_atomic(&path, &bytes).map_err(|e| WorkbenchError::Export {
                path: path.clone(),
                message: e.to_string(),
            })?;
            files.push(path);
        }
        self.send(Event::Exported { dir, files });
        match png_error {
            Some(e) => Err(WorkbenchError::Figures(e)),
            None => Ok(()),
        }
    }
}
