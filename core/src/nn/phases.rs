//! A padded input plane laid out so that every tap of a sliding window reads one contiguous
//! run: the layout behind the CPU loops of depthwise convolution and pooling.
//!
//! With stride 1, output `(oh, ow)` reads the padded plane at `(oh + i·d, ow + j·d)` for tap
//! `(i, j)`. Computing the outputs on a grid as wide as the padded plane (`ho` rows of `wq`
//! columns, the columns past `wo` computed and thrown away) turns each tap into one long
//! multiply-add over the flat plane at offset `i·d·wq + j·d`: no per-row bounds, loops the
//! compiler vectorizes. With stride `s`, the padded plane is first split into `s`x`s` phases
//! (rows `≡ a`, columns `≡ b` modulo `s`); a tap then reads one phase at stride 1.

use super::lanes::accumulate;
use super::window::Window;

/// The phase layout of one plane of a [`Window`].
#[derive(Clone, Debug)]
pub struct Phases {
    input: [usize; 2],
    stride: [usize; 2],
    /// Output height and width.
    out: [usize; 2],
    /// Columns of a phase and of the output grid.
    wq: usize,
    /// Values in one phase (its part of the padded plane, and room for the longest run).
    phase_len: usize,
    /// Per tap (row-major over the kernel): where its run starts in the buffer.
    starts: Vec<usize>,
    /// Per tap: where its run starts within its phase.
    within: Vec<usize>,
    /// Per phase: its taps, in tap order.
    by_phase: Vec<Vec<usize>>,
    /// Zeros in front of a padded grid ([`Phases::to_grid_padded`]): the latest start of a
    /// run within its phase.
    margin: usize,
    /// Buffer index of input row `ih`'s first value, less its column part.
    row_at: Vec<usize>,
    /// Column part of the buffer index of input column `iw`.
    col_at: Vec<usize>,
}

impl Phases {
    /// The layout of `g`'s planes.
    pub fn new(g: &Window) -> Self {
        let stride = g.stride.map(|s| s.max(1));
        let out = g.output();
        let padded = [g.input[0] + 2 * g.padding[0], g.input[1] + 2 * g.padding[1]];
        let hq = padded[0].div_ceil(stride[0]);
        let wq = padded[1].div_ceil(stride[1]);
        let (kh, kw) = (g.kernel[0].max(1), g.kernel[1].max(1));
        let reach =
            |t: usize, d: usize| (t * g.dilation[d] % stride[d], t * g.dilation[d] / stride[d]);
        // Per tap: its phase and where its run starts within the phase.
        let within: Vec<(usize, usize)> = (0..kh)
            .flat_map(|i| (0..kw).map(move |j| (i, j)))
            .map(|(i, j)| {
                let (a, r) = reach(i, 0);
                let (b, c) = reach(j, 1);
                (a * stride[1] + b, r * wq + c)
            })
            .collect();
        // A phase holds its part of the padded plane and every run that starts in it.
        let longest = within.iter().map(|&(_, at)| at).max().unwrap_or(0) + out[0] * wq;
        let phase_len = (hq * wq).max(longest);
        let starts = within
            .iter()
            .map(|&(phase, at)| phase * phase_len + at)
            .collect();
        let by_phase = (0..stride[0] * stride[1])
            .map(|phase| {
                (0..within.len())
                    .filter(|&t| within[t].0 == phase)
                    .collect()
            })
            .collect();
        let margin = within.iter().map(|&(_, at)| at).max().unwrap_or(0);
        let row_at = (0..g.input[0])
            .map(|ih| {
                let r = ih + g.padding[0];
                (r % stride[0]) * stride[1] * phase_len + (r / stride[0]) * wq
            })
            .collect();
        let col_at = (0..g.input[1])
            .map(|iw| {
                let c = iw + g.padding[1];
                (c % stride[1]) * phase_len + c / stride[1]
            })
            .collect();
        Self {
            row_at,
            col_at,
            input: g.input,
            stride,
            out,
            wq,
            phase_len,
            starts,
            within: within.iter().map(|&(_, at)| at).collect(),
            by_phase,
            margin,
        }
    }

    /// Values of the whole buffer (every phase).
    #[inline(always)]
    pub fn buffer_len(&self) -> usize {
        self.stride[0] * self.stride[1] * self.phase_len
    }

