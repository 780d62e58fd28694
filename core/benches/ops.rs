//! Milliseconds per forward call of the supernet's building blocks on a 25x8x28x28 batch
//! (CPU backend): where a cell's time goes. Run: `cargo bench -p metanas-core --bench ops`.

use burn::prelude::*;
use burn::tensor::ops::ConvOptions;
use metanas_core::CpuBackend as B;
use std::time::Instant;
/// Times `f` (mean of 5 calls after one warm-up) in milliseconds.
fn t<F: FnMut() -> Tensor<B, 4>>(name: &str, mut f: F) {
    let _ = f().into_data();
    let s = Instant::now();
    for _ in 0..5 {
        let _ = f().into_data();
    }
    println!("{name}: {:.2} ms", s.elapsed().as_secs_f64() * 200.0);
}
fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs bench binaries without
    // it, and a test run should not spend minutes timing.
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench`");
        return;
    }
    let d = Default::default();
    let x = Tensor::<B, 4>::random(
        [25, 8, 28, 28],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &d,
    );
    let w1 = Tensor::<B, 4>::random(
        [8, 8, 1, 1],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &d,
    );
    let wd = Tensor::<B, 4>::random(
        [8, 1, 3, 3],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &d,
    );
    let w3 = Tensor::<B, 4>::random(
        [8, 8, 3, 3],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &d,
    );
    t("conv1x1", || {
        burn::tensor::module::conv2d(
            x.clone(),
            w1.clone(),
            None,
            ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
        )
    });
    t("conv3x3 full", || {
        burn::tensor::module::conv2d(
            x.clone(),
            w3.clone(),
            None,
            ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
        )
    });
    t("dw grouped", || {
        burn::tensor::module::conv2d(
            x.clone(),
            wd.clone(),
            None,
            ConvOptions::new([1, 1], [1, 1], [1, 1], 8),
        )
    });
    t("dw slices", || {
        metanas_core::nn::depthwise::depthwise_conv2d(x.clone(), wd.clone(), [1, 1], [1, 1], [1, 1])
    });
    t("maxpool", || {
        burn::tensor::module::max_pool2d(x.clone(), [3, 3], [1, 1], [1, 1], [1, 1], false)
    });
    t("avgpool", || {
        burn::tensor::module::avg_pool2d(x.clone(), [3, 3], [1, 1], [1, 1], false, false)
    });
    t("bn", || metanas_core::nn::batch_norm(x.clone()));
    t("relu", || burn::tensor::activation::relu(x.clone()));
    t("add", || x.clone() + x.clone());
    t("mul bcast", || {
        x.clone()
            * wd.clone()
                .slice([0..8, 0..1, 0..1, 0..1])
                .reshape([1, 8, 1, 1])
    });
}
