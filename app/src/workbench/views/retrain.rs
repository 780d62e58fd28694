//! Retraining from the workbench: the "Train this architecture…" button of the Adapt and
//! Export views, its setup window (dataset, preset protocol, epochs, size, folder), the
//! retrain's progress and curves in the Training view, and its result beside the genotype.

use egui_plot::{Legend, Line, Plot, PlotPoints};
use metanas_core::genotype::Genotype;
use metanas_core::retrain::{Architecture, Preset};

use super::super::picker::Purpose;
use super::super::retrain_job::{JobStatus, RetrainJob, RetrainStart};
use super::super::retrain_setup::RetrainSetup;
use super::super::state::Workbench;
use super::controls::duration_text;

/// The "Train this architecture…" button for `genotype`; true when clicked. Disabled while
/// a retrain runs (`busy`) or when the genotype has no reduction cell.
pub fn train_button(ui: &mut egui::Ui, busy: bool, genotype: &Genotype) -> bool {
    let fits = !genotype.reduce.is_empty();
    ui.add_enabled(!busy && fits, egui::Button::new("Train this architecture…"))
        .on_hover_text(
            "Train this genotype's full-size network from scratch on a dataset (DARTS/BASE \
             evaluation protocol) and report its test accuracy, parameters and MACs",
        )
        .on_disabled_hover_text(if busy {
            "a retrain is running: see the Training tab"
        } else {
            "this genotype has no reduction cell, which an evaluation network needs"
        })
        .clicked()
}

/// Whether a retrain is running (the button is then disabled).
pub fn retrain_busy(app: &Workbench) -> bool {
    app.retrain.as_ref().is_some_and(RetrainJob::active)
}

/// Opens the retrain form for `genotype` (`source` says where it is from).
pub fn open_form(app: &mut Workbench, genotype: Genotype, source: String) {
    let architecture = Architecture::Cells { genotype, source };
    let config = app.run.as_ref().map(|r| &r.config);
    app.retrain_setup = Some(RetrainSetup::new(architecture, config, &app.runs_folder()));
}

/// Opens the retrain run in `dir` in the Training tab: it goes on training where it stopped,
/// or (finished) loads and shows its result.
pub fn open_retrain_run(app: &mut Workbench, dir: std::path::PathBuf) {
    app.start_retrain(RetrainStart::Resume(dir));
    app.tab = super::super::tab::Tab::Training;
}

/// One line with the retrain's result when it trains `genotype`.
pub fn result_line(ui: &mut egui::Ui, app: &Workbench, genotype: &Genotype) {
    let Some(job) = app.retrain.as_ref() else {
        return;
    };
    if job.genotype() != Some(genotype) {
        return;
    }
    ui.add(egui::Label::new(summary(job)).wrap());
}

/// What a retrain has reached, in one line.
fn summary(job: &RetrainJob) -> String {
    let size = job
        .size
        .map(|s| {
            format!(
                "{:.3}M parameters, {:.1}M MACs per image",
                s.params as f64 / 1e6,
                s.macs as f64 / 1e6
            )
        })
        .unwrap_or_default();
    let epochs = job.config.as_ref().map_or(0, |c| c.protocol.epochs);
    let accuracy = job
        .epochs
        .last()
        .map(|e| {
            format!(
                "test top-1 {:.4} after epoch {} of {epochs}",
                e.test_top1, e.epoch
            )
        })
        .unwrap_or_else(|| "no epoch finished yet".into());
    let state = match &job.status {
        JobStatus::Loading => "retrain loading".to_string(),
        JobStatus::Running | JobStatus::Stopping => "retraining".to_string(),
        JobStatus::Stopped => "retrain stopped".to_string(),
        JobStatus::Done => "retrained".to_string(),
        JobStatus::Failed(m) => format!("retrain failed: {m}"),
    };
    format!("{state} ({}): {accuracy}; {size}", job.dir.display())
}

