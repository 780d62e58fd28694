//! `metanas adapt`: adapt the meta-network of a run to tasks drawn from a dataset (or from the
//! run's own held-out tasks) and report the metric before and after, and the genotype.

use std::path::PathBuf;

use clap::Args;
use metanas_core::baselines::{task_baselines, BaselineScores, Learners, Pixels};
use metanas_core::learners::{run_all_tasks, HeadInit, LearnerError, MeanCi};
use metanas_core::run::{
    limits, metric_value, native_pixels, stream_rng, DatasetConfig, RunError, SeedStream,
    TaskConfig, TaskDistribution,
};
use metanas_core::tasks::{EpisodeSpec, Split};
use serde_json::json;

use super::baselines::BaselineArgs;
use super::checkpoint::{self, CheckpointArg};
use super::{warn_all, CliError, Common, Output, RunArg};

/// Tasks adapted before their records are summarised (bounds the memory of a long call).
const TASK_CHUNK: usize = 64;

/// Arguments of `adapt`.
#[derive(Args, Debug)]
pub struct AdaptArgs {
    #[command(flatten)]
    run: RunArg,
    #[command(flatten)]
    checkpoint: CheckpointArg,
    /// A dataset (any supported format, recognised automatically); all of its classes can be
    /// drawn. Leave it out to draw from the run's own held-out (test) tasks.
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// The search-space input the data feeds (needed when the space has several).
    #[arg(long, value_name = "NAME")]
    input: Option<String>,
    /// N: classes per task (must equal the network's outputs); default: the run's. With
    /// --shots and --queries, applies to --data or, without it, to the run's held-out classes.
    #[arg(long, value_name = "N")]
    ways: Option<usize>,
    /// K: support examples per class; default: the run's.
    #[arg(long, value_name = "K")]
    shots: Option<usize>,
    /// Query examples per class; default: the run's.
    #[arg(long, value_name = "Q")]
    queries: Option<usize>,
    /// Adaptation steps; default: the run's `training.adapt_steps`.
    #[arg(long, value_name = "S")]
    steps: Option<usize>,
    /// Seed of task sampling and adaptation noise.
    #[arg(long, value_name = "X", default_value_t = 0)]
    seed: u64,
    /// Tasks to adapt to; with more than one, means and 95% CIs are reported.
    #[arg(long, value_name = "M", default_value_t = 1)]
    tasks: usize,
    /// Where adaptation starts the classifier head: `meta` (the meta-network's) or
    /// `prototypes` (from the support set's class means in the meta-network's features,
    /// Proto-MAML); default: the run's `training.adapt_head`.
    #[arg(long, value_name = "HEAD")]
    head: Option<HeadInit>,
    #[command(flatten)]
    baselines: BaselineArgs,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `adapt`.
pub fn run(a: &AdaptArgs) -> Result<Output, CliError> {
    super::check_count("--tasks", a.tasks, 1, limits::TASKS)?;
    if let Some(steps) = a.steps {
        super::check_count("--steps", steps, 0, limits::STEPS)?;
    }
    for (flag, given, min) in [("--shots", a.shots, 1), ("--queries", a.queries, 1)] {
        if let Some(v) = given {
            super::check_count(flag, v, min, limits::EXAMPLES)?;
        }
    }
    let (mut session, used) = checkpoint::open_at(&a.run, &a.checkpoint, a.common.backend)?;
    super::set_head(&mut session, a.head)?;
    let config = &session.config;
    let space = &config.space;
    let run_spec = match &config.tasks {
        TaskConfig::FewShot(f) => Some(EpisodeSpec {
            ways: f.ways,
            shots: f.shots,
            queries: f.queries,
        }),
        TaskConfig::Regression(_) => None,
    };
    let (tasks, split, foreign) = match (&a.data, run_spec) {
        (Some(_), None) => {
            return Err(CliError::Input(format!(
                "{}: this run meta-trained on regression tasks; leave out --data to adapt to its own task families",
                a.run.run.display()
            )))
        }
        (None, None) => {
            if let Some(flag) = [("--ways", a.ways), ("--shots", a.shots), ("--queries", a.queries)]
                .iter()
                .find_map(|(flag, given)| given.map(|_| flag))
            {
                return Err(CliError::Input(format!(
                    "{flag} applies to few-shot tasks; this run's tasks are regression \
                     functions, with the run's own shots"
                )));
            }
            (session.tasks.clone(), Split::Test, None)
        }
        (data, Some(spec)) => {
            let ways = a.ways.unwrap_or(spec.ways);
            if ways != space.num_outputs {
                return Err(CliError::Input(format!(
                    "--ways {ways}: the run's network has {} outputs, so its tasks are {}-way",
                    space.num_outputs, space.num_outputs
                )));
            }
            let spec = EpisodeSpec {
                ways,
                shots: a.shots.unwrap_or(spec.shots),
                queries: a.queries.unwrap_or(spec.queries),
            };
            match data {
                // The run's own held-out classes, at the shots and queries asked for.
                None => (session.tasks.with_spec(spec)?, Split::Test, None),
                Some(path) => {
                    let input = match &a.input {
                        Some(i) if space.inputs.iter().any(|s| &s.name == i) => i.clone(),
                        Some(i) => {
                            return Err(CliError::Input(format!(
                                "--input {i}: the run's space has no such input"
                            )))
                        }
                        None if space.inputs.len() == 1 => space.inputs[0].name.clone(),
                        None => {
                            return Err(CliError::Input(
                                "the run's space has several inputs: name one with --input"
                                    .into(),
                            ))
                        }
                    };
                    let tasks = TaskDistribution::from_dataset(
                        space,
                        path,
                        &input,
                        spec,
                        &mut |_, _, _| {},
                    )?;
                    (tasks, Split::Train, Some(DatasetConfig::at(path, &input)))
                }
            }
        }
    };
    tasks.check(split)?;
    let steps = a.steps.unwrap_or(config.training.adapt_steps);
    // The baselines: pixels at the datasets' own size, and the learner before meta-training.
    let (pixels, fresh) = if a.baselines.no_baselines {
        (Pixels::default(), None)
    } else {
        let (pixels, warnings) = match &foreign {
            Some(d) => native_pixels(&tasks, std::slice::from_ref(d)),
            None => session.native_pixels(),
        };
        warn_all(&warnings);
        let fresh = session
            .fresh_learner(a.common.backend)
            .map_err(|e| CliError::from(RunError::from(e)))?;
        (pixels, Some(fresh))
    };
    let mut scores = BaselineScores::default();
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut per_task = Vec::new();
    let mut first_genotype = None;
    // A learner without a shared genotype has no task genotypes either.
    let prior = session.genotype();
    // Tasks adapt `learner.threads` at a time (each with its own seed, so the numbers do not
    // depend on it), a chunk at a time to keep the adapted records in memory bounded.
    let threads = config.learner.threads();
    for start in (0..a.tasks).step_by(TASK_CHUNK) {
        let count = TASK_CHUNK.min(a.tasks - start);
        let done = run_all_tasks(count, threads, |k| {
            let i = start + k;
            metanas_core::interrupt::check()?;
            let mut rng = stream_rng(a.seed, SeedStream::Adapt, i as u64);
            let task = tasks
                .sample(split, &mut rng)
                .map_err(|e| LearnerError::Task(e.to_string()))?;
            let seed = rng.next_u64();
            let ad = session.learner.adapt(&task, steps, seed)?;
            let task_scores = fresh
                .as_ref()
                .map(|fresh| {
                    let learners = Learners {
                        meta: &*session.learner,
                        fresh: &**fresh,
                    };
                    task_baselines(&task, &learners, &pixels, steps, seed)
                })
                .transpose()?;
            Ok((task, ad, task_scores))
        })
        .map_err(|e| CliError::from(RunError::from(e)))?;
        for (task, ad, task_scores) in done {
            let b = ad
                .per_step
                .first()
                .and_then(metric_value)
                .unwrap_or(f64::NAN);
            let f = ad
                .per_step
                .last()
                .and_then(metric_value)
                .unwrap_or(f64::NAN);
            before.push(b);
            after.push(f);
            let mut record = json!({
                "source": task.source_name,
                "classes": task.classes,
                "before": b,
                "after": f,
                "per_step": ad.per_step.iter().map(metric_value).collect::<Vec<_>>(),
                "genotype": prior.is_some().then_some(&ad.genotype),
            });
            if let Some(task_scores) = task_scores {
                record["baselines"] = task_scores
                    .iter()
                    .map(|(b, v)| (b.key().to_string(), json!(v)))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
                scores.add(&task, &pixels, task_scores);
            }
            per_task.push(record);
            first_genotype.get_or_insert(ad.genotype);
        }
    }
    if before.iter().chain(&after).any(|v| !v.is_finite()) {
        return Err(super::not_finite(
            &session,
            "the adapted network's query metric",
        ));
    }
    let genotype =
        first_genotype.ok_or_else(|| CliError::Internal("no task was adapted".into()))?;
    let genotype = prior.is_some().then_some(genotype);
    let (b, f) = (MeanCi::of(&before), MeanCi::of(&after));
    let regression = run_spec.is_none();
    let name = if regression { "mse" } else { "accuracy" };
    let (ways, shots) = match (&tasks, run_spec) {
        (TaskDistribution::FewShot(t), _) => (Some(t.spec().ways), t.spec().shots),
        (TaskDistribution::Regression(r), _) => (None, r.shots),
    };
    let mut obj = json!({
        "run": a.run.run,
        "data": a.data,
        "tasks": a.tasks,
        "steps": steps,
        "head": session.learner.head_init().name(),
        "checkpoint": checkpoint::to_json(&used),
        "ways": ways,
        "shots": shots,
        "seed": a.seed,
        "genotype": genotype,
        "genotype_darts": genotype.as_ref().map(|g| g.to_darts()),
        "prior_genotype": prior,
        "per_task": per_task,
    });
    obj[format!("{name}_before")] = json!(b.mean);
    obj[format!("{name}_after")] = json!(f.mean);
    if a.tasks > 1 {
        obj[format!("{name}_before_ci95")] = json!(b.ci95);
        obj[format!("{name}_after_ci95")] = json!(f.ci95);
    }
    let fmt = |m: MeanCi| {
        if a.tasks > 1 {
            format!("{:.4} ± {:.4}", m.mean, m.ci95)
        } else {
            format!("{:.4}", m.mean)
        }
    };
    let mut text = format!(
        "{}\nadapted to {} task(s), {steps} steps{}\n{name} before: {}\n{name} after:  {}\nadapted genotype: {}\nprior genotype:   {}\n",
        checkpoint::describe(&used),
        a.tasks,
        ways.map(|w| format!(", {w}-way {shots}-shot")).unwrap_or_else(|| format!(", {shots}-shot regression")),
        fmt(b),
        fmt(f),
        super::genotype_text(genotype.as_ref(), session.learner.name()),
        super::genotype_text(prior.as_ref(), session.learner.name())
    );
    if let Some(pixels) = &scores.pixels {
        let (lines, fields) = super::baselines::report(&scores, f, name, pixels);
        text += &lines;
        for (k, v) in fields {
            obj[k] = v;
        }
    }
    Ok(Output { text, json: obj })
}
