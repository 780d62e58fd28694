// Heat map of architecture probabilities: rows are (cell, edge, op), columns are bins of
// meta-steps. Values live in a storage buffer (row-major), so the number of columns is not
// bound by the texture size limit. A negative value marks "no value" (a switched-off op) and
// is drawn grey (not NaN: WGSL lets implementations assume there are no NaNs). Values from
// `low` to `high` span the colour scale (0 and 1 unless the view stretches the colours).

struct View {
    rows: u32,
    columns: u32,
    // The visible range of columns, as fractions of the column count.
    first: f32,
    last: f32,
    // The values at the bottom and the top of the colour scale (high > low).
    low: f32,
    high: f32,
    // Padding: a uniform buffer's size is a multiple of 16 bytes.
    pad0: f32,
    pad1: f32,
};

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> values: array<f32>;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    // (0,0) top-left, (1,1) bottom-right of the map.
    @location(0) uv: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) vertex: u32) -> VertexOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(0.0, 0.0), vec2<f32>(1.0, 0.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(0.0, 0.0), vec2<f32>(1.0, 1.0), vec2<f32>(0.0, 1.0),
    );
    let uv = corners[vertex % 6u];
    var out: VertexOut;
    out.position = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
    out.uv = uv;
    return out;
}

// Viridis as a degree-6 polynomial fit (within 0.01 of matplotlib's table on each channel;
// the Rust copy in app/src/gpu/colour.rs is checked against that table).
fn viridis(t: f32) -> vec3<f32> {
    let c0 = vec3<f32>(0.2777273, 0.0054073, 0.3340998);
    let c1 = vec3<f32>(0.1050930, 1.4046135, 1.3845901);
    let c2 = vec3<f32>(-0.3308618, 0.2148476, 0.0950952);
    let c3 = vec3<f32>(-4.6342305, -5.7991009, -19.3324410);
    let c4 = vec3<f32>(6.2282699, 14.1799334, 56.6905526);
    let c5 = vec3<f32>(4.7763850, -13.7451454, -65.3530326);
    let c6 = vec3<f32>(-5.4354559, 4.6458525, 26.3124352);
    let x = clamp(t, 0.0, 1.0);
    return c0 + x * (c1 + x * (c2 + x * (c3 + x * (c4 + x * (c5 + x * c6)))));
}

fn colour_at(uv: vec2<f32>) -> vec3<f32> {
    let row = min(u32(uv.y * f32(view.rows)), view.rows - 1u);
    let position = mix(view.first, view.last, uv.x) * f32(view.columns);
    let column = min(u32(max(position, 0.0)), view.columns - 1u);
    let v = values[row * view.columns + column];
    if v < 0.0 {
        return vec3<f32>(0.5, 0.5, 0.5);
    }
    return viridis((v - view.low) / (view.high - view.low));
}

@fragment
fn fs_gamma(in: VertexOut) -> @location(0) vec4<f32> {
    return vec4<f32>(colour_at(in.uv), 1.0);
}

@fragment
fn fs_linear(in: VertexOut) -> @location(0) vec4<f32> {
    return vec4<f32>(linear_from_gamma(colour_at(in.uv)), 1.0);
}
