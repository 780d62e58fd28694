//! Seconds per meta-step and peak memory of second-order MAML by meta-gradient method, side
//! by side: exact (nested autodiff), finite-difference Hessian-vector products, and first
//! order for reference; in the Omniglot tables' space (`scripts/omniglot_table.sh`: 6 ops —
//! none, skip, max/avg pool 3x3, sep/dil conv 3x3 — 2-node cells, one normal then one
//! reduction cell, 8 channels (stem 2x8), 28x28 grey) and in the same space without its
//! pooling ops; 5-way 1-shot with 5 queries per class (bundled digits), 4 tasks per
//! meta-batch, 5 inner steps. This is what `meta_gradient = "auto"` chooses between.
//!
//! Run: `cargo bench -p metanas-core --bench second_order` (add `-- 3` for 3 timed steps;
//! default 2). Each method runs in a child process of its own, so that peak memory is its own.

use std::process::Command;
use std::time::Instant;

use burn::backend::Autodiff;
use metanas_core::learners::{GradientLearner, MamlConfig, MetaGradient, MetaLearner, Plan};
use metanas_core::space::{CellKind, Op, SearchSpace};
use metanas_core::CpuBackend;

mod common;
use common::{digit_batches, peak_rss_mb};

const METHODS: [(&str, MetaGradient); 3] = [
    ("exact", MetaGradient::Exact),
    ("finite_difference", MetaGradient::FiniteDifference),
    ("first_order", MetaGradient::FirstOrder),
];

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: skip the timing.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench`");
        return;
    }
    let timed: usize = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2);
    let value = |flag: &str| {
        let i = args.iter().position(|a| a == flag)?;
        args.get(i + 1).cloned()
    };
    if let Some(name) = value("--method") {
        let pooling = value("--space").as_deref() != Some("no_pooling");
        match METHODS.iter().find(|(n, _)| *n == name) {
            Some((_, mode)) => one(*mode, pooling, timed),
            None => eprintln!("unknown method `{name}`"),
        }
        return;
    }
    println!(
        "second-order MAML, Omniglot tables' space (normal + reduce, 2 nodes, C=8), 28x28 grey,"
    );
    println!("5-way 1-shot + 5 queries, 4 tasks per meta-batch, 5 inner steps; CPU (ndarray), mean of {timed} meta-steps");
    println!("| space | meta_gradient | seconds per meta-step | peak memory MB |");
    println!("| --- | --- | --- | --- |");
    let exe = std::env::current_exe().expect("the bench binary");
    for space in ["pooling", "no_pooling"] {
        for (name, _) in METHODS {
            let out = Command::new(&exe)
                .args(["--bench", "--method", name, "--space", space])
                .arg(timed.to_string())
                .output()
                .expect("child bench");
            let text = String::from_utf8_lossy(&out.stdout);
            match text.lines().last() {
                Some(line) if out.status.success() => println!("| {space} {line}"),
                _ => println!(
                    "| {space} | {name} | failed: {} | |",
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                ),
            }
        }
    }
}

/// One method: a warm-up meta-step, then `timed` timed ones; prints its table row.
fn one(mode: MetaGradient, pooling: bool, timed: usize) {
    let mut space = SearchSpace::default_image();
    space.ops = vec![
        Op::None,
        Op::SkipConnect,
        Op::MaxPool3x3,
        Op::AvgPool3x3,
        Op::SepConv3x3,
        Op::DilConv3x3,
    ];
    if !pooling {
        space
            .ops
            .retain(|op| !matches!(op, Op::MaxPool3x3 | Op::AvgPool3x3));
    }
    space.nodes = 2;
    space.channels = 8;
    space.stem_multiplier = 2;
    space.cells = vec![CellKind::Normal, CellKind::Reduce];
    space.validate().expect("bench space");
    let config = MamlConfig {
        inner_steps: 5,
        lr_weights: 0.1,
        meta_gradient: mode,
        ..Default::default()
    };
    let plan = Plan::maml(&config).expect("MAML plan");
    let batches = digit_batches(&space, timed + 1);
    let mut learner = GradientLearner::<Autodiff<CpuBackend>>::new(space, plan, Default::default())
        .expect("the space fits MAML");
    learner.meta_step(&batches[0]).expect("warm-up meta-step");
    let start = Instant::now();
    for b in &batches[1..] {
        learner.meta_step(b).expect("meta-step");
    }
    let secs = start.elapsed().as_secs_f64() / timed as f64;
    let mb = peak_rss_mb().map_or("?".into(), |mb| format!("{mb:.0}"));
    let name = METHODS
        .iter()
        .find(|(_, m)| *m == mode)
        .map_or("?", |m| m.0);
    println!("| {name} | {secs:.2} | {mb} |");
}
