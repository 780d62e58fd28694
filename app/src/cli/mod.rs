//! The command line: argument parsing, dispatch, output (text or one JSON object) and exit
//! codes (0 success, 1 run-time failure, 2 bad input, 130 interrupted by Ctrl-C or SIGTERM).

mod adapt;
mod allocator;
mod baselines;
mod bench;
mod checkpoint;
mod error;
mod eval;
mod export;
mod inspect;
mod progress;
mod retrain;
mod signal;
mod spread;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use metanas_core::run::BackendKind;

pub use error::CliError;

/// metanas: meta neural architecture search (BASE, M-NAS and baselines).
#[derive(Parser, Debug)]
#[command(name = "metanas", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Meta-train: start a run from a config, or resume the run in --run.
    Train(train::TrainArgs),
    /// Adapt the meta-network of a run to new tasks and report accuracy (or MSE) before and
    /// after, and the adapted genotype.
    Adapt(adapt::AdaptArgs),
    /// Run the evaluation protocol (mean and 95% CI per adaptation step) on held-out tasks.
    Eval(eval::EvalArgs),
    /// Train an architecture (a genotype, a run's, a random one, or Conv-4) from scratch on a
    /// labelled image dataset with the DARTS/BASE evaluation protocol, and report its test
    /// accuracy, parameters and multiply-accumulates; resumes the run in --out.
    Retrain(Box<retrain::RetrainArgs>),
    /// Write the genotype (JSON and DARTS text), metrics CSV and cell figures of a run.
    Export(export::ExportArgs),
    /// Check a dataset: format, classes, counts, image size, problems.
    Inspect(inspect::InspectArgs),
    /// Time a config's meta-steps on a backend (default: the built-in reference meta-step)
    /// and print seconds per meta-step, the arithmetic, the rate achieved and the peak.
    Bench(bench::BenchArgs),
    /// Print the version, the default search spaces with their sizes and the built-in dataset.
    Info,
    /// Open the workbench (what `metanas` with no command does), optionally on a run.
    Gui(GuiArgs),
    /// Serve the global orchestrator that the processes of a multi-machine run
    /// (`train --nodes N`) register with; runs until interrupted.
    Orchestrator(OrchestratorArgs),
}

/// Arguments of `orchestrator`.
#[derive(Args, Debug)]
pub struct OrchestratorArgs {
    /// The port to serve on (all interfaces: limit who can reach it with a firewall).
    #[arg(long, value_name = "PORT", default_value_t = spread::DEFAULT_PORT)]
    pub port: u16,
}

/// Arguments of `gui`.
#[derive(Args, Debug)]
pub struct GuiArgs {
    /// Open this run directory.
    #[arg(long = "run", value_name = "DIR")]
    pub run: Option<PathBuf>,
    /// Close the window after this many frames (for smoke tests).
    #[arg(long, value_name = "N", hide = true)]
    pub quit_after_frames: Option<u64>,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Compute backend: cpu, or wgpu / cuda when built in.
    #[arg(long, global = true, default_value = "cpu", value_parser = parse_backend)]
    pub backend: BackendKind,
}

/// A backend built into this binary whose device answers (a GPU backend without a driver is
/// refused here, with what to install).
fn parse_backend(s: &str) -> Result<BackendKind, metanas_core::run::BackendChoiceError> {
    let kind: BackendKind = s.parse()?;
    kind.probe()?;
    Ok(kind)
}

/// What a command prints on success.
pub struct Output {
    /// Human-readable text.
    pub text: String,
    /// The same as one JSON object.
    pub json: serde_json::Value,
}

/// A run directory argument.
#[derive(Args, Debug, Clone)]
pub struct RunArg {
    /// The run directory.
    #[arg(long = "run", value_name = "DIR")]
    pub run: PathBuf,
}

