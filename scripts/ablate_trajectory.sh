#!/usr/bin/env bash
# The paper's trajectory ablations (Tables 2-4), one command per table, every variant trained
# from scratch at the same, smaller budget by scripts/train_trajectory.sh (its recipe, validation
# included, plus the variant's options):
#   bash scripts/ablate_trajectory.sh constraints [STEPS]   Table 2: none / linear / bilinear / quadratic (N = 15)
#   bash scripts/ablate_trajectory.sh offsets [STEPS]       Table 3: N = 5 / 9 / 15 (quadratic)
#   bash scripts/ablate_trajectory.sh loss [STEPS]          Table 4: all terms / w/o SSIM / w/o tv / w/o reg; beyond the paper,
#                                                           without the true-trajectory term (Eq. 11 alone) and with it 10× heavier
#   bash scripts/ablate_trajectory.sh capacity [STEPS]      beyond the paper: Table 1 (width 16, 3 blocks, H/2 head) against
#                                                           width 24, 5 blocks, the full-resolution transposed head, and
#                                                           width 32 reading the photo at half resolution (about the same FLOPs)
# STEPS defaults to 3000 (≈ 25 min per variant on two cores). Runs live in data/ablations/ (git-ignored)
# and resume, so an interrupted table continues where it stopped; the quadratic N = 15 run is
# shared by all three tables. VARIANTS="quadratic width24" runs only those of the table (in that
# order; the table file is then named after them). Each variant is scored on the held-out set of
# scripts/heldout_set.sh (EVAL_LIMIT pairs, default all 40); the table is printed and
# written to data/results/ablation-TABLE-STEPS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
TABLE=${1:?usage: ablate_trajectory.sh constraints|offsets|loss|capacity [STEPS]}
STEPS=${2:-3000}
case "$TABLE" in
  constraints) variants=(zc linear bilinear quadratic) ;;
  offsets) variants=(n5 n9 quadratic) ;;
  loss) variants=(quadratic no-ssim no-tv no-reg no-true true-x10) ;;
  capacity) variants=(quadratic width24 blocks5 transposed width32-half) ;;
  *) echo "ablate_trajectory.sh: unknown table '$TABLE' (constraints, offsets, loss or capacity)" >&2; exit 2 ;;
esac
suffix=
if [ -n "${VARIANTS:-}" ]; then
  for v in $VARIANTS; do
    [[ " ${variants[*]} " == *" $v "* ]] || { echo "ablate_trajectory.sh: '$v' is not a variant of $TABLE (${variants[*]})" >&2; exit 2; }
  done
  read -r -a variants <<< "$VARIANTS"
  suffix=-$(IFS=-; echo "${variants[*]}")
fi
flags() {  # the options that make a variant
  case "$1" in
    zc) echo "--constraint none" ;;
    linear|bilinear|quadratic) echo "--constraint $1" ;;
    n5) echo "--constraint quadratic --n-offsets 5" ;;
    n9) echo "--constraint quadratic --n-offsets 9" ;;
    no-ssim) echo "--constraint quadratic --ssim-weight 0" ;;
    no-tv) echo "--constraint quadratic --tv-weight 0" ;;
    no-reg) echo "--constraint quadratic --reg-weight 0" ;;
    no-true) echo "--constraint quadratic --traj-weight 0" ;;
    true-x10) echo "--constraint quadratic --traj-weight 0.2" ;;
    width24) echo "--constraint quadratic --width 24" ;;
    blocks5) echo "--constraint quadratic --blocks 5" ;;
    transposed) echo "--constraint quadratic --head transposed" ;;
    width32-half) echo "--constraint quadratic --width 32 --input-scale 2" ;;
  esac
}
EVAL=$(bash scripts/heldout_set.sh)
mkdir -p data/results
out=data/results/ablation-$TABLE-$STEPS$suffix.md
{
  echo "| variant ($STEPS steps) | reblur PSNR where Eq. 3 holds (dB) | true-offset reblur (dB) | EPE (px) | zero-motion EPE (px) | CPU-h |"
  echo "|---|---|---|---|---|---|"
} > "$out.tmp"
for v in "${variants[@]}"; do
  run=data/ablations/trajectory-$STEPS-$v
  # shellcheck disable=SC2046
  OUT=$run bash scripts/train_trajectory.sh "$STEPS" $(flags "$v")
  $B train export "$run/last.pt" --name "trajectory-$v" --dest "$run/export" >/dev/null
  $B eval trajectory "$EVAL" --weights "$run/export/trajectory-$v.safetensors" ${EVAL_LIMIT:+--limit $EVAL_LIMIT} --json \
    | tail -1 > "$run/eval.json"
  .venv/bin/python - "$v" "$run" >> "$out.tmp" <<'EOF'
import json, sys
from pathlib import Path
import torch
v, run = sys.argv[1], Path(sys.argv[2])
m = json.loads((run / "eval.json").read_text())["mean"]
cpu = torch.load(run / "last.pt", map_location="cpu", weights_only=False)["state"]["cpu_seconds"] / 3600
get = lambda k: f"{m[k]:.2f}" if isinstance(m.get(k), (int, float)) else "–"
print(f"| {v} | {get('reblur_psnr_valid')} | {get('true_reblur_psnr')} | {get('epe')} | {get('epe_zero_motion')} | {cpu:.2f} |")
EOF
done
mv "$out.tmp" "$out"
cat "$out"
