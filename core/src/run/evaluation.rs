//! Evaluating an opened run: the shared protocol on held-out tasks (sampled from the test
//! split, or fixed episodes such as Lake et al.'s one-shot runs), the same with the
//! architecture frozen, DARTS from scratch, and the baselines, all on the same tasks and seeds.

use std::path::Path;

use super::adapt_method::AdaptMethod;
use super::backend::{build_learner, BackendKind, Compute};
use super::config::TaskConfig;
use super::error::RunError;
use super::native_pixels::native_pixels;
use super::session::Session;
use super::tasks::{stream_rng, Stream, TaskDistribution};
use crate::baselines::{task_baselines, BaselineScores, Learners, Pixels};
use crate::data::{DataError, ImageSpec};
use crate::learners::{
    evaluate_with, run_all_tasks, Adaptation, DartsConfig, EvalReport, LearnerError, MetaLearner,
};
use crate::space::Domain;
use crate::tasks::{load_one_shot_runs, Episode, Function, Split};

impl Session {
    /// The shared evaluation protocol on `held_out` tasks, `steps` adaptation steps each,
    /// adapting the meta-network.
    pub fn evaluate(&self, held_out: &HeldOut, steps: usize) -> Result<EvalReport, RunError> {
        self.evaluate_method(
            held_out,
            steps,
            AdaptMethod::MetaNetwork,
            &DartsConfig::default(),
            BackendKind::Cpu,
        )
    }

    /// The protocol on the same tasks with the same seeds for any [`AdaptMethod`]: adapting
    /// the weights only (the architecture held at the meta-network's), or DARTS from scratch
    /// over the run's space with `darts` on `backend` (`steps` search steps per task), the
    /// baseline that adapting the meta-network is compared against (BASE Figure 4).
    pub fn evaluate_method(
        &self,
        held_out: &HeldOut,
        steps: usize,
        method: AdaptMethod,
        darts: &DartsConfig,
        backend: BackendKind,
    ) -> Result<EvalReport, RunError> {
        self.evaluate_by(held_out, |task, seed| {
            self.adapt_by(method, darts, backend, task, steps, seed)
        })
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

    /// `per_family` tasks of each regression family of the run, family by family (M-NAS's
    /// Table 1 protocol: the same number of tasks of every family), as fixed episodes drawn
    /// from the evaluation stream. Refused for a run that is not on regression tasks.
    pub fn per_family_tasks(&self, per_family: usize) -> Result<Vec<Episode>, RunError> {
        let TaskDistribution::Regression(r) = &self.tasks else {
            return Err(RunError::dir(
                self.dir.root(),
                "tasks per family apply to regression runs; this run's tasks come from datasets",
            ));
        };
        let mut out = Vec::with_capacity(r.families.len() * per_family);
        for (source, family) in r.families.iter().enumerate() {
            for j in 0..per_family {
                let index = (source * per_family + j) as u64;
                let mut rng = stream_rng(self.config.seed, Stream::Eval, index);
                let function = Function::sample(*family, &mut rng);
                out.push(r.episode_for(&function, source, &mut rng));
            }
        }
        Ok(out)
    }

    /// The baselines ([`crate::baselines`]) on the same held-out tasks, with the same seeds
    /// and steps, as [`Session::evaluate`]; the network from scratch is the run's learner
    /// freshly initialised on `compute`.
    pub fn evaluate_baselines(
        &self,
        held_out: &HeldOut,
        steps: usize,
        compute: impl Into<Compute>,
        pixels: &Pixels,
    ) -> Result<BaselineScores, RunError> {
        if let HeldOut::Sampled(_) = held_out {
            self.tasks.check(Split::Test)?;
        }
        let fresh = self.fresh_learner(compute)?;
        let learners = Learners {
            meta: &*self.learner,
            fresh: &*fresh,
        };
        // Tasks in parallel as in the evaluation; the scores are added in task order.
        let per_task = run_all_tasks(held_out.len(), self.config.learner.threads(), |i| {
            crate::interrupt::check()?;
            let task = self.held_out_task(held_out, i)?;
            let seed = self.config.seed.wrapping_add(i as u64);
            let task_scores = task_baselines(&task, &learners, pixels, steps, seed)?;
            Ok((task, task_scores))
        })?;
        let mut scores = BaselineScores::default();
        for (task, task_scores) in per_task {
            scores.add(&task, pixels, task_scores);
        }
        Ok(scores)
    }

    /// The run's learner as it was before its first meta-step (the run's seed), adapting with
    /// the same head as the meta-network: the network "from scratch" of the baselines.
    pub fn fresh_learner(
        &self,
        compute: impl Into<Compute>,
    ) -> Result<Box<dyn MetaLearner>, LearnerError> {
        let mut fresh = build_learner(&self.config, compute)?;
        fresh.set_head_init(self.learner.head_init());
        Ok(fresh)
    }

    /// The raw pixels of the run's own datasets at their own size, for the baselines (see
    /// [`native_pixels`]), with a warning for each that keeps the network-size inputs.
    pub fn native_pixels(&self) -> (Pixels, Vec<String>) {
        match &self.config.tasks {
            TaskConfig::FewShot(f) => native_pixels(&self.tasks, &f.datasets),
            TaskConfig::Regression(_) => (Pixels::default(), Vec::new()),
        }
    }

    /// Task `i` of `held_out` (drawn from the test split, or the i-th fixed episode).
    fn held_out_task(&self, held_out: &HeldOut, i: usize) -> Result<Episode, LearnerError> {
        match held_out {
            HeldOut::Sampled(_) => self
                .tasks
                .sample(
                    Split::Test,
                    &mut stream_rng(self.config.seed, Stream::Eval, i as u64),
                )
                .map_err(|e| LearnerError::Task(e.to_string())),
            HeldOut::Fixed(episodes) => episodes
                .get(i)
                .cloned()
                .ok_or_else(|| LearnerError::Task(format!("no episode {i}"))),
        }
    }

    fn evaluate_by(
        &self,
        held_out: &HeldOut,
        adapt: impl Fn(&Episode, u64) -> Result<Adaptation, LearnerError> + Sync,
    ) -> Result<EvalReport, RunError> {
        if let HeldOut::Sampled(_) = held_out {
            self.tasks.check(Split::Test)?;
        }
        Ok(evaluate_with(
            adapt,
            held_out.len(),
            self.config.seed,
            self.config.learner.threads(),
            |i| self.held_out_task(held_out, i),
        )?)
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
