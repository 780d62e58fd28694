//! The Learner section of Setup: which meta-learner, its settings (every field, as the
//! `[learner]` TOML of a run config, checked as you type), the training schedule and the seed.

use metanas_core::learners::{
    BaseConfig, BaseFewShotConfig, HeadInit, MamlConfig, MnasConfig, MnasVariant, ReptileConfig,
};
use metanas_core::run::LearnerConfig;

use super::super::learner_text::learner_toml;
use super::super::picker::Purpose;
use super::super::state::Workbench;
use super::heading;

/// The learners a user can choose, with their default settings.
fn choices() -> Vec<(&'static str, LearnerConfig)> {
    let mnas = |variant| {
        LearnerConfig::Mnas(MnasConfig {
            variant,
            ..MnasConfig::default()
        })
    };
    vec![
        (
            "BASE (multi-task)",
            LearnerConfig::Base(BaseConfig::default()),
        ),
        (
            "BASE few-shot",
            LearnerConfig::BaseFewShot(BaseFewShotConfig::default()),
        ),
        ("M-NAS", mnas(MnasVariant::Full)),
        ("M-NAS-Shared", mnas(MnasVariant::Shared)),
        ("M-NAS-NM", mnas(MnasVariant::NoModulation)),
        ("MAML", LearnerConfig::Maml(MamlConfig::default())),
        ("Reptile", LearnerConfig::Reptile(ReptileConfig::default())),
    ]
}

/// The Learner section.
pub fn learner_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    heading(ui, "Learner");
    let current = app.draft.learner.name();
    let choices = choices();
    let shown = choices
        .iter()
        .find(|(_, c)| c.name() == current)
        .map_or(current, |(label, _)| label);
    let mut chosen = None;
    egui::ComboBox::from_label("Meta-learner")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (label, config) in &choices {
                if ui
                    .selectable_label(config.name() == current, *label)
                    .clicked()
                {
                    chosen = Some(config.clone());
                }
            }
        });
    if let Some(config) = chosen.filter(|c| c.name() != current) {
        app.learner_text = learner_toml(&config);
        app.draft.learner = config;
        app.learner_error = None;
        app.draft_changed();
    }
    ui.label("Settings (the run config's [learner] table; every field, checked as you type):");
    let edit = ui.add(
        egui::TextEdit::multiline(&mut app.learner_text)
            .code_editor()
            .desired_rows(10)
            .desired_width(f32::INFINITY),
    );
    if edit.changed() {
        match toml::from_str::<LearnerConfig>(&app.learner_text) {
            Ok(config) => {
                app.draft.learner = config;
                app.learner_error = None;
                app.draft_changed();
            }
            Err(e) => app.learner_error = Some(e.message().to_string()),
        }
    }
    if let Some(e) = &app.learner_error {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("learner settings: {e}"),
        );
    }

    heading(ui, "Training");
    let t = &mut app.draft.training;
    let mut changed = false;
    let mut head_changed = false;
    egui::Grid::new("training-grid").num_columns(2).show(ui, |ui| {
        let mut row = |ui: &mut egui::Ui, label: &str, value: &mut usize, min: usize, hint: &str| {
            ui.label(label).on_hover_text(hint);
            changed |= ui
                .add(egui::DragValue::new(value).range(min..=10_000_000))
                .changed();
            ui.end_row();
        };
        row(ui, "Meta-steps", &mut t.max_steps, 1, "training.max_steps");
        row(ui, "Tasks per meta-batch", &mut t.meta_batch, 1, "training.meta_batch");
        row(ui, "Checkpoint every", &mut t.checkpoint_every, 1, "training.checkpoint_every (meta-steps)");
        row(ui, "Adaptation steps", &mut t.adapt_steps, 0, "training.adapt_steps: steps when adapting to a task");
        head_changed = head_row(ui, &mut t.adapt_head);
        row(ui, "Posterior snapshot every", &mut t.snapshot_every, 0, "training.snapshot_every: meta-steps between snapshots of task posteriors (PCA); 0 = never");
        row(ui, "Tasks per snapshot", &mut t.snapshot_tasks, 0, "training.snapshot_tasks");
        row(ui, "Validation tasks", &mut t.validation_tasks, 0, "training.validation_tasks: validation tasks adapted at every checkpoint; the best checkpoint is kept for adapt and eval; 0 = off");
        ui.label("Seed");
        changed |= ui.add(egui::DragValue::new(&mut app.draft.seed)).changed();
        ui.end_row();
    });
    if changed || head_changed {
        app.draft_changed();
    }
    ui.horizontal(|ui| {
        ui.label(format!("New runs go in {}", app.runs_folder().display()));
        if ui.button("Change…").clicked() {
            app.ask(Purpose::RunsFolder);
        }
    });
    if let Some(e) = &app.draft_error {
        ui.colored_label(ui.visuals().error_fg_color, format!("cannot start: {e}"));
    }
}

/// The row of `training.adapt_head`: where adaptation's classifier head starts.
fn head_row(ui: &mut egui::Ui, head: &mut HeadInit) -> bool {
    const HEADS: [(HeadInit, &str); 2] = [
        (HeadInit::Meta, "the meta-network's head"),
        (HeadInit::Prototypes, "class prototypes of the support"),
    ];
    let name = |h: HeadInit| HEADS.iter().find(|(k, _)| *k == h).map_or("", |(_, l)| *l);
    let label = ui.label("Adaptation head").on_hover_text(
        "training.adapt_head: where adaptation (and validation) starts the classifier head: \
         the meta-network's own, or the class prototypes of the task's support set in the \
         meta-network's features (Proto-MAML; docs/adaptation.md)",
    );
    let before = *head;
    egui::ComboBox::from_id_salt("adapt-head")
        .selected_text(name(*head))
        .show_ui(ui, |ui| {
            for (h, l) in HEADS {
                ui.selectable_value(head, h, l);
            }
        })
        .response
        .labelled_by(label.id);
    ui.end_row();
    *head != before
}
