//! The probability heat map's data: every (cell, edge, op) probability over meta-steps, kept
//! in at most a fixed number of columns however long the run. Each column is the mean of a
//! run of consecutive records; when the columns would pass the cap, neighbouring columns are
//! merged in pairs (the records per column double), so 10^5 steps cost no more memory than
//! the cap.

use crate::run::ArchRecord;
use crate::space::{edges, CellKind, SearchSpace};

/// Columns kept by default: more than a screen is wide.
pub const HEAT_COLUMNS: usize = 4096;

/// One column: the mean of `count` consecutive records.
#[derive(Clone, Debug)]
struct Column {
    first_step: usize,
    last_step: usize,
    count: u32,
    /// Per row, the sum of the records' probabilities.
    sums: Vec<f32>,
}

/// A row of the heat map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeatRow {
    /// The cell kind.
    pub cell: CellKind,
    /// Row of the edge in `alpha[edge][op]`.
    pub edge: usize,
    /// Column of the op in `alpha[edge][op]`.
    pub op: usize,
    /// Whether the op is switched on (switched-off rows have no value).
    pub live: bool,
    /// `normal c_{k-2} -> 0 sep_conv_3x3` (nodes named as in the cell view).
    pub label: String,
}

/// Architecture probabilities over training, binned to at most `max_columns` columns.
#[derive(Clone, Debug)]
pub struct ProbabilityHeat {
    rows: Vec<HeatRow>,
    max_columns: usize,
    /// Records per full column.
    width: u32,
    columns: Vec<Column>,
    records: usize,
    skipped: usize,
}

impl ProbabilityHeat {
    /// An empty map with a row per (cell kind, edge, op) of `space`.
    pub fn new(space: &SearchSpace, max_columns: usize) -> Self {
        let mut rows = Vec::new();
        for &cell in [CellKind::Normal, CellKind::Reduce]
            .iter()
            .filter(|&&k| k == CellKind::Normal || space.has_reduce())
        {
            let live = space.live_mask(cell);
            for e in edges(space.nodes) {
                for (k, op) in space.ops.iter().enumerate() {
                    rows.push(HeatRow {
                        cell,
                        edge: e.index,
                        op: k,
                        live: live[e.index][k],
                        label: format!(
                            "{} {} {}",
                            cell.name(),
                            crate::space::edge_name(e.from, e.to, space.nodes),
                            op.name()
                        ),
                    });
                }
            }
        }
        Self {
            rows,
            max_columns: max_columns.max(2),
            width: 1,
            columns: Vec::new(),
            records: 0,
            skipped: 0,
        }
    }

    /// Adds one record. A record whose tables do not have the space's shape is skipped and
    /// counted (see [`Self::skipped`]).
    pub fn push(&mut self, record: &ArchRecord) {
        let Some(values) = self.row_values(record) else {
            self.skipped += 1;
            return;
        };
        self.records += 1;
        match self.columns.last_mut() {
            Some(c) if c.count < self.width => {
                c.count += 1;
                c.last_step = record.step;
                c.sums.iter_mut().zip(&values).for_each(|(s, v)| *s += v);
            }
            _ => self.columns.push(Column {
                first_step: record.step,
                last_step: record.step,
                count: 1,
                sums: values,
            }),
        }
        if self.columns.len() > self.max_columns {
            self.merge_pairs();
        }
    }

    fn row_values(&self, record: &ArchRecord) -> Option<Vec<f32>> {
        let mut out = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let table = match row.cell {
                CellKind::Normal => &record.normal,
                CellKind::Reduce => record.reduce.as_ref()?,
            };
            out.push(*table.get(row.edge)?.get(row.op)?);
        }
        // Tables with more entries than the space has are not this space's either.
        let ops = self.rows.iter().map(|r| r.op + 1).max().unwrap_or(0);
        let edges = self.rows.iter().map(|r| r.edge + 1).max().unwrap_or(0);
        let fits = |t: &Vec<Vec<f32>>| t.len() == edges && t.iter().all(|r| r.len() == ops);
        (fits(&record.normal) && record.reduce.as_ref().is_none_or(fits)).then_some(out)
    }

    fn merge_pairs(&mut self) {
        self.width *= 2;
        let old = std::mem::take(&mut self.columns);
        let mut it = old.into_iter();
        while let Some(mut a) = it.next() {
            if let Some(b) = it.next() {
                a.count += b.count;
                a.last_step = b.last_step;
                a.sums.iter_mut().zip(&b.sums).for_each(|(s, v)| *s += v);
            }
            self.columns.push(a);
        }
    }

    /// The rows, top to bottom.
    pub fn rows(&self) -> &[HeatRow] {
        &self.rows
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.columns.len()
    }

    /// Records added.
    pub fn records(&self) -> usize {
        self.records
    }

    /// Records skipped because their tables did not fit the space.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Records per full column.
    pub fn records_per_column(&self) -> usize {
        self.width as usize
    }

    /// First and last meta-step of a column.
    pub fn column_steps(&self, column: usize) -> Option<(usize, usize)> {
        self.columns
            .get(column)
            .map(|c| (c.first_step, c.last_step))
    }

    /// The mean probability of a cell; `None` for switched-off ops and out-of-range indices.
    pub fn value(&self, row: usize, column: usize) -> Option<f32> {
        let r = self.rows.get(row)?;
        let c = self.columns.get(column)?;
        r.live.then(|| c.sums[row] / c.count as f32)
    }

    /// Row-major `rows × columns` values, NaN where there is no value (switched-off ops).
    pub fn grid(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.rows.len() * self.columns.len());
        for row in 0..self.rows.len() {
            for column in 0..self.columns.len() {
                out.push(self.value(row, column).unwrap_or(f32::NAN));
            }
        }
        out
    }
}
