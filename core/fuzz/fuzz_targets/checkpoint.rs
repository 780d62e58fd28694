#![no_main]
//! The checkpoint reader on arbitrary bytes: the header and checksum (`decode_checkpoint`),
//! then the learner state inside (step counter, optimiser state, Burn's MessagePack record)
//! restored into a small BASE learner. Bytes that pass the checksum but are not a state must
//! be refused, never panic.

use std::path::Path;
use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use metanas_core::learners::MetaLearner;
use metanas_core::run::{build_learner, decode_checkpoint, encode_checkpoint, BackendKind, RunConfig};

const CONFIG: &str = r#"
seed = 1
[space]
domain = "vector"
ops = ["none", "skip_connect", "linear"]
nodes = 2
cells = ["normal"]
channels = 4
aggregate = "mean"
num_outputs = 1
[[space.inputs]]
name = "x"
channels = 1
[tasks]
kind = "regression"
[learner]
kind = "base"
"#;

thread_local! {
    static LEARNER: RefCell<Box<dyn MetaLearner>> = RefCell::new({
        let c = RunConfig::parse(CONFIG, Path::new("f.toml"), Path::new(".")).unwrap();
        build_learner(&c, BackendKind::Cpu).unwrap()
    });
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new("step-00000001.ckpt");
    let _ = decode_checkpoint(path, data);
    // The same bytes as a payload behind a valid header, so the state reader sees them.
    let wrapped = encode_checkpoint(1, data);
    if let Ok((_, payload)) = decode_checkpoint(path, &wrapped) {
        LEARNER.with(|l| {
            let _ = l.borrow_mut().load_state_bytes(&payload);
        });
    }
});
