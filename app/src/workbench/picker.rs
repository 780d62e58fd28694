//! File dialogs behind a trait: the real app asks rfd on a dialog thread, tests answer with a
//! fixed path. The UI never blocks on a dialog; it gets the answer as a [`Picked`] message.

use std::path::PathBuf;
use std::sync::mpsc::SyncSender;

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
        }
    }

    /// Whether the answer is a folder.
    pub fn wants_folder(&self) -> bool {
        matches!(
            self,
            Purpose::OpenRun | Purpose::RunsFolder | Purpose::DatasetFolder | Purpose::ExportFolder
        )
    }
}

/// The answer to a dialog: `None` when the user cancelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picked {
    /// What it was for.
    pub purpose: Purpose,
    /// The chosen path.
    pub path: Option<PathBuf>,
}

/// Shows file dialogs.
pub trait Picker: Send + Sync {
    /// Asks the user; blocks the calling thread (never the UI thread) until they answer.
    fn pick(&self, purpose: &Purpose) -> Option<PathBuf>;
}

/// The system's dialogs (rfd).
#[derive(Debug, Default)]
pub struct SystemPicker;

impl Picker for SystemPicker {
    fn pick(&self, purpose: &Purpose) -> Option<PathBuf> {
        let dialog = rfd::FileDialog::new().set_title(purpose.title());
        match purpose {
            Purpose::LoadSpace => dialog
                .add_filter("search space", &["toml", "json"])
                .pick_file(),
            Purpose::SaveSpace => dialog
                .add_filter("search space", &["toml"])
                .set_file_name("space.toml")
                .save_file(),
            Purpose::DatasetFile => dialog.pick_file(),
            _ => dialog.pick_folder(),
        }
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
            let path = picker.pick(&purpose);
            let _ = tx.send(Picked { purpose, path });
            wake();
        })
        .map(|_| ())
}
