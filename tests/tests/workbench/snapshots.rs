//! Snapshots of every main view of the workbench from a prepared state (a digits run with a
//! made-up but deterministic history, an adaptation to a task of real bundled digits),
//! rendered with wgpu (Mesa's lavapipe on machines without a GPU). Create or update them with
//! `UPDATE_SNAPSHOTS=1 cargo test -p metanas-tests --test workbench snapshots::`.

use metanas_app::plots::RunHistory;
use metanas_app::workbench::{
    AdaptMethod, AdaptRequest, AdaptResult, Comparison, DatasetInfo, Tab, TaskBaselines, Workbench,
    PRESETS,
};
use metanas_core::baselines::Baseline;
use metanas_core::data::{uci_digits, LoadOptions};
use metanas_core::genotype::Genotype;
use metanas_core::learners::{
    Adaptation, ArchTables, MeanCi, Predictions, StepReport, TaskMetrics,
};
use metanas_core::run::{ArchRecord, MetricRecord, RunConfig, SnapshotRecord};
use metanas_core::space::CellKind;
use metanas_core::tasks::{Batch, Episode, Split, Targets};
use metanas_tests::workbench::rendering_harness;
use metanas_tests::workspace_root;

/// Probabilities that move from uniform towards one op per edge as `t` goes 0 → 1.
fn table(config: &RunConfig, kind: CellKind, t: f32, shift: usize) -> Vec<Vec<f32>> {
    let live = config.space.live_mask(kind);
    live.iter()
        .enumerate()
        .map(|(e, row)| {
            let favourite = (e * 3 + shift) % row.len();
            let logits: Vec<f32> = (0..row.len())
                .map(|k| {
                    if !row[k] {
                        f32::NEG_INFINITY
                    } else if k == favourite {
                        4.0 * t
                    } else {
                        0.3 * t * ((k + e) % 3) as f32
                    }
                })
                .collect();
            let z: f32 = logits.iter().map(|l| l.exp()).sum();
            logits.iter().map(|l| l.exp() / z).collect()
        })
        .collect()
}

fn tables(config: &RunConfig, t: f32, shift: usize) -> ArchTables {
    ArchTables {
        normal: table(config, CellKind::Normal, t, shift),
        reduce: Some(table(config, CellKind::Reduce, t, shift + 1)),
    }
}

fn prepared(config: RunConfig) -> (RunHistory, AdaptResult) {
    let steps = 60;
    let metrics = (1..=steps)
        .map(|s| {
            let x = s as f64;
            MetricRecord {
                report: StepReport {
                    step: s,
                    loss: 1.6 * (-x / 25.0).exp() + 0.4 + 0.05 * (x * 1.3).sin(),
                    accuracy: Some(0.25 + 0.5 * (1.0 - (-x / 20.0).exp()) + 0.03 * (x * 0.7).cos()),
                    mse: None,
                    temperature: Some((0.2f64.ln() * x / 1000.0).exp()),
                    tasks: 4,
                },
                step_seconds: 0.5,
                elapsed_seconds: 0.5 * x,
            }
        })
        .collect();
    let arch = (0..=steps)
        .map(|s| {
            let t = tables(&config, s as f32 / steps as f32, 0);
            ArchRecord {
                step: s,
                normal: t.normal,
                reduce: t.reduce,
            }
        })
        .collect::<Vec<_>>();
    let genotype_of =
        |t: &ArchTables| Genotype::derive(&config.space, &t.normal, t.reduce.as_deref());
    let snapshots = (0..24)
        .map(|i| {
            let t = tables(&config, 0.5 + 0.02 * i as f32, i % 3);
            SnapshotRecord {
                step: 25 * (1 + i / 8),
                task: i % 8,
                source: 0,
                source_name: ["digits", "digits-rotated", "digits-inverted"][i % 3].into(),
                before: Some(0.2),
                after: Some(0.6),
                weight_sketch: (0..16)
                    .map(|k| ((i * 7 + k * 3) % 11) as f32 * 0.01 * (1 + i % 3) as f32)
                    .collect(),
                arch: t.flatten(),
                genotype: genotype_of(&t),
            }
        })
        .collect();
    let last = tables(&config, 1.0, 0);
    let mut history = RunHistory::new(
        "/home/researcher/runs/base-20261123-101502".into(),
        config.clone(),
        "base".into(),
    );
    history.steps = steps;
    history.metrics = metrics;
    for record in arch {
        history.push_arch(record);
    }
    history.snapshots = snapshots;
    history.genotype = Some(genotype_of(&last));
    history.sources = vec!["bundled:uci-digits".into()];
    // A 5-way 1-shot task of real digits (classes 5..9), two queries per class.
    let digits = uci_digits(&mut LoadOptions::default()).unwrap();
    let by_class = digits.indices_by_class();
    let batch = |picks: &[(usize, usize)]| Batch {
        inputs: picks
            .iter()
            .flat_map(|&(c, i)| digits.samples.sample(by_class[c][i]).to_vec())
            .collect(),
        targets: Targets::Classes(picks.iter().map(|&(c, _)| c - 5).collect()),
        sample_ids: picks.iter().map(|&(c, i)| by_class[c][i]).collect(),
    };
    let support: Vec<(usize, usize)> = (5..10).map(|c| (c, 0)).collect();
    let query: Vec<(usize, usize)> = (5..10).flat_map(|c| [(c, 1), (c, 2)]).collect();
    let truth: Vec<usize> = query.iter().map(|&(c, _)| c - 5).collect();
    let before: Vec<usize> = truth
        .iter()
        .enumerate()
        .map(|(i, &t)| if i % 3 == 0 { t } else { (t + 1) % 5 })
        .collect();
    let after: Vec<usize> = truth
        .iter()
        .enumerate()
        .map(|(i, &t)| if i == 4 { (t + 2) % 5 } else { t })
        .collect();
    let adapt_steps = 5;
    let arch_history: Vec<ArchTables> = (0..=adapt_steps)
        .map(|s| tables(&config, 1.0 + 0.2 * s as f32, s / 3))
        .collect();
    let metric = |acc: f64| TaskMetrics {
        loss: 1.0 - acc,
        accuracy: Some(acc),
        mse: None,
    };
    let adaptation = Adaptation {
        steps: adapt_steps,
        per_step: [0.3, 0.5, 0.6, 0.7, 0.8, 0.9].map(metric).to_vec(),
        before: Predictions::Classes(before),
        after: Predictions::Classes(after),
        genotype: genotype_of(arch_history.last().unwrap()),
        arch_history,
        weight_sketch: (0..16).map(|k| k as f32 * 0.02).collect(),
    };
    let result = AdaptResult {
        request: AdaptRequest {
            dataset: None,
            split: Split::Test,
            task: 3,
            steps: adapt_steps,
            method: AdaptMethod::MetaNetwork,
        },
        step: steps,
        prior_genotype: history.genotype.clone(),
        episode: Episode {
            source: 0,
            source_name: "bundled:uci-digits".into(),
            input_shape: vec![1, 8, 8],
            classes: (5..10).collect(),
            support: batch(&support),
            query: batch(&query),
            function: None,
        },
        adaptation,
        baselines: TaskBaselines {
            scores: vec![
                (Baseline::NearestMeanPixels, 0.7),
                (Baseline::LinearPixels, 0.8),
                (Baseline::FromScratch, 0.4),
                (Baseline::NearestMeanFeatures, 0.6),
            ],
            pixels: "8x8 grey".into(),
        },
    };
    (history, result)
}

