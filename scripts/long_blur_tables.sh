#!/usr/bin/env bash
# The "Longer blur" tables of docs/experiments.md: the shipped models against their continuations on
# longer blur (scripts/train_trajectory_long.sh, scripts/continue_on_long_blur.sh), on the held-out
# `dynamic` set (blur ≤ 12 px), the held-out longer `camera` set (≤ 20 px), Levin et al.'s real
# camera shake and the two GoPro pairs (both from ../shared/realworld, evaluation only; skipped when
# absent).
#   bash scripts/long_blur_tables.sh [STEPS]   (STEPS of the deblurring continuations, default 2000)
# Environment: NETS (deblurring networks to score, default all: shipped-ma1 shipped-backbone
# control-ma1 control-backbone long-ma1 long-backbone mix-ma1; missing weights are skipped; mix-ma1
# is scripts/train_deblur_mix.sh's run, exported to weights/runs/deblur-unet24-mix/export).
# Each score is kept in data/long-blur/scores/ (git-ignored) and not recomputed while the deblurring
# network's file is unchanged (its sha256 is kept beside); writes
# data/results/long-blur-STEPS.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
PY=${PYTHON:-.venv/bin/python}
STEPS=${1:-2000}
EVAL=$(bash scripts/heldout_set.sh)
EVAL_LONG=$(bash scripts/heldout_set_long.sh)
S=data/long-blur/scores
mkdir -p "$S" data/results
OLD=blurtrace/weights/trajectory-quadratic.safetensors
NEW=weights/runs/trajectory-long/export/trajectory-long.safetensors
declare -A traj=([shipped]=$OLD [long]=$NEW)
# deblurring networks: NAME -> weights and the trajectory model they read
declare -A net=([shipped-ma1]=blurtrace/weights/deblur-unet24.safetensors [shipped-backbone]=weights/ablations/deblur-unet24-backbone.safetensors
                [control-ma1]=data/grow-motion-aware/ma1-$STEPS/export/deblur-ma1.safetensors
                [control-backbone]=data/grow-motion-aware/backbone-$STEPS/export/deblur-backbone.safetensors
                [long-ma1]=data/long-blur/ma1-$STEPS/export/deblur-ma1.safetensors
                [long-backbone]=data/long-blur/backbone-$STEPS/export/deblur-backbone.safetensors
                [mix-ma1]=weights/runs/deblur-unet24-mix/export/deblur-unet24-mix.safetensors)
score() {  # FILE COMMAND...: run COMMAND into FILE unless FILE exists
  local f=$1; shift
  [ -s "$f" ] || { "$@" > "$f.tmp" && mv "$f.tmp" "$f"; }
}
for t in shipped long; do
  w=${traj[$t]}
  [ -f "$w" ] || { echo "skipping $t: $w not found" >&2; continue; }
  score "$S/traj-$t-dynamic.jsonl" $B eval trajectory "$EVAL" --weights "$w" --json
  score "$S/traj-$t-camera-long.jsonl" $B eval trajectory "$EVAL_LONG" --weights "$w" --json
  if [ -d ../shared/realworld ]; then
    score "$S/traj-$t-levin.jsonl" $PY benchmarks/levin_kernels.py --weights "$w" --summary
    score "$S/traj-$t-gopro.jsonl" $PY benchmarks/gopro_pairs.py --weights "$w"
  fi
