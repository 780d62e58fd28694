//! What the GPU test binaries share: the backend under test, a lock for the process-wide
//! device counters, the counts of a warmed-up computation, and a relative difference.
#![allow(dead_code)]

use metanas_core::run::BackendKind;

/// The backend under test.
pub fn gpu() -> BackendKind {
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
pub static DEVICE: std::sync::RwLock<()> = std::sync::RwLock::new(());

pub fn side_by_side() -> std::sync::RwLockReadGuard<'static, ()> {
    DEVICE.read().unwrap_or_else(|e| e.into_inner())
}

/// What `run` returns and what the device counters saw while it ran, after one call that is
/// not counted (so that compiling and autotuning kernels are not in the counts).
pub fn counted_when_warm<R>(run: impl Fn() -> R) -> (R, metanas_core::device_counts::DeviceCounts) {
    run();
    let (result, counts) = metanas_core::device_counts::counted(run);
    (result, counts.expect("a build with a GPU backend counts"))
}

/// Largest difference relative to the largest magnitude (both vectors the same length).
pub fn relative_difference(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "parameter counts differ");
    let scale = a.iter().fold(1e-6f64, |m, v| m.max(v.abs() as f64));
    let worst = a
        .iter()
        .zip(b)
        .fold(0f64, |m, (x, y)| m.max((*x as f64 - *y as f64).abs()));
    worst / scale
}
