//! The Episodes view: the task of the shown adaptation. For classification, the support images
//! with their labels and the query images with the true label and the predictions before and
//! after adaptation (wrong ones marked); for regression, the support points, the true function
//! on the query grid and the predictions before and after.

use egui_plot::{Legend, Line, Plot, PlotPoints, Points};
use metanas_core::data::ImageSpec;
use metanas_core::learners::Predictions;
use metanas_core::tasks::{Batch, Targets};

use super::super::adaptations::AdaptResult;
use super::super::dataset_info::Thumbnail;
use super::super::state::Workbench;
use super::super::view_state::Textures;
use super::{needs_run, thumbnail};

/// The Episodes view.
pub fn episodes_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    if app.run.is_none() {
        needs_run(ui, "look at its tasks");
        return;
    }
    let Some(index) = app.shown_adaptation.filter(|&i| i < app.adaptations.len()) else {
        ui.label("Adapt to a task (Adapt tab) to see its support and query sets here.");
        return;
    };
    if app.adaptations.len() > 1 {
        ui.horizontal(|ui| {
            ui.label("Adaptation");
            let mut shown = index;
            egui::ComboBox::from_id_salt("episode-choice")
                .selected_text(episode_title(&app.adaptations[index]))
                .show_ui(ui, |ui| {
                    for (i, r) in app.adaptations.iter().enumerate() {
                        ui.selectable_value(&mut shown, i, episode_title(r));
                    }
                });
            app.shown_adaptation = Some(shown);
        });
    }
    let result = &app.adaptations[app.shown_adaptation.unwrap_or(index)];
    let textures = &mut app.views.textures;
    egui::ScrollArea::vertical().show(ui, |ui| match &result.episode.query.targets {
        Targets::Classes(_) => classification(ui, textures, result),
        Targets::Values(_) => regression(ui, result),
    });
}

fn episode_title(r: &AdaptResult) -> String {
    format!(
        "task #{} ({:?}, {})",
        r.request.task, r.request.split, r.episode.source_name
    )
}

fn image_spec(shape: &[usize]) -> Option<ImageSpec> {
    match shape {
        [c, h, w] => Some(ImageSpec {
            channels: *c,
            height: *h,
            width: *w,
        }),
        _ => None,
    }
}

fn classification(ui: &mut egui::Ui, textures: &mut Textures, r: &AdaptResult) {
    let Some(spec) = image_spec(&r.episode.input_shape) else {
        ui.label("These tasks are not images.");
        return;
    };
    let key = format!(
        "episode-{}-{:?}-{}",
        r.request.task, r.request.split, r.step
    );
    let classes = |b: &Batch| match &b.targets {
        Targets::Classes(c) => c.clone(),
        Targets::Values(_) => Vec::new(),
    };
    let predicted = |p: &Predictions| match p {
        Predictions::Classes(c) => c.clone(),
        Predictions::Values(_) => Vec::new(),
    };
    let side = if spec.height < 32 {
        56.0
    } else {
        spec.height as f32 * 1.5
    };
    ui.heading("Support set");
    ui.label("label = the way (0..N) of the task; the dataset class is shown on hover");
    let support = classes(&r.episode.support);
    image_rows(ui, support.len(), side, |ui, i| {
        let label = support[i];
        let image = sample(&r.episode.support, spec, i);
        let class = r.episode.classes.get(label).copied().unwrap_or(label);
        thumbnail(ui, textures, &format!("{key}-s{i}"), &image, side)
            .on_hover_text(format!("dataset class {class}"));
        ui.label(format!("{label}"));
    });
    ui.heading("Query set");
    let truth = classes(&r.episode.query);
    let (before, after) = (
        predicted(&r.adaptation.before),
        predicted(&r.adaptation.after),
    );
    let right = |p: &[usize]| p.iter().zip(&truth).filter(|(a, b)| a == b).count();
    ui.label(format!(
        "Under each image: its true label, then the prediction before -> after adaptation (red: wrong). Correct: {} -> {} of {}",
        right(&before),
        right(&after),
        truth.len()
    ));
    let (good, bad) = (ui.visuals().text_color(), ui.visuals().error_fg_color);
    image_rows(ui, truth.len(), side, |ui, i| {
        let label = &truth[i];
        let image = sample(&r.episode.query, spec, i);
        thumbnail(ui, textures, &format!("{key}-q{i}"), &image, side);
        ui.label(format!("true {label}"));
        // "before -> after", each red when wrong.
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            let pairs = [(before.get(i), "before"), (after.get(i), "after")];
            for (k, (p, tag)) in pairs.into_iter().enumerate() {
                let Some(p) = p else { continue };
                if k > 0 {
                    ui.label("->");
                }
                let colour = if p == label { good } else { bad };
                ui.colored_label(colour, format!("{p}"))
                    .on_hover_text(format!("prediction {tag} adaptation"));
            }
        });
    });
}

