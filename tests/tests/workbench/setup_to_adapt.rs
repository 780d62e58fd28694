//! The workbench driven through its labels (egui_kittest, no renderer): set up data and the
//! search space, meta-train and stop, adapt; and the error paths.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use metanas_app::workbench::{AdaptMethod, Command, Purpose, Tab, TrainState, Workbench};
use metanas_core::baselines::{nearest_class_mean, Baseline, Examples};
use metanas_core::learners::{DartsConfig, HeadInit};
use metanas_core::run::{
    build_darts, stream_rng, BackendKind, SeedStream, Session, TaskConfig, TaskDistribution,
};
use metanas_core::space::Op;
use metanas_core::tasks::{Split, SupportPoints};
use metanas_tests::tempdir;
use metanas_tests::workbench::{harness, use_preset, wait_for, FakePicker};

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn a_user_sets_up_trains_stops_and_adapts() {
    let runs_tmp = tempdir("workbench-flow");
    let runs = runs_tmp.path();
    let picker = Arc::new(FakePicker::default());
    let mut h = harness(runs.to_path_buf(), picker);
    h.run_steps(2);
    // The workbench opens on the image preset; this flow trains the regression one (seconds).
    use_preset(&mut h, "base_regression.toml");

    // Data: the bundled digits load on the worker and are shown with their classes.
    h.get_by_label("Add bundled digits").click();
    wait_for(&mut h, "the bundled digits", MINUTE, |a| {
        a.datasets.len() == 1
    });
    assert_eq!(h.state().datasets[0].classes.len(), 10);
    h.get_by_label_contains("BundledDigits · 1797 samples");

    // Search space: switch an op off by its checkbox.
    assert!(h.state().draft.space.ops.contains(&Op::SkipConnect));
    h.get_by_label("skip_connect").click();
    h.run_steps(2);
    assert!(!h.state().draft.space.ops.contains(&Op::SkipConnect));

    // Data: the support inputs drawn over the whole grid, by its radio button.
    h.get_by_label("uniform over the grid").click();
    h.run_steps(2);
    let TaskConfig::Regression(r) = &h.state().draft.tasks else {
        panic!("the regression preset has regression tasks");
    };
    assert_eq!(r.support_points, SupportPoints::Uniform);
    assert!(
        h.state().draft_error.is_none(),
        "{:?}",
        h.state().draft_error
    );

    // A short schedule, then Start: the run trains on the worker while frames keep coming.
    {
        let t = &mut h.state_mut().draft.training;
        t.max_steps = 50;
        t.meta_batch = 2;
        t.snapshot_every = 1;
        t.snapshot_tasks = 2;
    }
    h.get_by_label("Start new run from Setup").click();
    wait_for(&mut h, "the first meta-step", 2 * MINUTE, |a| {
        a.run.as_ref().is_some_and(|r| r.steps >= 1)
    });
    assert_eq!(h.state().tab, Tab::Training);
    h.get_by_label("Stop").click();
    wait_for(&mut h, "training to stop", 2 * MINUTE, |a| {
        a.train == TrainState::Idle
    });
    let run = h.state().run.clone().unwrap();
    assert!((1..50).contains(&run.steps), "stopped at {}", run.steps);
    assert_eq!(run.metrics.len(), run.steps);
    // The run validated at its first checkpoint (step 0; a stop's checkpoint does not), and
    // the Training view names the best one, the checkpoint adapt and eval use.
    let steps: Vec<usize> = run.validation.iter().map(|v| v.step).collect();
    assert_eq!(steps, [0]);
    h.run_steps(2);
    h.get_by_label_contains("best validation: mse");
    assert!(!run.config.space.ops.contains(&Op::SkipConnect));
    assert!(
        run.snapshots.len() >= 2,
        "posterior snapshots reach the PCA view"
    );
    // Stopping wrote a checkpoint at the step the workbench shows.
    let reopened = Session::open(&run.dir, BackendKind::Cpu, true, None).unwrap();
    assert_eq!(reopened.steps_done(), run.steps);
    assert!(run.dir.starts_with(runs));

    // Adapt to a test task: the probabilities move away from the prior, the adapted genotype
    // is shown beside the prior's.
    h.get_by_label("Adapt").click();
    h.run_steps(2);
    h.get_by_label("Adapt to this task").click();
    wait_for(&mut h, "the adaptation", MINUTE, |a| {
        a.adaptations.len() == 1
    });
    let result = h.state().adaptations[0].clone();
    let history = &result.adaptation.arch_history;
    assert_eq!(history.len(), result.request.steps + 1);
    assert_ne!(
        history.first(),
        history.last(),
        "adaptation moved the architecture"
    );
    let shown = h
        .query_all_by_label(&result.adaptation.genotype.to_darts())
        .count();
    assert!(shown >= 1, "the adapted genotype is on screen");
    let before = result.adaptation.per_step.first().unwrap().mse.unwrap();
    h.get_by_label_contains(&format!("before {before:.4}"));

    // Episodes: the task's function with the support points.
    h.get_by_label("Episodes").click();
    h.run_steps(2);
    h.get_by_label_contains("function: ");

    // Training continues from where it stopped.
    h.get_by_label("Continue to step 50").click();
    wait_for(&mut h, "one more meta-step", 2 * MINUTE, |a| {
        a.run.as_ref().is_some_and(|r| r.steps > run.steps)
    });
    h.get_by_label("Pause").click();
    wait_for(&mut h, "the pause", 2 * MINUTE, |a| {
        matches!(a.train, TrainState::Paused { target: 50 })
    });
    h.get_by_label("Resume");
}

