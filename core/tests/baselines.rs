//! The baselines of `metanas_core::baselines` with real learners on real data (the bundled
//! UCI digits): the network from scratch is exactly a fresh learner's adaptation with the
//! same task, steps and seed; the meta-features are one row per example, in the task's order.

use std::path::Path;

use metanas_core::baselines::{task_baselines, Baseline, Learners, Pixels};
use metanas_core::learners::HeadInit;
use metanas_core::rng::SeededRng;
use metanas_core::run::{build_learner, metric_value, BackendKind, RunConfig, TaskDistribution};
use metanas_core::tasks::{Batch, Split, Targets};

/// 3-way 2-shot tasks of the bundled digits in the tests' small image space.
fn config_text(learner: &str) -> String {
    let space = include_str!("fixtures/tiny_image_space.toml")
        .replace("num_outputs = 5", "num_outputs = 3");
    format!(
        "seed = 5\n{space}[tasks]\nkind = \"few_shot\"\nways = 3\nshots = 2\nqueries = 3\n\
         [[tasks.datasets]]\npath = \"bundled:uci-digits\"\n[learner]\nkind = \"{learner}\"\n\
         inner_steps = 1\n[training]\nmeta_batch = 2\n"
    )
}

fn setup() -> (RunConfig, TaskDistribution) {
    let config = RunConfig::parse(
        &config_text("base"),
        Path::new("baselines.toml"),
        Path::new("."),
    )
    .unwrap();
    let tasks = TaskDistribution::build(&config.tasks, &config.space, None).unwrap();
    (config, tasks)
}

#[test]
fn from_scratch_is_a_fresh_learners_adaptation_with_the_same_seed() {
    let (config, tasks) = setup();
    let mut meta = build_learner(&config, BackendKind::Cpu).unwrap();
    // The meta-network moves away from the fresh one, so the two differ.
    let batch: Vec<_> = (0..2)
        .map(|i| tasks.sample(Split::Train, &mut SeededRng::new(i)).unwrap())
        .collect();
    meta.meta_step(&batch).unwrap();
    let fresh = build_learner(&config, BackendKind::Cpu).unwrap();
    let task = tasks.sample(Split::Train, &mut SeededRng::new(9)).unwrap();
    let learners = Learners {
        meta: &*meta,
        fresh: &*fresh,
    };
    let scores = task_baselines(&task, &learners, &Pixels::default(), 3, 42).unwrap();
    let keys: Vec<_> = scores.iter().map(|(b, _)| *b).collect();
    assert_eq!(keys, Baseline::CLASSIFICATION);
    let other = build_learner(&config, BackendKind::Cpu).unwrap();
    let expect = metric_value(other.adapt(&task, 3, 42).unwrap().per_step.last().unwrap());
    assert_eq!(Some(scores[2].1), expect);
    for (b, v) in &scores {
        assert!((0.0..=1.0).contains(v), "{b:?} {v}");
    }
}

/// With the query set equal to the support set, nearest class mean on the features of a
/// 1-shot task puts every example at its own class's mean: all right, which only holds when
/// the feature rows and the labels are in the same order.
#[test]
fn meta_features_keep_the_tasks_example_order() {
    let (config, tasks) = setup();
    let meta = build_learner(&config, BackendKind::Cpu).unwrap();
    let mut task = tasks.sample(Split::Train, &mut SeededRng::new(3)).unwrap();
    let one_shot: Vec<usize> = (0..3).map(|c| c * 2).collect();
    task.support = task.support.select(&one_shot);
    // Reversed, so that row order and label order must travel together.
    let reversed: Vec<usize> = (0..3).rev().collect();
    task.query = Batch::select(&task.support, &reversed);
    let f = meta.features(&task, 0).unwrap().unwrap();
    // channels 4, two intermediate nodes concatenated.
    assert_eq!(f.dim, 8);
    assert_eq!(f.support.len(), 3 * 8);
    assert_eq!(f.query.len(), 3 * 8);
    // Batch statistics over the same three images (in another order): equal up to rounding.
    for (q, s) in f.query[..8].iter().zip(&f.support[16..]) {
        assert!((q - s).abs() <= 1e-5 * s.abs().max(1.0), "{q} {s}");
    }
    let learners = Learners {
        meta: &*meta,
        fresh: &*meta,
    };
    let scores = task_baselines(&task, &learners, &Pixels::default(), 0, 0).unwrap();
    assert_eq!(scores[3], (Baseline::NearestMeanFeatures, 1.0));
    assert_eq!(scores[0], (Baseline::NearestMeanPixels, 1.0));
}

