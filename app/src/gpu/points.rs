//! Instanced points (the PCA view): one disc per point with its own colour; the view's data
//! bounds map to the paint rect, so egui_plot's zoom and pan move the points.

use std::sync::Arc;

use eframe::wgpu;

use super::pipeline::{next_generation, GpuView, ViewData, ViewKind, ViewPipeline};

/// One point: position in data units, sRGBA colour (not premultiplied).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PointInstance {
    /// x, y in data units.
    pub position: [f32; 2],
    /// Red, green, blue, alpha.
    pub colour: [u8; 4],
}

/// Points uploaded once and drawn every frame until they change.
#[derive(Debug)]
pub struct PointCloud {
    generation: u64,
    instances: Vec<PointInstance>,
}

impl PointCloud {
    /// A cloud with a fresh generation (the GPU copy is replaced when the generation changes).
    pub fn new(instances: Vec<PointInstance>) -> Arc<Self> {
        Arc::new(Self {
            generation: next_generation(),
            instances,
        })
    }

    /// The points.
    pub fn instances(&self) -> &[PointInstance] {
        &self.instances
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Uniforms {
    scale: [f32; 2],
    offset: [f32; 2],
    viewport_px: [f32; 2],
    radius_px: f32,
    _pad: f32,
}

/// Draws `cloud` into the callback's rect, the data range `min..max` filling the rect.
pub struct PointsCallback {
    /// Which view's buffers to use (an egui id's value).
    pub view: u64,
    /// The points.
    pub cloud: Arc<PointCloud>,
    /// Data coordinates at the rect's bottom-left corner.
    pub min: [f64; 2],
    /// Data coordinates at the rect's top-right corner.
    pub max: [f64; 2],
    /// Disc radius in points.
    pub radius: f32,
    /// The rect's size in points.
    pub size: egui::Vec2,
}

/// The points pipeline.
pub fn pipeline(device: &wgpu::Device, format: wgpu::TextureFormat) -> ViewPipeline {
    ViewPipeline::new(
        device,
        format,
        "metanas points",
        super::SHADERS[0].1,
        std::mem::size_of::<PointInstance>() as u64,
        &wgpu::vertex_attr_array![0 => Float32x2, 1 => Unorm8x4],
    )
}

impl GpuView for PointsCallback {
    const KIND: ViewKind = ViewKind::Points;
    const VERTICES: u32 = 6;

    fn view(&self) -> u64 {
        self.view
    }

    fn upload(&self, pixels_per_point: f32, prepare: &mut dyn FnMut(ViewData<'_>)) {
        // NDC = data · scale + offset, with the data range spanning [-1, 1] on both axes.
        let span = |k: usize| (self.max[k] - self.min[k]).abs().max(1e-12);
        let scale = [2.0 / span(0), 2.0 / span(1)];
        let uniforms = Uniforms {
            scale: [scale[0] as f32, scale[1] as f32],
            offset: [
                (-1.0 - self.min[0] * scale[0]) as f32,
                (-1.0 - self.min[1] * scale[1]) as f32,
            ],
            viewport_px: [
                (self.size.x * pixels_per_point).max(1.0),
                (self.size.y * pixels_per_point).max(1.0),
            ],
            radius_px: self.radius * pixels_per_point,
            _pad: 0.0,
        };
        let instances = self.cloud.instances();
        prepare(ViewData {
            uniforms: bytemuck::bytes_of(&uniforms),
            data: bytemuck::cast_slice(instances),
            count: instances.len() as u32,
            generation: self.cloud.generation,
        });
    }
}
