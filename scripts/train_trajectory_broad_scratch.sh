#!/usr/bin/env bash
# The shipped trajectory recipe from random weights on `scripts/training_data_short.sh long` (the
# near-still, the shipped ≤ 12 px and the long ≤ 20 px pairs together; data/train-broad). Why:
# continued on long blur (scripts/train_trajectory_long.sh) the shipped network gained +3.6 dB of
# reblur on GoPro "istanbul" but lost the short-blur scenes (held-out EPE 1.74 → 2.32 px); trained
# from its first step with the near-still pairs (scripts/train_trajectory_still_scratch.sh) it kept
# them (1.75 px).
# Does one network learn all three lengths when it meets them from the start?
# Answer (session 25, docs/experiments.md "Photos that are already sharp"): no. Held-out EPE 2.06 px
# on short blur and 3.26 px on the long `camera` set, against the shipped 1.74 / 3.05; not shipped.
# scripts/train_trajectory.sh itself (recipe and seed) with the data replaced and 10 000 steps
# instead of 12 000, to fit one session (2026-12-01: begun with 12 000, resumed at step 2 250 with
# 10 000, where the linear rate is 0.96× that of the longer schedule; command.txt has both).
#   bash scripts/train_trajectory_broad_scratch.sh [STEPS]   (default 10000)
# Environment: STOP_AFTER=N ends this call after N more steps; THREADS (default 2). Resumes.
# Run folder: weights/runs/trajectory-broad-scratch. Scores: bash scripts/still_tables.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BROAD=$(bash scripts/training_data_short.sh long)
OUT=weights/runs/trajectory-broad-scratch exec bash scripts/train_trajectory.sh "${1:-10000}" --data "$BROAD"
