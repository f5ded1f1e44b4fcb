#!/usr/bin/env bash
# Longer blur for the training set: the shipped models learned from blur whose background end
# points move ≤ 12 px (scripts/training_data.sh), and on Levin et al.'s real camera shake
# (`python benchmarks/levin_kernels.py`) their trajectories come out 0.3–0.6× too short for kernels
# longer than ≈ 17 px. This adds 600 `camera` and 400 `dynamic` pairs with end points up to 20 px,
# from the same training photos (new seeds); the held-out long set is scripts/heldout_set_long.sh.
# data/train-long = hard links to data/train's pairs + the new ones (no copy on disk).
# Deterministic and resumable (synth keeps pairs already rendered); prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
bash scripts/training_data.sh >&2
OUT=data/train-long
mkdir -p "$OUT"
for motion in dynamic camera flow; do
  [ -d "$OUT/$motion" ] || cp -al "data/train/$motion" "$OUT/$motion"
done
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train "$OUT/camera-long" --count 600 --motion camera --seed 12 --size 192x192 --max-blur 20 >&2 &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train "$OUT/dynamic-long" --count 400 --motion dynamic --seed 11 --size 192x192 --max-blur 20 >&2 &
wait
echo "$OUT"
