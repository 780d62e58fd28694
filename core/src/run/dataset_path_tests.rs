//! `path = [..]`: several image roots as one dataset of a run.

use std::path::Path;

use super::{DatasetPath, RunConfig, RunDir, RunError, TaskConfig, TaskDistribution};
use crate::data::tests::{png, temp_dir, write};

/// A 2-way few-shot config over `paths` (a TOML value).
fn config_text(paths: &str) -> String {
    format!(
        r#"
seed = 0
[space]
domain = "image"
ops = ["skip_connect", "max_pool_3x3"]
nodes = 1
cells = ["normal"]
channels = 4
stem_multiplier = 1
aggregate = "concat"
num_outputs = 2
[[space.inputs]]
name = "grey8"
channels = 1
height = 8
width = 8

[tasks]
kind = "few_shot"
ways = 2
shots = 1
queries = 1
split = {{ train = 1.0, val = 0.0, seed = 0 }}
[[tasks.datasets]]
path = {paths}

[learner]
kind = "base"
"#
    )
}

fn parse(text: &str, base: &Path) -> Result<RunConfig, RunError> {
    RunConfig::parse(text, Path::new("cfg.toml"), base)
}

fn dataset_path(config: &RunConfig) -> &DatasetPath {
    match &config.tasks {
        TaskConfig::FewShot(f) => &f.datasets[0].path,
        TaskConfig::Regression(_) => unreachable!("a few-shot config"),
    }
}

/// `root/<class>/<n>.png` for each (class, n) with a grey value per image.
fn image_folder(root: &Path, images: &[(&str, &str, u8)]) {
    for (class, name, value) in images {
        std::fs::create_dir_all(root.join(class)).unwrap();
        write(&root.join(class).join(name), &png(*value, 8));
    }
}

#[test]
fn a_list_of_roots_is_one_dataset_whose_same_named_folders_are_one_class() {
    let dir_tmp = temp_dir("merged-roots");
    let dir = dir_tmp.path();
    image_folder(
        &dir.join("a"),
        &[
            ("x", "1.png", 10),
            ("x", "2.png", 11),
            ("y", "1.png", 20),
            ("y", "2.png", 30),
        ],
    );
    image_folder(
        &dir.join("b"),
        &[("y", "3.png", 40), ("z", "1.png", 50), ("z", "2.png", 51)],
    );
    let config = parse(&config_text(r#"["a", "b"]"#), dir).unwrap();
    // Relative to the config's folder, each entry of the list.
    let path = dataset_path(&config);
    assert_eq!(path.paths().len(), 2);
    assert!(Path::new(&path.paths()[0]).is_absolute());
    assert!(path.paths()[1].ends_with('b'));
    let tasks = TaskDistribution::build(&config.tasks, &config.space, None).unwrap();
    let TaskDistribution::FewShot(f) = &tasks else {
        panic!("few-shot tasks")
    };
    let [source] = f.sources() else {
        panic!("one source, got {}", f.sources().len())
    };
    assert_eq!(source.dataset.class_names, ["x", "y", "z"]);
    // y holds the three drawings of both roots (values 20, 30, 40 scaled to [0, 1]).
    let y = &source.dataset.indices_by_class()[1];
    let firsts: Vec<f32> = y
        .iter()
        .map(|&i| source.dataset.samples.sample(i)[0])
        .collect();
    let expected: Vec<f32> = [20.0f32, 30.0, 40.0].iter().map(|v| v / 255.0).collect();
    assert_eq!(firsts.len(), 3);
    for (got, want) in firsts.iter().zip(&expected) {
        assert!((got - want).abs() < 1e-6, "{firsts:?} vs {expected:?}");
    }
    // A run directory keeps the list as a list and reads it back equal.
    let (run, _lock) = RunDir::create(&dir.join("run"), &config, false).unwrap();
    let text = std::fs::read_to_string(run.config_path()).unwrap();
    assert!(text.contains("path = ["), "{text}");
    assert_eq!(RunDir::open(run.root()).unwrap().2, config);
    // One path stays a string.
    let single = parse(&config_text(r#""a""#), dir).unwrap();
    assert!(dataset_path(&single).single().unwrap().ends_with('a'));
    let text = single.to_toml_string().unwrap();
    assert!(text.contains("path = \""), "{text}");
}

#[test]
fn bad_path_lists_are_refused_naming_the_field_or_root() {
    let dir_tmp = temp_dir("merged-roots-bad");
    let dir = dir_tmp.path();
    image_folder(
        &dir.join("a"),
        &[
            ("x", "1.png", 10),
            ("x", "2.png", 11),
            ("y", "1.png", 20),
            ("y", "2.png", 21),
        ],
    );
    let e = parse(&config_text("[]"), dir).unwrap_err().to_string();
    assert!(
        e.contains("tasks.datasets[0].path") && e.contains("empty"),
        "{e}"
    );
    let e = parse(&config_text(r#"["a", "bundled:uci-digits"]"#), dir)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tasks.datasets[0].path") && e.contains("merged"),
        "{e}"
    );
    let e = parse(&config_text("3"), dir).unwrap_err().to_string();
    assert!(
        e.contains("cfg.toml") && e.contains("a list of paths"),
        "{e}"
    );
    let e = parse(&config_text(r#"["a", 3]"#), dir)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cfg.toml"), "{e}");
    // A root that does not exist is named when the tasks are built.
    let config = parse(&config_text(r#"["a", "missing"]"#), dir).unwrap();
    let e = TaskDistribution::build(&config.tasks, &config.space, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing"), "{e}");
}
