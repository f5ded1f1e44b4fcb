#!/usr/bin/env bash
# deblur-unet20: the default deblurring network (deblur-unet24-mix) narrowed to width 20 and
# fine-tuned. Why: on a CPU without native bfloat16 the width-24 default takes 2.9–4.2 s for a whole
# 1280×720 `deblur` (target ≤ 3 s); width 20 has ≈ (20/24)² of its multiply–adds. Instead of the
# default's full recipe again (≈ 10 CPU-h), it starts from the default's most important channels
# (python scripts/narrow_deblur.py, blurtrace/models/narrow.py) and continues on the default's
# 4 313 mixed pairs with its recipe (scripts/train_deblur_mix.sh: cosine from 3e-4 after 200
# warm-up steps, batch 8 × 96²). Resumable, in slices:
#   bash scripts/train_deblur_unet20.sh [STEPS]      (default 5500)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
INIT=weights/runs/deblur-unet20/narrowed.safetensors
if [ ! -f "$INIT" ]; then
  .venv/bin/python scripts/narrow_deblur.py --width 20 --weights deblur-unet24-mix --out "$INIT" >&2
fi
# train_deblur_mix.sh's own --width/--init/--out come first; the last of each wins
bash scripts/train_deblur_mix.sh "${1:-5500}" --width 20 --init "$INIT" --out weights/runs/deblur-unet20
