//! N-way K-shot classification tasks from one or several image datasets (BASE section 5.1:
//! a task first picks a source with its weight, then classes within it).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::episode::{Batch, Episode, Targets};
use super::split::{ClassSplit, Split};
use crate::data::{DataError, Dataset};
use crate::rng::SeededRng;

/// Ways, shots and queries of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeSpec {
    /// N: classes per task.
    pub ways: usize,
    /// K: support examples per class.
    pub shots: usize,
    /// Q: query examples per class.
    pub queries: usize,
}

impl Default for EpisodeSpec {
    fn default() -> Self {
        Self {
            ways: 5,
            shots: 1,
            queries: 5,
        }
    }
}

/// One dataset tasks can be drawn from.
#[derive(Clone, Debug)]
pub struct TaskSource {
    /// Name of the source (also its stem's name in the search space).
    pub name: String,
    /// The data.
    pub dataset: Arc<Dataset>,
    /// Its class split.
    pub split: ClassSplit,
    /// Relative probability of drawing a task from this source.
    pub weight: f64,
}

impl TaskSource {
    /// How errors name the source: its dataset, and the input it feeds.
    pub fn label(&self) -> String {
        if self.dataset.name == self.name {
            self.name.clone()
        } else {
            format!("{} (input `{}`)", self.dataset.name, self.name)
        }
    }
}

/// A distribution over N-way K-shot tasks.
#[derive(Clone, Debug)]
pub struct FewShotTasks {
    sources: Vec<TaskSource>,
    spec: EpisodeSpec,
    by_class: Vec<Vec<Vec<usize>>>,
}

