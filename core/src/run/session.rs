//! A training session over a run directory: create or resume, meta-train with checkpoints and
//! streams, stop cleanly on request; and loading a trained run to adapt it (evaluating it is
//! in `evaluation.rs`).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::backend::{build_learner, Compute};
use super::config::RunConfig;
use super::error::RunError;
use super::lock::RunLock;
use super::records::{ArchRecord, GenotypeRecord, MetricRecord, SnapshotRecord};
use super::restore::{check_finite, check_split, restore_newest};
use super::run_dir::RunDir;
use super::tasks::{stream_rng, Stream, TaskDistribution};
use super::validation::{best_validation, ValidationRecord};
use crate::genotype::Genotype;
use crate::learners::{LearnerError, MetaLearner, TaskMetrics};
use crate::tasks::Split;

/// Progress callback while datasets load: `(path, done, total)`.
pub type LoadProgressFn<'a> = Option<&'a mut dyn FnMut(&str, usize, usize)>;

/// A run opened for training, adapting or evaluating.
pub struct Session {
    /// The directory.
    pub dir: RunDir,
    /// Its config.
    pub config: RunConfig,
    /// The learner, at the step of the checkpoint it was loaded from.
    pub learner: Box<dyn MetaLearner>,
    /// The task distribution.
    pub tasks: TaskDistribution,
    /// Warnings from opening it (damaged checkpoints, torn stream lines).
    pub warnings: Vec<String>,
    elapsed: f64,
    /// The writer's lock, held while a session that trains lives.
    lock: Option<RunLock>,
    /// Training diverged in this session: the learner's state is not written any more.
    diverged: bool,
}

/// What [`Session::train`] shows its caller after each meta-step (all of it is also in the
/// run's streams).
#[derive(Clone, Copy, Debug)]
pub struct StepEvent<'a> {
    /// The step's metrics.
    pub metrics: &'a MetricRecord,
    /// The shared architecture probabilities after it.
    pub arch: &'a ArchRecord,
    /// Task posteriors sampled at this step (empty unless it is a snapshot step).
    pub snapshots: &'a [SnapshotRecord],
    /// The meta-validation result of this step's checkpoint (a checkpoint step of a run that
    /// validates; see [`ValidationRecord`]).
    pub validation: Option<&'a ValidationRecord>,
}

/// How a call to [`Session::train`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainEnd {
    /// The target step was reached.
    Done,
    /// The stop flag was raised (Ctrl-C, the UI's stop button); a checkpoint was written.
    Stopped,
}

/// The metric value (accuracy or MSE) of a task's metrics.
pub fn metric_value(m: &TaskMetrics) -> Option<f64> {
    m.accuracy.or(m.mse)
}

impl Session {
    /// Starts a new run at `path` (see [`RunDir::create`] for `force`). Datasets are loaded
    /// and checked before anything is written; the run holds its writer's lock and a
    /// checkpoint of step 0 when this returns.
    pub fn create(
        path: &Path,
        config: RunConfig,
        compute: impl Into<Compute>,
        force: bool,
        progress: LoadProgressFn<'_>,
    ) -> Result<Self, RunError> {
        let tasks = TaskDistribution::build(&config.tasks, &config.space, progress)?;
        tasks.check(Split::Train)?;
        let learner = build_learner(&config, compute)?;
        // A task that does not fit the network is found before the run exists.
        let probe = tasks.sample(Split::Train, &mut stream_rng(config.seed, Stream::Train, 0))?;
        learner.adapt(&probe, 0, 0)?;
        let (dir, lock) = RunDir::create(path, &config, force)?;
        dir.write_split(&tasks.splits())?;
        let arch = learner.arch_probabilities();
        dir.arch().append(&ArchRecord {
            step: 0,
            normal: arch.normal,
            reduce: arch.reduce,
        })?;
        let mut session = Self {
            dir,
            config,
            learner,
            tasks,
            warnings: Vec::new(),
            elapsed: 0.0,
            lock: Some(lock),
            diverged: false,
        };
        // Every run has a checkpoint from the start: a run without one is damaged, never new.
        session.write_checkpoint(true)?;
        Ok(session)
    }

