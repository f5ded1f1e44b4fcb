#!/usr/bin/env bash
# Frozen vs fine-tuned trajectories for the deblurring network (the deblurring issue's "measure
# both"): two continuations of the shipped DMPHN motion-aware model (deblur-motion-aware, --init) at the same steps, data,
# batch and learning rate; one keeps the trajectory network frozen, the other fine-tunes it at
# 1/10 of the rate with its own loss (Eq. 11 + true trajectory) beside the deblurring loss.
#   bash scripts/compare_finetune.sh [STEPS]      (default 500)
# Runs live in data/finetune/ (git-ignored) and resume. Prints the table and writes it to
# data/results/finetune-STEPS.md: held-out deblurring PSNR of each continuation and the
# trajectory figures of the network each one reads.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-500}
bash scripts/training_data.sh  # the deblurring model's training data (resumable)
EVAL=$(bash scripts/heldout_set.sh)
source scripts/deblur_recipe.sh
common=(--data data/train "${DEBLUR_RECIPE[@]}" --steps "$STEPS" --lr 1e-4 --warmup 0 --motion-aware 1 --val-every 250
        --threads "${THREADS:-2}"
        --init blurtrace/weights/deblur-motion-aware.safetensors)
mkdir -p data/results
out=data/results/finetune-$STEPS.md
{
  echo "| trajectories ($STEPS more steps from the shipped model) | deblur PSNR (dB) | gain over blurry (dB) | SSIM | trajectory EPE (px) | reblur PSNR where Eq. 3 holds (dB) | CPU-h |"
  echo "|---|---|---|---|---|---|---|"
} > "$out.tmp"
for v in frozen finetuned; do
  run=data/finetune/$v-$STEPS
  extra=(); [ "$v" = finetuned ] && extra=(--finetune-trajectory 0.1)
  OMP_NUM_THREADS=${THREADS:-2} $B train deblur "${common[@]}" "${extra[@]}" --out "$run"
  weights=$($B train export "$run/last.pt" --name "deblur-$v" --dest "$run/export")
  $B eval deblur "$EVAL" --method net --deblur-weights "$weights" --json | tail -1 > "$run/deblur.json"
  traj=$run/export/deblur-$v-trajectory.safetensors
  [ -f "$traj" ] || traj=blurtrace/weights/trajectory-quadratic.safetensors  # frozen: the shipped one
  $B eval trajectory "$EVAL" --weights "$traj" --json | tail -1 > "$run/trajectory.json"
  .venv/bin/python - "$v" "$run" >> "$out.tmp" <<'PY'
import json, sys
from pathlib import Path
import torch
v, run = sys.argv[1], Path(sys.argv[2])
d = json.loads((run / "deblur.json").read_text())["mean"]
t = json.loads((run / "trajectory.json").read_text())["mean"]
state = torch.load(run / "last.pt", map_location="cpu", weights_only=False)["state"]
print(f"| {v} | {d['psnr']:.2f} | {d['psnr'] - d['blurry_psnr']:+.2f} | {d['ssim']:.3f} | {t['epe']:.2f} | {t['reblur_psnr_valid']:.2f} | {state['cpu_seconds'] / 3600:.2f} |")
PY
done
mv "$out.tmp" "$out"
cat "$out"
