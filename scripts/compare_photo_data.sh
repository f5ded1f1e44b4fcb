#!/usr/bin/env bash
# Does training data drawn like the held-out set help? (`python benchmarks/dataset_stats.py`: the
# training tiles are 3–5× more textured than the held-out scenes.) Two continuations of one model
# at the same steps, batch, crops and learning rate: one on the data it was trained on (the
# control: more steps alone), one on whole-photo pairs (scripts/training_data_photos.sh).
#   bash scripts/compare_photo_data.sh deblur|trajectory START CONTROL_DATA [STEPS [OPTION ...]]   (default 1000 steps)
#   e.g. bash scripts/compare_photo_data.sh deblur weights/runs/deblur-unet24/last.pt data/train 1000 --backbone unet --width 24 --levels 4
#        bash scripts/compare_photo_data.sh trajectory blurtrace/weights/trajectory-quadratic.safetensors data/train 1000
# START: a training checkpoint (.pt, exported first) or exported weights (.safetensors). OPTIONs
# describe START's network when it is not the recipe's (scripts/deblur_recipe.sh, scripts/trajectory_recipe.sh).
# Environment: PHOTOS (default data/train-photos: whatever has been rendered there), THREADS (default 2).
# Runs live in data/photo-data/TASK/{control,photos}-STEPS (git-ignored) and resume. Prints the table and writes it to
# data/results/photo-data-TASK-STEPS.md: held-out figures of START and of each continuation.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
[ $# -ge 3 ] && { [ "$1" = deblur ] || [ "$1" = trajectory ]; } || { sed -n 6,8p "$0" >&2; exit 2; }
TASK=$1 START=$2 CONTROL=$3
STEPS=${4:-1000}
shift $(( $# >= 4 ? 4 : 3 ))
PHOTOS=${PHOTOS:-data/train-photos}
[ -d "$PHOTOS" ] || { echo "$PHOTOS: render it first with bash scripts/training_data_photos.sh" >&2; exit 2; }
EVAL=$(bash scripts/heldout_set.sh)
work=data/photo-data/$TASK
init=$START
[[ $START == *.pt ]] && init=$($B train export "$START" --name start --dest "$work/start")
if [ "$TASK" = deblur ]; then
  source scripts/deblur_recipe.sh
  recipe=("${DEBLUR_RECIPE[@]}" --motion-aware 1 --val-every 250)
  header="| held-out PSNR (dB) | gain over blurry (dB) | SSIM |"
  score() {
    $B eval deblur "$EVAL" --method net --deblur-weights "$1" --json | tail -1 |
      .venv/bin/python -c 'import json, sys; m = json.load(sys.stdin)["mean"]; print("%.2f | %+.2f | %.3f" % (m["psnr"], m["psnr"] - m["blurry_psnr"], m["ssim"]))'
  }
else
  source scripts/trajectory_recipe.sh
  recipe=("${TRAJECTORY_RECIPE[@]}" --val-every 250)
  header="| held-out EPE (px) | reblur PSNR where Eq. 3 holds (dB) |"
  score() {
    $B eval trajectory "$EVAL" --weights "$1" --json | tail -1 |
      .venv/bin/python -c 'import json, sys; m = json.load(sys.stdin)["mean"]; print("%.3f | %.2f" % (m["epe"], m["reblur_psnr_valid"]))'
  }
fi
common=("${recipe[@]}" --steps "$STEPS" --lr 1e-4 --warmup 0 --threads "${THREADS:-2}" --init "$init" "$@")
mkdir -p data/results
out=data/results/photo-data-$TASK-$STEPS.md
{
  echo "| $(basename "$START") and $STEPS more steps at lr 1e-4 on $header"
  echo "|---|$(echo "$header" | sed 's/[^|]*|/---|/g; s/^---|//')"
  echo "| (the start itself) | $(score "$init") |"
} > "$out.tmp"
for v in control photos; do
  data=$CONTROL; [ "$v" = photos ] && data=$PHOTOS
  run=$work/$v-$STEPS
  OMP_NUM_THREADS=${THREADS:-2} $B train "$TASK" --data "$data" "${common[@]}" --out "$run"
  weights=$($B train export "$run/last.pt" --name "$TASK-$v" --dest "$run/export")
  echo "| $data | $(score "$weights") |" >> "$out.tmp"
done
mv "$out.tmp" "$out"
cat "$out"
