#!/usr/bin/env bash
# A deblurring network for CPUs without native bfloat16 (AVX2-only ones run everything in fp32):
# the recipe of deblur-unet24 (scripts/train_deblur_unet.sh: 1 213 pairs, α from 1.0, 9 000 steps
# cosine from 5e-4, batch 8 × 96², seed 0) at width 16 instead of 24, about 0.44× the multiply-adds.
# Why: on a 2-core AVX2 CPU the whole 1280×720 `deblur` with the width-24 default took 3.0–4.6 s
# (target ≤ 3 s); with this run's final export (installed as deblur-unet16) the network took
# 1.74–1.87 s against 3.72–3.83 s for the default, the whole `deblur` 2.48–2.60 s (`python
# benchmarks/speed.py --method net [--deblur-weights NAME]`, 2026-12-01, alternated; weights/README.md
# "deblur-unet16"). Its validation curve compares step for step with deblur-unet24's
# (python scripts/training_log.py weights/runs/deblur-unet24 weights/runs/deblur-unet16).
# Resumable, in slices across sessions:   bash scripts/train_deblur_unet16.sh [STEPS]   (default 9000)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/train_deblur_unet.sh "${1:-9000}" --width 16 --out weights/runs/deblur-unet16
