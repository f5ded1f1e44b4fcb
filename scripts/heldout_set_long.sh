#!/usr/bin/env bash
# A held-out set of longer camera shake: 24 scenes at 640×360 from the reserved test photos
# (mate-backgrounds, never trained on), `camera` motion with end points up to 20 px (the held-out
# `dynamic` set, scripts/heldout_set.sh, stops at 12), true trajectories at 15 times for the
# end-point error. Deterministic and resumable; prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
$B photos fetch --cache data/photos >&2
OMP_NUM_THREADS=1 $B synth data/photos/raw/mate data/eval/camera-long-640x360 --count 24 --motion camera --seed 2000 --size 640x360 --max-blur 20 --gt-times 15 >&2
echo data/eval/camera-long-640x360