    /// Opens the run at `path` at its newest usable checkpoint. `need_checkpoint` false opens
    /// it to train: the writer's lock is taken, damaged checkpoints are renamed
    /// `*.ckpt.damaged`, and stream records written after the checkpoint are dropped. True
    /// opens it to read (eval, adapt, export, views), without the lock and without writing.
    /// A run with no usable checkpoint is refused either way, naming what was found.
    pub fn open(
        path: &Path,
        compute: impl Into<Compute>,
        need_checkpoint: bool,
        progress: LoadProgressFn<'_>,
    ) -> Result<Self, RunError> {
        let writer = !need_checkpoint;
        let lock = if writer && path.is_dir() && RunDir::exists(path) {
            Some(RunLock::acquire(path)?)
        } else {
            None
        };
        let (dir, _info, config) = RunDir::open(path)?;
        if writer {
            config.check_memory(&dir.config_path())?;
        }
        let tasks = TaskDistribution::build(&config.tasks, &config.space, progress)?;
        check_split(&dir, &tasks)?;
        let mut learner = build_learner(&config, compute)?;
        let checkpoints = dir.checkpoints();
        if writer {
            checkpoints.remove_leftovers();
        }
        let (step, mut warnings) = restore_newest(&mut *learner, &dir, writer)?;
        let mut elapsed = 0.0;
        if writer {
            // Training resumes here: the streams go back to the checkpoint's step.
            for s in dir.streams() {
                warnings.extend(s.keep_until(step)?);
            }
        }
        let metrics = dir.metrics().read::<MetricRecord>()?;
        if need_checkpoint {
            warnings.extend(metrics.warnings);
        }
        if let Some(last) = metrics.records.iter().rev().find(|r| r.report.step <= step) {
            elapsed = last.elapsed_seconds;
        }
        Ok(Self {
            dir,
            config,
            learner,
            tasks,
            warnings,
            elapsed,
            lock,
            diverged: false,
        })
    }

    /// Whether this session holds the run's writer's lock (it was opened to train).
    pub fn is_writer(&self) -> bool {
        self.lock.is_some()
    }

    /// Meta-steps done.
    pub fn steps_done(&self) -> usize {
        self.learner.steps_done()
    }

