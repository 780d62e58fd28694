//! The real binary opens its window on an X server (Xvfb, a virtual display, on machines
//! without one; the test script installs it) and exits cleanly when the window closes.

use std::process::Command;
use std::time::{Duration, Instant};

use metanas_tests::{metanas_binary, tempdir};

#[test]
fn the_workbench_window_opens_and_closes_cleanly_under_xvfb() {
    let home_tmp = tempdir("workbench-launch");
    let home = home_tmp.path();
    let binary = metanas_binary();
    // xvfb-run -a picks a free display number; the app closes itself after 30 frames.
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1400x900x24"])
        .arg(&binary)
        .args(["gui", "--quit-after-frames", "30"])
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_RUNTIME_DIR", home)
        .env_remove("WAYLAND_DISPLAY")
        .spawn()
        .expect("xvfb-run is installed (the test script installs the xvfb package)");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the window did not close within 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "metanas gui exited with {status}");
    // Closing saved the settings through eframe's storage.
    let saved = walk(&home.join("data"))
        .into_iter()
        .any(|p| p.ends_with("app.ron"));
    assert!(saved, "eframe saved the app state on close");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
