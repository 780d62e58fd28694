use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::data::tests::temp_dir;

/// A small regression run on the space the test binaries share.
pub(super) const SMALL_REGRESSION: &str = concat!(
    r#"
seed = 7

"#,
    include_str!("../../tests/fixtures/small_vector_space.toml"),
    r#"
[tasks]
kind = "regression"
shots = 5
queries = 20

[learner]
kind = "base"
inner_steps = 2
lr_weights = 0.01

[training]
meta_batch = 2
checkpoint_every = 2
snapshot_every = 3
snapshot_tasks = 2
validation_tasks = 3
adapt_steps = 2
"#
);

pub(super) fn small_config() -> RunConfig {
    RunConfig::parse(SMALL_REGRESSION, Path::new("test.toml"), Path::new(".")).unwrap()
}

#[test]
fn checkpoint_round_trips_and_detects_damage() {
    let payload: Vec<u8> = (0..200u8).collect();
    let bytes = encode_checkpoint(42, &payload);
    let p = Path::new("x.ckpt");
    assert_eq!(decode_checkpoint(p, &bytes).unwrap(), (42, payload.clone()));
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let e = decode_checkpoint(p, &flipped).unwrap_err().to_string();
    assert!(e.contains("checksum"), "{e}");
    let e = decode_checkpoint(p, &bytes[..bytes.len() - 3])
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated"), "{e}");
    let e = decode_checkpoint(p, &bytes[..10]).unwrap_err().to_string();
    assert!(e.contains("header"), "{e}");
    let mut other = bytes.clone();
    other[..8].copy_from_slice(b"NOTACKPT");
    assert!(decode_checkpoint(p, &other)
        .unwrap_err()
        .to_string()
        .contains("magic"));
}

#[test]
fn damaged_checkpoints_are_recognised_and_set_aside() {
    let dir_tmp = temp_dir("ckpt");
    let dir = dir_tmp.path();
    let ck = Checkpoints::new(dir.join("checkpoints"));
    ck.write(2, b"two", 5, None).unwrap();
    ck.write(4, b"four", 5, None).unwrap();
    let mut bytes = std::fs::read(ck.path(4)).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xff;
    std::fs::write(ck.path(4), &bytes).unwrap();
    assert_eq!(ck.read(2).unwrap(), b"two".to_vec());
    let e = ck.read(4).unwrap_err().to_string();
    assert!(
        e.contains("step-00000004.ckpt") && e.contains("checksum"),
        "{e}"
    );
    // A checkpoint renamed to another step's name is not taken for that step.
    std::fs::copy(ck.path(2), ck.path(3)).unwrap();
    let e = ck.read(3).unwrap_err().to_string();
    assert!(e.contains("holds step 2"), "{e}");
    let kept = ck.set_aside(4).unwrap();
    assert!(kept.ends_with("step-00000004.ckpt.damaged") && kept.is_file());
    assert_eq!(ck.steps().unwrap(), vec![2, 3]);
    std::fs::remove_file(ck.path(3)).unwrap();
    // Only the newest `keep` stay.
    ck.write(4, b"four", 5, None).unwrap();
    ck.write(6, b"six", 2, None).unwrap();
    assert_eq!(ck.steps().unwrap(), vec![4, 6]);
    // ... and the best-validation one, however old.
    ck.write(8, b"eight", 1, Some(4)).unwrap();
    assert_eq!(ck.steps().unwrap(), vec![4, 8]);
}

#[test]
fn streams_skip_a_torn_last_line_and_cut_back_to_a_step() {
    let dir_tmp = temp_dir("stream");
    let dir = dir_tmp.path();
    let s = RunStream::new(dir.join("m.jsonl"));
    for step in 1..=4usize {
        s.append(&serde_json::json!({ "step": step, "loss": step as f64 }))
            .unwrap();
    }
    // A crash mid-append leaves half a line.
    std::fs::OpenOptions::new()
        .append(true)
        .open(s.path())
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"step\": 5, \"lo"))
        .unwrap();
    let read = s.read::<serde_json::Value>().unwrap();
    assert_eq!(read.records.len(), 4);
    assert_eq!(read.warnings.len(), 1);
    assert!(read.warnings[0].contains("m.jsonl:5") && read.warnings[0].contains("torn"));
    let warnings = s.keep_until(2).unwrap();
    assert_eq!(warnings.len(), 1);
    let read = s.read::<serde_json::Value>().unwrap();
    assert_eq!(read.records.len(), 2);
    assert!(read.warnings.is_empty());
}

