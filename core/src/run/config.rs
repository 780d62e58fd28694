//! The run config: search space, task distribution, learner, training schedule and seed, read
//! from TOML. Paths in a config are relative to the config file; a run keeps a resolved copy
//! (space inline, absolute dataset paths) so that it is self-contained.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::dataset_path::DatasetPath;
use super::error::RunError;
pub use super::learner_config::{Engine, LearnerConfig};
use crate::genotype::Genotype;
use crate::learners::{Architecture, HeadInit};
use crate::space::SearchSpace;
use crate::tasks::{RegressionTasks, SplitSpec};
use crate::value_error::FieldError;

use crate::data::is_bundled;
pub use crate::data::{BUNDLED_DIGITS, BUNDLED_OMNIGLOT};

/// Everything a run needs to start (and to be re-created exactly).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The one seed of the run: task sampling, initial values and all noise derive from it.
    pub seed: u64,
    /// The search space.
    pub space: SearchSpace,
    /// Where tasks come from.
    pub tasks: TaskConfig,
    /// The meta-learner and its settings.
    pub learner: LearnerConfig,
    /// Meta-batch, steps, checkpoints, evaluation.
    pub training: TrainingConfig,
}

/// Where tasks come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskConfig {
    /// The M-NAS toy regression families (generated, no data needed).
    Regression(RegressionTasks),
    /// N-way K-shot classification from one or more datasets.
    FewShot(FewShotConfig),
}

/// N-way K-shot tasks from datasets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FewShotConfig {
    /// N: classes per task.
    pub ways: usize,
    /// K: support examples per class.
    pub shots: usize,
    /// Q: query examples per class.
    #[serde(default = "default_queries")]
    pub queries: usize,
    /// The class split applied to every dataset.
    #[serde(default)]
    pub split: SplitSpec,
    /// The datasets (at least one).
    pub datasets: Vec<DatasetConfig>,
}

fn default_queries() -> usize {
    5
}

/// One dataset of a few-shot distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// A file or folder of any supported format, or `bundled:uci-digits`; or a list of image
    /// folders / `.zip` archives loaded as one dataset (see [`DatasetPath`]).
    pub path: DatasetPath,
    /// The search space input (stem) its images feed; may be left out when the space has
    /// one input. Images are converted to that input's size and channels.
    #[serde(default)]
    pub input: Option<String>,
    /// Relative probability of drawing a task from it.
    #[serde(default = "one")]
    pub weight: f64,
    /// Refuse to load more than this many megabytes.
    #[serde(default = "default_cap")]
    pub max_dataset_mb: f64,
    /// This dataset's own class split, in place of `tasks.split` (e.g. `{ train = 1.0, val =
    /// 0.0 }` for a dataset that only meta-trains). A split in which a dataset has no class
    /// draws its tasks from the other datasets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitSpec>,
    /// Meta-train also on each meta-training class turned by 90°, 180° and 270°, as three
    /// classes of their own (Omniglot's usual augmentation; square images only). Validation
    /// and test classes get no copies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rotations: bool,
}

impl DatasetConfig {
    /// The dataset at `path` with every other field at its default: the space's one input,
    /// weight 1, the default size cap, the tasks' split, no rotations.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: DatasetPath::one(path),
            input: None,
            weight: one(),
            max_dataset_mb: default_cap(),
            split: None,
            rotations: false,
        }
    }

    /// The dataset at `path` feeding `input`, with the default weight and size cap (a dataset
    /// given on the command line).
    pub fn at(path: &std::path::Path, input: &str) -> Self {
        Self {
            input: Some(input.to_string()),
            ..Self::new(path.to_string_lossy())
        }
    }
}

fn one() -> f64 {
    1.0
}

fn default_cap() -> f64 {
    2048.0
}

