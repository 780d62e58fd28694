#!/usr/bin/env bash
# Reproduces docs/results.md's table "The default preset against the baselines": meta-trains
# the workbench's default preset (assets/configs/image_default.toml, data built into
# metanas) for its 300 meta-steps, then adapts its best-validation checkpoint with the
# preset's 30 steps to TASKS tasks (default 100) of data it never saw, with the baselines
# computed on the same tasks:
#   - MNIST 5-way 1-shot and 5-shot (MNIST=dir holding t10k-images-idx3-ubyte and
#     t10k-labels-idx1-ubyte; see ../shared/datasets/README.md);
#   - Omniglot's evaluation alphabets, 5-way 1-shot with 1 query: the characters of Lake et
#     al.'s one-shot runs (../shared/datasets/omniglot/all_runs.zip, 2 drawings each);
#   - Omniglot 5-way 5-shot on the preset's held-out characters of the background alphabets
#     (the evaluation alphabets have too few drawings per character here for 5 shots), 5
#     queries per class.
#   MNIST=/path/to/mnist scripts/image_default_table.sh [TASKS]
# KEEP=DIR keeps the run and the JSON reports in DIR (default: a temporary folder); with a
# KEEP folder from an interrupted call, the run resumes where it stopped and the rows already
# written are kept. ROWS="mnist_1shot mnist_5shot" computes only those rows (default: all
# four). INNER_HEAD=meta meta-trains and adapts the preset from the meta-network's own head
# instead of the prototypes (the paper's M-NAS; `learner.inner_head` and
# `training.adapt_head`, docs/adaptation.md), in DIR/image_default_meta.
set -euo pipefail
tasks=${1:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${METANAS:-$root/target/release/metanas}
mnist=${MNIST:?MNIST=dir with the t10k IDX files}
omniglot=$(cd "$root/../shared/datasets/omniglot" && pwd)
. "$root/scripts/work_folder.sh"
config=$root/assets/configs/image_default.toml
run=$work/image_default
if [ "${INNER_HEAD:-prototypes}" = meta ]; then
  run=$work/image_default_meta
  sed -e 's/^\(inner_head\|adapt_head\) = "prototypes"$/\1 = "meta"/' "$config" > "$run.toml"
  config=$run.toml
fi
rows=${ROWS:-mnist_1shot mnist_5shot omniglot_eval_1shot omniglot_heldout_5shot}
start=$(date +%s)
"$bin" train --config "$config" --run "$run" --json > "$run.train.json"
echo "trained in $(( $(date +%s) - start )) s" >&2
adapt() { # name, adapt arguments; a row already in the KEEP folder, or not in ROWS, is skipped
  local name=$1
  shift
  case " $rows " in *" $name "*) ;; *) return ;; esac
  if [ -s "$run.$name.json" ]; then return; fi
  "$bin" adapt --run "$run" --tasks "$tasks" --json "$@" > "$run.$name.json.part"
  mv "$run.$name.json.part" "$run.$name.json"
}
adapt mnist_1shot --data "$mnist" --shots 1
adapt mnist_5shot --data "$mnist" --shots 5
adapt omniglot_eval_1shot --data "$omniglot/all_runs.zip" --shots 1 --queries 1
adapt omniglot_heldout_5shot --shots 5
PYTHONPATH="$root/scripts" python3 - "$run" "$tasks" <<'PY'
import json, os, sys
import baseline_columns
run, tasks = sys.argv[1], sys.argv[2]
rows = [
    ("mnist_1shot", "MNIST (test set), 5-way 1-shot"),
    ("mnist_5shot", "MNIST (test set), 5-way 5-shot"),
    ("omniglot_eval_1shot", "Omniglot evaluation alphabets (the one-shot runs' characters), 5-way 1-shot, 1 query"),
    ("omniglot_heldout_5shot", "Omniglot held-out characters of the background alphabets, 5-way 5-shot"),
]
names, heads = baseline_columns.NAMES, baseline_columns.HEADS
print("| tasks | adapted network | " + " | ".join(heads) + " |")
print("| --- " * (len(names) + 2) + "|")
for key, label in rows:
    if not os.path.exists(f"{run}.{key}.json"):
        continue
    r = json.load(open(f"{run}.{key}.json"))
    base = r["baselines"]
    after, ci = r["accuracy_after"], r["accuracy_after_ci95"]
    # Bold: the adapted network's mean is above every baseline's.
    mark = "**" if not r["baselines_beating_adapted"] else ""
    cells = [label, f"{mark}{after:.3f} ± {ci:.3f}{mark}"]
    cells += [f"{base[n]['mean']:.3f} ± {base[n]['ci95']:.3f}" for n in names]
    print("| " + " | ".join(cells) + " |")
t = json.load(open(f"{run}.train.json"))
# The run's own record of its last meta-step (the train call above may have had nothing left).
last = [json.loads(line) for line in open(f"{run}/metrics.jsonl")][-1]
print(f"\n{tasks} tasks a row, seed 0, {r['steps']} adaptation steps; meta-training: "
      f"{t['steps_done']} meta-steps, {last['elapsed_seconds']:.0f} s of meta-steps (validation "
      f"and snapshots not counted); adapted checkpoint: meta-step {r['checkpoint']['step']} "
      f"({r['checkpoint']['choice']})")
PY
