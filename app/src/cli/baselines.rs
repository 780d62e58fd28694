//! The baselines `adapt` and `eval` report beside the adapted network, on the same tasks
//! (see `metanas_core::baselines`): the option that turns them off, their table and JSON.

use clap::Args;
use metanas_core::baselines::{beating, Baseline, BaselineScores};
use metanas_core::learners::{MeanCi, SourceReport};
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
        by_key.insert(b.key().into(), mean_ci(m));
    }
    let beating = scores.beating(adapted.mean, metric);
    if beating.is_empty() {
        text += &format!(
            "the adapted network ({:.4}) beats every baseline on these tasks\n",
            adapted.mean
        );
    } else {
        text += &format!(
            "WARNING: the adapted network ({:.4}) loses to {}\n",
            adapted.mean,
            named(&beating)
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

/// The baselines source by source (regression family or dataset) beside the adapted network's
/// last step on the same source's tasks (`adapted`, from the evaluation's `by_source`): table
/// lines, a `WARNING:` line for each source where a baseline beats it, and the JSON field
/// `baselines_by_source` (`[{source, adapted, baselines: {key: {mean, ci95}}, beating_adapted}]`).
/// Nothing when the tasks came from one source.
pub fn report_by_source(
    scores: &BaselineScores,
    adapted: &[SourceReport],
    metric: &str,
) -> (String, Option<Value>) {
    let by_source = scores.by_source();
    if by_source.is_empty() {
        return (String::new(), None);
    }
    let mut text = format!("baselines by source ({metric}, mean ± 95% CI):\n");
    let mut warnings = String::new();
    let mut rows = Vec::new();
    for (source, summary) in by_source {
        let mine = adapted
            .iter()
            .find(|s| s.source == source)
            .and_then(|s| s.per_step.last().copied());
        let mut line = format!("  {source:<16}");
        if let Some(m) = mine {
            line += &format!(" adapted {:.4} ± {:.4}", m.mean, m.ci95);
        }
        let mut by_key = Map::new();
        for (b, m) in &summary {
            line += &format!(" | {} {:.4} ± {:.4}", b.key(), m.mean, m.ci95);
            by_key.insert(b.key().into(), mean_ci(m));
        }
        text += &line;
        text += "\n";
        let beat = mine.map_or_else(Vec::new, |m| beating(&summary, m.mean, metric));
        if let (Some(m), false) = (mine, beat.is_empty()) {
            warnings += &format!(
                "WARNING: on {source}, the adapted network ({:.4}) loses to {}\n",
                m.mean,
                named(&beat)
            );
        }
        rows.push(json!({
            "source": source,
            "adapted": mine.as_ref().map(mean_ci),
            "baselines": by_key,
            "beating_adapted": beat.iter().map(|(b, _)| b.key()).collect::<Vec<_>>(),
        }));
    }
    (text + &warnings, Some(Value::Array(rows)))
}

/// Baselines with their means, for a warning: `name (0.1234), name (0.5678)`.
fn named(baselines: &[(Baseline, MeanCi)]) -> String {
    let names: Vec<String> = baselines
        .iter()
        .map(|(b, m)| format!("{} ({:.4})", b.label(), m.mean))
        .collect();
    names.join(", ")
}

/// `{mean, ci95}`.
fn mean_ci(m: &MeanCi) -> Value {
    json!({ "mean": m.mean, "ci95": m.ci95 })
}
