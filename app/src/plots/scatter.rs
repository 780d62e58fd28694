//! A scatter plot for many points: egui_plot draws the axes, grid and legend and handles zoom
//! and pan; the points themselves go through the GPU points view (one instanced draw, so
//! 10^6 points stay interactive), or through egui_plot's own markers where wgpu is not the
//! renderer. Hovering picks the nearest point on screen.

use std::sync::Arc;

use egui_plot::{Legend, Plot, PlotPoints, Points};

use crate::gpu::{self, PointCloud, PointInstance, PointsCallback};

/// Points in groups (a legend entry and colour each).
#[derive(Clone, Debug)]
pub struct Scatter {
    /// The points with their group's colour, uploaded to the GPU once.
    pub cloud: Arc<PointCloud>,
    /// Group of each point (index into `groups`).
    pub group: Vec<u16>,
    /// Legend names and colours.
    pub groups: Vec<(String, egui::Color32)>,
    /// Bottom-left and top-right corners of the data.
    pub bounds: [[f64; 2]; 2],
}

impl Scatter {
    /// Points `xy` in groups `group` of `groups`.
    pub fn new(xy: &[[f64; 2]], group: Vec<u16>, groups: Vec<(String, egui::Color32)>) -> Self {
        let mut bounds = [[f64::INFINITY; 2], [f64::NEG_INFINITY; 2]];
        let instances = xy
            .iter()
            .zip(&group)
            .map(|(p, g)| {
                for k in 0..2 {
                    bounds[0][k] = bounds[0][k].min(p[k]);
                    bounds[1][k] = bounds[1][k].max(p[k]);
                }
                let colour = groups
                    .get(*g as usize)
                    .map_or(egui::Color32::GRAY, |(_, c)| *c);
                PointInstance {
                    position: [p[0] as f32, p[1] as f32],
                    colour: colour.to_srgba_unmultiplied(),
                }
            })
            .collect();
        if xy.is_empty() {
            bounds = [[-1.0; 2], [1.0; 2]];
        }
        Self {
            cloud: PointCloud::new(instances),
            group,
            groups,
            bounds,
        }
    }
}

/// What the scatter plot gives back.
pub struct ScatterResponse {
    /// The point under the pointer.
    pub hovered: Option<usize>,
    /// The point clicked.
    pub clicked: Option<usize>,
}

/// Draws `scatter` in a plot `height` points tall, `selected` ringed. `use_gpu` picks the
/// GPU points view (only honoured when it is installed).
pub fn scatter_plot(
    ui: &mut egui::Ui,
    id: &str,
    scatter: &Scatter,
    selected: Option<usize>,
    height: f32,
    use_gpu: bool,
) -> ScatterResponse {
    let use_gpu = use_gpu && gpu::available(ui.ctx());
    let radius = if scatter.group.len() > 50_000 {
        1.5
    } else {
        4.0
    };
    let [lo, hi] = scatter.bounds;
    let response = Plot::new(id)
        .legend(Legend::default())
        .data_aspect(1.0)
        .x_axis_label("PC1")
        .y_axis_label("PC2")
        .include_x(lo[0])
        .include_x(hi[0])
        .include_y(lo[1])
        .include_y(hi[1])
        .height(height)
        .show(ui, |p| {
            for (k, (name, colour)) in scatter.groups.iter().enumerate() {
                // With the GPU view egui_plot gets one marker per group (under the GPU's
                // disc), which keeps the legend; the GPU draws every point.
                let cloud = scatter.cloud.instances();
                let members = scatter
                    .group
                    .iter()
                    .zip(cloud)
                    .filter(|(g, _)| **g as usize == k)
                    .map(|(_, p)| [p.position[0] as f64, p.position[1] as f64]);
                let xy: Vec<[f64; 2]> = if use_gpu {
                    members.take(1).collect()
                } else {
                    members.collect()
                };
                p.points(
                    Points::new(name.as_str(), PlotPoints::from(xy))
                        .radius(radius)
                        .color(*colour),
                );
            }
            if let Some(s) = selected.and_then(|i| scatter.cloud.instances().get(i)) {
                p.points(
                    Points::new(
                        "selected",
                        PlotPoints::from(vec![[s.position[0] as f64, s.position[1] as f64]]),
                    )
                    .radius(radius + 4.0)
                    .filled(false)
                    .color(egui::Color32::BLACK),
                );
            }
            p.response().clicked()
        });
    let transform = response.transform;
    let frame = *transform.frame();
    let painter = ui.painter().with_clip_rect(frame);
    let visible = gpu::visible_rect(&painter, frame);
    if use_gpu && visible.is_positive() {
        // Data coordinates of the visible part's bottom-left and top-right corners.
        let lo = transform.value_from_position(visible.left_bottom());
        let hi = transform.value_from_position(visible.right_top());
        let callback = PointsCallback {
            view: ui.id().with(id).value(),
            cloud: scatter.cloud.clone(),
            min: [lo.x, lo.y],
            max: [hi.x, hi.y],
            radius,
            size: visible.size(),
        };
        painter.add(gpu::callback_shape(visible, callback));
    }
    // The nearest point on screen within a few points of the pointer (one pass in data
    // units, scaled to screen points per axis).
    let hovered = response.response.hover_pos().and_then(|pointer| {
        let at = transform.value_from_position(pointer);
        let bounds = transform.bounds();
        let sx = (frame.width() as f64 / bounds.width().max(1e-12)) as f32;
        let sy = (frame.height() as f64 / bounds.height().max(1e-12)) as f32;
        let (ax, ay) = (at.x as f32, at.y as f32);
        let mut best = None;
        let mut best_d = (radius + 3.0).powi(2);
        for (i, p) in scatter.cloud.instances().iter().enumerate() {
            let d = ((p.position[0] - ax) * sx).powi(2) + ((p.position[1] - ay) * sy).powi(2);
            if d < best_d {
                best_d = d;
                best = Some(i);
            }
        }
        best
    });
    ScatterResponse {
        hovered,
        clicked: if response.inner { hovered } else { None },
    }
}