    /// Values of the output grid (`ho` rows of `wq` columns).
    #[inline(always)]
    pub fn grid_len(&self) -> usize {
        self.out[0] * self.wq
    }

    /// Number of taps.
    pub fn taps(&self) -> usize {
        self.starts.len()
    }

    /// The run of tap `t` in a buffer: one value per grid position.
    #[inline(always)]
    pub fn tap<'a>(&self, buffer: &'a [f32], t: usize) -> &'a [f32] {
        &buffer[self.starts[t]..self.starts[t] + self.grid_len()]
    }

    /// Lays out the plane `x [h, w]` (each value through `map`) with `pad` everywhere else.
    #[inline(always)]
    pub fn fill(&self, x: &[f32], pad: f32, map: impl Fn(f32) -> f32, buffer: &mut Vec<f32>) {
        buffer.clear();
        buffer.resize(self.buffer_len(), pad);
        let w = self.input[1];
        if w == 0 {
            return;
        }
        for (row, &at) in x.chunks_exact(w).zip(&self.row_at) {
            if self.stride[1] == 1 {
                let start = at + self.col_at[0];
                for (b, &v) in buffer[start..start + w].iter_mut().zip(row) {
                    *b = map(v);
                }
            } else {
                for (&v, &col) in row.iter().zip(&self.col_at) {
                    buffer[at + col] = map(v);
                }
            }
        }
    }

    /// The input plane `[h, w]` read back from a buffer laid out by [`Phases::fill`].
    #[inline(always)]
    pub fn gather(&self, buffer: &[f32], x: &mut [f32]) {
        let w = self.input[1];
        if w == 0 {
            return;
        }
        for (row, &at) in x.chunks_exact_mut(w).zip(&self.row_at) {
            if self.stride[1] == 1 {
                let start = at + self.col_at[0];
                row.copy_from_slice(&buffer[start..start + w]);
            } else {
                for (v, &col) in row.iter_mut().zip(&self.col_at) {
                    *v = buffer[at + col];
                }
            }
        }
    }

    /// An output plane `[ho, wo]` placed on a grid (zeros in the columns past `wo`).
    #[inline(always)]
    pub fn to_grid(&self, plane: &[f32], grid: &mut Vec<f32>) {
        self.place_on_grid(plane, grid, 0, self.grid_len());
    }

    /// `plane`'s rows on a grid of `len` zeros, the first row at `front`.
    #[inline(always)]
    fn place_on_grid(&self, plane: &[f32], grid: &mut Vec<f32>, front: usize, len: usize) {
        grid.clear();
        grid.resize(len, 0.0);
        let wo = self.out[1];
        if wo == 0 {
            return;
        }
        let rows = grid[front..].chunks_exact_mut(self.wq);
        for (row, out) in rows.zip(plane.chunks_exact(wo)) {
            row[..wo].copy_from_slice(out);
        }
    }

    /// An output plane `[ho, wo]` placed on a grid as [`Phases::to_grid`] does, behind
    /// `margin` zeros and followed by zeros up to `margin + phase_len` values: the layout
    /// [`Phases::scatter_taps`] reads.
    #[inline(always)]
    pub fn to_grid_padded(&self, plane: &[f32], grid: &mut Vec<f32>) {
        self.place_on_grid(plane, grid, self.margin, self.margin + self.phase_len);
    }

    /// `buffer`'s run of every tap `t`, in tap order, plus `weight[t]` times the grid that
    /// `grid` holds as [`Phases::to_grid_padded`] lays it out: the adjoint of reading the
    /// taps, as one [`super::lanes::accumulate`] per phase. Each buffer value gets its taps'
    /// terms in tap order, as one [`axpy`] per tap into its run would give it, and `weight · 0`
    /// from taps whose run does not cover it (no change, but for the sign of a zero).
    #[inline(always)]
    pub fn scatter_taps(&self, buffer: &mut [f32], grid: &[f32], weight: &[f32]) {
        let phases = buffer.chunks_exact_mut(self.phase_len).zip(&self.by_phase);
        for (out, taps) in phases {
            accumulate(out, taps.len(), |k| {
                let t = taps[k];
                (weight[t], &grid[self.margin - self.within[t]..])
            });
        }
    }

    /// The output plane `[ho, wo]` of a grid (of values or of anything else laid out the same).
    #[inline(always)]
    pub fn from_grid<T: Copy>(&self, grid: &[T], plane: &mut [T]) {
        let wo = self.out[1];
        if wo == 0 {
            return;
        }
        for (row, out) in grid.chunks_exact(self.wq).zip(plane.chunks_exact_mut(wo)) {
            out.copy_from_slice(&row[..wo]);
        }
    }

    /// Columns of the grid.
    pub fn grid_width(&self) -> usize {
        self.wq
    }
}