/// The training schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingConfig {
    /// Tasks per meta-step.
    pub meta_batch: usize,
    /// Meta-steps of the whole run (`--max-steps` can stop earlier).
    pub max_steps: usize,
    /// Write a checkpoint every this many meta-steps (and at the end).
    pub checkpoint_every: usize,
    /// Checkpoints kept (older ones are removed).
    pub keep_checkpoints: usize,
    /// Adaptation steps used by evaluation, `adapt` and posterior snapshots.
    pub adapt_steps: usize,
    /// Where adaptation starts its classifier head: `meta` (the meta-network's) or
    /// `prototypes` (Proto-MAML's head from the support set's class means in the
    /// meta-network's features, see [`HeadInit`]).
    pub adapt_head: HeadInit,
    /// Held-out tasks of the evaluation protocol (MAML reports 600).
    pub eval_tasks: usize,
    /// Record posterior snapshots (for the PCA view) every this many meta-steps (0: never).
    pub snapshot_every: usize,
    /// Meta-validation tasks adapted per snapshot.
    pub snapshot_tasks: usize,
    /// Meta-validation tasks adapted at every checkpoint (the same tasks each time, from the
    /// validation classes) to find the best checkpoint, which is kept and which `adapt` and
    /// `eval` use by default. 0 turns validation off.
    pub validation_tasks: usize,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        Self {
            meta_batch: 4,
            max_steps: 1000,
            checkpoint_every: 50,
            keep_checkpoints: 3,
            adapt_steps: 5,
            adapt_head: HeadInit::Meta,
            eval_tasks: 600,
            snapshot_every: 50,
            snapshot_tasks: 4,
            validation_tasks: 32,
        }
    }
}

/// The config as written in a file: the space may be a path.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    seed: u64,
    space: toml::Value,
    tasks: TaskConfig,
    learner: LearnerConfig,
    #[serde(default)]
    training: TrainingConfig,
}

impl RunConfig {
    /// Reads and checks a config file; relative paths are resolved against its folder.
    pub fn load(path: &Path) -> Result<Self, RunError> {
        if path.is_dir() {
            return Err(RunError::config(path, "is a folder, not a config file"));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| RunError::config(path, format!("cannot read the config: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            RunError::config(
                path,
                format!(
                    "is not UTF-8 text (invalid byte at offset {}): a run config is a TOML file",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, path, base)
    }

    /// Parses config text; `name` is used in errors, `base` resolves relative paths.
    pub fn parse(text: &str, name: &Path, base: &Path) -> Result<Self, RunError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| RunError::config(name, toml_message(&e)))?;
        if let Some(toml::Value::Table(l)) = table.get("learner") {
            for key in ["seed"] {
                if l.contains_key(key) {
                    return Err(RunError::config(
                        name,
                        format!("field `learner.{key}`: set the run's top-level `seed`; the learner's seeds derive from it"),
                    ));
                }
            }
        }
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| RunError::config(name, toml_message(&e)))?;
        let space = match &raw.space {
            toml::Value::Table(t) if t.len() == 1 && t.contains_key("file") => {
                let file = t["file"].as_str().ok_or_else(|| {
                    RunError::config(name, "field `space.file` must be a path string")
                })?;
                let file = base.join(file);
                SearchSpace::load(&file).map_err(|source| RunError::Space { path: file, source })?
            }
            toml::Value::Table(t) => {
                let text = toml::to_string(t).map_err(|e| RunError::config(name, e.to_string()))?;
                SearchSpace::from_toml_str(&text, &format!("{} [space]", name.display()))
                    .map_err(|source| RunError::Space {
                        path: name.to_path_buf(),
                        source,
                    })?
            }
            _ => {
                return Err(RunError::config(
                    name,
                    "field `space` must be a table: `[space]` with the space's fields, or `space = { file = \"...\" }`",
                ))
            }
        };
        let mut config = Self {
            seed: raw.seed,
            space,
            tasks: raw.tasks,
            learner: raw.learner,
            training: raw.training,
        };
        config.resolve_paths(base);
        config.read_genotype_file(name, base)?;
        config.check(name)?;
        config.check_memory(name)?;
        Ok(config)
    }

