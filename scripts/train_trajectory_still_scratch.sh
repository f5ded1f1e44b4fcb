#!/usr/bin/env bash
# The shipped trajectory recipe from random weights, on the shipped pairs plus the 400 near-still
# ones of scripts/training_data_short.sh (a quarter of the 1 613), to see whether a network that
# meets still photos from its first step learns to measure blur rather than a length prior
# (a 4 000-step continuation with them, scripts/train_trajectory_still.sh, cut the length it reads
# in sharp photos only from 7.8 to 7.1 px). Same recipe, seed and schedule as the shipped model
# (scripts/train_trajectory.sh), so the two differ only in the data.
#   bash scripts/train_trajectory_still_scratch.sh [STEPS]   (default 12000, the shipped schedule)
# Environment: STOP_AFTER=N ends this call after N more steps; THREADS (default 2). Resumes.
# Run folder: weights/runs/trajectory-still-scratch. Scores: bash scripts/still_tables.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
SHORT=$(bash scripts/training_data_short.sh)
source scripts/trajectory_recipe.sh
$B train trajectory --data "$SHORT" --out weights/runs/trajectory-still-scratch --steps "${1:-12000}" "${TRAJECTORY_RECIPE[@]}" \
  --threads "${THREADS:-2}" ${STOP_AFTER:+--stop-after "$STOP_AFTER"}
