//! A retrain run: training with checkpoints that resume bit for bit, the test evaluation,
//! and the summary; its folder's files are in [`super::run_dir`].
//!
//! Every random choice is drawn from the seed and the step or epoch it belongs to (the data
//! order of an epoch, a step's augmentation and drop-path masks), so a run resumed from any
//! checkpoint computes the same bits as one that was never interrupted.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use super::architecture::RetrainNet;
use super::augment::Shape;
use super::checkpoint_state::{decode_state, encode_state, Progress};
use super::config::RetrainConfig;
use super::eval_net::NetIo;
use super::run_dir::{
    epochs_stream, prepare_dir, read_manifest, EpochRecord, RetrainManifest, RETRAIN_FORMAT_VERSION,
};
use super::sgd::Sgd;
use super::split::{split, standardise, Images, TrainTest};
use crate::data::LoadOptions;
use crate::learners::{cross_entropy, grads_of, param_ids};
use crate::nn::{WeightMode, WeightSampler};
use crate::rng::SeededRng;
use crate::run::{write_atomic, Checkpoints, RunError, RunLock};

/// Checkpoints kept (the newest).
const KEEP_CHECKPOINTS: usize = 3;

/// Images per forward pass when testing.
const TEST_BATCH: usize = 256;

/// What a step reports to the caller.
#[derive(Clone, Copy, Debug)]
pub struct StepProgress {
    /// Steps done.
    pub step: usize,
    /// Steps of the whole run.
    pub total_steps: usize,
    /// The step's loss (with the auxiliary term).
    pub loss: f64,
    /// Training seconds since the run began.
    pub elapsed_seconds: f64,
}

/// Size and cost of the network.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkSize {
    /// Learned values without the auxiliary head.
    pub params: usize,
    /// Learned values of the auxiliary head.
    pub aux_params: usize,
    /// Multiply-accumulates of one image's forward pass (without the auxiliary head).
    pub macs: u64,
}

/// An open retrain run on the autodiff backend `A`.
pub struct RetrainRun<A: AutodiffBackend> {
    dir: PathBuf,
    /// The config.
    pub config: RetrainConfig,
    /// The images.
    pub data: TrainTest,
    model: RetrainNet<A>,
    sgd: Sgd<A::InnerBackend>,
    progress: Progress,
    _lock: RunLock,
    /// Warnings from opening it (checkpoints set aside, torn stream lines).
    pub warnings: Vec<String>,
    device: A::Device,
}

