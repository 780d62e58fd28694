//! The engine on a GPU backend: Burn's wgpu (`--features wgpu`; Mesa's lavapipe in CI, where
//! there is no GPU) or CUDA (`--features cuda`, on a machine with an NVIDIA GPU); the
//! environment variable `METANAS_TEST_GPU=wgpu|cuda` picks one when both are built in (wgpu
//! by default). The CPU backend is the reference: its meta-gradients are checked against
//! finite differences and closed forms elsewhere, and every learner must take the same
//! meta-steps on the GPU backend, from the same seed, up to f32 rounding. A run then trains,
//! adapts and evaluates end to end on it, and its checkpoint reopens on the CPU.
//!
//! These tests fail (they do not skip) when the backend finds no device: `.ci/run` installs
//! `mesa-vulkan-drivers` so that the wgpu path cannot rot unseen.
#![cfg(any(feature = "wgpu", feature = "cuda"))]

use metanas_core::run::{build_learner, BackendKind, RunConfig, Session};
use metanas_core::tasks::Episode;

#[macro_use]
mod gpu_common;
mod small_run;
use gpu_common::{counted_when_warm, gpu, relative_difference, side_by_side, DEVICE};
use small_run::meta_batch;

/// Every learner, second-order meta-gradients included.
const LEARNERS: [&str; 6] = [
    "kind = \"base\"\ninner_steps = 2",
    "kind = \"base_few_shot\"\ninner_steps = 2",
    "kind = \"maml\"\ninner_steps = 2\nmeta_gradient = \"exact\"\nouter_lr = 0.01",
    "kind = \"reptile\"\ninner_steps = 2",
    "kind = \"mnas\"\ninner_steps = 2\nembed_dim = 8\ntask_dim = 8\ncontroller_hidden = 8",
    "kind = \"mnas\"\nvariant = \"shared\"\ninner_steps = 2\nembed_dim = 8\ntask_dim = 8\ncontroller_hidden = 8",
];

fn config(learner: &str) -> RunConfig {
    small_run::config(11, learner, 2)
}

fn tempdir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("metanas-gpu-{name}-"))
        .tempdir()
        .expect("a temporary folder")
}

fn meta_batches(config: &RunConfig, count: u64) -> Vec<Vec<Episode>> {
    (0..count).map(|step| meta_batch(config, step)).collect()
}

#[test]
fn every_learner_takes_the_same_meta_steps_on_the_gpu_backend_as_on_cpu() {
    let _device = side_by_side();
    for learner in LEARNERS {
        let config = config(learner);
        let name = config.learner.name();
        let mut cpu = build_learner(&config, BackendKind::Cpu).unwrap();
        let mut gpu = build_learner(&config, gpu()).unwrap();
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
                "{name} step {step}: loss {} on cpu, {} on the gpu backend",
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
        // Autotune chooses the GPU backend's kernel variants by timing them, so which variant
        // runs, and with it the summation order and the last bits, can change with the
        // machine's load; BASE few-shot's adaptation MSE differed by 1.07e-3 (relative) once
        // on lavapipe while another process ran, and by less than 1e-3 otherwise.
        for (x, y) in a.per_step.iter().zip(&b.per_step) {
            let (x, y) = (x.mse.unwrap(), y.mse.unwrap());
            assert!(
                (x - y).abs() <= 5e-3 * x.abs().max(1e-3),
                "{name}: adaptation MSE {x} on cpu, {y} on the gpu backend"
            );
        }
    }
}

