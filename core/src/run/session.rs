//! A training session over a run directory: create or resume, meta-train with checkpoints and
//! streams, stop cleanly on request; and loading a trained run to adapt or evaluate it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::backend::{build_darts, build_learner, BackendKind, Compute};
use super::config::RunConfig;
use super::error::RunError;
use super::records::{ArchRecord, GenotypeRecord, MetricRecord, SnapshotRecord};
use super::run_dir::RunDir;
use super::tasks::{stream_rng, Stream, TaskDistribution};
use crate::data::{DataError, ImageSpec};
use crate::genotype::Genotype;
use crate::learners::{
    evaluate_with, Adaptation, DartsConfig, EvalReport, LearnerError, MetaLearner, TaskMetrics,
};
use crate::space::Domain;
use crate::tasks::{load_one_shot_runs, Episode, Split};

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
    /// and checked before anything is written.
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
        let dir = RunDir::create(path, &config, force)?;
        dir.write_split(&tasks.splits())?;
        let arch = learner.arch_probabilities();
        dir.arch().append(&ArchRecord {
            step: 0,
            normal: arch.normal,
            reduce: arch.reduce,
        })?;
        dir.arch().sync()?;
        Ok(Self {
            dir,
            config,
            learner,
            tasks,
            warnings: Vec::new(),
            elapsed: 0.0,
        })
    }

    /// Opens the run at `path` at its newest intact checkpoint (or at step 0 when it has none,
    /// unless `need_checkpoint`), dropping stream records written after that checkpoint.
    pub fn open(
        path: &Path,
        compute: impl Into<Compute>,
        need_checkpoint: bool,
        progress: LoadProgressFn<'_>,
    ) -> Result<Self, RunError> {
        let (dir, _info, config) = RunDir::open(path)?;
        let tasks = TaskDistribution::build(&config.tasks, &config.space, progress)?;
        let mut learner = build_learner(&config, compute)?;
        let checkpoints = dir.checkpoints();
        let (latest, mut warnings) = checkpoints.latest_good()?;
        let step = match latest {
            Some((step, payload)) => {
                learner.load_state_bytes(&payload).map_err(|e| {
                    RunError::dir(
                        &checkpoints.path(step),
                        format!("cannot restore the learner: {e}"),
                    )
                })?;
                step
            }
            None if need_checkpoint => {
                return Err(RunError::dir(
                    path,
                    "has no usable checkpoint yet; train it first (`metanas train --run DIR`)",
                ))
            }
            None => 0,
        };
        let mut elapsed = 0.0;
        if !need_checkpoint {
            // Training resumes here: the streams go back to the checkpoint's step.
            checkpoints.remove_leftovers();
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
        })
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
        let t = self.config.training.clone();
        let mut last_checkpoint = self.steps_done();
        while self.steps_done() < until {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let step = self.steps_done();
            let mut rng = stream_rng(self.config.seed, Stream::Train, step as u64);
            let batch = (0..t.meta_batch)
                .map(|_| self.tasks.sample(Split::Train, &mut rng))
                .collect::<Result<Vec<_>, _>>()?;
            let started = Instant::now();
            let report = self.learner.meta_step(&batch)?;
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
                self.snapshot(report.step)?
            } else {
                Vec::new()
            };
            on_step(StepEvent {
                metrics: &record,
                arch: &arch,
                snapshots: &snapshots,
            });
            if report.step % t.checkpoint_every == 0 {
                self.checkpoint()?;
                last_checkpoint = report.step;
            }
        }
        if self.steps_done() != last_checkpoint {
            self.checkpoint()?;
        }
        Ok(if self.steps_done() >= until {
            TrainEnd::Done
        } else {
            TrainEnd::Stopped
        })
    }

    /// Makes the streams durable, records the current genotype and writes a checkpoint.
    pub fn checkpoint(&mut self) -> Result<(), RunError> {
        let step = self.steps_done();
        if let Some(genotype) = self.genotype() {
            self.dir
                .genotypes()
                .append(&GenotypeRecord { step, genotype })?;
        }
        for s in self.dir.streams() {
            s.sync()?;
        }
        let state = self.learner.state_bytes()?;
        self.dir
            .checkpoints()
            .write(step, &state, self.config.training.keep_checkpoints)
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

    /// The shared evaluation protocol on `held_out` tasks, `steps` adaptation steps each.
    pub fn evaluate(&self, held_out: &HeldOut, steps: usize) -> Result<EvalReport, RunError> {
        self.evaluate_by(held_out, |task, seed| self.learner.adapt(task, steps, seed))
    }

    /// The same protocol on the same tasks with the same seeds, adapting the weights only
    /// (the architecture held at the meta-network's; [`MetaLearner::adapt_frozen_arch`]).
    pub fn evaluate_frozen_arch(
        &self,
        held_out: &HeldOut,
        steps: usize,
    ) -> Result<EvalReport, RunError> {
        self.evaluate_by(held_out, |task, seed| {
            self.learner.adapt_frozen_arch(task, steps, seed)
        })
    }

    /// The same protocol, on the same held-out tasks with the same seeds, for DARTS from
    /// scratch over the run's space on `backend` (`steps` search steps per task): the
    /// baseline that adapting the meta-network is compared against (BASE Figure 4).
    pub fn evaluate_darts(
        &self,
        held_out: &HeldOut,
        steps: usize,
        config: DartsConfig,
        backend: BackendKind,
    ) -> Result<EvalReport, RunError> {
        let search = build_darts(&self.config.space, config, backend);
        self.evaluate_by(held_out, |task, seed| search(task, steps, seed))
    }

    /// Lake et al.'s one-shot runs under `path` (a folder or a `.zip`, see
    /// [`load_one_shot_runs`]) as fixed episodes for the run's space: at the size of its only
    /// image input, or of its first grey one when it has several. Refused when the space
    /// has no image input or its classifier has fewer outputs than a run has classes.
    pub fn one_shot_runs(&self, path: &Path) -> Result<Vec<Episode>, RunError> {
        let space = &self.config.space;
        let input = (space.domain == Domain::Image)
            .then(|| match space.inputs.as_slice() {
                [only] => Some(only),
                several => several.iter().find(|i| i.channels == 1),
            })
            .flatten()
            .ok_or_else(|| {
                RunError::dir(
                    self.dir.root(),
                    "the run's space has no grey image input to read one-shot runs at",
                )
            })?;
        let spec = ImageSpec {
            channels: input.channels,
            height: input.height,
            width: input.width,
        };
        let episodes = load_one_shot_runs(path, spec, &input.name)?;
        let ways = episodes.iter().map(|e| e.support.len()).max().unwrap_or(0);
        if ways > space.num_outputs {
            return Err(RunError::Data(DataError::format(
                path,
                format!(
                    "a run has {ways} classes but the run's network classifies into {} \
                     (space.num_outputs); meta-train a {ways}-way network for these runs",
                    space.num_outputs
                ),
            )));
        }
        Ok(episodes)
    }

    fn evaluate_by(
        &self,
        held_out: &HeldOut,
        adapt: impl FnMut(&Episode, u64) -> Result<Adaptation, LearnerError>,
    ) -> Result<EvalReport, RunError> {
        let seed = self.config.seed;
        let report = match held_out {
            HeldOut::Sampled(tasks) => {
                self.tasks.check(Split::Test)?;
                evaluate_with(adapt, *tasks, seed, |i| {
                    self.tasks
                        .sample(Split::Test, &mut stream_rng(seed, Stream::Eval, i as u64))
                        .map_err(|e| LearnerError::Task(e.to_string()))
                })?
            }
            HeldOut::Fixed(episodes) => {
                evaluate_with(adapt, episodes.len(), seed, |i| Ok(episodes[i].clone()))?
            }
        };
        Ok(report)
    }
}

/// The tasks an evaluation adapts to.
#[derive(Clone, Debug)]
pub enum HeldOut {
    /// This many tasks drawn from the run's test split (the same tasks on every call).
    Sampled(usize),
    /// These episodes, in order (e.g. [`Session::one_shot_runs`]).
    Fixed(Vec<Episode>),
}

impl HeldOut {
    /// How many tasks.
    pub fn len(&self) -> usize {
        match self {
            HeldOut::Sampled(n) => *n,
            HeldOut::Fixed(e) => e.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
