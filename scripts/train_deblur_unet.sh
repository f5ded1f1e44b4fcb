#!/usr/bin/env bash
# The command behind blurtrace/weights/deblur-unet24 (the default deblurring weights until session 15,
# then the start of deblur-unet24-mix: scripts/train_deblur_mix.sh) and, with
# `9000 --motion-aware 0 --out weights/runs/deblur-unet24-backbone`, its Table-6 ablation.
# The deblurring recipe of weights/runs/deblur-alpha1 (1 213 pairs, α from 1.0, 9 000 steps cosine,
# batch 8 × 96², seed 0) with the U-Net backbone (blurtrace/models/unet.py) instead of
# DMPHN(1-2-4): width 24 over 4 resolutions, about DMPHN width 16's multiply-adds per pixel
# (152k against 185k, plus the motion-aware convolution) and 2.5 M parameters against 1.36 M.
# Same data, crops, batches and learning rate at every step as deblur-alpha1, so the two
# validation curves compare step for step (python scripts/training_log.py weights/runs/deblur-alpha1
# weights/runs/deblur-unet24).
# Resumable: rerun to continue.   bash scripts/train_deblur_unet.sh [STEPS [OPTION ...]]   (default 9000)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-9000}
[ $# -gt 0 ] && shift
bash scripts/training_data.sh >&2  # the 1 213 training pairs (resumable: nothing to do if present)
source scripts/deblur_recipe.sh
OMP_NUM_THREADS=${THREADS:-2} $B train deblur --data data/train "${DEBLUR_RECIPE[@]}" --steps "$STEPS" --threads "${THREADS:-2}" \
  --motion-aware 1 --alpha 1.0 --backbone unet --width 24 --levels 4 --out weights/runs/deblur-unet24 \
  ${STOP_AFTER:+--stop-after "$STOP_AFTER"} "$@"
