#!/usr/bin/env bash
# The default deblurring network (deblur-unet24-mix) continued on its 4 313 pairs plus the 400
# near-still ones of scripts/training_data_short.sh, reading the trajectories of TRAJ (default: the
# shipped model, so that only the deblurring network changes; e.g. the export of
# scripts/train_trajectory_still.sh instead). Why: deblurring a photo that is already sharp should
# leave it alone, and the default does not (`python benchmarks/still_photos.py --deblur`: 40 dB
# against the photo itself; the shipped trajectories read 7–8 px of blur in sharp photos).
# The same rate, warm-up and schedule as the continuations of scripts/continue_default.sh.
#   bash scripts/train_deblur_still.sh [STEPS [TRAJ]]   (default 3000)
# Environment: THREADS (2), PRECISION (fp32; bf16 on a CPU with native bfloat16), OUT (default
# weights/runs/deblur-still). Resumes; exported to OUT/export/deblur-still.safetensors.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-3000}
TRAJ=${2:-blurtrace/weights/trajectory-quadratic.safetensors}
OUT=${OUT:-weights/runs/deblur-still}
[ -f "$TRAJ" ] || { echo "no trajectory weights at $TRAJ (export a run first: blurtrace train export)" >&2; exit 2; }
DATA=$(bash scripts/training_data_short.sh mix)
source scripts/deblur_recipe.sh
OMP_NUM_THREADS=${THREADS:-2} $B train deblur --data "$DATA" "${DEBLUR_RECIPE[@]}" --backbone unet --width 24 --levels 4 --motion-aware 1 \
  --steps "$STEPS" --lr 1e-4 --warmup 100 --precision "${PRECISION:-fp32}" --threads "${THREADS:-2}" \
  --trajectory-weights "$TRAJ" --init blurtrace/weights/deblur-unet24-mix.safetensors --out "$OUT"
$B train export "$OUT/last.pt" --name deblur-still --dest "$OUT/export" > /dev/null