/// Proto-MAML's head ranks classes as nearest class mean does on the same features, so before
/// any step the adapted network's query accuracy is the meta-features baseline's, task by
/// task (computed on the host in f64 there, through the network's head here); BASE and M-NAS.
#[test]
fn the_prototype_head_starts_at_the_meta_features_nearest_class_mean() {
    let (config, tasks) = setup();
    let mnas =
        RunConfig::parse(&config_text("mnas"), Path::new("mnas.toml"), Path::new(".")).unwrap();
    for config in [config, mnas] {
        let mut learner = build_learner(&config, BackendKind::Cpu).unwrap();
        assert_eq!(learner.head_init(), HeadInit::Meta);
        learner.set_head_init(HeadInit::Prototypes);
        let mut moved = 0;
        for i in 0..4 {
            let task = tasks
                .sample(Split::Train, &mut SeededRng::new(20 + i))
                .unwrap();
            let learners = Learners {
                meta: &*learner,
                fresh: &*learner,
            };
            let scores = task_baselines(&task, &learners, &Pixels::default(), 0, i).unwrap();
            let a = learner.adapt(&task, 1, i).unwrap();
            assert_eq!(
                metric_value(&a.per_step[0]),
                Some(scores[3].1),
                "{} task {i}",
                learner.name()
            );
            let meta_head = {
                let mut plain = build_learner(&config, BackendKind::Cpu).unwrap();
                plain.set_head_init(HeadInit::Meta);
                metric_value(&plain.adapt(&task, 0, i).unwrap().per_step[0])
            };
            moved += usize::from(meta_head != Some(scores[3].1));
        }
        // The meta-network's own (random) head ranks classes otherwise on most tasks.
        assert!(moved >= 2, "{}", learner.name());
    }
}

/// On regression tasks the support mean, the least-squares line and the network from
/// scratch apply, in that order. A task of the linear family is a noise-free line, so the
/// least-squares line predicts its query points exactly (to f32 rounding of the targets),
/// and the support mean's MSE is the spread of the query targets around the support's mean.
#[test]
fn regression_tasks_get_the_support_mean_and_the_least_squares_line() {
    let text = concat!(
        "seed = 2\n",
        include_str!("fixtures/small_vector_space.toml"),
        "[tasks]\nkind = \"regression\"\nfamilies = [\"linear\"]\nshots = 5\nqueries = 20\n",
        "[learner]\nkind = \"maml\"\ninner_steps = 1\n[training]\nmeta_batch = 2\n"
    );
    let config = RunConfig::parse(text, Path::new("reg.toml"), Path::new(".")).unwrap();
    let tasks = TaskDistribution::build(&config.tasks, &config.space, None).unwrap();
    let learner = build_learner(&config, BackendKind::Cpu).unwrap();
    let learners = Learners {
        meta: &*learner,
        fresh: &*learner,
    };
    let task = tasks.sample(Split::Test, &mut SeededRng::new(4)).unwrap();
    let scores = task_baselines(&task, &learners, &Pixels::default(), 2, 7).unwrap();
    let keys: Vec<_> = scores.iter().map(|(b, _)| *b).collect();
    assert_eq!(keys, Baseline::REGRESSION);
    let (Targets::Values(s), Targets::Values(q)) = (&task.support.targets, &task.query.targets)
    else {
        panic!("regression targets expected");
    };
    let mean = s.iter().map(|&v| v as f64).sum::<f64>() / s.len() as f64;
    let spread = q.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / q.len() as f64;
    assert!((scores[0].1 - spread).abs() < 1e-9 * spread.max(1.0));
    assert!(scores[1].1 < 1e-6, "{}", scores[1].1);
    assert!(spread > 0.1, "a line with a slope: {spread}");
}
