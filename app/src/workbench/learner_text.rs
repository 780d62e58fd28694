//! The `[learner]` section of a config as the text the Setup tab edits.

use metanas_core::run::LearnerConfig;

/// The learner section as TOML (`kind = "..."` first), without the seeds: a run derives its
/// learner's seeds from its top-level `seed` (set under Training).
pub fn learner_toml(learner: &LearnerConfig) -> String {
    let mut value = match toml::Value::try_from(learner) {
        Ok(v) => v,
        Err(e) => return format!("# cannot show these settings: {e}"),
    };
    if let Some(table) = value.as_table_mut() {
        table.remove("seed");
        for (_, nested) in table.iter_mut() {
            if let Some(t) = nested.as_table_mut() {
                t.remove("seed");
            }
        }
    }
    toml::to_string(&value).unwrap_or_else(|e| format!("# cannot show these settings: {e}"))
}
