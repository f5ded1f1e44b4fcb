#!/usr/bin/env bash
# The training and validation data of every shipped model: allowed photos (DESIGN §5) cut into
# textured tiles, then pairs rendered by `blurtrace synth` with their true trajectories.
# Deterministic (fixed seeds) and resumable: pairs already rendered are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
# 1. allowed photos -> textured 512px tiles; mate-backgrounds only in the test split
$B photos fetch --cache data/photos
$B photos tiles --cache data/photos
# 2. training pairs, 192x192, three motion families
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/train/dynamic --count 463 --motion dynamic --seed 1 --size 192x192 --max-blur 12 &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/train/camera --count 500 --motion camera --seed 2 --size 192x192 --max-blur 12 &
OMP_NUM_THREADS=1 $B synth data/photos/tiles/train data/train/flow --count 250 --motion flow --seed 3 --size 192x192 --max-blur 12 &
# 3. held-out validation scenes (test photos), scored during training
OMP_NUM_THREADS=1 $B synth data/photos/tiles/test data/val/dynamic --count 16 --motion dynamic --seed 101 --size 256x256 --max-blur 12
wait
