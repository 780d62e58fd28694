//! The geometry of a window sliding over NCHW planes (kernel, stride, padding, dilation),
//! shared by the CPU loops of depthwise convolution and pooling.

/// Shapes and window of one windowed op over `[n, c, h, w]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Batch size.
    pub n: usize,
    /// Channels (each plane is windowed on its own).
    pub c: usize,
    /// Input height and width.
    pub input: [usize; 2],
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Stride (h, w).
    pub stride: [usize; 2],
    /// Padding (h, w) on each side.
    pub padding: [usize; 2],
    /// Dilation (h, w).
    pub dilation: [usize; 2],
}

impl Window {
    /// Output height and width.
    pub fn output(&self) -> [usize; 2] {
        let mut out = [0; 2];
        for d in 0..2 {
            let span = self.dilation[d] * (self.kernel[d].max(1) - 1) + 1;
            let size = self.input[d] + 2 * self.padding[d];
            out[d] = size.saturating_sub(span) / self.stride[d].max(1) + 1;
        }
        out
    }

    /// Along axis `d`, for kernel tap `t`: the output positions `lo..hi` whose input
    /// position `o·stride + t·dilation − padding` lies inside the input, and the offset
    /// `t·dilation − padding` (input = o·stride + offset).
    fn valid(&self, d: usize, t: usize) -> (usize, usize, isize) {
        let s = self.stride[d].max(1) as isize;
        let offset = (t * self.dilation[d]) as isize - self.padding[d] as isize;
        let size = self.input[d] as isize;
        let out = self.output()[d] as isize;
        // o·s + offset >= 0 and o·s + offset <= size − 1.
        let lo = if offset >= 0 {
            0
        } else {
            (-offset + s - 1) / s
        };
        let hi = if size - 1 - offset < 0 {
            0
        } else {
            ((size - 1 - offset) / s + 1).min(out)
        };
        (lo as usize, (hi.max(lo)) as usize, offset)
    }

    /// Values in one input plane.
    pub fn plane_in(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// Values in one output plane.
    pub fn plane_out(&self) -> usize {
        let [ho, wo] = self.output();
        ho * wo
    }

    /// Kernel taps.
    pub fn taps(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// Calls `f(tap index, output row, input row, output columns lo..hi, column offset)` for
    /// every kernel tap and output row that reads inside the input.
    pub fn for_each_row(&self, mut f: impl FnMut(usize, usize, usize, usize, usize, isize)) {
        let [kh, kw] = self.kernel;
        for i in 0..kh {
            let (row_lo, row_hi, row_offset) = self.valid(0, i);
            for j in 0..kw {
                let (lo, hi, col_offset) = self.valid(1, j);
                if lo >= hi {
                    continue;
                }
                for oh in row_lo..row_hi {
                    let ih = (oh * self.stride[0].max(1)) as isize + row_offset;
                    f(i * kw + j, oh, ih as usize, lo, hi, col_offset);
                }
            }
        }
    }
}

/// Input column of output column `ow` (`ow·stride + offset`, inside the input by
/// construction of the ranges [`Window::for_each_row`] passes).
#[inline(always)]
pub fn column(ow: usize, stride: usize, offset: isize) -> usize {
    ((ow * stride) as isize + offset) as usize
}