#[test]
fn config_errors_name_the_file_and_field() {
    let name = Path::new("cfg.toml");
    let base = Path::new(".");
    let missing = SMALL_REGRESSION.replace("kind = \"base\"\n", "");
    let e = RunConfig::parse(&missing, name, base)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cfg.toml") && e.contains("kind"), "{e}");
    let bad_op = SMALL_REGRESSION.replace("\"linear\"]", "\"linear\", \"conv_9x9\"]");
    let e = RunConfig::parse(&bad_op, name, base).unwrap_err();
    assert!(e.is_bad_input());
    assert!(e.to_string().contains("conv_9x9"), "{e}");
    let seeded = SMALL_REGRESSION.replace("inner_steps = 2", "inner_steps = 2\nseed = 3");
    let e = RunConfig::parse(&seeded, name, base)
        .unwrap_err()
        .to_string();
    assert!(e.contains("learner.seed"), "{e}");
    let typo = SMALL_REGRESSION.replace("meta_batch", "meta_bach");
    let e = RunConfig::parse(&typo, name, base).unwrap_err().to_string();
    assert!(e.contains("meta_bach"), "{e}");
    let clip = SMALL_REGRESSION.replace("inner_steps = 2", "inner_steps = 2\ngrad_clip = -1.0");
    let e = RunConfig::parse(&clip, name, base).unwrap_err().to_string();
    assert!(
        e.starts_with("cfg.toml") && e.contains("learner.grad_clip") && e.contains("positive"),
        "{e}"
    );
    let few = "seed = 1\nspace = { file = \"nope.toml\" }\n[tasks]\nkind = \"few_shot\"\nways = 5\nshots = 1\ndatasets = []\n[learner]\nkind = \"base\"\n";
    let e = RunConfig::parse(few, name, base).unwrap_err().to_string();
    assert!(e.contains("nope.toml"), "{e}");
}

