//! Retraining from the workbench (egui_kittest, no renderer): a run's genotype from the
//! Export view, the retrain form, the retrain's progress and curves in the Training view, its
//! result beside the genotype, and stop and resume.

use std::sync::Arc;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use metanas_app::workbench::JobStatus;
use metanas_tests::workbench::{harness_on_run, wait_for, FakePicker};
use metanas_tests::{tempdir, train_ok, workspace_root};

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn a_runs_genotype_is_retrained_from_the_export_view() {
    let tmp = tempdir("flow-retrain");
    let run = tmp.path().join("digits");
    train_ok(
        &workspace_root().join("assets/configs/digits_5way_1shot.toml"),
        &run,
        1,
    );
    let mut h = harness_on_run(
        tmp.path().join("runs"),
        Arc::new(FakePicker::default()),
        &run,
    );
    h.get_by_label("Export").click();
    h.run_steps(2);
    h.get_by_label("Train this architecture…").click();
    h.run_steps(2);
    // The form starts on the run's own dataset and the small protocol.
    let setup = h.state().retrain_setup.clone().expect("the retrain form");
    assert_eq!(setup.data, "bundled:uci-digits");
    assert_eq!((setup.channels, setup.layers, setup.epochs), (16, 8, 10));
    h.get_by_label_contains("Architecture:");
    // A dataset that is not there is refused in the form, naming it.
    let out = tmp.path().join("retrained");
    {
        let s = h.state_mut().retrain_setup.as_mut().unwrap();
        s.data = tmp.path().join("nowhere").display().to_string();
        s.out = out.display().to_string();
    }
    h.run_steps(1);
    h.get_by_label("Start retrain").click();
    h.run_steps(2);
    h.get_by_label_contains("nowhere: no such file or folder");
    assert!(h.state().retrain.is_none());
    {
        let s = h.state_mut().retrain_setup.as_mut().unwrap();
        s.data = "bundled:uci-digits".into();
        s.epochs = 2;
        s.channels = 4;
        s.layers = 3;
        s.train_limit = 300;
        s.crop_padding = 0;
    }
    h.run_steps(1);
    h.get_by_label("Start retrain").click();
    h.run_steps(2);
    assert!(h.state().retrain_setup.is_none(), "the form closes");
    wait_for(&mut h, "the retrain to finish", 2 * MINUTE, |a| {
        a.retrain.as_ref().is_some_and(|j| !j.active())
    });
    let job = h.state().retrain.as_ref().unwrap();
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.status);
    assert_eq!(job.epochs.len(), 2);
    assert_eq!(
        job.steps,
        (10, 10),
        "300 images in batches of 64: 5 steps an epoch"
    );
    // The Training view shows it (the form switched to it), the run's files are on disk.
    h.run_steps(2);
    h.get_by_label_contains("Retrain of");
    h.get_by_label_contains("retrained (");
    h.get_by_label_contains("finished: its result is in the Training tab");
    h.get_by_label_contains("300 training images; 359 test images");
    assert!(out.join("retrain.json").is_file() && out.join("epochs.jsonl").is_file());
    // The Export view shows the result beside the genotype it belongs to.
    h.get_by_label("Export").click();
    h.run_steps(2);
    h.get_by_label_contains("after epoch 2 of 2");
    // Dropping the finished retrain's folder onto the window opens it again in the Training
    // tab: it loads, trains nothing more and shows its result.
    h.state_mut().retrain = None;
    h.input_mut().dropped_files.push(egui::DroppedFile {
        path: Some(out.clone()),
        ..Default::default()
    });
    h.run_steps(1);
    wait_for(&mut h, "the retrain to reopen", MINUTE, |a| {
        a.retrain.as_ref().is_some_and(|j| !j.active())
    });
    let job = h.state().retrain.as_ref().unwrap();
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.status);
    assert_eq!((job.steps.0, job.epochs.len()), (10, 2));
    h.get_by_label_contains("after epoch 2 of 2");
}