fn prepared_app(app: &mut Workbench) {
    let digits = PRESETS
        .iter()
        .find(|p| p.file.ends_with("digits_5way_1shot.toml"))
        .unwrap();
    let config = digits.load().unwrap();
    let (history, result) = prepared(config.clone());
    // As opening a run does: the learner's settings text follows the config.
    app.set_draft(config, None);
    app.run = Some(history);
    app.adaptations = vec![result];
    app.shown_adaptation = Some(0);
    let ci = |mean: f64, ci95: f64| MeanCi {
        mean,
        ci95,
        median: mean,
        n: 20,
    };
    app.views.adapt.comparison = Some(Comparison {
        tasks: 20,
        steps: 5,
        step: app.run.as_ref().map_or(0, |r| r.steps),
        metric: "accuracy".into(),
        adapted: ci(0.62, 0.05),
        baselines: vec![
            (Baseline::NearestMeanPixels, ci(0.66, 0.04)),
            (Baseline::LinearPixels, ci(0.68, 0.05)),
            (Baseline::FromScratch, ci(0.35, 0.04)),
            (Baseline::NearestMeanFeatures, ci(0.5, 0.06)),
        ],
        pixels: "8x8 grey".into(),
    });
    app.notices.clear();
}

#[test]
fn every_main_view_matches_its_snapshot() {
    // A fixed folder: the Setup tab shows the runs folder, so a name with the process id
    // would change the picture from run to run.
    let state = std::env::temp_dir().join("metanas-workbench-snapshots");
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).unwrap();
    let mut h = rendering_harness(state.clone());
    prepared_app(h.state_mut());
    let dir = workspace_root().join("tests/snapshots");
    let mut failures = Vec::new();
    let mut snapshot = |h: &mut egui_kittest::Harness<'_, Workbench>, name: &str| {
        let options = egui_kittest::SnapshotOptions::default()
            .threshold(1.0)
            .failed_pixel_count_threshold(400)
            .output_path(&dir);
        if let Err(e) = h.try_snapshot_options(name, &options) {
            failures.push(format!("{name}: {e}"));
        }
    };
    for tab in Tab::ALL {
        h.state_mut().tab = tab;
        h.run_steps(3);
        snapshot(&mut h, &format!("workbench_{}", tab.label().to_lowercase()));
    }
    // Setup with a dataset of a long name added, at the smallest window it is laid out for
    // (sections stacked) and at full HD (side by side): nothing draws over anything else.
    let data = state.join("an-image-folder-whose-long-name-has-to-wrap-inside-its-column");
    metanas_tests::image_folder(&data, 6, 7);
    let info = DatasetInfo::load(&data, &mut |_, _, _| {}).unwrap();
    h.state_mut().add_dataset(info);
    h.state_mut().notices.clear();
    h.state_mut().tab = Tab::Setup;
    for (width, height) in [(1024.0, 700.0), (1920.0, 1080.0)] {
        h.set_size(egui::vec2(width, height));
        h.run_steps(3);
        snapshot(&mut h, &format!("workbench_setup_{width}x{height}"));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
