#!/usr/bin/env bash
# deblur-unet20: deblur-unet24-mix (then the default deblurring network) narrowed to width 20 and
# fine-tuned 5 500 steps (3.69 CPU-h); see scripts/train_deblur_narrow.sh. Resumable, in slices:
#   bash scripts/train_deblur_unet20.sh [STEPS]      (default 5500)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/train_deblur_narrow.sh 20 deblur-unet24-mix "${1:-5500}"
