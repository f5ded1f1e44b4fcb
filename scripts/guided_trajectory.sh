#!/usr/bin/env bash
# Does the trajectory network trace better when it also sees a sharp estimate of the photo?
# (issue 3: held-out EPE 1.74 px against a 1.0 px target. Given the *true* sharp frame, reblurring
# alone finds 0.90 px, `benchmarks/refine_by_reblur.py`; a blind network has no such reference.)
# Two continuations of the shipped trajectory network, same steps, rate, data and precision:
#   blind    the shipped network as it is (the control),
#   guided   the same weights grown to read, beside the photo, what the default deblurring network
#            makes of it (`train trajectory --guide`; the new inputs start at zero, so the run
#            starts from the shipped network's exact output). At run time that is three networks:
#            trace blind, deblur, trace again.
#   scratch-blind, scratch-guided   the same two networks trained from random weights instead (where
#            the estimate's inputs start as large as the photo's).
# Both train on 1 213 pairs neither shipped network saw (scripts/training_data_unseen.sh), so the
# deblurred inputs are as good as on a new photo. Scores on the 40 held-out scenes: EPE and reblur
# (`eval trajectory`), and the default deblurring network fed each run's trajectories (`eval deblur`).
#   bash scripts/guided_trajectory.sh [STEPS]   (default 2000; the scratch variants: VARIANTS="scratch-blind scratch-guided" … 1200)
# Environment: THREADS (default 2), LR (peak, default 2e-4, 100 warm-up steps, linear to 0),
# VARIANTS (default "blind guided"). Runs live in data/guided-trajectory/NAME-STEPS (git-ignored)
# and resume; a variant already scored is not scored again. Prints the table and writes it to
# data/results/guided-trajectory-STEPS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-2000}
EVAL=$(bash scripts/heldout_set.sh)
DATA=$(bash scripts/training_data_unseen.sh)
GUIDE=deblur-unet24-mix  # the default deblurring network when this ran (blurtrace models)
source scripts/trajectory_recipe.sh
common=("${TRAJECTORY_RECIPE[@]}" --steps "$STEPS" --lr "${LR:-2e-4}" --warmup 100 --precision bf16 --threads "${THREADS:-2}")
INIT="--init blurtrace/weights/trajectory-quadratic.safetensors"
declare -A extra=([blind]="$INIT" [guided]="$INIT --guide $GUIDE" [scratch-blind]="" [scratch-guided]="--guide $GUIDE")
VARIANTS=${VARIANTS:-blind guided}
for v in $VARIANTS; do
  [[ -v "extra[$v]" ]] || { echo "unknown variant $v (blind, guided, scratch-blind, scratch-guided)" >&2; exit 2; }
done
work=data/guided-trajectory
for v in $VARIANTS; do
  run=$work/$v-$STEPS
  [[ -s $run/deblur.json ]] && continue
  OMP_NUM_THREADS=${THREADS:-2} $B train trajectory --data "$DATA" "${common[@]}" ${extra[$v]} --out "$run"
  $B train export "$run/last.pt" --name "trajectory-$v" --dest "$run/export" > /dev/null
  w=$run/export/trajectory-$v.safetensors
  $B eval trajectory "$EVAL" --weights "$w" --json > "$run/trajectory.jsonl"
  $B eval deblur "$EVAL" --method net --weights "$w" --deblur-weights $GUIDE --json > "$run/deblur.jsonl.tmp"
  mv "$run/deblur.jsonl.tmp" "$run/deblur.jsonl"
  tail -1 "$run/deblur.jsonl" > "$run/deblur.json"
done
mkdir -p data/results
out=data/results/guided-trajectory-$STEPS.md
.venv/bin/python - "$work" "$STEPS" > "$out.tmp" <<'PY'
import json, os, sys
import torch
work, steps = sys.argv[1], sys.argv[2]
names = {"blind": "blind (the shipped network continued; control)", "guided": "guided by the default deblurring network's estimate",
         "scratch-blind": "blind, from random weights", "scratch-guided": "guided, from random weights"}
names = {v: label for v, label in names.items() if os.path.exists(f"{work}/{v}-{steps}/deblur.json")}
last = lambda path: json.loads(open(path).read().splitlines()[-1])["mean"]
print(f"| {steps} steps of the trajectory network | held-out EPE (px) | reblur where Eq. 3 holds (dB) | deblur PSNR with them (dB) | s per 640×360 deblur | CPU-h |")
print("|---|---|---|---|---|---|")
checkpoints = {v: torch.load(f"{work}/{v}-{steps}/last.pt", map_location="cpu", weights_only=False) for v in names}
for v, label in names.items():
    t, d = last(f"{work}/{v}-{steps}/trajectory.jsonl"), last(f"{work}/{v}-{steps}/deblur.json")
    print(f"| {label} | {t['epe']:.2f} | {t['reblur_psnr_valid']:.2f} | {d['psnr']:.2f} (blurry {d['blurry_psnr']:.2f}) | {d['seconds']:.2f} | {checkpoints[v]['state']['cpu_seconds'] / 3600:.2f} |")
for v in (v for v in names if v.endswith("guided")):  # how much a guided network reads the estimate: its first convolution's weights per input
    w = checkpoints[v]["model"]["level1.0.weight"]
    photo = w.shape[1] // 2  # the space-to-depth photo's channels come first, the estimate's after (OffsetNetConfig.guided)
    print(f"\n{v}, first convolution: mean |w| {float(w[:, :photo].abs().mean()):.4f} on the photo's channels, "
          f"{float(w[:, photo:].abs().mean()):.4f} on the estimate's" + (" (zero at the start)" if v == "guided" else ""))
PY
mv "$out.tmp" "$out"
cat "$out"
