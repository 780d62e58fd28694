//! Frame times of the GPU views against egui's own drawing, and offscreen figure times.
//!
//! - PCA scatter at 10^4, 10^5 and 10^6 points: the GPU points view (one instanced draw)
//!   against egui_plot's markers, in the same plot.
//! - Heat map of a 10^5-step run (the default image space, 224 rows): the GPU view against an
//!   egui texture of the same grid.
//! - The PNG figures of that run (`metanas export --png`).
//!
//! Each frame is a whole offscreen frame: egui pass, tessellation, GPU work and reading the
//! pixels back (the read-back is the same for both sides of a comparison). On a machine
//! without a GPU, wgpu runs on Mesa's lavapipe (CPU), so the GPU side is a software
//! rasteriser there.
//!
//! Run: `cargo bench -p metanas-app --bench gpu_views`.

use std::time::Instant;

use metanas_app::gpu::Offscreen;
use metanas_app::plots::heat::{heat_map, HeatState};
use metanas_app::plots::scatter::{scatter_plot, Scatter};
use metanas_app::plots::{png_figures_with, RunHistory};
use metanas_app::workbench::PRESETS;
use metanas_core::run::ArchRecord;
use metanas_core::space::{CellKind, SearchSpace};

const W: u32 = 1280;
const H: u32 = 820;

/// Median and maximum milliseconds of `frames` calls (at least one, stopping after 20 s).
fn time(frames: usize, mut f: impl FnMut()) -> (f64, f64) {
    f(); // Warm-up: uploads, pipelines, font atlas.
    let start = Instant::now();
    let mut ms = Vec::new();
    while ms.len() < frames && (ms.is_empty() || start.elapsed().as_secs() < 20) {
        let t = Instant::now();
        f();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1])
}

/// `n` points in four Gaussian-ish clusters (a fixed integer hash, no RNG dependency).
fn clusters(n: usize) -> Scatter {
    let hash = |i: usize, k: u64| {
        let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ k;
        x ^= x >> 31;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 29;
        (x % 10_000) as f64 / 10_000.0
    };
    let centres = [[-2.0, -1.0], [1.5, 1.0], [0.0, 2.0], [2.0, -2.0]];
    let mut xy = Vec::with_capacity(n);
    let mut group = Vec::with_capacity(n);
    for i in 0..n {
        let g = i % 4;
        let (a, b) = (hash(i, 1) + hash(i, 2) - 1.0, hash(i, 3) + hash(i, 4) - 1.0);
        xy.push([centres[g][0] + a, centres[g][1] + b]);
        group.push(g as u16);
    }
    let colours = [
        egui::Color32::from_rgb(0x1f, 0x77, 0xb4),
        egui::Color32::from_rgb(0xff, 0x7f, 0x0e),
        egui::Color32::from_rgb(0x2c, 0xa0, 0x2c),
        egui::Color32::from_rgb(0xd6, 0x27, 0x28),
    ];
    let groups = (0..4)
        .map(|g| (format!("source {g}"), colours[g]))
        .collect();
    Scatter::new(&xy, group, groups)
}

/// A run of `steps` records over the default image space, probabilities drifting.
fn long_run(steps: usize) -> RunHistory {
    let mut config = PRESETS
        .iter()
        .find(|p| p.file.ends_with("base_regression.toml"))
        .and_then(|p| p.load().ok())
        .expect("the BASE regression preset");
    config.space = SearchSpace::default_image();
    let mut history = RunHistory::new("bench-run".into(), config.clone(), "base".into());
    let ops = config.space.ops.len();
    let edges = config.space.num_edges();
    let table = |t: f32, shift: usize| -> Vec<Vec<f32>> {
        (0..edges)
            .map(|e| {
                let favourite = (e + shift) % ops;
                let rest = (1.0 - t) / ops as f32;
                (0..ops)
                    .map(|k| if k == favourite { rest + t } else { rest })
                    .collect()
            })
            .collect()
    };
    for step in 0..steps {
        let t = 0.9 * step as f32 / steps as f32;
        history.push_arch(ArchRecord {
            step,
            normal: table(t, 0),
            reduce: config
                .space
                .cells
                .contains(&CellKind::Reduce)
                .then(|| table(t, 3)),
        });
    }
    history
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench`");
        return;
    }
    let mut offscreen = match Offscreen::new() {
        Ok(o) => o,
        Err(e) => {
            println!("no offscreen renderer: {e}");
            return;
        }
    };
    println!("adapter: {}", offscreen.adapter());
    let (b50, bmax) = time(10, || {
        offscreen
            .render(W, H, 1.0, |ui| {
                ui.label("empty frame");
            })
            .expect("frame renders");
    });
    println!("empty {W}x{H} frame (egui pass, render, read-back): {b50:.1} / {bmax:.1} ms");
    println!("\nPCA scatter, {W}x{H} frame: median / max ms per frame");
    println!("| points | GPU points view | egui_plot markers |");
    println!("| --- | --- | --- |");
    for n in [10_000, 100_000, 1_000_000] {
        let scatter = clusters(n);
        let mut frame = |gpu: bool| {
            offscreen
                .render(W, H, 1.0, |ui| {
                    scatter_plot(ui, "bench", &scatter, None, H as f32 - 40.0, gpu);
                })
                .expect("frame renders");
        };
        let (g50, gmax) = time(10, || frame(true));
        let (e50, emax) = time(if n >= 1_000_000 { 2 } else { 5 }, || frame(false));
        println!("| {n} | {g50:.1} / {gmax:.1} | {e50:.1} / {emax:.1} |");
    }

    let t = Instant::now();
    let history = long_run(100_000);
    println!(
        "\n10^5 architecture records binned for the heat map in {:.0} ms ({} rows, {} columns)",
        t.elapsed().as_secs_f64() * 1000.0,
        history.heat.rows().len(),
        history.heat.columns()
    );
    println!("\nHeat map of 10^5 steps, {W}x{H} frame: median / max ms per frame");
    println!("| GPU heat map view | egui texture |");
    println!("| --- | --- |");
    let mut heat_frame = |gpu: bool, state: &mut HeatState| {
        offscreen
            .render(W, H, 1.0, |ui| {
                let size = ui.available_size();
                heat_map(ui, &history.heat, state, size, true, gpu);
            })
            .expect("frame renders");
    };
    let mut gpu_state = HeatState::default();
    let mut cpu_state = HeatState::default();
    let (g50, gmax) = time(10, || heat_frame(true, &mut gpu_state));
    let (c50, cmax) = time(10, || heat_frame(false, &mut cpu_state));
    println!("| {g50:.1} / {gmax:.1} | {c50:.1} / {cmax:.1} |");

    println!("\nOffscreen PNG figures of that run (`metanas export --png`), scale 2:");
    let t = Instant::now();
    let figures = png_figures_with(&mut offscreen, &history, 2.0).expect("figures render");
    let total = t.elapsed().as_secs_f64() * 1000.0;
    for (name, bytes) in &figures {
        println!("  {name}: {} kB", bytes.len() / 1024);
    }
    println!("  all figures: {total:.0} ms");
}
