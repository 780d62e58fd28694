//! The best-validation checkpoint: recorded at every checkpoint, kept past pruning, loaded by
//! `use_checkpoint`, and reproduced by adapting the loaded learner to the validation tasks
//! again.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::tests::SMALL_REGRESSION;
use super::*;
use crate::data::tests::temp_dir;

fn config(edits: &[(&str, &str)]) -> RunConfig {
    let mut text = SMALL_REGRESSION.to_string();
    for (old, new) in edits {
        assert!(text.contains(old), "{old}");
        text = text.replace(old, new);
    }
    RunConfig::parse(&text, Path::new("test.toml"), Path::new(".")).unwrap()
}

fn train(path: &Path, config: RunConfig, steps: usize) {
    let mut s = Session::create(path, config, BackendKind::Cpu, false, None).unwrap();
    s.train(steps, &AtomicBool::new(false), |_| {}).unwrap();
}

fn read(path: &Path) -> Session {
    Session::open(path, BackendKind::Cpu, true, None).unwrap()
}

/// A learning rate high enough that the validation MSE does not fall monotonically, so that
/// the best checkpoint is not the last (checked, not assumed).
const NOISY: (&str, &str) = ("lr_weights = 0.01", "lr_weights = 0.05");

#[test]
fn the_best_validation_checkpoint_is_kept_loaded_and_reproduced() {
    let tmp = temp_dir("best-ckpt");
    let path = tmp.path().join("r");
    let steps = 16;
    train(
        &path,
        config(&[
            NOISY,
            (
                "checkpoint_every = 2",
                "checkpoint_every = 2\nkeep_checkpoints = 1",
            ),
        ]),
        steps,
    );
    let mut s = read(&path);
    let records = s.validation_records().unwrap();
    let at: Vec<usize> = records.iter().map(|r| r.step).collect();
    assert_eq!(at, (0..=steps).step_by(2).collect::<Vec<_>>());
    assert!(records.iter().all(|r| r.metric == "mse" && r.tasks == 3));
    let best = best_validation(&records).unwrap().clone();
    let lowest = records
        .iter()
        .filter_map(|r| r.mean)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.mean, Some(lowest));
    assert_ne!(
        best.step, steps,
        "the best checkpoint should not be the last here: {records:?}"
    );
    // Pruning keeps the newest checkpoint and the best one, nothing else.
    assert_eq!(s.dir.checkpoints().steps().unwrap(), vec![best.step, steps]);

    let used = s.use_checkpoint(CheckpointChoice::Best).unwrap();
    assert_eq!((used.step, used.last_step), (best.step, steps));
    assert_eq!(used.note, None);
    assert_eq!(s.steps_done(), best.step);
    // Adapting the loaded learner to the validation tasks again gives the recorded result.
    assert_eq!(s.validate(best.step).unwrap().as_ref(), Some(&best));

    let mut s = read(&path);
    let used = s.use_checkpoint(CheckpointChoice::Last).unwrap();
    assert_eq!((used.step, s.steps_done()), (steps, steps));
    assert_eq!(used.validation.as_ref(), records.last());
}

#[test]
fn without_validation_or_with_a_damaged_best_checkpoint_the_last_is_used_and_said() {
    let tmp = temp_dir("no-val");
    let off = tmp.path().join("off");
    train(
        &off,
        config(&[("validation_tasks = 3", "validation_tasks = 0")]),
        4,
    );
    let mut s = read(&off);
    assert!(s.validation_records().unwrap().is_empty());
    let used = s.use_checkpoint(CheckpointChoice::Best).unwrap();
    assert_eq!(used.step, 4);
    let note = used.note.unwrap();
    assert!(note.contains("training.validation_tasks = 0"), "{note}");

    let damaged = tmp.path().join("damaged");
    train(&damaged, config(&[NOISY]), 16);
    let s = read(&damaged);
    let best = best_validation(&s.validation_records().unwrap())
        .unwrap()
        .step;
    assert_ne!(best, 16);
    let file = s.dir.checkpoints().path(best);
    let mut bytes = std::fs::read(&file).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let mut s = read(&damaged);
    let used = s.use_checkpoint(CheckpointChoice::Best).unwrap();
    assert_eq!((used.step, s.steps_done()), (16, 16));
    let note = used.note.unwrap();
    assert!(
        note.contains(&format!("step {best}")) && note.contains("checksum"),
        "{note}"
    );
}

#[test]
fn a_session_that_trains_does_not_load_an_older_checkpoint() {
    let tmp = temp_dir("writer-best");
    let path = tmp.path().join("r");
    let mut s = Session::create(&path, config(&[]), BackendKind::Cpu, false, None).unwrap();
    let e = s
        .use_checkpoint(CheckpointChoice::Best)
        .unwrap_err()
        .to_string();
    assert!(e.contains("open to train"), "{e}");
}

/// A mean that serde_json's default float parser reads back one unit in the last place off
/// (seen as a validation record that no longer equalled its recomputation): with the
/// `float_roundtrip` feature every f64 reads back as written.
#[test]
fn validation_means_read_back_as_written() {
    let mean = (84.89649963378906f64 + 172.15806579589844 + 98.12623596191406) / 3.0;
    for v in [mean, 118.39360046386719, 0.1, 1e-300, f64::MAX] {
        let text = serde_json::to_string(&v).unwrap();
        let back: f64 = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{v} written as {text}");
    }
}
