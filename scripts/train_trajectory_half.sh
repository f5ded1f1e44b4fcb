#!/usr/bin/env bash
# A trajectory network for CPUs without native bfloat16 (e.g. AVX2-only ones, where --precision auto
# is fp32): the shipped trajectory-quadratic weights (--init) adapted to read the photo at half
# resolution (--input-scale 2: a quarter of the multiply-adds; offsets come back upsampled to the
# photo's pixels), with the shipped recipe and data, the learning rate halved for a fine-tune.
# Answer (2026-12-01, weights/README.md "trajectory-half"): not shipped; held-out EPE 2.37 px against
# the shipped 1.74 (zero motion 2.33) for 0.18 s instead of 0.59–0.72 s per 1280×720 photo on an AVX2 CPU.
# Resumable: rerun to continue.   bash scripts/train_trajectory_half.sh [STEPS [OPTION ...]]   (default 4000)
# Environment: THREADS (default 2), STOP_AFTER=N ends this call after N more steps, OUT (run folder,
# default weights/runs/trajectory-half).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-4000}
[ $# -gt 0 ] && shift
OUT=${OUT:-weights/runs/trajectory-half} bash scripts/train_trajectory.sh "$STEPS" --input-scale 2 \
  --init blurtrace/weights/trajectory-quadratic.safetensors --lr 3e-4 --warmup 100 "$@"