impl<A: AutodiffBackend> RetrainRun<A> {
    /// Starts a new run in `dir` (an empty or missing folder; `force` replaces a retrain run
    /// there). The data is loaded and the network built before anything is written.
    pub fn create(
        dir: &Path,
        config: RetrainConfig,
        force: bool,
        device: A::Device,
    ) -> Result<Self, RunError> {
        config
            .check()
            .map_err(|m| RunError::config(&dir.join("retrain.json"), m))?;
        let data = load_data(&config)?;
        let model = build_model::<A>(&config, &data, &device)?;
        prepare_dir(dir, force)?;
        let lock = RunLock::acquire(dir)?;
        let manifest = RetrainManifest {
            kind: "retrain".into(),
            format_version: RETRAIN_FORMAT_VERSION,
            metanas_version: env!("CARGO_PKG_VERSION").into(),
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            config: config.clone(),
        };
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| RunError::io(&dir.join("retrain.json"), e))?;
        write_atomic(&dir.join("retrain.json"), text.as_bytes())?;
        let sgd = Sgd::new(config.protocol.momentum, config.protocol.weight_decay);
        let mut run = Self {
            dir: dir.to_path_buf(),
            config,
            data,
            model,
            sgd,
            progress: Progress::default(),
            _lock: lock,
            warnings: Vec::new(),
            device,
        };
        run.checkpoint()?;
        Ok(run)
    }

    /// Opens the run in `dir` to train on at its newest usable checkpoint (damaged ones are
    /// set aside with a warning; epoch records after it are dropped).
    pub fn open(dir: &Path, device: A::Device) -> Result<Self, RunError> {
        let manifest = read_manifest(dir)?;
        let lock = RunLock::acquire(dir)?;
        let config = manifest.config;
        let data = load_data(&config)?;
        let fresh = build_model::<A>(&config, &data, &device)?;
        let checkpoints = Checkpoints::new(dir.join("checkpoints"));
        checkpoints.remove_leftovers();
        let mut warnings = Vec::new();
        let mut restored = None;
        for step in checkpoints.steps()?.into_iter().rev() {
            match checkpoints
                .read(step)
                .and_then(|bytes| decode_state(&bytes, &fresh, &config, &device, dir))
            {
                Ok(state) => {
                    restored = Some(state);
                    break;
                }
                Err(e) => {
                    let aside = checkpoints.set_aside(step)?;
                    warnings.push(format!("{e}; set aside as {}", aside.display()));
                }
            }
        }
        let Some((progress, sgd, model)) = restored else {
            return Err(RunError::dir(
                dir,
                "has no usable checkpoint (checkpoints/ is empty or every file is damaged); \
                 start the retrain again with --force",
            ));
        };
        warnings.extend(epochs_stream(dir).keep_until(progress.step)?);
        Ok(Self {
            dir: dir.to_path_buf(),
            config,
            data,
            model,
            sgd,
            progress,
            _lock: lock,
            warnings,
            device,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Steps done.
    pub fn steps_done(&self) -> usize {
        self.progress.step
    }

    /// Steps per epoch.
    pub fn steps_per_epoch(&self) -> usize {
        self.data
            .train
            .len()
            .div_ceil(self.config.protocol.batch_size)
    }

    /// Steps of the whole run.
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch() * self.config.protocol.epochs
    }

    /// Training seconds so far (all sessions).
    pub fn elapsed_seconds(&self) -> f64 {
        self.progress.elapsed_seconds
    }

    /// Parameters and multiply-accumulates.
    pub fn size(&self) -> NetworkSize {
        let spec = self.data.spec;
        NetworkSize {
            params: self.model.num_params(),
            aux_params: self.model.num_aux_params(),
            macs: self.model.macs([spec.height, spec.width]),
        }
    }

    /// The finished epochs' records.
    pub fn epochs(&self) -> Result<Vec<EpochRecord>, RunError> {
        Ok(epochs_stream(&self.dir).read()?.records)
    }

    /// Trains until every epoch is done or `stop` (or Ctrl-C) is raised, with a checkpoint
    /// every `checkpoint_every` steps, at each epoch's end (after testing) and when stopped.
    /// Returns whether it stopped early.
    pub fn train(
        &mut self,
        stop: &AtomicBool,
        mut on_step: impl FnMut(StepProgress),
        mut on_epoch: impl FnMut(&EpochRecord),
    ) -> Result<bool, RunError> {
        let total = self.total_steps();
        let per_epoch = self.steps_per_epoch();
        let mut since = Instant::now();
        while self.progress.step < total {
            if stop.load(Ordering::SeqCst) || crate::interrupt::requested() {
                self.add_elapsed(&mut since);
                self.checkpoint()?;
                return Ok(true);
            }
            let loss = self.step()?;
            self.add_elapsed(&mut since);
            let step = self.progress.step;
            on_step(StepProgress {
                step,
                total_steps: total,
                loss,
                elapsed_seconds: self.progress.elapsed_seconds,
            });
            if step.is_multiple_of(per_epoch) {
                let record = self.finish_epoch(step / per_epoch)?;
                self.add_elapsed(&mut since);
                on_epoch(&record);
                self.checkpoint()?;
            } else if step.is_multiple_of(self.config.protocol.checkpoint_every) {
                self.checkpoint()?;
            }
        }
        Ok(false)
    }

    fn add_elapsed(&mut self, since: &mut Instant) {
        self.progress.elapsed_seconds += since.elapsed().as_secs_f64();
        *since = Instant::now();
    }

    /// One SGD step on the next batch; returns its loss.
    fn step(&mut self) -> Result<f64, RunError> {
        let c = &self.config;
        let p = &c.protocol;
        let per_epoch = self.steps_per_epoch();
        let step = self.progress.step;
        let (epoch, k) = (step / per_epoch, step % per_epoch);
        let order =
            SeededRng::new(stream_seed(c.seed, 1, epoch as u64)).permutation(self.data.train.len());
        let ids = &order[k * p.batch_size..((k + 1) * p.batch_size).min(order.len())];
        let mut rng = SeededRng::new(stream_seed(c.seed, 2, step as u64));
        let spec = self.data.spec;
        let shape = Shape {
            c: spec.channels,
            h: spec.height,
            w: spec.width,
        };
        let mut pixels = Vec::with_capacity(ids.len() * spec.len());
        for &i in ids {
            let raw = &self.data.train.pixels[i * spec.len()..(i + 1) * spec.len()];
            let mut img = p.augment.geometric(raw, shape, &mut rng);
            standardise(&mut img, &self.data.channel_stats);
            p.augment.erase(&mut img, shape, &mut rng);
            pixels.extend(img);
        }
        let labels: Vec<usize> = ids.iter().map(|&i| self.data.train.labels[i]).collect();
        let x = Tensor::<A, 4>::from_data(
            TensorData::new(pixels, [ids.len(), spec.channels, spec.height, spec.width]),
            &self.device,
        );
        let mut sampler = WeightSampler::new(WeightMode::Mean, stream_seed(c.seed, 3, step as u64))
            .with_drop_path(c.drop_path(epoch));
        let with_aux = p.auxiliary_weight > 0.0;
        let out = self.model.forward(x, &mut sampler, with_aux);
        let main = cross_entropy(out.logits.clone(), &labels);
        let loss = match out.aux_logits {
            Some(aux) => main.clone() + cross_entropy(aux, &labels) * p.auxiliary_weight,
            None => main.clone(),
        };
        let loss_value = crate::learners::host_scalar(loss.clone());
        let main_value = crate::learners::host_scalar(main);
        if !loss_value.is_finite() {
            return Err(RunError::dir(
                &self.dir,
                format!(
                    "training diverged at step {step}: the loss is {loss_value}; lower the \
                     learning rate (the run keeps its last checkpoint)"
                ),
            ));
        }
        let correct = correct_of(out.logits.inner(), &labels, 1);
        let mut grads = loss.backward();
        let grads = grads_of(&self.model, &mut grads);
        let grads = if p.grad_clip > 0.0 {
            crate::learners::clip_norm_of(grads, &param_ids(&self.model), p.grad_clip)
        } else {
            grads
        };
        // Parameters are shared handles: the clone is cheap and replaced at once.
        self.model = self
            .sgd
            .step(self.model.clone(), &grads, c.learning_rate(epoch));
        self.progress.step += 1;
        self.progress.loss_sum += main_value;
        self.progress.correct += correct;
        self.progress.seen += ids.len();
        Ok(loss_value)
    }

    fn finish_epoch(&mut self, epoch: usize) -> Result<EpochRecord, RunError> {
        let (top1, top5) = self.test()?;
        let per_epoch = self.steps_per_epoch();
        let record = EpochRecord {
            epoch,
            step: self.progress.step,
            train_loss: self.progress.loss_sum / per_epoch.max(1) as f64,
            train_accuracy: self.progress.correct as f64 / self.progress.seen.max(1) as f64,
            test_top1: top1,
            test_top5: top5,
            learning_rate: self.config.learning_rate(epoch - 1),
            drop_path: self.config.drop_path(epoch - 1),
            elapsed_seconds: self.progress.elapsed_seconds,
        };
        epochs_stream(&self.dir).append(&record)?;
        self.progress.loss_sum = 0.0;
        self.progress.correct = 0;
        self.progress.seen = 0;
        Ok(record)
    }

    /// Top-1 and (more than 5 classes) top-5 accuracy on the test images, with the running
    /// batch-norm statistics.
    pub fn test(&self) -> Result<(f64, Option<f64>), RunError> {
        let model = self.model.valid();
        let test: &Images = &self.data.test;
        let spec = self.data.spec;
        let classes = self.data.classes.len();
        let (mut top1, mut top5) = (0usize, 0usize);
        for (b, labels) in test.labels.chunks(TEST_BATCH).enumerate() {
            let start = b * TEST_BATCH * spec.len();
            let mut pixels = test.pixels[start..start + labels.len() * spec.len()].to_vec();
            for img in pixels.chunks_mut(spec.len()) {
                standardise(img, &self.data.channel_stats);
            }
            let x = Tensor::<A::InnerBackend, 4>::from_data(
                TensorData::new(
                    pixels,
                    [labels.len(), spec.channels, spec.height, spec.width],
                ),
                &self.device,
            );
            let logits = model.forward(x, &mut WeightSampler::mean(), false).logits;
            top1 += correct_of(logits.clone(), labels, 1);
            if classes > 5 {
                top5 += correct_of(logits, labels, 5);
            }
        }
        let n = test.len().max(1) as f64;
        Ok((top1 as f64 / n, (classes > 5).then(|| top5 as f64 / n)))
    }

    fn checkpoint(&mut self) -> Result<(), RunError> {
        let payload = encode_state(&self.progress, &self.sgd, &self.model, &self.dir)?;
        Checkpoints::new(self.dir.join("checkpoints")).write(
            self.progress.step,
            &payload,
            KEEP_CHECKPOINTS,
            None,
        )?;
        epochs_stream(&self.dir).sync()
    }

    /// A digest of every learned value and running statistic (equal digests: the same
    /// network, e.g. a resumed run and one never interrupted).
    pub fn parameter_digest(&self) -> String {
        crate::learners::param_values(&self.model.valid())
            .iter()
            .fold(crc32fast::Hasher::new(), |mut h, v| {
                h.update(&v.to_le_bytes());
                h
            })
            .finalize()
            .to_string()
    }
}

/// How many rows of `logits` have their label among the `k` largest values.
fn correct_of<B: Backend>(logits: Tensor<B, 2>, labels: &[usize], k: usize) -> usize {
    let [n, classes] = logits.dims();
    let values = logits
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default();
    (0..n)
        .filter(|&i| {
            let row = &values[i * classes..(i + 1) * classes];
            let Some(&label) = labels.get(i) else {
                return false;
            };
            let target = row.get(label).copied().unwrap_or(f32::NEG_INFINITY);
            // Ties count against: the label must beat all but k - 1 others.
            let above = row.iter().filter(|&&v| v > target).count();
            above < k
        })
        .count()
}

/// A seed for `stream` (1 data order, 2 augmentation, 3 drop-path) at `index`.
fn stream_seed(seed: u64, stream: u64, index: u64) -> u64 {
    crate::learners::splitmix64(seed ^ crate::learners::splitmix64(stream << 48 ^ index))
}

fn load_data(config: &RetrainConfig) -> Result<TrainTest, RunError> {
    let load = |path: &Path| crate::run::load_dataset(path, &mut LoadOptions::default());
    let data = load(&config.data.path)?;
    let test = match &config.data.test_path {
        Some(p) => Some(load(p)?),
        None => None,
    };
    Ok(split(
        &data,
        test.as_ref(),
        config.data.test_fraction,
        config.data.train_limit,
        config.seed,
    )?)
}

fn build_model<A: AutodiffBackend>(
    config: &RetrainConfig,
    data: &TrainTest,
    device: &A::Device,
) -> Result<RetrainNet<A>, RunError> {
    let io = NetIo {
        channels: data.spec.channels,
        height: data.spec.height,
        width: data.spec.width,
        classes: data.classes.len(),
    };
    let mut shape = config.network;
    shape.auxiliary = shape.auxiliary && config.protocol.auxiliary_weight > 0.0;
    let model = RetrainNet::<A>::new(&config.architecture, shape, io, config.seed, device)
        .map_err(|e| RunError::config(Path::new(&config.architecture.describe()), e.to_string()))?;
    Ok(crate::learners::trainable::<A, RetrainNet<A>>(
        model.valid(),
    ))
}
