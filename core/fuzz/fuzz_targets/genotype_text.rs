#![no_main]
//! The DARTS genotype text reader on arbitrary text.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = metanas_core::genotype::Genotype::from_darts(text);
        let _ = metanas_core::genotype::Genotype::from_json(text);
    }
});
