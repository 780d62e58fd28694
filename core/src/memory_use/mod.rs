//! Memory one piece of work holds: heap bytes on the CPU backend, device bytes on the GPU
//! backends. `metanas bench` reports it per task (one task's inner step).
//!
//! The heap is counted by [`CountingAllocator`], which a binary installs as its global
//! allocator (`metanas` does); without it the heap counts are `None`. The GPU backends'
//! bytes are what their memory pools (cubecl's) report in use and reserved.

mod heap;

use std::any::Any;

use burn::prelude::Backend;

pub use heap::{heap_peak_since_start, heap_since_start, start_heap_count, CountingAllocator};

/// What a GPU backend's memory pools hold on `device`: bytes in use by live tensors and
/// bytes reserved from the device. `None` on the CPU backends and in builds without GPU
/// backends.
pub fn device_memory<B: Backend>(device: &B::Device) -> Option<(u64, u64)>
where
    B::Device: 'static,
{
    let device: &dyn Any = device;
    #[cfg(feature = "wgpu")]
    if let Some(d) = device.downcast_ref::<burn::backend::wgpu::WgpuDevice>() {
        return pools_of::<burn::backend::wgpu::WgpuRuntime>(d);
    }
    #[cfg(feature = "cuda")]
    if let Some(d) = device.downcast_ref::<burn::backend::cuda::CudaDevice>() {
        return pools_of::<cubecl_cuda::CudaRuntime>(d);
    }
    let _ = device;
    None
}

/// Bytes in use and reserved of runtime `R`'s memory pools on `device`.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn pools_of<R: cubecl_runtime::runtime::Runtime>(device: &R::Device) -> Option<(u64, u64)> {
    let usage = R::client(device).memory_usage().ok()?;
    Some((usage.bytes_in_use, usage.bytes_reserved))
}

/// The peak memory of a stretch of work above what was held when it began: on the CPU
/// backends the heap's exact peak (with [`CountingAllocator`] installed), on the GPU
/// backends the most device bytes in use at the moments [`MemoryProbe::sample`] is called
/// (after the work has been waited for), since the pools keep no peak of their own.
#[derive(Clone, Copy, Debug)]
pub struct MemoryProbe {
    start: u64,
    most: u64,
    device: bool,
}

impl MemoryProbe {
    /// Starts probing on `device`; `None` when nothing can be read there.
    pub fn start<B: Backend>(device: &B::Device) -> Option<Self>
    where
        B::Device: 'static,
    {
        if let Some((in_use, _)) = device_memory::<B>(device) {
            return Some(Self {
                start: in_use,
                most: in_use,
                device: true,
            });
        }
        start_heap_count().then_some(Self {
            start: 0,
            most: 0,
            device: false,
        })
    }

    /// Reads the device's bytes in use now (GPU backends; the heap's peak needs no samples).
    pub fn sample<B: Backend>(&mut self, device: &B::Device)
    where
        B::Device: 'static,
    {
        if self.device {
            if let Some((in_use, _)) = device_memory::<B>(device) {
                self.most = self.most.max(in_use);
            }
        }
    }

    /// The most bytes held above the start.
    pub fn peak_above_start(&self) -> u64 {
        let most = if self.device {
            self.most
        } else {
            heap_peak_since_start().unwrap_or(self.most)
        };
        most.saturating_sub(self.start)
    }
}
