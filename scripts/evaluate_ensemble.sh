#!/usr/bin/env bash
# Test-time ensembles (`--ensemble K`) of the shipped models on the 40 held-out dynamic scenes:
# trajectory EPE / reblur PSNR and deblurring PSNR for each K. Writes
# data/results/ensemble.md (git-ignored) and prints it.
#   bash scripts/evaluate_ensemble.sh ["TRAJECTORY_KS" ["DEBLUR_KS"]]   (default "1 2 4 8" "1 2 8")
# Environment: LIMIT=N scores only the first N scenes (a quick check of the script).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
D=$(bash scripts/heldout_set.sh)
mkdir -p data/results
OUT=data/results/ensemble.md
{
  echo "| --ensemble | trajectory EPE (px) | reblur PSNR where Eq. 3 holds (dB) |"
  echo "|---|---|---|"
  for k in ${1:-1 2 4 8}; do
    echo "| $k | $($B eval trajectory "$D" --ensemble "$k" ${LIMIT:+--limit "$LIMIT"} --json | .venv/bin/python scripts/mean_columns.py 3 epe reblur_psnr_valid) |"
  done
  echo
  echo "| --ensemble | deblur PSNR (dB) | SSIM | blurry input PSNR (dB) |"
  echo "|---|---|---|---|"
  for k in ${2:-1 2 8}; do
    echo "| $k | $($B eval deblur "$D" --ensemble "$k" ${LIMIT:+--limit "$LIMIT"} --json | .venv/bin/python scripts/mean_columns.py 3 psnr ssim blurry_psnr) |"
  done
} > "$OUT"
cat "$OUT"
