#!/usr/bin/env bash
# The one command behind the shipped trajectory weights (blurtrace/weights/trajectory-quadratic).
# Every step resumes: rerun it in a later session to continue the same run.
#   bash scripts/train_trajectory.sh [STEPS [OPTION ...]]   (default 12000; a larger number continues with a longer schedule)
# Options after STEPS are added to the recipe and override it (scripts/ablate_trajectory.sh trains its
# variants this way). Environment: OUT (run folder, default the shipped model's), STOP_AFTER=N ends
# this call after N more steps (resume later), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-12000}
[ $# -gt 0 ] && shift
bash scripts/training_data.sh  # photos -> tiles -> pairs (resumable; the same data every time)
source scripts/trajectory_recipe.sh
$B train trajectory --data data/train --out "${OUT:-weights/runs/trajectory-quadratic}" --steps "$STEPS" "${TRAJECTORY_RECIPE[@]}" \
  --threads "${THREADS:-2}" ${STOP_AFTER:+--stop-after "$STOP_AFTER"} "$@"
