//! The CPU backend's own loops (depthwise convolution, pooling, batch norm, the mixed ops'
//! weighted sums) against the tensor-op versions on a whole image network: one BASE meta-step
//! and one adaptation give the same loss and the same adapted weights either way (up to
//! rounding).

use burn::backend::Autodiff;

use super::*;
use crate::nn::cpu_kernel::without_kernels;
use crate::rng::SeededRng;
use crate::run::{TaskDistribution, BUNDLED_DIGITS};
use crate::space::{CellKind, Op, SearchSpace};
use crate::tasks::{EpisodeSpec, Split};
use crate::CpuBackend;

type AD = Autodiff<CpuBackend>;

#[test]
fn a_base_meta_step_and_adaptation_agree_with_and_without_the_cpu_loops() {
    let mut space = SearchSpace::default_image();
    space.ops = Op::darts_set();
    space.cells = vec![CellKind::Normal, CellKind::Reduce];
    space.channels = 4;
    space.validate().expect("space");
    let spec = EpisodeSpec {
        ways: 5,
        shots: 1,
        queries: 2,
    };
    let digits = std::path::Path::new(BUNDLED_DIGITS);
    let tasks = TaskDistribution::from_dataset(&space, digits, "grey28", spec, &mut |_, _, _| {})
        .expect("bundled digits");
    let mut rng = SeededRng::new(3);
    let batch: Vec<_> = (0..2)
        .map(|_| tasks.sample(Split::Train, &mut rng).expect("task"))
        .collect();
    let config = BaseConfig {
        inner_steps: 2,
        ..BaseConfig::default()
    };
    let run = || {
        let mut learner =
            GradientLearner::<AD>::new(space.clone(), Plan::base(&config), Default::default())
                .expect("learner");
        let report = learner.meta_step(&batch).expect("meta-step");
        let adapted = learner.adapt(&batch[0], 2, 9).expect("adapt");
        (report.loss, adapted.weight_sketch)
    };
    let (loss, sketch) = run();
    let (loss_ops, sketch_ops) = without_kernels(run);
    assert!(
        (loss - loss_ops).abs() < 1e-4 * (1.0 + loss_ops.abs()),
        "{loss} vs {loss_ops}"
    );
    assert_eq!(sketch.len(), sketch_ops.len());
    assert!(!sketch.is_empty());
    for (a, b) in sketch.iter().zip(&sketch_ops) {
        assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{a} vs {b}");
    }
}
