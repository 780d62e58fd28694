//! Errors of single values: a config field (or option) whose value is wrong, and a name that
//! is none of a setting's choices. Both name what is at fault.

/// A config field or option whose value is wrong: the field (dotted, e.g.
/// `learner.path_dropout`) and what is wrong with its value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    /// The field.
    pub field: String,
    /// What is wrong, with the value.
    pub problem: String,
}

impl FieldError {
    /// `field`: `problem`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// The same problem, with `prefix.` before the field (a field of a nested table).
    pub fn within(self, prefix: &str) -> Self {
        Self {
            field: format!("{prefix}.{}", self.field),
            problem: self.problem,
        }
    }
}

/// A name that is none of a setting's choices.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`: expected {expected}")]
pub struct UnknownName {
    /// The setting (`head`, `backend`, ...).
    pub what: &'static str,
    /// The name given.
    pub given: String,
    /// The choices, in words.
    pub expected: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_the_choices() {
        let e = FieldError::new("rank", "3 is not below nodes (2)").within("cluster");
        assert_eq!(e.to_string(), "cluster.rank: 3 is not below nodes (2)");
        let e = UnknownName {
            what: "head",
            given: "proto".into(),
            expected: "`meta` or `prototypes`".into(),
        };
        assert_eq!(
            e.to_string(),
            "unknown head `proto`: expected `meta` or `prototypes`"
        );
    }
}
