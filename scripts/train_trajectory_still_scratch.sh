#!/usr/bin/env bash
# The shipped trajectory recipe from random weights, on the shipped pairs plus the 400 near-still
# ones of scripts/training_data_short.sh (a quarter of the 1 613), to see whether a network that
# meets still photos from its first step learns to measure blur rather than a length prior
# (a 4 000-step continuation with them, scripts/train_trajectory_still.sh, cut the length it reads
# in sharp photos only from 7.8 to 7.1 px). scripts/train_trajectory.sh itself (same recipe, seed
# and schedule as the shipped model) with only the data replaced.
#   bash scripts/train_trajectory_still_scratch.sh [STEPS]   (default 12000, the shipped schedule)
# Environment: STOP_AFTER=N ends this call after N more steps; THREADS (default 2). Resumes.
# Run folder: weights/runs/trajectory-still-scratch. Scores: bash scripts/still_tables.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
SHORT=$(bash scripts/training_data_short.sh)
OUT=weights/runs/trajectory-still-scratch exec bash scripts/train_trajectory.sh "${1:-12000}" --data "$SHORT"
