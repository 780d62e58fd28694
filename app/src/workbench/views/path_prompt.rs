//! The path field that stands in for a file dialog: a text field with Tab completion and the
//! matching entries below it, the recent paths, and why no dialog was shown.

use std::path::PathBuf;

use super::super::path_completion::{candidates, complete, expand_home};
use super::super::picker::check_path;
use super::super::state::Workbench;
use super::on_picked;

/// How many completions are listed under the field.
const SHOWN_CANDIDATES: usize = 8;

/// Shows the path field, if one is open; acts on Choose.
pub fn path_prompt_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(prompt) = app.path_prompt.as_mut() else {
        return;
    };
    let field_id = egui::Id::new("path-prompt-field");
    let mut choose = false;
    let mut cancel = false;
    let recent = app.settings.recent_paths.clone();
    let title = prompt.purpose.title();
    egui::Window::new(title)
        .collapsible(false)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 80.0))
        .show(ui.ctx(), |ui| {
            if let Some(reason) = &prompt.reason {
                ui.add(egui::Label::new(
                    egui::RichText::new(reason.as_str()).color(ui.visuals().warn_fg_color),
                ));
                ui.add_space(4.0);
            }
            let what = if prompt.purpose.wants_folder() {
                "Folder path"
            } else {
                "File path"
            };
            let label = ui.label(what);
            // Tab completes (taken before the field sees it, so focus stays in the field).
            let focused = ui.memory(|m| m.has_focus(field_id));
            if focused && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Tab)) {
                if let Some(longer) = complete(&prompt.text) {
                    prompt.text = longer;
                    move_cursor_to_end(ui.ctx(), field_id, &prompt.text);
                }
            }
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut prompt.text)
                        .id(field_id)
                        .hint_text("/path/to/…   (Tab completes)")
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                choose = true;
            }
            if !focused && prompt.text.is_empty() {
                field.request_focus();
            }
            for c in candidates(&prompt.text, SHOWN_CANDIDATES) {
                if ui.small_button(c.as_str()).clicked() {
                    prompt.text = c;
                    move_cursor_to_end(ui.ctx(), field_id, &prompt.text);
                    ui.memory_mut(|m| m.request_focus(field_id));
                }
            }
            if !recent.is_empty() {
                ui.separator();
                ui.label("Recent:");
                for p in &recent {
                    let text = p.display().to_string();
                    if ui.small_button(text.as_str()).clicked() {
                        prompt.text = text;
                    }
                }
            }
            if let Some(error) = &prompt.error {
                ui.colored_label(ui.visuals().error_fg_color, error.as_str());
            }
            ui.separator();
            ui.horizontal(|ui| {
                choose |= ui.button("Choose").clicked();
                cancel |= ui.button("Cancel").clicked();
            });
        });
    if cancel {
        app.path_prompt = None;
        return;
    }
    if !choose {
        return;
    }
    // `runs/a/` and `runs/a` are the same folder; keep the one without the slash.
    let path: PathBuf = expand_home(prompt.text.trim()).components().collect();
    match check_path(&prompt.purpose, &path) {
        Ok(()) => {
            let purpose = prompt.purpose.clone();
            app.path_prompt = None;
            app.settings.remember(&path);
            on_picked(app, purpose, path);
        }
        Err(e) => prompt.error = Some(e),
    }
}

fn move_cursor_to_end(ctx: &egui::Context, id: egui::Id, text: &str) {
    if let Some(mut state) = egui::TextEdit::load_state(ctx, id) {
        let end = egui::text::CCursor::new(text.chars().count());
        state
            .cursor
            .set_char_range(Some(egui::text::CCursorRange::one(end)));
        state.store(ctx, id);
    }
}