/// Setup's "Adaptation head" sets `training.adapt_head`, and the default preset (M-NAS
/// meta-trained from prototype heads, which trains no head of its own) refuses the meta head
/// by name until the prototypes are chosen again; a dataset's "rotations" box sets its
/// `rotations`.
#[test]
fn the_adaptation_head_and_rotations_are_set_in_setup() {
    let runs_tmp = tempdir("workbench-head");
    let mut h = harness(
        runs_tmp.path().to_path_buf(),
        Arc::new(FakePicker::default()),
    );
    h.run_steps(2);
    let no_draft_error = |h: &Harness<'static, Workbench>| {
        assert!(
            h.state().draft_error.is_none(),
            "{:?}",
            h.state().draft_error
        );
    };
    assert_eq!(h.state().draft.training.adapt_head, HeadInit::Prototypes);
    no_draft_error(&h);

    h.get_by_label("Adaptation head").click();
    h.run_steps(2);
    h.get_by_label("the meta-network's head").click();
    h.run_steps(2);
    assert_eq!(h.state().draft.training.adapt_head, HeadInit::Meta);
    let error = h.state().draft_error.clone().unwrap_or_default();
    assert!(error.contains("training.adapt_head"), "{error}");
    h.get_by_label_contains("cannot start");

    h.get_by_label("Adaptation head").click();
    h.run_steps(2);
    h.get_by_label("class prototypes of the support").click();
    h.run_steps(2);
    assert_eq!(h.state().draft.training.adapt_head, HeadInit::Prototypes);
    no_draft_error(&h);

    // Data: each dataset's "rotations" box sets its `rotations` (Omniglot, the first).
    let rotations = |h: &Harness<'static, Workbench>| match &h.state().draft.tasks {
        TaskConfig::FewShot(f) => f.datasets.iter().map(|d| d.rotations).collect::<Vec<_>>(),
        TaskConfig::Regression(_) => panic!("the default preset is few-shot"),
    };
    assert_eq!(rotations(&h), [false, false]);
    h.get_all_by_label("rotations").next().unwrap().click();
    h.run_steps(2);
    assert_eq!(rotations(&h), [true, false]);
    no_draft_error(&h);
}

