//! File dialogs behind a trait: the real app asks rfd on a dialog thread, tests answer with a
//! fixed path. The UI never blocks on a dialog; it gets the answer as a [`Picked`] message.
//! When no dialog can be shown (no desktop portal and no zenity), the answer says so and the
//! workbench offers a path field instead (`views::path_prompt`).

use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

/// What a dialog is for; the answer comes back with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Open an existing run directory.
    OpenRun,
    /// Choose the folder new runs are created in.
    RunsFolder,
    /// Add a dataset that is a folder (ImageFolder, Omniglot layout, IDX or CIFAR files).
    DatasetFolder,
    /// Add a dataset that is one file (zip, CSV, IDX).
    DatasetFile,
    /// Load a search space (TOML or JSON).
    LoadSpace,
    /// Save the search space.
    SaveSpace,
    /// The folder exports are written to.
    ExportFolder,
    /// Where the dataset with this index of the Setup's config is (a preset's dataset that is
    /// not on this machine): a file or a folder.
    LocateDataset(usize),
    /// The dataset a retrain trains on: a folder, or (`folder` false) one file.
    RetrainData {
        /// A folder rather than a file.
        folder: bool,
    },
}

impl Purpose {
    /// The dialog's title.
    pub fn title(&self) -> &'static str {
        match self {
            Purpose::OpenRun => "Open a run directory",
            Purpose::RunsFolder => "Folder for new runs",
            Purpose::DatasetFolder => "Add a dataset folder",
            Purpose::DatasetFile => "Add a dataset file",
            Purpose::LoadSpace => "Load a search space",
            Purpose::SaveSpace => "Save the search space",
            Purpose::ExportFolder => "Export into folder",
            Purpose::LocateDataset(_) => "Where is this preset's dataset?",
            Purpose::RetrainData { .. } => "Dataset to train the architecture on",
        }
    }

    /// Whether the answer is a folder.
    pub fn wants_folder(&self) -> bool {
        matches!(
            self,
            Purpose::OpenRun
                | Purpose::RunsFolder
                | Purpose::DatasetFolder
                | Purpose::ExportFolder
                | Purpose::RetrainData { folder: true }
        )
    }
}

/// A path field standing in for a file dialog (when no dialog can be shown, or asked for).
#[derive(Clone, Debug, PartialEq)]
pub struct PathPrompt {
    /// What the path is for.
    pub purpose: Purpose,
    /// The text typed so far.
    pub text: String,
    /// Why no dialog was shown, if that is why the field is open.
    pub reason: Option<String>,
    /// What is wrong with the typed path, after Choose was pressed.
    pub error: Option<String>,
}

/// What a dialog answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The user chose this path.
    Chosen(PathBuf),
    /// The user closed the dialog without choosing.
    Cancelled,
    /// No dialog could be shown; the text says what is missing and how to install it.
    Unavailable(String),
}

/// The answer to a dialog, with what it was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picked {
    /// What it was for.
    pub purpose: Purpose,
    /// The answer.
    pub answer: Answer,
}

/// Shows file dialogs.
pub trait Picker: Send + Sync {
    /// Asks the user; blocks the calling thread (never the UI thread) until they answer.
    fn pick(&self, purpose: &Purpose) -> Answer;
}

/// The system's dialogs (rfd: the desktop portal over D-Bus, then zenity, on Linux).
#[derive(Debug, Default)]
pub struct SystemPicker;

/// An empty answer sooner than this did not come from a person: on Linux rfd answers "no
/// path" both when the user cancels and when neither the portal nor zenity could show a
/// dialog (it only logs the error), and a person takes longer than this to cancel.
const TOO_QUICK_TO_BE_A_PERSON: Duration = Duration::from_millis(300);

impl Picker for SystemPicker {
    fn pick(&self, purpose: &Purpose) -> Answer {
        let asked = Instant::now();
        match system_dialog(purpose) {
            Some(path) => Answer::Chosen(path),
            None if cfg!(target_os = "linux") && asked.elapsed() < TOO_QUICK_TO_BE_A_PERSON => {
                let bus =
                    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
                let zenity = std::env::var_os("PATH")
                    .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()));
                Answer::Unavailable(missing_dialog_text(bus, zenity))
            }
            None => Answer::Cancelled,
        }
    }
}

/// Why no dialog appeared, naming what is missing (`bus`: a D-Bus session bus is set in the
/// environment; `zenity`: zenity is on `PATH`) and how to install it.
pub fn missing_dialog_text(bus: bool, zenity: bool) -> String {
    let portal = if bus {
        "the desktop portal (xdg-desktop-portal with a file chooser) did not answer"
    } else {
        "the desktop portal cannot be reached (no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set)"
    };
    let fallback = if zenity {
        "zenity is on PATH but did not show a dialog (is DISPLAY set?)"
    } else {
        "zenity, the fallback, is not installed"
    };
    format!(
        "No file dialog could be shown: {portal}, and {fallback}. Install one \
         (e.g. `sudo apt install zenity`, or `xdg-desktop-portal-gtk`), type the path here, \
         or drop the file or folder onto the window."
    )
}

fn system_dialog(purpose: &Purpose) -> Option<PathBuf> {
    let dialog = rfd::FileDialog::new().set_title(purpose.title());
    match purpose {
        Purpose::LoadSpace => dialog
            .add_filter("search space", &["toml", "json"])
            .pick_file(),
        Purpose::SaveSpace => dialog
            .add_filter("search space", &["toml"])
            .set_file_name("space.toml")
            .save_file(),
        Purpose::DatasetFile
        | Purpose::LocateDataset(_)
        | Purpose::RetrainData { folder: false } => dialog.pick_file(),
        _ => dialog.pick_folder(),
    }
}

/// Whether `path` is acceptable for `purpose`: an error naming the path and what is wrong.
pub fn check_path(purpose: &Purpose, path: &Path) -> Result<(), String> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err("type a path first".into());
    }
    if *purpose == Purpose::SaveSpace {
        return match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) if !parent.is_dir() => {
                Err(format!("{}: no such folder", parent.display()))
            }
            _ if path.is_dir() => Err(format!("{shown} is a folder; name a .toml file")),
            _ => Ok(()),
        };
    }
    if !path.exists() {
        return Err(format!("{shown}: no such file or folder"));
    }
    match purpose {
        Purpose::OpenRun
            if !path.join("run.json").is_file() && !metanas_core::retrain::is_retrain_run(path) =>
        {
            Err(format!(
                "{shown} is not a run directory (it holds no run.json, nor retrain.json)"
            ))
        }
        Purpose::LoadSpace | Purpose::DatasetFile | Purpose::RetrainData { folder: false }
            if path.is_dir() =>
        {
            Err(format!("{shown} is a folder; this asks for a file"))
        }
        Purpose::RunsFolder
        | Purpose::ExportFolder
        | Purpose::DatasetFolder
        | Purpose::RetrainData { folder: true }
            if !path.is_dir() =>
        {
            Err(format!("{shown} is a file; this asks for a folder"))
        }
        _ => Ok(()),
    }
}

/// Runs `picker` for `purpose` on a dialog thread and sends the answer to `tx`, then calls
/// `wake` (the UI's repaint request).
pub fn ask(
    picker: std::sync::Arc<dyn Picker>,
    purpose: Purpose,
    tx: SyncSender<Picked>,
    wake: impl Fn() + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("metanas-dialog".into())
        .spawn(move || {
            let answer = picker.pick(&purpose);
            let _ = tx.send(Picked { purpose, answer });
            wake();
        })
        .map(|_| ())
}
