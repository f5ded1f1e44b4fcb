#!/usr/bin/env bash
# Figures for the README's deblurring table (paper Tables 5-6): blurry input, the backbone alone,
# the motion-aware network (also fed the true trajectory endpoints), and model-based deconvolution;
# for the shipped U-Net (deblur-unet24) and for the paper's DMPHN(1-2-4) backbone (deblur-motion-aware).
#   bash scripts/evaluate_deblur.sh
# Scores the held-out set of scripts/heldout_set.sh; needs the ablation weights exported by
# `blurtrace train export ... --dest weights/ablations` (see weights/README.md).
# Writes data/results/deblur-*.jsonl (git-ignored) and prints the means.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
mkdir -p data/results
D=$(bash scripts/heldout_set.sh)
$B eval deblur $D --method net --json > data/results/deblur-dynamic-net.jsonl
$B eval deblur $D --method net --deblur-weights weights/ablations/deblur-unet24-backbone.safetensors --json > data/results/deblur-dynamic-backbone.jsonl
$B eval deblur $D --method net --deblur-weights blurtrace/weights/deblur-motion-aware.safetensors --json > data/results/deblur-dynamic-dmphn.jsonl
$B eval deblur $D --method net --deblur-weights weights/ablations/deblur-backbone.safetensors --json > data/results/deblur-dynamic-dmphn-backbone.jsonl
$B eval deblur $D --method net --true-trajectory --json > data/results/deblur-dynamic-net-true.jsonl
# deconvolution is slow: the first 8 scenes
$B eval deblur $D --method deconv --limit 8 --json > data/results/deblur-dynamic-deconv.jsonl
$B eval deblur $D --method deconv --true-trajectory --limit 8 --json > data/results/deblur-dynamic-deconv-true.jsonl
# the networks on those 8 scenes: their first 8 rows of the 40-scene runs above, not a second run
.venv/bin/python - <<'EOF'
import json
from blurtrace.eval import means
for run in ("net", "backbone", "dmphn", "dmphn-backbone"):
    with open(f"data/results/deblur-dynamic-{run}.jsonl") as f:
        rows = [json.loads(line) for line in f if not line.startswith('{"mean"')][:8]
    with open(f"data/results/deblur-dynamic-{run}-first8.jsonl", "w") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows + [{"mean": means(rows)}])
EOF
for f in net backbone net-true dmphn dmphn-backbone deconv deconv-true net-first8 backbone-first8 dmphn-first8 dmphn-backbone-first8; do echo "$f: $(tail -1 data/results/deblur-dynamic-$f.jsonl)"; done
# the two real GoPro pairs, when ../shared/realworld is present
if [ -d ../shared/realworld/gopro_pairs ]; then
  .venv/bin/python benchmarks/gopro_pairs.py --deblur net --deblur deconv > data/results/deblur-gopro.jsonl
  .venv/bin/python benchmarks/gopro_pairs.py --deblur net --deblur-weights weights/ablations/deblur-unet24-backbone.safetensors > data/results/deblur-gopro-backbone.jsonl
  .venv/bin/python benchmarks/gopro_pairs.py --deblur net --deblur-weights blurtrace/weights/deblur-motion-aware.safetensors > data/results/deblur-gopro-dmphn.jsonl
  .venv/bin/python benchmarks/gopro_pairs.py --deblur net --deblur-weights weights/ablations/deblur-backbone.safetensors > data/results/deblur-gopro-dmphn-backbone.jsonl
  for f in gopro gopro-backbone gopro-dmphn gopro-dmphn-backbone; do echo "$f: $(cat data/results/deblur-$f.jsonl)"; done
fi
