//! One meta-batch on several devices, and on several machines: each device runs its share of
//! the tasks on its own copy of the meta-parameters, and what the tasks contribute to the
//! meta-update (their meta-gradients, or their adapted parameters) is summed with Burn's
//! collective all-reduce — across the devices of this process, and with a [`Cluster`] across
//! processes through burn-collective's global orchestrator. Every peer gets the same sum, so
//! the learner applies exactly the update it applies on one device (up to the order of
//! floating-point additions).
//!
//! Task `i` of a meta-batch runs on peer `i mod P`, P the peers of all processes, with the
//! seed it has on one device: the tasks, their noise and the result do not depend on where
//! they ran.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::collective::{
    all_reduce, finish_collective, register, CollectiveConfig, PeerId, ReduceOperation,
};
use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use burn::tensor::TensorPrimitive;
use burn_communication::Address;

use super::grads::ParamGrads;
use super::objective::TaskMetrics;
use super::parallel::run_tasks;
use super::types::LearnerError;
use crate::value_error::FieldError;

/// Several processes (machines) in one collective, each with the same run config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// Processes in all.
    pub nodes: u32,
    /// This process's place among them, `0..nodes`; it decides which tasks run here.
    pub rank: u32,
    /// The global orchestrator (`metanas orchestrator`), e.g. `ws://127.0.0.1:3000`.
    pub orchestrator: String,
    /// The address other processes reach this one at, e.g. `ws://127.0.0.1:3001`; its port
    /// is the one this process serves tensors on.
    pub address: String,
}

impl Cluster {
    /// The port of [`Cluster::address`], or what is wrong with it.
    pub fn data_port(&self) -> Result<u16, FieldError> {
        ws_port("address", &self.address)
    }

    /// Checks the fields; the message names the one that is wrong.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.nodes == 0 {
            return Err(FieldError::new("nodes", "must be at least 1"));
        }
        if self.rank >= self.nodes {
            return Err(FieldError::new(
                "rank",
                format!("{} is not below nodes ({})", self.rank, self.nodes),
            ));
        }
        ws_port("orchestrator", &self.orchestrator)?;
        self.data_port().map(|_| ())
    }
}

/// What one task contributes to a meta-step.
pub struct Contribution<B: Backend> {
    /// A vector per parameter, summed over the tasks: the meta-gradient, or the adapted
    /// parameters.
    pub vector: ParamGrads<B>,
    /// The task's loss.
    pub loss: f64,
    /// Its query metrics, when the learner measures them during the step.
    pub metrics: Option<TaskMetrics>,
}

/// The contributions of every task of a meta-batch (of every process), summed.
pub struct Summed<B: Backend> {
    /// Σ over tasks of [`Contribution::vector`], every parameter present, on the first device.
    pub vector: ParamGrads<B>,
    /// Tasks summed.
    pub tasks: usize,
    /// Mean loss.
    pub loss: f64,
    /// Mean accuracy and mean MSE over the tasks that reported them.
    pub accuracy: Option<f64>,
    /// See `accuracy`.
    pub mse: Option<f64>,
}

/// The statistics summed next to the vectors: failed tasks, loss, accuracy (sum, count), MSE
/// (sum, count).
const STATS: usize = 6;

/// The mean over the meta-batch: the sum divided by the tasks.
pub fn mean_of_sum<B: Backend>(summed: &Summed<B>) -> ParamGrads<B> {
    let n = summed.tasks.max(1) as f64;
    summed
        .vector
        .iter()
        .map(|(id, v)| (*id, v.clone() / n))
        .collect()
}

/// One process's devices, registered with Burn's collective while this value lives.
pub struct DeviceGroup<B: Backend> {
    devices: Vec<B::Device>,
    cluster: Option<Cluster>,
    peers: Vec<PeerId>,
}

impl<B: Backend> std::fmt::Debug for DeviceGroup<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceGroup")
            .field("devices", &self.devices.len())
            .field("cluster", &self.cluster)
            .finish()
    }
}

/// Burn's collective server is one per process and backend: one group at a time.
static IN_USE: AtomicBool = AtomicBool::new(false);

