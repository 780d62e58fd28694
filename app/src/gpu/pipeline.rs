//! What the GPU views share: a render pipeline over one WGSL file (premultiplied alpha, the
//! fragment entry point that suits the target's colour space) and per-view buffers.

use std::collections::HashMap;

use eframe::egui_wgpu::{CallbackResources, CallbackTrait, ScreenDescriptor};
use eframe::wgpu;
use eframe::wgpu::util::DeviceExt;

use super::GpuViews;

/// A pipeline drawing triangle lists from `source` into `format` targets.
fn render_pipeline(
    device: &wgpu::Device,
    format: wgpu::TextureFormat,
    label: &str,
    source: &str,
    layout: &wgpu::BindGroupLayout,
    buffers: &[wgpu::VertexBufferLayout<'_>],
) -> wgpu::RenderPipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs_main"),
            buffers,
            compilation_options: Default::default(),
        },
        fragment: Some(wgpu::FragmentState {
            module: &module,
            // sRGB targets encode on write, so the shader must hand them linear values.
            entry_point: Some(if format.is_srgb() {
                "fs_linear"
            } else {
                "fs_gamma"
            }),
            targets: &[Some(wgpu::ColorTargetState {
                format,
                blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                write_mask: wgpu::ColorWrites::ALL,
            })],
            compilation_options: Default::default(),
        }),
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        multiview_mask: None,
        cache: None,
    })
}

/// A bind group layout entry for a uniform buffer (binding 0, both stages).
fn uniform_entry() -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// The buffers of one view on screen (several views of a kind can be visible at once, and
/// each needs its own uniforms).
pub struct Slot {
    /// The view's uniforms.
    pub uniform: wgpu::Buffer,
    /// Bind group over the uniforms (and the data, where the shader reads it as storage).
    pub bind: Option<wgpu::BindGroup>,
    /// The view's instance or storage data.
    pub data: Option<wgpu::Buffer>,
    /// Instances (or values) in `data`.
    pub count: u32,
    /// Generation of the data in `data` (re-uploaded when it changes).
    pub generation: u64,
}

impl Slot {
    fn new(device: &wgpu::Device, uniform_size: u64) -> Self {
        Self {
            uniform: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("metanas view uniforms"),
                size: uniform_size,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            bind: None,
            data: None,
            count: 0,
            generation: u64::MAX,
        }
    }

    /// Puts `bytes` (of `count` items, version `generation`) into the data buffer, growing it
    /// when too small. Returns whether the buffer was replaced (bind groups over it must be
    /// rebuilt).
    pub fn upload(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        bytes: &[u8],
        count: u32,
        generation: u64,
        usage: wgpu::BufferUsages,
    ) -> bool {
        if self.generation == generation && self.data.is_some() {
            return false;
        }
        self.generation = generation;
        self.count = count;
        // Buffers may not be empty; four bytes keep the binding valid.
        let needed = (bytes.len() as u64).max(4);
        if let Some(buffer) = self.data.as_ref().filter(|b| b.size() >= needed) {
            queue.write_buffer(buffer, 0, bytes);
            return false;
        }
        let mut contents = bytes.to_vec();
        contents.resize(needed.next_power_of_two() as usize, 0);
        self.data = Some(
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("metanas view data"),
                contents: &contents,
                usage: usage | wgpu::BufferUsages::COPY_DST,
            }),
        );
        true
    }
}

/// Slots by view id.
#[derive(Default)]
pub struct Slots(HashMap<u64, Slot>);

impl Slots {
    /// The slot of `view`, created on first use with `uniform_size` bytes of uniforms.
    pub fn get(&mut self, device: &wgpu::Device, view: u64, uniform_size: u64) -> &mut Slot {
        self.0
            .entry(view)
            .or_insert_with(|| Slot::new(device, uniform_size))
    }

    /// The slot of `view`, if it was prepared.
    pub fn prepared(&self, view: u64) -> Option<&Slot> {
        self.0.get(&view)
    }
}

/// A new generation number for data handed to the GPU views.
pub fn next_generation() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One kind of GPU view: its pipeline, bind group layout and the buffers of each view of
/// that kind on screen.
pub struct ViewPipeline {
    /// The render pipeline.
    pub pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    /// Buffers by view id.
    pub slots: Slots,
    /// Whether the data is bound as a storage buffer (binding 1) rather than instances.
    storage: bool,
}

/// What one view hands to the GPU in a frame.
pub struct ViewData<'a> {
    /// The uniforms' bytes.
    pub uniforms: &'a [u8],
    /// The data's bytes (instances, or values for a storage buffer).
    pub data: &'a [u8],
    /// Items in `data`.
    pub count: u32,
    /// Version of `data`; the same generation is not uploaded again.
    pub generation: u64,
}

