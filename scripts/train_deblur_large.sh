#!/usr/bin/env bash
# The motion-aware deblurring recipe with α starting at 1 (weights/runs/deblur-alpha1) on the
# larger training set of scripts/training_data_large.sh (3 313 pairs instead of 1 213): same
# steps, batch, crops, schedule and seed, so the two runs differ only in their data.
# Resumable: rerun to continue.   bash scripts/train_deblur_large.sh [STEPS [OPTION ...]]
#   (default 9000; options after STEPS are added, e.g. `--motion-aware 0 --out weights/runs/deblur-large-backbone`)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-9000}
[ $# -gt 0 ] && shift
DATA=$(bash scripts/training_data_large.sh)
source scripts/deblur_recipe.sh
OMP_NUM_THREADS=${THREADS:-2} $B train deblur --data "$DATA" "${DEBLUR_RECIPE[@]}" --steps "$STEPS" --threads "${THREADS:-2}" \
  --motion-aware 1 --alpha 1.0 --out weights/runs/deblur-large-alpha1 ${STOP_AFTER:+--stop-after "$STOP_AFTER"} "$@"
