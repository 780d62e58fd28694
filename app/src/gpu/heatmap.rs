//! The probability heat map on the GPU: rows × columns of values in a storage buffer, coloured
//! by viridis in the fragment shader; a column range zooms into part of a long run.

use std::sync::Arc;

use eframe::wgpu;
use metanas_core::figure::ProbabilityHeat;

use super::pipeline::{next_generation, GpuView, ViewData, ViewKind, ViewPipeline};

/// Values handed to the GPU: row-major, negative where there is no value.
#[derive(Debug)]
pub struct HeatGrid {
    generation: u64,
    /// Rows (cell, edge, op).
    pub rows: usize,
    /// Columns (bins of meta-steps).
    pub columns: usize,
    /// `rows × columns` values in [0, 1], or -1 for "no value".
    pub values: Vec<f32>,
}

impl HeatGrid {
    /// The grid of `heat` (switched-off ops become -1).
    pub fn new(heat: &ProbabilityHeat) -> Arc<Self> {
        let values = heat
            .grid()
            .into_iter()
            .map(|v| {
                if v.is_finite() {
                    v.clamp(0.0, 1.0)
                } else {
                    -1.0
                }
            })
            .collect();
        Arc::new(Self {
            generation: next_generation(),
            rows: heat.rows().len(),
            columns: heat.columns(),
            values,
        })
    }

    /// A grid of `rows × columns` row-major `values` (negative: no value).
    pub fn from_values(rows: usize, columns: usize, values: Vec<f32>) -> Self {
        let mut values = values;
        values.resize(rows * columns, -1.0);
        Self {
            generation: next_generation(),
            rows,
            columns,
            values,
        }
    }

    /// The lowest and the highest value of the grid (`None` when it holds none).
    pub fn span(&self) -> Option<[f32; 2]> {
        self.values
            .iter()
            .filter(|v| **v >= 0.0)
            .fold(None, |span, &v| match span {
                None => Some([v, v]),
                Some([lo, hi]) => Some([lo.min(v), hi.max(v)]),
            })
    }

    /// The value at `row`, `column` (`None` for no value).
    pub fn value(&self, row: usize, column: usize) -> Option<f32> {
        (row < self.rows && column < self.columns)
            .then(|| self.values[row * self.columns + column])
            .filter(|v| *v >= 0.0)
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Uniforms {
    rows: u32,
    columns: u32,
    first: f32,
    last: f32,
    low: f32,
    high: f32,
    pad: [f32; 2],
}

/// Draws `grid` over the callback's rect, columns `first..last` (fractions of the column
/// count) spanning its width.
pub struct HeatCallback {
    /// Which view's buffers to use (an egui id's value).
    pub view: u64,
    /// The values.
    pub grid: Arc<HeatGrid>,
    /// First visible column as a fraction of the columns.
    pub first: f32,
    /// End of the visible columns as a fraction of the columns.
    pub last: f32,
    /// The values at the bottom and the top of the colour scale (`[0, 1]` for probabilities
    /// as they are; a narrower range stretches the colours over it).
    pub colours: [f32; 2],
}

/// The heat map pipeline.
pub fn pipeline(device: &wgpu::Device, format: wgpu::TextureFormat) -> ViewPipeline {
    ViewPipeline::new(
        device,
        format,
        "metanas heat map",
        super::SHADERS[2].1,
        0,
        &[],
    )
}

impl GpuView for HeatCallback {
    const KIND: ViewKind = ViewKind::Heat;
    const VERTICES: u32 = 6;

    fn view(&self) -> u64 {
        self.view
    }

    fn upload(&self, _pixels_per_point: f32, prepare: &mut dyn FnMut(ViewData<'_>)) {
        let uniforms = Uniforms {
            rows: self.grid.rows as u32,
            columns: self.grid.columns as u32,
            first: self.first,
            last: self.last,
            low: self.colours[0],
            high: self.colours[1],
            pad: [0.0; 2],
        };
        prepare(ViewData {
            uniforms: bytemuck::bytes_of(&uniforms),
            data: bytemuck::cast_slice(&self.grid.values),
            count: self.grid.values.len() as u32,
            generation: self.grid.generation,
        });
    }
}
