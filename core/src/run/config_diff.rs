//! Which fields of a run's config may change when the run is resumed, and which fields two
//! configs differ in (named as they are written in TOML, e.g. `training.meta_batch`).

use super::config::RunConfig;

/// The fields a resumed run may change: the schedule around the training, never what the
/// learner computes. `learner.threads` splits the same work over more or fewer threads (the
/// results do not depend on it). Any other change is a different run.
pub const RESUMABLE_FIELDS: [&str; 9] = [
    "training.max_steps",
    "training.checkpoint_every",
    "training.keep_checkpoints",
    "training.adapt_steps",
    "training.adapt_head",
    "training.eval_tasks",
    "training.snapshot_every",
    "training.snapshot_tasks",
    "learner.threads",
];

/// The fields (dotted paths; `[i]` for list items) in which `a` and `b` differ.
pub fn changed_fields(a: &RunConfig, b: &RunConfig) -> Vec<String> {
    let (Ok(a), Ok(b)) = (toml::Value::try_from(a), toml::Value::try_from(b)) else {
        // A config that cannot be written as TOML cannot have been stored; call it all changed.
        return vec!["(the whole config)".into()];
    };
    let mut out = Vec::new();
    diff("", &a, &b, &mut out);
    out
}

/// The fields outside [`RESUMABLE_FIELDS`] in which `stored` and `given` differ.
pub fn unresumable_changes(stored: &RunConfig, given: &RunConfig) -> Vec<String> {
    changed_fields(stored, given)
        .into_iter()
        .filter(|f| !RESUMABLE_FIELDS.contains(&f.as_str()))
        .collect()
}

fn diff(at: &str, a: &toml::Value, b: &toml::Value, out: &mut Vec<String>) {
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match (a, b) {
        (toml::Value::Table(x), toml::Value::Table(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => diff(&join(k), p, q, out),
                    _ => out.push(join(k)),
                }
            }
        }
        (toml::Value::Array(x), toml::Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{at}[{i}]"), p, q, out);
            }
        }
        _ if a == b => {}
        _ => out.push(at.to_string()),
    }
}
