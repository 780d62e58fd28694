//! `metanas eval`: the shared evaluation protocol on the run's held-out tasks, or on fixed
//! episodes (Lake et al.'s one-shot runs).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{warn_all, CliError, Common, Output, RunArg};
use metanas_core::learners::{DartsConfig, EvalReport};
use metanas_core::run::{HeldOut, Session};

/// Arguments of `eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    run: RunArg,
    /// Held-out tasks; default: the run's `training.eval_tasks` (600 unless set).
    #[arg(long, value_name = "M", conflicts_with = "episodes")]
    tasks: Option<usize>,
    /// Evaluate on fixed episodes instead: Lake et al.'s one-shot runs (Omniglot's
    /// `all_runs.zip`, or a folder in its layout), one task per run.
    #[arg(long, value_name = "PATH")]
    episodes: Option<PathBuf>,
    /// Adaptation steps; default: the run's `training.adapt_steps`.
    #[arg(long, value_name = "S")]
    steps: Option<usize>,
    /// Also run DARTS from scratch (first order, a fresh supernet of the run's space) on the
    /// same tasks for the same number of steps, and report it beside the meta-network.
    #[arg(long)]
    darts: bool,
    /// DARTS' weight learning rate (SGD with momentum 0.9, cosine-annealed); default 0.025.
    #[arg(long, value_name = "LR", requires = "darts")]
    darts_lr_weights: Option<f64>,
    /// DARTS' architecture learning rate (Adam); default 3e-4.
    #[arg(long, value_name = "LR", requires = "darts")]
    darts_lr_arch: Option<f64>,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `eval`.
pub fn run(a: &EvalArgs) -> Result<Output, CliError> {
    let session = Session::open(&a.run.run, a.common.backend, true, None)?;
    warn_all(&session.warnings);
    let (held_out, what) = match &a.episodes {
        Some(path) => (
            HeldOut::Fixed(session.one_shot_runs(path)?),
            format!("the runs in {}", path.display()),
        ),
        None => {
            let tasks = a.tasks.unwrap_or(session.config.training.eval_tasks);
            if tasks == 0 {
                return Err(CliError::Input("--tasks must be at least 1".into()));
            }
            (HeldOut::Sampled(tasks), format!("{tasks} held-out tasks"))
        }
    };
    let steps = a.steps.unwrap_or(session.config.training.adapt_steps);
    let report = session.evaluate(&held_out, steps)?;
    let darts = if a.darts {
        let config = darts_config(a)?;
        let report = session.evaluate_darts(&held_out, steps, config.clone(), a.common.backend)?;
        Some((config, report))
    } else {
        None
    };
    let mut text = format!(
        "{} at meta-step {}: {} over {what} (mean ± 95% CI)\n",
        a.run.run.display(),
        session.steps_done(),
        report.metric
    );
    if let Some((_, d)) = &darts {
        text += &format!(
            "  {:<14}  {:>18}  {:>18}\n",
            "", "meta-network", "DARTS from scratch"
        );
        for (s, (m, d)) in report.per_step.iter().zip(&d.per_step).enumerate() {
            text += &format!(
                "  after {s:>2} steps:  {:>8.4} ± {:<7.4}  {:>8.4} ± {:<7.4}\n",
                m.mean, m.ci95, d.mean, d.ci95
            );
        }
    } else {
        for (s, m) in report.per_step.iter().enumerate() {
            text += &format!("  after {s:>2} steps: {:.4} ± {:.4}\n", m.mean, m.ci95);
        }
    }
    let mut json = json!({
        "run": a.run.run,
        "step": session.steps_done(),
        "metric": report.metric,
        "tasks": report.tasks,
        "episodes": a.episodes,
        "steps": steps,
        "per_step": report.per_step,
        "final": report.last(),
    });
    if let Some((config, d)) = &darts {
        json["darts"] = darts_json(config, d);
    }
    Ok(Output { text, json })
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
    Ok(config)
}

fn darts_json(config: &DartsConfig, report: &EvalReport) -> serde_json::Value {
    json!({
        "config": config,
        "per_step": report.per_step,
        "final": report.last(),
    })
}
