//! Run configs written by earlier versions of metanas, read with the meaning they had.
//!
//! A run keeps its resolved config (`config.toml`) and resuming it must continue the same
//! training. When a learner setting is added later, its default applies to configs without
//! it, and where that default differs from what earlier versions did, the setting is filled
//! in here with the earlier behaviour before the config is read.

use std::borrow::Cow;

/// Reptile trained its inner steps on support and query before `inner_examples` existed
/// (added 2026-11-24; the default is now the support set).
const REPTILE_INNER_EXAMPLES_BEFORE: &str = "support_and_query";

/// `text` of a resolved run config with the settings it predates filled in with their earlier
/// behaviour. Text that does not parse is returned as it is, for the config reader to report.
pub(super) fn upgrade_resolved(text: &str) -> Cow<'_, str> {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return Cow::Borrowed(text);
    };
    let Some(toml::Value::Table(learner)) = table.get_mut("learner") else {
        return Cow::Borrowed(text);
    };
    let is_reptile = learner.get("kind").and_then(toml::Value::as_str) == Some("reptile");
    if !is_reptile || learner.contains_key("inner_examples") {
        return Cow::Borrowed(text);
    }
    learner.insert(
        "inner_examples".into(),
        toml::Value::String(REPTILE_INNER_EXAMPLES_BEFORE.into()),
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
    fn a_reptile_run_from_before_inner_examples_keeps_support_and_query() {
        let old = "seed = 1\n[learner]\nkind = \"reptile\"\ninner_steps = 10\n";
        let table: toml::Table = upgrade_resolved(old).parse().unwrap();
        assert_eq!(
            table["learner"]["inner_examples"].as_str(),
            Some("support_and_query")
        );
        assert_eq!(table["learner"]["inner_steps"].as_integer(), Some(10));
        assert_eq!(table["seed"].as_integer(), Some(1));
    }

    #[test]
    fn configs_that_say_it_or_other_learners_are_left_as_they_are() {
        for text in [
            "[learner]\nkind = \"reptile\"\ninner_examples = \"support\"\n",
            "[learner]\nkind = \"base\"\n",
            "not toml = = =",
        ] {
            assert!(matches!(upgrade_resolved(text), Cow::Borrowed(t) if t == text));
        }
    }
}