    /// Meta-trains until `until` meta-steps are done or `stop` is raised, writing streams every
    /// step and a checkpoint every `checkpoint_every` steps and at the end. `on_step` sees what
    /// each step wrote.
    pub fn train(
        &mut self,
        until: usize,
        stop: &AtomicBool,
        mut on_step: impl FnMut(StepEvent<'_>),
    ) -> Result<TrainEnd, RunError> {
        if self.lock.is_none() {
            return Err(RunError::dir(
                self.dir.root(),
                "was opened to read (another process may be training it); open it to train",
            ));
        }
        let t = self.config.training.clone();
        let mut last_checkpoint = self.steps_done();
        while self.steps_done() < until {
            if stop.load(Ordering::SeqCst) || crate::interrupt::requested() {
                break;
            }
            let step = self.steps_done();
            let mut rng = stream_rng(self.config.seed, Stream::Train, step as u64);
            let batch = (0..t.meta_batch)
                .map(|_| self.tasks.sample(Split::Train, &mut rng))
                .collect::<Result<Vec<_>, _>>()?;
            let started = Instant::now();
            let report = match self.learner.meta_step(&batch) {
                // Nothing changed: the learner is still at the last completed step.
                Err(LearnerError::Interrupted) => break,
                other => other.and_then(|r| check_finite(&*self.learner, r.step).map(|()| r)),
            };
            let report = match report {
                Ok(r) => r,
                Err(e) => {
                    if matches!(
                        e,
                        LearnerError::Diverged { .. } | LearnerError::NonFiniteParameters { .. }
                    ) {
                        // The state that led here is not written: the run keeps its last
                        // checkpoint.
                        self.diverged = true;
                    }
                    return Err(e.into());
                }
            };
            let secs = started.elapsed().as_secs_f64();
            self.elapsed += secs;
            let record = MetricRecord {
                report: report.clone(),
                step_seconds: secs,
                elapsed_seconds: self.elapsed,
            };
            self.dir.metrics().append(&record)?;
            let arch = self.learner.arch_probabilities();
            let arch = ArchRecord {
                step: report.step,
                normal: arch.normal,
                reduce: arch.reduce,
            };
            self.dir.arch().append(&arch)?;
            let snapshots = if t.snapshot_every > 0 && report.step % t.snapshot_every == 0 {
                // The step is recorded already: its snapshot completes even when a stop is
                // requested meanwhile, which the next loop turn then honours.
                crate::interrupt::uninterruptible(|| self.snapshot(report.step))?
            } else {
                Vec::new()
            };
            let validation = if report.step % t.checkpoint_every == 0 {
                last_checkpoint = report.step;
                self.write_checkpoint(true)?
            } else {
                None
            };
            on_step(StepEvent {
                metrics: &record,
                arch: &arch,
                snapshots: &snapshots,
                validation: validation.as_ref(),
            });
        }
        let done = self.steps_done() >= until;
        if self.steps_done() != last_checkpoint {
            // A stop's checkpoint records no genotype, so that a stopped and resumed run's
            // files equal an uninterrupted run's.
            self.write_checkpoint(done)?;
        }
        Ok(if done {
            TrainEnd::Done
        } else {
            TrainEnd::Stopped
        })
    }

    /// Makes the streams durable, records the current genotype and writes a checkpoint.
    /// Refused for a session opened to read, and for a learner whose parameters are not all
    /// finite (a diverged state is never written).
    pub fn checkpoint(&mut self) -> Result<(), RunError> {
        self.write_checkpoint(true).map(|_| ())
    }

    /// Writes the checkpoint of the current step; with `record_genotype` (a regular
    /// checkpoint, not a stop's) also the genotype and the validation result, which is
    /// returned.
    fn write_checkpoint(
        &mut self,
        record_genotype: bool,
    ) -> Result<Option<ValidationRecord>, RunError> {
        if self.lock.is_none() {
            return Err(RunError::dir(
                self.dir.root(),
                "was opened to read; only the process that trains it writes checkpoints",
            ));
        }
        let step = self.steps_done();
        if self.diverged {
            return Err(RunError::dir(
                self.dir.root(),
                "diverged in this session; its state after the last checkpoint is not written",
            ));
        }
        check_finite(&*self.learner, step)?;
        // The state before this step's records: a state the run must not resume from (an
        // overflowed optimiser) stops it with nothing of this step recorded.
        let state = match self.learner.state_bytes() {
            Err(e @ LearnerError::OptimiserOverflow { .. }) => {
                self.diverged = true;
                return Err(e.into());
            }
            other => other?,
        };
        let mut validation = None;
        if record_genotype {
            if let Some(genotype) = self.genotype() {
                self.dir
                    .genotypes()
                    .append(&GenotypeRecord { step, genotype })?;
            }
            // Like a snapshot, the validation of a recorded step completes even when a stop
            // is requested meanwhile.
            if let Some(record) = crate::interrupt::uninterruptible(|| self.validate(step))? {
                self.dir.validation().append(&record)?;
                validation = Some(record);
            }
        }
        for s in self.dir.streams() {
            s.sync()?;
        }
        let best = best_validation(&self.validation_records()?).map(|r| r.step);
        self.dir
            .checkpoints()
            .write(step, &state, self.config.training.keep_checkpoints, best)?;
        Ok(validation)
    }

    /// The genotype of the shared architecture, when the learner has one.
    pub fn genotype(&self) -> Option<Genotype> {
        self.learner.genotype()
    }

    /// Adapts to a few meta-validation tasks and records their posteriors.
    fn snapshot(&mut self, step: usize) -> Result<Vec<SnapshotRecord>, RunError> {
        let t = &self.config.training;
        let mut out = Vec::with_capacity(t.snapshot_tasks);
        let split = if self.tasks.check(Split::Val).is_ok() {
            Split::Val
        } else {
            Split::Train
        };
        for i in 0..t.snapshot_tasks {
            let mut rng = stream_rng(self.config.seed, Stream::Snapshot, (step * 1000 + i) as u64);
            let task = self.tasks.sample(split, &mut rng)?;
            let a = self.learner.adapt(&task, t.adapt_steps, rng.next_u64())?;
            let record = SnapshotRecord {
                step,
                task: i,
                source: task.source,
                source_name: task.source_name.clone(),
                before: a.per_step.first().and_then(metric_value),
                after: a.per_step.last().and_then(metric_value),
                arch: a.arch().map(|t| t.flatten()).unwrap_or_default(),
                weight_sketch: a.weight_sketch,
                genotype: a.genotype,
            };
            self.dir.posteriors().append(&record)?;
            out.push(record);
        }
        Ok(out)
    }
}
