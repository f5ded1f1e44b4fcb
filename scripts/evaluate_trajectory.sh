#!/usr/bin/env bash
# Figures for the README's trajectory table and the weights manifest.
#   bash scripts/evaluate_trajectory.sh [WEIGHTS.safetensors]
# Writes data/results/trajectory-*.json (git-ignored) and prints the means.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
W=${1:+--weights $1}
mkdir -p data/results
# held-out dynamic scenes from the reserved test photos (mate-backgrounds), 640x360, truth at 15 times
OMP_NUM_THREADS=1 $B synth data/photos/raw/mate data/eval/dynamic-640x360 --count 40 --motion dynamic --seed 1000 --size 640x360 --max-blur 12 --gt-times 15
$B eval trajectory data/eval/dynamic-640x360 $W --json > data/results/trajectory-dynamic.jsonl
tail -1 data/results/trajectory-dynamic.jsonl
# the two real GoPro pairs (gamma-space blur), when ../shared/realworld is present
if [ -d ../shared/realworld/gopro_pairs ]; then
  .venv/bin/python benchmarks/gopro_pairs.py $W > data/results/trajectory-gopro.jsonl
  cat data/results/trajectory-gopro.jsonl
fi
