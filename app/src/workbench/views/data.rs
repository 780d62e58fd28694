//! The Data section of Setup: where tasks come from (the regression families, or N-way K-shot
//! tasks from datasets), the datasets with what loading found in them (format, classes,
//! counts, thumbnails, problems), and the class split.

use metanas_core::run::{
    DatasetConfig, FewShotConfig, TaskConfig, BUNDLED_DIGITS, BUNDLED_OMNIGLOT,
};
use metanas_core::space::{Domain, SearchSpace};
use metanas_core::tasks::{Family, QueryPoints, RegressionTasks, SplitSpec, SupportPoints};

use super::super::dataset_info::DatasetInfo;
use super::super::picker::Purpose;
use super::super::state::Workbench;
use super::super::view_state::Textures;
use super::super::worker::Command;
use super::{heading, thumbnail};

/// The Data section.
pub fn data_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    heading(ui, "Data");
    let few_shot = matches!(app.draft.tasks, TaskConfig::FewShot(_));
    ui.horizontal(|ui| {
        if ui.radio(!few_shot, "Regression families").clicked() && few_shot {
            app.draft.tasks = TaskConfig::Regression(RegressionTasks::default());
            app.draft.space = SearchSpace::default_vector();
            app.draft_changed();
        }
        if ui.radio(few_shot, "Few-shot classification").clicked() && !few_shot {
            switch_to_few_shot(app);
        }
    });
    match &mut app.draft.tasks {
        TaskConfig::Regression(r) => {
            let mut changed = false;
            ui.label("Families (M-NAS toy regression, generated):");
            ui.horizontal_wrapped(|ui| {
                for f in Family::ALL {
                    let mut on = r.families.contains(&f);
                    if ui.checkbox(&mut on, f.name()).changed() {
                        changed = true;
                        if on {
                            r.families.push(f);
                        } else {
                            r.families.retain(|&g| g != f);
                        }
                    }
                }
            });
            egui::Grid::new("regression-grid").show(ui, |ui| {
                ui.label("Support points (K)");
                changed |= ui
                    .add(egui::DragValue::new(&mut r.shots).range(1..=1000))
                    .changed();
                ui.end_row();
                ui.label("Query points");
                changed |= ui
                    .add(egui::DragValue::new(&mut r.queries).range(1..=10_000))
                    .changed();
                ui.end_row();
            });
            ui.label("Support inputs:");
            for (value, text, hover) in [
                (
                    SupportPoints::Concentrated,
                    "around a centre, N(u, variance) (M-NAS)",
                    "u drawn per task: the queries far from the support measure extrapolation",
                ),
                (
                    SupportPoints::Uniform,
                    "uniform over the grid",
                    "drawn uniformly over the query grid's range, as MuMoMAML and HSML draw them",
                ),
            ] {
                changed |= ui
                    .radio_value(&mut r.support_points, value, text)
                    .on_hover_text(hover)
                    .changed();
            }
            ui.label("Queries:");
            for (value, text) in [
                (QueryPoints::Grid, "evenly over the grid"),
                (QueryPoints::LikeSupport, "drawn as the support is"),
            ] {
                changed |= ui.radio_value(&mut r.query_points, value, text).changed();
            }
            if changed {
                app.draft_changed();
            }
        }
        TaskConfig::FewShot(f) => {
            let mut changed = false;
            egui::Grid::new("few-shot-grid").show(ui, |ui| {
                ui.label("Ways (N)");
                changed |= ui
                    .add(egui::DragValue::new(&mut f.ways).range(2..=1000))
                    .changed();
                ui.end_row();
                ui.label("Shots (K)");
                changed |= ui
                    .add(egui::DragValue::new(&mut f.shots).range(1..=1000))
                    .changed();
                ui.end_row();
                ui.label("Queries per class");
                changed |= ui
                    .add(egui::DragValue::new(&mut f.queries).range(1..=1000))
                    .changed();
                ui.end_row();
                ui.label("Classes for training").on_hover_text(
                    "fraction of each dataset's classes; the rest validate and test",
                );
                changed |= ui
                    .add(egui::Slider::new(&mut f.split.train, 0.1..=1.0))
                    .changed();
                ui.end_row();
                ui.label("Classes for validation");
                changed |= ui
                    .add(egui::Slider::new(&mut f.split.val, 0.0..=0.5))
                    .changed();
                ui.end_row();
            });
            // The network's head has one output per way.
            if changed {
                app.draft.space.num_outputs = f.ways;
                app.draft_changed();
            }
            datasets_ui(ui, app);
        }
    }
    // Wrapped: the column can be narrower than the four buttons.
    ui.horizontal_wrapped(|ui| {
        if ui.button("Add dataset folder…").clicked() {
            app.ask(Purpose::DatasetFolder);
        }
        if ui.button("Add dataset file…").clicked() {
            app.ask(Purpose::DatasetFile);
        }
        if ui.button("Add bundled digits").clicked() {
            app.send(Command::Inspect(BUNDLED_DIGITS.into()));
        }
        if ui.button("Add bundled Omniglot").clicked() {
            app.send(Command::Inspect(BUNDLED_OMNIGLOT.into()));
        }
    });
    for info in &app.datasets {
        dataset_card(ui, &mut app.views.textures, info);
    }
}

