// Cell DAG edges: one instanced strip per quadratic Bézier curve (one curve per op of an
// edge), width and colour per curve, anti-aliased sides. Coordinates are in points relative
// to the callback's top-left corner.

const SEGMENTS: u32 = 32u;

struct View {
    // Size of the callback's viewport in points.
    viewport: vec2<f32>,
    pixels_per_point: f32,
    _pad: f32,
};

@group(0) @binding(0) var<uniform> view: View;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) colour: vec4<f32>,
    // Signed distance from the centre line in pixels, and the half width in pixels.
    @location(1) across_px: f32,
    @location(2) half_width_px: f32,
};

fn bezier(p0: vec2<f32>, p1: vec2<f32>, p2: vec2<f32>, t: f32) -> vec2<f32> {
    let u = 1.0 - t;
    return u * u * p0 + 2.0 * u * t * p1 + t * t * p2;
}

fn tangent(p0: vec2<f32>, p1: vec2<f32>, p2: vec2<f32>, t: f32) -> vec2<f32> {
    let d = 2.0 * (1.0 - t) * (p1 - p0) + 2.0 * t * (p2 - p1);
    let len = length(d);
    if len < 1e-6 {
        return normalize(p2 - p0 + vec2<f32>(1e-6, 0.0));
    }
    return d / len;
}

@vertex
fn vs_main(
    @builtin(vertex_index) vertex: u32,
    @location(0) p0: vec2<f32>,
    @location(1) p1: vec2<f32>,
    @location(2) p2: vec2<f32>,
    @location(3) width: f32,
    @location(4) colour: vec4<f32>,
) -> VertexOut {
    // Six vertices per segment: two triangles between t_i and t_{i+1}.
    let segment = vertex / 6u;
    let corner = vertex % 6u;
    var ends = array<u32, 6>(0u, 1u, 1u, 0u, 1u, 0u);
    var sides = array<f32, 6>(-1.0, -1.0, 1.0, -1.0, 1.0, 1.0);
    let t = f32(segment + ends[corner]) / f32(SEGMENTS);
    let d = tangent(p0, p1, p2, t);
    let normal = vec2<f32>(-d.y, d.x);
    // Half a pixel beyond the half width on each side for the smoothing.
    let half_width_px = 0.5 * width * view.pixels_per_point;
    let reach_px = half_width_px + 1.0;
    let at = bezier(p0, p1, p2, t) + normal * sides[corner] * reach_px / view.pixels_per_point;
    let ndc = vec2<f32>(at.x / view.viewport.x * 2.0 - 1.0, 1.0 - at.y / view.viewport.y * 2.0);
    var out: VertexOut;
    out.position = vec4<f32>(ndc, 0.0, 1.0);
    out.colour = colour;
    out.across_px = sides[corner] * reach_px;
    out.half_width_px = half_width_px;
    return out;
}

fn coverage(in: VertexOut) -> f32 {
    // Lines thinner than a pixel fade instead of vanishing.
    let h = max(in.half_width_px, 0.5);
    let thin = min(in.half_width_px / 0.5, 1.0);
    return clamp(h + 0.5 - abs(in.across_px), 0.0, 1.0) * thin;
}

@fragment
fn fs_gamma(in: VertexOut) -> @location(0) vec4<f32> {
    let a = in.colour.a * coverage(in);
    if a <= 0.0 {
        discard;
    }
    return vec4<f32>(in.colour.rgb * a, a);
}

@fragment
fn fs_linear(in: VertexOut) -> @location(0) vec4<f32> {
    let a = in.colour.a * coverage(in);
    if a <= 0.0 {
        discard;
    }
    return vec4<f32>(linear_from_gamma(in.colour.rgb) * a, a);
}