impl ViewPipeline {
    /// A pipeline over `source` with uniforms at binding 0 and either per-instance vertex data
    /// (`instance` attributes of `stride` bytes) or, with `instance` empty, a read-only
    /// storage buffer at binding 1 for the fragment shader.
    pub fn new(
        device: &wgpu::Device,
        format: wgpu::TextureFormat,
        label: &str,
        source: &str,
        stride: u64,
        instance: &[wgpu::VertexAttribute],
    ) -> Self {
        let storage = instance.is_empty();
        let storage_entry = wgpu::BindGroupLayoutEntry {
            binding: 1,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only: true },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let entries = if storage {
            vec![uniform_entry(), storage_entry]
        } else {
            vec![uniform_entry()]
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(label),
            entries: &entries,
        });
        let buffers = [wgpu::VertexBufferLayout {
            array_stride: stride,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: instance,
        }];
        let pipeline = render_pipeline(
            device,
            format,
            label,
            source,
            &layout,
            if storage { &[] } else { &buffers },
        );
        Self {
            pipeline,
            layout,
            slots: Slots::default(),
            storage,
        }
    }

    /// Uploads `view`'s data when its generation changed, (re)binds, writes its uniforms.
    pub fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        view: u64,
        d: ViewData<'_>,
    ) {
        let slot = self.slots.get(device, view, d.uniforms.len() as u64);
        let usage = if self.storage {
            wgpu::BufferUsages::STORAGE
        } else {
            wgpu::BufferUsages::VERTEX
        };
        let replaced = slot.upload(device, queue, d.data, d.count, d.generation, usage);
        if replaced || slot.bind.is_none() {
            let mut entries = vec![wgpu::BindGroupEntry {
                binding: 0,
                resource: slot.uniform.as_entire_binding(),
            }];
            if let (true, Some(data)) = (self.storage, &slot.data) {
                entries.push(wgpu::BindGroupEntry {
                    binding: 1,
                    resource: data.as_entire_binding(),
                });
            }
            slot.bind = Some(device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("metanas view"),
                layout: &self.layout,
                entries: &entries,
            }));
        }
        queue.write_buffer(&slot.uniform, 0, d.uniforms);
    }

    /// Draws `vertices` per instance of `view` (instance data in buffer 0 unless the data
    /// is a storage buffer, then one instance).
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'static>, view: u64, vertices: u32) {
        let Some(slot) = self.slots.prepared(view) else {
            return;
        };
        let (Some(bind), Some(data)) = (&slot.bind, &slot.data) else {
            return;
        };
        if slot.count == 0 {
            return;
        }
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bind, &[]);
        if self.storage {
            pass.draw(0..vertices, 0..1);
        } else {
            pass.set_vertex_buffer(0, data.slice(..));
            pass.draw(0..vertices, 0..slot.count);
        }
    }
}

/// One kind of GPU view's paint callback: which of the installed pipelines draws it, what it
/// hands to the GPU in a frame, and how many vertices each of its instances has.
pub trait GpuView: Send + Sync + 'static {
    /// The pipeline that draws it.
    const KIND: ViewKind;
    /// Vertices per instance.
    const VERTICES: u32;
    /// Which view's buffers it uses (an egui id's value).
    fn view(&self) -> u64;
    /// Calls `prepare` with this frame's uniforms and data at `pixels_per_point`.
    fn upload(&self, pixels_per_point: f32, prepare: &mut dyn FnMut(ViewData<'_>));
}

/// The kinds of GPU view, one pipeline each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    /// Instanced discs.
    Points,
    /// Instanced Bézier curves.
    Curves,
    /// A heat map read from a storage buffer.
    Heat,
}

impl GpuViews {
    fn pipeline(&self, kind: ViewKind) -> &ViewPipeline {
        match kind {
            ViewKind::Points => &self.points,
            ViewKind::Curves => &self.curves,
            ViewKind::Heat => &self.heat,
        }
    }

    fn pipeline_mut(&mut self, kind: ViewKind) -> &mut ViewPipeline {
        match kind {
            ViewKind::Points => &mut self.points,
            ViewKind::Curves => &mut self.curves,
            ViewKind::Heat => &mut self.heat,
        }
    }
}

/// egui's paint callback for a [`GpuView`]: prepares its buffers, then draws it (nothing when
/// the views are not installed).
struct ViewCallback<V>(V);

impl<V: GpuView> CallbackTrait for ViewCallback<V> {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        screen: &ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(views) = resources.get_mut::<GpuViews>() {
            let pipeline = views.pipeline_mut(V::KIND);
            let view = self.0.view();
            self.0.upload(screen.pixels_per_point, &mut |data| {
                pipeline.prepare(device, queue, view, data)
            });
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &CallbackResources,
    ) {
        if let Some(views) = resources.get::<GpuViews>() {
            views
                .pipeline(V::KIND)
                .draw(pass, self.0.view(), V::VERTICES);
        }
    }
}

/// The egui shape that draws `view` over `rect`.
pub fn callback_shape(rect: egui::Rect, view: impl GpuView) -> egui::Shape {
    egui::Shape::Callback(eframe::egui_wgpu::Callback::new_paint_callback(
        rect,
        ViewCallback(view),
    ))
}
