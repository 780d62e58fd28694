//! The search space: ops, cells, the network motif and user constraints, as plain data.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cell_kind::{edge_index, edges, num_edges, CellKind};
use super::op::{Domain, Op};

/// A search space that failed to load or validate. Names the field and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpaceError {
    /// A field holds a value the space cannot use.
    #[error("search space field `{field}`: {message}")]
    Invalid {
        /// Path of the field, e.g. `constraints[2].to`.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The text is not a valid TOML/JSON search space.
    #[error("search space {source_name}: {message}")]
    Parse {
        /// File name, or `text` when parsed from a string.
        source_name: String,
        /// The parser's message (it names the key and line).
        message: String,
    },
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> SpaceError {
    SpaceError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// How a cell combines its intermediate nodes into its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Concatenate along channels (DARTS, BASE): output has `nodes * C` channels.
    Concat,
    /// Average (M-NAS vector cells): output has `C` features.
    Mean,
}

/// One input source of the network with its own stem (BASE section 5.1: a featurisation head
/// per input size, e.g. Imagenet32 / 64 / 224).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// A name for the source (`omniglot28`, `x`, ...); tasks refer to stems by it.
    pub name: String,
    /// Image channels (1 grey, 3 RGB), or the number of features of a vector input.
    pub channels: usize,
    /// Image height in pixels (ignored for vector spaces).
    #[serde(default)]
    pub height: usize,
    /// Image width in pixels (ignored for vector spaces).
    #[serde(default)]
    pub width: usize,
}

impl InputSpec {
    /// A grey `side` x `side` image input named `name`.
    pub fn grey(name: &str, side: usize) -> Self {
        Self {
            name: name.into(),
            channels: 1,
            height: side,
            width: side,
        }
    }
}

/// A user constraint: an op, or a whole edge, switched off in one kind of cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// Which kind of cell.
    pub cell: CellKind,
    /// Source node (0 and 1 are the cell inputs).
    pub from: usize,
    /// Target node (2 .. 2 + nodes).
    pub to: usize,
    /// The op to switch off; absent means the whole edge is off.
    #[serde(default)]
    pub op: Option<Op>,
}

/// The search space. Serialises to TOML/JSON; [`SearchSpace::validate`] checks it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpace {
    /// Images or vectors.
    pub domain: Domain,
    /// Candidate ops on every edge, in `alpha[edge][op]` column order.
    pub ops: Vec<Op>,
    /// Intermediate nodes per cell (the papers use 4 for images, 3 for M-NAS vectors).
    pub nodes: usize,
    /// The cells of the network in order.
    pub cells: Vec<CellKind>,
    /// Channels of the first cell (doubled at each reduction), or the hidden width of a
    /// vector network.
    pub channels: usize,
    /// Image stems output `stem_multiplier * channels` channels (DARTS uses 3); vector stems
    /// ignore it.
    #[serde(default = "default_stem_multiplier")]
    pub stem_multiplier: usize,
    /// How a cell combines its intermediate nodes.
    pub aggregate: Aggregate,
    /// Input sources, one stem each.
    pub inputs: Vec<InputSpec>,
    /// Classes of the classifier head, or outputs of the regression head.
    pub num_outputs: usize,
    /// Ops or edges switched off.
    #[serde(default)]
    pub constraints: Vec<Constraint>,
}

fn default_stem_multiplier() -> usize {
    3
}

impl Default for SearchSpace {
    fn default() -> Self {
        Self::default_image()
    }
}

impl SearchSpace {
    /// The default image space: the BASE op set, one normal then one reduction cell of 4
    /// nodes, 8 channels (stem 3x8), 28x28 grey input, 5-way head.
    pub fn default_image() -> Self {
        Self {
            domain: Domain::Image,
            ops: Op::base_image_set(),
            nodes: 4,
            cells: vec![CellKind::Normal, CellKind::Reduce],
            channels: 8,
            stem_multiplier: 3,
            aggregate: Aggregate::Concat,
            inputs: vec![InputSpec {
                name: "grey28".into(),
                channels: 1,
                height: 28,
                width: 28,
            }],
            num_outputs: 5,
            constraints: Vec::new(),
        }
    }

    /// The M-NAS toy-regression space: one vector cell of 3 nodes over `linear`,
    /// `skip_connect`, `none`, 50 hidden units, mean aggregation, scalar in and out.
    pub fn default_vector() -> Self {
        Self {
            domain: Domain::Vector,
            ops: Op::vector_set(),
            nodes: 3,
            cells: vec![CellKind::Normal],
            channels: 50,
            // Unused by vector stems (they output `channels` features).
            stem_multiplier: default_stem_multiplier(),
            aggregate: Aggregate::Mean,
            inputs: vec![InputSpec {
                name: "x".into(),
                channels: 1,
                height: 0,
                width: 0,
            }],
            num_outputs: 1,
            constraints: Vec::new(),
        }
    }

