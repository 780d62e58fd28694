//! The documented range of every number in a run config (docs/config.md, "Ranges"), and an
//! estimate of a run's memory that refuses configs the machine cannot hold, before anything
//! is allocated. Each error names the field.

use super::config::{Engine, LearnerConfig, RunConfig, TaskConfig};
use crate::learners::{ArchPlan, MetaGradient, Outer, Plan};
use crate::space::{CellKind, Domain};
use crate::value_error::FieldError;

/// The largest value of each count (a number above it is a typo, or needs more memory than
/// any machine metanas runs on has).
pub mod limits {
    /// Tasks per meta-step, and tasks of an evaluation or `adapt --tasks`.
    pub const META_BATCH: usize = 1024;
    /// Meta-steps of a run.
    pub const MAX_STEPS: usize = 100_000_000;
    /// Checkpoints kept.
    pub const KEEP_CHECKPOINTS: usize = 1000;
    /// Inner steps of a learner, adaptation steps (`adapt_steps`, `--steps`).
    pub const STEPS: usize = 10_000;
    /// Held-out tasks of an evaluation (`eval_tasks`, `--tasks`).
    pub const TASKS: usize = 100_000;
    /// Classes of a task (and outputs of the head).
    pub const WAYS: usize = 1000;
    /// Support or query examples per class (or points of a regression task).
    pub const EXAMPLES: usize = 10_000;
    /// Meta-validation tasks per snapshot.
    pub const SNAPSHOT_TASKS: usize = 1000;
    /// Channels of the first cell.
    pub const CHANNELS: usize = 4096;
    /// Intermediate nodes per cell.
    pub const NODES: usize = 16;
    /// Cells of the network.
    pub const CELLS: usize = 64;
    /// Stem multiplier.
    pub const STEM_MULTIPLIER: usize = 16;
    /// Height or width of an input image, and the length of an input vector.
    pub const INPUT_SIDE: usize = 4096;
    /// Channels of an input image.
    pub const INPUT_CHANNELS: usize = 64;
    /// Task worker threads.
    pub const THREADS: usize = 1024;
    /// `max_dataset_mb`: one mebibyte short of a tebibyte.
    pub const DATASET_MB: f64 = 1_048_576.0;
    /// Embedding sizes of M-NAS.
    pub const WIDTH: usize = 65_536;
}

/// `Err((field, message))` for the first value outside its range.
pub fn check_bounds(c: &RunConfig) -> Result<(), FieldError> {
    let t = &c.training;
    count("training.meta_batch", t.meta_batch, 1, limits::META_BATCH)?;
    count("training.max_steps", t.max_steps, 1, limits::MAX_STEPS)?;
    count(
        "training.checkpoint_every",
        t.checkpoint_every,
        1,
        limits::MAX_STEPS,
    )?;
    count(
        "training.keep_checkpoints",
        t.keep_checkpoints,
        1,
        limits::KEEP_CHECKPOINTS,
    )?;
    count("training.adapt_steps", t.adapt_steps, 0, limits::STEPS)?;
    count("training.eval_tasks", t.eval_tasks, 1, limits::TASKS)?;
    count(
        "training.snapshot_every",
        t.snapshot_every,
        0,
        limits::MAX_STEPS,
    )?;
    count(
        "training.snapshot_tasks",
        t.snapshot_tasks,
        0,
        limits::SNAPSHOT_TASKS,
    )?;
    count(
        "training.validation_tasks",
        t.validation_tasks,
        0,
        limits::TASKS,
    )?;
    let s = &c.space;
    count("space.channels", s.channels, 1, limits::CHANNELS)?;
    count("space.nodes", s.nodes, 1, limits::NODES)?;
    count("space.cells", s.cells.len(), 1, limits::CELLS)?;
    count(
        "space.stem_multiplier",
        s.stem_multiplier,
        1,
        limits::STEM_MULTIPLIER,
    )?;
    count("space.num_outputs", s.num_outputs, 1, limits::WAYS)?;
    for (i, input) in s.inputs.iter().enumerate() {
        let max_channels = match s.domain {
            Domain::Image => limits::INPUT_CHANNELS,
            Domain::Vector => limits::INPUT_SIDE,
        };
        count(
            &format!("space.inputs[{i}].channels"),
            input.channels,
            1,
            max_channels,
        )?;
        if s.domain == Domain::Image {
            count(
                &format!("space.inputs[{i}].height"),
                input.height,
                1,
                limits::INPUT_SIDE,
            )?;
            count(
                &format!("space.inputs[{i}].width"),
                input.width,
                1,
                limits::INPUT_SIDE,
            )?;
        }
    }
    match &c.tasks {
        TaskConfig::Regression(r) => {
            count("tasks.shots", r.shots, 1, limits::EXAMPLES)?;
            count("tasks.queries", r.queries, 1, limits::EXAMPLES)?;
            range("tasks.grid", r.grid)?;
            let [lo, hi] = r.centre_range;
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(field(
                    "tasks.centre_range",
                    format!("must be [low, high] with finite low <= high, got [{lo}, {hi}]"),
                ));
            }
            at_least("tasks.input_variance", r.input_variance, 0.0)?;
        }
        TaskConfig::FewShot(f) => {
            count("tasks.ways", f.ways, 2, limits::WAYS)?;
            count("tasks.shots", f.shots, 1, limits::EXAMPLES)?;
            count("tasks.queries", f.queries, 1, limits::EXAMPLES)?;
            check_split("tasks.split", f.split)?;
            for (i, d) in f.datasets.iter().enumerate() {
                if let Some(sp) = d.split {
                    check_split(&format!("tasks.datasets[{i}].split"), sp)?;
                }
                let mb = d.max_dataset_mb;
                if !(mb > 0.0 && mb <= limits::DATASET_MB) {
                    return Err(field(
                        &format!("tasks.datasets[{i}].max_dataset_mb"),
                        format!(
                            "must be a number of megabytes in (0, {}], got {mb}",
                            limits::DATASET_MB
                        ),
                    ));
                }
            }
        }
    }
    check_learner(&c.learner, c.seed)
}

