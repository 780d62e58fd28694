//! Kernel launches of the pieces of an inner step on Burn's wgpu backend, one piece at a
//! time: batch norm, each candidate op of the DARTS space (sampled weights and mean weights)
//! and an edge's weighted sum, each at the reference meta-step's size (30 images of 8
//! channels at 28x28), forward (with a sum and a read) and backward. Where `metanas bench`
//! counts a whole inner step, this says which op the launches come from.
//!
//! ```sh
//! cargo run -p metanas-core --features wgpu --example launch_breakdown
//! ```

use burn::backend::{Autodiff, Wgpu};
use burn::prelude::*;
use metanas_core::device_counts::counted;
use metanas_core::nn::weighted_sum::weighted_sum;
use metanas_core::nn::{batch_norm, CandidateOp, Init, WeightMode, WeightSampler};
use metanas_core::rng::SeededRng;
use metanas_core::space::Op;

type B = Autodiff<Wgpu>;

/// Launches of `f`'s forward pass, and of its backward pass alone, after one untimed run.
fn launches(f: impl Fn() -> Tensor<B, 4>) -> (u64, u64) {
    let both = || {
        let grads = f().sum().backward();
        drop(grads);
        <Wgpu as Backend>::sync(&Default::default()).expect("the device syncs");
    };
    let forward = || {
        let _ = f().sum().into_data();
    };
    both();
    forward();
    let count = |run: &dyn Fn()| counted(run).1.map_or(0, |c| c.launches);
    let all = count(&both);
    let forward = count(&forward);
    (forward, all.saturating_sub(forward))
}

fn row(name: &str, (forward, backward): (u64, u64)) {
    println!(
        "| {name} | {forward} | {backward} | {} |",
        forward + backward
    );
}

fn main() {
    let device = Default::default();
    let x = Tensor::<B, 4>::random(
        [30, 8, 28, 28],
        burn::tensor::Distribution::Default,
        &device,
    )
    .require_grad();
    println!("| piece | forward | backward | both |");
    println!("| --- | --- | --- | --- |");
    row(
        "the input scaled (the baseline of every row)",
        launches(|| x.clone() * 2.0),
    );
    row("batch norm", launches(|| batch_norm(x.clone())));
    let mut rng = SeededRng::new(1);
    for op in [
        Op::MaxPool3x3,
        Op::AvgPool3x3,
        Op::SepConv3x3,
        Op::SepConv5x5,
        Op::DilConv3x3,
        Op::DilConv5x5,
    ] {
        let mut init = Init {
            sigma: 0.01,
            rng: &mut rng,
            affine_norm: false,
        };
        let Some(m) = CandidateOp::<B>::new(op, 8, 1, true, &mut init, &device) else {
            continue;
        };
        for mode in [WeightMode::Sample, WeightMode::Mean] {
            let name = format!("{op:?}, {mode:?} weights");
            row(
                &name,
                launches(|| m.forward(x.clone(), &mut WeightSampler::new(mode, 3))),
            );
        }
    }
    let z = Tensor::<B, 2>::random([14, 8], burn::tensor::Distribution::Default, &device)
        .require_grad();
    let columns: Vec<usize> = (1..8).collect();
    let terms = || (1..8).map(|k| x.clone() * k as f64).collect::<Vec<_>>();
    row(
        "7 scaled inputs added (the baseline of the next row)",
        launches(|| terms().into_iter().reduce(|a, b| a + b).expect("terms")),
    );
    row(
        "the weighted sum of 7 scaled inputs",
        launches(|| weighted_sum(&z, 3, &columns, terms()).expect("terms")),
    );
}
