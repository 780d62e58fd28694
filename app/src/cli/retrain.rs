//! `metanas retrain`: train an architecture's full-size network from scratch on a labelled
//! image dataset (DARTS/BASE evaluation protocol), as a run that resumes after interruption.

use std::path::{Path, PathBuf};

use clap::Args;
use metanas_core::genotype::Genotype;
use metanas_core::retrain::{
    self, is_retrain_run, Architecture, Preset, Retrain, RetrainConfig, RetrainData,
};
use metanas_core::rng::SeededRng;
use metanas_core::run::RunDir;
use metanas_core::space::SearchSpace;
use serde_json::json;

use super::checkpoint::{self, CheckpointArg};
use super::progress::{duration, Progress};
use super::{signal, warn_all, CliError, Common, Output, RunArg};

/// Arguments of `retrain`.
#[derive(Args, Debug)]
pub struct RetrainArgs {
    /// The retrain run's directory (created; an existing retrain run there is resumed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The architecture: a genotype file (JSON, or DARTS text `Genotype(normal=...)`), or
    /// the built-in `darts_v1` / `darts_v2`.
    #[arg(long, value_name = "FILE", group = "arch")]
    pub genotype: Option<PathBuf>,
    /// The architecture: the genotype derived from a meta-training run's checkpoint (see
    /// --checkpoint).
    #[arg(long, value_name = "DIR", group = "arch")]
    pub run: Option<PathBuf>,
    /// The architecture: a genotype drawn uniformly from a space with this seed (the
    /// random-architecture baseline); the space of --space, by default the BASE image space
    /// (4 nodes, 10 ops).
    #[arg(long, value_name = "SEED", group = "arch")]
    pub random: Option<u64>,
    /// The space --random draws from: a space file (TOML or JSON) or a meta-training run (its
    /// config's space).
    #[arg(long, value_name = "PATH", requires = "random")]
    pub space: Option<PathBuf>,
    /// The architecture: the hand-designed Conv-4 baseline with this many channels per
    /// block (few-shot papers use 64).
    #[arg(long, value_name = "CHANNELS", group = "arch")]
    pub conv4: Option<usize>,
    /// Which checkpoint of --run gives the genotype.
    #[command(flatten)]
    pub checkpoint: CheckpointArg,
    /// The dataset (any format metanas reads; `bundled:uci-digits` for the built-in digits).
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// A separate test dataset, for data without a test part of its own (MNIST's `t10k-*`
    /// files and CIFAR's test batch are found by name).
    #[arg(long, value_name = "PATH")]
    pub test_data: Option<PathBuf>,
    /// Without a test part: the fraction of each class held out for testing.
    #[arg(long, value_name = "F")]
    pub test_fraction: Option<f64>,
    /// Train on this many training images (a seeded choice); default all.
    #[arg(long, value_name = "N")]
    pub train_limit: Option<usize>,
    /// The protocol and network size to start from: `small` (16 channels, 8 cells, 10
    /// epochs; a CPU) or `darts` (DARTS' CIFAR-10 protocol: 36 channels, 20 cells, 600
    /// epochs). The options below change single values.
    #[arg(long, value_name = "NAME", default_value = "small")]
    pub preset: Preset,
    /// C: channels of the first cell.
    #[arg(long, value_name = "C")]
    pub channels: Option<usize>,
    /// L: cells.
    #[arg(long, value_name = "L")]
    pub layers: Option<usize>,
    /// Epochs.
    #[arg(long, value_name = "E")]
    pub epochs: Option<usize>,
    /// Images per step.
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    /// Initial SGD learning rate (cosine-annealed).
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Learning rate at the end of the cosine schedule.
    #[arg(long, value_name = "LR")]
    pub lr_min: Option<f64>,
    /// SGD momentum.
    #[arg(long, value_name = "M")]
    pub momentum: Option<f64>,
    /// Weight decay.
    #[arg(long, value_name = "W")]
    pub weight_decay: Option<f64>,
    /// Gradient norm clipping (0 = off).
    #[arg(long, value_name = "NORM")]
    pub grad_clip: Option<f64>,
    /// Weight of the auxiliary head's loss (0 = no auxiliary head).
    #[arg(long, value_name = "W")]
    pub auxiliary_weight: Option<f64>,
    /// Drop-path probability at the last epoch.
    #[arg(long, value_name = "P")]
    pub drop_path: Option<f64>,
    /// Zero padding of the random crop (0 = no crop).
    #[arg(long, value_name = "PIXELS")]
    pub crop_padding: Option<usize>,
    /// Random horizontal flips (true / false).
    #[arg(long, value_name = "BOOL")]
    pub flip: Option<bool>,
    /// Cutout square side (0 = off).
    #[arg(long, value_name = "PIXELS")]
    pub cutout: Option<usize>,
    /// A checkpoint every this many steps (and at each epoch's end).
    #[arg(long, value_name = "STEPS")]
    pub checkpoint_every: Option<usize>,
    /// Seed of the weights, data order, augmentation and drop-path.
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Replace the retrain run in --out instead of resuming it.
    #[arg(long)]
    pub force: bool,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

impl RetrainArgs {
    /// Whether any option that shapes a new run was given (a resume takes none).
    fn shapes_a_run(&self) -> bool {
        self.genotype.is_some()
            || self.run.is_some()
            || self.random.is_some()
            || self.conv4.is_some()
            || self.data.is_some()
            || self.test_data.is_some()
            || self.test_fraction.is_some()
            || self.train_limit.is_some()
            || self.channels.is_some()
            || self.layers.is_some()
            || self.epochs.is_some()
            || self.batch_size.is_some()
            || self.lr.is_some()
            || self.lr_min.is_some()
            || self.momentum.is_some()
            || self.weight_decay.is_some()
            || self.grad_clip.is_some()
            || self.auxiliary_weight.is_some()
            || self.drop_path.is_some()
            || self.crop_padding.is_some()
            || self.flip.is_some()
            || self.cutout.is_some()
            || self.checkpoint_every.is_some()
            || self.seed.is_some()
    }