/// `acc[k] += w · x[k]`.
#[inline(always)]
pub fn axpy(acc: &mut [f32], w: f32, x: &[f32]) {
    for (a, v) in acc.iter_mut().zip(x) {
        *a += w * v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tap's run, at every output position, holds the padded input value the window
    /// definition names; and `gather` undoes `fill`.
    #[test]
    fn every_tap_reads_the_value_the_window_names() {
        // (input h, w, kernel, stride, padding, dilation): DARTS' shapes, odd and even sizes,
        // and planes smaller than the kernel.
        for (h, w, k, s, p, d) in [
            (6, 7, 3, 1, 1, 1),
            (7, 6, 3, 2, 1, 1),
            (8, 8, 5, 2, 2, 1),
            (6, 5, 3, 1, 2, 2),
            (9, 7, 5, 2, 4, 2),
            (1, 1, 5, 1, 2, 1),
            (2, 3, 3, 2, 2, 2),
            (1, 2, 3, 2, 1, 1),
        ] {
            let g = Window {
                n: 1,
                c: 1,
                input: [h, w],
                kernel: [k, k],
                stride: [s, s],
                padding: [p, p],
                dilation: [d, d],
            };
            let layout = Phases::new(&g);
            let x: Vec<f32> = (0..h * w).map(|i| i as f32 + 1.0).collect();
            let mut buffer = Vec::new();
            layout.fill(&x, -1.0, |v| v * 10.0, &mut buffer);
            let [ho, wo] = g.output();
            let what = format!("{h}x{w} k{k} s{s} p{p} d{d}");
            for t in 0..k * k {
                let run = layout.tap(&buffer, t);
                let (i, j) = (t / k, t % k);
                for oh in 0..ho {
                    for ow in 0..wo {
                        let r = (oh * s + i * d) as isize - p as isize;
                        let c = (ow * s + j * d) as isize - p as isize;
                        let inside = r >= 0 && c >= 0 && (r as usize) < h && (c as usize) < w;
                        let want = if inside {
                            x[r as usize * w + c as usize] * 10.0
                        } else {
                            -1.0
                        };
                        let got = run[oh * layout.grid_width() + ow];
                        assert_eq!(got, want, "{what} tap {t} output ({oh}, {ow})");
                    }
                }
            }
            // Scattering a grid into the taps' runs: the same values as one axpy per tap.
            let plane_out: Vec<f32> = (0..ho * wo).map(|i| (i as f32 * 0.7).sin()).collect();
            let weight: Vec<f32> = (0..k * k).map(|t| 0.5 - t as f32 * 0.13).collect();
            let mut grid = Vec::new();
            layout.to_grid(&plane_out, &mut grid);
            let mut want = vec![0.0f32; layout.buffer_len()];
            for (t, &wt) in weight.iter().enumerate() {
                let run = &mut want[layout.starts[t]..layout.starts[t] + layout.grid_len()];
                axpy(run, wt, &grid);
            }
            let mut padded = Vec::new();
            layout.to_grid_padded(&plane_out, &mut padded);
            let mut got = vec![0.0f32; layout.buffer_len()];
            layout.scatter_taps(&mut got, &padded, &weight);
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                // Equal as numbers: bit for bit but for the sign of a zero.
                assert!(a == b, "{what} scatter at {i}: {a} vs {b}");
            }
            let mut back = vec![0.0; h * w];
            layout.gather(&buffer, &mut back);
            let scaled: Vec<f32> = x.iter().map(|v| v * 10.0).collect();
            assert_eq!(back, scaled, "{what}");
        }
    }
}