/// The retrain form, while it is open.
pub fn setup_window(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(mut setup) = app.retrain_setup.take() else {
        return;
    };
    let mut open = true;
    let mut start = false;
    let mut ask = None;
    egui::Window::new("Train this architecture")
        .collapsible(false)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 80.0))
        .open(&mut open)
        .show(ui.ctx(), |ui| {
            ui.label(format!("Architecture: {}", setup.architecture.describe()));
            ui.label(
                "Its full-size network (DARTS' evaluation network) is trained from scratch \
                 and tested on the dataset's test part (MNIST's t10k files, CIFAR's test \
                 batch) or on 20% of each class held out.",
            );
            egui::Grid::new("retrain-form")
                .num_columns(2)
                .show(ui, |ui| {
                    let label = ui.label("Dataset");
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::TextEdit::singleline(&mut setup.data)
                                .desired_width(320.0)
                                .hint_text("bundled:uci-digits"),
                        )
                        .labelled_by(label.id);
                        if ui.button("Folder…").clicked() {
                            ask = Some(Purpose::RetrainData { folder: true });
                        }
                        if ui.button("File…").clicked() {
                            ask = Some(Purpose::RetrainData { folder: false });
                        }
                    });
                    ui.end_row();
                    ui.label("Protocol");
                    let mut preset = setup.preset;
                    egui::ComboBox::from_id_salt("retrain-preset")
                        .selected_text(preset_text(preset))
                        .show_ui(ui, |ui| {
                            for p in [Preset::Small, Preset::Darts] {
                                ui.selectable_value(&mut preset, p, preset_text(p));
                            }
                        });
                    if preset != setup.preset {
                        setup.set_preset(preset);
                    }
                    ui.end_row();
                    ui.label("Epochs");
                    ui.add(egui::DragValue::new(&mut setup.epochs).range(1..=100_000));
                    ui.end_row();
                    ui.label("Channels (C)");
                    ui.add(egui::DragValue::new(&mut setup.channels).range(1..=1024));
                    ui.end_row();
                    ui.label("Cells (L)");
                    ui.add(egui::DragValue::new(&mut setup.layers).range(1..=100));
                    ui.end_row();
                    ui.label("Crop padding (pixels)");
                ui.add(egui::DragValue::new(&mut setup.crop_padding).range(0..=64))
                    .on_hover_text("0 for small images such as the 8x8 digits: a shift of 2 pixels loses them");
                ui.end_row();
                ui.label("Training images (0 = all)");
                    ui.add(egui::DragValue::new(&mut setup.train_limit).range(0..=10_000_000));
                    ui.end_row();
                    let label = ui.label("Run folder");
                    ui.add(egui::TextEdit::singleline(&mut setup.out).desired_width(420.0))
                        .labelled_by(label.id);
                    ui.end_row();
                });
            if let Some(e) = &setup.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            start = ui.button("Start retrain").clicked();
        });
    if let Some(purpose) = ask {
        app.ask(purpose);
    }
    if start {
        match setup.config() {
            Ok(config) => {
                app.start_retrain(RetrainStart::New {
                    dir: setup.out_dir(),
                    config: Box::new(config),
                });
                app.tab = super::super::tab::Tab::Training;
                return;
            }
            Err(e) => setup.error = Some(e),
        }
    }
    if open {
        app.retrain_setup = Some(setup);
    }
}

fn preset_text(p: Preset) -> &'static str {
    match p {
        Preset::Small => "small (16 channels, 8 cells, 10 epochs; a CPU)",
        Preset::Darts => "darts (36 channels, 20 cells, 600 epochs; DARTS' CIFAR-10)",
    }
}

/// The retrain's progress, controls and curves (the Training view's top section).
pub fn retrain_section(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(job) = app.retrain.as_mut() else {
        return;
    };
    let mut resume = None;
    ui.group(|ui| {
        let arch = job.config.as_ref().map_or_else(
            || "an architecture".to_string(),
            |c| c.architecture.describe(),
        );
        ui.strong(format!("Retrain of {arch}"));
        ui.add(egui::Label::new(summary(job)).wrap());
        let (done, total) = job.steps;
        if total > 0 {
            let eta = job
                .eta_seconds()
                .filter(|_| job.active())
                .map(|s| format!(" · ETA {}", duration_text(s)))
                .unwrap_or_default();
            let loss = job
                .loss
                .map(|l| format!(" · loss {l:.4}"))
                .unwrap_or_default();
            ui.add(
                egui::ProgressBar::new(done as f32 / total as f32)
                    .text(format!("step {done} of {total}{loss}{eta}")),
            );
        }
        if let Some((train, test, source)) = &job.images {
            ui.label(format!(
                "{train} training images; {test} test images ({source})"
            ));
        }
        ui.horizontal(|ui| match job.status {
            JobStatus::Loading | JobStatus::Running => {
                if ui.button("Stop retrain").clicked() {
                    job.stop();
                }
            }
            JobStatus::Stopping => {
                ui.label("stopping after this step (a checkpoint is written)…");
            }
            JobStatus::Stopped | JobStatus::Failed(_) => {
                if ui.button("Resume retrain").clicked() {
                    resume = Some(job.dir.clone());
                }
            }
            JobStatus::Done => {}
        });
        if job.epochs.is_empty() {
            return;
        }
        let series = |f: &dyn Fn(&metanas_core::retrain::EpochRecord) -> f64| -> PlotPoints {
            job.epochs.iter().map(|e| [e.epoch as f64, f(e)]).collect()
        };
        ui.columns(2, |cols| {
            Plot::new("retrain-accuracy")
                .height(160.0)
                .legend(Legend::default())
                .x_axis_label("epoch")
                .y_axis_label("accuracy")
                .include_y(0.0)
                .include_y(1.0)
                .show(&mut cols[0], |p| {
                    p.line(Line::new("test top-1", series(&|e| e.test_top1)));
                    p.line(Line::new("train accuracy", series(&|e| e.train_accuracy)));
                });
            Plot::new("retrain-loss")
                .height(160.0)
                .legend(Legend::default())
                .x_axis_label("epoch")
                .y_axis_label("loss")
                .include_y(0.0)
                .show(&mut cols[1], |p| {
                    p.line(Line::new("train loss", series(&|e| e.train_loss)));
                });
        });
    });
    ui.add_space(6.0);
    if let Some(dir) = resume {
        app.start_retrain(RetrainStart::Resume(dir));
    }
}
