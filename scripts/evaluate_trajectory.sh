#!/usr/bin/env bash
# Figures for the README's trajectory table and the weights manifest.
#   bash scripts/evaluate_trajectory.sh [WEIGHTS.safetensors]
# Writes data/results/trajectory-*.json (git-ignored) and prints the means.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
W=${1:+--weights $1}
mkdir -p data/results
D=$(bash scripts/heldout_set.sh)  # 40 held-out dynamic scenes, 640x360, truth at 15 times
$B eval trajectory "$D" $W --json > data/results/trajectory-dynamic.jsonl
tail -1 data/results/trajectory-dynamic.jsonl
# the two real GoPro pairs (gamma-space blur), when ../shared/realworld is present
if [ -d ../shared/realworld/gopro_pairs ]; then
  .venv/bin/python benchmarks/gopro_pairs.py $W > data/results/trajectory-gopro.jsonl
  cat data/results/trajectory-gopro.jsonl
fi
