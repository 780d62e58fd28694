//! The workbench's first-hour stories, driven through its labels (egui_kittest, no renderer):
//! a machine where no file dialog can be shown (the path field with completion stands in),
//! a run made by the CLI opened and shown in Setup, Resume after Setup was edited, the status
//! area and its log, files dropped onto the window.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use metanas_app::workbench::{Purpose, TrainState, Workbench};
use metanas_tests::workbench::{harness, harness_on_run, wait_for, FakePicker};
use metanas_tests::{tempdir, train_ok, workspace_root};

const MINUTE: Duration = Duration::from_secs(60);

/// A fresh folder for the test `name` holding `cli-run`, a regression run made by the CLI: 2
/// of its meta-steps done, more to go.
fn folder_with_cli_run(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempdir(name);
    let run = tmp.path().join("cli-run");
    train_ok(
        &workspace_root().join("assets/configs/base_regression.toml"),
        &run,
        2,
    );
    (tmp, run)
}

/// Types `text` into the path field in place of what it holds.
fn type_path(h: &mut Harness<'static, Workbench>, label: &str, text: &str) {
    if let Some(p) = h.state_mut().path_prompt.as_mut() {
        p.text.clear();
    }
    h.run_steps(1);
    let field = h.get_by_label(label);
    field.focus();
    field.type_text(text);
    h.run_steps(2);
}

#[test]
fn without_file_dialogs_a_cli_run_opens_from_the_path_field_and_shows_its_config() {
    let (tmp, run) = folder_with_cli_run("flow-no-dialogs");
    let mut h = harness(tmp.path().join("runs"), Arc::new(FakePicker::failing()));
    h.run_steps(2);

    // The dialog fails: the window says why and offers the path field.
    h.get_by_label("Open run…").click();
    wait_for(&mut h, "the path field", MINUTE, |a| {
        a.path_prompt.is_some()
    });
    h.get_by_label_contains("zenity, the fallback, is not installed");
    // The field has the keyboard: typing goes into it at once.
    h.run_steps(2);
    assert!(h.get_by_label("Folder path").is_focused());
    h.get_by_label_contains("sudo apt install zenity");

    // A folder that holds no run is refused in the field, naming it.
    type_path(&mut h, "Folder path", &tmp.path().display().to_string());
    h.get_by_label("Choose").click();
    h.run_steps(2);
    h.get_by_label_contains("is not a run directory (it holds no run.json, nor retrain.json)");
    assert!(h.state().path_prompt.is_some());

    // Tab completes the run's folder name.
    type_path(
        &mut h,
        "Folder path",
        &format!("{}/cli-", tmp.path().display()),
    );
    h.key_press(egui::Key::Tab);
    h.run_steps(2);
    let text = h.state().path_prompt.as_ref().unwrap().text.clone();
    assert_eq!(text, format!("{}/cli-run/", tmp.path().display()));
    h.get_by_label("Choose").click();
    wait_for(&mut h, "the CLI run to open", MINUTE, |a| {
        a.run.is_some() && !a.worker_busy
    });
    assert!(h.state().path_prompt.is_none());

    // Setup shows the run's own config.
    let config = h.state().run.as_ref().unwrap().config.clone();
    assert_eq!(h.state().draft, config);
    h.get_by_label_contains("Setup shows the open run");
    let preset = h.get_by_label("Preset").value();
    assert_eq!(preset.as_deref(), Some("(the open run)"));
    assert_eq!(h.state().settings.recent_paths.first(), Some(&run));

    // Dialogs failed once: the next chooser is the path field at once, with the recent path.
    h.get_by_label("Add dataset folder…").click();
    h.run_steps(2);
    assert_eq!(
        h.state().path_prompt.as_ref().map(|p| p.purpose.clone()),
        Some(Purpose::DatasetFolder)
    );
    h.get_by_label(&run.display().to_string());
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.state().path_prompt.is_none());

    // An edited Setup is the next run; Resume says the edits will not apply and asks.
    h.state_mut().draft.seed = 7;
    h.state_mut().draft_changed();
    h.run_steps(2);
    h.get_by_label_contains("Setup is the next run: it differs from the open run");
    let target = config.training.max_steps;
    h.get_by_label(&format!("Continue to step {target}"))
        .click();
    h.run_steps(2);
    h.get_by_label("Setup differs from the open run");
    h.get_by_label_contains("Setup was edited in seed.");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(h.state().train, TrainState::Idle);
    h.get_by_label(&format!("Continue to step {target}"))
        .click();
    h.run_steps(2);
    h.get_by_label("Resume the run as it is").click();
    wait_for(&mut h, "a meta-step of the resumed run", 2 * MINUTE, |a| {
        a.run.as_ref().is_some_and(|r| r.steps > 2)
    });
    // The run trains with its own seed; Setup is read-only meanwhile.
    assert_eq!(h.state().run.as_ref().unwrap().config.seed, config.seed);
    h.get_by_label_contains("(read-only while it trains)");

    // The status bar dropped the stale "opened ... at meta-step 2"; the log keeps it.
    let current = h.state().notices.current().map(|n| n.text.clone());
    assert!(
        current.as_deref().is_none_or(|t| !t.starts_with("opened")),
        "{current:?}"
    );
    assert!(h.query_by_label_contains("at meta-step 2").is_none());
    h.get_by_label_contains("Messages (").click();
    h.run_steps(2);
    h.get_by_label_contains("at meta-step 2");
    h.get_by_label("Stop").click();
    wait_for(&mut h, "training to stop", 2 * MINUTE, |a| {
        a.train == TrainState::Idle && !a.worker_busy
    });
}

