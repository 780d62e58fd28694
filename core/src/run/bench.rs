//! `metanas bench`: a config's meta-steps timed on a backend, with the arithmetic they do
//! (counted from the network's own op shapes), the rate that makes, and the backend's peak
//! rate measured on the spot by a large matrix product, so that one run prints the numbers
//! the speed tables are made of.

use std::path::Path;
use std::time::Instant;

use burn::prelude::*;
use burn::tensor::Distribution;
use serde::Serialize;

use super::backend::{build_learner, BackendKind};
use super::config::{Engine, RunConfig};
use super::error::RunError;
use super::process_stats::{minor_page_faults, peak_resident_bytes};
use super::stand_in_images::generate_missing;
use super::tasks::{stream_rng, Stream, TaskDistribution};
use crate::device_counts::{counted, DeviceCounts};
use crate::learners::{stem_for, ArchPlan, InnerStepTimes, LearnerError, MetaLearner, Outer};
use crate::posterior::Relaxation;
use crate::space::Domain;
use crate::supernet::{Network, NetworkInit};
use crate::tasks::{Episode, Split};

/// How long to measure.
#[derive(Clone, Copy, Debug)]
pub struct BenchOptions {
    /// Meta-steps timed.
    pub steps: usize,
    /// Meta-steps run first and not timed (kernel compilation, autotuning, caches).
    pub warmup: usize,
}

/// The median, least and largest of some timings (seconds).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    /// Median.
    pub median: f64,
    /// Least.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// Of `values` (at least one).
    pub fn of(values: &[f64]) -> Self {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Self {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }
}

/// What `metanas bench` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchReport {
    /// The backend.
    pub backend: String,
    /// The learner.
    pub learner: String,
    /// Tasks per meta-step.
    pub meta_batch: usize,
    /// Inner steps per task.
    pub inner_steps: usize,
    /// Examples each inner step trains on.
    pub examples_per_inner_step: usize,
    /// Meta-steps timed, after `warmup_steps` untimed ones.
    pub timed_steps: usize,
    /// Untimed meta-steps first.
    pub warmup_steps: usize,
    /// Seconds per meta-step over the timed steps.
    pub seconds_per_meta_step: Spread,
    /// Seconds of the forward pass (with the loss) of one inner step on one task, when the
    /// learner's inner step is one objective (not M-NAS).
    pub forward_s: Option<f64>,
    /// Seconds of the backward pass of that inner step.
    pub backward_s: Option<f64>,
    /// Multiply-accumulates of one forward pass of one example through the supernet: every
    /// candidate op of every edge, or with single-path search the expectation of one op per
    /// edge when all live ops are equally likely.
    pub macs_per_example: u64,
    /// Whether the learner searches a single path (`relaxation = "single_path"`).
    pub single_path: bool,
    /// Floating-point operations of one inner step of one task: forward and backward of the
    /// convolutions and linear layers, 2 per multiply-accumulate, the backward counted as
    /// twice the forward (gradients of the inputs and of the weights), as PyTorch's
    /// `FlopCounterMode` counts them. Elementwise work, pooling and batch norm are not
    /// counted.
    pub flops_per_inner_step: f64,
    /// The same over a meta-step: every task's inner steps and its query pass (forward only
    /// for Reptile and multi-task BASE; forward and backward for the learners with an outer
    /// gradient, whose second-order products are not counted).
    pub flops_per_meta_step: f64,
    /// `flops_per_meta_step` over the median seconds, in GFLOP/s.
    pub achieved_gflops: f64,
    /// A 1024 x 1024 matrix product on the same backend, best of 5, in GFLOP/s.
    pub peak_gflops: f64,
    /// Kernel launches of one inner step of the whole meta-batch (forward, loss and
    /// backward; the tasks run one after another, so one task's count times the tasks),
    /// counted by the GPU backend's compute client. `null` on the CPU backend and for M-NAS.
    pub kernel_launches_per_inner_step: Option<u64>,
    /// Host-to-device writes of that inner step, counted the same way.
    pub host_transfers_per_inner_step: Option<u64>,
    /// Launches, writes (and their bytes) and device-to-host reads of one inner step of one
    /// task, forward with the loss and backward apart (GPU backends).
    pub device_counts_per_task_inner_step: Option<InnerStepCounts>,
    /// The same, counted over the timed meta-steps and divided by their number: everything a
    /// meta-step does, task setup and the updates included (GPU backends).
    pub device_counts_per_meta_step: Option<DeviceCounts>,
    /// The process's peak resident memory on the CPU backend; on GPU backends the device
    /// memory the backend's pools hold after the timed meta-steps and the inner steps timed
    /// after them (pools keep what they reserve until cleaned up, so this is about the most
    /// the run needed). Null where it cannot be read.
    pub peak_memory_bytes: Option<u64>,
    /// Memory one task needs: the most bytes one inner step of one task (forward with the
    /// loss, and backward) held above what was held before it. CPU backend: heap bytes,
    /// counted by the allocator of the `metanas` binary, at their exact peak. GPU backends:
    /// device bytes in use, read after the forward and after the backward pass. Null for
    /// M-NAS and where it cannot be read.
    pub memory_per_task_bytes: Option<u64>,
    /// Minor page faults of the process (Linux) during the timed meta-steps, divided by
    /// their number: pages the system had to map in, first touches of memory new to the
    /// process (memory handed back and asked for again, unless the allocator keeps it).
    /// Null where it cannot be read.
    pub minor_page_faults_per_meta_step: Option<f64>,
    /// A dataset of the config was absent and generated images of its input's size stood in
    /// (the arithmetic does not depend on the pixels).
    pub generated_images: bool,
}

