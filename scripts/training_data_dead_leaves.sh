#!/usr/bin/env bash
# The mix (scripts/training_data_mix.sh, 4 313 pairs) plus 1 000 `dynamic` pairs cut from 300
# procedural dead-leaves images (`blurtrace photos dead-leaves`, 512², coloured from the training
# tiles), 5 313 in all, as hard links. Why: the default deblurring network neither gains from more
# steps, more capacity, larger crops nor defocused backgrounds (scripts/continue_default.sh); what
# it has seen is ≈ 50 photos. Dead leaves add edges at every scale, orientation and colour.
# Deterministic and resumable; prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
mix=$(bash scripts/training_data_mix.sh)
DL=data/photos/dead-leaves
for seed in 0 1; do  # two halves on two cores
  OMP_NUM_THREADS=1 $B photos dead-leaves "$DL/$seed" --count 150 --seed $seed --colours-from data/photos/tiles/train >&2 &
done
wait
OUT=data/train-mix-dead-leaves
mkdir -p "$OUT"
for sub in "$mix"/*/; do  # every folder of the mix, whatever it holds
  sub=$(basename "$sub")
  [ -d "$OUT/$sub" ] || cp -al "$mix/$sub" "$OUT/$sub"
done
for seed in 31 32; do
  OMP_NUM_THREADS=1 $B synth "$DL" "$OUT/dynamic-dead-leaves-$seed" --count 500 --motion dynamic --seed $seed --size 192x192 --max-blur 12 >&2 &
done
wait
echo "$OUT"