#[test]
fn an_opened_run_exports_its_files_and_figures() {
    let (tmp, run) = folder_with_cli_run("flow-export");
    let out = tmp.path().join("figures");
    let picker = Arc::new(FakePicker::default());
    picker.answer(Purpose::ExportFolder, &out);
    let mut h = harness_on_run(tmp.path().join("runs"), picker, &run);
    h.get_by_label("Export").click();
    h.run_steps(2);
    h.get_by_label("Export to folder…").click();
    wait_for(&mut h, "the export", 2 * MINUTE, |a| {
        a.exported.is_some() && !a.worker_busy
    });
    // The files the view lists are on disk; the figures are drawn on lavapipe (CI installs it).
    let (dir, files) = h.state().exported.clone().unwrap();
    assert_eq!(dir, out);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "genotype.json",
        "genotype.py",
        "metrics.csv",
        "normal.svg",
        "cells.png",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(files.iter().all(|f| f.is_file()));
    let errors: Vec<String> = h
        .state()
        .notices
        .all()
        .iter()
        .filter(|n| n.error)
        .map(|n| n.text.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    h.run_steps(2);
    h.get_by_label(&format!("Last export, {}:", out.display()));
    h.get_by_label_contains(&format!("exported {} files to", files.len()));
}

#[test]
fn dropped_files_open_runs_and_add_datasets() {
    let (tmp, run) = folder_with_cli_run("flow-drop");
    let letters = tmp.path().join("letters");
    metanas_tests::image_folder(&letters, 6, 7);
    let mut h = harness(tmp.path().join("runs"), Arc::new(FakePicker::default()));
    h.run_steps(2);
    let drop = |h: &mut Harness<'static, Workbench>, path: &Path| {
        h.input_mut().dropped_files.push(egui::DroppedFile {
            path: Some(path.to_path_buf()),
            ..Default::default()
        });
        h.run_steps(1);
    };

    drop(&mut h, &run);
    wait_for(&mut h, "the dropped run to open", MINUTE, |a| {
        a.run.is_some() && !a.worker_busy
    });
    assert_eq!(h.state().run.as_ref().unwrap().dir, run);

    // The run is regression; a dropped image folder is inspected and listed all the same.
    drop(&mut h, &letters);
    wait_for(&mut h, "the dropped folder to load", MINUTE, |a| {
        a.datasets.len() == 1 && !a.worker_busy
    });
    assert_eq!(h.state().datasets[0].classes.len(), 6);

    drop(&mut h, Path::new("/no/such/thing"));
    h.get_by_label_contains("/no/such/thing: no such file or folder");
}
