#!/usr/bin/env bash
# Builds what scripts/device_check.sh runs on a lent GPU machine, which has no Rust toolchain
# and no crate registry: the release `metanas` binary and the GPU test binaries
# (core/tests/gpu_backend.rs, core/tests/gpu_ops.rs), all with the CUDA and wgpu backends,
# stripped and xz-compressed into .device/ (ignored by git; about 40 MB, under the 64 MiB a
# device call carries). Then, with the device tool:
#   run(command="bash scripts/device_check.sh", carry=[".device"], timeout_s=540)
# Run it from the repository root on this machine (a cold build takes 20-30 minutes on 2 cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=.device
rm -rf "$out"
mkdir -p "$out"
features=metanas-core/wgpu,metanas-core/cuda
cargo build --release -p metanas-app --features wgpu,cuda
# The test binaries' paths, from cargo's own report of what it built.
tests=$(cargo test --release -p metanas-core --features wgpu,cuda \
    --test gpu_backend --test gpu_ops --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] in ("gpu_backend", "gpu_ops"):
        print(m["target"]["name"], m["executable"])
')
[ -n "$tests" ] || { echo "error: no GPU test binaries were built ($features)" >&2; exit 1; }
pack() { # name, file
    strip -o "$out/$1" "$2"
    xz -T0 -6 "$out/$1"
}
pack metanas target/release/metanas
while read -r name path; do pack "$name" "$path"; done <<<"$tests"
git rev-parse HEAD > "$out/commit"
git status --short > "$out/status"
du -ch "$out"/* | tail -1
