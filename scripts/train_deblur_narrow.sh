#!/usr/bin/env bash
# A narrower deblurring network cut from an installed one and fine-tuned: why, on a CPU without
# native bfloat16 the width-24 deblur-unet24-mix took 2.9–4.5 s for a whole 1280×720 `deblur`
# (target ≤ 3 s) and width W has ≈ (W/24)² of its multiply–adds. Instead of its full recipe again
# (≈ 10 CPU-h), this keeps FROM's most important channels (python scripts/narrow_deblur.py,
# blurtrace/models/narrow.py) and continues on deblur-unet24-mix's 4 313 mixed pairs with its recipe
# (scripts/train_deblur_mix.sh: cosine from 3e-4 after 200 warm-up steps, batch 8 × 96²).
# Resumable, in slices:
#   bash scripts/train_deblur_narrow.sh WIDTH FROM [STEPS]
# FROM: installed deblurring weights (name or file); STEPS default 5500. The run lives in
# weights/runs/deblur-unetWIDTH (the narrowed start: narrowed.safetensors there, git-ignored).
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then sed -n '2,12p' "$0" >&2; exit 2; fi
WIDTH=$1 FROM=$2
RUN=weights/runs/deblur-unet$WIDTH
INIT=$RUN/narrowed.safetensors
if [ ! -f "$INIT" ]; then
  .venv/bin/python scripts/narrow_deblur.py --width "$WIDTH" --weights "$FROM" --out "$INIT" >&2
fi
# train_deblur_mix.sh's own --width/--init/--out come first; the last of each wins
bash scripts/train_deblur_mix.sh "${3:-5500}" --width "$WIDTH" --init "$INIT" --out "$RUN"