    /// The architecture the options name.
    fn architecture(&self) -> Result<Architecture, CliError> {
        if let Some(path) = &self.genotype {
            let (genotype, source) = read_genotype(path)?;
            return Ok(Architecture::Cells { genotype, source });
        }
        if let Some(run) = &self.run {
            let arg = RunArg { run: run.clone() };
            let (session, used) = checkpoint::open_at(&arg, &self.checkpoint, self.common.backend)?;
            let genotype = session.genotype().ok_or_else(|| {
                CliError::Input(format!(
                    "{}: its learner ({}) learns no architecture, so there is no genotype to \
                     retrain",
                    run.display(),
                    session.learner.name()
                ))
            })?;
            let source = format!("{} (derived, meta-step {})", run.display(), used.step);
            return Ok(Architecture::Cells { genotype, source });
        }
        if let Some(seed) = self.random {
            let (space, name) = match &self.space {
                None => (SearchSpace::default_image(), "BASE image space".to_string()),
                Some(p) if RunDir::exists(p) => {
                    let (_, _, config) = RunDir::open(p)?;
                    (config.space, format!("the space of {}", p.display()))
                }
                Some(p) => (
                    SearchSpace::load(p)
                        .map_err(|e| CliError::Input(format!("{}: {e}", p.display())))?,
                    p.display().to_string(),
                ),
            };
            if !space.has_reduce() {
                return Err(CliError::Input(format!(
                    "--space: {name} has no reduction cell, so its genotypes have none for an \
                     evaluation network"
                )));
            }
            let genotype = Genotype::random(&space, &mut SeededRng::new(seed));
            return Ok(Architecture::Cells {
                genotype,
                source: format!("random ({name}, seed {seed})"),
            });
        }
        if let Some(channels) = self.conv4 {
            return Ok(Architecture::Conv4 { channels });
        }
        Err(CliError::Input(
            "a new retrain needs an architecture: --genotype FILE (or darts_v2), --run DIR, \
             --random SEED or --conv4 CHANNELS"
                .into(),
        ))
    }

