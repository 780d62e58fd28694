//! Meta-learners behind one trait: BASE (multi-task), with the shared objective, parameter
//! updates and evaluation protocol.

mod base;
mod eval;
mod grads;
mod learner;
mod meta_gradient;
mod objective;
mod schedule;
mod types;
mod unroll;
mod update;

pub use base::{check_shape, stem_for, BaseConfig, BaseLearner, SKETCH_DIM};
pub use eval::{evaluate, EvalReport, MeanCi};
pub use grads::{axpy, grads_of, norm, param_ids, scaled, shifted, uniform_scale, ParamGrads};
pub use learner::MetaLearner;
pub use meta_gradient::{
    has_live_pooling, inner_loop, meta_gradient, step_sizes, MetaGradient, MetaGradientSpec,
    Unrolled, FD_SCALE,
};
pub use objective::{
    cross_entropy, evaluate_outputs, mean_squared_error, task_loss, Predictions, TaskMetrics,
};
pub use schedule::{Anneal, TemperatureSchedule};
pub use types::{count_sketch, splitmix64, Adaptation, ArchTables, LearnerError, StepReport};
pub use unroll::{InnerLoss, TaskObjective};
pub use update::{flat_params, interpolate_towards_mean, param_values, sgd_step, trainable};

#[cfg(test)]
mod meta_gradient_tests;
#[cfg(test)]
mod tests;
