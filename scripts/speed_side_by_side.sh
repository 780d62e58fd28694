#!/usr/bin/env bash
# The speed comparison of the README, on this machine: metanas's bench
# (`cargo bench -p metanas-core --bench meta_step`) and the PyTorch reference of the same
# meta-step (scripts/pytorch_reference/meta_step.py), one after the other, each timing
# STEPS meta-steps with every core, then both results side by side.
#   scripts/speed_side_by_side.sh [STEPS]        (default 3)
# PYTHON names a Python that has torch (default python3), for example:
#   python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.15.0
#   PYTHON=/tmp/torchenv/bin/python scripts/speed_side_by_side.sh 3
# Nothing else should run on the machine meanwhile.
set -euo pipefail
steps=${1:-3}
python=${PYTHON:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! "$python" -c "import torch" 2>/dev/null; then
    echo "error: '$python' cannot import torch; set PYTHON to a Python that has it" >&2
    echo "(see the comment at the top of $0)" >&2
    exit 1
fi
# Build first, so that compiling is not timed.
cargo bench -p metanas-core --bench meta_step --no-run >/dev/null 2>&1 \
    || cargo bench -p metanas-core --bench meta_step --no-run
echo "== metanas"
ours=$(cargo bench -q -p metanas-core --bench meta_step -- "$steps" 2>/dev/null)
echo "$ours"
echo "== PyTorch"
theirs=$("$python" scripts/pytorch_reference/meta_step.py --steps "$steps" 2>/dev/null)
echo "$theirs"
per_step() { grep "$1" <<<"$2" | grep -o '[0-9.]* s per meta-step' | cut -d' ' -f1; }
peak() { grep -o 'peak resident memory: [0-9]* MB' <<<"$1" | grep -o '[0-9]*'; }
cores=$(nproc)
echo
echo "| $cores cores, $(date +%F) | metanas, tasks one at a time | metanas, $cores tasks at a time | PyTorch $("$python" -c 'import torch; print(torch.__version__)') |"
echo "| --- | --- | --- | --- |"
echo "| seconds per meta-step (mean of $steps) | $(per_step 'task threads 1:' "$ours") | $(per_step "task threads $cores:" "$ours") | $(per_step 'per meta-step' "$theirs") |"
echo "| peak resident memory MB (whole run) | $(peak "$ours") | | $(peak "$theirs") |"
