#!/usr/bin/env bash
# The held-out evaluation set of every table: 40 `dynamic` scenes, 640×360, rendered from the
# reserved mate-backgrounds photos (never trained on, DESIGN §5). Deterministic and resumable;
# prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
$B photos fetch --cache data/photos >&2  # the photos the set is cut from (resumable), not the training pairs
OMP_NUM_THREADS=1 $B synth data/photos/raw/mate data/eval/dynamic-640x360 --count 40 --motion dynamic --seed 1000 --size 640x360 --max-blur 12 --gt-times 15 >&2
echo data/eval/dynamic-640x360
