//! A task's examples as the baselines read them: flat input rows, one target each.

/// Examples as flat rows of `dim` values, each with its target: a class label in `0..ways`
/// (`usize`, the default) or a regression value (`f32`).
#[derive(Clone, Copy, Debug)]
pub struct Examples<'a, T = usize> {
    /// `len * dim` values, row-major.
    pub inputs: &'a [f32],
    /// One target per row.
    pub targets: &'a [T],
}

impl<'a, T> Examples<'a, T> {
    /// Rows `inputs` with their `targets`.
    pub fn new(inputs: &'a [f32], targets: &'a [T]) -> Self {
        Self { inputs, targets }
    }

    pub(crate) fn len(&self) -> usize {
        self.targets.len()
    }

    pub(crate) fn dim(&self) -> usize {
        self.inputs.len() / self.len().max(1)
    }

    /// Row `i` (empty past the end).
    pub(crate) fn row(&self, i: usize) -> &'a [f32] {
        let d = self.dim();
        self.inputs.get(i * d..(i + 1) * d).unwrap_or(&[])
    }

    /// The mean row, in f64 (empty without rows).
    pub(crate) fn mean_row(&self) -> Vec<f64> {
        let n = self.len();
        let mut centre = vec![0.0f64; if n == 0 { 0 } else { self.dim() }];
        for i in 0..n {
            for (c, &x) in centre.iter_mut().zip(self.row(i)) {
                *c += x as f64 / n as f64;
            }
        }
        centre
    }

    /// The Gram matrix `[len, len]` of the rows under `dot`, row-major.
    pub(crate) fn gram(&self, dot: impl Fn(&[f32], &[f32]) -> f64) -> Vec<f64> {
        let n = self.len();
        (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| dot(self.row(i), self.row(j)))
            .collect()
    }
}

/// The dot product of `a` and `b` after subtracting `centre` from both, in f64.
pub(crate) fn centred_dot(a: &[f32], b: &[f32], centre: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .zip(centre)
        .map(|((&x, &y), c)| (x as f64 - c) * (y as f64 - c))
        .sum()
}
