//! Helpers for the end-to-end tests in `tests/tests/`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The `cargo` that runs these tests.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

/// Path of the `metanas` binary of this build profile, built (once per test process) so that
/// a test never runs a stale binary (`cargo test -p metanas-tests` alone does not rebuild it).
pub fn metanas_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_metanas).clone()
}

fn build_metanas() -> PathBuf {
    // Test executables live in target/<profile>/deps; the binary in target/<profile>.
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let bin = profile_dir.join(format!("metanas{}", std::env::consts::EXE_SUFFIX));
    {
        let status = cargo()
            .args(["build", "-p", "metanas-app", "--bin", "metanas"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building metanas failed");
    }
    bin
}
