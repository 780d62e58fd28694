//! The heat map's colour scale on the CPU (legend, and the view without wgpu); the shader
//! `heatmap.wgsl` evaluates the same polynomial.

/// Viridis at `t` in [0, 1] (clamped): a degree-6 polynomial fit of matplotlib's table.
pub fn viridis(t: f32) -> egui::Color32 {
    const C: [[f32; 3]; 7] = [
        [0.277_727_3, 0.005_407_3, 0.334_099_8],
        [0.105_093, 1.404_613_5, 1.384_590_1],
        [-0.330_861_8, 0.214_847_6, 0.095_095_2],
        [-4.634_230_5, -5.799_101, -19.332_441],
        [6.228_27, 14.179_933, 56.690_55],
        [4.776_385, -13.745_145, -65.353_03],
        [-5.435_456, 4.645_852_5, 26.312_435],
    ];
    let x = t.clamp(0.0, 1.0);
    let channel = |k: usize| {
        let v = C.iter().rev().fold(0.0, |acc, c| acc * x + c[k]);
        (v.clamp(0.0, 1.0) * 255.0).round() as u8
    };
    egui::Color32::from_rgb(channel(0), channel(1), channel(2))
}

#[cfg(test)]
mod tests {
    use super::viridis;

    #[test]
    fn matches_matplotlibs_viridis_table() {
        // matplotlib's `viridis` at 0, 1/4, 1/2, 3/4 and 1.
        let table = [
            (0.0, [0.267_004, 0.004_874, 0.329_415]),
            (0.25, [0.229_739, 0.322_361, 0.545_706]),
            (0.5, [0.127_568, 0.566_949, 0.550_556]),
            (0.75, [0.369_214, 0.788_888, 0.382_914]),
            (1.0, [0.993_248, 0.906_157, 0.143_936]),
        ];
        for (t, want) in table {
            let c = viridis(t);
            for (got, want) in [c.r(), c.g(), c.b()].into_iter().zip(want) {
                assert!(
                    (got as f32 / 255.0 - want).abs() < 0.02,
                    "viridis({t}): {got} vs {want}"
                );
            }
        }
    }
}
