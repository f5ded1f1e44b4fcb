#!/usr/bin/env bash
# The widest training set: the 3 313 pairs of scripts/training_data_large.sh (end points ≤ 12 px)
# and the 1 000 longer-blur pairs of scripts/training_data_long.sh (≤ 20 px), 4 313 in all, as
# hard links (no copy). Why: the deblurring network memorises its 1 213 pairs and does nothing
# on real blur longer than 12 px (GoPro pairs, Levin's shake); a schedule long enough to see each
# of these pairs dozens of times is run across sessions (scripts/train_deblur_mix.sh).
# Deterministic and resumable; prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
large=$(bash scripts/training_data_large.sh)
long=$(bash scripts/training_data_long.sh)
OUT=data/train-mix
mkdir -p "$OUT"
for motion in dynamic camera flow; do
  [ -d "$OUT/$motion" ] || cp -al "$large/$motion" "$OUT/$motion"
done
for motion in camera-long dynamic-long; do
  [ -d "$OUT/$motion" ] || cp -al "$long/$motion" "$OUT/$motion"
done
echo "$OUT"
