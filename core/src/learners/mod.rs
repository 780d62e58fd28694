//! Meta-learners behind one trait: BASE (multi-task), with the shared objective, parameter
//! updates and evaluation protocol.

mod base;
mod eval;
mod learner;
mod objective;
mod schedule;
mod types;
mod update;

pub use base::{check_shape, stem_for, BaseConfig, BaseLearner, SKETCH_DIM};
pub use eval::{evaluate, EvalReport, MeanCi};
pub use learner::MetaLearner;
pub use objective::{
    cross_entropy, evaluate_outputs, mean_squared_error, task_loss, Predictions, TaskMetrics,
};
pub use schedule::{Anneal, TemperatureSchedule};
pub use types::{count_sketch, splitmix64, Adaptation, ArchTables, LearnerError, StepReport};
pub use update::{flat_params, interpolate_towards_mean, param_values, sgd_step, trainable};

#[cfg(test)]
mod tests;
