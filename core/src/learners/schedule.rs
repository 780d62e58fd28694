//! Schedules over meta-steps: the Gumbel-softmax temperature and the meta step size λ of the
//! interpolating meta-update.

use serde::{Deserialize, Serialize};

/// How τ moves from `start` to `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anneal {
    /// Linear in the step.
    Linear,
    /// Geometric: τ = start · (end/start)^(step/steps).
    Exponential,
}

/// τ over meta-training steps; constant at `end` after `steps`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemperatureSchedule {
    /// τ at step 0.
    pub start: f64,
    /// τ from `steps` on.
    pub end: f64,
    /// Steps of the anneal.
    pub steps: usize,
    /// Linear or exponential.
    pub anneal: Anneal,
}

impl Default for TemperatureSchedule {
    fn default() -> Self {
        Self {
            start: 1.0,
            end: 0.2,
            steps: 1000,
            anneal: Anneal::Exponential,
        }
    }
}

impl TemperatureSchedule {
    /// τ at meta-step `step`.
    pub fn at(&self, step: usize) -> f64 {
        if self.steps == 0 || step >= self.steps {
            return self.end;
        }
        let t = step as f64 / self.steps as f64;
        match self.anneal {
            Anneal::Linear => self.start + (self.end - self.start) * t,
            Anneal::Exponential if self.start > 0.0 && self.end > 0.0 => {
                self.start * (self.end / self.start).powf(t)
            }
            Anneal::Exponential => self.start + (self.end - self.start) * t,
        }
    }
}

/// λ annealed linearly from the learner's `meta_lr` at step 0 to `end` at step `steps`, then
/// constant at `end`: the meta step size schedule of Reptile (Nichol et al. 2018 anneal it
/// from 1 to 0 over the whole of meta-training), which averages the late meta-steps' noise
/// away.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaLrAnneal {
    /// λ from `steps` on.
    pub end: f64,
    /// Steps of the anneal (usually the run's `training.max_steps`).
    pub steps: usize,
}

/// λ at meta-step `step` (0-based): `start` without an anneal.
pub fn meta_lr_at(start: f64, anneal: Option<&MetaLrAnneal>, step: usize) -> f64 {
    anneal.map_or(start, |a| {
        let linear = TemperatureSchedule {
            start,
            end: a.end,
            steps: a.steps,
            anneal: Anneal::Linear,
        };
        linear.at(step)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_hit_their_ends_and_midpoints() {
        let lin = TemperatureSchedule {
            start: 1.0,
            end: 0.2,
            steps: 10,
            anneal: Anneal::Linear,
        };
        assert_eq!((lin.at(0), lin.at(10), lin.at(99)), (1.0, 0.2, 0.2));
        assert!((lin.at(5) - 0.6).abs() < 1e-12);
        let exp = TemperatureSchedule {
            anneal: Anneal::Exponential,
            ..lin
        };
        assert!((exp.at(5) - (0.2f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn meta_lr_anneals_linearly_to_its_end() {
        let a = MetaLrAnneal { end: 0.0, steps: 4 };
        let at = |step| meta_lr_at(1.0, Some(&a), step);
        assert_eq!(
            [at(0), at(1), at(2), at(3), at(4), at(9)],
            [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
        );
        assert_eq!(meta_lr_at(0.5, None, 1000), 0.5);
        let instant = MetaLrAnneal { end: 0.1, steps: 0 };
        assert_eq!(meta_lr_at(1.0, Some(&instant), 0), 0.1);
    }
}
