//! The Adapt view: pick a task (by split and number, or sample another), adapt the
//! meta-network to it, and watch the architecture move step by step from the prior to the task
//! posterior; query metrics before and after each step; the adapted genotype beside the prior's.
//! The same task can be adapted to with the architecture frozen, or searched by DARTS from
//! scratch, to compare (see [`AdaptMethod`]).

use egui_plot::{Line, Plot, PlotPoints, Points};
use metanas_core::baselines::beats;
use metanas_core::run::metric_value;
use metanas_core::tasks::Split;

use super::super::adaptations::AdaptRequest;
use super::super::arch_delta::arch_delta;
use super::super::comparison::TaskBaselines;
use super::super::state::Workbench;
use super::super::view_state::AdaptState;
use super::super::worker::Command;
use super::baseline_bars::{baseline_bars, BarRow};
use super::needs_run;
use crate::plots::cells::cells_panel;
use metanas_core::run::AdaptMethod;

fn split_label(s: Split) -> &'static str {
    match s {
        Split::Train => "meta-training classes",
        Split::Val => "validation classes",
        Split::Test => "test classes (never meta-trained on)",
    }
}

/// The Adapt view.
pub fn adapt_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(run) = &app.run else {
        needs_run(ui, "adapt it to a task");
        return;
    };
    let default_steps = run.config.training.adapt_steps;
    let regression = matches!(
        run.config.tasks,
        metanas_core::run::TaskConfig::Regression(_)
    );
    let training = app.training();
    let state = &mut app.views.adapt;
    let datasets = &app.datasets;
    let mut request = None;
    ui.horizontal_wrapped(|ui| {
        if !regression {
            let shown = match &state.dataset {
                Some(d) => format!("{} (all classes)", d.display()),
                None => split_label(state.split).to_string(),
            };
            egui::ComboBox::from_label("Task from")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for s in [Split::Test, Split::Val, Split::Train] {
                        let on = state.dataset.is_none() && state.split == s;
                        if ui.selectable_label(on, split_label(s)).clicked() {
                            state.dataset = None;
                            state.split = s;
                        }
                    }
                    // Datasets added in the Data section, also ones the run never saw.
                    for d in datasets
                        .iter()
                        .filter(|d| d.image.is_some() && !d.regression)
                    {
                        let on = state.dataset.as_ref() == Some(&d.path);
                        let label = format!("{} (all classes)", d.path.display());
                        if ui.selectable_label(on, label).clicked() {
                            state.dataset = Some(d.path.clone());
                        }
                    }
                });
        } else {
            state.split = Split::Test;
            state.dataset = None;
            ui.label("Task from the regression families:");
        }
        ui.label("task #");
        ui.add(egui::DragValue::new(&mut state.task));
        let mut steps = state.steps.unwrap_or(default_steps);
        ui.label("steps");
        if ui
            .add(egui::DragValue::new(&mut steps).range(0..=1000))
            .changed()
        {
            state.steps = Some(steps);
        }
        egui::ComboBox::from_label("How")
            .selected_text(state.method.label())
            .show_ui(ui, |ui| {
                for m in AdaptMethod::ALL {
                    ui.selectable_value(&mut state.method, m, m.label());
                }
            });
        let enabled = !training && !app.worker_busy;
        let adapt = ui
            .add_enabled(enabled, egui::Button::new("Adapt to this task"))
            .on_disabled_hover_text(
                "pause training first: the worker trains the same meta-network",
            );
        if training {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "Adapting waits for training: pause or stop it first (the worker is training this meta-network).",
            );
        } else if app.worker_busy {
            ui.weak("Adapting waits for the worker (see the status bar).");
        }
        if adapt.clicked() {
            request = Some(AdaptRequest {
                dataset: state.dataset.clone(),
                split: state.split,
                task: state.task,
                steps,
                method: state.method,
            });
        }
        if ui
            .add_enabled(enabled, egui::Button::new("Sample another task"))
            .clicked()
        {
            state.task += 1;
            request = Some(AdaptRequest {
                dataset: state.dataset.clone(),
                split: state.split,
                task: state.task,
                steps,
                method: state.method,
            });
        }
    });
    if let Some(r) = request {
        app.send(Command::Adapt(r));
    }
    let enabled = !training && !app.worker_busy;
    let run_steps = app.views.adapt.steps.unwrap_or(default_steps);
    let Some(result) = app.shown_adaptation.and_then(|i| app.adaptations.get(i)) else {
        let compare = comparison_ui(ui, &mut app.views.adapt, run_steps, enabled);
        if let Some(c) = compare {
            app.send(c);
        }
        ui.label("Choose a task and press \"Adapt to this task\".");
        return;
    };
    let a = &result.adaptation;
    let metric_name = match result.episode.query.targets {
        metanas_core::tasks::Targets::Classes(_) => "accuracy",
        metanas_core::tasks::Targets::Values(_) => "MSE",
    };
    let values: Vec<f64> = a
        .per_step
        .iter()
        .map(|m| metric_value(m).unwrap_or(f64::NAN))
        .collect();
    ui.separator();
    let how = result.request.method;
    // DARTS always searches an architecture, also for a run whose learner has none.
    let has_arch = result.prior_genotype.is_some() || !how.uses_meta_network();
    let busy = super::retrain::retrain_busy(app);
    let mut open_retrain = false;
    let retrain_arch = has_arch.then(|| {
        let r = &result.request;
        let run = app
            .run
            .as_ref()
            .map_or_else(String::new, |run| format!("{}, ", run.dir.display()));
        (
            a.genotype.clone(),
            format!(
                "adapted to task #{} of {} ({run}{} at meta-step {})",
                r.task,
                result.episode.source_name,
                how.label(),
                result.step
            ),
        )
    });
    ui.horizontal_wrapped(|ui| {
        let r = &result.request;
        ui.strong(match how {
            AdaptMethod::Darts => format!(
                "Task #{} ({}, DARTS from scratch: a fresh network, no meta-training)",
                r.task, result.episode.source_name
            ),
            _ => format!(
                "Task #{} ({}, {} at step {})",
                r.task,
                result.episode.source_name,
                how.label(),
                result.step
            ),
        });
        if let (Some(b), Some(f)) = (values.first(), values.last()) {
            ui.label(format!(
                "query {metric_name}: before {b:.4} -> after {f:.4}"
            ));
        }
    });
    ui.columns(2, |cols| {
        let points: Vec<[f64; 2]> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| [i as f64, *v])
            .collect();
        // The scale starts at 0 (and, for accuracy, ends at 1), so that a flat curve, an
        // adaptation that changes nothing, reads as a level and not as an axis around it.
        let top = if metric_name == "accuracy" { 1.0 } else { 0.0 };
        Plot::new("adapt-metric")
            .height(140.0)
            .include_y(0.0)
            .include_y(top)
            .x_axis_label(if how.uses_meta_network() {
                "adaptation step"
            } else {
                "search step"
            })
            .y_axis_label(metric_name)
            .show(&mut cols[0], |p| {
                p.line(Line::new(
                    format!("query {metric_name}"),
                    PlotPoints::from(points.clone()),
                ));
                p.points(Points::new("", PlotPoints::from(points)).radius(3.0));
            });
        let ui = &mut cols[1];
        ui.label("Adapted genotype:");
        if has_arch {
            ui.label(egui::RichText::new(a.genotype.to_darts()).monospace());
            ui.horizontal(|ui| {
                open_retrain = super::retrain::train_button(ui, busy, &a.genotype);
            });
            super::retrain::result_line(ui, app, &a.genotype);
        }
        match (&result.prior_genotype, app.run.as_ref()) {
            (Some(prior), _) => {
                ui.label(if how.uses_meta_network() {
                    "Prior (shared) genotype:"
                } else {
                    "The meta-network's genotype (DARTS did not start from it):"
                });
                ui.label(egui::RichText::new(prior.to_darts()).monospace());
                let same = *prior == a.genotype;
                ui.label(match (how.uses_meta_network(), same) {
                    (true, true) => "The task kept the prior's genotype.",
                    (true, false) => "The task's genotype differs from the prior's.",
                    (false, true) => "DARTS found the meta-network's genotype.",
                    (false, false) => "DARTS found a genotype other than the meta-network's.",
                });
                if let (Some(first), Some(last), Some(run)) = (
                    a.arch_history.first(),
                    a.arch_history.last(),
                    app.run.as_ref(),
                ) {
                    let delta = arch_delta(&run.config.space, first, last);
                    ui.add(egui::Label::new(delta.text()).wrap());
                }
            }
            (None, _) if has_arch => {}
            (None, Some(run)) => {
                ui.label(format!("none: {} learns no architecture", run.learner));
            }
            (None, None) => {}
        }
    });
    let mut compare = None;
    ui.columns(2, |cols| {
        task_baselines_ui(
            &mut cols[0],
            &result.baselines,
            (how.label(), metric_name),
            values.last().copied(),
        );
        compare = comparison_ui(&mut cols[1], &mut app.views.adapt, run_steps, enabled);
    });
    if let Some(c) = compare {
        app.send(c);
    }
    if let (true, Some((genotype, source))) = (open_retrain, retrain_arch) {
        super::retrain::open_form(app, genotype, source);
    }
    let Some(result) = app.shown_adaptation.and_then(|i| app.adaptations.get(i)) else {
        return;
    };
    let a = &result.adaptation;
    if a.arch_history.is_empty() {
        return;
    }
    let last = a.arch_history.len() - 1;
    let state = &mut app.views.adapt;
    state.step = state.step.min(last);
    let start = if how.uses_meta_network() {
        "adaptation step (0 = prior)"
    } else {
        "search step (0 = DARTS's initial architecture)"
    };
    ui.add(egui::Slider::new(&mut state.step, 0..=last).text(start));
    let tables = &a.arch_history[state.step];
    if let Some(run) = &app.run {
        let space = &run.config.space;
        cells_panel(
            ui,
            space,
            &tables.normal,
            tables.reduce.as_deref(),
            has_arch,
        );
    }
}

