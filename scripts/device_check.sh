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
    (nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true) 2>&1
    echo "$(nproc) cores"
} >"$summary"
for f in .device/*.xz; do
    xz -dc "$f" >"$bin/$(basename "$f" .xz)" && chmod +x "$bin/$(basename "$f" .xz)"
done
step() { # limit in seconds, name, command...
    local limit=$1 name=$2
    shift 2
    local start=$SECONDS
    timeout "$limit" "$@" >"$out/$name.log" 2>"$out/$name.err"
    local rc=$?
    echo "- $name: exit $rc, $((SECONDS - start)) s" >>"$summary"
    return $rc
}
for backend in $backends; do
    for t in gpu_ops gpu_backend; do
        METANAS_TEST_GPU=$backend step 240 "test_${t}_$backend" "$bin/$t" --test-threads 1
        grep -hE "^test result|FAILED|panicked" "$out/test_${t}_$backend".{log,err} | head -5 >>"$summary"
    done
done
for backend in $backends; do
    for config in $configs; do
        name="bench_$(basename "$config" .toml)_$backend"
        step 300 "$name" "$bin/metanas" bench --backend "$backend" --config "$config" \
            --steps "$steps" --warmup 1 --json
        python3 - "$out/$name.log" >>"$summary" <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("seconds_per_meta_step") or {}
print(f"  {sys.argv[1].rsplit('/', 1)[-1]}: median {s.get('median')} s per meta-step, "
      f"forward {d.get('forward_s')} s, backward {d.get('backward_s')} s, "
      f"launches per inner step {d.get('kernel_launches_per_inner_step')}, "
      f"peak memory {d.get('peak_memory_bytes')}, per task {d.get('memory_per_task_bytes')}")
PY
    done
done
if [ -z "${SKIP_TORCH:-}" ]; then
    for device in cuda cpu; do
        step 300 "pytorch_$device" python3 scripts/pytorch_reference/meta_step.py \
            --steps "$steps" --device "$device"
        tail -3 "$out/pytorch_$device.log" | sed 's/^/  /' >>"$summary"
    done
fi
cp "$summary" "$dest/summary.md"
tar -cJf "$dest/results.tar.xz" -C "$out" .
cat "$summary"
