#!/usr/bin/env bash
# Figures for the README's deblurring table (model-based deconvolution, no extra weights).
#   bash scripts/evaluate_deblur.sh [WEIGHTS.safetensors]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
W=${1:+--weights $1}
mkdir -p data/results
# the held-out dynamic set made by scripts/evaluate_trajectory.sh; deconv is slow, so the first 8
$B eval deblur data/eval/dynamic-640x360 $W --limit 8 --json > data/results/deblur-dynamic.jsonl
$B eval deblur data/eval/dynamic-640x360 --true-trajectory --limit 8 --json > data/results/deblur-dynamic-true.jsonl
tail -1 data/results/deblur-dynamic.jsonl; tail -1 data/results/deblur-dynamic-true.jsonl
if [ -d ../shared/realworld/gopro_pairs ]; then
  .venv/bin/python benchmarks/gopro_pairs.py $W --deblur 30 > data/results/deblur-gopro.jsonl
  cat data/results/deblur-gopro.jsonl
fi