done
for n in ${NETS:-"${!net[@]}"}; do
  [[ -v "net[$n]" ]] || { echo "unknown network $n (${!net[*]})" >&2; exit 2; }
  d=${net[$n]}
  [ -f "$d" ] || { echo "skipping $n: $d not found" >&2; continue; }
  w=$OLD
  if [[ $n == long-* ]]; then w=$NEW; fi
  # scores are cached by name: new weights under the same name (a resumed run) are scored afresh
  sum=$(sha256sum "$d" | cut -d' ' -f1)
  if [ "$(cat "$S/deblur-$n.sha256" 2>/dev/null)" != "$sum" ]; then
    rm -f "$S/deblur-$n"-*.jsonl
    echo "$sum" > "$S/deblur-$n.sha256"
  fi
  score "$S/deblur-$n-dynamic.jsonl" $B eval deblur "$EVAL" --method net --weights "$w" --deblur-weights "$d" --json
  score "$S/deblur-$n-camera-long.jsonl" $B eval deblur "$EVAL_LONG" --method net --weights "$w" --deblur-weights "$d" --json
  if [ -d ../shared/realworld ]; then
    score "$S/deblur-$n-levin.jsonl" $PY benchmarks/levin_kernels.py --weights "$w" --summary --deblur net --deblur-weights "$d"
    score "$S/deblur-$n-gopro.jsonl" $PY benchmarks/gopro_pairs.py --weights "$w" --deblur net --deblur-weights "$d"
  fi
done
out=data/results/long-blur-$STEPS.md
$PY - "$S" "$STEPS" > "$out.tmp" <<'PY'
import json, os, sys
s, steps = sys.argv[1], sys.argv[2]

def lines(name):
    path = f"{s}/{name}.jsonl"
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else None

def mean(name):
    rows = lines(name)
    return rows[-1].get("mean", rows[-1]) if rows else None

def gopro(name, key):
    rows = lines(name)
    return " / ".join(f"{r[key]:.2f}" for r in rows) if rows else "—"

print("| trajectory model | held-out `dynamic` (≤ 12 px): EPE (px) / reblur where Eq. 3 holds (dB) | held-out long `camera` (≤ 20 px): EPE / reblur (dB) |"
      " Levin real shake: kernel size ratio / NCC / reblur (dB) | GoPro flower / istanbul reblur (dB) |")
print("|---|---|---|---|---|")
for t, label in (("shipped", "shipped (`trajectory-quadratic`)"), ("long", "continued on longer blur")):
    d, c, lv = mean(f"traj-{t}-dynamic"), mean(f"traj-{t}-camera-long"), mean(f"traj-{t}-levin")
    cells = [f"{m['epe']:.2f} / {m['reblur_psnr_valid']:.2f}" if m else "—" for m in (d, c)]
    cells.append(f"{lv['size_ratio']:.2f} / {lv['kernel_ncc']:.2f} / {lv['reblur_psnr']:.2f} (true kernel {lv['true_kernel_psnr']:.2f})" if lv else "—")
    cells.append(gopro(f"traj-{t}-gopro", "reblur_psnr_gamma"))
    print(f"| {label} | " + " | ".join(cells) + " |")
print()
print(f"| deblurring network (U-Net) | held-out `dynamic`: PSNR (dB), gain | held-out long `camera`: PSNR (dB), gain | Levin real shake: PSNR (dB), gain | GoPro flower / istanbul (dB) |")
print("|---|---|---|---|---|")
rows = (("shipped-backbone", "shipped twin without the layer"), ("shipped-ma1", "shipped motion-aware"),
        ("control-backbone", f"twin, {steps} more steps on the original pairs"), ("control-ma1", f"motion-aware, {steps} more steps on the original pairs"),
        ("long-backbone", f"twin, {steps} more steps with longer blur"), ("long-ma1", f"motion-aware, {steps} more steps with longer blur, its trajectories from the continued model"),
        ("mix-ma1", "motion-aware, continued on 4 313 pairs with longer blur (`scripts/train_deblur_mix.sh`)"))
for n, label in rows:
    cells = []
    for kind in ("dynamic", "camera-long"):
        m = mean(f"deblur-{n}-{kind}")
        cells.append(f"{m['psnr']:.2f} ({m['psnr'] - m['blurry_psnr']:+.2f})" if m else "—")
    lv = mean(f"deblur-{n}-levin")
    cells.append(f"{lv['net_psnr']:.2f} ({lv['net_psnr'] - lv['blurry_psnr']:+.2f})" if lv else "—")
    cells.append(gopro(f"deblur-{n}-gopro", "net_psnr"))
    print(f"| {label} | " + " | ".join(cells) + " |")
PY
mv "$out.tmp" "$out"
cat "$out"
