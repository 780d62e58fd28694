//! Helpers for driving the workbench in tests: a file picker that answers with fixed paths,
//! one harness builder with the window size and snapshot thresholds, and waiting for the
//! worker thread.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use metanas_app::workbench::{
    missing_dialog_text, Answer, Launch, Picker, Purpose, Settings, Workbench,
};

/// Answers every dialog with the path set for its purpose (cancels when none is set), or, when
/// made with [`FakePicker::failing`], like a machine with no portal and no zenity.
#[derive(Debug, Default)]
pub struct FakePicker {
    answers: Mutex<Vec<(Purpose, PathBuf)>>,
    failing: bool,
}

impl FakePicker {
    /// A picker that cannot show dialogs, as rfd on a plain X session.
    pub fn failing() -> Self {
        Self {
            failing: true,
            ..Self::default()
        }
    }

    /// Makes dialogs for `purpose` answer `path`.
    pub fn answer(&self, purpose: Purpose, path: impl Into<PathBuf>) {
        let mut a = self.answers.lock().unwrap();
        a.retain(|(p, _)| *p != purpose);
        a.push((purpose, path.into()));
    }
}

impl Picker for FakePicker {
    fn pick(&self, purpose: &Purpose) -> Answer {
        if self.failing {
            return Answer::Unavailable(missing_dialog_text(false, false));
        }
        let a = self.answers.lock().unwrap();
        a.iter()
            .find(|(p, _)| p == purpose)
            .map_or(Answer::Cancelled, |(_, path)| Answer::Chosen(path.clone()))
    }
}

/// The window size of every workbench test.
pub const WINDOW: [f32; 2] = [1280.0, 820.0];

/// The workbench in a test harness (no renderer), new runs going into `runs_folder`.
pub fn harness(runs_folder: PathBuf, picker: Arc<FakePicker>) -> Harness<'static, Workbench> {
    builder().build_eframe(move |cc| workbench(cc.egui_ctx.clone(), runs_folder, picker))
}

/// The workbench in a harness that renders with wgpu (Mesa's lavapipe on machines without a
/// GPU), the GPU views installed, for snapshots.
pub fn rendering_harness(runs_folder: PathBuf) -> Harness<'static, Workbench> {
    builder().wgpu().build_eframe(move |cc| {
        metanas_app::gpu::install_in(cc);
        workbench(
            cc.egui_ctx.clone(),
            runs_folder,
            Arc::new(FakePicker::default()),
        )
    })
}

fn builder() -> egui_kittest::HarnessBuilder<Workbench> {
    Harness::builder()
        .with_size(egui::Vec2::from(WINDOW))
        .with_options(
            egui_kittest::SnapshotOptions::default()
                .threshold(1.0)
                .failed_pixel_count_threshold(200),
        )
}

fn workbench(ctx: egui::Context, runs_folder: PathBuf, picker: Arc<FakePicker>) -> Workbench {
    let settings = Settings {
        runs_folder: Some(runs_folder),
        ..Settings::default()
    };
    Workbench::new(ctx, settings, picker, Launch::default()).expect("worker thread starts")
}

/// Steps frames until `done` holds for the app; panics with `what` after `timeout`.
pub fn wait_for(
    harness: &mut Harness<'_, Workbench>,
    what: &str,
    timeout: Duration,
    done: impl Fn(&Workbench) -> bool,
) {
    let start = Instant::now();
    loop {
        harness.step();
        if done(harness.state()) {
            harness.run_steps(2);
            return;
        }
        let notices: Vec<String> = harness
            .state()
            .notices
            .all()
            .iter()
            .map(|n| n.text.clone())
            .collect();
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}; messages: {notices:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The workbench in a test harness (new runs in `runs_folder`) with `run` opened through
/// "Open run…", its worker idle; `picker` answers the other dialogs.
pub fn harness_on_run(
    runs_folder: PathBuf,
    picker: Arc<FakePicker>,
    run: &std::path::Path,
) -> Harness<'static, Workbench> {
    use egui_kittest::kittest::Queryable;
    picker.answer(Purpose::OpenRun, run);
    let mut h = harness(runs_folder, picker);
    h.run_steps(2);
    h.get_by_label("Open run…").click();
    wait_for(&mut h, "the run to open", Duration::from_secs(60), |a| {
        a.run.is_some() && !a.worker_busy
    });
    h
}

/// Puts the preset compiled from `assets/configs/<file>` into Setup, as the Preset menu does.
pub fn use_preset(h: &mut Harness<'static, Workbench>, file: &str) {
    let (i, preset) = metanas_app::workbench::PRESETS
        .iter()
        .enumerate()
        .find(|(_, p)| p.file.ends_with(file))
        .unwrap_or_else(|| panic!("no preset {file}"));
    let config = preset.load().unwrap();
    h.state_mut().set_draft(config, Some(i));
    h.run_steps(2);
}
