//! `metanas train`: start a run from a config, or resume one.

use std::path::PathBuf;

use clap::Args;
use metanas_core::learners::LearnerError;
use metanas_core::run::{best_validation, RunConfig, RunDir, RunError, RunLock, Session, TrainEnd};
use serde_json::json;

use super::progress::Progress;
use super::spread::SpreadArgs;
use super::{signal, warn_all, CliError, Common, Output};

/// Arguments of `train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The run config (TOML). Leave it out to resume the run in --run.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The run directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Stop (with a checkpoint) once this many meta-steps are done; default: the config's
    /// `training.max_steps`.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<usize>,
    /// Replace the run in --run instead of resuming it.
    #[arg(long)]
    pub force: bool,
    /// Several devices or machines.
    #[command(flatten)]
    pub spread: SpreadArgs,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `train`.
pub fn run(a: &TrainArgs) -> Result<Output, CliError> {
    let quiet = a.common.json;
    let mut report = |path: &str, done: usize, total: usize| {
        if !quiet && (done == total || done.is_multiple_of(1000)) {
            eprint!("\rloading {path}: {done}/{total}");
            if done == total {
                eprintln!();
            }
        }
    };
    if let Some(n) = a.max_steps {
        super::check_count("--max-steps", n, 0, metanas_core::run::limits::MAX_STEPS)?;
    }
    let compute = a.spread.compute(a.common.backend)?;
    if let Some(c) = &compute.cluster {
        // Registering waits (without a time limit) for the orchestrator and every process.
        eprintln!(
            "process {} of {}: waiting for the orchestrator at {} and the other processes (Ctrl-C stops)",
            c.rank + 1,
            c.nodes,
            c.orchestrator
        );
    }
    let exists = RunDir::exists(&a.run);
    let (mut session, resumed) = match (&a.config, exists && !a.force) {
        (Some(config_path), false) => {
            let config = RunConfig::load(config_path)?;
            let s = Session::create(&a.run, config, compute, a.force, Some(&mut report))?;
            (s, false)
        }
        (Some(config_path), true) => {
            // The same run, perhaps with a longer schedule: only the fields a resumed run may
            // change can differ (RunDir::update_config says which differ otherwise).
            let config = RunConfig::load(config_path)?;
            let (dir, info, existing) = RunDir::open(&a.run)?;
            if existing != config {
                let _lock = RunLock::acquire(&a.run)?;
                dir.update_config(&info, &config)?;
            }
            (
                Session::open(&a.run, compute, false, Some(&mut report))?,
                true,
            )
        }
        (None, _) if exists => (
            Session::open(&a.run, compute, false, Some(&mut report))?,
            true,
        ),
        (None, _) => {
            if a.run.is_file() {
                return Err(CliError::Input(format!(
                    "{}: is a file, not a run directory",
                    a.run.display()
                )));
            }
            let present = RunDir::run_files(&a.run);
            return Err(CliError::Input(if present.is_empty() {
                format!(
                    "{}: holds no run; start one with --config FILE",
                    a.run.display()
                )
            } else {
                // RunDir::open explains a folder with run files but no manifest.
                match RunDir::open(&a.run) {
                    Err(e) => e.to_string(),
                    Ok(_) => format!("{}: holds no run", a.run.display()),
                }
            }));
        }
    };
    warn_all(&session.warnings);
    let start = session.steps_done();
    let target = a.max_steps.unwrap_or(session.config.training.max_steps);
    if !quiet {
        eprintln!(
            "{} {} at step {start}, training to step {target} (Ctrl-C checkpoints and stops)",
            if resumed { "resuming" } else { "started" },
            a.run.display()
        );
    }
    signal::install();
    let mut progress = Progress::new(start, target.max(start));
    let mut last = None;
    let end = session.train(target, &signal::STOP, |e| {
        if !quiet {
            progress.show(e.metrics);
        }
        last = Some(e.metrics.clone());
    });
    if !quiet {
        progress.finish();
    }
    let end = end.map_err(|e| {
        let bad_input = e.is_bad_input();
        let message = format!(
            "{e}; training stopped, the run keeps its last checkpoint: fix this and resume with `metanas train --run {}`",
            a.run.display()
        );
        if matches!(e, RunError::Learner(LearnerError::Interrupted)) {
            CliError::Interrupted(message)
        } else if bad_input {
            CliError::Input(message)
        } else {
            CliError::Internal(message)
        }
    })?;
    let steps = session.steps_done();
    let genotype = session.genotype();
    let stopped = end == TrainEnd::Stopped;
    let digest = parameter_digest(&session.learner.parameter_values());
    let mut text = format!(
        "{} at step {steps} of {target}; checkpointed in {}\n",
        if stopped { "stopped" } else { "done" },
        a.run.display()
    );
    if let Some(r) = &last {
        let query = match (r.report.accuracy, r.report.mse) {
            (Some(a), _) => format!(", query accuracy {a:.3}"),
            (None, Some(m)) => format!(", query MSE {m:.4}"),
            (None, None) => String::new(),
        };
        text += &format!(
            "last meta-step: loss {:.5}{query}, {:.3} s\n",
            r.report.loss, r.step_seconds
        );
    }
    text += &format!(
        "genotype: {}\n",
        super::genotype_text(genotype.as_ref(), session.learner.name())
    );
    text += &format!("parameter digest: {digest}\n");
    let best = best_validation(&session.validation_records()?).cloned();
    match (&best, session.validation_off()) {
        (Some(b), _) => {
            text += &format!(
            "best validation: meta-step {} ({} {:.4} ± {:.4} on {} tasks; adapt and eval use it)\n",
            b.step,
            b.metric,
            b.mean.unwrap_or(f64::NAN),
            b.ci95.unwrap_or(f64::NAN),
            b.tasks
        )
        }
        (None, Some(why)) => text += &format!("no validation ({why})\n"),
        (None, None) => {}
    }
    Ok(Output {
        text,
        json: json!({
            "run": a.run,
            "resumed": resumed,
            "start_step": start,
            "steps_done": steps,
            "target": target,
            "stopped": stopped,
            "last": last,
            "genotype": genotype,
            "parameter_digest": digest,
            "best_validation": best,
            "warnings": session.warnings,
        }),
    })
}

/// CRC-32 of every parameter's bits, in order: equal digests mean (with overwhelming
/// likelihood) bit-identical meta-networks, e.g. a resumed run and an uninterrupted one.
pub fn parameter_digest(values: &[f32]) -> String {
    let mut h = crc32fast::Hasher::new();
    for v in values {
        h.update(&v.to_le_bytes());
    }
    format!("{:08x}-{}", h.finalize(), values.len())
}
