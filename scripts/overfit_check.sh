#!/usr/bin/env bash
# Do the shipped models memorise their training pairs? Scores both on the first 40 `dynamic`
# training pairs and on 40 new pairs rendered from the same training photos (another seed).
# A gap between the two means memorised pairs (more pairs would help); none means underfitting.
#   bash scripts/overfit_check.sh [DEBLUR_WEIGHTS]     writes data/results/overfit-check.md
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
bash scripts/training_data.sh >&2
NEW=data/overfit-check/dynamic
OMP_NUM_THREADS=2 $B synth data/photos/tiles/train "$NEW" --count 40 --motion dynamic --seed 999 --size 192x192 --max-blur 12 >&2
DW=${1:+--deblur-weights $1}
mkdir -p data/results
OUT=data/results/overfit-check.md
{
  echo "| pairs | blurry PSNR (dB) | deblurred PSNR (dB) | trajectory EPE (px) | zero-motion EPE (px) |"
  echo "|---|---|---|---|---|"
  for d in data/train/dynamic "$NEW"; do
    echo "| $d (40) | $($B eval deblur "$d" --limit 40 $DW --json | .venv/bin/python scripts/mean_columns.py 2 blurry_psnr psnr) | $($B eval trajectory "$d" --limit 40 --json | .venv/bin/python scripts/mean_columns.py 2 epe epe_zero_motion) |"
  done
} > "$OUT"
cat "$OUT"
