#!/usr/bin/env bash
# A training set drawn like the held-out set (scripts/heldout_set.sh) instead of from texture-chosen
# tiles: whole training photos (every allowed source except the reserved test photos, mate)
# downscaled by 0.5–1 and cropped to 640×360 by the same generators. `python
# benchmarks/dataset_stats.py` shows why: the tiles are 3–5× more textured than the held-out scenes.
# Deterministic and resumable; prints the folder.
#   bash scripts/training_data_photos.sh          (OUT=data/train-photos, COUNTS="300 200 100": dynamic camera flow)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
OUT=${OUT:-data/train-photos}
read -r n_dynamic n_camera n_flow <<< "${COUNTS:-300 200 100}"
$B photos fetch --cache data/photos >&2
# the training photos as one folder of links (synth reads one folder; mate is the held-out split)
PHOTOS=data/photos/whole-train
mkdir -p "$PHOTOS"
for src in data/photos/raw/*/; do
  name=$(basename "$src")
  [ "$name" = mate ] && continue
  find "$src" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -print0 |
    while IFS= read -r -d '' f; do ln -sfn "$(realpath "$f")" "$PHOTOS/${name}__$(basename "$f")"; done
done
OMP_NUM_THREADS=1 $B synth "$PHOTOS" "$OUT/dynamic" --count "$n_dynamic" --motion dynamic --seed 11 --size 640x360 --max-blur 12 >&2 &
OMP_NUM_THREADS=1 $B synth "$PHOTOS" "$OUT/camera" --count "$n_camera" --motion camera --seed 12 --size 640x360 --max-blur 12 >&2 &
OMP_NUM_THREADS=1 $B synth "$PHOTOS" "$OUT/flow" --count "$n_flow" --motion flow --seed 13 --size 640x360 --max-blur 12 >&2 &
wait
echo "$OUT"
