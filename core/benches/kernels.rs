//! Milliseconds per call of the CPU backend's own loops alone (`CpuKernel` forward and
//! backward on plain buffers, no Burn tensors or autodiff around them), on the search cells'
//! normal-cell shape: 30 images (5-way 1-shot + 5 queries) of 8 channels at 28x28. Where the
//! loops' own time goes; `--bench ops` times the same ops through Burn.
//! Run: `cargo bench -p metanas-core --bench kernels`.

use std::time::Instant;

use metanas_core::nn::cpu_kernel::CpuKernel;
use metanas_core::nn::depthwise_kernel::Depthwise;
use metanas_core::nn::norm_kernel::BatchNorm;
use metanas_core::nn::pointwise_kernel::Pointwise;
use metanas_core::nn::pool_kernel::{AvgPool, MaxPool};
use metanas_core::nn::window::Window;
use metanas_core::rng::SeededRng;

const SHAPE: [usize; 4] = [30, 8, 28, 28];

/// The best of 7 rounds of the mean of 20 calls, in milliseconds.
fn millis(mut f: impl FnMut()) -> f64 {
    f();
    (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..20 {
                f();
            }
            start.elapsed().as_secs_f64() * 1000.0 / 20.0
        })
        .fold(f64::INFINITY, f64::min)
}

/// Forward, backward for every input, and (for kernels with two inputs) backward for each
/// input alone, of a kernel with `N` inputs.
fn time<K: CpuKernel<N>, const N: usize>(name: &str, kernel: K, inputs: [&[f32]; N]) {
    let forward = millis(|| {
        let _ = kernel.forward(inputs);
    });
    let (y, _, saved) = kernel.forward(inputs);
    let backward = |wanted: [bool; N]| {
        millis(|| {
            let _ = kernel.backward(inputs, &saved, &y, wanted);
        })
    };
    let all = backward([true; N]);
    let each = if N > 1 {
        (0..N)
            .map(|i| format!("{:>9.3}", backward(std::array::from_fn(|j| j == i))))
            .collect::<String>()
    } else {
        String::new()
    };
    println!("{name:<34} {forward:>9.3} {all:>10.3} {each}");
}

fn window(k: usize, stride: usize, dilation: usize) -> Window {
    Window {
        n: SHAPE[0],
        c: SHAPE[1],
        input: [SHAPE[2], SHAPE[3]],
        kernel: [k, k],
        stride: [stride, stride],
        padding: [dilation * (k - 1) / 2; 2],
        dilation: [dilation, dilation],
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench`");
        return;
    }
    let mut rng = SeededRng::new(1);
    let x = rng.normal_vec(SHAPE.iter().product());
    println!("30x8x28x28, ms per call           forward   backward  (input, weight alone)");
    time(
        "batch norm",
        BatchNorm {
            shape: SHAPE,
            eps: 1e-5,
        },
        [&x],
    );
    time("max pool 3x3", MaxPool(window(3, 1, 1)), [&x]);
    time("max pool 3x3 stride 2", MaxPool(window(3, 2, 1)), [&x]);
    time("avg pool 3x3", AvgPool(window(3, 1, 1)), [&x]);
    for (k, stride, dilation) in [(3, 1, 1), (5, 1, 1), (3, 1, 2), (5, 1, 2), (5, 2, 1)] {
        let w = rng.normal_vec(SHAPE[1] * k * k);
        let kernel = Depthwise {
            window: window(k, stride, dilation),
            relu: true,
        };
        let name = format!("relu + depthwise {k}x{k} s{stride} d{dilation}");
        time(&name, kernel, [&x, &w]);
    }
    for stride in [1, 2] {
        let w = rng.normal_vec(SHAPE[1] * SHAPE[1]);
        let kernel = Pointwise {
            shape: SHAPE,
            out_channels: SHAPE[1],
            stride: [stride, stride],
            relu: true,
        };
        time(&format!("relu + conv 1x1 s{stride}"), kernel, [&x, &w]);
    }
}
