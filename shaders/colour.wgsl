// Colour helpers that every shader uses, prepended to each of them when the app compiles it
// (WGSL has no include): `concat!` in app/src/gpu/mod.rs.

// sRGB-encoded values to linear light (the exact sRGB transfer function).
fn linear_from_gamma(c: vec3<f32>) -> vec3<f32> {
    let cutoff = c < vec3<f32>(0.04045);
    let lower = c / vec3<f32>(12.92);
    let higher = pow((c + vec3<f32>(0.055)) / vec3<f32>(1.055), vec3<f32>(2.4));
    return select(higher, lower, cutoff);
}
