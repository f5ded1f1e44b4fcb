#!/usr/bin/env bash
# deblur-unet16 continued on the 4 313 mixed pairs exactly as the default deblur-unet24-mix was
# (scripts/train_deblur_mix.sh: cosine from 3e-4 after 200 warm-up steps, batch 8 × 96², 6 500 steps,
# then a warm restart to 16 000), at width 16. Why: on a CPU without native bfloat16 the width-24
# default took 3.0–4.6 s for a whole 1280×720 `deblur` (target ≤ 3 s), deblur-unet16 2.48–2.60 s
# (about half the network time; weights/README.md); this run says what the narrower network costs in quality at the
# default's full budget (compare: python scripts/training_log.py weights/runs/deblur-unet24-mix
# weights/runs/deblur-unet16-mix).
# Starts from the finished deblur-unet16 run (weights/runs/deblur-unet16/last.pt at step 9 000,
# exported to weights/runs/deblur-unet16/export/ if not there yet); resumable, in slices:
#   bash scripts/train_deblur_unet16_mix.sh [STEPS]      (default 6500; then 16000)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
INIT=weights/runs/deblur-unet16/export/deblur-unet16.safetensors
if [ ! -f "$INIT" ] && [ ! -f weights/runs/deblur-unet16-mix/last.pt ]; then
  $B train export weights/runs/deblur-unet16/last.pt --name deblur-unet16 --dest "$(dirname "$INIT")" >&2
fi
# train_deblur_mix.sh's own --width/--init/--out come first; the last of each wins
bash scripts/train_deblur_mix.sh "${1:-6500}" --width 16 --init "$INIT" --out weights/runs/deblur-unet16-mix
