#!/usr/bin/env bash
# Reproduces the Omniglot results tables of the README: MAML, Reptile, BASE and M-NAS each
# meta-train WAYS-way SHOTS-shot on the small Omniglot background set 2 in
# ../shared/datasets/omniglot (156 characters; 109 train, 32 test) for STEPS
# meta-steps, in one small image space sized for a CPU (below). The shared evaluation protocol
# then adapts each for 5 steps to TASKS tasks of the test split's characters (accuracy, mean
# ± 95% CI); 20-way 1-shot runs are also evaluated on Lake et al.'s 20 one-shot runs
# (all_runs.zip, characters of the evaluation alphabets, which no background set holds).
#   scripts/omniglot_table.sh WAYS SHOTS [STEPS] [TASKS]     (defaults 100 and 200)
# Only one of the two small sets: as two task sources they would be split apart, and the 50
# characters both hold (Greek, Latin; the same drawings) could be meta-trained on through one
# and tested through the other.
# Each run validates on its validation characters every 100 meta-steps (and at its end), and
# the evaluation uses the checkpoint with the best validation accuracy (CHECKPOINT=last: the
# last one).
# LEARNERS="maml base" runs only those rows (base_sp, mnas_sp: single-path search). KEEP=DIR
# keeps the runs in DIR. LEARNER_EXTRA
# holds TOML lines added to every run's [learner] table, with LEARNERS naming the learners they
# fit, e.g. LEARNERS=reptile LEARNER_EXTRA='grad_clip = 5.0'. ANNEAL= (empty) leaves out
# Reptile's and multi-task BASE's λ anneal and support-and-query inner steps (the learners'
# own defaults, for the rows that show why they are set here).
# Uses the release binary (`cargo build --release -p metanas-app`; METANAS=... for another).
set -euo pipefail
ways=${1:?WAYS}
shots=${2:?SHOTS}
steps=${3:-100}
tasks=${4:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${METANAS:-$root/target/release/metanas}
data=$(cd "$root/../shared/datasets/omniglot" && pwd)
. "$root/scripts/work_folder.sh"
# A query set as large as the support set for 1-shot, 5 queries per class otherwise; 20-way
# tasks keep one query per class (as the one-shot runs have).
queries=$(( ways >= 20 ? 1 : 5 ))
config() { # name, [learner] body
  cat > "$work/$1.toml" <<EOF
seed = 0

# DARTS-style cells on 28x28 grey drawings: 6 candidate ops, 2-node cells, one normal then
# one reduction cell, 8 channels (stem 2x8).
[space]
domain = "image"
ops = ["none", "skip_connect", "max_pool_3x3", "avg_pool_3x3", "sep_conv_3x3", "dil_conv_3x3"]
nodes = 2
cells = ["normal", "reduce"]
channels = 8
stem_multiplier = 2
aggregate = "concat"
num_outputs = $ways
[[space.inputs]]
name = "grey28"
channels = 1
height = 28
width = 28

[tasks]
kind = "few_shot"
ways = $ways
shots = $shots
queries = $queries
split = { train = 0.7, val = 0.1, seed = 0 }
[[tasks.datasets]]
path = "$data/images_background_small2.zip"

[learner]
$2
${LEARNER_EXTRA:-}

[training]
meta_batch = 4
max_steps = $steps
checkpoint_every = $(( steps < 100 ? steps : 100 ))
snapshot_every = 0
adapt_steps = 5
EOF
}
config maml 'kind = "maml"
inner_steps = 5
lr_weights = 0.1
outer_lr = 0.003
meta_gradient = "first_order"'
# Reptile and multi-task BASE anneal their meta step size λ from 1 to 0 over the run and
# train their inner steps on support and query, as Nichol et al. do for Omniglot: with a
# constant λ = 1 and the support images alone they get worse with training (docs/results.md).
anneal="meta_lr_anneal = { end = 0.0, steps = $steps }
inner_examples = \"support_and_query\""
config reptile "kind = \"reptile\"
inner_steps = 5
lr_weights = 0.1
meta_lr = 1.0
${ANNEAL-$anneal}"
config base "kind = \"base\"
inner_steps = 5
lr_weights = 0.1
lr_arch = 0.05
kl_scale = 0.01
meta_lr = 1.0
weights = \"mean\"
relaxation = \"softmax\"
${ANNEAL-$anneal}"
config mnas 'kind = "mnas"
variant = "full"
inner_steps = 5
lr_inner = 0.1
lr_outer = 0.003
lr_arch = 0.0003
meta_gradient = "first_order"'
# Single-path search (docs/single-path.md), not in the default rows: LEARNERS="base base_sp"
# puts it beside the relaxed BASE. Gumbel samples at the default τ schedule. SP_LR (default
# 0.3) is the inner rate of the weights: each step trains only the sampled ops, and in
# 60-meta-step sweeps (docs/single-path.md) 0.3-0.6 adapted best, 0.1 too slowly.
sp_lr=${SP_LR:-0.3}
config base_sp "kind = \"base\"
inner_steps = 5
lr_weights = $sp_lr
lr_arch = 0.05
kl_scale = 0.01
meta_lr = 1.0
weights = \"mean\"
relaxation = \"single_path\""
config mnas_sp "kind = \"mnas\"
variant = \"full\"
inner_steps = 5
lr_inner = $sp_lr
lr_outer = 0.003
lr_arch = 0.0003
meta_gradient = \"first_order\"
relaxation = \"single_path\""
runs=""
if [ "$ways" = 20 ] && [ "$shots" = 1 ]; then runs="$data/all_runs.zip"; fi
header="| learner | meta-steps | accuracy before adaptation | after 5 steps |"
rule="| --- | --- | --- | --- |"
if [ -n "$runs" ]; then
  header="$header one-shot runs (20 tasks), after 5 steps |"
  rule="$rule --- |"
fi
echo "$header seconds per meta-step |"
echo "$rule --- |"
for name in ${LEARNERS:-maml reptile base mnas}; do
  if ! "$bin" train --config "$work/$name.toml" --run "$work/$name" --max-steps "$steps" --json \
      > "$work/$name.train.json" 2> "$work/$name.train.err"; then
    # A run that fails (e.g. diverges) is a row of the table too.
    echo "| $name | $steps | failed: $(tail -n 1 "$work/$name.train.err") | | |"
    continue
  fi
  "$bin" eval --run "$work/$name" --tasks "$tasks" --steps 5 --no-baselines --json \
    --checkpoint "${CHECKPOINT:-best}" > "$work/$name.eval.json"
  if [ -n "$runs" ]; then
    "$bin" eval --run "$work/$name" --episodes "$runs" --steps 5 --no-baselines --json \
      --checkpoint "${CHECKPOINT:-best}" > "$work/$name.runs.json"
  else
    echo '{}' > "$work/$name.runs.json"
  fi
  python3 - "$work/$name" "$name" "$steps" <<'PY'
import json, sys
base, name, steps = sys.argv[1:]
e = json.load(open(base + ".eval.json"))
r = json.load(open(base + ".runs.json"))
first, last = e["per_step"][0], e["per_step"][-1]
used = e["checkpoint"]["step"]
cells = [name, steps if str(used) == steps else f"{steps} (evaluated at {used})", f"{first['mean']:.3f} ± {first['ci95']:.3f}", f"{last['mean']:.3f} ± {last['ci95']:.3f}"]
if r:
    cells.append(f"{r['final']['mean']:.3f} ± {r['final']['ci95']:.3f}")
# Meta-steps only (the datasets' loading is not counted), from the run's own metrics, whose
# elapsed time carries over resumptions (a resumed run's train output has no last step when
# it was already finished).
last_record = json.loads(open(base + "/metrics.jsonl").read().splitlines()[-1])
cells.append(f"{last_record['elapsed_seconds'] / last_record['step']:.2f}")
print("| " + " | ".join(cells) + " |")
PY
done
