//! The top bar (preset, run folder, open, start / pause / resume / stop, progress with rate and
//! ETA) and the status bar (what the worker does, messages).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::super::picker::Purpose;
use super::super::presets::PRESETS;
use super::super::state::Workbench;
use super::super::tab::TrainState;
use super::super::worker::Command;

/// The top bar.
pub fn top_bar(ui: &mut egui::Ui, app: &mut Workbench) {
    ui.horizontal_wrapped(|ui| {
        ui.strong("metanas");
        ui.separator();
        ui.add_enabled_ui(!app.training() && !app.worker_busy, |ui| {
            let current = match app.preset {
                Some(i) => PRESETS[i].name,
                None if app.run.is_some() && app.setup_differs_from_run().is_empty() => {
                    "(the open run)"
                }
                None => "(edited)",
            };
            egui::ComboBox::from_label("Preset")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for (i, p) in PRESETS.iter().enumerate() {
                        let item = ui
                            .selectable_label(app.preset == Some(i), p.name)
                            .on_hover_text(p.description);
                        if item.clicked() {
                            match p.load() {
                                Ok(c) => {
                                    app.set_draft(c, Some(i));
                                    app.info(format!("preset: {} ({})", p.name, p.description));
                                    super::ask_for_missing_data(app);
                                }
                                Err(e) => app.error(e.to_string()),
                            }
                        }
                    }
                });
            if ui.button("Open run…").clicked() {
                app.ask(Purpose::OpenRun);
            }
        });
        ui.separator();
        training_buttons(ui, app);
        progress(ui, app);
    });
}

fn training_buttons(ui: &mut egui::Ui, app: &mut Workbench) {
    match app.train.clone() {
        TrainState::Idle => {
            start_button(ui, app);
            let continuable = app
                .run
                .as_ref()
                .filter(|r| r.steps < r.config.training.max_steps)
                .map(|r| r.config.training.max_steps);
            if let Some(target) = continuable {
                let resume = ui.add_enabled(
                    !app.worker_busy,
                    egui::Button::new(format!("Continue to step {target}")),
                );
                if resume.clicked() {
                    resume_or_ask(app, target);
                }
            }
        }
        TrainState::Running { target, .. } => {
            if ui.button("Pause").clicked() {
                app.raise_stop();
                app.train = TrainState::Pausing { target };
            }
            if ui.button("Stop").clicked() {
                app.raise_stop();
                app.train = TrainState::Stopping;
            }
        }
        TrainState::Paused { target } => {
            if ui
                .add_enabled(!app.worker_busy, egui::Button::new("Resume"))
                .on_hover_text("Continue the open run with its own config")
                .clicked()
            {
                resume_or_ask(app, target);
            }
            start_button(ui, app);
            if ui.button("Stop").clicked() {
                app.train = TrainState::Idle;
            }
        }
        TrainState::Pausing { .. } | TrainState::Stopping => {
            ui.add_enabled(false, egui::Button::new("finishing the meta-step…"));
        }
    }
}

fn start_button(ui: &mut egui::Ui, app: &mut Workbench) {
    let can_start = app.draft_error.is_none() && app.learner_error.is_none();
    let start = ui
        .add_enabled(
            can_start && !app.worker_busy,
            egui::Button::new("Start new run from Setup"),
        )
        .on_hover_text(format!(
            "Meta-train the config in Setup in a new run directory under {}",
            app.runs_folder().display()
        ))
        .on_disabled_hover_text("Setup has an error (shown in the Setup tab)");
    if start.clicked() {
        start_new_run(app);
    }
}

/// Continues the open run towards `target`; asks first when Setup differs from the run (the
/// edits would not apply).
fn resume_or_ask(app: &mut Workbench, target: usize) {
    if app.setup_differs_from_run().is_empty() {
        train_to(app, target);
    } else {
        app.views.confirm_resume = Some(target);
    }
}

/// The question Resume asks when Setup differs from the open run.
pub fn confirm_resume_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(target) = app.views.confirm_resume else {
        return;
    };
    let differs = app.setup_differs_from_run();
    let mut answer = None;
    egui::Modal::new(egui::Id::new("confirm-resume")).show(ui.ctx(), |ui| {
        ui.set_max_width(460.0);
        ui.heading("Setup differs from the open run");
        ui.label(format!(
            "Setup was edited in {}. Resuming continues the open run with the config it was \
             created with; the edits apply only to a new run.",
            differs.join(", ")
        ));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui.button("Resume the run as it is").clicked() {
                answer = Some(true);
            }
            if ui.button("Start new run from Setup").clicked() {
                answer = Some(false);
            }
            if ui.button("Cancel").clicked() {
                app.views.confirm_resume = None;
            }
        });
    });
    match answer {
        Some(true) => {
            app.views.confirm_resume = None;
            train_to(app, target);
        }
        Some(false) => {
            app.views.confirm_resume = None;
            start_new_run(app);
        }
        None => {}
    }
}