    /// Parses and validates a TOML space. `source_name` names the file in errors.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Self, SpaceError> {
        let space: Self = toml::from_str(text).map_err(|e| SpaceError::Parse {
            source_name: source_name.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        space.validate()?;
        Ok(space)
    }

    /// Parses and validates a JSON space. `source_name` names the file in errors.
    pub fn from_json_str(text: &str, source_name: &str) -> Result<Self, SpaceError> {
        let space: Self = serde_json::from_str(text).map_err(|e| SpaceError::Parse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        space.validate()?;
        Ok(space)
    }

    /// Reads a space from a `.toml` or `.json` file (by extension; TOML otherwise).
    pub fn load(path: &Path) -> Result<Self, SpaceError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SpaceError::Parse {
            source_name: name.clone(),
            message: format!("cannot read: {e}"),
        })?;
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Self::from_json_str(&text, &name),
            _ => Self::from_toml_str(&text, &name),
        }
    }

    /// The space as TOML text.
    pub fn to_toml_string(&self) -> String {
        // Serialising plain data with known field types cannot fail.
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Edges per cell.
    pub fn num_edges(&self) -> usize {
        num_edges(self.nodes)
    }

    /// Column of `op` in `alpha[edge][op]`, if the op is in the space.
    pub fn op_index(&self, op: Op) -> Option<usize> {
        self.ops.iter().position(|&o| o == op)
    }

    /// Whether the space has reduction cells.
    pub fn has_reduce(&self) -> bool {
        self.cells.contains(&CellKind::Reduce)
    }

    /// `live[edge][op]`: whether an op on an edge is switched on in cells of `kind`.
    pub fn live_mask(&self, kind: CellKind) -> Vec<Vec<bool>> {
        let mut live = vec![vec![true; self.ops.len()]; self.num_edges()];
        for c in self.constraints.iter().filter(|c| c.cell == kind) {
            let Some(edge) = edge_index(self.nodes, c.from, c.to) else {
                continue;
            };
            match c.op.and_then(|op| self.op_index(op)) {
                Some(col) => live[edge][col] = false,
                None if c.op.is_none() => live[edge].iter_mut().for_each(|l| *l = false),
                None => {}
            }
        }
        live
    }

    /// Checks every field; the error names the first bad field and what is wrong.
    pub fn validate(&self) -> Result<(), SpaceError> {
        if self.nodes == 0 {
            return Err(invalid("nodes", "must be at least 1 intermediate node"));
        }
        if self.nodes > 16 {
            return Err(invalid(
                "nodes",
                format!("{} is more than the supported 16", self.nodes),
            ));
        }
        if self.channels == 0 {
            return Err(invalid("channels", "must be at least 1"));
        }
        if self.stem_multiplier == 0 {
            return Err(invalid("stem_multiplier", "must be at least 1"));
        }
        if self.num_outputs == 0 {
            return Err(invalid("num_outputs", "must be at least 1"));
        }
        if self.cells.is_empty() {
            return Err(invalid("cells", "must list at least one cell"));
        }
        self.validate_ops()?;
        self.validate_inputs()?;
        if self.domain == Domain::Vector {
            if self.has_reduce() {
                return Err(invalid("cells", "vector spaces have no reduction cells"));
            }
            if self.aggregate == Aggregate::Concat && self.cells.len() > 1 {
                // Concatenation would grow the width cell after cell with no preprocessing
                // layer to bring it back; M-NAS averages.
                return Err(invalid(
                    "aggregate",
                    "vector spaces with several cells must use `mean` aggregation",
                ));
            }
        }
        self.validate_constraints()
    }

    fn validate_ops(&self) -> Result<(), SpaceError> {
        if self.ops.is_empty() {
            return Err(invalid("ops", "must list at least one op"));
        }
        let mut seen = HashSet::new();
        for (i, &op) in self.ops.iter().enumerate() {
            if !seen.insert(op) {
                return Err(invalid(
                    format!("ops[{i}]"),
                    format!("`{op}` is listed twice"),
                ));
            }
            if !op.allowed_in(self.domain) {
                return Err(invalid(
                    format!("ops[{i}]"),
                    format!("`{op}` is not an op of {:?} spaces", self.domain).to_lowercase(),
                ));
            }
        }
        if self.ops.iter().all(|&op| op == Op::None) {
            return Err(invalid("ops", "needs at least one op other than `none`"));
        }
        Ok(())
    }

    fn validate_inputs(&self) -> Result<(), SpaceError> {
        if self.inputs.is_empty() {
            return Err(invalid("inputs", "must list at least one input source"));
        }
        let mut names = HashSet::new();
        for (i, input) in self.inputs.iter().enumerate() {
            if input.name.trim().is_empty() {
                return Err(invalid(format!("inputs[{i}].name"), "must not be empty"));
            }
            if !names.insert(input.name.as_str()) {
                return Err(invalid(
                    format!("inputs[{i}].name"),
                    format!("`{}` is used by two inputs", input.name),
                ));
            }
            if input.channels == 0 {
                return Err(invalid(
                    format!("inputs[{i}].channels"),
                    "must be at least 1",
                ));
            }
            if self.domain == Domain::Image && (input.height == 0 || input.width == 0) {
                return Err(invalid(
                    format!("inputs[{i}]"),
                    "image inputs need a height and width of at least 1 pixel",
                ));
            }
        }
        Ok(())
    }

    fn validate_constraints(&self) -> Result<(), SpaceError> {
        for (i, c) in self.constraints.iter().enumerate() {
            let field = format!("constraints[{i}]");
            if c.to < 2 || c.to >= self.nodes + 2 {
                return Err(invalid(
                    format!("{field}.to"),
                    format!(
                        "{} is not an intermediate node: `to` is 2..={} for nodes 0..={} of \
                         the cell view",
                        c.to,
                        self.nodes + 1,
                        self.nodes - 1
                    ),
                ));
            }
            if c.from >= c.to {
                return Err(invalid(
                    format!("{field}.from"),
                    format!(
                        "{} does not feed {} (sources come before targets; node {} of the \
                         cell view is index {})",
                        c.from,
                        c.to,
                        super::node_name(c.to, self.nodes),
                        c.to
                    ),
                ));
            }
            if c.cell == CellKind::Reduce && !self.has_reduce() {
                return Err(invalid(
                    format!("{field}.cell"),
                    "the space has no reduction cell",
                ));
            }
            if let Some(op) = c.op {
                if self.op_index(op).is_none() {
                    return Err(invalid(
                        format!("{field}.op"),
                        format!("`{op}` is not one of the space's ops"),
                    ));
                }
            }
        }
        let none_col = self.op_index(Op::None);
        for kind in [CellKind::Normal, CellKind::Reduce] {
            if kind == CellKind::Reduce && !self.has_reduce() {
                continue;
            }
            let live = self.live_mask(kind);
            for to in 2..self.nodes + 2 {
                let inputs = edges(self.nodes)
                    .into_iter()
                    .filter(|e| e.to == to)
                    .filter(|e| {
                        live[e.index]
                            .iter()
                            .enumerate()
                            .any(|(col, &l)| l && Some(col) != none_col)
                    })
                    .count();
                if inputs < 2 {
                    return Err(invalid(
                        "constraints",
                        format!(
                            "they leave node {} (`to = {to}`) of the {kind} cell with {inputs} live input(s); \
                             every node needs at least 2 inputs with an op other than `none`",
                            super::node_name(to, self.nodes)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A short human-readable summary of the space.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let cells: Vec<&str> = self.cells.iter().map(|c| c.name()).collect();
        let _ = writeln!(
            s,
            "{} space: {} cells [{}], {} intermediate nodes ({} edges per cell), {} channels, {} aggregation",
            match self.domain {
                Domain::Image => "image",
                Domain::Vector => "vector",
            },
            self.cells.len(),
            cells.join(", "),
            self.nodes,
            self.num_edges(),
            self.channels,
            match self.aggregate {
                Aggregate::Concat => "concat",
                Aggregate::Mean => "mean",
            },
        );
        let ops: Vec<&str> = self.ops.iter().map(|o| o.name()).collect();
        let _ = writeln!(s, "ops ({}): {}", ops.len(), ops.join(", "));
        for input in &self.inputs {
            match self.domain {
                Domain::Image => {
                    let _ = writeln!(
                        s,
                        "input `{}`: {}x{}x{}",
                        input.name, input.channels, input.height, input.width
                    );
                }
                Domain::Vector => {
                    let _ = writeln!(s, "input `{}`: {} features", input.name, input.channels);
                }
            }
        }
        let _ = write!(
            s,
            "outputs: {}, constraints: {}",
            self.num_outputs,
            self.constraints.len()
        );
        s
    }
}