impl<B: Backend> DeviceGroup<B> {
    /// Registers `devices` (the first holds the learner's parameters) with Burn's collective,
    /// and with the cluster's orchestrator when there is one (this waits for every process).
    pub fn new(devices: Vec<B::Device>, cluster: Option<Cluster>) -> Result<Self, LearnerError> {
        if devices.is_empty() {
            return Err(LearnerError::Task("devices: at least one is needed".into()));
        }
        let mut config = CollectiveConfig::default().with_num_devices(devices.len());
        let first_peer = match &cluster {
            Some(c) => {
                c.check()
                    .map_err(|e| LearnerError::Task(format!("cluster {e}")))?;
                let port = c
                    .data_port()
                    .map_err(|e| LearnerError::Task(format!("cluster {e}")))?;
                let address = |s: &str| s.parse::<Address>().map_err(LearnerError::Task);
                config = config
                    .with_num_nodes(c.nodes)
                    .with_global_address(address(&c.orchestrator)?)
                    .with_node_address(address(&c.address)?)
                    .with_data_service_port(port);
                c.rank as usize * devices.len()
            }
            None => 0,
        };
        if IN_USE.swap(true, Ordering::SeqCst) {
            return Err(LearnerError::Task(
                "another multi-device learner is open in this process; close it first".into(),
            ));
        }
        let peers: Vec<PeerId> = (0..devices.len())
            .map(|d| PeerId::from((first_peer + d) as u32))
            .collect();
        // Registering blocks until every peer has registered: one thread per peer.
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = peers
                .iter()
                .zip(&devices)
                .map(|(&peer, device)| {
                    let config = config.clone();
                    scope.spawn(move || register::<B>(peer, device.clone(), config))
                })
                .collect();
            handles.into_iter().map(|h| h.join()).collect()
        });
        let group = Self {
            devices,
            cluster,
            peers,
        };
        for r in results {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    return Err(LearnerError::Task(format!(
                        "cannot register with Burn's collective: {e:?}"
                    )))
                }
                Err(_) => return Err(LearnerError::Task("a device thread panicked".into())),
            }
        }
        Ok(group)
    }

    /// Devices of this process.
    pub fn devices(&self) -> &[B::Device] {
        &self.devices
    }

    /// Runs this process's share of `count` tasks, task `i` as `run(module on its device, i)`,
    /// with `threads` task threads per device, and returns the sum over all tasks of all
    /// processes. A task that fails fails the step everywhere (after the sums, so that no
    /// peer is left waiting).
    pub fn sum_tasks<M>(
        &self,
        module: &M,
        count: usize,
        threads: usize,
        run: impl Fn(&M, usize) -> Result<Contribution<B>, LearnerError> + Sync,
    ) -> Result<Summed<B>, LearnerError>
    where
        M: Module<B> + Sync,
    {
        let sizes = param_sizes(module);
        let (rank, nodes) = self
            .cluster
            .as_ref()
            .map_or((0, 1), |c| (c.rank as usize, c.nodes as usize));
        let local = self.devices.len();
        let all_peers = local * nodes;
        let outcomes: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .devices
                .iter()
                .enumerate()
                .map(|(d, device)| {
                    let peer = rank * local + d;
                    let mine: Vec<usize> = (peer..count).step_by(all_peers).collect();
                    let (run, sizes) = (&run, &sizes);
                    let id = self.peers[d];
                    scope.spawn(move || {
                        let copy = module.clone().to_device(device);
                        let results = run_tasks(mine.len(), threads, |k| run(&copy, mine[k]));
                        reduce_peer(id, device, sizes, results)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join()).collect()
        });
        // Every peer holds the same sums; the first device's copy is the one the learner's
        // parameters live with. A peer whose all-reduce failed (or that panicked) fails the
        // step; otherwise the first task error anywhere in this process is the one reported.
        let mut peers = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            match outcome {
                Ok(Ok(peer)) => peers.push(peer),
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(LearnerError::Task("a device panicked".into())),
            }
        }
        let error = peers.iter_mut().find_map(|p| p.error.take());
        let Some(peer) = peers.into_iter().next() else {
            return Err(LearnerError::Task("no device ran".into()));
        };
        let s = peer.stats;
        if s[0] > 0.0 {
            return Err(error.unwrap_or_else(|| {
                LearnerError::Task(format!("{} task(s) failed in another process", s[0]))
            }));
        }
        let ratio = |sum: f64, n: f64| (n > 0.0).then(|| sum / n);
        Ok(Summed {
            vector: peer.vector,
            tasks: count,
            loss: s[1] / count.max(1) as f64,
            accuracy: ratio(s[2], s[3]),
            mse: ratio(s[4], s[5]),
        })
    }
}

