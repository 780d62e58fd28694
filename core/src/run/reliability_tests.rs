//! One test per defect of the run directory that issue 28 lists: the writer's lock, folders
//! with run files but no manifest, no usable checkpoint, checkpoints that pass their checksum
//! but do not load, divergence in the parameters, edited configs and splits, bounds of every
//! number, and reproducible bytes.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::tests::{small_config, SMALL_REGRESSION};
use super::*;
use crate::data::tests::temp_dir;

fn train(path: &Path, steps: usize) -> Session {
    let mut s = Session::create(path, small_config(), BackendKind::Cpu, false, None).unwrap();
    s.train(steps, &AtomicBool::new(false), |_| {}).unwrap();
    s
}

#[test]
fn a_second_writer_is_refused_while_readers_work() {
    let tmp = temp_dir("lock");
    let path = tmp.path().join("r");
    let s = train(&path, 2);
    let e = Session::open(&path, BackendKind::Cpu, false, None)
        .err()
        .expect("a second writer is refused")
        .to_string();
    assert!(
        e.contains("another metanas process") && e.contains(&format!("PID {}", std::process::id())),
        "{e}"
    );
    let e = Session::create(&path, small_config(), BackendKind::Cpu, true, None)
        .err()
        .expect("--force is refused too")
        .to_string();
    assert!(e.contains("another metanas process"), "{e}");
    // A reader opens the run while it is being written.
    let reader = Session::open(&path, BackendKind::Cpu, true, None).unwrap();
    assert_eq!(reader.steps_done(), 2);
    assert!(!reader.is_writer());
    drop(s);
    let again = Session::open(&path, BackendKind::Cpu, false, None).unwrap();
    assert!(again.is_writer());
}

#[test]
fn run_files_name_every_file_a_trained_run_writes() {
    let tmp = temp_dir("owned");
    let path = tmp.path().join("r");
    drop(train(&path, 2));
    let mut on_disk: Vec<String> = std::fs::read_dir(&path)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .filter(|n| n != super::lock::LOCK_FILE)
        .collect();
    let mut listed = RunDir::run_files(&path);
    assert_eq!(listed[0], "run.json");
    on_disk.sort();
    listed.sort();
    assert_eq!(listed, on_disk);
}

#[test]
fn run_files_without_a_manifest_are_refused_and_force_replaces_them_whole() {
    let tmp = temp_dir("manifest");
    let path = tmp.path().join("r");
    drop(train(&path, 2));
    std::fs::write(path.join("notes.txt"), b"mine").unwrap();
    assert!(std::fs::read_to_string(path.join("validation.jsonl"))
        .unwrap()
        .contains("\"step\":2"));
    std::fs::remove_file(path.join("run.json")).unwrap();
    let before = std::fs::read(path.join("metrics.jsonl")).unwrap();
    for e in [
        Session::create(&path, small_config(), BackendKind::Cpu, false, None).err(),
        Session::open(&path, BackendKind::Cpu, false, None).err(),
    ] {
        let e = e.expect("refused").to_string();
        assert!(
            e.contains("no run.json") && e.contains("metrics.jsonl") && e.contains("--force"),
            "{e}"
        );
    }
    assert_eq!(std::fs::read(path.join("metrics.jsonl")).unwrap(), before);
    let s = Session::create(&path, small_config(), BackendKind::Cpu, true, None).unwrap();
    // The old history is gone entirely, the user's own file stays.
    assert_eq!(
        s.dir
            .metrics()
            .read::<MetricRecord>()
            .unwrap()
            .records
            .len(),
        0
    );
    assert_eq!(s.dir.checkpoints().steps().unwrap(), vec![0]);
    // Nor is the old validation history carried over into the new run.
    let validated: Vec<usize> = s
        .validation_records()
        .unwrap()
        .iter()
        .map(|r| r.step)
        .collect();
    assert!(validated.iter().all(|&step| step == 0), "{validated:?}");
    assert_eq!(std::fs::read(path.join("notes.txt")).unwrap(), b"mine");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("r")]);
}

