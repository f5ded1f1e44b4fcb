#!/usr/bin/env bash
# The command behind deblur-unet24-mix (the default deblurring weights in sessions 15–28): `bash scripts/train_deblur_mix.sh`,
# then `bash scripts/train_deblur_mix.sh 16000`, a warm restart to step 16 000.
# More and longer-blur data for the deblurring network: deblur-unet24 (--init)
# continued on the 4 313 pairs of scripts/training_data_mix.sh (3.6× its 1 213; end points up to
# 20 px instead of 12), cosine from 3e-4 over STEPS (default 6 500, one session's worth on two
# cores; each pair is seen ≈ 12 times) — the first schedule; a longer one resumes with a larger STEPS.
#   bash scripts/train_deblur_mix.sh [STEPS [extra train-deblur options]]
# Environment: THREADS (default 2), STOP_AFTER (end this slice after N more steps; resume later
# with the same command), TWIN=backbone (the ablation twin: the shipped deblur-unet24-backbone
# continued the same way without the motion-aware layer, for the motion-aware margin; run it with
# the same STEPS sequence, 6500 then 16000). The run lives in weights/runs/deblur-unet24-mix (the
# twin: weights/runs/deblur-unet24-backbone-mix; checkpoints committed; log.jsonl is quality
# against CPU-hours).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-6500}
[ $# -gt 0 ] && shift
DATA=$(bash scripts/training_data_mix.sh)
source scripts/deblur_recipe.sh
case ${TWIN:-} in
  "") NET=(--motion-aware 1 --init blurtrace/weights/deblur-unet24.safetensors --out weights/runs/deblur-unet24-mix) ;;
  backbone) NET=(--motion-aware 0 --init weights/ablations/deblur-unet24-backbone.safetensors --out weights/runs/deblur-unet24-backbone-mix) ;;
  *) echo "TWIN must be empty or 'backbone', not '$TWIN'" >&2; exit 2 ;;
esac
OMP_NUM_THREADS=${THREADS:-2} $B train deblur --data "$DATA" "${DEBLUR_RECIPE[@]}" --steps "$STEPS" --threads "${THREADS:-2}" \
  --lr 3e-4 --warmup 200 --backbone unet --width 24 --levels 4 "${NET[@]}" \
  ${STOP_AFTER:+--stop-after "$STOP_AFTER"} "$@"
