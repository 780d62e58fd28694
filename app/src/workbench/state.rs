//! The workbench's read model: what the worker reported (drained from its channel at the start
//! of each frame), the config being edited, and the views' own state.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use metanas_core::run::{BackendKind, DatasetConfig, RunConfig, TaskConfig};

use super::adaptations::AdaptResult;
use super::dataset_info::DatasetInfo;
use super::learner_text::learner_toml;
use super::picker::{self, Answer, PathPrompt, Picked, Picker, Purpose};
use super::presets::PRESETS;
use super::retrain_job::RetrainJob;
use super::retrain_setup::RetrainSetup;
use super::settings::{default_runs_folder, Launch, Settings};
use super::status_log::StatusLog;
use super::tab::{Tab, TrainState};
use super::view_state::ViewState;
use super::worker::{self, Command, WorkerHandle};
use crate::plots::RunHistory;

/// The workbench app.
pub struct Workbench {
    /// Settings kept across restarts.
    pub settings: Settings,
    /// The config the Setup tab edits; Start creates a run from it.
    pub draft: RunConfig,
    /// Index of the preset the draft came from, if unchanged.
    pub preset: Option<usize>,
    /// The learner section of the draft as TOML, being edited.
    pub learner_text: String,
    /// Why `learner_text` does not apply, if it does not.
    pub learner_error: Option<String>,
    /// Why the draft cannot start, if it cannot (checked on every edit).
    pub draft_error: Option<String>,
    /// The open run.
    pub run: Option<RunHistory>,
    /// Training state.
    pub train: TrainState,
    /// Adaptations done in this session, newest last.
    pub adaptations: Vec<AdaptResult>,
    /// Which adaptation the Adapt and Episodes views show.
    pub shown_adaptation: Option<usize>,
    /// Datasets inspected in the Data section.
    pub datasets: Vec<DatasetInfo>,
    /// Messages: the log, and the one the status bar shows.
    pub notices: StatusLog,
    /// The path field open in place of a file dialog.
    pub path_prompt: Option<PathPrompt>,
    /// Why file dialogs cannot be shown here, once one failed (then the path field opens
    /// straight away).
    pub dialogs_unavailable: Option<String>,
    /// What the worker is doing, while it does something long.
    pub busy: Option<String>,
    /// Dataset loading progress `(path, done, total)`.
    pub loading: Option<(String, usize, usize)>,
    /// Whether the worker is handling a command.
    pub worker_busy: bool,
    /// The selected tab.
    pub tab: Tab,
    /// State of the views.
    pub views: ViewState,
    /// The last export: folder and files.
    pub exported: Option<(PathBuf, Vec<PathBuf>)>,
    /// The form of "Train this architecture…", while it is open.
    pub retrain_setup: Option<RetrainSetup>,
    /// The retrain started from the workbench (running or finished).
    pub retrain: Option<RetrainJob>,
    worker: WorkerHandle,
    picker: Arc<dyn Picker>,
    picked_tx: SyncSender<Picked>,
    picked_rx: Receiver<Picked>,
    ctx: egui::Context,
    launch: Launch,
    frames: u64,
}

impl Workbench {
    /// A workbench on the first preset (or the run in `launch` / the last one), with its
    /// worker thread started. `picker` shows the file dialogs.
    pub fn new(
        ctx: egui::Context,
        settings: Settings,
        picker: Arc<dyn Picker>,
        launch: Launch,
    ) -> std::io::Result<Self> {
        let wake_ctx = ctx.clone();
        let worker = worker::spawn(BackendKind::Cpu, move || wake_ctx.request_repaint())?;
        let (picked_tx, picked_rx) = std::sync::mpsc::sync_channel(8);
        let draft = PRESETS[0]
            .load()
            .unwrap_or_else(|e| panic!("built-in preset {}: {e}", PRESETS[0].name));
        let mut app = Self {
            learner_text: learner_toml(&draft.learner),
            draft,
            preset: Some(0),
            learner_error: None,
            draft_error: None,
            settings,
            run: None,
            train: TrainState::Idle,
            adaptations: Vec::new(),
            shown_adaptation: None,
            datasets: Vec::new(),
            notices: StatusLog::default(),
            path_prompt: None,
            dialogs_unavailable: None,
            busy: None,
            loading: None,
            worker_busy: false,
            tab: Tab::Setup,
            views: ViewState::default(),
            exported: None,
            retrain_setup: None,
            retrain: None,
            worker,
            picker,
            picked_tx,
            picked_rx,
            ctx,
            launch,
            frames: 0,
        };
        let reopen = app
            .launch
            .run
            .clone()
            .or_else(|| app.settings.last_run.clone().filter(|p| p.is_dir()));
        if let Some(dir) = reopen {
            app.send(Command::Open(dir));
        }
        Ok(app)
    }

    /// Sends a command to the worker; a full queue is reported, not waited on. Returns whether
    /// the worker got it.
    pub fn send(&mut self, command: Command) -> bool {
        match self.worker.commands.try_send(command) {
            Ok(()) => {
                self.worker_busy = true;
                true
            }
            Err(_) => {
                self.error("the worker is busy with earlier requests; try again in a moment");
                false
            }
        }
    }

    /// Adds an error message.
    pub fn error(&mut self, text: impl Into<String>) {
        self.notices.push(true, text.into());
    }

