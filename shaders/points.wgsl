// PCA points: one instanced quad per point, a disc with an anti-aliased rim.
// Positions are in data units; `scale`/`offset` map them to the callback's NDC.

struct View {
    scale: vec2<f32>,
    offset: vec2<f32>,
    // Size of the callback's viewport in physical pixels.
    viewport_px: vec2<f32>,
    radius_px: f32,
    _pad: f32,
};

@group(0) @binding(0) var<uniform> view: View;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) colour: vec4<f32>,
    // Offset from the point's centre in pixels.
    @location(1) offset_px: vec2<f32>,
};

fn corner(index: u32) -> vec2<f32> {
    // Two triangles: (-1,-1) (1,-1) (1,1) / (-1,-1) (1,1) (-1,1).
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    );
    return corners[index];
}

@vertex
fn vs_main(
    @builtin(vertex_index) vertex: u32,
    @location(0) position: vec2<f32>,
    @location(1) colour: vec4<f32>,
) -> VertexOut {
    let c = corner(vertex % 6u);
    // One pixel beyond the radius leaves room for the rim's smoothing.
    let offset_px = c * (view.radius_px + 1.0);
    let centre = position * view.scale + view.offset;
    var out: VertexOut;
    out.position = vec4<f32>(centre + offset_px * 2.0 / view.viewport_px, 0.0, 1.0);
    out.colour = colour;
    out.offset_px = offset_px;
    return out;
}

fn coverage(offset_px: vec2<f32>) -> f32 {
    return clamp(view.radius_px + 0.5 - length(offset_px), 0.0, 1.0);
}

// Framebuffers in gamma space (what egui prefers): premultiplied sRGB values.
@fragment
fn fs_gamma(in: VertexOut) -> @location(0) vec4<f32> {
    let a = in.colour.a * coverage(in.offset_px);
    if a <= 0.0 {
        discard;
    }
    return vec4<f32>(in.colour.rgb * a, a);
}

// sRGB framebuffers: the hardware encodes, so the shader writes linear values.
@fragment
fn fs_linear(in: VertexOut) -> @location(0) vec4<f32> {
    let a = in.colour.a * coverage(in.offset_px);
    if a <= 0.0 {
        discard;
    }
    return vec4<f32>(linear_from_gamma(in.colour.rgb) * a, a);
}
