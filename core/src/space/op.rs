//! Candidate operations of the search space, with their DARTS names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One candidate operation on an edge of a cell.
///
/// Image ops follow the BASE op set (papers 001/002, Appendix A/B), which is the DARTS
/// set plus `sep_conv_7x7` and `conv_7x1_1x7`: ReLU-Conv-BN order, separable convolutions
/// applied twice, no batch norm between a depthwise and its 1x1 convolution, padding that
/// preserves resolution, stride 2 on the first op of a reduction cell. Vector ops follow
/// M-NAS's toy-regression space: `linear` is Linear-ReLU-BN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Op {
    /// No connection: contributes zero (its probability still counts in the softmax).
    None,
    /// Identity (a factorized reduction when the edge has stride 2).
    SkipConnect,
    /// 3x3 max pooling.
    MaxPool3x3,
    /// 3x3 average pooling (padding not counted).
    AvgPool3x3,
    /// 3x3 depthwise-separable convolution, applied twice.
    SepConv3x3,
    /// 5x5 depthwise-separable convolution, applied twice.
    SepConv5x5,
    /// 7x7 depthwise-separable convolution, applied twice.
    SepConv7x7,
    /// 3x3 dilated (dilation 2) depthwise-separable convolution.
    DilConv3x3,
    /// 5x5 dilated (dilation 2) depthwise-separable convolution.
    DilConv5x5,
    /// A 1x7 convolution followed by a 7x1 convolution.
    Conv7x1_1x7,
    /// Linear-ReLU-BN on vectors (M-NAS).
    Linear,
    /// Linear-ReLU on vectors, without the batch norm: its features are not standardised by
    /// each batch's statistics, so a support set and a query set at other inputs see the same
    /// function (docs/results.md, "Batch norm on the regression tasks").
    LinearRelu,
}

/// Whether a space works on images (NCHW) or on vectors (N x features).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Image inputs: convolutional cells, normal and reduction.
    Image,
    /// Vector inputs: fully connected cells (M-NAS regression).
    Vector,
}

impl Op {
    /// Every operation, in canonical order.
    pub const ALL: [Op; 12] = [
        Op::None,
        Op::SkipConnect,
        Op::MaxPool3x3,
        Op::AvgPool3x3,
        Op::SepConv3x3,
        Op::SepConv5x5,
        Op::SepConv7x7,
        Op::DilConv3x3,
        Op::DilConv5x5,
        Op::Conv7x1_1x7,
        Op::Linear,
        Op::LinearRelu,
    ];

    /// The DARTS name of the op (`sep_conv_3x3`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Op::None => "none",
            Op::SkipConnect => "skip_connect",
            Op::MaxPool3x3 => "max_pool_3x3",
            Op::AvgPool3x3 => "avg_pool_3x3",
            Op::SepConv3x3 => "sep_conv_3x3",
            Op::SepConv5x5 => "sep_conv_5x5",
            Op::SepConv7x7 => "sep_conv_7x7",
            Op::DilConv3x3 => "dil_conv_3x3",
            Op::DilConv5x5 => "dil_conv_5x5",
            Op::Conv7x1_1x7 => "conv_7x1_1x7",
            Op::Linear => "linear",
            Op::LinearRelu => "linear_relu",
        }
    }

    /// Whether this op may appear in a space of the given domain.
    pub fn allowed_in(self, domain: Domain) -> bool {
        match self {
            Op::None | Op::SkipConnect => true,
            Op::Linear | Op::LinearRelu => domain == Domain::Vector,
            _ => domain == Domain::Image,
        }
    }

    /// Whether this is a pooling op (DARTS appends a batch norm to pooling in the supernet,
    /// and pooling backward cannot be nested in Burn 0.21's autodiff).
    pub fn is_pool(self) -> bool {
        matches!(self, Op::MaxPool3x3 | Op::AvgPool3x3)
    }

    /// The BASE image op set (10 ops: the DARTS 8 plus `sep_conv_7x7` and `conv_7x1_1x7`).
    pub fn base_image_set() -> Vec<Op> {
        Op::ALL
            .into_iter()
            .filter(|op| op.allowed_in(Domain::Image))
            .collect()
    }

    /// The DARTS op set (8 ops).
    pub fn darts_set() -> Vec<Op> {
        vec![
            Op::None,
            Op::MaxPool3x3,
            Op::AvgPool3x3,
            Op::SkipConnect,
            Op::SepConv3x3,
            Op::SepConv5x5,
            Op::DilConv3x3,
            Op::DilConv5x5,
        ]
    }

    /// The M-NAS vector op set: `linear`, `skip_connect`, `none`.
    pub fn vector_set() -> Vec<Op> {
        vec![Op::None, Op::SkipConnect, Op::Linear]
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An op name that metanas does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown op `{0}` (known: {known})", known = Op::ALL.map(Op::name).join(", "))]
pub struct UnknownOp(pub String);

impl FromStr for Op {
    type Err = UnknownOp;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Op::ALL
            .into_iter()
            .find(|op| op.name() == s)
            .ok_or_else(|| UnknownOp(s.to_string()))
    }
}

impl TryFrom<String> for Op {
    type Error = UnknownOp;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Op> for String {
    fn from(op: Op) -> Self {
        op.name().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in Op::ALL {
            assert_eq!(op.name().parse::<Op>(), Ok(op));
        }
        assert!("sep_conv_9x9".parse::<Op>().is_err());
    }

    #[test]
    fn op_sets_have_paper_sizes() {
        assert_eq!(Op::base_image_set().len(), 10);
        assert_eq!(Op::darts_set().len(), 8);
        assert!(Op::vector_set()
            .iter()
            .all(|op| op.allowed_in(Domain::Vector)));
    }
}