fn check_learner(l: &LearnerConfig, seed: u64) -> Result<(), FieldError> {
    let engine = l.engine(seed)?;
    match engine {
        Engine::Gradient(plan) => check_plan(&plan),
        Engine::Mnas(m) => {
            count("learner.inner_steps", m.inner_steps, 1, limits::STEPS)?;
            count("learner.threads", m.threads, 0, limits::THREADS)?;
            for (name, v) in [
                ("learner.embed_dim", m.embed_dim),
                ("learner.task_dim", m.task_dim),
                ("learner.controller_hidden", m.controller_hidden),
            ] {
                count(name, v, 1, limits::WIDTH)?;
            }
            positive("learner.lr_inner", m.lr_inner)?;
            positive("learner.lr_outer", m.lr_outer)?;
            at_least("learner.lr_arch", m.lr_arch, 0.0)?;
            at_least("learner.beta", m.beta, 0.0)?;
            positive("learner.fd_scale", m.fd_scale)?;
            positive("learner.init.sigma", m.init.sigma)?;
            at_least("learner.init.arch_scale", m.init.arch_scale, 0.0)
        }
    }
}

fn check_plan(p: &Plan) -> Result<(), FieldError> {
    count("learner.inner_steps", p.inner_steps, 1, limits::STEPS)?;
    count("learner.threads", p.threads, 0, limits::THREADS)?;
    positive("learner.lr_weights", p.lr_weights)?;
    at_least("learner.lr_arch", p.lr_arch, 0.0)?;
    if let Some(k) = p.kl_scale {
        at_least("learner.kl_scale", k, 0.0)?;
    }
    positive("learner.init.sigma", p.init.sigma)?;
    at_least("learner.init.arch_scale", p.init.arch_scale, 0.0)?;
    if let ArchPlan::Sampled { temperature, .. } = &p.arch {
        positive("learner.temperature.start", temperature.start)?;
        positive("learner.temperature.end", temperature.end)?;
    }
    match p.outer {
        Outer::Interpolate { meta_lr, anneal } => {
            positive("learner.meta_lr", meta_lr)?;
            if let Some(a) = anneal {
                at_least("learner.meta_lr_anneal.end", a.end, 0.0)?;
                count(
                    "learner.meta_lr_anneal.steps",
                    a.steps,
                    1,
                    limits::MAX_STEPS,
                )?;
            }
        }
        Outer::Gradient {
            spec,
            lr_weights,
            lr_arch,
        } => {
            // BASE few-shot names them outer_lr_weights / outer_lr_arch, MAML outer_lr.
            let (w, a) = if p.name == "maml" {
                ("learner.outer_lr", "learner.outer_lr")
            } else {
                ("learner.outer_lr_weights", "learner.outer_lr_arch")
            };
            positive(w, lr_weights)?;
            at_least(a, lr_arch, 0.0)?;
            positive("learner.fd_scale", spec.fd_scale)?;
        }
    }
    Ok(())
}

fn field(name: &str, message: String) -> FieldError {
    FieldError::new(name, message)
}

fn count(name: &str, v: usize, min: usize, max: usize) -> Result<(), FieldError> {
    if v < min || v > max {
        return Err(field(
            name,
            format!("must be between {min} and {max}, got {v}"),
        ));
    }
    Ok(())
}

fn positive(name: &str, v: f64) -> Result<(), FieldError> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(field(name, format!("must be a finite number > 0, got {v}")))
    }
}

