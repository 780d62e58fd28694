#!/usr/bin/env bash
# The GPU checks of one lent device call, from the binaries scripts/device_pack.sh built into
# .device/: the GPU tests, `metanas bench` on the reference and the Omniglot-size configs,
# and the PyTorch reference on the same device, side by side. Each step has its own time
# limit, so that one slow step cannot eat the call. $OUT (the device tool brings back at most
# 8 files from it) gets summary.md and results.tar.xz, which holds each step's output (.log)
# and messages (.err).
#   BACKENDS="cuda wgpu" STEPS=3 bash scripts/device_check.sh
# Here, without a GPU, it runs on lavapipe the same way, for trying it out:
#   OUT=/tmp/out BACKENDS=wgpu CONFIGS=ref_count.toml SKIP_TORCH=1 bash scripts/device_check.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dest=${OUT:?OUT: the folder for the results}
backends=${BACKENDS:-cuda wgpu}
steps=${STEPS:-3}
configs=${CONFIGS:-assets/configs/bench_reference.toml assets/configs/bench_omniglot.toml}
bin=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$bin" "$out"' EXIT
summary="$out/summary.md"
mkdir -p "$dest"
{
    echo "# device check, $(date -u +%FT%TZ)"
    echo "commit $(cat .device/commit 2>/dev/null || echo unknown) $(wc -l <.device/status 2>/dev/null || echo '?') changed files"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
    fi
    echo "$(nproc) cores"
} >"$summary"
for f in .device/*.xz; do
    xz -dc "$f" >"$bin/$(basename "$f" .xz)" && chmod +x "$bin/$(basename "$f" .xz)"
done
# The whole check stays within BUDGET seconds (a device call may run 600): each step gets at
# most what is left, and a step with under 20 s left is skipped.
budget=${BUDGET:-540}
step() { # limit in seconds, name, command...
    local limit=$1 name=$2
    shift 2
    local left=$((budget - SECONDS - 5))
    if [ "$left" -lt 20 ]; then
        echo "- $name: skipped, no time left" >>"$summary"
        return 1
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    local start=$SECONDS
    timeout "$limit" "$@" >"$out/$name.log" 2>"$out/$name.err"
    local rc=$?
    echo "- $name: exit $rc, $((SECONDS - start)) s" >>"$summary"
    return $rc
}
tests() { # backend, test binary, limit
    METANAS_TEST_GPU=$1 step "$3" "test_${2}_$1" "$bin/$2"
    grep -hE "^test result|FAILED|panicked" "$out/test_${2}_$1".{log,err} 2>/dev/null |
        head -5 >>"$summary"
}
bench() { # backend, config
    local name
    name="bench_$(basename "$2" .toml)_$1"
    step 300 "$name" "$bin/metanas" bench --backend "$1" --config "$2" \
        --steps "$steps" --warmup 1 --json
    [ -s "$out/$name.log" ] || return
    python3 - "$out/$name.log" >>"$summary" 2>/dev/null <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("seconds_per_meta_step") or {}
print(f"  {sys.argv[1].rsplit('/', 1)[-1]}: median {s.get('median')} s per meta-step, "
      f"forward {d.get('forward_s')} s, backward {d.get('backward_s')} s, "
      f"launches per inner step {d.get('kernel_launches_per_inner_step')}, "
      f"peak memory {d.get('peak_memory_bytes')}, per task {d.get('memory_per_task_bytes')}")
PY
}
torch() { # device
    [ -n "${SKIP_TORCH:-}" ] && return
    step 300 "pytorch_$1" python3 scripts/pytorch_reference/meta_step.py --steps "$steps" \
        --device "$1"
    tail -3 "$out/pytorch_$1.log" 2>/dev/null | sed 's/^/  /' >>"$summary"
}
# In order of what matters most when time runs short: the op tests, the first config's bench
# and the PyTorch reference on the GPU, then the other configs, the learner tests and
# PyTorch on the CPU.
read -r -a config_list <<<"$configs"
for backend in $backends; do tests "$backend" gpu_ops 120; done
for backend in $backends; do bench "$backend" "${config_list[0]}"; done
torch cuda
for config in "${config_list[@]:1}"; do
    for backend in $backends; do bench "$backend" "$config"; done
done
for backend in $backends; do tests "$backend" gpu_backend 300; done
torch cpu
cp "$summary" "$dest/summary.md"
tar -cJf "$dest/results.tar.xz" -C "$out" .
cat "$summary"