#[test]
fn no_usable_checkpoint_is_an_error_that_keeps_the_evidence() {
    let tmp = temp_dir("nockpt");
    let path = tmp.path().join("r");
    drop(train(&path, 4));
    let ck = RunDir::open(&path).unwrap().0.checkpoints();
    let steps = ck.steps().unwrap();
    assert_eq!(steps, vec![0, 2, 4]);
    for &s in &steps {
        let p = ck.path(s);
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    }
    let metrics = std::fs::read(path.join("metrics.jsonl")).unwrap();
    let e = Session::open(&path, BackendKind::Cpu, false, None)
        .err()
        .expect("no usable checkpoint")
        .to_string();
    assert!(
        e.contains("no usable checkpoint") && e.contains("truncated") && e.contains("--force"),
        "{e}"
    );
    // Nothing was truncated or overwritten; the damaged files are kept under a new name.
    assert_eq!(std::fs::read(path.join("metrics.jsonl")).unwrap(), metrics);
    assert!(ck.steps().unwrap().is_empty());
    for s in steps {
        let mut name = ck.path(s).into_os_string();
        name.push(".damaged");
        assert!(Path::new(&name).is_file());
    }
    // The checkpoints folder deleted: the same error, never a silent restart.
    std::fs::remove_dir_all(ck.dir()).unwrap();
    let e = Session::open(&path, BackendKind::Cpu, false, None)
        .err()
        .expect("no checkpoint")
        .to_string();
    assert!(e.contains("holds no checkpoint files"), "{e}");
}

#[test]
fn a_checkpoint_that_passes_its_checksum_but_does_not_load_falls_back() {
    let tmp = temp_dir("badload");
    let path = tmp.path().join("r");
    drop(train(&path, 4));
    let ck = RunDir::open(&path).unwrap().0.checkpoints();
    // A valid header and checksum around a payload that is not a learner state.
    std::fs::write(ck.path(4), encode_checkpoint(4, b"not a learner state")).unwrap();
    let s = Session::open(&path, BackendKind::Cpu, false, None).unwrap();
    assert_eq!(s.steps_done(), 2);
    assert!(
        s.warnings.iter().any(|w| w.contains("cannot restore")),
        "{:?}",
        s.warnings
    );
    assert_eq!(ck.steps().unwrap(), vec![0, 2]);
}

#[test]
fn parameters_that_overflow_stop_training_and_are_never_checkpointed() {
    let tmp = temp_dir("overflow");
    let path = tmp.path().join("r");
    // λ = 1e38 sends W to infinity in the first update while that step's loss is finite.
    let text = SMALL_REGRESSION.replace("lr_weights = 0.01", "lr_weights = 0.01\nmeta_lr = 1e38");
    let config = RunConfig::parse(&text, Path::new("t.toml"), Path::new(".")).unwrap();
    let mut s = Session::create(&path, config, BackendKind::Cpu, false, None).unwrap();
    let e = s
        .train(6, &AtomicBool::new(false), |_| {})
        .expect_err("training stops");
    assert!(
        matches!(
            e,
            RunError::Learner(crate::learners::LearnerError::NonFiniteParameters { .. })
                | RunError::Learner(crate::learners::LearnerError::Diverged { .. })
        ),
        "{e}"
    );
    assert!(!e.is_bad_input());
    assert!(s.checkpoint().is_err(), "a diverged state is never written");
    drop(s);
    let ck = RunDir::open(&path).unwrap().0.checkpoints();
    for step in ck.steps().unwrap() {
        let mut learner = build_learner(&RunDir::open(&path).unwrap().2, BackendKind::Cpu).unwrap();
        learner.load_state_bytes(&ck.read(step).unwrap()).unwrap();
        assert!(learner.parameter_values().iter().all(|v| v.is_finite()));
    }
    let r = Session::open(&path, BackendKind::Cpu, true, None).unwrap();
    assert!(r.learner.parameter_values().iter().all(|v| v.is_finite()));
}

