//! The Gumbel-softmax temperature schedule.

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
}
