//! `metanas eval`: the shared evaluation protocol on the run's held-out tasks, or on fixed
//! episodes (Lake et al.'s one-shot runs).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::baselines::BaselineArgs;
use super::checkpoint::{self, CheckpointArg};
use super::{warn_all, CliError, Common, Output, RunArg};
use metanas_core::baselines::Pixels;
use metanas_core::learners::{DartsConfig, EvalReport, HeadInit};
use metanas_core::posterior::Relaxation;
use metanas_core::run::{AdaptMethod, HeldOut};
use metanas_core::tasks::{QueryPoints, SupportPoints};

/// Arguments of `eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    run: RunArg,
    #[command(flatten)]
    checkpoint: CheckpointArg,
    /// Held-out tasks; default: the run's `training.eval_tasks` (600 unless set).
    #[arg(long, value_name = "M", conflicts_with = "episodes")]
    tasks: Option<usize>,
    /// Evaluate on fixed episodes instead: Lake et al.'s one-shot runs (Omniglot's
    /// `all_runs.zip`, or a folder in its layout), one task per run.
    #[arg(long, value_name = "PATH")]
    episodes: Option<PathBuf>,
    /// Regression runs: N tasks of each of the run's function families (M-NAS's Table 1
    /// protocol), reported together and family by family.
    #[arg(long, value_name = "N", conflicts_with_all = ["tasks", "episodes"])]
    per_family: Option<usize>,
    /// Regression runs: where the held-out tasks' query points lie, `grid` (evenly over the
    /// run's `tasks.grid`: extrapolation) or `like_support` (drawn as the support points
    /// are, around the task's centre: interpolation); default: the run's
    /// `tasks.query_points`.
    #[arg(long, value_name = "WHERE", conflicts_with = "episodes")]
    query_points: Option<QueryPoints>,
    /// Regression runs: how the held-out tasks' support inputs are drawn, `concentrated`
    /// (around a centre, M-NAS's protocol) or `uniform` (over the run's `tasks.grid`);
    /// default: the run's `tasks.support_points`.
    #[arg(long, value_name = "HOW", conflicts_with = "episodes")]
    support_points: Option<SupportPoints>,
    /// Adaptation steps; default: the run's `training.adapt_steps`.
    #[arg(long, value_name = "S")]
    steps: Option<usize>,
    /// Also run DARTS from scratch (first order, a fresh supernet of the run's space) on the
    /// same tasks for the same number of steps, and report it beside the meta-network.
    #[arg(long)]
    darts: bool,
    /// Also adapt with the architecture frozen at the meta-network's (weights only; BASE's
    /// Figure 4 "arch params frozen"), reported beside the usual adaptation.
    #[arg(long)]
    frozen_arch: bool,
    /// DARTS' weight learning rate (SGD with momentum 0.9, cosine-annealed); default 0.025.
    #[arg(long, value_name = "LR", requires = "darts")]
    darts_lr_weights: Option<f64>,
    /// DARTS' architecture learning rate (Adam); default 3e-4.
    #[arg(long, value_name = "LR", requires = "darts")]
    darts_lr_arch: Option<f64>,
    /// Search DARTS single-path (GDAS): one Gumbel-sampled op per edge runs in each pass
    /// (τ from 1 to 0.2 over the search), evaluated on each edge's most probable op. Its
    /// sampled op gets the whole gradient, so a lower --darts-lr-weights usually suits it.
    #[arg(long, requires = "darts")]
    darts_single_path: bool,
    /// Where adaptation starts the classifier head: `meta` or `prototypes` (Proto-MAML);
    /// default: the run's `training.adapt_head`.
    #[arg(long, value_name = "HEAD")]
    head: Option<HeadInit>,
    #[command(flatten)]
    baselines: BaselineArgs,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `eval`.