    /// The config of a new run.
    fn config(&self) -> Result<RetrainConfig, CliError> {
        let data = self.data.clone().ok_or_else(|| {
            CliError::Input("a new retrain needs --data PATH (the images to train on)".into())
        })?;
        let mut network = self.preset.shape();
        let mut p = self.preset.protocol();
        network.channels = self.channels.unwrap_or(network.channels);
        network.layers = self.layers.unwrap_or(network.layers);
        p.epochs = self.epochs.unwrap_or(p.epochs);
        p.batch_size = self.batch_size.unwrap_or(p.batch_size);
        p.learning_rate = self.lr.unwrap_or(p.learning_rate);
        p.learning_rate_min = self.lr_min.unwrap_or(p.learning_rate_min);
        p.momentum = self.momentum.unwrap_or(p.momentum);
        p.weight_decay = self.weight_decay.unwrap_or(p.weight_decay);
        p.grad_clip = self.grad_clip.unwrap_or(p.grad_clip);
        p.auxiliary_weight = self.auxiliary_weight.unwrap_or(p.auxiliary_weight);
        p.drop_path = self.drop_path.unwrap_or(p.drop_path);
        p.augment.crop_padding = self.crop_padding.unwrap_or(p.augment.crop_padding);
        p.augment.flip = self.flip.unwrap_or(p.augment.flip);
        p.augment.cutout = self.cutout.unwrap_or(p.augment.cutout);
        p.checkpoint_every = self.checkpoint_every.unwrap_or(p.checkpoint_every);
        let config = RetrainConfig {
            seed: self.seed.unwrap_or(0),
            architecture: self.architecture()?,
            data: RetrainData {
                path: absolute(&data),
                test_path: self.test_data.as_deref().map(absolute),
                test_fraction: self.test_fraction.unwrap_or(0.2),
                train_limit: self.train_limit,
            },
            network,
            protocol: p,
        };
        config.check().map_err(|m| match flag_of(&m) {
            Some(flag) => CliError::Input(format!("retrain option {flag}: {m}")),
            None => CliError::Input(format!("retrain option: {m}")),
        })?;
        Ok(config)
    }
}

/// The config fields `RetrainConfig::check` names, with the option that sets each.
const FLAGS: [(&str, &str); 17] = [
    ("network.channels", "--channels"),
    ("network.layers", "--layers"),
    ("protocol.epochs", "--epochs"),
    ("protocol.batch_size", "--batch-size"),
    ("protocol.checkpoint_every", "--checkpoint-every"),
    ("protocol.learning_rate_min", "--lr-min"),
    ("protocol.learning_rate", "--lr"),
    ("protocol.momentum", "--momentum"),
    ("protocol.weight_decay", "--weight-decay"),
    ("protocol.grad_clip", "--grad-clip"),
    ("protocol.auxiliary_weight", "--auxiliary-weight"),
    ("protocol.drop_path", "--drop-path"),
    ("protocol.augment.crop_padding", "--crop-padding"),
    ("protocol.augment.cutout", "--cutout"),
    ("data.test_fraction", "--test-fraction"),
    ("data.train_limit", "--train-limit"),
    ("architecture.channels", "--conv4"),
];

/// The option that sets the config field a check `message` starts with.
fn flag_of(message: &str) -> Option<&'static str> {
    FLAGS
        .iter()
        .find(|(field, _)| message.starts_with(&format!("`{field}`")))
        .map(|(_, flag)| *flag)
}

