#![no_main]
//! The run-config loader on arbitrary text: a user's config (`RunConfig::parse`, with every
//! range check and the memory estimate) and a run's stored config (`from_resolved`). Neither
//! may panic, abort or allocate without bound, whatever the numbers.

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use metanas_core::run::RunConfig;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let name = Path::new("fuzz.toml");
        if let Ok(c) = RunConfig::parse(text, name, Path::new("/nonexistent")) {
            let _ = c.to_toml_string();
        }
        let _ = RunConfig::from_resolved(text, name);
    }
});