#[test]
fn a_run_trains_adapts_and_evaluates_on_the_gpu_backend_and_reopens_on_cpu() {
    let _device = side_by_side();
    let dir_tmp = tempdir("run");
    let dir = dir_tmp.path();
    let config = config(LEARNERS[0]);
    let mut session = Session::create(dir, config, gpu(), true, None).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    session.train(4, &stop, |_| {}).unwrap();
    assert_eq!(session.steps_done(), 4);
    let on_gpu = session
        .evaluate(&metanas_core::run::HeldOut::Sampled(4), 2)
        .unwrap();
    drop(session);

    let session = Session::open(dir, BackendKind::Cpu, true, None).unwrap();
    assert_eq!(
        session.steps_done(),
        4,
        "the gpu backend's checkpoint reopens on the CPU"
    );
    let on_cpu = session
        .evaluate(&metanas_core::run::HeldOut::Sampled(4), 2)
        .unwrap();
    for (x, y) in on_gpu.per_step.iter().zip(&on_cpu.per_step) {
        assert!(
            (x.mean - y.mean).abs() <= 1e-3 * x.mean.abs().max(1e-3),
            "evaluation after the same checkpoint: {} on the gpu backend, {} on cpu",
            x.mean,
            y.mean
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// One upload, one elementwise computation and one read, counted by the patched compute
/// client: the counts `metanas bench` reports come from the same counters.
fn counts_of_one_small_computation<B: burn::prelude::Backend>(
    device: &B::Device,
) -> metanas_core::device_counts::DeviceCounts {
    use burn::prelude::*;
    let values: Vec<f32> = (0..1000).map(|i| i as f32).collect();
    let run = || {
        let x = Tensor::<B, 1>::from_data(TensorData::new(values.clone(), [1000]), device);
        (x * 2.0 + 1.0).into_data().to_vec::<f32>().unwrap()
    };
    let (y, counts) = counted_when_warm(run);
    assert_eq!(y[3], 7.0);
    counts
}

#[test]
fn the_device_counters_see_each_upload_launch_and_read() {
    let _alone = DEVICE.write().unwrap_or_else(|e| e.into_inner());
    let c = on_gpu!(counts_of_one_small_computation());
    // 1,000 f32 values go up once (4,000 bytes) and come back once; multiplying and adding
    // is one kernel when Burn fuses them, two when it does not.
    assert_eq!((c.uploads, c.upload_bytes, c.reads), (1, 4000, 1), "{c:?}");
    assert!((1..=2).contains(&c.launches), "{c:?}");
}

/// Device bytes in use before and after a tensor of `values` f32 values is created on the
/// device, and the probe's peak above its start over its life.
fn memory_of_one_tensor<B: burn::prelude::Backend>(
    device: &B::Device,
    values: usize,
) -> (u64, u64, u64) {
    use burn::prelude::*;
    use metanas_core::memory_use::{device_memory, MemoryProbe};
    B::sync(device).unwrap();
    let (before, _) = device_memory::<B>(device).expect("a GPU backend's pools can be read");
    let mut probe = MemoryProbe::start::<B>(device).expect("a GPU backend can be probed");
    let x = Tensor::<B, 1>::from_data(TensorData::new(vec![1.5f32; values], [values]), device);
    B::sync(device).unwrap();
    let (with, reserved) = device_memory::<B>(device).unwrap();
    probe.sample::<B>(device);
    assert!(reserved >= with, "reserved {reserved} below in use {with}");
    drop(x);
    B::sync(device).unwrap();
    probe.sample::<B>(device);
    (before, with, probe.peak_above_start())
}

#[test]
fn the_device_memory_of_a_tensor_is_its_size() {
    let _alone = DEVICE.write().unwrap_or_else(|e| e.into_inner());
    let values = 1 << 20;
    let (before, with, peak) = on_gpu!(memory_of_one_tensor(values));
    // 2^20 f32 values are 4 MiB; the pools may round a buffer up to their alignment only.
    let bytes = 4 * values as u64;
    let grew = with - before;
    assert!(
        (bytes..=bytes + 4096).contains(&grew),
        "{grew} bytes more in use"
    );
    assert!(
        (bytes..=bytes + 4096).contains(&peak),
        "peak {peak} above the start"
    );
}

/// Device counts of one forward pass of a factorized reduction (the reduce cell's skip op)
/// of a `size` x `size` input already on the device, mean weights (no noise to upload).
fn counts_of_a_factorized_reduction<B: burn::prelude::Backend>(
    device: &B::Device,
    size: usize,
) -> metanas_core::device_counts::DeviceCounts {
    use burn::prelude::*;
    use metanas_core::nn::ops::FactorizedReduce;
    use metanas_core::nn::{Init, WeightSampler};
    let mut rng = metanas_core::rng::SeededRng::new(0);
    let mut init = Init {
        sigma: 0.01,
        rng: &mut rng,
        affine_norm: false,
    };
    let reduce = FactorizedReduce::<B>::new(4, 4, &mut init, device);
    let x = Tensor::<B, 4>::ones([2, 4, size, size], device);
    let run = || {
        let y = reduce.forward(x.clone(), &mut WeightSampler::mean());
        y.into_data().to_vec::<f32>().unwrap()
    };
    let (y, counts) = counted_when_warm(run);
    assert_eq!(y.len(), 2 * 4 * size.div_ceil(2) * size.div_ceil(2));
    counts
}

#[test]
fn a_factorized_reduction_pads_only_an_odd_size() {
    let _alone = DEVICE.write().unwrap_or_else(|e| e.into_inner());
    let counts = |size| on_gpu!(counts_of_a_factorized_reduction(size));
    // An even size never reads the padded end, so it is not padded: a launch fewer than an
    // odd size, whose shifted input is padded on the device (nothing goes up either way).
    let (even, odd) = (counts(8), counts(7));
    assert!(even.launches < odd.launches, "{even:?} vs {odd:?}");
    assert_eq!((even.uploads, odd.uploads), (0, 0), "{even:?} vs {odd:?}");
}

/// A small retrain of DARTS_V2 on the bundled digits (two steps an epoch).
fn retrain_config() -> metanas_core::retrain::RetrainConfig {
    use metanas_core::retrain::{Architecture, Preset, RetrainConfig, RetrainData, DARTS_V2};
    let mut protocol = Preset::Small.protocol();
    protocol.epochs = 2;
    protocol.batch_size = 64;
    RetrainConfig {
        seed: 4,
        architecture: Architecture::Cells {
            genotype: metanas_core::genotype::Genotype::from_darts(DARTS_V2).unwrap(),
            source: "DARTS_V2".into(),
        },
        data: RetrainData {
            path: metanas_core::run::BUNDLED_DIGITS.into(),
            test_path: None,
            test_fraction: 0.2,
            train_limit: Some(128),
        },
        network: metanas_core::retrain::NetShape {
            channels: 4,
            layers: 3,
            auxiliary: true,
        },
        protocol,
    }
}

#[test]
fn a_retrain_takes_the_same_steps_on_the_gpu_backend() {
    let _device = side_by_side();
    let dir_tmp = tempdir("retrain");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut epochs = Vec::new();
    for (name, backend) in [("cpu", BackendKind::Cpu), ("gpu", gpu())] {
        let dir = dir_tmp.path().join(name);
        let mut run = metanas_core::retrain::create(backend, &dir, retrain_config(), false)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        run.train(&stop, &mut |_| {}, &mut |_| {}).unwrap();
        epochs.push(run.epochs().unwrap());
    }
    for (c, g) in epochs[0].iter().zip(&epochs[1]) {
        assert!(
            (c.train_loss - g.train_loss).abs() <= 1e-3 * c.train_loss.abs(),
            "epoch {}: training loss {} on cpu, {} on the gpu backend",
            c.epoch,
            c.train_loss,
            g.train_loss
        );
    }
    assert_eq!(epochs[0].len(), 2);
}