/// The one task's baselines beside its adaptation.
fn task_baselines_ui(
    ui: &mut egui::Ui,
    b: &TaskBaselines,
    (how, metric): (&str, &str),
    after: Option<f64>,
) {
    let Some(after) = after.filter(|v| v.is_finite()) else {
        return;
    };
    if b.scores.is_empty() {
        return;
    }
    let mut rows = vec![BarRow {
        name: how.to_string(),
        value: after,
        ci95: None,
    }];
    rows.extend(b.scores.iter().map(|(k, v)| BarRow {
        name: k.label_seeing(&b.pixels),
        value: *v,
        ci95: None,
    }));
    ui.label(format!(
        "Query {metric} on this task beside the baselines (the same support and query sets):"
    ));
    baseline_bars(ui, "task-baselines", metric, &rows);
    let losing: Vec<&str> = b
        .scores
        .iter()
        .filter(|(_, v)| beats(metric, *v, after))
        .map(|(k, _)| k.label())
        .collect();
    if !losing.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "On this task the adapted network loses to: {}.",
                losing.join(", ")
            ),
        );
    }
}

/// Evaluation on many held-out tasks beside the baselines, with 95% CIs; returns the command
/// to send when Compare was pressed.
fn comparison_ui(
    ui: &mut egui::Ui,
    state: &mut AdaptState,
    steps: usize,
    enabled: bool,
) -> Option<Command> {
    let mut go = false;
    ui.horizontal_wrapped(|ui| {
        ui.label("Compare with the baselines on");
        ui.add(egui::DragValue::new(&mut state.compare_tasks).range(2..=1000));
        ui.label(format!("held-out test tasks, {steps} steps each"));
        go = ui
            .add_enabled(enabled, egui::Button::new("Compare"))
            .on_hover_text(
                "the evaluation protocol of `metanas eval`: the meta-network adapted to each \
                 task, and every baseline on the same tasks",
            )
            .clicked();
    });
    let command = go.then_some(Command::Compare {
        tasks: state.compare_tasks,
        steps,
    });
    let Some(c) = &state.comparison else {
        return command;
    };
    let mut rows = vec![BarRow {
        name: format!("meta-network at step {}", c.step),
        value: c.adapted.mean,
        ci95: Some(c.adapted.ci95),
    }];
    rows.extend(c.baselines.iter().map(|(k, m)| BarRow {
        name: k.label_seeing(&c.pixels),
        value: m.mean,
        ci95: Some(m.ci95),
    }));
    ui.label(format!(
        "Query {} after {} steps on {} held-out tasks (mean and 95% CI):",
        c.metric, c.steps, c.tasks
    ));
    baseline_bars(ui, "held-out-baselines", &c.metric, &rows);
    let losing: Vec<String> = c
        .baselines
        .iter()
        .filter(|(_, m)| beats(&c.metric, m.mean, c.adapted.mean))
        .map(|(k, m)| format!("{} ({:.3})", k.label(), m.mean))
        .collect();
    if losing.is_empty() {
        ui.label(format!(
            "The adapted meta-network ({:.3}) beats every baseline on these tasks.",
            c.adapted.mean
        ));
    } else {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "The adapted meta-network ({:.3}) loses to {}.",
                c.adapted.mean,
                losing.join(", ")
            ),
        );
    }
    command
}
