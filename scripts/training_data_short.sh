#!/usr/bin/env bash
# Near-still pairs for the training set. The shipped trajectory network, shown a *sharp* photo,
# reads a median 7.8 px of blur (`python benchmarks/still_photos.py`): in its training pairs
# (scripts/training_data.sh) 3–16 % of the trajectories are shorter than 4 px and none is still
# (`python benchmarks/dataset_stats.py`), so it learned a length prior more than to measure blur. This adds 200 `dynamic` and 200 `camera` pairs whose end points
# move at most 2 px, the camera ones with an out-of-focus background in half of them (soft is not
# moving), from the same training photos (new seeds).
#   bash scripts/training_data_short.sh [train|mix|long]
# The pairs are rendered once, in data/still/{dynamic,camera}.
# train: data/train-short = hard links to data/train's 1 213 pairs (the trajectory model's) + the
# new ones; mix: data/train-mix-short = data/train-mix's 4 313 (the default deblurring network's,
# scripts/training_data_mix.sh) + the new ones; long: data/train-broad = data/train-long's 2 213
# (the 1 213 and 1 000 with end points ≤ 20 px, scripts/training_data_long.sh) + the new ones, every
# blur length in one set (scripts/train_trajectory_broad_scratch.sh). No copy on disk.
# Deterministic and resumable (synth keeps pairs already rendered); prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
case ${1:-train} in
  train) BASE=$(bash scripts/training_data.sh >&2; echo data/train); OUT=data/train-short ;;
  mix) BASE=$(bash scripts/training_data_mix.sh); OUT=data/train-mix-short ;;
  long) BASE=$(bash scripts/training_data_long.sh); OUT=data/train-broad ;;
  *) echo "training_data_short.sh: the base set is train, mix or long, not '$1'" >&2; exit 2 ;;
esac
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/still/dynamic --count 200 --motion dynamic --seed 21 --size 192x192 --max-blur 2 >&2 &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/still/camera --count 200 --motion camera --seed 22 --size 192x192 --max-blur 2 --defocus 8 >&2 &
wait
mkdir -p "$OUT"
for motion in "$BASE"/*/; do
  motion=$(basename "$motion")
  [ -d "$OUT/$motion" ] || cp -al "$BASE/$motion" "$OUT/$motion"
done
for motion in dynamic camera; do
  [ -d "$OUT/$motion-still" ] || cp -al "data/still/$motion" "$OUT/$motion-still"
done
echo "$OUT"
