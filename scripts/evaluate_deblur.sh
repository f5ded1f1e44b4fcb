#!/usr/bin/env bash
# Figures for the README's deblurring table (paper Tables 5-6): blurry input, the backbone alone,
# the motion-aware network (also fed the true trajectory endpoints), and model-based deconvolution;
# for the default U-Net (deblur-unet18: deblur-unet24-mix narrowed twice and fine-tuned), the previous
# default deblur-unet24-mix with its ablation twin, the U-Net that one was continued from (deblur-unet24,
# with its twin), the paper's DMPHN(1-2-4) backbone (deblur-motion-aware, with its twin), and the other
# installed U-Nets (deblur-unet16, deblur-unet20).
#   bash scripts/evaluate_deblur.sh
# Scores the held-out set of scripts/heldout_set.sh; needs the ablation weights exported by
# `blurtrace train export ... --dest weights/ablations` (see weights/README.md).
# Writes data/results/deblur-*.jsonl (git-ignored) and prints the means.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
# the networks scored, as result-name=weights: each motion-aware model followed by its ablation twin
# (trained identically without the motion-aware layer); "net" is the shipped default, which has
# no twin of its own (the motion-aware margin is measured at width 24)
NETS=(
  net=blurtrace/weights/deblur-unet18.safetensors
  unet24-mix=blurtrace/weights/deblur-unet24-mix.safetensors
  backbone-mix=weights/ablations/deblur-unet24-backbone-mix.safetensors
  unet24=blurtrace/weights/deblur-unet24.safetensors
  backbone=weights/ablations/deblur-unet24-backbone.safetensors
  dmphn=blurtrace/weights/deblur-motion-aware.safetensors
  dmphn-backbone=weights/ablations/deblur-backbone.safetensors
  unet16=blurtrace/weights/deblur-unet16.safetensors  # trained at width 16 from scratch (no twin)
  unet20=blurtrace/weights/deblur-unet20.safetensors  # deblur-unet24-mix narrowed to width 20 (no twin)
)
names=("${NETS[@]%%=*}")
mkdir -p data/results
D=$(bash scripts/heldout_set.sh)
for pair in "${NETS[@]}"; do
  $B eval deblur "$D" --method net --deblur-weights "${pair#*=}" --json > "data/results/deblur-dynamic-${pair%%=*}.jsonl"
done
$B eval deblur "$D" --method net --true-trajectory --json > data/results/deblur-dynamic-net-true.jsonl
# deconvolution is slow: the first 8 scenes
$B eval deblur "$D" --method deconv --limit 8 --json > data/results/deblur-dynamic-deconv.jsonl
$B eval deblur "$D" --method deconv --true-trajectory --limit 8 --json > data/results/deblur-dynamic-deconv-true.jsonl
# the networks on those 8 scenes: their first 8 rows of the 40-scene runs above, not a second run
.venv/bin/python - "${names[@]}" <<'PY'
import json
import sys
from blurtrace.evaluation.evaluate import means
for run in sys.argv[1:]:
    with open(f"data/results/deblur-dynamic-{run}.jsonl") as f:
        rows = [json.loads(line) for line in f if not line.startswith('{"mean"')][:8]
    with open(f"data/results/deblur-dynamic-{run}-first8.jsonl", "w") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows + [{"mean": means(rows)}])
PY
for f in "${names[@]}" net-true deconv deconv-true "${names[@]/%/-first8}"; do echo "$f: $(tail -1 "data/results/deblur-dynamic-$f.jsonl")"; done
# the two real GoPro pairs, when ../shared/realworld is present (deconv beside the shipped network)
if [ -d ../shared/realworld/gopro_pairs ]; then
  for pair in "${NETS[@]}"; do
    name=${pair%%=*}
    extra=(); [ "$name" = net ] && extra=(--deblur deconv)
    .venv/bin/python benchmarks/gopro_pairs.py --deblur net "${extra[@]}" --deblur-weights "${pair#*=}" > "data/results/deblur-gopro-$name.jsonl"
    echo "gopro-$name: $(cat "data/results/deblur-gopro-$name.jsonl")"
  done
fi
