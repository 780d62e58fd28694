#![no_main]
//! IDX header and array parsing on arbitrary bytes (also through the gzip path).

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz-images-idx3-ubyte");
    let _ = metanas_core::data::parse_idx(data, path);
    if let Ok(bytes) = metanas_core::data::gunzip_if_gzipped(data.to_vec(), path, 1 << 20) {
        let _ = metanas_core::data::parse_idx(&bytes, path);
    }
});
