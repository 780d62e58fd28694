//! Which input stem a task uses, and whether its examples fit that stem.

use super::types::LearnerError;
use crate::space::SearchSpace;
use crate::tasks::Episode;

/// The stem a task uses: the input named like its source, or the only input.
pub fn stem_for(space: &SearchSpace, task: &Episode) -> Result<usize, LearnerError> {
    if let Some(i) = space.inputs.iter().position(|s| s.name == task.source_name) {
        return Ok(i);
    }
    if space.inputs.len() == 1 {
        return Ok(0);
    }
    let names: Vec<&str> = space.inputs.iter().map(|s| s.name.as_str()).collect();
    Err(LearnerError::Task(format!(
        "source `{}` matches none of the space's inputs ({})",
        task.source_name,
        names.join(", ")
    )))
}

/// Checks that a task's inputs have the shape of the stem's input.
pub fn check_shape(space: &SearchSpace, stem: usize, task: &Episode) -> Result<(), LearnerError> {
    let input = &space.inputs[stem];
    let expect = match space.domain {
        crate::space::Domain::Image => vec![input.channels, input.height, input.width],
        crate::space::Domain::Vector => vec![input.channels],
    };
    if task.input_shape != expect {
        return Err(LearnerError::Task(format!(
            "input `{}` expects examples of shape {expect:?}, the task has {:?}",
            input.name, task.input_shape
        )));
    }
    Ok(())
}