/// Creates a run from the draft and trains it to the draft's `max_steps`.
pub fn start_new_run(app: &mut Workbench) {
    let dir = app.runs_folder().join(run_name(app.draft.learner.name()));
    let config = Box::new(app.draft.clone());
    let target = config.training.max_steps;
    let sent = app.send(Command::Create {
        dir,
        config,
        train_to: Some(target),
    });
    mark_running(app, sent, target, 0);
    app.tab = super::super::tab::Tab::Training;
}

fn train_to(app: &mut Workbench, target: usize) {
    let from_step = app.run.as_ref().map_or(0, |r| r.steps);
    let sent = app.send(Command::Train { until: target });
    mark_running(app, sent, target, from_step);
}

/// Shows training towards `target` from `from_step`, once the worker got the command.
fn mark_running(app: &mut Workbench, sent: bool, target: usize, from_step: usize) {
    if sent {
        app.train = TrainState::Running {
            target,
            from_step,
            since: Instant::now(),
        };
    }
}

fn progress(ui: &mut egui::Ui, app: &Workbench) {
    let Some(run) = &app.run else { return };
    let target = match app.train {
        TrainState::Running { target, .. }
        | TrainState::Pausing { target }
        | TrainState::Paused { target } => target,
        _ => run.config.training.max_steps,
    };
    let fraction = run.steps as f32 / target.max(1) as f32;
    let mut text = progress_text(run.steps, target);
    if let TrainState::Running {
        from_step, since, ..
    } = app.train
    {
        let done = run.steps.saturating_sub(from_step);
        let secs = since.elapsed().as_secs_f64();
        if done > 0 && secs > 0.0 {
            let rate = done as f64 / secs;
            let eta = target.saturating_sub(run.steps) as f64 / rate;
            text += &format!(" · {rate:.2} steps/s · ETA {}", duration_text(eta));
        }
    }
    ui.add(
        egui::ProgressBar::new(fraction.clamp(0.0, 1.0))
            .desired_width(320.0)
            .text(text),
    );
}

/// The progress bar's text: the step and the target, or, for a run trained past its
/// config's `max_steps` (`train --max-steps`), the step and the config's number as such.
pub fn progress_text(steps: usize, target: usize) -> String {
    if steps > target {
        format!("step {steps} (past the config's {target} meta-steps)")
    } else {
        format!("step {steps} / {target}")
    }
}

/// `75` -> `1m 15s`.
pub fn duration_text(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The status area: what the worker does, the open run, the current message (wrapped), and
/// the log of every message of the session.
pub fn status_bar(ui: &mut egui::Ui, app: &mut Workbench) {
    ui.horizontal_wrapped(|ui| {
        let count = app.notices.all().len();
        ui.toggle_value(&mut app.views.show_log, format!("Messages ({count})"));
        if let Some((path, done, total)) = &app.loading {
            ui.add(
                egui::ProgressBar::new(*done as f32 / (*total).max(1) as f32)
                    .desired_width(160.0)
                    .text(format!("loading {done}/{total}")),
            )
            .on_hover_text(path.as_str());
        }
        if let Some(busy) = &app.busy {
            ui.spinner();
            ui.label(busy.as_str());
            ui.separator();
        }
        if let Some(run) = &app.run {
            ui.label(format!("run: {}", run.dir.display()));
            ui.separator();
        }
        if let Some(current) = app.notices.current().cloned() {
            ui.add(egui::Label::new(notice_text(ui, &current)).wrap());
            if ui.small_button("Dismiss").clicked() {
                app.notices.dismiss();
            }
        }
    });
    if app.views.show_log {
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("message-log")
            .max_height(140.0)
            .stick_to_bottom(true)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                if app.notices.all().is_empty() {
                    ui.weak("No messages yet.");
                }
                for n in app.notices.all() {
                    let line = egui::RichText::new(format!("{}  {}", n.time, n.text));
                    let colour = notice_colour(ui, n);
                    ui.add(egui::Label::new(line.color(colour)).wrap());
                }
            });
    }
}

fn notice_colour(ui: &egui::Ui, n: &super::super::status_log::Notice) -> egui::Color32 {
    if n.error {
        ui.visuals().error_fg_color
    } else {
        ui.visuals().text_color()
    }
}

fn notice_text(ui: &egui::Ui, n: &super::super::status_log::Notice) -> egui::RichText {
    egui::RichText::new(n.text.as_str()).color(notice_colour(ui, n))
}

/// A run directory name: `<learner>-<UTC date>-<time>`, e.g. `base-20261123-101502`.
pub fn run_name(learner: &str) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let t = secs % 86_400;
    format!(
        "{learner}-{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        t / 3600,
        (t % 3600) / 60,
        t % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_day_counts() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        // 2000-03-01 is day 11017; 2026-11-23 is day 20780.
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(5.2), "5s");
        assert_eq!(duration_text(75.0), "1m 15s");
        assert_eq!(duration_text(7322.0), "2h 02m");
    }

    #[test]
    fn progress_names_a_run_trained_past_its_config() {
        assert_eq!(progress_text(250, 300), "step 250 / 300");
        assert_eq!(progress_text(300, 300), "step 300 / 300");
        assert_eq!(
            progress_text(1000, 300),
            "step 1000 (past the config's 300 meta-steps)"
        );
    }
}