#[test]
fn errors_are_shown_and_the_app_keeps_running() {
    let runs_tmp = tempdir("workbench-errors");
    let runs = runs_tmp.path();
    let picker = Arc::new(FakePicker::default());
    let mut h = harness(runs.to_path_buf(), picker.clone());
    h.run_steps(2);
    use_preset(&mut h, "base_regression.toml");

    // A dataset path that does not exist: the message names it.
    picker.answer(Purpose::DatasetFolder, "/no/such/dataset");
    h.get_by_label("Add dataset folder…").click();
    wait_for(&mut h, "the load error", MINUTE, |a| {
        a.notices.all().iter().any(|n| n.error)
    });
    h.get_by_label_contains("/no/such/dataset");
    assert!(h.state().datasets.is_empty());

    // A folder that holds no run.
    picker.answer(Purpose::OpenRun, runs);
    h.get_by_label("Open run…").click();
    wait_for(&mut h, "the open error", MINUTE, |a| {
        a.notices
            .last()
            .is_some_and(|n| n.error && n.text.contains("opening"))
    });
    assert!(h.state().run.is_none());

    // Start with a runs folder that cannot hold runs (it is a file): the creation error is
    // what the user sees, and nothing keeps pretending to train.
    let file = runs.join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    h.state_mut().settings.runs_folder = Some(file.clone());
    h.get_by_label("Start new run from Setup").click();
    wait_for(&mut h, "the creation error", MINUTE, |a| {
        a.notices.last().is_some_and(|n| n.error) && a.train == TrainState::Idle && !a.worker_busy
    });
    let last = h.state().notices.last().unwrap().text.clone();
    assert!(
        last.starts_with("creating") && last.contains("not-a-folder"),
        "{last}"
    );
    assert!(h.state().run.is_none());
    h.get_by_label("Setup").click();
    h.run_steps(2);

    // A panic inside the worker is caught and reported; the worker keeps serving.
    h.state_mut().send(Command::Panic);
    wait_for(&mut h, "the panic report", MINUTE, |a| {
        a.notices
            .last()
            .is_some_and(|n| n.error && n.text.contains("internal error"))
    });
    h.get_by_label("Add bundled digits").click();
    wait_for(&mut h, "the digits after the panic", MINUTE, |a| {
        a.datasets.len() == 1
    });

    // Learner settings that do not parse are explained inline and block Start.
    h.state_mut().learner_text.clear();
    h.get_by_role(egui::accesskit::Role::MultilineTextInput)
        .focus();
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::MultilineTextInput)
        .type_text("inner_steps = \"many\"");
    h.run_steps(2);
    assert!(h.state().learner_error.is_some());
    h.get_by_label_contains("learner settings:");
    assert!(h
        .get_by_label("Start new run from Setup")
        .accesskit_node()
        .is_disabled());

    // A space with only `none` left is explained, and Start stays off.
    h.state_mut().learner_text = metanas_app::workbench::learner_toml(&h.state().draft.learner);
    h.state_mut().learner_error = None;
    h.get_by_label("skip_connect").click();
    h.run_steps(1);
    // "linear" is also a regression family in the Data column; the op comes after it.
    h.get_all_by_label("linear").last().unwrap().click();
    h.run_steps(2);
    assert!(h.state().draft_error.is_some());
    h.get_by_label_contains("cannot start:");
}

/// Creates and opens a digits run in `dir` (not trained: adapting needs no training).
fn digits_run(h: &mut Harness<'static, Workbench>, dir: PathBuf) {
    h.run_steps(2);
    let preset = metanas_app::workbench::PRESETS
        .iter()
        .find(|p| p.file.ends_with("digits_5way_1shot.toml"))
        .unwrap();
    let config = Box::new(preset.load().unwrap());
    h.state_mut().send(Command::Create {
        dir,
        config,
        train_to: None,
    });
    wait_for(h, "the digits run", 2 * MINUTE, |a| {
        a.run.is_some() && !a.worker_busy
    });
}

#[test]
fn a_run_adapts_to_tasks_of_a_dataset_it_never_saw() {
    let runs_tmp = tempdir("workbench-foreign");
    let runs = runs_tmp.path();
    let data = runs.join("letters");
    metanas_tests::image_folder(&data, 6, 7);
    let picker = Arc::new(FakePicker::default());
    picker.answer(Purpose::DatasetFolder, data.clone());
    let mut h = harness(runs.to_path_buf(), picker);
    digits_run(&mut h, runs.join("digits-run"));
    h.get_by_label("Add dataset folder…").click();
    wait_for(&mut h, "the new dataset", MINUTE, |a| a.datasets.len() == 1);
    h.get_by_label("Adapt").click();
    h.run_steps(2);
    h.get_by_label("Task from").click();
    h.run_steps(2);
    h.get_by_label(&format!("{} (all classes)", data.display()))
        .click();
    h.run_steps(2);
    h.get_by_label("Adapt to this task").click();
    wait_for(&mut h, "the adaptation", 2 * MINUTE, |a| {
        a.adaptations.len() == 1
    });
    let result = &h.state().adaptations[0];
    assert_eq!(result.request.dataset.as_deref(), Some(data.as_path()));
    // Its 5 ways are classes of the new folder: its images are not digits.
    assert_eq!(result.episode.classes.len(), 5);
    assert!(result.episode.classes.iter().all(|&c| c < 6));
    assert_eq!(result.episode.support.len(), 5);
    // The baselines on the same task: the folder's 8x8 images are the network's input size.
    let b = &result.baselines;
    assert_eq!(b.pixels, "8x8 grey");
    let keys: Vec<_> = b.scores.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, Baseline::CLASSIFICATION);
    let labels = |batch: &metanas_core::tasks::Batch| match &batch.targets {
        metanas_core::tasks::Targets::Classes(c) => c.clone(),
        other => panic!("{other:?}"),
    };
    let (sl, ql) = (
        labels(&result.episode.support),
        labels(&result.episode.query),
    );
    let ncm = nearest_class_mean(
        Examples::new(&result.episode.support.inputs, &sl),
        Examples::new(&result.episode.query.inputs, &ql),
        5,
    );
    assert_eq!(b.scores[0].1, ncm);
    h.run_steps(2);
    h.get_by_label_contains("on this task beside the baselines");
    // Many held-out tasks beside the baselines, with CIs.
    h.state_mut().views.adapt.compare_tasks = 3;
    h.get_by_label("Compare").click();
    wait_for(&mut h, "the comparison", 2 * MINUTE, |a| {
        a.views.adapt.comparison.is_some()
    });
    let c = h.state().views.adapt.comparison.clone().unwrap();
    assert_eq!((c.tasks, c.metric.as_str()), (3, "accuracy"));
    assert_eq!(c.baselines.len(), 4);
    assert!(c.baselines.iter().all(|(_, m)| m.n == 3 && m.ci95 >= 0.0));
    h.run_steps(2);
    h.get_by_label_contains("held-out tasks (mean and 95% CI)");
    h.get_by_label("Episodes").click();
    h.run_steps(2);
    h.get_by_label("Support set");
    // All 25 query images (5 ways x 5 queries) are laid out inside the window: the rows wrap.
    let labels: Vec<egui::Rect> = h
        .query_all_by_label_contains("true ")
        .filter(|n| {
            let node = n.accesskit_node();
            node.label()
                .or_else(|| node.value())
                .is_some_and(|l| l.starts_with("true "))
        })
        .map(|n| n.rect())
        .collect();
    assert_eq!(labels.len(), 25);
    let width = metanas_tests::workbench::WINDOW[0];
    assert!(labels.iter().all(|r| r.right() <= width), "{labels:?}");
    assert!(
        labels.iter().any(|r| r.top() > labels[0].bottom()),
        "more than one row"
    );
}

