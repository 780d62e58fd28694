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

mod small_run;
use small_run::meta_batch;

/// The backend under test.
fn gpu() -> BackendKind {
    let default = if cfg!(feature = "wgpu") {
        "wgpu"
    } else {
        "cuda"
    };
    let name = std::env::var("METANAS_TEST_GPU").unwrap_or_else(|_| default.into());
    name.parse()
        .unwrap_or_else(|e| panic!("METANAS_TEST_GPU: {e}"))
}

/// `f::<B>(&device, args...)` with `B` the backend under test ([`gpu()`]) on its default
/// device, or its first-order autodiff when the call starts with `autodiff`.
macro_rules! on_gpu {
    (autodiff $f:ident($($arg:expr),*)) => {
        match gpu() {
            #[cfg(feature = "wgpu")]
            BackendKind::Wgpu => {
                $f::<burn::backend::Autodiff<burn::backend::Wgpu>>(&Default::default() $(, $arg)*)
            }
            #[cfg(feature = "cuda")]
            BackendKind::Cuda => {
                $f::<burn::backend::Autodiff<burn::backend::Cuda>>(&Default::default() $(, $arg)*)
            }
            other => panic!("{other:?} is not a GPU backend"),
        }
    };
    ($f:ident($($arg:expr),*)) => {
        match gpu() {
            #[cfg(feature = "wgpu")]
            BackendKind::Wgpu => $f::<burn::backend::Wgpu>(&Default::default() $(, $arg)*),
            #[cfg(feature = "cuda")]
            BackendKind::Cuda => $f::<burn::backend::Cuda>(&Default::default() $(, $arg)*),
            other => panic!("{other:?} is not a GPU backend"),
        }
    };
}

/// The device counters are process-wide: the test that checks them exact runs alone, the
/// others side by side.
static DEVICE: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn side_by_side() -> std::sync::RwLockReadGuard<'static, ()> {
    DEVICE.read().unwrap_or_else(|e| e.into_inner())
}

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
    // Once first, so that compiling the kernel is not in the counted stretch.
    run();
    let (y, counts) = metanas_core::device_counts::counted(run);
    assert_eq!(y[3], 7.0);
    counts.expect("a build with a GPU backend counts")
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
    // Once first, so that compiling the kernels is not in the counted stretch.
    run();
    let (y, counts) = metanas_core::device_counts::counted(run);
    assert_eq!(y.len(), 2 * 4 * size.div_ceil(2) * size.div_ceil(2));
    counts.expect("a build with a GPU backend counts")
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

/// A depthwise convolution's output and its gradients with respect to the input and the
/// kernel (of the loss `Σ y · r` for fixed `r`), on autodiff backend `B`.
fn depthwise_and_gradients<B: burn::tensor::backend::AutodiffBackend>(
    device: &B::Device,
    [n, c, h, w]: [usize; 4],
    k: usize,
    stride: usize,
    dilation: usize,
) -> [Vec<f32>; 3] {
    use burn::prelude::*;
    let values = |len: usize, seed: usize| -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 7919 + seed * 104729) % 1000) as f32 / 500.0) - 1.0)
            .collect()
    };
    let x = Tensor::<B, 4>::from_data(
        TensorData::new(values(n * c * h * w, 1), [n, c, h, w]),
        device,
    )
    .require_grad();
    let weight =
        Tensor::<B, 4>::from_data(TensorData::new(values(c * k * k, 2), [c, 1, k, k]), device)
            .require_grad();
    let pad = dilation * (k - 1) / 2;
    let y = metanas_core::nn::depthwise::depthwise_conv2d(
        x.clone(),
        weight.clone(),
        [stride; 2],
        [pad; 2],
        [dilation; 2],
        false,
    );
    let r = Tensor::<B, 4>::from_data(
        TensorData::new(values(y.dims().iter().product(), 3), y.dims()),
        device,
    );
    let grads = (y.clone() * r).sum().backward();
    let vec = |t: Tensor<B::InnerBackend, 4>| t.into_data().to_vec::<f32>().unwrap();
    [
        y.into_data().to_vec::<f32>().unwrap(),
        vec(x.grad(&grads).unwrap()),
        vec(weight.grad(&grads).unwrap()),
    ]
}

#[test]
fn the_gpu_depthwise_kernel_gradient_is_the_cpu_one() {
    let _shared = side_by_side();
    // Plain, strided (a reduction edge), dilated, and 5x5 dilated and strided.
    for (k, stride, dilation) in [(3, 1, 1), (3, 2, 1), (3, 1, 2), (5, 2, 2)] {
        let shape = [3, 5, 9, 8];
        let cpu = depthwise_and_gradients::<metanas_core::CpuAutodiff>(
            &Default::default(),
            shape,
            k,
            stride,
            dilation,
        );
        let on_device = on_gpu!(autodiff depthwise_and_gradients(shape, k, stride, dilation));
        for (what, (a, b)) in ["output", "input gradient", "kernel gradient"]
            .iter()
            .zip(cpu.iter().zip(&on_device))
        {
            assert_eq!(a.len(), b.len(), "{what}");
            let d = relative_difference(a, b);
            assert!(
                d < 1e-5,
                "{what} of a {k}x{k} kernel, stride {stride}, dilation {dilation}: {d}"
            );
        }
    }
}

/// Kernel launches of one depthwise convolution of `c` channels and its gradients: through
/// metanas's op, or with `burn_own` through Burn's grouped convolution directly.
fn depthwise_launches<B: burn::tensor::backend::AutodiffBackend>(
    device: &B::Device,
    c: usize,
    burn_own: bool,
) -> u64 {
    use burn::prelude::*;
    let run = || {
        if burn_own {
            let x = Tensor::<B, 4>::ones([4, c, 12, 12], device).require_grad();
            let w = Tensor::<B, 4>::ones([c, 1, 3, 3], device).require_grad();
            let options = burn::tensor::ops::ConvOptions::new([1, 1], [1, 1], [1, 1], c);
            let y = burn::tensor::module::conv2d(x.clone(), w.clone(), None, options);
            let grads = y.sum().backward();
            let _ = w.grad(&grads).unwrap().into_data();
        } else {
            depthwise_and_gradients::<B>(device, [4, c, 12, 12], 3, 1, 1);
        }
    };
    // Once first, so that compiling and autotuning are not counted.
    run();
    let (_, counts) = metanas_core::device_counts::counted(run);
    counts.expect("a build with a GPU backend counts").launches
}

#[test]
fn a_depthwise_kernel_gradient_launches_as_many_kernels_at_any_channel_count() {
    let _alone = DEVICE.write().unwrap_or_else(|e| e.into_inner());
    let launches = |c, burn_own| on_gpu!(autodiff depthwise_launches(c, burn_own));
    let (few, many) = (launches(2, false), launches(16, false));
    // The same handful at 2 and 16 channels (autotune may choose another variant of a kernel
    // for another shape, so a launch or two either way).
    assert!(
        few.abs_diff(many) <= 4 && many < 40,
        "2 channels: {few}, 16 channels: {many}"
    );
    // Burn's own kernel gradient takes about five launches a channel: 70 more at 16 than at 2.
    let (burn_few, burn_many) = (launches(2, true), launches(16, true));
    assert!(
        burn_many >= burn_few + 50,
        "Burn's own: {burn_few} and {burn_many}"
    );
}