    /// Makes dataset paths absolute (relative to `base`).
    fn resolve_paths(&mut self, base: &Path) {
        if let TaskConfig::FewShot(f) = &mut self.tasks {
            for path in f.datasets.iter_mut().flat_map(|d| d.path.paths_mut()) {
                if !is_bundled(path) && Path::new(path.as_str()).is_relative() {
                    let joined = base.join(&*path);
                    let abs = std::fs::canonicalize(&joined).unwrap_or(joined);
                    *path = abs.to_string_lossy().into_owned();
                }
            }
        }
    }

    /// Replaces `architecture = { genotype_file = "..." }` by the genotype it holds (JSON or
    /// DARTS text), so that the resolved config is self-contained.
    fn read_genotype_file(&mut self, name: &Path, base: &Path) -> Result<(), RunError> {
        let Some(arch) = self.learner.architecture_mut() else {
            return Ok(());
        };
        let Architecture::GenotypeFile(file) = arch else {
            return Ok(());
        };
        let path = base.join(&*file);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            RunError::config(
                name,
                format!(
                    "field `learner.architecture.genotype_file`: cannot read {}: {e}",
                    path.display()
                ),
            )
        })?;
        let genotype = if text.trim_start().starts_with('{') {
            Genotype::from_json(&text)
        } else {
            Genotype::from_darts(&text)
        }
        .map_err(|e| {
            RunError::config(
                name,
                format!(
                    "field `learner.architecture.genotype_file`: {}: {e}",
                    path.display()
                ),
            )
        })?;
        *arch = Architecture::Genotype(genotype);
        Ok(())
    }

    /// Why adaptation cannot start from `head` on this config's runs, if it cannot: M-NAS
    /// meta-trained from prototype heads (`learner.inner_head`) trains no head of its own.
    pub fn head_refusal(&self, head: HeadInit) -> Option<&'static str> {
        let prototypes_only = matches!(
            &self.learner,
            LearnerConfig::Mnas(c) if c.inner_head == HeadInit::Prototypes
        );
        (prototypes_only && head != HeadInit::Prototypes).then_some(
            "must be \"prototypes\": the run meta-trains with learner.inner_head = \
             \"prototypes\", which trains no head of the meta-network's own to start from",
        )
    }

    /// Checks what the types do not: counts, names, ranges.
    pub fn check(&self, name: &Path) -> Result<(), RunError> {
        let bad =
            |field: &str, message: String| Err(bad_field(name, &FieldError::new(field, message)));
        if let Err(e) = super::config_bounds::check_bounds(self) {
            return Err(bad_field(name, &e));
        }
        if let Some(Architecture::Genotype(g)) = self.learner.clone().architecture_mut() {
            if let Err(e) = g.validate_for(&self.space) {
                return bad("learner.architecture.genotype", e.to_string());
            }
        }
        let engine = self
            .learner
            .engine(self.seed)
            .map_err(|e| bad_field(name, &e))?;
        match &engine {
            Engine::Mnas(c) => {
                c.check().map_err(|e| bad_field(name, &e))?;
                if let Some(why) = self.head_refusal(self.training.adapt_head) {
                    return bad("training.adapt_head", why.into());
                }
                if c.inner_head == HeadInit::Prototypes
                    && matches!(self.tasks, TaskConfig::Regression(_))
                {
                    return bad(
                        "learner.inner_head",
                        "\"prototypes\" needs classification tasks (regression has no classes)"
                            .into(),
                    );
                }
            }
            Engine::Gradient(plan) => {
                if let Some(clip) = plan
                    .inner_grad_clip
                    .filter(|c| !(*c > 0.0 && c.is_finite()))
                {
                    return bad("learner.grad_clip", format!("must be positive, got {clip}"));
                }
            }
        }
        match &self.tasks {
            TaskConfig::Regression(r) => {
                if r.families.is_empty() {
                    return bad("tasks.families", "name at least one family".into());
                }
                if r.shots == 0 || r.queries == 0 {
                    return bad("tasks.shots", "shots and queries must be at least 1".into());
                }
                if self.space.domain != crate::space::Domain::Vector {
                    return bad(
                        "space.domain",
                        "regression tasks need a `vector` space with one scalar input".into(),
                    );
                }
            }
            TaskConfig::FewShot(f) => {
                if f.datasets.is_empty() {
                    return bad("tasks.datasets", "name at least one dataset".into());
                }
                if f.ways < 2 || f.shots == 0 || f.queries == 0 {
                    return bad(
                        "tasks.ways",
                        format!(
                            "need ways >= 2, shots >= 1, queries >= 1 (got {}, {}, {})",
                            f.ways, f.shots, f.queries
                        ),
                    );
                }
                if f.ways != self.space.num_outputs {
                    return bad(
                        "tasks.ways",
                        format!(
                            "{} ways but the space's head has {} outputs (`space.num_outputs`)",
                            f.ways, self.space.num_outputs
                        ),
                    );
                }
                for (i, d) in f.datasets.iter().enumerate() {
                    let paths = d.path.paths();
                    if paths.is_empty() {
                        return bad(
                            &format!("tasks.datasets[{i}].path"),
                            "an empty list: name a file or folder, or several image folders".into(),
                        );
                    }
                    if let Some(b) = paths
                        .iter()
                        .find(|p| is_bundled(p))
                        .filter(|_| paths.len() > 1)
                    {
                        return bad(
                            &format!("tasks.datasets[{i}].path"),
                            format!("`{b}` cannot be merged with other datasets; give it an entry of its own"),
                        );
                    }
                    if !(d.weight > 0.0 && d.weight.is_finite()) {
                        return bad(
                            &format!("tasks.datasets[{i}].weight"),
                            format!("must be positive, got {}", d.weight),
                        );
                    }
                    if let Some(input) = &d.input {
                        if !self.space.inputs.iter().any(|s| &s.name == input) {
                            return bad(
                                &format!("tasks.datasets[{i}].input"),
                                format!("the space has no input named `{input}`"),
                            );
                        }
                    } else if self.space.inputs.len() != 1 {
                        return bad(
                            &format!("tasks.datasets[{i}].input"),
                            "the space has several inputs: name the one this dataset feeds".into(),
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Refuses a config whose meta-training would not fit this machine's memory (see
    /// [`estimate_training_bytes`](super::config_bounds::estimate_training_bytes)).
    pub fn check_memory(&self, name: &Path) -> Result<(), RunError> {
        super::config_bounds::check_memory(self).map_err(|e| RunError::config(name, e.to_string()))
    }

    /// The resolved config as TOML (what a run directory keeps).
    pub fn to_toml_string(&self) -> Result<String, RunError> {
        toml::to_string(self).map_err(|e| RunError::config(Path::new("<config>"), e.to_string()))
    }

    /// Reads a resolved config written by [`RunConfig::to_toml_string`] (of this version or an
    /// earlier one: settings added since are filled in with the earlier behaviour).
    pub fn from_resolved(text: &str, name: &Path) -> Result<Self, RunError> {
        let text = super::config_upgrade::upgrade_resolved(text);
        let config: Self =
            toml::from_str(&text).map_err(|e| RunError::config(name, toml_message(&e)))?;
        config.space.validate().map_err(|source| RunError::Space {
            path: name.to_path_buf(),
            source,
        })?;
        config.check(name)?;
        Ok(config)
    }
}

/// The TOML parser's message on one line.
fn toml_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(_) => {
            // The full Display shows line/column and a snippet; keep its first line.
            let full = e.to_string();
            let first = full.lines().next().unwrap_or("").trim().to_string();
            format!("{first}: {msg}")
        }
        None => msg,
    }
}

/// The error of config file `name` whose field `e.field` is wrong.
fn bad_field(name: &Path, e: &FieldError) -> RunError {
    RunError::config(name, format!("field `{}`: {}", e.field, e.problem))
}