#[test]
fn an_edited_config_or_split_is_refused_on_resume() {
    let tmp = temp_dir("edited");
    let path = tmp.path().join("r");
    drop(train(&path, 2));
    let config_path = path.join("config.toml");
    let original = std::fs::read_to_string(&config_path).unwrap();
    // A longer schedule is the same run.
    std::fs::write(
        &config_path,
        original.replace("max_steps = 1000", "max_steps = 2000"),
    )
    .unwrap();
    let s = Session::open(&path, BackendKind::Cpu, false, None).unwrap();
    assert_eq!(s.config.training.max_steps, 2000);
    drop(s);
    std::fs::write(
        &config_path,
        original.replace("meta_batch = 2", "meta_batch = 3"),
    )
    .unwrap();
    let e = Session::open(&path, BackendKind::Cpu, false, None)
        .err()
        .expect("a changed meta-batch is another run")
        .to_string();
    assert!(
        e.contains("training.meta_batch") && e.contains("edited"),
        "{e}"
    );
    std::fs::write(&config_path, &original).unwrap();
    // split.json of a few-shot run is compared with the split the datasets give now.
    let (dir, _) = (RunDir::open(&path).unwrap().0, ());
    std::fs::write(
        dir.split_path(),
        r#"[["digits", {"train": [0], "val": [], "test": [1]}]]"#,
    )
    .unwrap();
    let e = Session::open(&path, BackendKind::Cpu, true, None)
        .err()
        .expect("a changed split is refused")
        .to_string();
    assert!(e.contains("split.json") && e.contains("class split"), "{e}");
}

#[test]
fn every_number_has_a_range_and_the_error_names_the_field() {
    let name = Path::new("cfg.toml");
    let cases: [(&str, &str, &str); 14] = [
        ("shots = 5", "shots = 1000000000", "tasks.shots"),
        ("queries = 20", "queries = 1000000000", "tasks.queries"),
        ("meta_batch = 2", "meta_batch = 1000000000", "training.meta_batch"),
        ("snapshot_tasks = 2", "snapshot_tasks = 1000000000", "training.snapshot_tasks"),
        ("channels = 8", "channels = 1000000000", "space.channels"),
        ("inner_steps = 2", "inner_steps = 1000000000", "learner.inner_steps"),
        ("inner_steps = 2", "inner_steps = 0", "learner.inner_steps"),
        ("lr_weights = 0.01", "lr_weights = -0.01", "learner.lr_weights"),
        ("lr_weights = 0.01", "lr_weights = nan", "learner.lr_weights"),
        ("lr_weights = 0.01", "lr_weights = 0.01\ntemperature = { start = -1.0, end = 0.1, steps = 10, anneal = \"linear\" }", "learner.temperature.start"),
        ("queries = 20", "queries = 20\ngrid = [5.0, -5.0]", "tasks.grid"),
        ("queries = 20", "queries = 20\ncentre_range = [5.0, -5.0]", "tasks.centre_range"),
        ("queries = 20", "queries = 20\ninput_variance = -1.0", "tasks.input_variance"),
        ("adapt_steps = 2", "adapt_steps = 1000000000", "training.adapt_steps"),
    ];
    for (from, to, field) in cases {
        assert!(SMALL_REGRESSION.contains(from), "{from}");
        let text = SMALL_REGRESSION.replace(from, to);
        let e = RunConfig::parse(&text, name, Path::new("."))
            .err()
            .unwrap_or_else(|| panic!("{to} accepted"));
        assert!(e.is_bad_input());
        let e = e.to_string();
        assert!(e.starts_with("cfg.toml") && e.contains(field), "{to}: {e}");
    }
    let mnas = SMALL_REGRESSION.replace(
        "kind = \"base\"\ninner_steps = 2\nlr_weights = 0.01",
        "kind = \"mnas\"\ninner_steps = 0",
    );
    let e = RunConfig::parse(&mnas, name, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("learner.inner_steps"), "{e}");
}

#[test]
fn a_config_beyond_the_machines_memory_is_refused_with_the_estimate() {
    let Some(have) = machine_memory_bytes() else {
        return;
    };
    let big = SMALL_REGRESSION
        .replace("channels = 8", "channels = 4096")
        .replace("nodes = 2", "nodes = 16")
        .replace("shots = 5", "shots = 10000")
        .replace("queries = 20", "queries = 10000")
        .replace("meta_batch = 2", "meta_batch = 1024")
        .replace("snapshot_every = 3", "snapshot_every = 0");
    let config: RunConfig = {
        let c = RunConfig::parse(&big, Path::new("big.toml"), Path::new("."));
        let e = c.expect_err("refused").to_string();
        assert!(
            e.contains("GB of memory") && e.contains("this machine has"),
            "{e}"
        );
        // The estimate itself, on the config without the memory check.
        let mut c = small_config();
        c.space.channels = 4096;
        c.space.nodes = 16;
        c
    };
    assert!(estimate_training_bytes(&small_config()) < 1e8);
    assert!(estimate_training_bytes(&config) > estimate_training_bytes(&small_config()) * 1e3);
    assert!(have > 1e8);
}

