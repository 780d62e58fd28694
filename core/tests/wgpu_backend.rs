//! The engine on Burn's wgpu backend (`--features wgpu`; Mesa's lavapipe in CI, where there is
//! no GPU). The CPU backend is the reference: its meta-gradients are checked against finite
//! differences and closed forms elsewhere, and every learner must take the same meta-steps
//! on wgpu, from the same seed, up to f32 rounding. A run then trains, adapts and evaluates
//! end to end on wgpu, and its checkpoint reopens on the CPU.
//!
//! These tests fail (they do not skip) when no wgpu adapter is found: `.ci/run` installs
//! `mesa-vulkan-drivers` so that the wgpu path cannot rot unseen.
#![cfg(feature = "wgpu")]

use std::path::{Path, PathBuf};

use metanas_core::run::{
    build_learner, stream_rng, BackendKind, RunConfig, SeedStream, Session, TaskDistribution,
};
use metanas_core::tasks::{Episode, Split};

/// A small regression run; `LEARNER` is replaced by each learner's `[learner]` table.
const CONFIG: &str = r#"
seed = 11

[space]
domain = "vector"
ops = ["none", "skip_connect", "linear"]
nodes = 2
cells = ["normal"]
channels = 8
aggregate = "mean"
num_outputs = 1
[[space.inputs]]
name = "x"
channels = 1

[tasks]
kind = "regression"
shots = 5
queries = 10

LEARNER

[training]
meta_batch = 2
checkpoint_every = 2
snapshot_every = 2
snapshot_tasks = 2
adapt_steps = 2
"#;

/// Every learner, second-order meta-gradients included.
const LEARNERS: [&str; 6] = [
    "[learner]\nkind = \"base\"\ninner_steps = 2",
    "[learner]\nkind = \"base_few_shot\"\ninner_steps = 2",
    "[learner]\nkind = \"maml\"\ninner_steps = 2\nmeta_gradient = \"exact\"\nouter_lr = 0.01",
    "[learner]\nkind = \"reptile\"\ninner_steps = 2",
    "[learner]\nkind = \"mnas\"\ninner_steps = 2\nembed_dim = 8\ntask_dim = 8\ncontroller_hidden = 8",
    "[learner]\nkind = \"mnas\"\nvariant = \"shared\"\ninner_steps = 2\nembed_dim = 8\ntask_dim = 8\ncontroller_hidden = 8",
];

fn config(learner: &str) -> RunConfig {
    let text = CONFIG.replace("LEARNER", learner);
    RunConfig::parse(&text, Path::new("wgpu.toml"), Path::new(".")).unwrap()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("metanas-wgpu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn meta_batches(config: &RunConfig, count: usize) -> Vec<Vec<Episode>> {
    let tasks = TaskDistribution::build(&config.tasks, &config.space, None).unwrap();
    (0..count)
        .map(|step| {
            let mut rng = stream_rng(config.seed, SeedStream::Train, step as u64);
            (0..config.training.meta_batch)
                .map(|_| tasks.sample(Split::Train, &mut rng).unwrap())
                .collect()
        })
        .collect()
}

/// Largest difference relative to the largest magnitude (both vectors the same length).
fn relative_difference(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "parameter counts differ");
    let scale = a.iter().fold(1e-6f64, |m, v| m.max(v.abs() as f64));
    let worst = a
        .iter()
        .zip(b)
        .fold(0f64, |m, (x, y)| m.max((*x as f64 - *y as f64).abs()));
    worst / scale
}

#[test]
fn every_learner_takes_the_same_meta_steps_on_wgpu_as_on_cpu() {
    for learner in LEARNERS {
        let config = config(learner);
        let name = config.learner.name();
        let mut cpu = build_learner(&config, BackendKind::Cpu).unwrap();
        let mut gpu = build_learner(&config, BackendKind::Wgpu).unwrap();
        assert_eq!(
            cpu.parameter_values(),
            gpu.parameter_values(),
            "{name}: initial values come from the seed, not the backend"
        );
        for (step, batch) in meta_batches(&config, 2).iter().enumerate() {
            let a = cpu.meta_step(batch).unwrap();
            let b = gpu.meta_step(batch).unwrap();
            let loss_gap = (a.loss - b.loss).abs() / a.loss.abs().max(1e-6);
            assert!(
                loss_gap < 1e-3,
                "{name} step {step}: loss {} on cpu, {} on wgpu",
                a.loss,
                b.loss
            );
        }
        let gap = relative_difference(&cpu.parameter_values(), &gpu.parameter_values());
        // Measured on lavapipe: 4e-8 (Reptile) to 7e-6 (BASE few-shot); M-NAS 5e-4, because
        // Adam's first steps are nearly lr · sign(g), so an entry whose gradient is at the
        // level of rounding noise can step by ±lr (1e-3) on either backend.
        assert!(
            gap < 3e-3,
            "{name}: parameters differ by {gap:e} (relative)"
        );
        let task = &meta_batches(&config, 3)[2][0];
        let a = cpu.adapt(task, 2, 5).unwrap();
        let b = gpu.adapt(task, 2, 5).unwrap();
        for (x, y) in a.per_step.iter().zip(&b.per_step) {
            let (x, y) = (x.mse.unwrap(), y.mse.unwrap());
            assert!(
                (x - y).abs() <= 1e-3 * x.abs().max(1e-3),
                "{name}: adaptation MSE {x} on cpu, {y} on wgpu"
            );
        }
    }
}

#[test]
fn a_run_trains_adapts_and_evaluates_on_wgpu_and_reopens_on_cpu() {
    let dir = tempdir("run");
    let config = config(LEARNERS[0]);
    let mut session = Session::create(&dir, config, BackendKind::Wgpu, true, None).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    session.train(4, &stop, |_| {}).unwrap();
    assert_eq!(session.steps_done(), 4);
    let on_wgpu = session.evaluate(4, 2).unwrap();
    drop(session);

    let session = Session::open(&dir, BackendKind::Cpu, true, None).unwrap();
    assert_eq!(
        session.steps_done(),
        4,
        "the wgpu checkpoint reopens on the CPU"
    );
    let on_cpu = session.evaluate(4, 2).unwrap();
    for (x, y) in on_wgpu.per_step.iter().zip(&on_cpu.per_step) {
        assert!(
            (x.mean - y.mean).abs() <= 1e-3 * x.mean.abs().max(1e-3),
            "evaluation after the same checkpoint: {} on wgpu, {} on cpu",
            x.mean,
            y.mean
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
