#![no_main]
//! CIFAR-10 and CIFAR-100 batch parsing on arbitrary bytes.

use libfuzzer_sys::fuzz_target;
use metanas_core::data::{parse_cifar, CifarKind};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = parse_cifar(data, CifarKind::Cifar10, Path::new("fuzz.bin"));
    let _ = parse_cifar(data, CifarKind::Cifar100, Path::new("fuzz.bin"));
});
