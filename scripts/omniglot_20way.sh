#!/usr/bin/env bash
# Reproduces docs/results.md's table "Omniglot 20-way 1-shot on the original runs": meta-trains
# assets/configs/omniglot_20way.toml (M-NAS from prototype heads on the two small Omniglot
# background sets built into metanas, 20-way 1-shot, 300 meta-steps), then evaluates its
# best-validation checkpoint, with 10 adaptation steps, on
#   - Lake et al.'s 20 original one-shot runs (../shared/datasets/omniglot/all_runs.zip:
#     characters of the evaluation alphabets, none in the background sets), with the
#     baselines on the same runs;
#   - HELDOUT tasks (default 100) of the config's held-out characters (20% of the background
#     characters), 20-way 1-shot with 1 query per class, without baselines.
#   scripts/omniglot_20way.sh
# ROTATIONS=1 meta-trains with `rotations = true` on the dataset (every meta-training
# character also turned by 90°, 180° and 270°, as classes of their own; docs/config.md), in
# DIR/omniglot_20way_rotations. KEEP=DIR keeps the runs and reports in DIR (default: a
# temporary folder); with a KEEP folder from an interrupted call the run resumes where it
# stopped and finished reports are kept. STEPS=N meta-trains for N meta-steps instead of the
# config's 300 (`train --max-steps`; a finished run given more steps resumes and goes on).
# Uses METANAS (default: the release build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${METANAS:-$root/target/release/metanas}
runs_zip=$(cd "$root/../shared/datasets/omniglot" && pwd)/all_runs.zip
heldout=${HELDOUT:-100}
. "$root/scripts/work_folder.sh"
config=$root/assets/configs/omniglot_20way.toml
run=$work/omniglot_20way
label="M-NAS from prototype heads"
if [ -n "${ROTATIONS:-}" ]; then
  run=$work/omniglot_20way_rotations
  label="the same, with rotations"
  sed -e 's#^path = "bundled:omniglot-28"$#&\nrotations = true#' "$config" > "$run.toml"
  grep -q '^rotations = true$' "$run.toml"
  config=$run.toml
fi
start=$(date +%s)
steps=()
if [ -n "${STEPS:-}" ]; then steps=(--max-steps "$STEPS"); fi
"$bin" train --config "$config" --run "$run" "${steps[@]}" --json > "$run.train.json"
echo "trained in $(( $(date +%s) - start )) s" >&2
report() { # name, eval arguments; a finished report in the KEEP folder is kept
  local name=$1
  shift
  if [ -s "$run.$name.json" ]; then return; fi
  "$bin" eval --run "$run" --steps 10 --json "$@" > "$run.$name.json.part"
  mv "$run.$name.json.part" "$run.$name.json"
}
report lake_runs --episodes "$runs_zip"
report heldout --tasks "$heldout" --no-baselines
PYTHONPATH="$root/scripts" python3 - "$run" "$label" <<'PY'
import json, sys
import baseline_columns
run, label = sys.argv[1], sys.argv[2]
lake = json.load(open(f"{run}.lake_runs.json"))
held = json.load(open(f"{run}.heldout.json"))
fmt = lambda m: f"{m['mean']:.3f} ± {m['ci95']:.3f}"
ck = lake["checkpoint"]
base = lake["baselines"]
names, heads = baseline_columns.NAMES, baseline_columns.HEADS
last = [json.loads(line) for line in open(f"{run}/metrics.jsonl")][-1]
print("| meta-training | checkpoint (validation accuracy) | one-shot runs: from the prototypes (0 steps) | after 10 steps | error | "
      + " | ".join(heads) + f" | held-out characters, {held['tasks']} tasks, after 10 steps | meta-steps' wall time |")
print("| --- " * (len(heads) + 7) + "|")
after = lake["final"]
cells = [label, f"{ck['step']} of {ck['last_step']} ({ck['validation']['mean']:.3f})",
         fmt(lake["per_step"][0]), fmt(after), f"{100 * (1 - after['mean']):.1f}%"]
cells += [fmt(base[n]) for n in names]
cells += [fmt(held["final"]), f"{last['elapsed_seconds'] / 60:.0f} min"]
print("| " + " | ".join(cells) + " |")
PY
