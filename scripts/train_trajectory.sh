#!/usr/bin/env bash
# The one command behind the shipped trajectory weights (blurtrace/weights/trajectory-quadratic).
# Every step resumes: rerun it in a later session to continue the same run.
#   bash scripts/train_trajectory.sh [STEPS]        (default 12000; a larger number continues with a longer schedule)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-12000}
# 1. allowed photos (DESIGN §5) -> textured 512px tiles; mate-backgrounds only in the test split
$B photos fetch --cache data/photos
$B photos tiles --cache data/photos
# 2. pre-rendered training pairs with true trajectories (cheap training steps), 192x192
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/train/dynamic --count 463 --motion dynamic --seed 1 --size 192x192 --max-blur 12 &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/train/camera --count 500 --motion camera --seed 2 --size 192x192 --max-blur 12 &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/train/flow --count 250 --motion flow --seed 3 --size 192x192 --max-blur 12 &
# 3. held-out validation scenes (test photos), scored during training
OMP_NUM_THREADS=1 $B synth data/photos/tiles/test data/val/dynamic --count 16 --motion dynamic --seed 101 --size 256x256 --max-blur 12
sleep 60  # training starts on what exists and picks up new pairs every 500 steps
$B train trajectory --data data/train --val data/val/dynamic --out weights/runs/trajectory-quadratic \
  --steps "$STEPS" --lr 6e-4 --warmup 200 --batch-size 8 --crop 128 --constraint quadratic --n-offsets 15 \
  --head bilinear --light linear --val-every 500 --checkpoint-every 250 --threads 2
wait
