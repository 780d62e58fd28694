#![no_main]
//! CSV parsing on arbitrary text, with and without a named target column.

use libfuzzer_sys::fuzz_target;
use metanas_core::data::{parse_csv, CsvKind, CsvOptions, LoadOptions};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for (target, kind) in [(None, CsvKind::Auto), (Some("label".to_string()), CsvKind::Regression), (Some("1".to_string()), CsvKind::Classification)] {
        let _ = parse_csv(text, Path::new("fuzz.csv"), &CsvOptions { target, kind }, &mut LoadOptions::default());
    }
});
