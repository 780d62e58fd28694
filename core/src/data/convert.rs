//! Converting decoded images to the dataset's size and channel count, normalised to [0, 1].

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, RgbImage};

use super::store::ImageSpec;

/// One decoded image as planar `[channels, height, width]` values in [0, 1] of `spec`:
/// resized with a triangle filter when the size differs, converted to grey (luma) or RGB.
pub fn convert_image(img: &DynamicImage, spec: ImageSpec) -> Vec<f32> {
    let (w, h) = (spec.width as u32, spec.height as u32);
    let resized;
    let img = if img.width() != w || img.height() != h {
        resized = img.resize_exact(w, h, FilterType::Triangle);
        &resized
    } else {
        img
    };
    let scale = |v: u8| v as f32 / 255.0;
    if spec.channels == 1 {
        img.to_luma8().into_raw().into_iter().map(scale).collect()
    } else {
        let rgb = img.to_rgb8().into_raw();
        let plane = spec.height * spec.width;
        let mut out = vec![0.0; 3 * plane];
        for (i, px) in rgb.chunks_exact(3).enumerate() {
            for c in 0..3 {
                out[c * plane + i] = scale(px[c]);
            }
        }
        out
    }
}

/// Planar u8 pixels `[channels, height, width]` (channels 1 or 3) as values of `spec`.
pub fn convert_planar(
    raw: &[u8],
    channels: usize,
    height: usize,
    width: usize,
    spec: ImageSpec,
) -> Vec<f32> {
    if channels == spec.channels && height == spec.height && width == spec.width {
        return raw.iter().map(|&v| v as f32 / 255.0).collect();
    }
    let (w, h) = (width as u32, height as u32);
    let img = if channels == 1 {
        GrayImage::from_raw(w, h, raw.to_vec()).map(DynamicImage::ImageLuma8)
    } else {
        let plane = height * width;
        let mut interleaved = vec![0u8; 3 * plane];
        for i in 0..plane {
            for c in 0..3 {
                interleaved[3 * i + c] = raw[c * plane + i];
            }
        }
        RgbImage::from_raw(w, h, interleaved).map(DynamicImage::ImageRgb8)
    };
    // The buffer always has exactly the declared size here.
    img.map(|img| convert_image(&img, spec))
        .unwrap_or_else(|| vec![0.0; spec.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planar_same_size_is_scaled_copy() {
        let spec = ImageSpec {
            channels: 1,
            height: 1,
            width: 3,
        };
        assert_eq!(
            convert_planar(&[0, 51, 255], 1, 1, 3, spec),
            vec![0.0, 0.2, 1.0]
        );
    }

    #[test]
    fn rgb_to_grey_and_resize() {
        // A 2x2 RGB image, all pure red; luma of red is 0.2126*255 rounded by `image`.
        let raw = [vec![255u8; 4], vec![0u8; 4], vec![0u8; 4]].concat();
        let grey = ImageSpec {
            channels: 1,
            height: 1,
            width: 1,
        };
        let v = convert_planar(&raw, 3, 2, 2, grey);
        assert_eq!(v.len(), 1);
        assert!((v[0] - 54.0 / 255.0).abs() < 1.5 / 255.0, "{v:?}");
        let rgb = ImageSpec {
            channels: 3,
            height: 4,
            width: 4,
        };
        let v = convert_planar(&raw, 3, 2, 2, rgb);
        assert!(v[..16].iter().all(|&x| x == 1.0) && v[16..].iter().all(|&x| x == 0.0));
    }
}
