//! What the workbench keeps across restarts (the runs folder, the last run, recent paths) and
//! the options a window is launched with.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Settings that survive a restart (eframe storage).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The folder new runs are created in (default: `runs` under the data folder).
    pub runs_folder: Option<PathBuf>,
    /// The run open when the workbench was closed.
    pub last_run: Option<PathBuf>,
    /// Paths chosen lately (dialogs, the path field, dropped files), newest first.
    pub recent_paths: Vec<PathBuf>,
}

/// How many recent paths [`Settings`] keeps.
const RECENT_PATHS: usize = 12;

impl Settings {
    /// Puts `path` first among the recent paths.
    pub fn remember(&mut self, path: &Path) {
        self.recent_paths.retain(|p| p != path);
        self.recent_paths.insert(0, path.to_path_buf());
        self.recent_paths.truncate(RECENT_PATHS);
    }
}

/// Options of a workbench window.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// Open this run directory on start (instead of the last one).
    pub run: Option<PathBuf>,
    /// Close the window after this many frames (for the launch smoke test).
    pub quit_after_frames: Option<u64>,
}

/// `$XDG_DATA_HOME/metanas/runs`, else `~/.local/share/metanas/runs`, else `./runs`.
pub fn default_runs_folder() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("metanas").join("runs");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h).join(".local/share/metanas/runs");
    }
    PathBuf::from("runs")
}
