//! The tasks of a meta-batch spread over two CPU devices, combined with Burn's collective
//! all-reduce, give the update of one device: for every learner, each meta-step equals the
//! single-device step from the same state up to the order of f32 additions.
//!
//! A test binary of its own: Burn's collective server is one per process and backend.

use std::sync::Mutex;

use metanas_core::learners::LearnerError;
use metanas_core::run::{build_learner, BackendKind, Compute, RunConfig};

mod small_run;
use small_run::meta_batch;

/// Every learner: both meta-updates (interpolation and Adam on meta-gradients), M-NAS.
const LEARNERS: [&str; 5] = [
    "kind = \"base\"\ninner_steps = 2",
    "kind = \"base_few_shot\"\ninner_steps = 2",
    "kind = \"maml\"\ninner_steps = 2\nouter_lr = 0.01",
    "kind = \"reptile\"\ninner_steps = 2",
    "kind = \"mnas\"\ninner_steps = 2\nembed_dim = 8\ntask_dim = 8\ncontroller_hidden = 8",
];

/// Burn's collective takes one group of devices per process at a time: the tests take turns.
static ONE_GROUP: Mutex<()> = Mutex::new(());

fn config(learner: &str) -> RunConfig {
    small_run::config(5, learner, 5)
}

fn two_cpus() -> Compute {
    Compute {
        backend: BackendKind::Cpu,
        devices: 2,
        cluster: None,
    }
}

/// Largest difference between two parameter vectors, and the largest magnitude.
fn gap(a: &[f32], b: &[f32]) -> (f32, f32) {
    assert_eq!(a.len(), b.len());
    let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
    let worst = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    (worst, scale)
}

/// Each meta-step on two devices equals the one-device step from the same state. Each step
/// is compared from the same starting point: these inner loops amplify a difference in the
/// last bit (the sums are added in another order) by up to 10^5 within one meta-step
/// (measured: Reptile with 10 inner steps, 1e-7 before the step, 1.5e-2 after it, on one
/// device alone), so comparing whole trajectories would test chaos, not the all-reduce.
#[test]
fn two_devices_give_the_single_device_update() {
    let _turn = ONE_GROUP.lock().unwrap_or_else(|e| e.into_inner());
    for text in LEARNERS {
        let config = config(text);
        let name = config.learner.name();
        let mut two = build_learner(&config, two_cpus()).unwrap();
        let mut state: Option<Vec<u8>> = None;
        for step in 0..2 {
            let mut one = build_learner(&config, BackendKind::Cpu).unwrap();
            if let Some(bytes) = &state {
                one.load_state_bytes(bytes).unwrap();
            }
            let before = one.parameter_values();
            assert_eq!(before, two.parameter_values(), "{name}: same start");
            let batch = meta_batch(&config, step);
            let a = one.meta_step(&batch).unwrap();
            let b = two.meta_step(&batch).unwrap();
            assert_eq!(a.step, b.step);
            assert!(
                (a.loss - b.loss).abs() <= 1e-6 * a.loss.abs(),
                "{name} step {step}: loss {} on one device, {} on two",
                a.loss,
                b.loss
            );
            let (worst, scale) = gap(&one.parameter_values(), &two.parameter_values());
            // Measured: a few f32 ulps of the largest parameter; a task lost, doubled or
            // taken from the wrong device moves the parameters by orders of magnitude more.
            assert!(
                worst <= 1e-6 * scale,
                "{name} step {step}: two devices differ from one by {worst} (largest {scale})"
            );
            let (moved, _) = gap(&before, &one.parameter_values());
            assert!(
                moved > 1e-4 * scale,
                "{name} step {step}: the step moved nothing"
            );
            // The next step starts both from the two-device learner's state.
            state = Some(two.state_bytes().unwrap());
            two = {
                drop(two);
                let mut fresh = build_learner(&config, two_cpus()).unwrap();
                fresh.load_state_bytes(state.as_ref().unwrap()).unwrap();
                fresh
            };
        }
    }
}

#[test]
fn a_failing_task_fails_the_step_on_every_device_and_the_next_step_runs() {
    let _turn = ONE_GROUP.lock().unwrap_or_else(|e| e.into_inner());
    let config = config(LEARNERS[4]);
    let mut two = build_learner(&config, two_cpus()).unwrap();
    // A second multi-device learner in the same process is refused while this one lives.
    let err = build_learner(&config, two_cpus()).err().unwrap();
    assert!(
        err.to_string().contains("another multi-device learner"),
        "{err}"
    );
    let mut bad = meta_batch(&config, 0);
    bad[1].input_shape = vec![7];
    match two.meta_step(&bad) {
        Err(LearnerError::Task(msg)) => {
            assert!(msg.contains('7') || msg.contains("shape"), "{msg}")
        }
        other => panic!("expected a task error, got {other:?}"),
    }
    assert_eq!(two.steps_done(), 0, "a failed step changes nothing");
    let report = two.meta_step(&meta_batch(&config, 1)).unwrap();
    assert_eq!(report.step, 1);
}
