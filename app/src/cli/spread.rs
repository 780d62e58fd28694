//! `train`'s options for several devices and several machines.

use clap::Args;
use metanas_core::learners::Cluster;
use metanas_core::run::{BackendKind, Compute};

use super::CliError;

/// The orchestrator's port when none is given (`metanas orchestrator`, `train --nodes`); the
/// processes' own ports follow it.
pub const DEFAULT_PORT: u16 = 3000;

/// Where the tasks of each meta-batch run.
#[derive(Args, Debug, Clone)]
pub struct SpreadArgs {
    /// Devices of this process to spread each meta-batch over (wgpu: discrete GPUs 0..N;
    /// CUDA: devices 0..N; CPU: N worker groups sharing the cores). Their contributions are
    /// combined with Burn's collective all-reduce; the result is the one-device update.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub devices: usize,
    /// Processes (machines) in all, each started with the same config and its own --rank.
    #[arg(long, value_name = "N", requires = "rank")]
    pub nodes: Option<u32>,
    /// This process's place among the --nodes, 0..N-1.
    #[arg(long, value_name = "R", requires = "nodes")]
    pub rank: Option<u32>,
    /// The global orchestrator's address (`metanas orchestrator`) [default: ws://127.0.0.1:3000,
    /// this machine].
    #[arg(long, value_name = "URL", requires = "nodes")]
    pub orchestrator: Option<String>,
    /// This process's address as the others reach it; tensors are served on its port, bound
    /// on all interfaces [default: ws://127.0.0.1:PORT, PORT = 3001 + rank, this machine].
    #[arg(long, value_name = "URL", requires = "nodes")]
    pub address: Option<String>,
}

impl SpreadArgs {
    /// The compute of `backend` with these options, or what is wrong with them.
    pub fn compute(&self, backend: BackendKind) -> Result<Compute, CliError> {
        if self.devices == 0 {
            return Err(CliError::Input("--devices: must be at least 1".into()));
        }
        let cluster = match (self.nodes, self.rank) {
            (Some(nodes), Some(rank)) => {
                let c = Cluster {
                    nodes,
                    rank,
                    orchestrator: self
                        .orchestrator
                        .clone()
                        .unwrap_or_else(|| format!("ws://127.0.0.1:{DEFAULT_PORT}")),
                    address: self.address.clone().unwrap_or_else(|| {
                        format!("ws://127.0.0.1:{}", u32::from(DEFAULT_PORT) + 1 + rank)
                    }),
                };
                c.check().map_err(|e| CliError::Input(format!("--{e}")))?;
                Some(c)
            }
            (None, None) => None,
            _ => return Err(CliError::Input("--nodes and --rank go together".into())),
        };
        Ok(Compute {
            backend,
            devices: self.devices,
            cluster,
        })
    }
}