/// Partial Fisher-Yates: the first `k` items of a random permutation of `items`.
fn choose(items: &[usize], k: usize, rng: &mut SeededRng) -> Vec<usize> {
    let mut pool = items.to_vec();
    for i in 0..k.min(pool.len()) {
        let j = i + rng.below(pool.len() - i);
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}

/// Refuses tasks without a way or a shot.
fn check_spec(spec: EpisodeSpec) -> Result<(), DataError> {
    if spec.ways == 0 || spec.shots == 0 {
        return Err(DataError::Unsuitable {
            dataset: "task distribution".into(),
            message: format!(
                "{}-way {}-shot tasks need at least one way and one shot",
                spec.ways, spec.shots
            ),
        });
    }
    Ok(())
}

/// Picks an index with probability proportional to `weights` (all positive).
pub(crate) fn pick_weighted(weights: &[f64], rng: &mut SeededRng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.uniform() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    // Rounding left `u` past the end: the last source that can be drawn.
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

impl FewShotTasks {
    /// A distribution over `sources`. Checks that every source has a positive weight and that
    /// its meta-training split can give `spec` tasks.
    pub fn new(sources: Vec<TaskSource>, spec: EpisodeSpec) -> Result<Self, DataError> {
        if sources.is_empty() {
            return Err(DataError::Unsuitable {
                dataset: "task distribution".into(),
                message: "has no source dataset".into(),
            });
        }
        check_spec(spec)?;
        for s in &sources {
            if !(s.weight.is_finite() && s.weight > 0.0) {
                return Err(DataError::Unsuitable {
                    dataset: s.label(),
                    message: format!("source weight {} must be a positive number", s.weight),
                });
            }
            if s.dataset.image_spec().is_none() && s.dataset.targets.is_some() {
                return Err(DataError::Unsuitable {
                    dataset: s.label(),
                    message: "is a regression dataset; classification tasks need class labels"
                        .into(),
                });
            }
        }
        let by_class = sources
            .iter()
            .map(|s| s.dataset.indices_by_class())
            .collect();
        let tasks = Self {
            sources,
            spec,
            by_class,
        };
        tasks.check(Split::Train)?;
        Ok(tasks)
    }

    /// The sources.
    pub fn sources(&self) -> &[TaskSource] {
        &self.sources
    }

    /// Ways, shots and queries.
    pub fn spec(&self) -> EpisodeSpec {
        self.spec
    }

    /// The same sources and class splits, drawing `spec`-shaped tasks (whether a split can
    /// give them is for [`FewShotTasks::check`]).
    pub fn with_spec(&self, spec: EpisodeSpec) -> Result<Self, DataError> {
        check_spec(spec)?;
        Ok(Self {
            spec,
            ..self.clone()
        })
    }

    /// Whether tasks can be drawn from `split`: at least one source has classes in it, and
    /// every source that has any has enough, each with at least K + Q examples. A source
    /// with no class in `split` (a dataset given only to meta-training, say) is left out of
    /// that split's draws.
    pub fn check(&self, split: Split) -> Result<(), DataError> {
        if self
            .sources
            .iter()
            .all(|s| s.split.classes(split).is_empty())
        {
            let first = self
                .sources
                .first()
                .map(TaskSource::label)
                .unwrap_or_default();
            return Err(DataError::Unsuitable {
                dataset: first,
                message: format!(
                    "no dataset has classes in the {} split; {}-way tasks need at least {}",
                    split.name(),
                    self.spec.ways,
                    self.spec.ways
                ),
            });
        }
        let need = self.spec.shots + self.spec.queries;
        for (s, by_class) in self.sources.iter().zip(&self.by_class) {
            let classes = s.split.classes(split);
            if classes.is_empty() {
                continue;
            }
            if classes.len() < self.spec.ways {
                return Err(DataError::Unsuitable {
                    dataset: s.label(),
                    message: format!(
                        "the {} split has {} classes; {}-way tasks need at least {}",
                        split.name(),
                        classes.len(),
                        self.spec.ways,
                        self.spec.ways
                    ),
                });
            }
            for &c in classes {
                let have = by_class.get(c).map_or(0, Vec::len);
                if have < need {
                    let name = s
                        .dataset
                        .class_names
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| c.to_string());
                    return Err(DataError::Unsuitable {
                        dataset: s.label(),
                        message: format!(
                            "class `{name}` has {have} examples; {}-shot tasks with {} queries need {need} per class",
                            self.spec.shots, self.spec.queries
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Draws one task from `split`: a source by weight (among those with classes in it), N distinct classes of its split
    /// uniformly, then K + Q distinct examples of each (K support, Q query); labels are
    /// re-mapped to `0..N` in the order the classes were drawn.
    pub fn sample(&self, split: Split, rng: &mut SeededRng) -> Result<Episode, DataError> {
        self.check(split)?;
        let weights: Vec<f64> = self
            .sources
            .iter()
            .map(|s| {
                if s.split.classes(split).is_empty() {
                    0.0
                } else {
                    s.weight
                }
            })
            .collect();
        let source = pick_weighted(&weights, rng);
        let s = &self.sources[source];
        let data = &s.dataset;
        let classes = choose(s.split.classes(split), self.spec.ways, rng);
        let (mut sup_ids, mut sup_y, mut qry_ids, mut qry_y) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (label, &class) in classes.iter().enumerate() {
            let picked = choose(
                &self.by_class[source][class],
                self.spec.shots + self.spec.queries,
                rng,
            );
            let (support, query) = picked.split_at(self.spec.shots);
            sup_ids.extend_from_slice(support);
            sup_y.extend(std::iter::repeat_n(label, support.len()));
            qry_ids.extend_from_slice(query);
            qry_y.extend(std::iter::repeat_n(label, query.len()));
        }
        let input_shape = data.input_shape();
        Ok(Episode {
            source,
            source_name: s.name.clone(),
            input_shape,
            classes,
            support: Batch {
                inputs: data.gather(&sup_ids),
                targets: Targets::Classes(sup_y),
                sample_ids: sup_ids,
            },
            query: Batch {
                inputs: data.gather(&qry_ids),
                targets: Targets::Classes(qry_y),
                sample_ids: qry_ids,
            },
            function: None,
        })
    }
}
