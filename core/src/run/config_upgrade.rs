//! Run configs written by earlier versions of metanas, read with the meaning they had.
//!
//! A run keeps its resolved config (`config.toml`) and resuming it must continue the same
//! training. When a learner setting is added later, its default applies to configs without
//! it, and where that default differs from what earlier versions did, the setting is filled
//! in here with the earlier behaviour before the config is read.

use std::borrow::Cow;

/// BASE (multi-task) and Reptile trained their inner steps on support and query before
/// `inner_examples` existed (added 2026-11-24; the default is now the support set).
const INNER_EXAMPLES_BEFORE: &str = "support_and_query";

/// The learner kinds that have `inner_examples`.
const WITH_INNER_EXAMPLES: [&str; 2] = ["base", "reptile"];

/// `text` of a resolved run config with the settings it predates filled in with their earlier
/// behaviour. Text that does not parse is returned as it is, for the config reader to report.
pub(super) fn upgrade_resolved(text: &str) -> Cow<'_, str> {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return Cow::Borrowed(text);
    };
    let Some(toml::Value::Table(learner)) = table.get_mut("learner") else {
        return Cow::Borrowed(text);
    };
    let kind = learner.get("kind").and_then(toml::Value::as_str);
    if !kind.is_some_and(|k| WITH_INNER_EXAMPLES.contains(&k))
        || learner.contains_key("inner_examples")
    {
        return Cow::Borrowed(text);
    }
    learner.insert(
        "inner_examples".into(),
        toml::Value::String(INNER_EXAMPLES_BEFORE.into()),
    );
    match toml::to_string(&table) {
        Ok(upgraded) => Cow::Owned(upgraded),
        Err(_) => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_reptile_runs_from_before_inner_examples_keep_support_and_query() {
        for kind in ["base", "reptile"] {
            let old = format!("seed = 1\n[learner]\nkind = \"{kind}\"\ninner_steps = 10\n");
            let table: toml::Table = upgrade_resolved(&old).parse().unwrap();
            assert_eq!(
                table["learner"]["inner_examples"].as_str(),
                Some("support_and_query")
            );
            assert_eq!(table["learner"]["inner_steps"].as_integer(), Some(10));
            assert_eq!(table["seed"].as_integer(), Some(1));
        }
    }

    #[test]
    fn configs_that_say_it_or_other_learners_are_left_as_they_are() {
        for text in [
            "[learner]\nkind = \"reptile\"\ninner_examples = \"support\"\n",
            "[learner]\nkind = \"base_few_shot\"\n",
            "[learner]\nkind = \"maml\"\n",
            "not toml = = =",
        ] {
            assert!(matches!(upgrade_resolved(text), Cow::Borrowed(t) if t == text));
        }
    }
}