#[test]
fn resolved_config_round_trips_through_the_run_directory() {
    let dir_tmp = temp_dir("resolved");
    let dir = dir_tmp.path();
    let config = small_config();
    let (run, lock) = RunDir::create(&dir.join("r"), &config, false).unwrap();
    let (_, info, back) = RunDir::open(run.root()).unwrap();
    assert_eq!(back, config);
    assert_eq!(info.format_version, RUN_FORMAT_VERSION);
    assert_eq!(info.learner, "base");
    // While the lock is held, no second writer.
    let e = RunDir::create(run.root(), &config, true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("another metanas process") && e.contains(&format!("PID {}", std::process::id())),
        "{e}"
    );
    drop(lock);
    // An existing run is never overwritten without force.
    let e = RunDir::create(run.root(), &config, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--force"), "{e}");
    RunDir::create(run.root(), &config, true).unwrap();
}

#[test]
fn a_run_from_another_format_version_is_refused_clearly() {
    let dir_tmp = temp_dir("version");
    let dir = dir_tmp.path();
    let (run, _lock) = RunDir::create(&dir.join("r"), &small_config(), false).unwrap();
    let info = std::fs::read_to_string(run.info_path()).unwrap();
    std::fs::write(
        run.info_path(),
        info.replace(
            &format!("\"format_version\": {RUN_FORMAT_VERSION}"),
            "\"format_version\": 9",
        ),
    )
    .unwrap();
    let e = RunDir::open(run.root()).unwrap_err().to_string();
    assert!(
        e.contains("format 9")
            && e.contains(&format!("reads format {RUN_FORMAT_VERSION}"))
            && e.contains("upgrade"),
        "{e}"
    );
    std::fs::write(run.info_path(), "{}").unwrap();
    let e = RunDir::open(run.root()).unwrap_err().to_string();
    assert!(e.contains("format_version"), "{e}");
}

#[test]
fn resuming_is_bit_for_bit() {
    let dir_tmp = temp_dir("resume");
    let dir = dir_tmp.path();
    let stop = AtomicBool::new(false);
    let straight = dir.join("straight");
    let mut s = Session::create(&straight, small_config(), BackendKind::Cpu, false, None).unwrap();
    assert_eq!(s.train(6, &stop, |_| {}).unwrap(), TrainEnd::Done);
    let want = s.learner.parameter_values();
    assert!(!want.is_empty());

    let split = dir.join("split");
    let mut s = Session::create(&split, small_config(), BackendKind::Cpu, false, None).unwrap();
    s.train(3, &stop, |_| {}).unwrap();
    // Steps 4 and 5 written but not checkpointed are lost, as after a crash: simulate one by
    // appending records past the checkpoint (step 3 is checkpointed at the end of train).
    s.dir
        .metrics()
        .append(&serde_json::json!({"step": 4, "loss": 1.0}))
        .unwrap();
    drop(s);
    let mut s = Session::open(&split, BackendKind::Cpu, false, None).unwrap();
    assert_eq!(s.steps_done(), 3);
    s.train(6, &stop, |_| {}).unwrap();
    let got = s.learner.parameter_values();
    let differ = got
        .iter()
        .zip(&want)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(
        (differ, got.len()),
        (0, want.len()),
        "parameters differ after resuming"
    );
    let metrics = s.dir.metrics().read::<MetricRecord>().unwrap();
    let steps: Vec<usize> = metrics.records.iter().map(|r| r.report.step).collect();
    assert_eq!(steps, vec![1, 2, 3, 4, 5, 6]);
    let arch = s.dir.arch().read::<ArchRecord>().unwrap().records;
    assert_eq!(arch.len(), 7, "the prior at step 0 and one record per step");
    let snaps = s.dir.posteriors().read::<SnapshotRecord>().unwrap().records;
    assert_eq!(snaps.len(), 4, "two tasks at steps 3 and 6");
    assert!(snaps
        .iter()
        .all(|r| r.weight_sketch.len() == crate::learners::SKETCH_DIM));
}

#[test]
fn a_stop_request_checkpoints_and_returns() {
    let dir_tmp = temp_dir("stop");
    let dir = dir_tmp.path();
    let stop = AtomicBool::new(true);
    let mut s = Session::create(
        &dir.join("r"),
        small_config(),
        BackendKind::Cpu,
        false,
        None,
    )
    .unwrap();
    assert_eq!(s.train(5, &stop, |_| {}).unwrap(), TrainEnd::Stopped);
    assert_eq!(s.steps_done(), 0);
}

#[test]
fn unwritable_run_folder_is_a_clear_error_and_leaves_nothing_half_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir_tmp = temp_dir("readonly");
    let dir = dir_tmp.path();
    let ro = dir.join("ro");
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), b"x").is_ok() {
        // Running as root: permissions do not stop writes, so there is nothing to test here.
        eprintln!("skipped: the test runs as a user that can write to read-only folders");
        return;
    }
    let e = Session::create(
        &ro.join("run"),
        small_config(),
        BackendKind::Cpu,
        false,
        None,
    )
    .err()
    .expect("creating a run in a read-only folder fails");
    assert!(e.to_string().contains("ro/run"), "{e}");
    assert!(!e.is_bad_input());
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn single_path_is_a_relaxation_of_base_and_mnas_and_a_misspelling_is_named() {
    let with = |learner: &str| {
        SMALL_REGRESSION.replace(
            "kind = \"base\"\ninner_steps = 2\nlr_weights = 0.01",
            learner,
        )
    };
    let name = Path::new("sp.toml");
    for kind in ["base", "mnas"] {
        let learner = format!("kind = \"{kind}\"\nrelaxation = \"single_path\"");
        let config = RunConfig::parse(&with(&learner), name, Path::new(".")).unwrap();
        let relaxation = match &config.learner {
            LearnerConfig::Base(b) => b.relaxation,
            LearnerConfig::Mnas(m) => m.relaxation,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            relaxation,
            crate::posterior::Relaxation::SinglePath,
            "{kind}"
        );
    }
    let e = RunConfig::parse(
        &with("kind = \"base\"\nrelaxation = \"singlepath\""),
        name,
        Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("sp.toml") && e.contains("single_path"), "{e}");
}

