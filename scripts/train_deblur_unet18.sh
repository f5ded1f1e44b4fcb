#!/usr/bin/env bash
# deblur-unet18: deblur-unet20 narrowed once more, to width 18 (≈ 0.81× its multiply–adds), and
# fine-tuned 5 000 steps with deblur-unet24-mix's recipe; the default deblurring network since
# session 28; see scripts/train_deblur_narrow.sh. Why: on a
# slow day deblur-unet20's whole 1280×720 deblur took 3.11–3.16 s against the 3 s target.
# Resumable, in slices:
#   bash scripts/train_deblur_unet18.sh [STEPS]      (default 5000)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/train_deblur_narrow.sh 18 deblur-unet20 "${1:-5000}"
