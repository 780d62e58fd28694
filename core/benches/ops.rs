//! Milliseconds per call of the supernet's building blocks on a 25x8x28x28 batch (CPU
//! backend), forward alone and forward + backward under autodiff, Burn's own op beside the
//! one metanas uses: where a cell's time goes. Run: `cargo bench -p metanas-core --bench ops`.

use burn::backend::Autodiff;
use burn::prelude::*;
use burn::tensor::ops::ConvOptions;
use burn::tensor::Distribution;
use metanas_core::nn::{conv, depthwise, pool};
use metanas_core::CpuBackend;
use std::time::Instant;

type Ad = Autodiff<CpuBackend>;

/// Mean milliseconds of 5 calls of `f` after one warm-up.
fn millis(mut f: impl FnMut()) -> f64 {
    f();
    let s = Instant::now();
    for _ in 0..5 {
        f();
    }
    s.elapsed().as_secs_f64() * 200.0
}

/// An op of the input `x [25, 8, 28, 28]` and a weight tensor.
type OpFn<Bk> = fn(Tensor<Bk, 4>, Tensor<Bk, 4>) -> Tensor<Bk, 4>;

/// Times `op` forward on the CPU backend and forward + backward of its sum under autodiff.
fn time(name: &str, weight_shape: [usize; 4], fwd: OpFn<CpuBackend>, both: OpFn<Ad>) {
    let d = Default::default();
    let normal = Distribution::Normal(0.0, 1.0);
    let x = Tensor::<CpuBackend, 4>::random([25, 8, 28, 28], normal, &d);
    let w = Tensor::<CpuBackend, 4>::random(weight_shape, normal, &d);
    let forward = millis(|| {
        let _ = fwd(x.clone(), w.clone()).into_data();
    });
    let backward = millis(|| {
        let xa = Tensor::<Ad, 4>::from_inner(x.clone()).require_grad();
        let wa = Tensor::<Ad, 4>::from_inner(w.clone()).require_grad();
        let grads = both(xa.clone(), wa.clone()).sum().backward();
        let _ = xa.grad(&grads).map(|g| g.into_data());
    });
    println!("{name:<28} {forward:>9.2} {backward:>12.2}");
}

/// Burn's `conv2d` with the given stride, padding, dilation and groups.
fn burn_conv<Bk: Backend>(
    x: Tensor<Bk, 4>,
    w: Tensor<Bk, 4>,
    s: usize,
    p: usize,
    d: usize,
    g: usize,
) -> Tensor<Bk, 4> {
    burn::tensor::module::conv2d(x, w, None, ConvOptions::new([s, s], [p, p], [d, d], g))
}

macro_rules! both {
    ($name:expr, $shape:expr, |$x:ident, $w:ident| $body:expr) => {{
        fn f<Bk: Backend>($x: Tensor<Bk, 4>, $w: Tensor<Bk, 4>) -> Tensor<Bk, 4> {
            $body
        }
        time($name, $shape, f::<CpuBackend>, f::<Ad>);
    }};
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs bench binaries without
    // it, and a test run should not spend minutes timing.
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench`");
        return;
    }
    println!("25x8x28x28, ms per call        forward   fwd+backward");
    both!("conv 1x1 (burn)", [8, 8, 1, 1], |x, w| burn_conv(
        x, w, 1, 0, 1, 1
    ));
    both!("conv 1x1 (metanas)", [8, 8, 1, 1], |x, w| conv::conv2d(
        x,
        w,
        [1, 1],
        [0, 0],
        [1, 1]
    ));
    both!("conv 1x1 stride 2 (burn)", [8, 8, 1, 1], |x, w| burn_conv(
        x, w, 2, 0, 1, 1
    ));
    both!("conv 1x1 stride 2 (metanas)", [8, 8, 1, 1], |x, w| {
        conv::conv2d(x, w, [2, 2], [0, 0], [1, 1])
    });
    both!("conv 3x3 (burn)", [8, 8, 3, 3], |x, w| burn_conv(
        x, w, 1, 1, 1, 1
    ));
    both!("conv 3x3 (metanas)", [8, 8, 3, 3], |x, w| conv::conv2d(
        x,
        w,
        [1, 1],
        [1, 1],
        [1, 1]
    ));
    both!("depthwise 3x3 (burn)", [8, 1, 3, 3], |x, w| burn_conv(
        x, w, 1, 1, 1, 8
    ));
    both!("depthwise 3x3 (metanas)", [8, 1, 3, 3], |x, w| {
        depthwise::depthwise_conv2d(x, w, [1, 1], [1, 1], [1, 1], false)
    });
    both!(
        "depthwise 5x5 dil 2 (burn)",
        [8, 1, 5, 5],
        |x, w| burn_conv(x, w, 1, 4, 2, 8)
    );
    both!("depthwise 5x5 dil 2 (metanas)", [8, 1, 5, 5], |x, w| {
        depthwise::depthwise_conv2d(x, w, [1, 1], [4, 4], [2, 2], false)
    });
    both!("max pool 3x3 (burn)", [1, 1, 1, 1], |x, w| {
        burn::tensor::module::max_pool2d(x, [3, 3], [1, 1], [1, 1], [1, 1], false)
            * w.reshape([1, 1, 1, 1])
    });
    both!("max pool 3x3 (metanas)", [1, 1, 1, 1], |x, w| {
        pool::max_pool_3x3(x, 1) * w.reshape([1, 1, 1, 1])
    });
    both!("avg pool 3x3 (burn)", [1, 1, 1, 1], |x, w| {
        burn::tensor::module::avg_pool2d(x, [3, 3], [1, 1], [1, 1], false, false)
            * w.reshape([1, 1, 1, 1])
    });
    both!("avg pool 3x3 (metanas)", [1, 1, 1, 1], |x, w| {
        pool::avg_pool_3x3(x, 1) * w.reshape([1, 1, 1, 1])
    });
    both!(
        "batch norm",
        [1, 1, 1, 1],
        |x, w| metanas_core::nn::batch_norm(x) * w.reshape([1, 1, 1, 1])
    );
    both!("relu", [1, 1, 1, 1], |x, w| burn::tensor::activation::relu(
        x
    ) * w.reshape([1, 1, 1, 1]));
    both!("add", [1, 8, 1, 1], |x, w| x.clone() + x * w);
    both!("identity", [1, 1, 1, 1], |x, _w| x);
    both!("cat9", [1, 1, 1, 1], |x, _w| Tensor::cat(
        vec![
            x.clone(),
            x.clone(),
            x.clone(),
            x.clone(),
            x.clone(),
            x.clone(),
            x.clone(),
            x.clone(),
            x
        ],
        1
    ));
    both!("pad", [1, 1, 1, 1], |x, _w| x
        .pad((1, 1, 1, 1), burn::tensor::ops::PadMode::Constant(0.0)));
    both!("slice", [1, 1, 1, 1], |x, _w| x.slice([
        0..25,
        0..8,
        1..27,
        1..27
    ]));
    both!("matmul 72", [1, 8, 72, 1], |x, w| w
        .reshape([1, 8, 72])
        .matmul(
            Tensor::cat(
                vec![
                    x.clone(),
                    x.clone(),
                    x.clone(),
                    x.clone(),
                    x.clone(),
                    x.clone(),
                    x.clone(),
                    x.clone(),
                    x
                ],
                1
            )
            .reshape([25, 72, 784])
        )
        .reshape([25, 8, 28, 28]));
}