#[test]
fn identical_runs_and_resumed_runs_write_identical_bytes() {
    let tmp = temp_dir("bytes");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    drop(train(&a, 6));
    drop(train(&b, 6));
    // c: trained to step 2 by one process, resumed to 6 by another.
    let mut s = Session::create(&c, small_config(), BackendKind::Cpu, false, None).unwrap();
    s.train(2, &AtomicBool::new(false), |_| {}).unwrap();
    drop(s);
    let mut s = Session::open(&c, BackendKind::Cpu, false, None).unwrap();
    s.train(6, &AtomicBool::new(false), |_| {}).unwrap();
    drop(s);
    let ck = |p: &Path| Checkpoints::new(p.join("checkpoints"));
    assert_eq!(ck(&a).steps().unwrap(), vec![2, 4, 6]);
    for other in [&b, &c] {
        assert_eq!(ck(other).steps().unwrap(), ck(&a).steps().unwrap());
        for step in ck(&a).steps().unwrap() {
            assert!(
                std::fs::read(ck(&a).path(step)).unwrap()
                    == std::fs::read(ck(other).path(step)).unwrap(),
                "checkpoint {step} of {} differs",
                other.display()
            );
        }
        for f in REPRODUCIBLE_FILES {
            assert!(
                std::fs::read(a.join(f)).ok() == std::fs::read(other.join(f)).ok(),
                "{f} of {} differs",
                other.display()
            );
        }
    }
}

#[test]
fn resuming_a_finished_run_leaves_its_history_untouched() {
    let tmp = temp_dir("untouched");
    let path = tmp.path().join("r");
    drop(train(&path, 4));
    let history = || -> Vec<Vec<u8>> {
        [
            "metrics.jsonl",
            "arch.jsonl",
            "posteriors.jsonl",
            "genotypes.jsonl",
        ]
        .iter()
        .map(|f| std::fs::read(path.join(f)).unwrap_or_default())
        .collect()
    };
    let before = history();
    let mut s = Session::open(&path, BackendKind::Cpu, false, None).unwrap();
    s.train(4, &AtomicBool::new(false), |_| {}).unwrap();
    drop(s);
    let after = history();
    assert!(before == after, "the history was rewritten");
}

#[test]
fn few_shot_fractions_and_caps_are_checked() {
    let text = include_str!("../../../assets/configs/digits_5way_1shot.toml");
    let split = "split = { train = 0.5, val = 0.0, seed = 0 }";
    assert!(text.contains(split));
    let cases = [
        (
            split,
            "split = { train = 1.5, val = 0.0, seed = 0 }",
            "tasks.split.train",
        ),
        (
            split,
            "split = { train = 0.7, val = 0.5, seed = 0 }",
            "tasks.split.val",
        ),
        ("ways = 5", "ways = 0", "tasks.ways"),
        ("shots = 1", "shots = 0", "tasks.shots"),
        (
            "path = \"bundled:uci-digits\"",
            "path = \"bundled:uci-digits\"\nmax_dataset_mb = nan",
            "max_dataset_mb",
        ),
        (
            "path = \"bundled:uci-digits\"",
            "path = \"bundled:uci-digits\"\nmax_dataset_mb = -1.0",
            "max_dataset_mb",
        ),
        (
            "path = \"bundled:uci-digits\"",
            "path = \"bundled:uci-digits\"\nsplit = { train = 0.0, val = 0.5 }",
            "tasks.datasets[0].split.train",
        ),
        (
            "path = \"bundled:uci-digits\"",
            "path = \"bundled:uci-digits\"\nsplit = { train = 0.8, val = 0.3 }",
            "tasks.datasets[0].split.val",
        ),
    ];
    for (from, to, field) in cases {
        assert!(text.contains(from), "{from}");
        let e = RunConfig::parse(&text.replace(from, to), Path::new("d.toml"), Path::new("."))
            .err()
            .unwrap_or_else(|| panic!("{to} accepted"))
            .to_string();
        assert!(e.contains(field), "{to}: {e}");
    }
}
