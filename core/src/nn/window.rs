//! The geometry of a window sliding over NCHW planes (kernel, stride, padding, dilation),
//! shared by the CPU loops of depthwise convolution and pooling ([`super::phases`]).

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
}