/// A dataset path as the run keeps it: absolute, so the run resumes from any folder (the
/// built-in `bundled:` names stay as they are).
fn absolute(path: &Path) -> PathBuf {
    if path.to_string_lossy().starts_with("bundled:") {
        return path.to_path_buf();
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Reads a genotype file (JSON or DARTS text), or a built-in one by name.
fn read_genotype(path: &Path) -> Result<(Genotype, String), CliError> {
    let builtin = match path.to_str() {
        Some("darts_v2") if !path.exists() => Some(("DARTS_V2", retrain::DARTS_V2)),
        Some("darts_v1") if !path.exists() => Some(("DARTS_V1", retrain::DARTS_V1)),
        _ => None,
    };
    if let Some((name, text)) = builtin {
        let g = Genotype::from_darts(text).map_err(|e| CliError::Internal(e.to_string()))?;
        return Ok((g, format!("{name} (DARTS, CIFAR-10 search)")));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
    let parsed = if text.trim_start().starts_with('{') {
        Genotype::from_json(&text)
    } else {
        Genotype::from_darts(&text)
    };
    let g = parsed.map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
    Ok((g, path.display().to_string()))
}

/// Runs `retrain`.
pub fn run(a: &RetrainArgs) -> Result<Output, CliError> {
    let quiet = a.common.json;
    if metanas_core::run::RunDir::exists(&a.out) {
        return Err(CliError::Input(format!(
            "{}: is a meta-training run, not a retrain run; retrain its genotype into a new \
             folder with `metanas retrain --run {} --out NEW_DIR --data PATH`",
            a.out.display(),
            a.out.display()
        )));
    }
    let exists = is_retrain_run(&a.out);
    let resumed = exists && !a.force;
    if resumed && a.shapes_a_run() {
        return Err(CliError::Input(format!(
            "{}: holds a retrain run already; resume it with only `--out {}` (its settings \
             are in retrain.json), or start over with --force",
            a.out.display(),
            a.out.display()
        )));
    }
    let mut run = if resumed {
        retrain::open(a.common.backend, &a.out)?
    } else {
        let config = a.config()?;
        if !quiet {
            eprintln!("loading {} ...", config.data.path.display());
        }
        retrain::create(a.common.backend, &a.out, config, a.force)?
    };
    warn_all(run.warnings());
    let start = run.steps_done();
    let total = run.total_steps();
    if !quiet {
        eprintln!("{}", header(&*run, resumed));
    }
    signal::install();
    // Both callbacks draw on the one progress line.
    let progress = std::cell::RefCell::new(Progress::new(start, total.max(start)));
    let per_epoch = run.steps_per_epoch();
    let stopped = run
        .train(
            &signal::STOP,
            &mut |p| {
                if !quiet {
                    let epoch = (p.step - 1) / per_epoch + 1;
                    let mut bar = progress.borrow_mut();
                    let line = bar.line_at(p.step, &format!("epoch {epoch} loss {:.4}", p.loss));
                    bar.show_line(p.step, &line);
                }
            },
            &mut |e| {
                if !quiet {
                    progress.borrow().finish();
                    let top5 = e
                        .test_top5
                        .map(|t| format!(", top-5 {t:.4}"))
                        .unwrap_or_default();
                    eprintln!(
                        "epoch {}: train loss {:.4}, train accuracy {:.4}, test top-1 {:.4}{top5}",
                        e.epoch, e.train_loss, e.train_accuracy, e.test_top1
                    );
                }
            },
        )
        .map_err(|e| {
            let message = format!(
                "{e}; the run keeps its last checkpoint: resume with `metanas retrain --out {}`",
                a.out.display()
            );
            if e.is_bad_input() {
                CliError::Input(message)
            } else {
                CliError::Internal(message)
            }
        })?;
    if !quiet {
        progress.borrow().finish();
    }
    report(&*run, resumed, stopped)
}

fn header(run: &dyn Retrain, resumed: bool) -> String {
    let c = run.config();
    let d = run.data();
    format!(
        "{} {} at step {} of {} ({} epochs of {} steps): {} on {} ({} training images; test: {}); Ctrl-C checkpoints and stops",
        if resumed { "resuming" } else { "started" },
        run.dir().display(),
        run.steps_done(),
        run.total_steps(),
        c.protocol.epochs,
        run.steps_per_epoch(),
        c.architecture.describe(),
        c.data.path.display(),
        d.train.len(),
        d.test_source
    )
}

fn report(run: &dyn Retrain, resumed: bool, stopped: bool) -> Result<Output, CliError> {
    let c = run.config();
    let size = run.size();
    let epochs = run.epochs()?;
    let last = epochs.last();
    let n = &c.network;
    let shape = match &c.architecture {
        Architecture::Cells { .. } => format!("{} channels, {} cells", n.channels, n.layers),
        Architecture::Conv4 { channels } => format!("4 blocks of {channels} channels"),
    };
    let mut text = format!(
        "{} {}: {} on {}\n",
        if stopped { "stopped" } else { "done" },
        run.dir().display(),
        c.architecture.describe(),
        c.data.path.display()
    );
    text += &format!(
        "network: {shape}; {:.3}M parameters{}, {:.1}M multiply-accumulates per image\n",
        size.params as f64 / 1e6,
        if size.aux_params > 0 {
            format!(
                " (+{:.3}M in the auxiliary head, training only)",
                size.aux_params as f64 / 1e6
            )
        } else {
            String::new()
        },
        size.macs as f64 / 1e6
    );
    match last {
        Some(e) => {
            text += &format!(
                "test accuracy after epoch {} of {}: top-1 {:.4}{} ({} test images: {})\n",
                e.epoch,
                c.protocol.epochs,
                e.test_top1,
                e.test_top5
                    .map(|t| format!(", top-5 {t:.4}"))
                    .unwrap_or_default(),
                run.data().test.len(),
                run.data().test_source
            );
        }
        None => text += "no epoch finished yet\n",
    }
    text += &format!(
        "training time: {} (all sessions)\n",
        duration(run.elapsed_seconds())
    );
    if stopped {
        text += &format!(
            "resume with `metanas retrain --out {}`\n",
            run.dir().display()
        );
    }
    let genotype = c.architecture.genotype();
    Ok(Output {
        text,
        json: json!({
            "out": run.dir(),
            "resumed": resumed,
            "stopped": stopped,
            "architecture": c.architecture.describe(),
            "genotype": genotype,
            "genotype_darts": genotype.map(Genotype::to_darts),
            "data": c.data.path,
            "test_source": run.data().test_source,
            "train_images": run.data().train.len(),
            "test_images": run.data().test.len(),
            "params": size.params,
            "aux_params": size.aux_params,
            "macs": size.macs,
            "epochs_done": last.map_or(0, |e| e.epoch),
            "test_top1": last.map(|e| e.test_top1),
            "test_top5": last.and_then(|e| e.test_top5),
            "training_seconds": run.elapsed_seconds(),
            "parameter_digest": run.parameter_digest(),
            "epochs": epochs,
            "config": c,
            "warnings": run.warnings(),
        }),
    })
}
