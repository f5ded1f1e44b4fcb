#!/usr/bin/env bash
# The commands behind the DMPHN(1-2-4) deblurring weights (blurtrace/weights/deblur-motion-aware: the
# paper's backbone, shipped beside the default U-Net of scripts/train_deblur_unet.sh) and its
# Table-6 ablation (the same backbone without motion-aware convolutions), trained side by
# side on one CPU thread each, at the same steps, batch and data.
# Every run resumes: rerun in a later session to continue.
#   bash scripts/train_deblur.sh [STEPS]        (default 9000)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-9000}
bash scripts/training_data.sh  # the trajectory model's data (resumable: nothing to do if present)
source scripts/deblur_recipe.sh
common=(--data data/train "${DEBLUR_RECIPE[@]}" --steps "$STEPS" --threads 1)
OMP_NUM_THREADS=1 $B train deblur "${common[@]}" --motion-aware 1 --out weights/runs/deblur-motion-aware &
OMP_NUM_THREADS=1 $B train deblur "${common[@]}" --motion-aware 0 --out weights/runs/deblur-backbone &
wait
