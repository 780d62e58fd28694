//! A stop request ends a meta-step between inner steps and leaves the learner as it was: the
//! process-wide request is tested in its own test binary so that it cannot stop other tests.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use metanas_core::interrupt;
use metanas_core::learners::LearnerError;
use metanas_core::run::{stream_rng, BackendKind, RunConfig, SeedStream, Session, TrainEnd};
use metanas_core::tasks::Split;

const CONFIG: &str = concat!(
    "seed = 3\n",
    include_str!("fixtures/small_vector_space.toml"),
    r#"
[tasks]
kind = "regression"
shots = 5
queries = 10

[learner]
kind = "maml"
inner_steps = 3

[training]
meta_batch = 2
checkpoint_every = 5
snapshot_every = 0
validation_tasks = 3
"#
);

#[test]
fn an_interrupted_meta_step_changes_nothing_and_training_stops_with_a_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("r");
    let config = RunConfig::parse(CONFIG, Path::new("t.toml"), Path::new(".")).unwrap();
    let mut s = Session::create(&path, config, BackendKind::Cpu, false, None).unwrap();
    let never = AtomicBool::new(false);
    assert_eq!(s.train(2, &never, |_| {}).unwrap(), TrainEnd::Done);
    let before = s.learner.parameter_values();
    let mut rng = stream_rng(3, SeedStream::Train, 2);
    let batch: Vec<_> = (0..2)
        .map(|_| s.tasks.sample(Split::Train, &mut rng).unwrap())
        .collect();

    interrupt::request();
    let e = s.learner.meta_step(&batch).unwrap_err();
    assert!(matches!(e, LearnerError::Interrupted), "{e}");
    let task = &batch[0];
    assert!(matches!(
        s.learner.adapt(task, 3, 0),
        Err(LearnerError::Interrupted)
    ));
    // Work of a step already recorded (a training snapshot) finishes despite the request,
    // exactly as without one; the request stays pending for the next check.
    let shielded = interrupt::uninterruptible(|| s.learner.adapt(task, 3, 0)).unwrap();
    assert!(matches!(interrupt::check(), Err(LearnerError::Interrupted)));
    interrupt::clear();
    let plain = s.learner.adapt(task, 3, 0).unwrap();
    assert_eq!(
        format!("{:?}", shielded.per_step),
        format!("{:?}", plain.per_step)
    );
    interrupt::request();
    assert_eq!(s.steps_done(), 2);
    let after = s.learner.parameter_values();
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "an interrupted meta-step changed the parameters"
    );
    assert_eq!(s.train(10, &never, |_| {}).unwrap(), TrainEnd::Stopped);
    assert_eq!(s.steps_done(), 2);

    interrupt::clear();
    assert_eq!(s.train(4, &never, |_| {}).unwrap(), TrainEnd::Done);
    assert_eq!(s.steps_done(), 4);
}
