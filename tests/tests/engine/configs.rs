//! The example configs in `assets/configs/` parse, and their datasets load and can give tasks
//! (the Omniglot ones read `../shared/datasets/omniglot/`, as CI provides).

use metanas_core::run::{build_learner, BackendKind, RunConfig, TaskConfig, TaskDistribution};
use metanas_core::tasks::Split;
use metanas_tests::workspace_root;

#[test]
fn every_example_config_loads_with_its_data() {
    let dir = workspace_root().join("assets/configs");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    for path in names {
        let config = RunConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let learner = build_learner(&config, BackendKind::Cpu)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(learner.name(), config.learner.name());
        let tasks = TaskDistribution::build(&config.tasks, &config.space, None)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for split in [Split::Train, Split::Test] {
            tasks
                .check(split)
                .unwrap_or_else(|e| panic!("{} {split:?}: {e}", path.display()));
        }
        let mut rng = metanas_core::rng::SeededRng::new(0);
        let task = tasks.sample(Split::Train, &mut rng).unwrap();
        if let TaskConfig::FewShot(f) = &config.tasks {
            assert_eq!(task.support.len(), f.ways * f.shots, "{}", path.display());
        }
    }
}