fn at_least(name: &str, v: f64, min: f64) -> Result<(), FieldError> {
    if v >= min && v.is_finite() {
        Ok(())
    } else {
        Err(field(
            name,
            format!("must be a finite number >= {min}, got {v}"),
        ))
    }
}

fn range(name: &str, [lo, hi]: [f64; 2]) -> Result<(), FieldError> {
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok(())
    } else {
        Err(field(
            name,
            format!("must be [low, high] with finite low < high, got [{lo}, {hi}]"),
        ))
    }
}

/// A rough upper estimate, in bytes, of the memory a run's meta-training holds at once: the
/// activations that the backward pass keeps for every example of the tasks in flight (every
/// candidate op of every edge of every cell), the retained inner steps of an exact second
/// order meta-gradient, and the weights. It is an estimate for refusing impossible configs,
/// not a measurement (`metanas bench` measures).
pub fn estimate_training_bytes(c: &RunConfig) -> f64 {
    let s = &c.space;
    let examples_per_task = match &c.tasks {
        TaskConfig::Regression(r) => (r.shots + r.queries) as f64,
        TaskConfig::FewShot(f) => (f.ways * (f.shots + f.queries)) as f64,
    };
    let (mut side, spatial) = match s.domain {
        Domain::Image => {
            let biggest = s
                .inputs
                .iter()
                .map(|i| i.height * i.width)
                .max()
                .unwrap_or(1) as f64;
            (biggest, true)
        }
        Domain::Vector => (1.0, false),
    };
    let nodes = s.nodes as f64;
    let edges = 2.0 * nodes + nodes * (nodes - 1.0) / 2.0;
    let ops = s.ops.len().max(1) as f64;
    let mut channels = s.channels as f64;
    let mut per_example = side * channels * s.stem_multiplier as f64;
    let mut weights = 0.0;
    for cell in &s.cells {
        if *cell == CellKind::Reduce {
            channels *= 2.0;
            if spatial {
                side /= 4.0;
            }
        }
        // Each candidate op keeps its input, a few intermediates and its output.
        per_example += side * channels * (edges * ops * 3.0 + nodes);
        weights += edges * ops * channels * channels;
    }
    let (threads, retained) = match c.learner.engine(c.seed) {
        Ok(Engine::Gradient(p)) => (
            p.threads,
            if p.meta_gradient() == Some(MetaGradient::Exact) {
                p.inner_steps
            } else {
                1
            },
        ),
        Ok(Engine::Mnas(m)) => (
            m.threads,
            if m.meta_gradient == MetaGradient::Exact {
                m.inner_steps
            } else {
                1
            },
        ),
        Err(_) => (1, 1),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let in_flight = c
        .training
        .meta_batch
        .min(if threads == 0 { cores } else { threads })
        .max(1) as f64;
    let floats =
        per_example * examples_per_task * in_flight * retained as f64 + weights * (4.0 + in_flight);
    floats * 4.0
}

/// The machine's memory in bytes (`MemTotal` of `/proc/meminfo`), when it can be read.
pub fn machine_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// A config whose meta-training would need more memory than the machine has.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "this config would need about {:.1} GB of memory to meta-train (an estimate from \
     tasks.ways x (shots + queries), training.meta_batch, the space's channels, cells, nodes \
     and ops, and the input size); this machine has {:.1} GB. Lower those settings",
    need_bytes / 1e9,
    have_bytes / 1e9
)]
pub struct TooMuchMemory {
    /// The estimate ([`estimate_training_bytes`]).
    pub need_bytes: f64,
    /// The machine's memory ([`machine_memory_bytes`]).
    pub have_bytes: f64,
}

/// Refuses `c` when its meta-training would need more memory than this machine has.
pub fn check_memory(c: &RunConfig) -> Result<(), TooMuchMemory> {
    let need = estimate_training_bytes(c);
    match machine_memory_bytes().filter(|have| need > *have) {
        None => Ok(()),
        Some(have) => Err(TooMuchMemory {
            need_bytes: need,
            have_bytes: have,
        }),
    }
}

/// A class split's fractions: train in (0, 1], val >= 0, train + val <= 1. `at` names it.
fn check_split(at: &str, sp: crate::tasks::SplitSpec) -> Result<(), FieldError> {
    if !(sp.train > 0.0 && sp.train <= 1.0) {
        return Err(field(
            &format!("{at}.train"),
            format!("must be a fraction in (0, 1], got {}", sp.train),
        ));
    }
    if !(sp.val >= 0.0 && sp.train + sp.val <= 1.0) {
        return Err(field(
            &format!("{at}.val"),
            format!(
                "must be a fraction >= 0 with train + val <= 1, got {} (train {})",
                sp.val, sp.train
            ),
        ));
    }
    Ok(())
}