/// `count` images of `side` points, each drawn with its labels by `item(ui, i)` in a column
/// of its own, in rows cut to the width (egui does not wrap a row of nested groups).
fn image_rows(
    ui: &mut egui::Ui,
    count: usize,
    side: f32,
    mut item: impl FnMut(&mut egui::Ui, usize),
) {
    let per_row = per_row(ui, side);
    for start in (0..count).step_by(per_row) {
        ui.horizontal(|ui| {
            for i in start..(start + per_row).min(count) {
                ui.vertical(|ui| item(ui, i));
            }
        });
    }
}

/// How many images of `side` points (with their labels under them) fit in a row.
fn per_row(ui: &egui::Ui, side: f32) -> usize {
    let item = side.max(64.0) + ui.spacing().item_spacing.x;
    ((ui.available_width() + ui.spacing().item_spacing.x) / item)
        .floor()
        .max(1.0) as usize
}

fn sample(b: &Batch, spec: ImageSpec, i: usize) -> Thumbnail {
    let n = spec.len();
    let values = b.inputs.get(i * n..(i + 1) * n).unwrap_or(&[]);
    if values.len() < n {
        return Thumbnail::from_chw(&vec![0.0; n], spec);
    }
    Thumbnail::from_chw(values, spec)
}

fn regression(ui: &mut egui::Ui, r: &AdaptResult) {
    let xy = |b: &Batch, ys: &[f32]| -> Vec<[f64; 2]> {
        let mut v: Vec<[f64; 2]> = b
            .inputs
            .iter()
            .zip(ys)
            .map(|(x, y)| [*x as f64, *y as f64])
            .collect();
        v.sort_by(|a, b| a[0].total_cmp(&b[0]));
        v
    };
    let values = |t: &Targets| match t {
        Targets::Values(v) => v.clone(),
        Targets::Classes(_) => Vec::new(),
    };
    let predicted = |p: &Predictions| match p {
        Predictions::Values(v) => v.clone(),
        Predictions::Classes(_) => Vec::new(),
    };
    let support = xy(&r.episode.support, &values(&r.episode.support.targets));
    let truth = xy(&r.episode.query, &values(&r.episode.query.targets));
    let before = xy(&r.episode.query, &predicted(&r.adaptation.before));
    let after = xy(&r.episode.query, &predicted(&r.adaptation.after));
    if let Some((name, params)) = &r.episode.function {
        let shown: Vec<String> = params.iter().map(|p| format!("{p:.3}")).collect();
        ui.label(format!("function: {name} ({})", shown.join(", ")));
    }
    Plot::new("episode-regression")
        .legend(Legend::default())
        .height(ui.available_height().max(240.0))
        .x_axis_label("x")
        .y_axis_label("y")
        .show(ui, |p| {
            p.line(Line::new("true function", PlotPoints::from(truth)).width(2.0));
            p.line(Line::new(
                "prediction before adaptation",
                PlotPoints::from(before),
            ));
            p.line(Line::new("prediction after adaptation", PlotPoints::from(after)).width(2.0));
            p.points(Points::new("support points", PlotPoints::from(support)).radius(4.0));
        });
}
