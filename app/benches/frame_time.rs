//! UI frame time of the workbench while meta-training runs on its worker thread: the real app
//! in an egui_kittest harness (frames without a window), training the default preset
//! (regression families, BASE) in a temporary folder. Prints percentiles of the time of one
//! frame (draining the worker's events, laying out and painting the view into egui's shapes)
//! per view, and how many meta-steps finished meanwhile. No GPU work is timed; the snapshot
//! tests cover rendering.
//!
//! Run: `cargo bench -p metanas-app --bench frame_time` (add `-- 20` for 20 seconds per view;
//! default 8).

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use metanas_app::workbench::{
    Answer, Command, Launch, Picker, Purpose, Settings, Tab, Workbench, PRESETS,
};

struct NoDialogs;

impl Picker for NoDialogs {
    fn pick(&self, _: &Purpose) -> Answer {
        Answer::Cancelled
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs bench binaries without
    // it, and then this returns at once.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench`");
        return;
    }
    let secs: u64 = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(8);
    let runs = std::env::temp_dir().join(format!("metanas-frame-bench-{}", std::process::id()));
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 820.0))
        .build_eframe(|cc| {
            let settings = Settings {
                runs_folder: Some(runs.clone()),
                ..Settings::default()
            };
            let picker: Arc<dyn Picker> = Arc::new(NoDialogs);
            Workbench::new(cc.egui_ctx.clone(), settings, picker, Launch::default())
                .expect("worker thread starts")
        });
    let config = PRESETS
        .iter()
        .find(|p| p.file.ends_with("base_regression.toml"))
        .and_then(|p| p.load().ok())
        .expect("the BASE regression preset");
    let dir = runs.join("bench");
    h.state_mut().send(Command::Create {
        dir,
        config: Box::new(config),
        train_to: Some(1_000_000),
    });
    // Wait for the first meta-step so that every view has something to draw.
    let start = Instant::now();
    while h.state().run.as_ref().is_none_or(|r| r.steps == 0) {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
        if start.elapsed() > Duration::from_secs(300) {
            eprintln!("no meta-step within 5 minutes: {:?}", h.state().notices);
            return;
        }
    }
    println!(
        "{:<10} {:>7} {:>9} {:>9} {:>9} {:>9} {:>11}",
        "view", "frames", "p50 ms", "p90 ms", "p99 ms", "max ms", "meta-steps"
    );
    for tab in [Tab::Training, Tab::Cells, Tab::Pca, Tab::Setup] {
        h.state_mut().tab = tab;
        let steps_before = h.state().run.as_ref().map_or(0, |r| r.steps);
        let mut times = Vec::new();
        let until = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < until {
            let t = Instant::now();
            h.step();
            times.push(t.elapsed().as_secs_f64() * 1e3);
            // A 60 Hz display.
            std::thread::sleep(Duration::from_millis(16));
        }
        times.sort_by(f64::total_cmp);
        let steps = h.state().run.as_ref().map_or(0, |r| r.steps) - steps_before;
        println!(
            "{:<10} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>11}",
            tab.label(),
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(0.0),
            steps
        );
    }
    h.state().raise_stop();
    let _ = std::fs::remove_dir_all(&runs);
}
