//! `metanas eval`: the shared evaluation protocol on the run's held-out tasks.

use clap::Args;
use serde_json::json;

use super::{warn_all, CliError, Common, Output, RunArg};
use metanas_core::run::Session;

/// Arguments of `eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    run: RunArg,
    /// Held-out tasks; default: the run's `training.eval_tasks` (600 unless set).
    #[arg(long, value_name = "M")]
    tasks: Option<usize>,
    /// Adaptation steps; default: the run's `training.adapt_steps`.
    #[arg(long, value_name = "S")]
    steps: Option<usize>,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `eval`.
pub fn run(a: &EvalArgs) -> Result<Output, CliError> {
    let session = Session::open(&a.run.run, a.common.backend, true, None)?;
    warn_all(&session.warnings);
    let tasks = a.tasks.unwrap_or(session.config.training.eval_tasks);
    if tasks == 0 {
        return Err(CliError::Input("--tasks must be at least 1".into()));
    }
    let steps = a.steps.unwrap_or(session.config.training.adapt_steps);
    let report = session.evaluate(tasks, steps)?;
    let mut text = format!(
        "{} at meta-step {}: {} over {tasks} held-out tasks (mean ± 95% CI)\n",
        a.run.run.display(),
        session.steps_done(),
        report.metric
    );
    for (s, m) in report.per_step.iter().enumerate() {
        text += &format!("  after {s:>2} steps: {:.4} ± {:.4}\n", m.mean, m.ci95);
    }
    Ok(Output {
        text,
        json: json!({
            "run": a.run.run,
            "step": session.steps_done(),
            "metric": report.metric,
            "tasks": report.tasks,
            "steps": steps,
            "per_step": report.per_step,
            "final": report.last(),
        }),
    })
}
