#!/usr/bin/env bash
# 1 213 pairs drawn like data/train (scripts/training_data.sh: same photos, generators, sizes and
# mix of 463 `dynamic`, 500 `camera`, 250 `flow`) from seeds no shipped network trained on. Why:
# a guided trajectory network (`train trajectory --guide`) reads the deblurring network's estimate
# of each photo, and on pairs that network trained on (data/train-mix holds data/train's) that
# estimate is better than on any new photo (scripts/overfit_check.sh: +2.52 against +1.58 dB).
# Deterministic and resumable; prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
bash scripts/training_data.sh >&2  # the photos and their tiles
OUT=data/train-unseen
{ OMP_NUM_THREADS=1 $B synth data/photos/tiles/train "$OUT/dynamic" --count 463 --motion dynamic --seed 41 --size 192x192 --max-blur 12 >&2
  OMP_NUM_THREADS=1 $B synth data/photos/tiles/train "$OUT/flow" --count 250 --motion flow --seed 43 --size 192x192 --max-blur 12 >&2; } &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train "$OUT/camera" --count 500 --motion camera --seed 42 --size 192x192 --max-blur 12 >&2 &
wait
echo "$OUT"
