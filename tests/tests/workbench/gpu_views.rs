//! The three GPU views draw what they are given, checked pixel by pixel on offscreen renders
//! (wgpu; Mesa's lavapipe on machines without a GPU) against hand-computed positions: a
//! straight curve's band, a disc at a known data point, and the cells of a 2x2 heat map
//! against matplotlib's viridis table.

use std::sync::Arc;

use metanas_app::gpu::{
    callback_shape, CurveInstance, CurvesCallback, HeatCallback, HeatGrid, Offscreen, PointCloud,
    PointInstance, PointsCallback,
};

/// A 200 x 100 point canvas at one pixel per point; `paint` gets the painter and the canvas
/// rect (which starts at (8, 8), inside the page margin).
fn render(paint: impl Fn(&egui::Painter, egui::Rect)) -> image::RgbaImage {
    let mut offscreen = Offscreen::new().expect("a wgpu adapter (lavapipe at least)");
    offscreen
        .render(216, 116, 1.0, |ui| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(200.0, 100.0), egui::Sense::hover());
            assert_eq!(rect.min, egui::pos2(8.0, 8.0));
            paint(ui.painter(), rect);
        })
        .unwrap()
}

fn px(image: &image::RgbaImage, x: u32, y: u32) -> [u8; 4] {
    image.get_pixel(x, y).0
}

/// Asserts that pixel (x, y) of `image` has colour `want` within `tolerance` per channel.
fn assert_colour(image: &image::RgbaImage, [x, y]: [u32; 2], want: [u8; 3], tolerance: i32) {
    let got = px(image, x, y);
    assert!(
        (0..3).all(|k| (got[k] as i32 - want[k] as i32).abs() <= tolerance),
        "({x}, {y}): {got:?}, want {want:?}"
    );
}

#[test]
fn a_straight_curve_covers_its_width_and_nothing_more() {
    let image = render(|painter, rect| {
        let curve = CurveInstance {
            p0: [20.0, 50.0],
            p1: [100.0, 50.0],
            p2: [180.0, 50.0],
            width: 10.0,
            colour: [200, 30, 40, 255],
        };
        let callback = CurvesCallback {
            view: 1,
            curves: vec![curve],
            size: rect.size(),
        };
        painter.add(callback_shape(rect, callback));
    });
    // Centre line y = 8 + 50; half width 5: rows 54..=62 are inside, 64 and beyond outside.
    for x in [40, 108, 170] {
        for y in 54..=62 {
            assert_colour(&image, [x, y], [200, 30, 40], 2);
        }
        for y in [50, 66, 80] {
            assert_eq!(px(&image, x, y), [255, 255, 255, 255], "({x}, {y}) outside");
        }
    }
    // Past the ends (x < 28 or x > 188) nothing is drawn.
    assert_eq!(px(&image, 20, 58), [255, 255, 255, 255]);
    assert_eq!(px(&image, 196, 58), [255, 255, 255, 255]);
}

#[test]
fn a_point_lands_where_its_data_coordinates_map() {
    let image = render(|painter, rect| {
        // Data x in [0, 4] and y in [0, 2] fill the canvas: (1, 1.5) is 50 points from the
        // left and 25 from the top.
        let cloud = PointCloud::new(vec![PointInstance {
            position: [1.0, 1.5],
            colour: [20, 120, 220, 255],
        }]);
        let callback = PointsCallback {
            view: 2,
            cloud,
            min: [0.0, 0.0],
            max: [4.0, 2.0],
            radius: 6.0,
            size: rect.size(),
        };
        painter.add(callback_shape(rect, callback));
    });
    let (cx, cy) = (8 + 50, 8 + 25);
    for at in [[cx, cy], [cx + 4, cy], [cx, cy - 4]] {
        assert_colour(&image, at, [20, 120, 220], 2);
    }
    for (x, y) in [(cx + 8, cy), (cx, cy + 8), (cx + 6, cy + 6), (150, 80)] {
        assert_eq!(px(&image, x, y), [255, 255, 255, 255], "({x}, {y}) outside");
    }
}

#[test]
fn heat_map_cells_take_viridis_colours_and_grey_for_no_value() {
    assert_quadrants(&heat_image(3, vec![0.0, 1.0, -1.0, 0.5], [0.0, 1.0]));
}

#[test]
fn a_stretched_heat_map_spans_the_colours_over_its_scale() {
    // The same colours as above from values between 0.2 and 0.4 on a scale from 0.2 to 0.4.
    assert_quadrants(&heat_image(4, vec![0.2, 0.4, -1.0, 0.3], [0.2, 0.4]));
}

/// A 2x2 heat map of `values` (row-major) on the colour scale `colours`, drawn by view `view`.
fn heat_image(view: u64, values: Vec<f32>, colours: [f32; 2]) -> image::RgbaImage {
    render(|painter, rect| {
        let callback = HeatCallback {
            view,
            grid: Arc::new(HeatGrid::from_values(2, 2, values.clone())),
            first: 0.0,
            last: 1.0,
            colours,
        };
        painter.add(callback_shape(rect, callback));
    })
}

/// The quadrants of a 2x2 heat map hold viridis at 0, viridis at 1, grey (no value) and
/// viridis at 0.5 on their scale.
fn assert_quadrants(image: &image::RgbaImage) {
    // matplotlib's viridis at 0, 1 and 0.5, as bytes.
    let viridis_0 = [68, 1, 84];
    let viridis_1 = [253, 231, 37];
    let viridis_half = [33, 145, 140];
    // The quadrants' centres, 8 pixels in from the image's corner.
    for ([x, y], want, tolerance) in [
        ([50, 25], viridis_0, 5),
        ([150, 25], viridis_1, 5),
        ([50, 75], [128, 128, 128], 2),
        ([150, 75], viridis_half, 5),
    ] {
        assert_colour(image, [8 + x, 8 + y], want, tolerance);
    }
}