#[test]
fn one_task_adapts_with_the_architecture_frozen_and_by_darts_from_scratch() {
    let runs_tmp = tempdir("workbench-methods");
    let runs = runs_tmp.path();
    let mut h = harness(runs.to_path_buf(), Arc::new(FakePicker::default()));
    digits_run(&mut h, runs.join("digits-run"));
    h.get_by_label("Adapt").click();
    h.run_steps(2);
    let headings = [
        "meta-network at step 0)",
        "meta-network, architecture frozen at step 0)",
        "DARTS from scratch: a fresh network, no meta-training)",
    ];
    for (i, (method, heading)) in AdaptMethod::ALL.into_iter().zip(headings).enumerate() {
        h.get_by_label("How").click();
        h.run_steps(2);
        h.get_by_label(method.label()).click();
        h.run_steps(2);
        h.get_by_label("Adapt to this task").click();
        wait_for(&mut h, method.label(), 2 * MINUTE, |a| {
            a.adaptations.len() == i + 1
        });
        h.run_steps(2);
        h.get_by_label_contains(heading);
    }
    let results = h.state().adaptations.clone();
    let [usual, frozen, darts] = &results[..] else {
        panic!("three adaptations, got {}", results.len())
    };
    // Task #0 of the test classes each time.
    assert_eq!(usual.episode, frozen.episode);
    assert_eq!(usual.episode, darts.episode);
    let prior = &usual.adaptation.arch_history[0];
    assert_ne!(usual.adaptation.arch_history.last(), Some(prior));
    // Frozen: the meta-network's architecture at every step.
    assert!(frozen.adaptation.arch_history.iter().all(|t| t == prior));
    // DARTS: exactly a default DARTS search of the task from the adaptation's seed, computed
    // here through the core library.
    let config = h.state().run.as_ref().unwrap().config.clone();
    let tasks = TaskDistribution::build(&config.tasks, &config.space, None).unwrap();
    let mut rng = stream_rng(config.seed, SeedStream::Adapt, 0);
    let episode = tasks.sample(Split::Test, &mut rng).unwrap();
    assert_eq!(episode, darts.episode);
    let search = build_darts(&config.space, DartsConfig::default(), BackendKind::Cpu);
    let expected = search(&episode, darts.request.steps, rng.next_u64()).unwrap();
    assert_eq!(darts.adaptation, expected);
    assert_ne!(&darts.adaptation.arch_history[0], prior);
    let slider = "search step (0 = DARTS's initial architecture)";
    assert!(h.query_all_by_label_contains(slider).count() >= 1);
    // The PCA of task posteriors takes the meta-network's (three, with one more task), not
    // DARTS's fresh network.
    h.get_by_label("How").click();
    h.run_steps(2);
    h.get_by_label(AdaptMethod::MetaNetwork.label()).click();
    h.run_steps(2);
    h.get_by_label("Sample another task").click();
    wait_for(&mut h, "another task", 2 * MINUTE, |a| {
        a.adaptations.len() == 4
    });
    h.get_by_label("PCA").click();
    h.run_steps(3);
    h.get_by_label_contains("3 tasks · PC1 explains");
}