/// Parses the arguments, runs the command and maps its result to an exit code.
pub fn main() -> ExitCode {
    // The libraries' log (Burn's collective among them) goes to stderr, warnings and errors
    // only: stdout is the command's output.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .try_init();
    for refused in allocator::keep_freed_memory() {
        eprintln!("metanas: warning: the C library refused the allocator setting {refused}");
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version are successes; usage errors exit with 2 (clap's convention).
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let command = cli.command.unwrap_or(Command::Gui(GuiArgs {
        run: None,
        quit_after_frames: None,
    }));
    let (result, json) = match command {
        Command::Train(a) => (train::run(&a), a.common.json),
        Command::Adapt(a) => (adapt::run(&a), a.common.json),
        Command::Eval(a) => (eval::run(&a), a.common.json),
        Command::Retrain(a) => (retrain::run(&a), a.common.json),
        Command::Export(a) => (export::run(&a), a.common.json),
        Command::Inspect(a) => (inspect::run(&a), a.common.json),
        Command::Bench(a) => (bench::run(&a), a.common.json),
        Command::Info => {
            crate::overview::print();
            return ExitCode::SUCCESS;
        }
        Command::Gui(g) => return gui(g),
        Command::Orchestrator(o) => {
            eprintln!(
                "metanas orchestrator: serving on port {} (Ctrl-C stops it)",
                o.port
            );
            return match metanas_core::run::serve_orchestrator(o.port) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot start the orchestrator's runtime: {e}");
                    ExitCode::from(1)
                }
            };
        }
    };
    match result {
        Ok(out) => {
            if json {
                println!("{}", out.json);
            } else {
                print!("{}", out.text);
            }
            // A command that stopped early on Ctrl-C (train checkpoints first) says so.
            if metanas_core::interrupt::requested() {
                ExitCode::from(error::EXIT_INTERRUPTED)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("metanas: {}", e.message());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Opens the workbench window.
fn gui(g: GuiArgs) -> ExitCode {
    let launch = crate::workbench::Launch {
        run: g.run,
        quit_after_frames: g.quit_after_frames,
    };
    match crate::workbench::run_window(launch) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("metanas: cannot open a window: {e}");
            eprintln!("metanas: the headless commands work without a display: metanas help");
            ExitCode::from(1)
        }
    }
}

/// The genotype line of a report: the DARTS text, or why there is none.
pub fn genotype_text(genotype: Option<&metanas_core::genotype::Genotype>, learner: &str) -> String {
    match genotype {
        Some(g) => g.to_darts(),
        None => format!(
            "none ({learner} holds the supernet's architecture at the uniform mixture of ops; it learns no architecture)"
        ),
    }
}

/// Prints warnings on stderr.
pub fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// The error of a command whose result is not a finite number: the run's checkpoint holds a
/// meta-network that diverged (finite parameters, non-finite losses).
pub fn not_finite(session: &metanas_core::run::Session, what: &str) -> CliError {
    let largest = session
        .learner
        .parameter_values()
        .iter()
        .fold(0f32, |m, v| m.max(v.abs()));
    CliError::Internal(format!(
        "{}: {what} is not a finite number: the meta-network at meta-step {} (largest \
         |parameter| {largest:.3e}) gives non-finite losses, so training diverged before this \
         checkpoint; retrain with lower learning rates",
        session.dir.root().display(),
        session.steps_done()
    ))
}

/// Sets the head adaptation starts from (`--head`), refused where the run's meta-training
/// leaves no head of its own to start from.
pub fn set_head(
    session: &mut metanas_core::run::Session,
    head: Option<metanas_core::learners::HeadInit>,
) -> Result<(), CliError> {
    let Some(head) = head else {
        return Ok(());
    };
    if let Some(why) = session.config.head_refusal(head) {
        return Err(CliError::Input(format!("--head {}: {why}", head.name())));
    }
    session.learner.set_head_init(head);
    Ok(())
}

/// Refuses a count argument outside `min..=max`, naming the flag.
pub fn check_count(flag: &str, value: usize, min: usize, max: usize) -> Result<(), CliError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(CliError::Input(format!(
            "{flag} {value}: must be between {min} and {max}"
        )))
    }
}
