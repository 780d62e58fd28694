//! The toy regression task families of M-NAS (paper 003, "Toy Regression"), with the paper's
//! parameter ranges:
//!
//! - sinusoid `y = a sin(w x) + b`, a ~ U[0.1, 5], w ~ U[0.8, 1.2], b ~ U[0, 2π] (the paper
//!   writes b as an additive offset, and so do we);
//! - linear `y = a x + b`, a, b ~ U[-3, 3];
//! - quadratic `y = a x² + b x + c`, a ~ U[-0.2, 0.2], b ~ U[-2, 2], c ~ U[-3, 3];
//! - harmonics `y = a1 sin(w x + b1) + a2 sin(2 w x + b2)`, a1, a2 ~ U[0.1, 5],
//!   b1, b2 ~ U[0, 2π], w ~ U[0.8, 1.2].
//!
//! Support inputs are concentrated: x ~ N(u, 2) with u ~ U[-4, 4], reading N(u, 2) as mean
//! u and variance 2 (standard deviation √2). Queries lie on an even grid over [-5, 5] so that
//! extrapolation away from the support is measured, or, with `query_points = "like_support"`,
//! are drawn as the support is (the function where the support lies). With
//! `support_points = "uniform"` the support inputs are drawn uniformly over the grid's range
//! instead, the protocol of the multimodal-regression papers (MuMoMAML, HSML) whose MAML and
//! HSML numbers M-NAS's Table 1 lists beside its own.

use std::f64::consts::TAU;

use serde::{Deserialize, Serialize};

use super::episode::{Batch, Episode, Targets};
use crate::rng::SeededRng;

/// A function family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `a sin(w x) + b`.
    Sinusoid,
    /// `a x + b`.
    Linear,
    /// `a x² + b x + c`.
    Quadratic,
    /// `a1 sin(w x + b1) + a2 sin(2 w x + b2)`.
    Harmonics,
}

impl Family {
    /// All four, in the paper's order (the multimodal mixture).
    pub const ALL: [Family; 4] = [
        Family::Sinusoid,
        Family::Linear,
        Family::Quadratic,
        Family::Harmonics,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Sinusoid => "sinusoid",
            Family::Linear => "linear",
            Family::Quadratic => "quadratic",
            Family::Harmonics => "harmonics",
        }
    }

    /// The parameters' ranges `[low, high]`, in the order of [`Function::params`].
    pub fn ranges(self) -> Vec<[f64; 2]> {
        match self {
            Family::Sinusoid => vec![[0.1, 5.0], [0.8, 1.2], [0.0, TAU]],
            Family::Linear => vec![[-3.0, 3.0], [-3.0, 3.0]],
            Family::Quadratic => vec![[-0.2, 0.2], [-2.0, 2.0], [-3.0, 3.0]],
            // a1, a2, b1, b2, w
            Family::Harmonics => vec![[0.1, 5.0], [0.1, 5.0], [0.0, TAU], [0.0, TAU], [0.8, 1.2]],
        }
    }
}

/// One function of a family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// The family.
    pub family: Family,
    /// Parameters in the order of [`Family::ranges`]: sinusoid (a, w, b), linear (a, b),
    /// quadratic (a, b, c), harmonics (a1, a2, b1, b2, w).
    pub params: Vec<f64>,
}

impl Function {
    /// Draws parameters uniformly in the family's ranges.
    pub fn sample(family: Family, rng: &mut SeededRng) -> Self {
        let params = family
            .ranges()
            .iter()
            .map(|[lo, hi]| rng.uniform_range(*lo, *hi))
            .collect();
        Self { family, params }
    }

    /// y(x).
    pub fn eval(&self, x: f64) -> f64 {
        let p = &self.params;
        match self.family {
            Family::Sinusoid => p[0] * (p[1] * x).sin() + p[2],
            Family::Linear => p[0] * x + p[1],
            Family::Quadratic => p[0] * x * x + p[1] * x + p[2],
            Family::Harmonics => {
                p[0] * (p[4] * x + p[2]).sin() + p[1] * (2.0 * p[4] * x + p[3]).sin()
            }
        }
    }
}

/// Where a regression task's query points lie.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryPoints {
    /// `queries` points evenly over `grid`: the function far from the support's cluster too
    /// (extrapolation).
    #[default]
    Grid,
    /// `queries` points drawn as the support points are, from N(u, input_variance) around
    /// the task's own centre u: the function where its support lies (interpolation).
    LikeSupport,
}

