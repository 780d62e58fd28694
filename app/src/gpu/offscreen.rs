//! Figures without a window: an egui pass painted by the same view code (GPU views included)
//! and rendered by egui_wgpu into a texture, read back as an image. Works on any wgpu adapter,
//! including Mesa's software Vulkan (lavapipe) on machines without a GPU.

use std::sync::mpsc;
use std::time::Duration;

use eframe::egui_wgpu::{self, RenderState, ScreenDescriptor, WgpuSetup, WgpuSetupCreateNew};
use eframe::wgpu;
use image::RgbaImage;

/// Why a figure could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum OffscreenError {
    /// No adapter or device.
    #[error(
        "no GPU adapter for offscreen figures ({0}); on Linux without a GPU install Mesa's \
         software Vulkan: apt-get install mesa-vulkan-drivers libvulkan1"
    )]
    NoDevice(String),
    /// A size of zero or past the device's texture limit.
    #[error("figure size {0}x{1} pixels is not possible here (1 to {2} pixels per side)")]
    Size(u32, u32, u32),
    /// The GPU did not finish.
    #[error("rendering the figure failed: {0}")]
    Render(String),
}

/// How long to wait for the GPU (software rasterisers are slow on large figures).
const WAIT: Duration = Duration::from_secs(120);

/// A headless renderer with the GPU views installed (where the adapter can run them).
pub struct Offscreen {
    state: RenderState,
    ctx: egui::Context,
    /// Why the GPU views are not installed, when they are not.
    without_shaders: Option<String>,
}

impl std::fmt::Debug for Offscreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offscreen")
            .field("adapter", &self.state.adapter.get_info().name)
            .finish()
    }
}

impl Offscreen {
    /// Opens the default adapter without a window.
    pub fn new() -> Result<Self, OffscreenError> {
        let setup = WgpuSetup::CreateNew(WgpuSetupCreateNew::without_display_handle());
        let instance = pollster::block_on(setup.new_instance());
        let config = egui_wgpu::WgpuConfiguration {
            wgpu_setup: setup,
            ..Default::default()
        };
        let state = pollster::block_on(RenderState::create(
            &config,
            &instance,
            None,
            egui_wgpu::RendererOptions::default(),
        ))
        .map_err(|e| OffscreenError::NoDevice(e.to_string()))?;
        let ctx = egui::Context::default();
        ctx.set_visuals(egui::Visuals::light());
        // Without the GPU views (a downlevel adapter) figures are drawn with egui's shapes.
        let without_shaders = super::install(&state, &ctx).err().map(|e| e.0);
        Ok(Self {
            state,
            ctx,
            without_shaders,
        })
    }

    /// The adapter's name and backend (and why the views draw without shaders, if they do).
    pub fn adapter(&self) -> String {
        let info = self.state.adapter.get_info();
        let name = format!("{} ({:?})", info.name, info.backend);
        match &self.without_shaders {
            Some(why) => format!("{name}; without shaders: {why}"),
            None => name,
        }
    }

    /// Renders `paint` on a white page of `width × height` pixels at `pixels_per_point`; the
    /// image ends below the last thing painted (at most `height` pixels).
    pub fn render(
        &mut self,
        width: u32,
        height: u32,
        pixels_per_point: f32,
        mut paint: impl FnMut(&mut egui::Ui),
    ) -> Result<RgbaImage, OffscreenError> {
        let limit = self.state.device.limits().max_texture_dimension_2d;
        if width == 0 || height == 0 || width > limit || height > limit {
            return Err(OffscreenError::Size(width, height, limit));
        }
        let ppp = pixels_per_point.max(0.1);
        let mut input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(width as f32, height as f32) / ppp,
            )),
            ..Default::default()
        };
        input
            .viewports
            .entry(egui::ViewportId::ROOT)
            .or_default()
            .native_pixels_per_point = Some(ppp);
        let mut renderer = self.state.renderer.write();
        // The first pass lays out (text sizes, grids); the second paints what is shown.
        let mut output = None;
        let mut used = egui::Rect::NOTHING;
        for _ in 0..2 {
            let out = self.ctx.run_ui(input.clone(), |ui| {
                used = egui::Frame::new()
                    .inner_margin(8.0)
                    .show(ui, |ui| paint(ui))
                    .response
                    .rect;
            });
            for (id, delta) in &out.textures_delta.set {
                renderer.update_texture(&self.state.device, &self.state.queue, *id, delta);
            }
            output = Some(out);
        }
        let Some(output) = output else {
            return Err(OffscreenError::Render("no pass ran".into()));
        };
        let screen = ScreenDescriptor {
            size_in_pixels: [width, height],
            pixels_per_point: output.pixels_per_point,
        };
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let device = &self.state.device;
        let mut encoder = device.create_command_encoder(&Default::default());
        let user_buffers = renderer.update_buffers(
            device,
            &self.state.queue,
            &mut encoder,
            &primitives,
            &screen,
        );
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("metanas figure"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: self.state.target_format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = texture.create_view(&Default::default());
        {
            let mut pass = encoder
                .begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("metanas figure"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &view,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color::WHITE),
                            store: wgpu::StoreOp::Store,
                        },
                        depth_slice: None,
                    })],
                    ..Default::default()
                })
                .forget_lifetime();
            renderer.render(&mut pass, &primitives, &screen);
        }
        // Read back: rows padded to 256 bytes.
        let row = 4 * width;
        let padded =
            row.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("metanas figure read-back"),
            size: padded as u64 * height as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_texture_to_buffer(
            texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded),
                    rows_per_image: None,
                },
            },
            texture.size(),
        );
        let submission = self
            .state
            .queue
            .submit(user_buffers.into_iter().chain(Some(encoder.finish())));
        let (tx, rx) = mpsc::channel();
        buffer
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| drop(tx.send(r)));
        device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: Some(WAIT),
            })
            .map_err(|e| OffscreenError::Render(e.to_string()))?;
        rx.recv_timeout(WAIT)
            .map_err(|e| OffscreenError::Render(e.to_string()))?
            .map_err(|e| OffscreenError::Render(e.to_string()))?;
        let mapped = buffer.slice(..).get_mapped_range();
        let mut pixels = Vec::with_capacity((row * height) as usize);
        for line in mapped.chunks_exact(padded as usize) {
            pixels.extend_from_slice(&line[..row as usize]);
        }
        drop(mapped);
        for id in &output.textures_delta.free {
            renderer.free_texture(id);
        }
        if matches!(
            self.state.target_format,
            wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
        ) {
            pixels.chunks_exact_mut(4).for_each(|p| p.swap(0, 2));
        }
        // The page ends below what was painted.
        let content = ((used.max.y * ppp).ceil() as u32).clamp(1, height);
        pixels.truncate((row * content) as usize);
        RgbaImage::from_raw(width, content, pixels)
            .ok_or_else(|| OffscreenError::Render("read-back has the wrong size".into()))
    }
}