pub fn run(a: &EvalArgs) -> Result<Output, CliError> {
    let (mut session, used) = checkpoint::open_at(&a.run, &a.checkpoint, a.common.backend)?;
    super::set_head(&mut session, a.head)?;
    if let Some(q) = a.query_points {
        session.tasks = session
            .tasks
            .with_regression("query points", |r| r.query_points = q)?;
    }
    if let Some(p) = a.support_points {
        session.tasks = session
            .tasks
            .with_regression("support points", |r| r.support_points = p)?;
    }
    let (held_out, what) = match (&a.episodes, a.per_family) {
        (Some(path), _) => (
            HeldOut::Fixed(session.one_shot_runs(path)?),
            format!("the runs in {}", path.display()),
        ),
        (None, Some(n)) => {
            super::check_count("--per-family", n, 1, metanas_core::run::limits::TASKS)?;
            (
                HeldOut::Fixed(session.per_family_tasks(n)?),
                format!("{n} held-out tasks of each family"),
            )
        }
        (None, None) => {
            let tasks = a.tasks.unwrap_or(session.config.training.eval_tasks);
            super::check_count("--tasks", tasks, 1, metanas_core::run::limits::TASKS)?;
            (HeldOut::Sampled(tasks), format!("{tasks} held-out tasks"))
        }
    };
    // DARTS' options are checked before anything is evaluated.
    let darts_config = a.darts.then(|| darts_config(a)).transpose()?;
    let steps = a.steps.unwrap_or(session.config.training.adapt_steps);
    super::check_count("--steps", steps, 0, metanas_core::run::limits::STEPS)?;
    let report = session.evaluate(&held_out, steps)?;
    // A few tasks that blow up leave the median finite; a network that diverged does not.
    if report.per_step.iter().any(|m| !m.median.is_finite()) {
        return Err(super::not_finite(&session, "the median query metric"));
    }
    let backend = a.common.backend;
    let darts = match darts_config {
        Some(config) => {
            let report =
                session.evaluate_method(&held_out, steps, AdaptMethod::Darts, &config, backend)?;
            Some((config, report))
        }
        None => None,
    };
    let frozen = if a.frozen_arch {
        let (how, darts) = (AdaptMethod::FrozenArch, DartsConfig::default());
        Some(session.evaluate_method(&held_out, steps, how, &darts, backend)?)
    } else {
        None
    };
    let baselines = if a.baselines.no_baselines {
        None
    } else {
        // Fixed episodes are not samples of the run's datasets: their own inputs serve.
        let pixels = match &held_out {
            HeldOut::Sampled(_) => {
                let (pixels, warnings) = session.native_pixels();
                warn_all(&warnings);
                pixels
            }
            HeldOut::Fixed(_) => Pixels::default(),
        };
        Some(session.evaluate_baselines(&held_out, steps, a.common.backend, &pixels)?)
    };
    let mut text = format!(
        "{} at meta-step {}: {} over {what} (mean ± 95% CI, median in parentheses)\n{}\n",
        a.run.run.display(),
        session.steps_done(),
        report.metric,
        checkpoint::describe(&used)
    );
    let mut columns = vec![("meta-network", &report)];
    columns.extend(frozen.as_ref().map(|f| ("arch frozen", f)));
    columns.extend(darts.as_ref().map(|(c, d)| {
        let name = if c.relaxation == Relaxation::SinglePath {
            "DARTS single-path from scratch"
        } else {
            "DARTS from scratch"
        };
        (name, d)
    }));
    text += &table(&columns);
    text += &by_source(&report);
    let mut json = json!({
        "run": a.run.run,
        "step": session.steps_done(),
        "metric": report.metric,
        "tasks": report.tasks,
        "episodes": a.episodes,
        "steps": steps,
        "head": session.learner.head_init().name(),
        "query_points": session.tasks.regression().map(|r| r.query_points.name()),
        "support_points": session.tasks.regression().map(|r| r.support_points.name()),
        "checkpoint": checkpoint::to_json(&used),
        "per_step": report.per_step,
        "final": report.last(),
        "by_source": report.by_source,
    });
    if let Some(f) = &frozen {
        json["frozen_arch"] = report_json(f);
    }
    if let Some((config, d)) = &darts {
        json["darts"] = darts_json(config, d);
    }
    if let (Some(scores), Some(last)) = (&baselines, report.last()) {
        let pixels = scores.pixels.as_deref().unwrap_or("the tasks' inputs");
        let (lines, fields) = super::baselines::report(scores, last, &report.metric, pixels);
        text += &lines;
        for (k, v) in fields {
            json[k] = v;
        }
        let (lines, rows) =
            super::baselines::report_by_source(scores, &report.by_source, &report.metric);
        text += &lines;
        if let Some(rows) = rows {
            json["baselines_by_source"] = rows;
        }
    }
    Ok(Output { text, json })
}

/// The metric after the last step per source, when the tasks came from several.
fn by_source(report: &EvalReport) -> String {
    if report.by_source.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "  by source, after {} steps:\n",
        report.per_step.len().saturating_sub(1)
    );
    for s in &report.by_source {
        if let Some(m) = s.per_step.last() {
            text += &format!(
                "    {:<16} {:>8.4} ± {:<7.4} ({:<8.4}) over {} tasks\n",
                s.source, m.mean, m.ci95, m.median, s.tasks
            );
        }
    }
    text
}

/// One row per adaptation step, one `mean ± ci (median)` column per report (headed by its
/// name when there are several).
fn table(columns: &[(&str, &EvalReport)]) -> String {
    let mut text = String::new();
    if columns.len() > 1 {
        text += &format!("  {:<16}", "");
        for (name, _) in columns {
            text += &format!("  {name:>29}");
        }
        text += "\n";
    }
    let rows = columns
        .iter()
        .map(|(_, r)| r.per_step.len())
        .max()
        .unwrap_or(0);
    for s in 0..rows {
        text += &format!("  after {s:>2} steps: ");
        for (_, r) in columns {
            match r.per_step.get(s) {
                Some(m) => {
                    text += &format!("  {:>8.4} ± {:<7.4} ({:<8.4})", m.mean, m.ci95, m.median)
                }
                None => text += &format!("  {:>29}", "-"),
            }
        }
        text += "\n";
    }
    text
}

/// DARTS' settings from the options, checked.
fn darts_config(a: &EvalArgs) -> Result<DartsConfig, CliError> {
    let mut config = DartsConfig::default();
    for (name, value, field) in [
        (
            "--darts-lr-weights",
            a.darts_lr_weights,
            &mut config.lr_weights,
        ),
        ("--darts-lr-arch", a.darts_lr_arch, &mut config.lr_arch),
    ] {
        if let Some(v) = value {
            if !(v.is_finite() && v >= 0.0) {
                return Err(CliError::Input(format!(
                    "{name} {v}: a learning rate must be a finite number of at least 0"
                )));
            }
            *field = v;
        }
    }
    config.lr_weights_min = config.lr_weights_min.min(config.lr_weights);
    if a.darts_single_path {
        config.relaxation = Relaxation::SinglePath;
    }
    Ok(config)
}

/// A report's steps and last step, as the JSON of a comparison column.
fn report_json(report: &EvalReport) -> serde_json::Value {
    json!({ "per_step": report.per_step, "final": report.last(), "by_source": report.by_source })
}

fn darts_json(config: &DartsConfig, report: &EvalReport) -> serde_json::Value {
    let mut json = report_json(report);
    json["config"] = json!(config);
    json
}
