//! The engine's plans beyond BASE: MAML and Reptile state, fixed architectures, refusals.

use burn::backend::Autodiff;

use super::*;
use crate::genotype::Genotype;
use crate::rng::SeededRng;
use crate::space::{Op, SearchSpace};
use crate::tasks::RegressionTasks;
use crate::CpuBackend;

type AD = Autodiff<CpuBackend>;

fn small_space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.channels = 8;
    space
}

fn batch(seed: u64) -> Vec<crate::tasks::Episode> {
    let tasks = RegressionTasks::default();
    let mut rng = SeededRng::new(seed);
    (0..2).map(|_| tasks.sample(&mut rng)).collect()
}

#[test]
fn maml_resumes_bit_identically_with_its_optimiser_state() {
    let plan = Plan::maml(&MamlConfig::default()).unwrap();
    let make =
        || GradientLearner::<AD>::new(small_space(), plan.clone(), Default::default()).unwrap();
    let mut a = make();
    a.meta_step(&batch(1)).unwrap();
    a.meta_step(&batch(2)).unwrap();
    let saved = a.state_bytes().unwrap();
    a.meta_step(&batch(3)).unwrap();
    let mut b = make();
    b.load_state_bytes(&saved).unwrap();
    assert_eq!(b.steps_done(), 2);
    b.meta_step(&batch(3)).unwrap();
    // Adam's moments travel with the state: without them the third step would differ.
    assert_eq!(a.parameter_values(), b.parameter_values());
    let mut c = make();
    let mut no_moments = saved.clone();
    let adam_len = u64::from_le_bytes(saved[8..16].try_into().unwrap()) as usize;
    no_moments.drain(16..16 + adam_len);
    no_moments[8..16].copy_from_slice(&0u64.to_le_bytes());
    assert!(
        c.load_state_bytes(&no_moments).is_err(),
        "an empty optimiser state is refused"
    );
    assert!(c.load_state_bytes(&saved[..12]).is_err());
}

#[test]
fn maml_and_reptile_leave_the_architecture_alone() {
    for plan in [
        Plan::maml(&MamlConfig::default()).unwrap(),
        Plan::reptile(&ReptileConfig::default()).unwrap(),
    ] {
        let mut learner =
            GradientLearner::<AD>::new(small_space(), plan, Default::default()).unwrap();
        let before = learner.arch_probabilities();
        let weights = learner.parameter_values();
        let report = learner.meta_step(&batch(4)).unwrap();
        assert_eq!(report.temperature, None);
        assert_eq!(learner.arch_probabilities(), before, "{}", learner.name());
        assert_ne!(learner.parameter_values(), weights, "{}", learner.name());
        // Logits start at zero: the uniform mixture over the 3 ops of each edge.
        assert!(before
            .flatten()
            .iter()
            .all(|p| (p - 1.0 / 3.0).abs() < 1e-6));
        let a = learner.adapt(&batch(5)[0], 2, 0).unwrap();
        assert_eq!(a.arch_history[0], a.arch_history[2]);
    }
}

#[test]
fn a_fixed_architecture_trains_the_genotype_network_and_reports_it() {
    let space = small_space();
    let genotype = Genotype {
        normal: vec![
            (Op::Linear, 0),
            (Op::SkipConnect, 1),
            (Op::Linear, 2),
            (Op::Linear, 0),
            (Op::Linear, 3),
            (Op::SkipConnect, 2),
        ],
        normal_concat: vec![2, 3, 4],
        reduce: Vec::new(),
        reduce_concat: Vec::new(),
    };
    let config = MamlConfig {
        architecture: Architecture::Genotype(genotype.clone()),
        ..Default::default()
    };
    let plan = Plan::maml(&config).unwrap();
    let mut fixed =
        GradientLearner::<AD>::new(space.clone(), plan.clone(), Default::default()).unwrap();
    let supernet = GradientLearner::<AD>::new(
        space.clone(),
        Plan::maml(&MamlConfig::default()).unwrap(),
        Default::default(),
    )
    .unwrap();
    assert!(fixed.parameter_values().len() < supernet.parameter_values().len());
    fixed.meta_step(&batch(6)).unwrap();
    let a = fixed.adapt(&batch(7)[0], 3, 0).unwrap();
    assert_eq!(a.genotype, genotype);
    assert!(a.per_step.iter().all(|m| m.mse.is_some_and(f64::is_finite)));

    // A genotype that uses an op the space lacks is refused, not built.
    let mut wrong = genotype;
    wrong.normal[0].0 = Op::SepConv3x3;
    let config = MamlConfig {
        architecture: Architecture::Genotype(wrong),
        ..Default::default()
    };
    let err = GradientLearner::<AD>::new(space, Plan::maml(&config).unwrap(), Default::default())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("fixed architecture"), "{err}");
}

#[test]
fn exact_second_order_runs_in_spaces_with_pooling() {
    // Its gradient against central differences: core/tests/meta_gradient.rs.
    let mut space = SearchSpace::default_image();
    space.ops = vec![Op::None, Op::MaxPool3x3, Op::AvgPool3x3, Op::SepConv3x3];
    space.nodes = 1;
    space.channels = 2;
    space.stem_multiplier = 1;
    space.cells = vec![crate::space::CellKind::Normal];
    space.num_outputs = 2;
    space.inputs[0].height = 6;
    space.inputs[0].width = 6;
    space.validate().unwrap();
    let config = MamlConfig {
        meta_gradient: MetaGradient::Exact,
        inner_steps: 2,
        ..Default::default()
    };
    let mut learner =
        GradientLearner::<AD>::new(space, Plan::maml(&config).unwrap(), Default::default())
            .unwrap();
    let mut rng = SeededRng::new(3);
    let mut images = |n: usize| crate::tasks::Batch {
        inputs: rng.normal_vec(n * 36),
        targets: crate::tasks::Targets::Classes((0..n).map(|i| i % 2).collect()),
        sample_ids: Vec::new(),
    };
    let task = crate::tasks::Episode {
        source: 0,
        source_name: "grey6".into(),
        input_shape: vec![1, 6, 6],
        classes: vec![0, 1],
        support: images(4),
        query: images(4),
        function: None,
    };
    let before = learner.parameter_values();
    let report = learner.meta_step(&[task]).unwrap();
    assert!(report.loss.is_finite());
    assert_ne!(learner.parameter_values(), before);
}
