#!/usr/bin/env bash
# A short probe, not a model to ship: does GoPro-style blur in the training data move the GoPro
# pairs? The default network loses on their heaviest-blurred blocks ("istanbul": blur of tens of
# pixels, averaged as sRGB values; `python benchmarks/gopro_pairs.py --deblur net --blocks 80`),
# while every pair it trained on was averaged in linear light with end points ≤ 20 px.
# Renders 400 `dynamic` pairs averaged in gamma light with end points up to 24 px (objects up to
# 36 px; `synth --light gamma`), then continues the default deblur-unet24-mix for STEPS (default
# 1000) steps at a constant 1e-4 on them plus the 1 000 long-blur pairs of
# scripts/training_data_long.sh (linear light), and scores the result like the default:
#   bash scripts/probe_gamma_long.sh [STEPS]
# Output: weights/runs/probe-gamma-long (checkpoint), data/results/probe-gamma-long-*.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-1000}
long=$(bash scripts/training_data_long.sh)
OUT=data/train-gamma
mkdir -p "$OUT"
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train "$OUT/dynamic-gamma" --count 200 --motion dynamic --seed 21 --size 192x192 --max-blur 24 --light gamma >&2 &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train "$OUT/dynamic-gamma-b" --count 200 --motion dynamic --seed 22 --size 192x192 --max-blur 24 --light gamma >&2 &
wait
for motion in camera-long dynamic-long; do
  [ -d "$OUT/$motion" ] || cp -al "$long/$motion" "$OUT/$motion"
done
RUN=weights/runs/probe-gamma-long
OMP_NUM_THREADS=2 $B train deblur --data "$OUT" --val data/val/dynamic --batch-size 8 --crop 96 \
  --lr 1e-4 --schedule constant --warmup 0 --steps "$STEPS" --val-every 500 --checkpoint-every 250 \
  --threads 2 --backbone unet --width 24 --levels 4 --motion-aware 1 \
  --init blurtrace/weights/deblur-unet24-mix.safetensors --out "$RUN"
$B train export "$RUN/last.pt" --name probe-gamma-long --dest "$RUN/export" >&2
W=$RUN/export/probe-gamma-long.safetensors
mkdir -p data/results
.venv/bin/python benchmarks/gopro_pairs.py --deblur net --blocks 80 --deblur-weights "$W" > data/results/probe-gamma-long-gopro.jsonl
$B eval deblur "$(bash scripts/heldout_set.sh)" --method net --deblur-weights "$W" --json > data/results/probe-gamma-long-dynamic.jsonl
.venv/bin/python benchmarks/levin_kernels.py --summary --deblur net --deblur-weights "$W" | tail -1 > data/results/probe-gamma-long-levin.jsonl
cat data/results/probe-gamma-long-gopro.jsonl
tail -1 data/results/probe-gamma-long-dynamic.jsonl
cat data/results/probe-gamma-long-levin.jsonl
