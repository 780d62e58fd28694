//! Colours that keep their meaning: each op has one colour by name in every space, run, view
//! and figure, and a category (a dataset, a regression family, a source of PCA points) one
//! colour derived from its name. The colours are the Okabe-Ito palette, readable with the
//! common colour-vision deficiencies, extended by Paul Tol's muted scheme where more are needed.

use crate::space::Op;

/// The colour of `op`, `#rrggbb`.
pub fn op_colour_hex(op: Op) -> &'static str {
    match op {
        Op::None => "#999999",
        Op::SkipConnect => "#56b4e9",
        Op::MaxPool3x3 => "#009e73",
        Op::AvgPool3x3 => "#f0e442",
        Op::SepConv3x3 => "#e69f00",
        Op::SepConv5x5 => "#d55e00",
        Op::SepConv7x7 => "#882255",
        Op::DilConv3x3 => "#0072b2",
        Op::DilConv5x5 => "#cc79a7",
        Op::Conv7x1_1x7 => "#44aa99",
        Op::Linear => "#117733",
        Op::LinearRelu => "#999933",
    }
}

/// The colours categories are drawn in.
pub const CATEGORY_COLOURS: [&str; 10] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#882255",
    "#44aa99", "#999999",
];

/// The colour of the category `name`: the same for that name in every plot (chosen by a hash
/// of the name). When two names of one plot hash to the same colour, the later one (in
/// `names`' order) takes the next free colour; `names` are the plot's categories.
pub fn category_colour_hex(name: &str, names: &[&str]) -> &'static str {
    let n = CATEGORY_COLOURS.len();
    let mut taken = vec![false; n];
    for other in names {
        let mut slot = fnv1a(other) % n;
        while taken[slot] && taken.iter().any(|t| !t) {
            slot = (slot + 1) % n;
        }
        taken[slot] = true;
        if *other == name {
            return CATEGORY_COLOURS[slot];
        }
    }
    CATEGORY_COLOURS[fnv1a(name) % n]
}

/// The 64-bit FNV-1a hash of `s`, as an index.
fn fnv1a(s: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % 1_000_003) as usize
}

/// `"#1f77b4"` -> `[0x1f, 0x77, 0xb4]` (grey for text that is not a colour).
pub fn rgb_of_hex(hex: &str) -> [u8; 3] {
    let hex = hex.trim_start_matches('#');
    let byte = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|b| u8::from_str_radix(b, 16).ok())
            .unwrap_or(128)
    };
    [byte(0), byte(2), byte(4)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_has_its_own_colour() {
        let mut colours: Vec<&str> = Op::ALL.iter().map(|&o| op_colour_hex(o)).collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), Op::ALL.len());
    }

    #[test]
    fn a_category_keeps_its_colour_when_others_appear() {
        // These three names hash to three different colours (slots 0, 6 and 4).
        let alone = category_colour_hex("omniglot", &["omniglot"]);
        let with_more = category_colour_hex("omniglot", &["adapted", "omniglot", "sinusoid"]);
        assert_eq!(with_more, alone);
        assert_eq!(alone, CATEGORY_COLOURS[0]);
        // "linear" hashes to the slot of "adapted" (6): in a plot with both, the later one
        // takes the next free colour; alone it has slot 6.
        assert_eq!(
            category_colour_hex("linear", &["linear"]),
            CATEGORY_COLOURS[6]
        );
        assert_eq!(
            category_colour_hex("linear", &["adapted", "linear"]),
            CATEGORY_COLOURS[7]
        );
        // Within one plot, categories never share a colour while colours are left.
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        let mut used: Vec<&str> = names
            .iter()
            .map(|n| category_colour_hex(n, &names))
            .collect();
        used.sort_unstable();
        used.dedup();
        assert_eq!(used.len(), names.len());
    }

    #[test]
    fn hex_colours_read_back() {
        assert_eq!(rgb_of_hex("#0072b2"), [0x00, 0x72, 0xb2]);
        assert_eq!(rgb_of_hex("nonsense"), [128, 128, 128]);
    }
}
