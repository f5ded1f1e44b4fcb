#!/usr/bin/env bash
# One trajectory training set spanning the blur lengths the tool meets: the shipped 1 213 pairs
# (scripts/training_data.sh, end points ≤ 12 px), the 1 000 long-blur ones of
# scripts/training_data_long.sh (≤ 20 px: 600 `camera`, 400 `dynamic`) and the 400 near-still ones
# of scripts/training_data_short.sh (≤ 2 px). 2 613 pairs, all from the training photos, linear light.
#   bash scripts/training_data_broad.sh
# data/train-broad holds hard links to those folders (no copy on disk). Deterministic and
# resumable (each script keeps pairs already rendered); prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
LONG=$(bash scripts/training_data_long.sh)
SHORT=$(bash scripts/training_data_short.sh)
OUT=data/train-broad
mkdir -p "$OUT"
for src in "$LONG"/*/ "$SHORT"/*/; do
  motion=$(basename "$src")
  [ -d "$OUT/$motion" ] || cp -al "$src" "$OUT/$motion"
done
echo "$OUT"