/// Times `config`'s meta-steps on `backend`. `progress` hears what is being done.
pub fn bench(
    config: &RunConfig,
    backend: BackendKind,
    opts: BenchOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<BenchReport, RunError> {
    let name = Path::new("<bench config>");
    if opts.steps == 0 {
        return Err(RunError::config(name, "time at least one meta-step"));
    }
    let scratch = std::env::temp_dir().join(format!("metanas-bench-{}", std::process::id()));
    let mut config = config.clone();
    let generated = generate_missing(&mut config, &scratch);
    let result = generated.and_then(|generated| {
        for g in &generated {
            progress(&format!(
                "{g} is absent: timing on generated images of the same size instead"
            ));
        }
        measure(&config, backend, opts, progress).map(|mut r| {
            r.generated_images = !generated.is_empty();
            r
        })
    });
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn measure(
    config: &RunConfig,
    backend: BackendKind,
    opts: BenchOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<BenchReport, RunError> {
    progress("loading the tasks");
    let tasks = TaskDistribution::build(&config.tasks, &config.space, None)?;
    tasks.check(Split::Train)?;
    let mut learner = build_learner(config, backend)?;
    let t = &config.training;
    let batch = |step: usize| -> Result<Vec<Episode>, RunError> {
        let mut rng = stream_rng(config.seed, Stream::Train, step as u64);
        (0..t.meta_batch)
            .map(|_| tasks.sample(Split::Train, &mut rng))
            .collect::<Result<Vec<_>, _>>()
    };
    let first = batch(0)?;
    let task = &first[0];
    let arithmetic = Arithmetic::of(config, task)?;

    progress("measuring the peak rate (a 1024 x 1024 matrix product)");
    let peak_gflops = peak_gflops(backend);
    for step in 0..opts.warmup {
        progress(&format!("warm-up meta-step {}/{}", step + 1, opts.warmup));
        learner.meta_step(&batch(step)?)?;
    }
    let mut seconds = Vec::with_capacity(opts.steps);
    let mut step_counts = DeviceCounts::default();
    let faults_before = minor_page_faults();
    for step in 0..opts.steps {
        progress(&format!("timed meta-step {}/{}", step + 1, opts.steps));
        let b = batch(opts.warmup + step)?;
        let started = Instant::now();
        let (done, counts) = counted(|| learner.meta_step(&b));
        done?;
        seconds.push(started.elapsed().as_secs_f64());
        step_counts = step_counts.plus(counts.unwrap_or_default());
    }
    let faults = faults_before
        .zip(minor_page_faults())
        .map(|(before, after)| after.saturating_sub(before) as f64 / opts.steps.max(1) as f64);
    progress("timing one inner step");
    let inner = median_inner_step(&*learner, task, 3)?;
    let (times, inner_counts) = (inner.times, inner.counts);
    let spread = Spread::of(&seconds);
    let on_device = backend != BackendKind::Cpu;
    let inner_counts = inner_counts.filter(|_| on_device);
    let per_inner_step =
        inner_counts.map(|c| c.forward.plus(c.backward).times(t.meta_batch as u64));
    Ok(BenchReport {
        backend: backend.name().into(),
        learner: config.learner.name().into(),
        meta_batch: t.meta_batch,
        inner_steps: arithmetic.inner_steps,
        examples_per_inner_step: arithmetic.inner_examples,
        timed_steps: opts.steps,
        warmup_steps: opts.warmup,
        seconds_per_meta_step: spread,
        forward_s: times.map(|t| t.forward),
        backward_s: times.map(|t| t.backward),
        macs_per_example: arithmetic.macs,
        single_path: arithmetic.single_path,
        flops_per_inner_step: arithmetic.per_inner_step(),
        flops_per_meta_step: arithmetic.per_meta_step(t.meta_batch),
        achieved_gflops: arithmetic.per_meta_step(t.meta_batch) / spread.median / 1e9,
        peak_gflops,
        kernel_launches_per_inner_step: per_inner_step.map(|c| c.launches),
        host_transfers_per_inner_step: per_inner_step.map(|c| c.uploads),
        device_counts_per_task_inner_step: inner_counts,
        device_counts_per_meta_step: (on_device && DeviceCounts::now().is_some())
            .then(|| step_counts.per(opts.steps as u64)),
        peak_memory_bytes: if on_device {
            inner.device_reserved
        } else {
            peak_resident_bytes()
        },
        memory_per_task_bytes: inner.memory,
        minor_page_faults_per_meta_step: faults,
        generated_images: false,
    })
}

/// Kernel launches and transfers of one inner step of one task.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct InnerStepCounts {
    /// The forward pass with the loss.
    pub forward: DeviceCounts,
    /// The backward pass.
    pub backward: DeviceCounts,
}

/// The arithmetic of one task, counted from the supernet's op shapes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arithmetic {
    /// Multiply-accumulates of one example's forward pass.
    pub macs: u64,
    /// Whether `macs` counts a single path (the expectation over uniformly drawn ops).
    pub single_path: bool,
    /// Inner steps per task.
    pub inner_steps: usize,
    /// Examples of an inner step.
    pub inner_examples: usize,
    /// Query examples of a task.
    pub query_examples: usize,
    /// Whether the query pass is differentiated (an outer gradient).
    pub query_backward: bool,
}

impl Arithmetic {
    /// For `config`'s learner on tasks shaped like `task`.
    pub fn of(config: &RunConfig, task: &Episode) -> Result<Self, RunError> {
        let space = &config.space;
        let stem = stem_for(space, task)?;
        let input = &space.inputs[stem];
        let hw = match space.domain {
            Domain::Image => [input.height, input.width],
            Domain::Vector => [1, 1],
        };
        let device = Default::default();
        let net = Network::<crate::CpuBackend>::supernet(space, NetworkInit::default(), &device);
        let engine = config
            .learner
            .engine(config.seed)
            .map_err(|e| RunError::Learner(LearnerError::from(e)))?;
        let relaxation = match &engine {
            Engine::Gradient(p) => match p.arch {
                ArchPlan::Sampled { relaxation, .. } => Some(relaxation),
                ArchPlan::Mixture | ArchPlan::Fixed(_) => None,
            },
            Engine::Mnas(m) => Some(m.relaxation),
        };
        let single_path = relaxation == Some(Relaxation::SinglePath);
        let macs = if single_path {
            net.single_path_macs(stem, hw)
        } else {
            net.macs(stem, hw)
        };
        let (inner_steps, on_query_too, query_backward) = match &engine {
            Engine::Gradient(p) => (
                p.inner_steps,
                p.inner_on_query_too,
                matches!(p.outer, Outer::Gradient { .. }),
            ),
            Engine::Mnas(m) => (m.inner_steps, false, true),
        };
        let support = task.support.len();
        let query = task.query.len();
        Ok(Self {
            macs,
            single_path,
            inner_steps,
            inner_examples: if on_query_too {
                support + query
            } else {
                support
            },
            query_examples: query,
            query_backward,
        })
    }

    /// FLOPs of one inner step: forward (2 per MAC) and backward (twice the forward).
    pub fn per_inner_step(&self) -> f64 {
        2.0 * self.macs as f64 * self.inner_examples as f64 * 3.0
    }

    /// FLOPs of a meta-step of `tasks` tasks.
    pub fn per_meta_step(&self, tasks: usize) -> f64 {
        let passes = if self.query_backward { 3.0 } else { 1.0 };
        let query = 2.0 * self.macs as f64 * self.query_examples as f64 * passes;
        tasks as f64 * (self.inner_steps as f64 * self.per_inner_step() + query)
    }
}

/// Forward and backward seconds of one inner step, each the median of `reps`.
#[derive(Clone, Copy, Debug)]
struct MedianTimes {
    forward: f64,
    backward: f64,
}

/// What [`median_inner_step`] measured.
#[derive(Clone, Copy, Debug, Default)]
struct InnerStepMeasures {
    times: Option<MedianTimes>,
    counts: Option<InnerStepCounts>,
    /// The most memory any repetition held above its start.
    memory: Option<u64>,
    /// Device memory the pools hold after the last repetition.
    device_reserved: Option<u64>,
}

/// The median forward and backward times of `reps` inner steps (after one untimed), the
/// device counts and reserved memory after the last of them (every repetition launches the
/// same kernels), and the most memory one of them held.
fn median_inner_step(
    learner: &dyn MetaLearner,
    task: &Episode,
    reps: usize,
) -> Result<InnerStepMeasures, RunError> {
    if learner.time_inner_step(task)?.is_none() {
        return Ok(InnerStepMeasures::default());
    }
    let mut forward = Vec::with_capacity(reps);
    let mut backward = Vec::with_capacity(reps);
    let mut memory = Vec::with_capacity(reps);
    let mut last: Option<InnerStepTimes> = None;
    for _ in 0..reps {
        if let Some(t) = learner.time_inner_step(task)? {
            forward.push(t.forward);
            backward.push(t.backward);
            memory.extend(t.memory_bytes);
            last = Some(t);
        }
    }
    let counts = last.and_then(|t| {
        Some(InnerStepCounts {
            forward: t.forward_counts?,
            backward: t.backward_counts?,
        })
    });
    let times = MedianTimes {
        forward: Spread::of(&forward).median,
        backward: Spread::of(&backward).median,
    };
    Ok(InnerStepMeasures {
        times: Some(times),
        counts,
        memory: memory.into_iter().max(),
        device_reserved: last.and_then(|t| t.device_reserved_bytes),
    })
}

/// A 1024 x 1024 matrix product on `backend`, best of 5 after one untimed, in GFLOP/s.
pub fn peak_gflops(backend: BackendKind) -> f64 {
    fn on<B: Backend>(device: &B::Device) -> f64 {
        const N: usize = 1024;
        let a = Tensor::<B, 2>::random([N, N], Distribution::Default, device);
        let b = Tensor::<B, 2>::random([N, N], Distribution::Default, device);
        let _ = B::sync(device);
        let mut best = f64::INFINITY;
        for rep in 0..6 {
            let started = Instant::now();
            let c = a.clone().matmul(b.clone());
            let _ = B::sync(device);
            let secs = started.elapsed().as_secs_f64();
            drop(c);
            if rep > 0 {
                best = best.min(secs);
            }
        }
        2.0 * (N as f64).powi(3) / best / 1e9
    }
    match backend {
        #[cfg(feature = "wgpu")]
        BackendKind::Wgpu => on::<burn::backend::Wgpu>(&Default::default()),
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => on::<burn::backend::Cuda>(&Default::default()),
        _ => on::<crate::CpuBackend>(&Default::default()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::tasks::Split;

    /// The small vector space of the test configs, counted by hand: a linear stem 1 -> 8
    /// (8 MACs), one cell of 2 nodes whose 5 edges each hold one `linear` 8 -> 8 (5 x 64),
    /// and a linear head 8 -> 1 (8): 336 multiply-accumulates per example.
    #[test]
    fn the_arithmetic_of_a_meta_step_is_counted_from_the_op_shapes() {
        let text = super::super::tests::SMALL_REGRESSION;
        let config = RunConfig::parse(text, Path::new("t.toml"), Path::new(".")).unwrap();
        let tasks = TaskDistribution::build(&config.tasks, &config.space, None).unwrap();
        let task = tasks
            .sample(Split::Train, &mut stream_rng(7, Stream::Train, 0))
            .unwrap();
        let a = Arithmetic::of(&config, &task).unwrap();
        assert_eq!(a.macs, 336);
        // BASE multi-task: 2 inner steps on the 5 support points, forward + backward (3 x 2
        // FLOPs per MAC), then a forward pass over the 20 query points; 2 tasks.
        assert_eq!(
            (a.inner_steps, a.inner_examples, a.query_examples),
            (2, 5, 20)
        );
        assert!(!a.query_backward);
        assert_eq!(a.per_inner_step(), 6.0 * 336.0 * 5.0);
        assert_eq!(
            a.per_meta_step(2),
            2.0 * (2.0 * 6.0 * 336.0 * 5.0 + 2.0 * 336.0 * 20.0)
        );
    }

    #[test]
    fn spread_takes_the_middle_value() {
        let s = Spread::of(&[3.0, 1.0, 2.0, 10.0]);
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 10.0));
        assert_eq!(Spread::of(&[4.0]).median, 4.0);
    }
}
