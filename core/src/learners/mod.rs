//! Meta-learners behind one trait: BASE (multi-task and few-shot), MAML and Reptile as plans
//! of one gradient-based engine, with the shared objective, meta-gradients, parameter
//! updates and evaluation protocol; and DARTS on single tasks, the search-from-scratch
//! baseline that the same protocol evaluates.

mod adam;
mod configs;
mod darts;
mod devices;
mod eval;
mod fit;
mod gradient_learner;
mod grads;
mod head_init;
mod learner;
mod meta_gradient;
pub mod mnas;
mod objective;
mod parallel;
mod plan;
mod report;
mod schedule;
mod state;
mod types;
mod unroll;
mod update;

pub use adam::{moments_from_bytes, moments_to_bytes, Adam, OptimiserStateError};
pub use configs::{
    Architecture, BaseConfig, BaseFewShotConfig, InnerExamples, MamlConfig, ReptileConfig,
};
pub use darts::{darts_halves, DartsConfig, DartsSearch, DartsState};
pub use devices::{mean_of_sum, Cluster, Contribution, DeviceGroup, Summed};
pub(crate) use eval::source_entry;
pub use eval::{evaluate, evaluate_with, EvalReport, MeanCi, SourceReport};
pub use fit::{check_shape, stem_for};
pub use gradient_learner::GradientLearner;
pub use grads::{axpy, grads_of, norm, param_ids, scaled, shifted, uniform_scale, ParamGrads};
pub(crate) use grads::{clip_norm_of, host_scalar};
pub use head_init::{class_means, prototype_head, HeadInit, HeadMeans};
pub use learner::MetaLearner;
pub use meta_gradient::{
    inner_loop, meta_gradient, step_sizes, MetaGradient, MetaGradientSpec, Unrolled, FD_SCALE,
};
pub use mnas::{MnasConfig, MnasLearner, MnasParams, MnasVariant};
pub use objective::{
    cross_entropy, evaluate_outputs, mean_squared_error, task_loss, Predictions, TaskMetrics,
};
pub use parallel::{run_all_tasks, run_tasks};
pub use plan::{ArchPlan, Outer, Plan};
pub use report::{evaluate_posterior, tables, weight_sketch, SKETCH_DIM};
pub use schedule::{Anneal, MetaLrAnneal, TemperatureSchedule};
pub use state::{load_record_bytes, record_bytes};
pub use types::{
    count_sketch, splitmix64, Adaptation, ArchTables, InnerStepTimes, LearnerError, StepReport,
    TaskFeatures,
};
pub use unroll::{InnerLoss, TaskObjective};
pub use update::{
    flat_params, interpolate_towards, interpolate_towards_mean, mean_params, param_values,
    sgd_step, trainable,
};

#[cfg(test)]
mod adam_tests;
#[cfg(test)]
mod concurrency_tests;
#[cfg(test)]
mod darts_tests;
#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod kernel_tests;
#[cfg(test)]
mod tests;
