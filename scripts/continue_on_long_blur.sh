#!/usr/bin/env bash
# The shipped deblurring pair continued on longer blur: deblur-unet24 and its ablation twin
# (weights/ablations/deblur-unet24-backbone), STEPS more steps each on data/train-long
# (scripts/training_data_long.sh), the motion-aware one reading the trajectories of TRAJ (default:
# the trajectory model continued on the same data, scripts/train_trajectory_long.sh, exported).
# Same rate, warm-up, crops and batches as scripts/grow_motion_aware.sh, whose continuations on
# the original pairs (data/grow-motion-aware/{ma1,backbone}-STEPS) are the control.
#   bash scripts/continue_on_long_blur.sh [STEPS [TRAJ]]   (default 2000)
# Environment: THREADS (default 2), LR (default 2e-4), VARIANTS (default "ma1 backbone"). Runs
# resume; they live in data/long-blur/NAME-STEPS (git-ignored), exported to NAME-STEPS/export.
# Scores: bash scripts/long_blur_tables.sh STEPS.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-2000}
TRAJ=${2:-weights/runs/trajectory-long/export/trajectory-long.safetensors}
[ -f "$TRAJ" ] || { echo "no trajectory weights at $TRAJ (export the run first: blurtrace train export)" >&2; exit 2; }
DATA=$(bash scripts/training_data_long.sh)
source scripts/deblur_recipe.sh
common=("${DEBLUR_RECIPE[@]}" --backbone unet --width 24 --levels 4 --steps "$STEPS" --lr "${LR:-2e-4}" --warmup 100
        --threads "${THREADS:-2}")
declare -A start=([backbone]=weights/ablations/deblur-unet24-backbone.safetensors [ma1]=blurtrace/weights/deblur-unet24.safetensors)
declare -A bent=([backbone]=0 [ma1]=1)
for v in ${VARIANTS:-ma1 backbone}; do
  [[ -v "start[$v]" ]] || { echo "unknown variant $v (ma1, backbone)" >&2; exit 2; }
  run=data/long-blur/$v-$STEPS
  OMP_NUM_THREADS=${THREADS:-2} $B train deblur --data "$DATA" "${common[@]}" --motion-aware "${bent[$v]}" \
    --trajectory-weights "$TRAJ" --init "${start[$v]}" --out "$run"
  $B train export "$run/last.pt" --name "deblur-$v" --dest "$run/export" > /dev/null
done
