//! Training curves drawn with egui_plot: loss, accuracy or MSE, and the temperature over
//! meta-steps.

use egui_plot::{Legend, Line, Plot, PlotPoints};
use metanas_core::run::{MetricRecord, ValidationRecord};

/// Points `(step, value)` of the records that have the value.
pub fn series(
    records: &[MetricRecord],
    value: impl Fn(&MetricRecord) -> Option<f64>,
) -> Vec<[f64; 2]> {
    records
        .iter()
        .filter_map(|r| {
            value(r)
                .filter(|v| v.is_finite())
                .map(|v| [r.report.step as f64, v])
        })
        .collect()
}

fn plot(ui: &mut egui::Ui, id: &str, height: f32, lines: Vec<(&str, Vec<[f64; 2]>)>) {
    Plot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label("meta-step")
        .show(ui, |p| {
            for (name, points) in lines {
                // A series without points (a run that does not validate) gets no legend entry.
                if !points.is_empty() {
                    p.line(Line::new(name, PlotPoints::from(points)));
                }
            }
        });
}

/// Points `(step, mean after adaptation)` of the validation results with a finite mean.
pub fn validation_series(records: &[ValidationRecord]) -> Vec<[f64; 2]> {
    records
        .iter()
        .filter_map(|r| r.mean.map(|m| [r.step as f64, m]))
        .collect()
}

/// The loss, accuracy or MSE, and temperature curves of `m`, sharing the height left, with
/// the meta-validation results `v` beside the accuracy or MSE.
pub fn curves(ui: &mut egui::Ui, m: &[MetricRecord], v: &[ValidationRecord]) {
    let validation = validation_series(v);
    let temperature = series(m, |r| r.report.temperature);
    let accuracy = series(m, |r| r.report.accuracy);
    let plots = if accuracy.is_empty() { 1.0 } else { 2.0 }
        + if temperature.is_empty() { 0.0 } else { 1.0 };
    let h = (ui.available_height() / plots - 8.0).max(120.0);
    let loss = series(m, |r| Some(r.report.loss));
    if accuracy.is_empty() {
        // Regression: the loss and the MSE share their units.
        let mse = series(m, |r| r.report.mse);
        plot(
            ui,
            "loss",
            h,
            vec![
                ("meta-training loss", loss),
                ("query MSE after the inner loop", mse),
                ("validation MSE after adaptation", validation),
            ],
        );
    } else {
        plot(ui, "loss", h, vec![("meta-training loss", loss)]);
        plot(
            ui,
            "accuracy",
            h,
            vec![
                ("query accuracy after the inner loop", accuracy),
                ("validation accuracy after adaptation", validation),
            ],
        );
    }
    if !temperature.is_empty() {
        plot(
            ui,
            "temperature",
            h,
            vec![("Gumbel-softmax temperature τ", temperature)],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metanas_core::learners::StepReport;

    #[test]
    fn series_skip_missing_and_non_finite_values() {
        let rec = |step, mse: Option<f64>| MetricRecord {
            report: StepReport {
                step,
                loss: 1.0,
                accuracy: None,
                mse,
                temperature: None,
                tasks: 1,
            },
            step_seconds: 0.1,
            elapsed_seconds: 0.1,
        };
        let records = [
            rec(1, Some(2.0)),
            rec(2, None),
            rec(3, Some(f64::NAN)),
            rec(4, Some(1.5)),
        ];
        assert_eq!(
            series(&records, |r| r.report.mse),
            vec![[1.0, 2.0], [4.0, 1.5]]
        );
    }
}