/// `name()` (the name in configs and on the command line) and `FromStr` for an enum of
/// named choices; the error names `what` and every choice.
macro_rules! named_choices {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The name in configs and on the command line.
            pub fn name(&self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    other => Err(format!(
                        "unknown {} `{other}`: expected {}",
                        $what,
                        [$(concat!("`", $name, "`")),+].join(" or ")
                    )),
                }
            }
        }
    };
}

named_choices!(QueryPoints, "query points", { Grid => "grid", LikeSupport => "like_support" });

/// How a regression task's support inputs are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportPoints {
    /// From N(u, input_variance) around a centre u ~ U(centre_range) (M-NAS's protocol).
    #[default]
    Concentrated,
    /// Uniformly over `grid` (no centre): the support covers the whole query range.
    Uniform,
}

named_choices!(SupportPoints, "support points", {
    Concentrated => "concentrated",
    Uniform => "uniform",
});

/// A distribution over regression tasks: a family (uniformly among `families`), a function,
/// K support points around a random centre, query points (a grid, or around the centre).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegressionTasks {
    /// Families to draw from (all four: the multimodal mixture).
    pub families: Vec<Family>,
    /// K: support points.
    pub shots: usize,
    /// Points on the query grid.
    pub queries: usize,
    /// Query grid range.
    pub grid: [f64; 2],
    /// Range of the support centre u.
    pub centre_range: [f64; 2],
    /// Variance of the support inputs around u.
    pub input_variance: f64,
    /// Where the query points lie.
    pub query_points: QueryPoints,
    /// How the support inputs are drawn.
    pub support_points: SupportPoints,
}

impl Default for RegressionTasks {
    fn default() -> Self {
        Self {
            families: Family::ALL.to_vec(),
            shots: 10,
            queries: 100,
            grid: [-5.0, 5.0],
            centre_range: [-4.0, 4.0],
            input_variance: 2.0,
            query_points: QueryPoints::Grid,
            support_points: SupportPoints::Concentrated,
        }
    }
}

impl RegressionTasks {
    /// Draws a task.
    pub fn sample(&self, rng: &mut SeededRng) -> Episode {
        let source = rng.below(self.families.len().max(1));
        let family = self
            .families
            .get(source)
            .copied()
            .unwrap_or(Family::Sinusoid);
        let f = Function::sample(family, rng);
        self.episode_for(&f, source, rng)
    }

    /// A task for a given function (its support drawn from `rng`).
    pub fn episode_for(&self, f: &Function, source: usize, rng: &mut SeededRng) -> Episode {
        let [lo, hi] = self.grid;
        let u = rng.uniform_range(self.centre_range[0], self.centre_range[1]);
        let sd = self.input_variance.max(0.0).sqrt();
        // One draw per point either way: a uniform support is drawn from the same stream
        // after the (unused) centre, so the functions of a seed do not depend on it.
        let draw = |rng: &mut SeededRng| match self.support_points {
            SupportPoints::Concentrated => u + sd * rng.normal(),
            SupportPoints::Uniform => rng.uniform_range(lo, hi),
        };
        let xs: Vec<f64> = (0..self.shots).map(|_| draw(rng)).collect();
        let q = self.queries.max(1);
        let query: Vec<f64> = match self.query_points {
            QueryPoints::Grid => (0..q)
                .map(|i| {
                    let t = if q == 1 {
                        0.5
                    } else {
                        i as f64 / (q - 1) as f64
                    };
                    lo + t * (hi - lo)
                })
                .collect(),
            QueryPoints::LikeSupport => (0..q).map(|_| draw(rng)).collect(),
        };
        let batch = |xs: &[f64]| Batch {
            inputs: xs.iter().map(|&x| x as f32).collect(),
            targets: Targets::Values(xs.iter().map(|&x| f.eval(x) as f32).collect()),
            sample_ids: Vec::new(),
        };
        Episode {
            source,
            source_name: f.family.name().to_string(),
            input_shape: vec![1],
            classes: Vec::new(),
            support: batch(&xs),
            query: batch(&query),
            function: Some((f.family.name().to_string(), f.params.clone())),
        }
    }
}