impl<B: Backend> Drop for DeviceGroup<B> {
    fn drop(&mut self) {
        for &peer in &self.peers {
            // Leaving the collective cannot fail in a way the caller could act on.
            let _ = finish_collective::<B>(peer);
        }
        IN_USE.store(false, Ordering::SeqCst);
    }
}

/// What one peer ends a step with.
struct PeerSum<B: Backend> {
    vector: ParamGrads<B>,
    stats: [f64; STATS],
    error: Option<LearnerError>,
}

/// Sums a peer's task results, then all-reduces every parameter's sum and the statistics
/// with the other peers, in the module's visiting order (the same on every peer).
fn reduce_peer<B: Backend>(
    peer: PeerId,
    device: &B::Device,
    sizes: &[(ParamId, usize)],
    results: Vec<Result<Contribution<B>, LearnerError>>,
) -> Result<PeerSum<B>, LearnerError> {
    let mut stats = [0.0; STATS];
    let mut sum: HashMap<ParamId, Tensor<B, 1>> = HashMap::new();
    let mut error = None;
    for r in results {
        match r {
            Ok(c) => {
                stats[1] += c.loss;
                if let Some(m) = c.metrics {
                    if let Some(a) = m.accuracy {
                        stats[2] += a;
                        stats[3] += 1.0;
                    }
                    if let Some(e) = m.mse {
                        stats[4] += e;
                        stats[5] += 1.0;
                    }
                }
                for (id, v) in c.vector {
                    let v = v.to_device(device);
                    let total = match sum.remove(&id) {
                        Some(s) => s + v,
                        None => v,
                    };
                    sum.insert(id, total);
                }
            }
            Err(e) => {
                stats[0] += 1.0;
                error = error.or(Some(e));
            }
        }
    }
    // One all-reduce per step: every parameter's sum and the statistics in one flat vector,
    // in the module's visiting order (one network round between machines, not one per
    // parameter; and a ring all-reduce needs at least as many entries as machines).
    let mut parts: Vec<Tensor<B, 1>> = sizes
        .iter()
        .map(|&(id, n)| {
            sum.remove(&id)
                .unwrap_or_else(|| Tensor::zeros([n], device))
        })
        .collect();
    parts.push(Tensor::<B, 1>::from_data(
        TensorData::new(stats.map(|v| v as f32).to_vec(), [STATS]),
        device,
    ));
    let flat = Tensor::cat(parts, 0).into_primitive().tensor();
    let reduced = all_reduce::<B>(peer, flat, ReduceOperation::Sum)
        .map_err(|e| LearnerError::Task(format!("all-reduce failed: {e:?}")))?;
    let reduced = Tensor::<B, 1>::from_primitive(TensorPrimitive::Float(reduced));
    let mut vector = ParamGrads::new();
    let mut offset = 0;
    for &(id, n) in sizes {
        vector.insert(id, reduced.clone().slice(offset..offset + n));
        offset += n;
    }
    let reduced = reduced
        .slice(offset..offset + STATS)
        .into_data()
        .convert::<f64>()
        .to_vec::<f64>()
        .map_err(|e| LearnerError::Task(format!("cannot read the summed statistics: {e:?}")))?;
    let mut stats = [0.0; STATS];
    stats.iter_mut().zip(reduced).for_each(|(s, r)| *s = r);
    Ok(PeerSum {
        vector,
        stats,
        error,
    })
}

/// Every float parameter's id and element count, in visiting order.
fn param_sizes<B: Backend, M: Module<B>>(module: &M) -> Vec<(ParamId, usize)> {
    struct Sizes(Vec<(ParamId, usize)>);
    impl<B: Backend> ModuleVisitor<B> for Sizes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            self.0.push((param.id, param.val().dims().iter().product()));
        }
    }
    let mut s = Sizes(Vec::new());
    module.visit(&mut s);
    s.0
}

/// The port of the `ws://HOST:PORT` address in `field` (burn-collective talks WebSocket).
fn ws_port(field: &str, address: &str) -> Result<u16, FieldError> {
    let bad = |problem: String| FieldError::new(field, problem);
    let rest = address
        .strip_prefix("ws://")
        .ok_or_else(|| bad(format!("`{address}` does not start with ws://")))?;
    let (host, port) = rest
        .trim_end_matches('/')
        .rsplit_once(':')
        .ok_or_else(|| bad(format!("`{address}` has no :PORT")))?;
    if host.is_empty() {
        return Err(bad(format!("`{address}` has no host")));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(bad(format!(
            "`{address}`: `{port}` is not a port number (1-65535)"
        ))),
    }
}
