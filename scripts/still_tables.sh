#!/usr/bin/env bash
# The "Photos that are already sharp" tables of docs/experiments.md: does training on near-still
# pairs teach the networks to measure blur instead of guessing its length? Scores the shipped
# trajectory model, the two continuations of scripts/train_trajectory_still.sh ("control": the
# shipped pairs, "still": plus the near-still ones), the from-scratch runs of
# scripts/train_trajectory_still_scratch.sh ("scratch") and
# scripts/train_trajectory_broad_scratch.sh ("broad-scratch": long blur too), then the whole deblur:
# deblur-unet24-mix (the default deblurring network when these tables were made) with each of these trajectories but the control and, when
# scripts/train_deblur_still.sh has run, its continuation on near-still pairs with the trajectories
# it trained with: the shipped ones (weights/runs/deblur-still) and those of the "scratch" run
# (weights/runs/deblur-still-pair, `OUT=weights/runs/deblur-still-pair bash
# scripts/train_deblur_still.sh 2000 weights/runs/trajectory-still-scratch/export/trajectory-still-scratch.safetensors`):
# - held-out `dynamic` scenes (scripts/heldout_set.sh): trajectory EPE and reblur where Eq. 3
#   holds; deblurring PSNR;
# - the held-out longer `camera` scenes (scripts/heldout_set_long.sh, end points ≤ 20 px):
#   trajectory EPE and reblur where Eq. 3 holds;
# - the held-out `dynamic` scenes' sharp frames as input (`python benchmarks/still_photos.py`):
#   median blur length read (all pixels, the most textured quarter), and the deblurred photo's PSNR
#   against itself;
# - the GoPro pairs and Levin et al.'s shake (../shared/realworld, evaluation only; skipped when
#   absent): reblur PSNR in gamma; kernel size ratio and NCC; deblurring PSNR.
#   bash scripts/still_tables.sh
# Exports each run to RUN/export/NAME.safetensors. Scores are kept in data/still/scores (git-ignored)
# and recomputed only when the weights (or still_photos.py, for its scores) are newer; writes data/results/still.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
PY=${PYTHON:-.venv/bin/python}
EVAL=$(bash scripts/heldout_set.sh)
EVAL_LONG=$(bash scripts/heldout_set_long.sh)
S=data/still/scores
mkdir -p "$S" data/results
export_run() {  # export_run RUN NAME: RUN/last.pt to RUN/export/NAME.safetensors unless that is newer
  [ "$1/export/$2.safetensors" -nt "$1/last.pt" ] || $B train export "$1/last.pt" --name "$2" --dest "$1/export" > /dev/null
}
declare -A traj=([shipped]=blurtrace/weights/trajectory-quadratic.safetensors)
for run in still still-control still-scratch broad-scratch; do
  r=weights/runs/trajectory-$run
  [ -f "$r/last.pt" ] || continue
  export_run "$r" "trajectory-$run"
  traj[${run#still-}]=$r/export/trajectory-$run.safetensors
done
fresh() {  # fresh SCORE_FILE INPUT...: the file exists and is newer than every input
  local f=$1 dep; shift
  [ -s "$f" ] || return 1
  for dep; do [ "$f" -nt "$dep" ] || return 1; done
}
for name in "${!traj[@]}"; do
  w=${traj[$name]}
  fresh "$S/traj-$name.heldout" "$w" || $B eval trajectory "$EVAL" --weights "$w" --json | tail -1 > "$S/traj-$name.heldout"
  fresh "$S/traj-$name.long" "$w" || $B eval trajectory "$EVAL_LONG" --weights "$w" --json | tail -1 > "$S/traj-$name.long"
  fresh "$S/traj-$name.still" "$w" benchmarks/still_photos.py || $PY benchmarks/still_photos.py --weights "$w" | tail -1 > "$S/traj-$name.still"
  fresh "$S/traj-$name.gopro" "$w" || $PY benchmarks/gopro_pairs.py --weights "$w" > "$S/traj-$name.gopro"
  fresh "$S/traj-$name.levin" "$w" || $PY benchmarks/levin_kernels.py --weights "$w" --summary | tail -1 > "$S/traj-$name.levin"
done
# whole deblur: trajectory model + deblurring network
DEFAULT=blurtrace/weights/deblur-unet24-mix.safetensors
STILL=weights/runs/deblur-still/export/deblur-still.safetensors
pipes=("shipped $DEFAULT")
for t in still scratch broad-scratch; do [ -n "${traj[$t]:-}" ] && pipes+=("$t $DEFAULT"); done
[ -f "$STILL" ] && pipes+=("shipped $STILL")
PAIR=weights/runs/deblur-still-pair
if [ -f "$PAIR/last.pt" ] && [ -n "${traj[scratch]:-}" ]; then
  export_run "$PAIR" deblur-still-pair
  pipes+=("scratch $PAIR/export/deblur-still-pair.safetensors")
fi
for p in "${pipes[@]}"; do
  read -r t d <<< "$p"
  key=deblur-$t-$(basename "$d" .safetensors)
  w=${traj[$t]}
  fresh "$S/$key.heldout" "$w" "$d" || $B eval deblur "$EVAL" --method net --weights "$w" --deblur-weights "$d" --json | tail -1 > "$S/$key.heldout"
  fresh "$S/$key.still" "$w" "$d" benchmarks/still_photos.py || $PY benchmarks/still_photos.py --weights "$w" --deblur-weights "$d" | tail -1 > "$S/$key.still"
  fresh "$S/$key.gopro" "$w" "$d" || $PY benchmarks/gopro_pairs.py --weights "$w" --deblur net --deblur-weights "$d" > "$S/$key.gopro"
  fresh "$S/$key.levin" "$w" "$d" || $PY benchmarks/levin_kernels.py --weights "$w" --deblur net --deblur-weights "$d" --summary | tail -1 > "$S/$key.levin"
done
$PY - "$S" "${pipes[@]}" > data/results/still.md.tmp <<'PY'
import json, os, sys
S, pipes = sys.argv[1], sys.argv[2:]
def load(path):
    """The JSON lines of a score file, or None when it is missing or empty."""
    if not os.path.exists(path) or not os.path.getsize(path):
        return None
    return [json.loads(l) for l in open(path) if l.strip()]
def scored(rows):
    """(label, score prefix, held-out means, still-photo means, Levin's summary or None, GoPro rows)
    for each (label, score prefix) of ``rows`` that has been scored."""
    for label, prefix in rows:
        h = load(f"{S}/{prefix}.heldout")
        if h is not None:
            lv = load(f"{S}/{prefix}.levin")
            yield label, prefix, h[-1]["mean"], load(f"{S}/{prefix}.still")[-1]["mean"], lv[-1] if lv else None, load(f"{S}/{prefix}.gopro") or []
def gopro(rows, key):
    by = {r["pair"]: r for r in rows}
    return " / ".join(f"{by[p][key]:.2f}" for p in ("flower", "istanbul") if p in by) or "—"
labels = {"shipped": "shipped `trajectory-quadratic`", "control": "continued on its pairs (control)", "still": "continued on its pairs + 400 near-still",
          "scratch": "from random weights on its pairs + 400 near-still (its schedule)",
          "broad-scratch": "from random weights on its pairs + 400 near-still + 1 000 long ≤ 20 px (10 000 steps)"}
print("| trajectory model | held-out EPE (px) / reblur where Eq. 3 holds (dB) | held-out long `camera` (≤ 20 px): EPE / reblur where Eq. 3 holds | sharp frames: median length read (px), in the most textured quarter (px) / share over 2 px | GoPro flower / istanbul reblur, gamma (dB) | Levin size ratio / NCC |")
print("|---|---|---|---|---|---|")
for label, prefix, h, st, lv, gp in scored((labels[n], f"traj-{n}") for n in ("shipped", "control", "still", "scratch", "broad-scratch")):
    lev = f"{lv['size_ratio']:.2f} / {lv['kernel_ncc']:.2f}" if lv else "—"
    lg = load(f"{S}/{prefix}.long")
    lg = f"{lg[-1]['mean']['epe']:.2f} / {lg[-1]['mean']['reblur_psnr_valid']:.2f}" if lg else "—"
    print(f"| {label} | {h['epe']:.2f} / {h['reblur_psnr_valid']:.2f} | {lg} | {st['median_length_px']:.2f}, {st['median_length_textured_px']:.2f} / {st['share_over_2px']:.2f} | "
          f"{gopro(gp, 'reblur_psnr_gamma')} | {lev} |")
print()
print("| trajectory model + deblurring network | held-out PSNR (dB), gain | sharp frames deblurred: PSNR against themselves (dB) | GoPro flower / istanbul (dB) | Levin (dB), gain |")
print("|---|---|---|---|---|")
nets = [(t, os.path.basename(d)[: -len(".safetensors")]) for t, d in (p.split() for p in pipes)]
for label, _, h, st, lv, gp in scored((f"{t} + `{net}`", f"deblur-{t}-{net}") for t, net in nets):
    lev = f"{lv['net_psnr']:.2f} ({lv['net_psnr'] - lv['blurry_psnr']:+.2f})" if lv else "—"
    print(f"| {label} | {h['psnr']:.2f} ({h['psnr'] - h['blurry_psnr']:+.2f}) | {st['deblur_psnr_vs_itself']:.2f} | {gopro(gp, 'net_psnr')} | {lev} |")
PY
mv data/results/still.md.tmp data/results/still.md
cat data/results/still.md
