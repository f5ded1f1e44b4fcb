#!/usr/bin/env bash
# Does bending more of the finest decoder stage's convolutions raise what the trajectory is worth
# (issue 4: motion-aware ≥ +0.5 dB over the same backbone; the shipped U-Net bends one of four and
# gets +0.35)? Three continuations at the same steps, batches, crops and learning rate:
#   backbone  the ablation twin without the layer (what the gain is measured against),
#   ma1       the shipped motion-aware U-Net as it is (the control: more steps alone),
#   maN       the same weights grown to N bent convolutions (`train deblur --init`: the new ones
#             start at α = 0, where Eq. 16 is the plain convolution they were, so the run starts
#             from exactly the shipped network's output),
#   mi1       the shipped network grown to read the trajectory as input channels too
#             (`--motion-input`, ops/motion_features.py; the new stem channels start at zero).
#   ma1bf16   the control trained with `--precision bf16` (forward pass under bfloat16 autocast,
#             1.5× faster steps here): does it learn as much per step as float32?
#   bash scripts/grow_motion_aware.sh [STEPS [N]]   (default 2000 steps, N = 2)
# Environment: THREADS (default 2), LR (peak rate, default 2e-4; cosine to 0 after 100 warm-up steps),
# VARIANTS (default "maN ma1 backbone"; add mi1 for the motion input, ma1bf16 for bfloat16 training). A variant already scored is
# not scored again.
# Runs live in data/grow-motion-aware/NAME-STEPS (git-ignored) and resume. Prints the table and
# writes it to data/results/grow-motion-aware-STEPS.md (held-out PSNR, gain over the blurry input
# and over the backbone continuation, SSIM, learned α, CPU-hours of the run).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
STEPS=${1:-2000}
N=${2:-2}
[[ $N =~ ^[234]$ ]] || { echo "N (bent convolutions of the grown network) must be 2, 3 or 4" >&2; exit 2; }
EVAL=$(bash scripts/heldout_set.sh)
source scripts/deblur_recipe.sh
common=("${DEBLUR_RECIPE[@]}" --backbone unet --width 24 --levels 4 --steps "$STEPS" --lr "${LR:-2e-4}" --warmup 100
        --threads "${THREADS:-2}")
declare -A start=([backbone]=weights/ablations/deblur-unet24-backbone.safetensors [ma1]=blurtrace/weights/deblur-unet24.safetensors
                  [ma$N]=blurtrace/weights/deblur-unet24.safetensors [mi1]=blurtrace/weights/deblur-unet24.safetensors
                  [ma1bf16]=blurtrace/weights/deblur-unet24.safetensors)
declare -A bent=([backbone]=0 [ma1]=1 [ma$N]=$N [mi1]=1 [ma1bf16]=1)
declare -A extra=([mi1]=--motion-input [ma1bf16]="--precision bf16")
VARIANTS=${VARIANTS:-ma$N ma1 backbone}
for v in $VARIANTS; do
  [[ -v "start[$v]" ]] || { echo "unknown variant $v (ma$N, ma1, backbone, mi1, ma1bf16)" >&2; exit 2; }
done
work=data/grow-motion-aware
for v in $VARIANTS; do
  run=$work/$v-$STEPS
  [[ -s $run/heldout.json ]] && continue
  OMP_NUM_THREADS=${THREADS:-2} $B train deblur --data data/train "${common[@]}" --motion-aware "${bent[$v]}" \
    ${extra[$v]:-} --init "${start[$v]}" --out "$run"
  $B train export "$run/last.pt" --name "deblur-$v" --dest "$run/export" > /dev/null
  $B eval deblur "$EVAL" --method net --deblur-weights "$run/export/deblur-$v.safetensors" --json | tail -1 > "$run/heldout.json.tmp"
  mv "$run/heldout.json.tmp" "$run/heldout.json"
done
mkdir -p data/results
out=data/results/grow-motion-aware-$STEPS.md
.venv/bin/python - "$work" "$STEPS" "$N" > "$out.tmp" <<'PY'
import json, os, sys
import torch
work, steps, n = sys.argv[1], sys.argv[2], sys.argv[3]
names = {"backbone": "backbone alone (twin)", "ma1": "1 bent convolution (shipped layout)", f"ma{n}": f"{n} bent convolutions (grown)",
         "mi1": "1 bent convolution + trajectory input channels (grown)", "ma1bf16": "1 bent convolution, trained in bfloat16"}
names = {v: label for v, label in names.items() if os.path.exists(f"{work}/{v}-{steps}/heldout.json")}
mean = {v: json.load(open(f"{work}/{v}-{steps}/heldout.json"))["mean"] for v in names}
print(f"| deblur-unet24 and {steps} more steps | held-out PSNR (dB) | gain over blurry (dB) | over the backbone (dB) | SSIM | learned α | CPU-h |")
print("|---|---|---|---|---|---|---|")
notes = []
for v, label in names.items():
    m, state = mean[v], torch.load(f"{work}/{v}-{steps}/last.pt", map_location="cpu", weights_only=False)
    alpha = ", ".join(f"{float(a):.2f}" for k, a in state["model"].items() if k.endswith("alpha")) or "—"
    print(f"| {label} | {m['psnr']:.2f} | {m['psnr'] - m['blurry_psnr']:+.2f} | {m['psnr'] - mean['backbone']['psnr']:+.2f} | "
          f"{m['ssim']:.3f} | {alpha} | {state['state']['cpu_seconds'] / 3600:.2f} |")
    stem = state["model"]["unet.stem.weight"]
    if stem.shape[1] > 3:  # grown to read the trajectory as input: how much does it use those channels?
        notes.append(f"{v}: stem weights, mean |w| of the trajectory channels {stem[:, 3:].abs().mean():.4f}, "
                     f"of the photo channels {stem[:, :3].abs().mean():.4f}")
for note in notes:
    print(f"\n{note}")
PY
mv "$out.tmp" "$out"
cat "$out"
