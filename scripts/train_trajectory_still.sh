#!/usr/bin/env bash
# Does the trajectory network measure blur once it has seen photos that barely move? Two
# continuations of the shipped weights, side by side on one CPU thread each, identical but for
# the data: "still" trains on the shipped pairs plus the 400 near-still ones of
# scripts/training_data_short.sh, "control" on the shipped pairs alone (what the continuation
# itself changes). Same recipe (scripts/trajectory_recipe.sh) from --lr 1e-4, linear to 0.
#   bash scripts/train_trajectory_still.sh [STEPS]   (default 4000)
# Environment: VARIANTS (default "still control"), THREADS per run (default 1). Every run resumes;
# runs live in weights/runs/trajectory-{still,still-control}. Scores: bash scripts/still_tables.sh
# (exports them, then held-out, still photos, GoPro pairs, Levin).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-4000}
SHORT=$(bash scripts/training_data_short.sh)
source scripts/trajectory_recipe.sh
declare -A data=([still]=$SHORT [control]=data/train)
declare -A out=([still]=weights/runs/trajectory-still [control]=weights/runs/trajectory-still-control)
for v in ${VARIANTS:-still control}; do
  [[ -v "data[$v]" ]] || { echo "unknown variant $v (still, control)" >&2; exit 2; }
  OMP_NUM_THREADS=${THREADS:-1} $B train trajectory --data "${data[$v]}" --out "${out[$v]}" --steps "$STEPS" "${TRAJECTORY_RECIPE[@]}" \
    --init blurtrace/weights/trajectory-quadratic.safetensors --lr 1e-4 --warmup 100 --threads "${THREADS:-1}" &
done
wait
