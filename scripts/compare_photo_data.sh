#!/usr/bin/env bash
# Does training data drawn like the held-out set help? (`python benchmarks/dataset_stats.py`: the
# training tiles are 3–5× more textured than the held-out scenes.) Two continuations of one
# deblurring checkpoint at the same steps, batch, crops and learning rate: one on the data it was
# trained on (the control: more steps alone), one on whole-photo pairs (scripts/training_data_photos.sh).
#   bash scripts/compare_photo_data.sh CHECKPOINT CONTROL_DATA [STEPS [OPTION ...]]   (default 1000 steps)
#   e.g. bash scripts/compare_photo_data.sh weights/runs/deblur-large-alpha1/last.pt data/train-large 1000
# OPTIONs describe CHECKPOINT's network when it is not the recipe's (e.g. --backbone unet --width 24 --levels 4).
# Environment: PHOTOS (default data/train-photos: whatever has been rendered there), THREADS (default 2).
# Runs live in data/photo-data/ (git-ignored) and resume. Prints the table and writes it to
# data/results/photo-data-STEPS.md: held-out deblurring PSNR/SSIM of the checkpoint and of each continuation.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
[ $# -ge 2 ] || { sed -n 6,7p "$0" >&2; exit 2; }
CKPT=$1 CONTROL=$2
STEPS=${3:-1000}
shift $(( $# >= 3 ? 3 : 2 ))
PHOTOS=${PHOTOS:-data/train-photos}
[ -d "$PHOTOS" ] || { echo "$PHOTOS: render it first with bash scripts/training_data_photos.sh" >&2; exit 2; }
EVAL=$(bash scripts/heldout_set.sh)
source scripts/deblur_recipe.sh
work=data/photo-data
init=$($B train export "$CKPT" --name start --dest "$work/start")
common=("${DEBLUR_RECIPE[@]}" --steps "$STEPS" --lr 1e-4 --warmup 0 --motion-aware 1 --val-every 250
        --threads "${THREADS:-2}" --init "$init" "$@")
score() {  # weights → "PSNR | gain | SSIM" on the held-out set
  $B eval deblur "$EVAL" --method net --deblur-weights "$1" --json | tail -1 |
    .venv/bin/python -c 'import json, sys; m = json.load(sys.stdin)["mean"]; print("%.2f | %+.2f | %.3f" % (m["psnr"], m["psnr"] - m["blurry_psnr"], m["ssim"]))'
}
mkdir -p data/results
out=data/results/photo-data-$STEPS.md
{
  echo "| $(basename "$(dirname "$CKPT")") and $STEPS more steps at lr 1e-4 on | held-out PSNR (dB) | gain over blurry (dB) | SSIM |"
  echo "|---|---|---|---|"
  echo "| (the checkpoint itself) | $(score "$init") |"
} > "$out.tmp"
for v in control photos; do
  data=$CONTROL; [ "$v" = photos ] && data=$PHOTOS
  run=$work/$v-$STEPS
  OMP_NUM_THREADS=${THREADS:-2} $B train deblur --data "$data" "${common[@]}" --out "$run"
  weights=$($B train export "$run/last.pt" --name "deblur-$v" --dest "$run/export")
  echo "| $data | $(score "$weights") |" >> "$out.tmp"
done
mv "$out.tmp" "$out"
cat "$out"