#[test]
fn the_adaptation_head_is_read_from_the_training_table_and_a_misspelling_is_named() {
    let name = Path::new("head.toml");
    let with = |head: &str| {
        SMALL_REGRESSION.replace(
            "meta_batch = 2",
            &format!("meta_batch = 2\nadapt_head = {head}"),
        )
    };
    let config = RunConfig::parse(&with("\"prototypes\""), name, Path::new(".")).unwrap();
    assert_eq!(
        config.training.adapt_head,
        crate::learners::HeadInit::Prototypes
    );
    let learner = super::build_learner(&config, super::BackendKind::Cpu).unwrap();
    assert_eq!(learner.head_init(), crate::learners::HeadInit::Prototypes);
    let plain = RunConfig::parse(SMALL_REGRESSION, name, Path::new(".")).unwrap();
    assert_eq!(plain.training.adapt_head, crate::learners::HeadInit::Meta);
    let e = RunConfig::parse(&with("\"proto\""), name, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("head.toml") && e.contains("proto"), "{e}");
}

/// `learner.inner_head = "prototypes"` (Proto-MAML meta-training) trains no head of the
/// meta-network's own: a config that would adapt from that head is refused, and so is one of
/// regression tasks, which have no classes; the file and the field are named.
#[test]
fn a_prototype_inner_head_needs_the_prototype_adaptation_head_and_classes() {
    let name = Path::new("proto.toml");
    // The workbench's default meta-trains from prototype heads.
    let preset = include_str!("../../../assets/configs/image_default.toml");
    let config = RunConfig::parse(preset, name, Path::new(".")).unwrap();
    let Ok(Engine::Mnas(m)) = config.learner.engine(0) else {
        panic!("not M-NAS");
    };
    assert_eq!(m.inner_head, crate::learners::HeadInit::Prototypes);
    let meta_head = preset.replace("adapt_head = \"prototypes\"", "adapt_head = \"meta\"");
    assert_ne!(meta_head, preset);
    let e = RunConfig::parse(&meta_head, name, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("proto.toml") && e.contains("training.adapt_head"),
        "{e}"
    );
    let regression = SMALL_REGRESSION
        .replace(
            "kind = \"base\"\ninner_steps = 2\nlr_weights = 0.01",
            "kind = \"mnas\"\ninner_head = \"prototypes\"",
        )
        .replace(
            "meta_batch = 2",
            "meta_batch = 2\nadapt_head = \"prototypes\"",
        );
    let e = RunConfig::parse(&regression, name, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("learner.inner_head"), "{e}");
}

/// `rotations = true` on the built-in Omniglot: the class split is drawn over the 242
/// characters first, then every meta-training character gains three turned copies as classes
/// of its own, each image turned as `rotate_plane` turns it; validation and test characters
/// are the same as without rotations and have no copies.
#[test]
fn rotations_add_turned_copies_of_the_meta_training_characters_only() {
    let name = Path::new("rotations.toml");
    let preset = include_str!("../../../assets/configs/omniglot_20way.toml");
    let plain = RunConfig::parse(preset, name, Path::new(".")).unwrap();
    let turned_text = preset.replace(
        "path = \"bundled:omniglot-28\"",
        "path = \"bundled:omniglot-28\"\nrotations = true",
    );
    assert_ne!(turned_text, preset);
    let turned = RunConfig::parse(&turned_text, name, Path::new(".")).unwrap();
    let source = |config: &RunConfig| {
        let TaskDistribution::FewShot(f) =
            TaskDistribution::build(&config.tasks, &config.space, None).unwrap()
        else {
            panic!("few-shot tasks")
        };
        f.sources()[0].clone()
    };
    let (a, b) = (source(&plain), source(&turned));
    let characters = a.dataset.num_classes();
    assert_eq!(characters, 242);
    let trained = a.split.train.len();
    assert_eq!(b.dataset.num_classes(), characters + 3 * trained);
    assert_eq!(b.split.train.len(), 4 * trained);
    assert_eq!((&b.split.val, &b.split.test), (&a.split.val, &a.split.test));
    // The first meta-training character's first drawing, turned a half turn, is the first
    // drawing of its 180° copy (the second copy made for it).
    let first = a.split.train[0];
    let copy = characters + 1;
    assert_eq!(
        b.dataset.class_names[copy],
        format!("{} (rotated 180°)", a.dataset.class_names[first])
    );
    let drawing = a.dataset.indices_by_class()[first][0];
    let copied = b.dataset.indices_by_class()[copy][0];
    assert_eq!(
        b.dataset.samples.sample(copied),
        crate::tasks::rotate_plane(a.dataset.samples.sample(drawing), 28, 2).as_slice()
    );
    assert_ne!(
        b.dataset.samples.sample(copied),
        a.dataset.samples.sample(drawing)
    );
}
