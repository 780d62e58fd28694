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

use metanas_core::genotype::Genotype;
use metanas_core::run::{
    stream_rng, write_atomic, ArchRecord, BackendKind, MetricRecord, RunConfig, RunError,
    SeedStream, Session, SnapshotRecord, TaskConfig, TaskDistribution, TrainEnd,
};
use metanas_core::tasks::{EpisodeSpec, Split};

use super::adapt_method::AdaptMethod;
use super::comparison::{self, Comparison, PixelCache};
use super::dataset_info::DatasetInfo;
use super::history::{AdaptResult, RunHistory};
use super::views::png_figures;

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

/// Which task to adapt to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdaptRequest {
    /// A dataset the run was not configured with, all of whose classes can be drawn; `None`:
    /// the run's own tasks.
    pub dataset: Option<PathBuf>,
    /// The split of the run's tasks the task's classes come from (Test: classes never
    /// meta-trained on); ignored with `dataset`.
    pub split: Split,
    /// Task number: the same number gives the same task.
    pub task: u64,
    /// Adaptation steps.
    pub steps: usize,
    /// How to adapt (the meta-network, its weights only, or DARTS from scratch).
    pub method: AdaptMethod,
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
    },
    /// Training stopped: the target was reached, or pause/stop was asked for.
    TrainEnded {
        /// Meta-steps done.
        steps: usize,
        /// Whether the stop flag ended it.
        stopped: bool,
        /// The shared genotype now.
        genotype: Option<Genotype>,
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
        /// The error and the way out.
        message: String,
    },
    /// The worker finished the command and waits for the next.
    Idle,
}

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
            let what = describe(&command);
            let result = catch_unwind(AssertUnwindSafe(|| self.handle(command)));
            match result {
                Ok(Ok(())) => {}
                Ok(Err(message)) => self.send(Event::Failed { what, message }),
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
                    self.send(Event::Failed { what, message });
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

    fn handle(&mut self, command: Command) -> Result<(), String> {
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

    fn create(&mut self, dir: PathBuf, config: RunConfig) -> Result<(), String> {
        self.send(Event::Busy(format!("creating the run {}", dir.display())));
        self.session = None;
        let mut report = self.loading_reporter();
        let session = Session::create(&dir, config, self.backend, false, Some(&mut report))
            .map_err(|e| with_fix(&e, "fix the setting it names and press Start again"))?;
        drop(report);
        self.opened(session)
    }

    fn open(&mut self, dir: PathBuf) -> Result<(), String> {
        self.send(Event::Busy(format!("opening {}", dir.display())));
        self.session = None;
        let mut report = self.loading_reporter();
        let session = match Session::open(&dir, self.backend, false, Some(&mut report)) {
            // Another process trains it: it can be watched and adapted, not trained here.
            Err(e @ RunError::Locked { .. }) => {
                let mut session = Session::open(&dir, self.backend, true, Some(&mut report))
                    .map_err(|e| with_fix(&e, "choose another run directory"))?;
                session.warnings.push(format!(
                    "opened read-only (training it here is refused; adapting and exporting work): {e}"
                ));
                session
            }
            other => other.map_err(|e| with_fix(&e, "choose another run directory"))?,
        };
        drop(report);
        self.opened(session)
    }

    fn opened(&mut self, session: Session) -> Result<(), String> {
        let history = RunHistory::read(&session).map_err(|e| e.to_string())?;
        self.session = Some(session);
        self.pixels.clear();
        self.send(Event::Opened(Box::new(history)));
        Ok(())
    }

    fn session(&self) -> Result<&Session, String> {
        self.session
            .as_ref()
            .ok_or_else(|| "no run is open: start a new run or open one first".to_string())
    }

    fn train(&mut self, until: usize) -> Result<(), String> {
        self.stop.store(false, Ordering::SeqCst);
        let events = self.events.clone();
        let wake = &self.wake;
        let stop = self.stop.clone();
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| "no run is open: start a new run or open one first".to_string())?;
        let dir = session.dir.root().to_path_buf();
        let end = session.train(until, &stop, |e| {
            let _ = events.send(Event::Step {
                metrics: e.metrics.clone(),
                arch: e.arch.clone(),
                snapshots: e.snapshots.to_vec(),
            });
            wake();
        });
        let steps = session.steps_done();
        let genotype = session.genotype();
        let end = end.map_err(|e| {
            format!(
                "{e}. Training stopped; the run keeps its last checkpoint ({}). Lower the learning rates in the learner settings and resume, or open the run again.",
                dir.display()
            )
        });
        let stopped = end.as_ref().map_or(true, |e| *e == TrainEnd::Stopped);
        self.send(Event::TrainEnded {
            steps,
            stopped,
            genotype,
        });
        end.map(|_| ())
    }

    fn adapt(&mut self, r: AdaptRequest) -> Result<(), String> {
        let session = self.session()?;
        self.send(Event::Busy(format!(
            "adapting ({}) to task {}",
            r.method.label(),
            r.task
        )));
        let mut rng = stream_rng(session.config.seed, SeedStream::Adapt, r.task);
        let episode = match &r.dataset {
            None => {
                session.tasks.check(r.split).map_err(|e| e.to_string())?;
                session.tasks.sample(r.split, &mut rng)
            }
            Some(path) => {
                let tasks = self.foreign_tasks(path)?;
                tasks.sample(Split::Train, &mut rng)
            }
        }
        .map_err(|e| e.to_string())?;
        let backend = self.backend;
        let seed = rng.next_u64();
        let session = self.session()?;
        let adaptation = r
            .method
            .adapt(session, backend, &episode, r.steps, seed)
            .map_err(|e| e.to_string())?;
        self.send(Event::Busy(format!("baselines on task {}", r.task)));
        let session = self.session.as_ref().ok_or("the run was closed")?;
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
    fn foreign_tasks(&mut self, path: &Path) -> Result<&TaskDistribution, String> {
        let session = self.session()?;
        let TaskConfig::FewShot(f) = &session.config.tasks else {
            return Err(
                "this run meta-trained on regression tasks: it adapts only to its own task families"
                    .into(),
            );
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
                .map_err(|e| format!("{e}; choose another dataset"))?;
            drop(report);
            self.foreign = Some((path.to_path_buf(), tasks));
        }
        self.foreign
            .as_ref()
            .map(|(_, t)| t)
            .ok_or_else(|| "the dataset did not load".to_string())
    }

    fn compare(&mut self, tasks: usize, steps: usize) -> Result<(), String> {
        self.send(Event::Busy(format!(
            "evaluating on {tasks} held-out tasks beside the baselines"
        )));
        let session = self
            .session
            .as_ref()
            .ok_or("no run is open: open one first")?;
        let pixels = self.pixels.get(session, None);
        let result = comparison::on_held_out(session, self.backend, pixels, tasks, steps)?;
        self.send(Event::Compared(Box::new(result)));
        Ok(())
    }

    fn export(&mut self, dir: PathBuf) -> Result<(), String> {
        let session = self.session()?;
        // One read of the run's records serves the metrics CSV and the figures.
        let history = RunHistory::read(session).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&dir).map_err(|e| {
            format!(
                "{}: cannot create the folder: {e}; choose another",
                dir.display()
            )
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
            write_atomic(&path, &bytes).map_err(|e| format!("{e}; choose another folder"))?;
            files.push(path);
        }
        self.send(Event::Exported { dir, files });
        match png_error {
            Some(e) => Err(format!("the PNG figures were not written: {e}")),
            None => Ok(()),
        }
    }
}

fn with_fix(e: &RunError, fix: &str) -> String {
    format!("{e}; {fix}")
}

fn describe(c: &Command) -> String {
    match c {
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
        Command::Compare { tasks, .. } => format!("comparing with the baselines on {tasks} tasks"),
        Command::Panic => "a deliberate panic".into(),
    }
}
