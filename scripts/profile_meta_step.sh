#!/usr/bin/env bash
# Where a meta-step's CPU time goes: samples `metanas bench` (the reference meta-step, or
# the config given) with Linux perf and call stacks, then sorts every sample into one part of
# the engine by the functions on its stack, and prints a Markdown table of the shares.
#   scripts/profile_meta_step.sh [BIN] [extra bench arguments...]
# BIN defaults to the release build (target/release/metanas). Needs perf
# (apt-get install linux-perf, or linux-tools-$(uname -r)) and python3. Samples at 199 Hz
# for one timed meta-step and the bench's inner-step timing; nothing else should run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/metanas}
shift || true
command -v perf >/dev/null || { echo "error: perf is not installed (see the top of $0)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
perf record -q -F 199 --call-graph dwarf,32768 -o "$work/perf.data" \
  "$bin" bench --steps 1 --warmup 0 "$@" > "$work/bench.txt" 2>/dev/null
perf script -i "$work/perf.data" -F ip,sym 2>/dev/null > "$work/stacks.txt"
grep -E "median|forward|backward" "$work/bench.txt" >&2 || true
python3 - "$work/stacks.txt" <<'PY'
import sys
# The first part whose pattern is on a sample's stack (leaf first) takes the sample.
parts = [
    ("autodiff: joining recorded graphs", ["GraphLocator::select", "GraphLocator::merge"]),
    ("autodiff: recording and freeing steps", ["AutodiffServer::register", "GraphMemoryManagement", "cleanup_orphaned", "free_unused"]),
    ("depthwise convolution, forward", ["depthwise_kernel::forward"]),
    ("depthwise convolution, input gradient", ["depthwise_kernel::grad_input"]),
    ("depthwise convolution, kernel gradient", ["depthwise_kernel::grad_weight"]),
    ("1x1 convolution, forward", ["Pointwise as metanas_core::nn::cpu_kernel::CpuKernel<2_usize>>::forward"]),
    ("1x1 convolution, backward", ["Pointwise as metanas_core::nn::cpu_kernel::CpuKernel<2_usize>>::backward"]),
    ("batch norm", ["BatchNorm"]),
    ("max and average pooling", ["MaxPool", "AvgPool"]),
    ("dense convolutions and matrix products", ["matrixmultiply", "gemm"]),
    ("Gaussian weight samples", ["GaussianParam"]),
    ("gradient sums and other autodiff steps", ["burn_autodiff::ops", "Gradients::register", "burn_autodiff::grads"]),
    ("elementwise tensor ops (mixed-op sums, losses)", ["burn_ndarray"]),
    ("allocation, zero fills and copies", ["malloc", "free", "memset", "memmove", "memcpy", "_int_"]),
    ("the bench's peak-rate matrix product", ["bench::peak"]),
]
stacks, cur = [], []
for line in open(sys.argv[1]):
    line = line.rstrip()
    if not line:
        if cur:
            stacks.append(cur)
        cur = []
        continue
    bits = line.strip().split(" ", 1)
    cur.append(bits[1] if len(bits) > 1 else "?")
if cur:
    stacks.append(cur)
counts = {name: 0 for name, _ in parts}
other = 0
for s in stacks:
    for name, pats in parts:
        if any(p in f for f in s for p in pats):
            counts[name] += 1
            break
    else:
        other += 1
n = max(len(stacks), 1)
rate = 199.0
print(f"| part of the engine | CPU seconds | share ({len(stacks)} samples at 199 Hz) |")
print("| --- | --- | --- |")
rows = [(name, counts[name]) for name, _ in parts]
rows.append(("everything else: loop bodies run as stolen thread-pool jobs (their stack does not name the kernel), pool waits, task setup", other))
for name, c in rows:
    print(f"| {name} | {c / rate:.2f} | {100 * c / n:.1f}% |")
print(f"| total | {len(stacks) / rate:.2f} | 100% |")
PY
