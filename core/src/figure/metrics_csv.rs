//! The metric stream of a run as CSV (one row per meta-step; empty cells where a metric does
//! not apply).

use crate::run::MetricRecord;

/// `step,loss,accuracy,mse,temperature,tasks,step_seconds,elapsed_seconds` rows.
pub fn metrics_csv(records: &[MetricRecord]) -> String {
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out =
        String::from("step,loss,accuracy,mse,temperature,tasks,step_seconds,elapsed_seconds\n");
    for r in records {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.report.step,
            r.report.loss,
            opt(r.report.accuracy),
            opt(r.report.mse),
            opt(r.report.temperature),
            r.report.tasks,
            r.step_seconds,
            r.elapsed_seconds
        ));
    }
    out
}
