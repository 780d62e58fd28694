//! Tasks of a meta-batch on several threads give the bits of one thread, also while other
//! threads of the process run backward passes of their own (burn issue #5573: Burn 0.21's
//! backward frees unreferenced graph steps of every thread, and `cat` let go of its inputs
//! too early). Without the `float_cat` change of the patched burn-autodiff
//! (`patches/burn-autodiff/PATCH.md`), BASE's first threaded meta-step already differs;
//! without its cleanup change, these tests hang.

use std::sync::atomic::{AtomicBool, Ordering};

use burn::backend::Autodiff;
use burn::prelude::*;

use super::*;
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::tasks::RegressionTasks;
use crate::CpuBackend;

type AD = Autodiff<CpuBackend>;

fn space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.channels = 8;
    space
}

/// Parameter values after each of `steps` meta-steps of 4 regression tasks.
fn trajectory(mut learner: impl MetaLearner, steps: u64) -> Vec<Vec<f32>> {
    let tasks = RegressionTasks::default();
    (0..steps)
        .map(|step| {
            let mut rng = SeededRng::new(step);
            let batch: Vec<_> = (0..4).map(|_| tasks.sample(&mut rng)).collect();
            learner.meta_step(&batch).expect("a finite meta-step");
            learner.parameter_values()
        })
        .collect()
}

/// `make(threads)`'s trajectory with the tasks 4 at a time, three runs side by side while two
/// more threads run backward passes without pause, equals the one-thread trajectory.
fn threads_change_no_bit<L: MetaLearner>(make: impl Fn(usize) -> L + Sync, steps: u64) {
    let alone = trajectory(make(1), steps);
    let done = AtomicBool::new(false);
    let threaded = std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    let x = Tensor::<AD, 1>::ones([4], &Default::default()).require_grad();
                    let _ = (x.clone() * x).sum().backward();
                }
            });
        }
        let runs: Vec<_> = (0..3)
            .map(|_| s.spawn(|| trajectory(make(4), steps)))
            .collect();
        let runs: Vec<_> = runs.into_iter().map(|t| t.join()).collect();
        done.store(true, Ordering::Relaxed);
        runs
    });
    for (run, t) in threaded.into_iter().enumerate() {
        let t = t.expect("a run without panics");
        for (step, (a, b)) in alone.iter().zip(&t).enumerate() {
            assert!(
                a == b,
                "run {run} differs from one thread after meta-step {}",
                step + 1
            );
        }
    }
}

#[test]
fn base_tasks_on_four_threads_give_the_bits_of_one() {
    threads_change_no_bit(
        |threads| {
            let config = BaseConfig {
                inner_steps: 3,
                kl_scale: 0.1,
                threads,
                ..Default::default()
            };
            GradientLearner::<AD>::new(space(), Plan::base(&config), Default::default())
                .expect("a learner")
        },
        12,
    );
}

#[test]
fn exact_second_order_maml_tasks_on_four_threads_give_the_bits_of_one() {
    threads_change_no_bit(
        |threads| {
            let config = MamlConfig {
                inner_steps: 2,
                meta_gradient: MetaGradient::Exact,
                threads,
                ..Default::default()
            };
            let plan = Plan::maml(&config).expect("a valid MAML config");
            GradientLearner::<AD>::new(space(), plan, Default::default()).expect("a learner")
        },
        6,
    );
}

#[test]
fn mnas_tasks_on_four_threads_give_the_bits_of_one() {
    threads_change_no_bit(
        |threads| {
            let config = MnasConfig {
                inner_steps: 2,
                threads,
                ..Default::default()
            };
            MnasLearner::<AD>::new(space(), config, Default::default()).expect("a learner")
        },
        6,
    );
}
