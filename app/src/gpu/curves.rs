//! Instanced quadratic Bézier curves (the cell DAG's edges, one curve per op), width and
//! colour per curve. The curves are few (edges × ops), so they are uploaded every frame and
//! an animated replay costs nothing extra.

use eframe::egui_wgpu::{CallbackResources, CallbackTrait, ScreenDescriptor};
use eframe::wgpu;

use super::pipeline::{draw_instances, next_generation, render_pipeline, uniform_entry, Slots};
use super::GpuViews;

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

pub struct CurvesPipeline {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    slots: Slots,
}

impl CurvesPipeline {
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("metanas curves"),
            entries: &[uniform_entry()],
        });
        let attributes = wgpu::vertex_attr_array![
            0 => Float32x2, 1 => Float32x2, 2 => Float32x2, 3 => Float32, 4 => Unorm8x4
        ];
        let pipeline = render_pipeline(
            device,
            format,
            "metanas curves",
            super::SHADERS[1].1,
            &layout,
            &[wgpu::VertexBufferLayout {
                array_stride: std::mem::size_of::<CurveInstance>() as u64,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &attributes,
            }],
        );
        Self {
            pipeline,
            layout,
            slots: Slots::default(),
        }
    }
}

impl CallbackTrait for CurvesCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        screen: &ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let Some(views) = resources.get_mut::<GpuViews>() else {
            return Vec::new();
        };
        let c = &mut views.curves;
        let slot = c
            .slots
            .get(device, self.view, std::mem::size_of::<Uniforms>() as u64);
        slot.upload(
            device,
            queue,
            bytemuck::cast_slice(&self.curves),
            self.curves.len() as u32,
            next_generation(),
            wgpu::BufferUsages::VERTEX,
        );
        slot.bind_uniforms(device, &c.layout);
        let uniforms = Uniforms {
            viewport: [self.size.x.max(1.0), self.size.y.max(1.0)],
            pixels_per_point: screen.pixels_per_point,
            _pad: 0.0,
        };
        queue.write_buffer(&slot.uniform, 0, bytemuck::bytes_of(&uniforms));
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &CallbackResources,
    ) {
        if let Some(views) = resources.get::<GpuViews>() {
            let v = &views.curves;
            draw_instances(pass, &v.pipeline, &v.slots, self.view, SEGMENTS * 6);
        }
    }
}
