//! The baselines `adapt` and `eval` report beside the adapted network, on the same tasks
//! (see `metanas_core::baselines`): the option that turns them off, their table and JSON.

use clap::Args;
use metanas_core::baselines::BaselineScores;
use metanas_core::learners::MeanCi;
use serde_json::{json, Map, Value};

/// The option shared by `adapt` and `eval`.
#[derive(Args, Debug, Clone, Copy)]
pub struct BaselineArgs {
    /// Leave out the baselines (nearest class mean and a linear classifier on the raw pixels,
    /// the same network from scratch, nearest class mean on the meta-features), which are
    /// otherwise computed on the same tasks and reported beside the adapted network.
    #[arg(long)]
    pub no_baselines: bool,
}

/// The baselines' table lines, and their JSON fields (`baselines: {key: {mean, ci95}}`,
/// `baselines_beating_adapted`, `baseline_pixels`), beside the adapted network's final
/// `adapted` metric (`mse` is better lower).
pub fn report(
    scores: &BaselineScores,
    adapted: MeanCi,
    metric: &str,
    pixels: &str,
) -> (String, Map<String, Value>) {
    let summary = scores.summary();
    let mut text = format!("baselines on the same tasks ({metric}, mean ± 95% CI):\n");
    let mut by_key = Map::new();
    for (b, m) in &summary {
        let name = b.label_seeing(pixels);
        text += &format!("  {name:<52} {:.4} ± {:.4}\n", m.mean, m.ci95);
        by_key.insert(b.key().into(), json!({ "mean": m.mean, "ci95": m.ci95 }));
    }
    let beating = scores.beating(adapted.mean, metric);
    if beating.is_empty() {
        text += &format!(
            "the adapted network ({:.4}) beats every baseline on these tasks\n",
            adapted.mean
        );
    } else {
        let names: Vec<String> = beating
            .iter()
            .map(|(b, m)| format!("{} ({:.4})", b.label(), m.mean))
            .collect();
        text += &format!(
            "WARNING: the adapted network ({:.4}) loses to {}\n",
            adapted.mean,
            names.join(", ")
        );
    }
    let mut fields = Map::new();
    fields.insert("baselines".into(), Value::Object(by_key));
    fields.insert(
        "baselines_beating_adapted".into(),
        json!(beating.iter().map(|(b, _)| b.key()).collect::<Vec<_>>()),
    );
    fields.insert("baseline_pixels".into(), json!(pixels));
    (text, fields)
}
