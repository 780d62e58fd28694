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
}
