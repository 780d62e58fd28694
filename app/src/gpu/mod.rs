//! The heavy views drawn on the GPU: WGSL shaders from `shaders/` behind egui_wgpu paint
//! callbacks — PCA points (instanced discs, up to 10^6), cell DAG curves (instanced Bézier
//! strips) and the probability heat map (a storage buffer through viridis). The same
//! pipelines draw offscreen into PNG figures ([`Offscreen`]), for the CLI and the app.
//!
//! [`install`] puts the pipelines into the renderer's callback resources once; a view whose
//! pipelines are not installed (a renderer without wgpu) draws with egui's shapes instead.

mod colour;
mod curves;
mod heatmap;
mod offscreen;
mod pipeline;
mod points;

pub use colour::viridis;
pub use curves::{CurveInstance, CurvesCallback};
pub use heatmap::{HeatCallback, HeatGrid};
pub use offscreen::{Offscreen, OffscreenError};
pub use pipeline::callback_shape;
pub use points::{PointCloud, PointInstance, PointsCallback};

use eframe::egui_wgpu;

/// The helpers prepended to every shader (WGSL has no include), by file name.
pub const PRELUDE: (&str, &str) = ("colour.wgsl", include_str!("../../../shaders/colour.wgsl"));

/// The WGSL files of the views by file name, each with what the app compiles: the prelude
/// followed by the file.
pub const SHADERS: [(&str, &str); 3] = [
    (
        "points.wgsl",
        concat!(
            include_str!("../../../shaders/colour.wgsl"),
            include_str!("../../../shaders/points.wgsl")
        ),
    ),
    (
        "curves.wgsl",
        concat!(
            include_str!("../../../shaders/colour.wgsl"),
            include_str!("../../../shaders/curves.wgsl")
        ),
    ),
    (
        "heatmap.wgsl",
        concat!(
            include_str!("../../../shaders/colour.wgsl"),
            include_str!("../../../shaders/heatmap.wgsl")
        ),
    ),
];

/// The pipelines of every GPU view and their per-view buffers, kept in the egui_wgpu
/// renderer's callback resources.
pub struct GpuViews {
    points: pipeline::ViewPipeline,
    curves: pipeline::ViewPipeline,
    heat: pipeline::ViewPipeline,
}

/// Where egui remembers that the pipelines are installed.
fn installed_id() -> egui::Id {
    egui::Id::new("metanas-gpu-views")
}

/// An adapter that cannot run the GPU views, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

/// Why an adapter cannot run the GPU views, if it cannot: the heat map reads its values from
/// a storage buffer in the fragment shader, which downlevel adapters (OpenGL ES / WebGL2
/// through wgpu's GL backend, e.g. Mesa without its Vulkan drivers) do not offer.
pub fn unsupported(limits: &eframe::wgpu::Limits) -> Option<String> {
    (limits.max_storage_buffers_per_shader_stage == 0).then(|| {
        "the GPU adapter offers no storage buffers in shaders (a downlevel OpenGL adapter)"
            .to_string()
    })
}

/// Creates the pipelines for `state`'s target format and puts them into its renderer; views
/// in `ctx` draw through them from then on. On an adapter that cannot run them
/// ([`unsupported`]) nothing is installed, the views draw with egui's shapes, and the reason
/// is returned.
pub fn install(state: &egui_wgpu::RenderState, ctx: &egui::Context) -> Result<(), Unsupported> {
    if let Some(why) = unsupported(&state.device.limits()) {
        return Err(Unsupported(why));
    }
    let views = GpuViews {
        points: points::pipeline(&state.device, state.target_format),
        curves: curves::pipeline(&state.device, state.target_format),
        heat: heatmap::pipeline(&state.device, state.target_format),
    };
    state.renderer.write().callback_resources.insert(views);
    ctx.data_mut(|d| d.insert_temp(installed_id(), true));
    Ok(())
}

/// Whether the GPU views are installed in `ctx`'s renderer.
pub fn available(ctx: &egui::Context) -> bool {
    ctx.data(|d| d.get_temp::<bool>(installed_id()).unwrap_or(false))
}

/// Installs the pipelines in an eframe app's renderer, when it renders with wgpu and its
/// adapter can run them; says on stderr when it cannot (the views then draw with egui's
/// shapes).
pub fn install_in(cc: &eframe::CreationContext<'_>) {
    if let Some(state) = &cc.wgpu_render_state {
        if let Err(why) = install(state, &cc.egui_ctx) {
            eprintln!("metanas: {why}; drawing the PCA, cells and heat map without shaders");
        }
    }
}

/// The part of `rect` that `painter` can show on screen. Paint callbacks should cover only
/// that: egui_wgpu clamps a callback viewport that leaves the screen, which would squash the
/// drawing instead of cutting it.
pub fn visible_rect(painter: &egui::Painter, rect: egui::Rect) -> egui::Rect {
    rect.intersect(painter.clip_rect())
        .intersect(painter.ctx().content_rect())
}

#[cfg(test)]
mod tests {
    use eframe::wgpu::Limits;

    #[test]
    fn downlevel_gl_adapters_are_told_apart() {
        // WebGL2 / GLES limits: no storage buffers in any stage.
        let gl = super::unsupported(&Limits::downlevel_webgl2_defaults());
        assert!(gl.is_some_and(|why| why.contains("storage buffers")));
        assert_eq!(super::unsupported(&Limits::default()), None);
        assert_eq!(super::unsupported(&Limits::downlevel_defaults()), None);
    }
}
