//! Training-set augmentation of DARTS' CIFAR protocol: random crop from the image padded
//! with zeros, horizontal flip, and cutout (DeVries & Taylor 2017) after normalisation.
//! Every random choice comes from a seeded stream, so a resumed run augments alike.

use serde::{Deserialize, Serialize};

use crate::rng::SeededRng;

/// Which augmentations run, and how strong.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Augment {
    /// Pixels of zero padding around the image before a random crop of its own size (0 =
    /// no crop; DARTS: 4).
    pub crop_padding: usize,
    /// Mirror left-right with probability 1/2 (right for photos, wrong for digits).
    pub flip: bool,
    /// Side of the square zeroed at a random centre after normalisation, clipped at the
    /// borders (0 = none; DARTS: 16).
    pub cutout: usize,
}

/// One image `[c, h, w]` row-major.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Channels.
    pub c: usize,
    /// Height.
    pub h: usize,
    /// Width.
    pub w: usize,
}

/// The crop of `img` padded by `pad` zeros on every side that starts at row `dy` and column
/// `dx` of the padded image (0..=2·pad each), of the image's own size.
pub fn crop(img: &[f32], s: Shape, pad: usize, dy: usize, dx: usize) -> Vec<f32> {
    let mut out = vec![0.0; img.len()];
    for ch in 0..s.c {
        for y in 0..s.h {
            // Row y of the crop is row y + dy - pad of the image.
            let Some(sy) = (y + dy).checked_sub(pad).filter(|&v| v < s.h) else {
                continue;
            };
            for x in 0..s.w {
                if let Some(sx) = (x + dx).checked_sub(pad).filter(|&v| v < s.w) {
                    out[(ch * s.h + y) * s.w + x] = img[(ch * s.h + sy) * s.w + sx];
                }
            }
        }
    }
    out
}

/// `img` mirrored left-right, in place.
pub fn flip(img: &mut [f32], s: Shape) {
    for row in img.chunks_mut(s.w) {
        row.reverse();
    }
    debug_assert_eq!(img.len(), s.c * s.h * s.w);
}

/// Zeroes the `len`x`len` square centred on (`cy`, `cx`), clipped at the borders, in every
/// channel (DARTS' `Cutout`: rows `cy - len/2 .. cy + len/2`).
pub fn cutout(img: &mut [f32], s: Shape, cy: usize, cx: usize, len: usize) {
    let half = len / 2;
    let (y0, y1) = (cy.saturating_sub(half), (cy + half).min(s.h));
    let (x0, x1) = (cx.saturating_sub(half), (cx + half).min(s.w));
    for ch in 0..s.c {
        for y in y0..y1 {
            let row = (ch * s.h + y) * s.w;
            img[row + x0..row + x1].fill(0.0);
        }
    }
}

impl Augment {
    /// None at all.
    pub const NONE: Augment = Augment {
        crop_padding: 0,
        flip: false,
        cutout: 0,
    };

    /// Crops and flips one raw image (before normalisation), drawing from `rng`.
    pub fn geometric(&self, img: &[f32], s: Shape, rng: &mut SeededRng) -> Vec<f32> {
        let mut out = if self.crop_padding > 0 {
            let span = 2 * self.crop_padding + 1;
            let (dy, dx) = (rng.below(span), rng.below(span));
            crop(img, s, self.crop_padding, dy, dx)
        } else {
            img.to_vec()
        };
        if self.flip && rng.uniform() < 0.5 {
            flip(&mut out, s);
        }
        out
    }

    /// Cutout on one normalised image, drawing the centre from `rng`.
    pub fn erase(&self, img: &mut [f32], s: Shape, rng: &mut SeededRng) {
        if self.cutout > 0 {
            let (cy, cx) = (rng.below(s.h), rng.below(s.w));
            cutout(img, s, cy, cx, self.cutout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Shape = Shape { c: 1, h: 3, w: 3 };
    const IMG: [f32; 9] = [1., 2., 3., 4., 5., 6., 7., 8., 9.];

    #[test]
    fn crop_of_the_padded_image_by_hand() {
        // Offset (pad, pad) is the image itself; (0, 0) shifts it down-right by one.
        assert_eq!(crop(&IMG, S, 1, 1, 1), IMG.to_vec());
        assert_eq!(
            crop(&IMG, S, 1, 0, 0),
            vec![0., 0., 0., 0., 1., 2., 0., 4., 5.]
        );
        assert_eq!(
            crop(&IMG, S, 1, 2, 1),
            vec![4., 5., 6., 7., 8., 9., 0., 0., 0.]
        );
    }

    #[test]
    fn flip_mirrors_each_row_of_each_channel() {
        let mut two: Vec<f32> = IMG.iter().chain(&IMG).copied().collect();
        flip(&mut two, Shape { c: 2, h: 3, w: 3 });
        let once = [3., 2., 1., 6., 5., 4., 9., 8., 7.];
        assert_eq!(two, once.iter().chain(&once).copied().collect::<Vec<_>>());
    }

    #[test]
    fn cutout_is_clipped_at_the_border() {
        let mut img = IMG.to_vec();
        // len 2 at (0, 0): rows 0..1, columns 0..1.
        cutout(&mut img, S, 0, 0, 2);
        assert_eq!(img, vec![0., 2., 3., 4., 5., 6., 7., 8., 9.]);
        let mut img = IMG.to_vec();
        // len 4 at (1, 2): rows 0..3, columns 0..3 clipped to the image.
        cutout(&mut img, S, 1, 2, 4);
        assert!(img.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn the_same_seed_augments_alike_and_none_changes_nothing() {
        let a = Augment {
            crop_padding: 1,
            flip: true,
            cutout: 2,
        };
        let run = |seed| {
            let mut rng = SeededRng::new(seed);
            let mut out = a.geometric(&IMG, S, &mut rng);
            a.erase(&mut out, S, &mut rng);
            out
        };
        assert_eq!(run(3), run(3));
        assert!((0..20).any(|s| run(s) != run(3)));
        let mut rng = SeededRng::new(0);
        assert_eq!(Augment::NONE.geometric(&IMG, S, &mut rng), IMG.to_vec());
    }
}
