//! A horizontal bar chart of the adapted network beside the baselines on the same tasks, each
//! bar with its 95% CI as a whisker when it is a mean over several tasks.

use egui_plot::{AxisHints, Bar, BarChart, GridMark, Line, Plot, PlotPoints};

/// One bar: its name, value and 95% half-width (`None` for a single task).
pub struct BarRow {
    /// The name on the axis.
    pub name: String,
    /// The value.
    pub value: f64,
    /// The 95% half-width.
    pub ci95: Option<f64>,
}

/// Draws `rows` (the adapted network first, in the accent colour) as horizontal bars of
/// `metric`.
pub fn baseline_bars(ui: &mut egui::Ui, id: &str, metric: &str, rows: &[BarRow]) {
    let n = rows.len();
    // Top to bottom in the order given.
    let y = |i: usize| (n - 1 - i) as f64;
    let accent = ui.visuals().selection.bg_fill;
    let plain = ui.visuals().widgets.inactive.bg_fill;
    let whisker = ui.visuals().text_color();
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Bar::new(y(i), r.value)
                .name(&r.name)
                .width(0.6)
                .fill(if i == 0 { accent } else { plain })
        })
        .collect();
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    let max = rows
        .iter()
        .map(|r| r.value + r.ci95.unwrap_or(0.0))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    Plot::new(id)
        .height(20.0 * n as f32 + 36.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .include_x(0.0)
        .include_x(if metric == "accuracy" { 1.0 } else { max })
        .x_axis_label(metric)
        .y_grid_spacer(move |_| {
            (0..n)
                .map(|i| GridMark {
                    value: i as f64,
                    step_size: 1.0,
                })
                .collect()
        })
        // The names at full contrast: egui_plot fades a tick label in as its ticks spread
        // from 20 to 30 points apart, and these rows are 20 points apart.
        .custom_y_axes(vec![AxisHints::new_y().label_spacing(0.0..=1.0).formatter(
            move |mark, _| {
                let i = mark.value.round();
                if (mark.value - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
                    return String::new();
                }
                names[n - 1 - i as usize].clone()
            },
        )])
        .show(ui, |p| {
            p.bar_chart(BarChart::new(metric, bars).horizontal());
            for (i, r) in rows.iter().enumerate() {
                let Some(ci) = r.ci95.filter(|c| c.is_finite() && *c > 0.0) else {
                    continue;
                };
                let (lo, hi, at) = (r.value - ci, r.value + ci, y(i));
                for seg in [
                    [[lo, at], [hi, at]],
                    [[lo, at - 0.15], [lo, at + 0.15]],
                    [[hi, at - 0.15], [hi, at + 0.15]],
                ] {
                    p.line(Line::new("95% CI", PlotPoints::from(seg.to_vec())).color(whisker));
                }
            }
        });
}