fn datasets_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let TaskConfig::FewShot(f) = &mut app.draft.tasks else {
        return;
    };
    let inputs: Vec<String> = app
        .draft
        .space
        .inputs
        .iter()
        .map(|i| i.name.clone())
        .collect();
    let mut remove = None;
    let mut changed = false;
    ui.label("Datasets of the tasks:");
    for (i, d) in f.datasets.iter_mut().enumerate() {
        // The path on its own line (wrapped: paths are long), its settings under it.
        ui.add(egui::Label::new(d.path.to_string()).wrap());
        ui.horizontal(|ui| {
            ui.add_space(12.0);
            ui.label("weight");
            changed |= ui
                .add(
                    egui::DragValue::new(&mut d.weight)
                        .range(0.0..=1000.0)
                        .speed(0.1),
                )
                .changed();
            if inputs.len() > 1 {
                let current = d.input.clone().unwrap_or_default();
                egui::ComboBox::from_id_salt(("dataset-input", i))
                    .selected_text(current.as_str())
                    .show_ui(ui, |ui| {
                        for name in &inputs {
                            if ui.selectable_label(&current == name, name).clicked() {
                                d.input = Some(name.clone());
                                changed = true;
                            }
                        }
                    });
            }
            changed |= ui
                .checkbox(&mut d.rotations, "rotations")
                .on_hover_text(
                    "rotations: meta-train also on each training class turned by 90°, 180° \
                     and 270°, as new classes (square images; docs/config.md)",
                )
                .changed();
            if ui.small_button("Remove").clicked() {
                remove = Some(i);
            }
        });
        if let Some(sp) = d.split {
            ui.horizontal(|ui| {
                ui.add_space(12.0);
                ui.label(format!(
                    "its own class split (config): train {}, val {}, test {}",
                    sp.train,
                    sp.val,
                    ((1.0 - sp.train - sp.val) * 1e6).round() / 1e6
                ));
            });
        }
    }
    if let Some(i) = remove {
        f.datasets.remove(i);
        changed = true;
    }
    if changed {
        app.draft_changed();
    }
}

fn switch_to_few_shot(app: &mut Workbench) {
    let mut datasets: Vec<DatasetConfig> = app
        .datasets
        .iter()
        .filter(|d| !d.regression && d.image.is_some())
        .map(|d| DatasetConfig::new(d.path.to_string_lossy()))
        .collect();
    if datasets.is_empty() {
        datasets.push(DatasetConfig::new(BUNDLED_DIGITS));
    }
    let ways = 5;
    app.draft.tasks = TaskConfig::FewShot(FewShotConfig {
        ways,
        shots: 1,
        queries: 5,
        split: SplitSpec {
            train: 0.7,
            val: 0.1,
            seed: 0,
        },
        datasets,
    });
    if app.draft.space.domain != Domain::Image {
        let mut space = SearchSpace::default_image();
        space.num_outputs = ways;
        app.draft.space = space;
    }
    app.draft_changed();
}

fn dataset_card(ui: &mut egui::Ui, textures: &mut Textures, info: &DatasetInfo) {
    let title = info.path.display().to_string();
    egui::CollapsingHeader::new(&title)
        .default_open(true)
        .show(ui, |ui| {
            let size = info.image.map_or_else(
                || format!("{} features", info.features),
                |s| format!("{}x{}x{}", s.channels, s.height, s.width),
            );
            ui.label(format!(
                "{:?} · {} samples · {} · {} classes",
                info.format,
                info.samples,
                size,
                info.classes.len()
            ));
            let counts: Vec<usize> = info.classes.iter().map(|c| c.1).collect();
            if let (Some(min), Some(max)) = (counts.iter().min(), counts.iter().max()) {
                ui.label(format!("samples per class: {min}..{max}"));
            }
            ui.horizontal_wrapped(|ui| {
                for (k, t) in info.thumbnails.iter().enumerate() {
                    let key = format!("{title}#{k}");
                    let name = info.classes.get(k).map_or("", |c| c.0.as_str());
                    thumbnail(ui, textures, &key, t, 28.0).on_hover_text(name);
                }
            });
            if info.problem_count > 0 {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("{} problems while loading:", info.problem_count),
                );
                for p in &info.problems {
                    ui.small(p);
                }
            }
        });
}
