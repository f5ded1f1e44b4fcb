#!/usr/bin/env bash
# The shipped trajectory model continued on longer blur (scripts/training_data_long.sh): same
# recipe (scripts/trajectory_recipe.sh), started from the shipped weights, a fresh linear schedule
# from a lower peak. Every step resumes: rerun to continue.
#   bash scripts/train_trajectory_long.sh [STEPS [OPTION ...]]   (default 8000)
# Environment: OUT (run folder, default weights/runs/trajectory-long), STOP_AFTER, THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-8000}
[ $# -gt 0 ] && shift
DATA=$(bash scripts/training_data_long.sh)
source scripts/trajectory_recipe.sh
$B train trajectory --data "$DATA" --out "${OUT:-weights/runs/trajectory-long}" --steps "$STEPS" "${TRAJECTORY_RECIPE[@]}" \
  --init blurtrace/weights/trajectory-quadratic.safetensors --lr 3e-4 --warmup 100 \
  --threads "${THREADS:-2}" ${STOP_AFTER:+--stop-after "$STOP_AFTER"} "$@"
