//! Seconds per BASE meta-step and peak memory for the fixed configuration of the speed
//! comparison: DARTS search net with the 8 DARTS ops, one normal then one reduction cell of 4
//! nodes, 8 channels (stem 3x8), 28x28 grey input, 5-way 1-shot with 5 queries per class, 4
//! tasks per meta-batch, 5 inner SGD steps on all 30 images, BASE multi-task update.
//!
//! Run: `cargo bench -p metanas-core --bench meta_step` (add `-- 5` for 5 timed steps; default 1).
//! `-- --backend wgpu` or `-- --backend cuda` runs it on a GPU backend (build with
//! `--features wgpu` / `--features cuda`). Also prints where the time of one inner step goes
//! (forward, backward, update).

use std::time::Instant;

use burn::backend::Autodiff;
use burn::optim::GradientsParams;
use burn::tensor::backend::Backend;
use metanas_core::learners::{
    sgd_step, task_loss, trainable, BaseConfig, GradientLearner, InnerExamples, MetaLearner, Plan,
};
use metanas_core::nn::WeightMode;
use metanas_core::posterior::{Posterior, PriorTensors, Relaxation, SampleSpec};
use metanas_core::rng::SeededRng;
use metanas_core::space::{CellKind, Op, SearchSpace};
use metanas_core::CpuBackend;

mod common;
use common::{digit_batches, peak_rss_mb};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs bench binaries without
    // it, and a test run should not spend minutes timing.
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench`");
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let timed: usize = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1);
    let backend = args
        .iter()
        .position(|a| a == "--backend")
        .and_then(|i| args.get(i + 1))
        .map_or("cpu", String::as_str);
    match backend {
        "cpu" => run::<CpuBackend>(Default::default(), "CPU (ndarray)", timed),
        #[cfg(feature = "wgpu")]
        "wgpu" => run::<burn::backend::Wgpu>(Default::default(), "wgpu", timed),
        #[cfg(feature = "cuda")]
        "cuda" => run::<burn::backend::Cuda>(Default::default(), "CUDA", timed),
        other => {
            eprintln!("backend `{other}` is not built in (cpu, or build with --features wgpu/cuda)")
        }
    }
}

fn run<B: Backend>(device: B::Device, label: &str, timed: usize) {
    type AD<B> = Autodiff<B>;
    let mut space = SearchSpace::default_image();
    space.ops = Op::darts_set();
    space.cells = vec![CellKind::Normal, CellKind::Reduce];
    space.validate().expect("bench space");
    let batches = digit_batches(&space, timed.max(1));
    let mut rng = SeededRng::new(1);

    // Where one inner step's time goes.
    let prior = GradientLearner::<AD<B>>::new(
        space.clone(),
        Plan::base(&BaseConfig::default()),
        device.clone(),
    )
    .expect("the DARTS space fits BASE");
    let task = &batches[0][0];
    let mut q: Posterior<AD<B>> = trainable(prior.meta().clone());
    let fixed_prior = PriorTensors::<AD<B>>::constant(prior.meta());
    let x = task.query.input_tensor::<AD<B>>(&task.input_shape, &device);
    let spec = SampleSpec {
        relaxation: Relaxation::Gumbel,
        tau: 1.0,
        weights: WeightMode::Sample,
    };
    let (mut t_fwd, mut t_bwd, mut t_upd) = (0.0, 0.0, 0.0);
    let reps = 3;
    // The first step on a GPU compiles kernels: warm up once, untimed.
    {
        let out = q.forward(x.clone(), 0, spec, &mut rng).expect("stem 0");
        let _ = task_loss(out, &task.query).backward();
    }
    for _ in 0..reps {
        let t0 = Instant::now();
        let out = q.forward(x.clone(), 0, spec, &mut rng).expect("stem 0");
        let kl = q.kl_to(&fixed_prior);
        let loss = task_loss(out, &task.query) + (kl.weights + kl.arch) / 25.0;
        let _ = loss.clone().into_data();
        let t1 = Instant::now();
        let mut grads = loss.backward();
        let t2 = Instant::now();
        let mut ga = GradientsParams::from_module(&mut grads, &q.arch);
        let mut gw = GradientsParams::from_module(&mut grads, &q.net);
        q = Posterior {
            arch: sgd_step(q.arch, &mut ga, 0.01),
            net: sgd_step(q.net, &mut gw, 0.01),
        };
        let _ = q.arch.normal.val().into_data();
        let t3 = Instant::now();
        t_fwd += (t1 - t0).as_secs_f64();
        t_bwd += (t2 - t1).as_secs_f64();
        t_upd += (t3 - t2).as_secs_f64();
    }
    let n = reps as f64;
    println!(
        "one inner step on 25 images: forward + loss {:.3} s, backward {:.3} s, update {:.3} s",
        t_fwd / n,
        t_bwd / n,
        t_upd / n
    );
    println!("BASE multi-task meta-step, DARTS 8-op search net (normal + reduce, 4 nodes, C=8, stem 24), 28x28 grey,");
    println!(
        "5-way 1-shot + 5 queries, 4 tasks per meta-batch, 5 inner SGD steps on 30 images; {label}"
    );
    // One task at a time (the learners' default; every kernel on all cores) and one task per
    // core.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let counts: &[usize] = if cores > 1 { &[1, cores] } else { &[1] };
    for &threads in counts {
        let config = BaseConfig {
            inner_steps: 5,
            // All 30 images of a task, the configuration the speed target names.
            inner_examples: InnerExamples::SupportAndQuery,
            threads,
            ..BaseConfig::default()
        };
        let mut learner =
            GradientLearner::<AD<B>>::new(space.clone(), Plan::base(&config), device.clone())
                .expect("the DARTS space fits BASE");
        if !matches!(label, "CPU (ndarray)") {
            // Kernel compilation and autotuning happen on the first meta-step: untimed.
            learner.meta_step(&batches[0]).expect("warm-up meta-step");
        }
        let start = Instant::now();
        for b in &batches[..timed] {
            learner.meta_step(b).expect("meta-step");
        }
        let secs = start.elapsed().as_secs_f64() / timed as f64;
        println!("task threads {threads}: {secs:.2} s per meta-step (mean of {timed})");
    }

    if let Some(mb) = peak_rss_mb() {
        println!("peak resident memory: {mb:.0} MB");
    }
}
