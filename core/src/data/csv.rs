//! CSV of feature vectors with one label (classification) or target (regression) column.
//!
//! The first line is a header when any of its fields is not a number. The label column is
//! the one named by [`CsvOptions::target`] (a header name or a 0-based index), else a column
//! named `label`, `target`, `class` or `y`, else the last column. Labels that are all whole
//! numbers or text make a classification dataset; any fractional value makes it regression,
//! unless [`CsvOptions::kind`] says otherwise. Fields may be double-quoted.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::store::{Dataset, DatasetFormat, LoadOptions, Origin, Samples};

/// Classification or regression.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvKind {
    /// Decide from the label values.
    #[default]
    Auto,
    /// Labels are classes.
    Classification,
    /// Labels are real-valued targets.
    Regression,
}

/// How to read a CSV.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvOptions {
    /// The label column: a header name or a 0-based index.
    pub target: Option<String>,
    /// Classification or regression.
    pub kind: CsvKind,
}

fn split_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    fields.push(cur.trim().to_string());
    fields
}

/// Parses CSV text read from `path` (named in errors).
pub fn parse_csv(
    text: &str,
    path: &Path,
    csv: &CsvOptions,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let csv_err = |line: usize, message: String| DataError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((first_no, first)) = lines.next() else {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            message: "the CSV file has no rows".into(),
        });
    };
    let first_fields = split_line(first);
    let has_header = first_fields.iter().any(|f| f.parse::<f64>().is_err());
    let columns = first_fields.len();
    if columns < 2 {
        return Err(csv_err(
            first_no,
            "a row needs a label column and at least one feature column".into(),
        ));
    }
    let header: Vec<String> = if has_header {
        first_fields.clone()
    } else {
        (0..columns).map(|i| format!("column{i}")).collect()
    };
    let target = match &csv.target {
        Some(t) => header
            .iter()
            .position(|h| h == t)
            .or_else(|| t.parse::<usize>().ok().filter(|&i| i < columns))
            .ok_or_else(|| {
                csv_err(
                    first_no,
                    format!("no column `{t}` (columns: {})", header.join(", ")),
                )
            })?,
        None => header
            .iter()
            .position(|h| ["label", "target", "class", "y"].contains(&h.to_lowercase().as_str()))
            .unwrap_or(columns - 1),
    };
    let rows: Vec<(usize, Vec<String>)> = if has_header {
        lines.map(|(n, l)| (n, split_line(l))).collect()
    } else {
        std::iter::once((first_no, first_fields))
            .chain(lines.map(|(n, l)| (n, split_line(l))))
            .collect()
    };
    if rows.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            message: "the CSV file has a header but no data rows".into(),
        });
    }
    let features = columns - 1;
    opts.check_size(path, rows.len() as u64 * features as u64)?;
    let mut values = Vec::with_capacity(rows.len() * features);
    let mut raw_labels = Vec::with_capacity(rows.len());
    let total = rows.len();
    for (i, (line, fields)) in rows.into_iter().enumerate() {
        if fields.len() != columns {
            return Err(csv_err(
                line,
                format!("has {} fields; the first row has {columns}", fields.len()),
            ));
        }
        for (c, f) in fields.iter().enumerate() {
            if c == target {
                continue;
            }
            let v: f32 = f.parse().map_err(|_| {
                csv_err(
                    line,
                    format!("column `{}` holds `{f}`, not a number", header[c]),
                )
            })?;
            if !v.is_finite() {
                return Err(csv_err(
                    line,
                    format!("column `{}` holds a non-finite value `{f}`", header[c]),
                ));
            }
            values.push(v);
        }
        raw_labels.push(fields[target].clone());
        if i % 4096 == 0 {
            opts.report(i, total);
        }
    }
    opts.report(total, total);
    let numeric: Option<Vec<f64>> = raw_labels
        .iter()
        .map(|l| l.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    let regression = match csv.kind {
        CsvKind::Regression => true,
        CsvKind::Classification => false,
        CsvKind::Auto => numeric
            .as_ref()
            .is_some_and(|v| v.iter().any(|x| x.fract() != 0.0)),
    };
    let n = raw_labels.len();
    let (class_names, labels, targets) = if regression {
        let Some(t) = numeric else {
            let bad = raw_labels
                .iter()
                .find(|l| l.parse::<f64>().is_err())
                .cloned()
                .unwrap_or_default();
            return Err(DataError::Csv {
                path: path.to_path_buf(),
                line: 0,
                message: format!(
                    "regression target column `{}` holds `{bad}`, not a number",
                    header[target]
                ),
            });
        };
        (
            Vec::new(),
            vec![0; n],
            Some(t.into_iter().map(|v| v as f32).collect()),
        )
    } else {
        // Classes in numeric order when the labels are numbers, else in text order.
        let mut names: Vec<String> = raw_labels.clone();
        match &numeric {
            Some(_) => names.sort_by(|a, b| {
                a.parse::<f64>()
                    .unwrap_or(0.0)
                    .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
            }),
            None => names.sort(),
        }
        names.dedup();
        let labels = raw_labels
            .iter()
            .map(|l| names.iter().position(|n| n == l).unwrap_or(0))
            .collect();
        (names, labels, None)
    };
    Ok(Dataset {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "csv".into()),
        format: DatasetFormat::Csv,
        class_names,
        labels,
        targets,
        samples: Samples::Vectors { features, values },
        files: vec![path.to_path_buf()],
        origins: (0..n).map(|item| Origin { file: 0, item }).collect(),
        problems: Vec::new(),
    })
}

/// Reads and parses a CSV file.
pub fn load_csv(
    path: &Path,
    csv: &CsvOptions,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let meta = std::fs::metadata(path).map_err(|e| DataError::io(path, e))?;
    // Text is at least two bytes a value ("0,"): refuse before reading a file far over the cap.
    opts.check_size(path, meta.len() / 2)?;
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    parse_csv(&text, path, csv, opts)
}