    /// Adds an information message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.notices.push(false, text.into());
    }

    /// Opens a file dialog off the UI thread; the answer arrives in a later frame. Where
    /// dialogs failed before, opens the path field instead.
    pub fn ask(&mut self, purpose: Purpose) {
        if let Some(reason) = self.dialogs_unavailable.clone() {
            self.open_path_prompt(purpose, Some(reason));
            return;
        }
        let ctx = self.ctx.clone();
        if let Err(e) = picker::ask(
            self.picker.clone(),
            purpose,
            self.picked_tx.clone(),
            move || ctx.request_repaint(),
        ) {
            self.error(format!("cannot open a file dialog: {e}"));
        }
    }

    /// Opens the path field for `purpose` (`reason`: why no dialog was shown).
    pub fn open_path_prompt(&mut self, purpose: Purpose, reason: Option<String>) {
        let text = self
            .settings
            .recent_paths
            .first()
            .and_then(|p| {
                if purpose.wants_folder() {
                    Some(p.as_path())
                } else {
                    p.parent()
                }
            })
            .map(|p| format!("{}/", p.display()).replace("//", "/"))
            .unwrap_or_default();
        self.path_prompt = Some(PathPrompt {
            purpose,
            text,
            reason,
            error: None,
        });
    }

    /// Starts a retrain on its own thread (replacing a finished one).
    pub fn start_retrain(&mut self, start: super::retrain_job::RetrainStart) {
        if self.retrain.as_ref().is_some_and(RetrainJob::active) {
            self.error("a retrain is running already; stop it first");
            return;
        }
        let ctx = self.ctx.clone();
        match RetrainJob::spawn(BackendKind::Cpu, start, move || ctx.request_repaint()) {
            Ok(job) => {
                self.info(format!(
                    "retraining in {}: progress in the Training tab",
                    job.dir.display()
                ));
                self.retrain = Some(job);
            }
            Err(e) => self.error(format!("cannot start the retrain thread: {e}")),
        }
    }

    /// Raises the stop flag (pause and stop).
    pub fn raise_stop(&self) {
        self.worker
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Applies the worker's events; returns the file dialogs' answers that came meanwhile
    /// (a chosen path, with what it was chosen for), for the views to act on.
    pub fn drain(&mut self) -> Vec<(Purpose, PathBuf)> {
        while let Ok(event) = self.worker.events.try_recv() {
            self.apply(event);
        }
        let mut picked = Vec::new();
        while let Ok(p) = self.picked_rx.try_recv() {
            match p.answer {
                Answer::Chosen(path) => {
                    self.settings.remember(&path);
                    picked.push((p.purpose, path));
                }
                Answer::Cancelled => {}
                Answer::Unavailable(reason) => {
                    self.info("no file dialog can be shown here: a path field stands in for it");
                    self.dialogs_unavailable = Some(reason.clone());
                    self.open_path_prompt(p.purpose, Some(reason));
                }
            }
        }
        picked
    }

    /// Counts a drawn frame; true when the launch options ask to close the window now.
    pub fn count_frame(&mut self) -> bool {
        self.frames += 1;
        self.launch
            .quit_after_frames
            .is_some_and(|n| self.frames >= n)
    }

    /// Whether the launch options close the window after some frames.
    pub fn closes_after_frames(&self) -> bool {
        self.launch.quit_after_frames.is_some()
    }

    /// Puts `config` into Setup, unedited: a preset's (`preset`: its index) or an opened
    /// run's (`None`; Setup shows the open run until it is edited, then it is the next run).
    pub fn set_draft(&mut self, config: RunConfig, preset: Option<usize>) {
        self.learner_text = learner_toml(&config.learner);
        self.draft = config;
        self.learner_error = None;
        self.draft_error = None;
        self.preset = preset;
    }

    /// The fields in which Setup differs from the open run's config (empty when no run is
    /// open or they are the same).
    pub fn setup_differs_from_run(&self) -> Vec<String> {
        self.run.as_ref().map_or_else(Vec::new, |r| {
            metanas_core::run::changed_fields(&r.config, &self.draft)
        })
    }

    /// Whether a run is training (Setup is read-only then).
    pub fn training(&self) -> bool {
        !matches!(self.train, TrainState::Idle | TrainState::Paused { .. })
    }

    /// Re-checks the draft config after an edit.
    pub fn draft_changed(&mut self) {
        self.preset = None;
        self.draft_error = match self.draft.space.validate() {
            Err(e) => Some(e.to_string()),
            Ok(()) => self
                .draft
                .check(std::path::Path::new("the setup"))
                .err()
                .map(|e| e.to_string()),
        };
    }

    /// Shows a newly inspected dataset and adds it to the draft's datasets (few-shot tasks).
    pub fn add_dataset(&mut self, info: DatasetInfo) {
        let path = info.path.to_string_lossy().into_owned();
        if info.problem_count > 0 {
            self.info(format!(
                "{path}: {} files or samples could not be read (listed in the Data section)",
                info.problem_count
            ));
        }
        let usable = !info.regression && info.image.is_some();
        if let TaskConfig::FewShot(f) = &mut self.draft.tasks {
            if usable && !f.datasets.iter().any(|d| d.path.is(&path)) {
                let mut d = DatasetConfig::new(path.as_str());
                d.input = self.draft.space.inputs.first().map(|i| i.name.clone());
                f.datasets.push(d);
                self.draft_changed();
            }
        }
        if !usable {
            self.error(format!(
                "{path}: holds {}, not labelled images: few-shot tasks need classes of images",
                if info.regression {
                    "numeric targets"
                } else {
                    "feature vectors"
                }
            ));
        }
        self.datasets.retain(|d| d.path != info.path);
        self.datasets.push(info);
    }

    /// The folder new runs go in.
    pub fn runs_folder(&self) -> PathBuf {
        self.settings
            .runs_folder
            .clone()
            .unwrap_or_else(default_runs_folder)
    }
}
