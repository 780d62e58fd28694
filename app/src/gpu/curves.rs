//! Instanced quadratic Bézier curves (the cell DAG's edges, one curve per op), width and
//! colour per curve. The curves are few (edges × ops), so they are uploaded every frame and
//! an animated replay costs nothing extra.

use eframe::wgpu;

use super::pipeline::{next_generation, GpuView, ViewData, ViewKind, ViewPipeline};

/// Segments per curve (must match `SEGMENTS` in `curves.wgsl`).
const SEGMENTS: u32 = 32;

/// One curve: control points in points relative to the paint rect's top-left corner, width
/// in points, sRGBA colour (not premultiplied).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CurveInstance {
    /// Start.
    pub p0: [f32; 2],
    /// Control point.
    pub p1: [f32; 2],
    /// End.
    pub p2: [f32; 2],
    /// Width in points.
    pub width: f32,
    /// Red, green, blue, alpha.
    pub colour: [u8; 4],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Uniforms {
    viewport: [f32; 2],
    pixels_per_point: f32,
    _pad: f32,
}

/// Draws `curves` into a rect of `size` points.
pub struct CurvesCallback {
    /// Which view's buffers to use (an egui id's value).
    pub view: u64,
    /// The curves, drawn in order.
    pub curves: Vec<CurveInstance>,
    /// The rect's size in points.
    pub size: egui::Vec2,
}

/// The curves pipeline.
pub fn pipeline(device: &wgpu::Device, format: wgpu::TextureFormat) -> ViewPipeline {
    ViewPipeline::new(
        device,
        format,
        "metanas curves",
        super::SHADERS[1].1,
        std::mem::size_of::<CurveInstance>() as u64,
        &wgpu::vertex_attr_array![
            0 => Float32x2, 1 => Float32x2, 2 => Float32x2, 3 => Float32, 4 => Unorm8x4
        ],
    )
}

impl GpuView for CurvesCallback {
    const KIND: ViewKind = ViewKind::Curves;
    const VERTICES: u32 = SEGMENTS * 6;

    fn view(&self) -> u64 {
        self.view
    }

    fn upload(&self, pixels_per_point: f32, prepare: &mut dyn FnMut(ViewData<'_>)) {
        let uniforms = Uniforms {
            viewport: [self.size.x.max(1.0), self.size.y.max(1.0)],
            pixels_per_point,
            _pad: 0.0,
        };
        prepare(ViewData {
            uniforms: bytemuck::bytes_of(&uniforms),
            data: bytemuck::cast_slice(&self.curves),
            count: self.curves.len() as u32,
            generation: next_generation(),
        });
    }
}
